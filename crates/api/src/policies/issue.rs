//! `/policy-issues` and `/policies/{id}/issues`: the issues of a policy in areas A/B/C, each
//! shown with its milestones, progress notes, KPIs and links.

use super::kpi::{KpiOut, kpi_out};
use super::milestone::{MilestoneOut, facts_of, milestone_out};
use super::note::{ProgressNoteOut, note_out};
use super::{forbidden, not_found, with_version, writable_issue};
use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::concurrency::IfMatch;
use crate::context::actor;
use crate::department::{Directory, field_error, search_text};
use crate::dto::{HealthDto, PageOut};
use crate::error::ApiError;
use crate::extract::{ValidJson, page_of_query};
use crate::links::{LinkOut, link_outs};
use crate::state::AppState;
use crate::text_rules::{long_text, optional, short_text, title_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use domain::health::{HealthRules, MilestoneFacts, issue_health};
use domain::link::EntityKind;
use domain::link::EntityRef;
use domain::policy::{Area, Level};
use domain::policy::{Issue, IssueFields, IssueStatus};
use domain::wareki::FiscalYear;
use domain::{Action, Principal, authorize};
use persistence::policies::{self, IssueFilter, IssueParts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum PolicyAreaDto {
    A,
    B,
    C,
}

impl From<PolicyAreaDto> for Area {
    fn from(a: PolicyAreaDto) -> Self {
        match a {
            PolicyAreaDto::A => Area::A,
            PolicyAreaDto::B => Area::B,
            PolicyAreaDto::C => Area::C,
        }
    }
}

impl From<Area> for PolicyAreaDto {
    fn from(a: Area) -> Self {
        match a {
            Area::A => PolicyAreaDto::A,
            Area::B => PolicyAreaDto::B,
            Area::C => PolicyAreaDto::C,
        }
    }
}

/// 高 or 低 on the impact × urgency matrix.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LevelDto {
    High,
    Low,
}

impl From<LevelDto> for Level {
    fn from(l: LevelDto) -> Self {
        match l {
            LevelDto::High => Level::High,
            LevelDto::Low => Level::Low,
        }
    }
}

impl From<Level> for LevelDto {
    fn from(l: Level) -> Self {
        match l {
            Level::High => LevelDto::High,
            Level::Low => LevelDto::Low,
        }
    }
}

/// Where the owner says the issue stands: 未着手, 実施中, 完了, 保留.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IssueStatusDto {
    /// 未着手
    NotStarted,
    /// 実施中
    InProgress,
    /// 完了
    Done,
    /// 保留
    OnHold,
}

impl From<IssueStatusDto> for IssueStatus {
    fn from(s: IssueStatusDto) -> Self {
        match s {
            IssueStatusDto::NotStarted => IssueStatus::NotStarted,
            IssueStatusDto::InProgress => IssueStatus::InProgress,
            IssueStatusDto::Done => IssueStatus::Done,
            IssueStatusDto::OnHold => IssueStatus::OnHold,
        }
    }
}

