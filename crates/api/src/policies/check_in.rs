//! `POST /policy-issues/{id}/check-ins`: an owner's progress answer for a policy issue in one
//! write — the issue's status word, how it stood as of a day, and each milestone of the quarter
//! done or slipped (with the reason) — all kept or none. A reporting round's inbox answers a
//! policy issue with it; each part is still an ordinary audited write of its record.

use super::issue::{IssueStatusDto, PolicyIssueOut, single_issue_out};
use super::milestone::{MilestoneStateDto, conflict_error, day_done, reason_text};
use super::note::ProgressNoteIn;
use super::{with_version, writable_issue};
use crate::auth::Authenticated;
use crate::concurrency::IfMatch;
use crate::context::actor;
use crate::department::field_error;
use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::text_rules::optional;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use domain::policy::MilestoneState;
use persistence::policies::{self, CheckIn, CheckInError, MilestoneMove, NoteDraft};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;
use validator::Validate;

/// Where a milestone stands after the check-in, against the version the owner read; its
/// quarter, title and row stay as they are.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MilestoneMoveIn {
    pub id: i64,
    /// The milestone's `version` as read.
    pub version: i32,
    pub state: MilestoneStateDto,
    /// The day it was done: only with `done` (today when left out).
    pub done_on: Option<NaiveDate>,
    /// Why it slipped: required with `slipped`, refused with any other state.
    #[validate(custom(function = "reason_text"))]
    #[serde(default)]
    pub slip_reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CheckInIn {
    /// The owner's status word after the check-in; left out, the issue keeps its own.
    #[serde(default)]
    pub status: Option<IssueStatusDto>,
    /// How the issue stood as of 基準日.
    #[validate(nested)]
    #[serde(default)]
    pub note: Option<ProgressNoteIn>,
    /// The milestones that moved.
    #[validate(
        nested,
        length(
            max = 200,
            code = "length",
            message = "at most 200 milestones in one check-in"
        )
    )]
    #[serde(default)]
    pub milestones: Vec<MilestoneMoveIn>,
}

/// Answer for a policy issue at once: its status word, a progress note and the milestones that
/// moved, in one transaction. Needs `If-Match` with the issue's version; each milestone names
/// its own. A stale version anywhere (412) or any refused field (422) writes nothing.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = CheckInIn, responses((status = 200, body = PolicyIssueOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 404, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policy-issues/{id}/check-ins")]
pub async fn check_in_policy_issue(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<CheckInIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    let input = body.0;
    let check_in = check_in_of(input)?;
    writable_issue(&state, &caller, *id).await?;
    let issue = policies::check_in(&state.db.conn, *id, version, check_in, &actor(&caller))
        .await
        .map_err(|err| match err {
            CheckInError::ForeignMilestone { index, .. } => field_error(
                &format!("/milestones/{index}/id"),
                "not_found",
                "not a milestone of this issue",
            ),
            CheckInError::Conflict { index, conflict } => {
                conflict_error(&format!("/milestones/{index}"), conflict)
            }
            CheckInError::Store(err) => err.into(),
        })?;
    let out = single_issue_out(&state, &caller, &issue).await?;
    Ok(with_version(StatusCode::OK, out.version, out))
}

fn check_in_of(input: CheckInIn) -> Result<CheckIn, ApiError> {
    if input.status.is_none() && input.note.is_none() && input.milestones.is_empty() {
        return Err(field_error(
            "",
            "required",
            "a check-in gives a status, a progress note or a moved milestone",
        ));
    }
    let mut seen = HashSet::new();
    let mut milestones = Vec::with_capacity(input.milestones.len());
    for (index, moved) in input.milestones.into_iter().enumerate() {
        if !seen.insert(moved.id) {
            return Err(field_error(
                &format!("/milestones/{index}/id"),
                "duplicate",
                "the milestone is moved twice",
            ));
        }
        let state: MilestoneState = moved.state.into();
        milestones.push(MilestoneMove {
            id: moved.id,
            expected_version: moved.version,
            state,
            done_on: day_done(state, moved.done_on),
            slip_reason: optional(moved.slip_reason),
        });
    }
    let note = input.note.map(|note| NoteDraft {
        as_of_label: optional(note.as_of_label)
            .unwrap_or_else(|| format!("{}時点", domain::wareki::format_year_month(note.as_of))),
        as_of: note.as_of,
        body: note.body.trim().to_owned(),
    });
    Ok(CheckIn {
        status: input.status.map(Into::into),
        note,
        milestones,
    })
}
