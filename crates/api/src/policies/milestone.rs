//! `/milestones` and `/policy-issues/{id}/milestones`: an issue's plan per quarter of the
//! fiscal year, done or overdue against the quarter's last day.

use super::{with_version, writable_issue, writable_under_issue};
use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::concurrency::IfMatch;
use crate::context::actor;
use crate::department::{Directory, field_error};
use crate::dto::HealthDto;
use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::text_rules::{optional, title_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, post, put, web};
use chrono::NaiveDate;
use domain::Principal;
use domain::health::{HealthRules, MilestoneFacts, milestone_health};
use domain::policy::{Issue, Milestone, MilestoneFields};
use domain::policy::{MilestoneConflict, MilestoneState, Quarter, is_overdue};
use domain::wareki::FiscalYear;
use persistence::policies;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneStateDto {
    /// 予定
    Planned,
    /// 完了
    Done,
    /// 遅延
    Slipped,
}

impl From<MilestoneStateDto> for MilestoneState {
    fn from(s: MilestoneStateDto) -> Self {
        match s {
            MilestoneStateDto::Planned => MilestoneState::Planned,
            MilestoneStateDto::Done => MilestoneState::Done,
            MilestoneStateDto::Slipped => MilestoneState::Slipped,
        }
    }
}

impl From<MilestoneState> for MilestoneStateDto {
    fn from(s: MilestoneState) -> Self {
        match s {
            MilestoneState::Planned => MilestoneStateDto::Planned,
            MilestoneState::Done => MilestoneStateDto::Done,
            MilestoneState::Slipped => MilestoneStateDto::Slipped,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MilestoneIn {
    /// The row of the quarter grid, e.g. 子ども受付ルーム.
    #[validate(custom(function = "crate::text_rules::title_text"))]
    pub workstream: Option<String>,
    /// 1 = 第1四半期 (4–6月) … 4 = 第4四半期 (1–3月)
    #[validate(range(min = 1, max = 4, code = "out_of_range", message = "must be 1 to 4"))]
    pub quarter: u8,
    #[validate(custom(function = "title_text"))]
    pub title: String,
    pub state: MilestoneStateDto,
    /// The day it was done: only with `done` (today when left out).
    pub done_on: Option<NaiveDate>,
    /// Why it slipped: required with `slipped`, refused with any other state.
    #[validate(custom(function = "reason_text"))]
    #[serde(default)]
    pub slip_reason: Option<String>,
}

pub(crate) fn reason_text(value: &str) -> Result<(), validator::ValidationError> {
    crate::text_rules::text_rule(value, 1000, true)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneOut {
    pub id: i64,
    pub issue_id: i64,
    pub workstream: Option<String>,
    #[schema(minimum = 1, maximum = 4)]
    pub quarter: u8,
    /// 第1四半期（4～6月）
    pub quarter_label: String,
    pub title: String,
    pub state: MilestoneStateDto,
    pub state_label: &'static str,
    pub done_on: Option<NaiveDate>,
    /// Why it slipped, while it is slipped.
    pub slip_reason: Option<String>,
    /// The last day of the quarter.
    pub due_on: NaiveDate,
    /// Still planned after its quarter ended.
    pub overdue: bool,
    /// Computed from its state and quarter as of today (Asia/Tokyo): 完了, 順調, 注意 (in the
    /// quarter's last days), 遅延 (slipped or past its quarter), 未着手 (before its quarter).
    pub health: HealthDto,
    pub health_label: &'static str,
    pub can_edit: bool,
    pub version: i32,
}

pub(super) fn milestone_out(
    m: &Milestone,
    fiscal_year: i32,
    can_edit: bool,
    today: NaiveDate,
    rules: &HealthRules,
) -> MilestoneOut {
    let f = &m.fields;
    let due_on = f.quarter.last_day(FiscalYear(fiscal_year));
    let health = milestone_health(facts_of(m), FiscalYear(fiscal_year), today, rules);
    MilestoneOut {
        id: m.id,
        issue_id: m.issue_id,
        workstream: f.workstream.clone(),
        quarter: f.quarter.number(),
        quarter_label: f.quarter.label_ja(),
        title: f.title.clone(),
        state: f.state.into(),
        state_label: f.state.label_ja(),
        done_on: f.done_on,
        slip_reason: f.slip_reason.clone(),
        due_on,
        overdue: is_overdue(f.state, due_on, today),
        health: health.into(),
        health_label: health.label_ja(),
        can_edit,
        version: m.version,
    }
}

/// A milestone as computed health reads it.
pub(super) fn facts_of(m: &Milestone) -> MilestoneFacts {
    MilestoneFacts {
        state: m.fields.state,
        done_on: m.fields.done_on,
        quarter: m.fields.quarter,
    }
}

/// The fields of a milestone as asked for, under `pointer` (the body, or a milestone of a
/// check-in), with `done_on` filled in with today for a milestone marked done without a day.
pub(crate) fn milestone_fields(
    input: MilestoneIn,
    pointer: &str,
) -> Result<MilestoneFields, ApiError> {
    let quarter = Quarter::new(input.quarter).ok_or_else(|| {
        field_error(
            &format!("{pointer}/quarter"),
            "out_of_range",
            "must be 1 to 4",
        )
    })?;
    let state: MilestoneState = input.state.into();
    let done_on = day_done(state, input.done_on);
    let fields = MilestoneFields {
        workstream: optional(input.workstream),
        quarter,
        title: input.title.trim().to_owned(),
        state,
        done_on,
        slip_reason: optional(input.slip_reason),
    };
    match fields.conflict() {
        None => Ok(fields),
        Some(conflict) => Err(conflict_error(pointer, conflict)),
    }
}

/// The day a milestone was done as asked for: a milestone marked done without a day was done
/// today (Asia/Tokyo); any other state keeps what was sent, for the rules to refuse.
pub(crate) fn day_done(state: MilestoneState, day: Option<NaiveDate>) -> Option<NaiveDate> {
    match (state, day) {
        (MilestoneState::Done, None) => Some(today_in_tokyo()),
        (_, day) => day,
    }
}

/// The 422 for a milestone whose fields do not hold together, at the field to mend.
pub(crate) fn conflict_error(pointer: &str, conflict: MilestoneConflict) -> ApiError {
    match conflict {
        MilestoneConflict::DayWithoutDone => field_error(
            &format!("{pointer}/done_on"),
            "not_allowed",
            "only a milestone in state done has a done_on date",
        ),
        MilestoneConflict::SlippedWithoutReason => field_error(
            &format!("{pointer}/slip_reason"),
            "required",
            "a slipped milestone needs the reason it slipped (遅延の理由)",
        ),
        MilestoneConflict::ReasonWithoutSlip => field_error(
            &format!("{pointer}/slip_reason"),
            "not_allowed",
            "only a milestone in state slipped has a slip_reason",
        ),
    }
}

async fn writable_milestone(
    state: &AppState,
    caller: &Principal,
    id: i64,
) -> Result<(Milestone, Issue, Directory), ApiError> {
    writable_under_issue(
        state,
        caller,
        policies::find_milestone(&state.db.conn, id),
        |m| m.issue_id,
    )
    .await
}

/// Plan a milestone in a quarter of the policy's fiscal year.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), request_body = MilestoneIn, responses((status = 201, body = MilestoneOut), (status = 403, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policy-issues/{id}/milestones")]
pub async fn create_milestone(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<MilestoneIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (issue, _) = writable_issue(&state, &caller, *id).await?;
    let fields = milestone_fields(body.0, "")?;
    let m = policies::create_milestone(&state.db.conn, *id, fields, &actor(&caller)).await?;
    let out = milestone_out(
        &m,
        issue.fiscal_year,
        true,
        today_in_tokyo(),
        &state.health_rules,
    );
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Replace a milestone, e.g. mark it done. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = MilestoneIn, responses((status = 200, body = MilestoneOut), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/milestones/{id}")]
pub async fn replace_milestone(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<MilestoneIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    let (_, issue, _) = writable_milestone(&state, &caller, *id).await?;
    let fields = milestone_fields(body.0, "")?;
    let m =
        policies::replace_milestone(&state.db.conn, *id, version, fields, &actor(&caller)).await?;
    let out = milestone_out(
        &m,
        issue.fiscal_year,
        true,
        today_in_tokyo(),
        &state.health_rules,
    );
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Delete a milestone. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 412, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/milestones/{id}")]
pub async fn delete_milestone(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    writable_milestone(&state, &caller, *id).await?;
    policies::delete_milestone(&state.db.conn, *id, version, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}