impl From<IssueStatus> for IssueStatusDto {
    fn from(s: IssueStatus) -> Self {
        match s {
            IssueStatus::NotStarted => IssueStatusDto::NotStarted,
            IssueStatus::InProgress => IssueStatusDto::InProgress,
            IssueStatus::Done => IssueStatusDto::Done,
            IssueStatus::OnHold => IssueStatusDto::OnHold,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PolicyIssueIn {
    pub area: PolicyAreaDto,
    /// The number within the area: 1 for A(1).
    #[validate(range(
        min = 1,
        max = 99,
        code = "out_of_range",
        message = "must be between 1 and 99"
    ))]
    pub number: i32,
    /// 政策分野, e.g. 市民サービス向上, 働き方改革, 官民連携, 人材育成, 行政の透明性, 地域社会
    #[validate(custom(function = "short_text"))]
    pub policy_field: Option<String>,
    pub impact: Option<LevelDto>,
    pub urgency: Option<LevelDto>,
    /// 課題名
    #[validate(custom(function = "title_text"))]
    pub title: String,
    /// 課題の内容
    #[validate(custom(function = "long_text"))]
    pub content: Option<String>,
    /// 課題の背景や現状
    #[validate(custom(function = "long_text"))]
    pub background: Option<String>,
    /// 目指す成果
    #[validate(custom(function = "long_text"))]
    pub target_outcome: Option<String>,
    /// 課題に対する取組み
    #[validate(custom(function = "long_text"))]
    pub actions: Option<String>,
    /// The owner's status word; none until given.
    #[serde(default)]
    pub status: Option<IssueStatusDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyIssueOut {
    pub id: i64,
    pub policy_id: i64,
    pub bureau_id: i64,
    pub bureau_name: String,
    pub fiscal_year: i32,
    pub area: PolicyAreaDto,
    pub area_label: &'static str,
    pub number: i32,
    /// e.g. A(1)
    pub code: String,
    pub policy_field: Option<String>,
    pub impact: Option<LevelDto>,
    pub urgency: Option<LevelDto>,
    pub title: String,
    pub content: Option<String>,
    pub background: Option<String>,
    pub target_outcome: Option<String>,
    pub actions: Option<String>,
    /// The owner's status word (状況), beside anything computed.
    pub status: Option<IssueStatusDto>,
    /// 未着手, 実施中, 完了 or 保留.
    pub status_label: Option<&'static str>,
    /// Computed from its milestones as of today (Asia/Tokyo), stepped by quarter: a milestone
    /// counts once its quarter has ended or it slipped. Never the owner's word (`status`).
    pub health: HealthDto,
    pub health_label: &'static str,
    /// By quarter.
    pub milestones: Vec<MilestoneOut>,
    /// Newest first.
    pub progress_notes: Vec<ProgressNoteOut>,
    pub kpis: Vec<KpiOut>,
    /// Present on the single-issue answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkOut>>,
    pub can_edit: bool,
    pub version: i32,
}

fn issue_out(
    dir: &Directory,
    caller: &Principal,
    issue: &Issue,
    parts: IssueParts,
    rules: &HealthRules,
) -> PolicyIssueOut {
    let f = &issue.fields;
    let can_edit = dir.rights_over_bureau(caller, issue.bureau_id).edit;
    let today = today_in_tokyo();
    let facts: Vec<MilestoneFacts> = parts.milestones.iter().map(facts_of).collect();
    let health = issue_health(&facts, FiscalYear(issue.fiscal_year), today, rules);
    PolicyIssueOut {
        id: issue.id,
        policy_id: issue.policy_id,
        bureau_id: issue.bureau_id,
        bureau_name: dir.bureau_name(issue.bureau_id),
        fiscal_year: issue.fiscal_year,
        area: f.area.into(),
        area_label: f.area.label_ja(),
        number: f.number,
        code: f.area.code(f.number),
        policy_field: f.policy_field.clone(),
        impact: f.impact.map(Into::into),
        urgency: f.urgency.map(Into::into),
        title: f.title.clone(),
        content: f.content.clone(),
        background: f.background.clone(),
        target_outcome: f.target_outcome.clone(),
        actions: f.actions.clone(),
        status: f.status.map(Into::into),
        status_label: f.status.map(IssueStatus::label_ja),
        health: health.into(),
        health_label: health.label_ja(),
        milestones: parts
            .milestones
            .iter()
            .map(|m| milestone_out(m, issue.fiscal_year, can_edit, today, rules))
            .collect(),
        progress_notes: parts.notes.iter().map(note_out).collect(),
        kpis: parts
            .kpis
            .iter()
            .map(|k| kpi_out(k, issue.bureau_id, can_edit, rules))
            .collect(),
        links: None,
        can_edit,
        version: issue.version,
    }
}

pub(super) async fn issue_outs(
    state: &AppState,
    dir: &Directory,
    caller: &Principal,
    issues: &[Issue],
) -> Result<Vec<PolicyIssueOut>, ApiError> {
    let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    let mut parts = policies::parts_of(&state.db.conn, &ids).await?;
    Ok(issues
        .iter()
        .map(|i| {
            let parts = parts.remove(&i.id).unwrap_or_default();
            issue_out(dir, caller, i, parts, &state.health_rules)
        })
        .collect())
}

fn issue_fields(input: PolicyIssueIn) -> IssueFields {
    IssueFields {
        area: input.area.into(),
        number: input.number,
        policy_field: optional(input.policy_field),
        impact: input.impact.map(Into::into),
        urgency: input.urgency.map(Into::into),
        title: input.title.trim().to_owned(),
        content: optional(input.content),
        background: optional(input.background),
        target_outcome: optional(input.target_outcome),
        actions: optional(input.actions),
        status: input.status.map(Into::into),
    }
}

fn duplicate_code(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::Duplicate => field_error(
            "/number",
            "duplicate",
            "the policy has an issue with this area and number already",
        ),
        other => other.into(),
    }
}

pub(super) async fn single_issue_out(
    state: &AppState,
    caller: &Principal,
    issue: &Issue,
) -> Result<PolicyIssueOut, ApiError> {
    let dir = Directory::load(state).await?;
    let mut outs = issue_outs(state, &dir, caller, std::slice::from_ref(issue)).await?;
    outs.pop().ok_or_else(not_found)
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyIssueQuery {
    pub bureau_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    pub area: Option<PolicyAreaDto>,
    #[validate(length(max = 100, code = "length", message = "at most 100 characters"))]
    pub policy_field: Option<String>,
    pub impact: Option<LevelDto>,
    pub urgency: Option<LevelDto>,
    /// Text in any field of the issue, any length after NFKC; `%`, `_` and `\` are literal.
    #[validate(length(max = 200, code = "length", message = "at most 200 characters"))]
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub(crate) fn issue_filter(query: &PolicyIssueQuery) -> IssueFilter {
    IssueFilter {
        policy_id: None,
        bureau_id: query.bureau_id,
        fiscal_year: query.fiscal_year,
        area: query.area.map(Into::into),
        policy_field: optional(query.policy_field.clone()),
        impact: query.impact.map(Into::into),
        urgency: query.urgency.map(Into::into),
        text: search_text(query.q.as_deref()),
    }
}

/// Policy issues across bureaus and years, filtered.
#[utoipa::path(tag = "policies", params(PolicyIssueQuery), responses((status = 200, body = PageOut<PolicyIssueOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policy-issues")]
pub async fn list_policy_issues(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<PolicyIssueQuery>,
) -> Result<web::Json<PageOut<PolicyIssueOut>>, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let paging = page_of_query(&*query, query.page, query.per_page)?;
    let filter = issue_filter(&query);
    let page = policies::list_issues(&state.db.conn, &filter, paging).await?;
    let dir = Directory::load(&state).await?;
    let items = issue_outs(&state, &dir, &caller.0, &page.items).await?;
    Ok(web::Json(PageOut {
        items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// One policy issue with its milestones, notes, KPIs and links.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 200, body = PolicyIssueOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policy-issues/{id}")]
pub async fn get_policy_issue(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let issue = policies::find_issue(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    let mut out = single_issue_out(&state, &caller.0, &issue).await?;
    out.links = Some(
        link_outs(
            &state,
            &caller.0,
            EntityRef {
                kind: EntityKind::PolicyIssue,
                id: issue.id,
            },
        )
        .await?,
    );
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Add an issue to a policy.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), request_body = PolicyIssueIn, responses((status = 201, body = PolicyIssueOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policies/{id}/issues")]
pub async fn create_policy_issue(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<PolicyIssueIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let policy = policies::find_policy(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    let dir = Directory::load(&state).await?;
    if !dir
        .rights_over_bureau(&caller, policy.fields.bureau_id)
        .edit
    {
        return Err(forbidden());
    }
    let issue = policies::create_issue(&state.db.conn, *id, issue_fields(body.0), &actor(&caller))
        .await
        .map_err(duplicate_code)?;
    let out = single_issue_out(&state, &caller, &issue).await?;
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Replace an issue's fields. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = PolicyIssueIn, responses((status = 200, body = PolicyIssueOut), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/policy-issues/{id}")]
pub async fn replace_policy_issue(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<PolicyIssueIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    writable_issue(&state, &caller, *id).await?;
    let issue = policies::replace_issue(
        &state.db.conn,
        *id,
        version,
        issue_fields(body.0),
        &actor(&caller),
    )
    .await
    .map_err(duplicate_code)?;
    let out = single_issue_out(&state, &caller, &issue).await?;
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Delete an issue with its milestones, notes, KPIs and links. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 412, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/policy-issues/{id}")]
pub async fn delete_policy_issue(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    writable_issue(&state, &caller, *id).await?;
    policies::delete_issue(&state.db.conn, *id, version, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}
