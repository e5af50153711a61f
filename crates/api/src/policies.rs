//! `/policies`, `/policy-issues`, `/milestones`, `/progress-notes`, `/kpis`: each bureau's
//! annual X policy with its issues in areas A/B/C, quarterly milestones, progress notes as of
//! dates and KPIs whose change against the baseline is computed here, never typed in.
//!
//! A policy is bureau-wide: admins, editors of the bureau and editors of any of its sections
//! write it and everything under it.

use crate::auth::Authenticated;
use crate::concurrency::{IfMatch, with_etag};
use crate::department::{Directory, check_amount, field_error, search_text};
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode, FieldLocation};
use crate::extract::{Paging, ValidJson, validate};
use crate::links::{LinkOut, link_outs};
use crate::organization::{actor, today_in_tokyo};
use crate::state::AppState;
use crate::text_rules::{long_text, optional, short_text, title_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::link::EntityKind;
use domain::policy::{
    Area, Level, MilestoneState, Quarter, is_overdue, percent_change, percent_of_target,
};
use domain::wareki::FiscalYear;
use domain::{Action, Principal, authorize};
use persistence::links::EntityRef;
use persistence::policies::{
    self, Issue, IssueFields, IssueFilter, IssueParts, Kpi, KpiFields, Milestone, MilestoneFields,
    Policy, PolicyFields, PolicyFilter, ProgressNote,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

fn label_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 100, false)
}

fn unit_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 30, false)
}

fn note_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 500, true)
}

fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::Forbidden).with_detail(
        "editors write the X policy of their own bureau (or of their sections' bureau)",
    )
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

fn with_version<T: Serialize>(status: StatusCode, version: i32, out: T) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    with_etag(&mut builder, version).json(out)
}

// ---------------------------------------------------------------------------------------------
// Wire types

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
pub struct PolicyIn {
    pub bureau_id: i64,
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    #[schema(example = 2025)]
    pub fiscal_year: i32,
    /// 組織の使命
    #[validate(custom(function = "long_text"))]
    pub mission: Option<String>,
    /// 基本情報 (budget, organisation, public facilities…)
    #[validate(custom(function = "long_text"))]
    pub basic_information: Option<String>,
    /// 前年度の振り返り: 総評
    #[validate(custom(function = "long_text"))]
    pub review_summary: Option<String>,
    /// 変革が実現した課題・取組内容・市民にもたらされた効果
    #[validate(custom(function = "long_text"))]
    pub review_achieved: Option<String>,
    /// 取組・進捗が十分でなかった項目・内容（理由）
    #[validate(custom(function = "long_text"))]
    pub review_not_achieved: Option<String>,
    /// 取組の方向性
    #[validate(custom(function = "long_text"))]
    pub direction: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySummaryOut {
    pub id: i64,
    pub bureau_id: i64,
    pub bureau_name: String,
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub issue_count: u64,
    pub can_edit: bool,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyOut {
    pub id: i64,
    pub bureau_id: i64,
    pub bureau_name: String,
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub mission: Option<String>,
    pub basic_information: Option<String>,
    pub review_summary: Option<String>,
    pub review_achieved: Option<String>,
    pub review_not_achieved: Option<String>,
    pub direction: Option<String>,
    /// By area, then number.
    pub issues: Vec<PolicyIssueOut>,
    pub can_edit: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
    /// The last day of the quarter.
    pub due_on: NaiveDate,
    /// Still planned after its quarter ended.
    pub overdue: bool,
    pub can_edit: bool,
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProgressNoteIn {
    pub as_of: NaiveDate,
    /// As the sheet says it, e.g. 令和7年12月時点; made from `as_of` when left out.
    #[validate(custom(function = "label_text"))]
    pub as_of_label: Option<String>,
    #[validate(custom(function = "long_text"))]
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressNoteOut {
    pub id: i64,
    pub issue_id: i64,
    pub as_of: NaiveDate,
    pub as_of_label: String,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct KpiIn {
    #[validate(custom(function = "title_text"))]
    #[schema(example = "デジラボ RPA 削減時間")]
    pub name: String,
    #[validate(custom(function = "unit_text"))]
    #[schema(example = "時間")]
    pub unit: String,
    #[schema(example = 948)]
    #[validate(custom(function = "crate::department::amount"))]
    pub baseline_value: f64,
    #[schema(example = "2023-11-30")]
    pub baseline_on: NaiveDate,
    #[validate(custom(function = "crate::department::amount"))]
    pub target_value: Option<f64>,
    pub target_on: Option<NaiveDate>,
    #[validate(custom(function = "note_text"))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct KpiActualIn {
    #[schema(example = 1002)]
    #[validate(custom(function = "crate::department::amount"))]
    pub value: f64,
    #[schema(example = "2024-11-30")]
    pub measured_on: NaiveDate,
    #[validate(custom(function = "note_text"))]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiActualOut {
    pub id: i64,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiOut {
    pub id: i64,
    pub issue_id: i64,
    pub bureau_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline_value: f64,
    pub baseline_on: NaiveDate,
    pub target_value: Option<f64>,
    pub target_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// Oldest first.
    pub actuals: Vec<KpiActualOut>,
    pub latest_value: Option<f64>,
    pub latest_on: Option<NaiveDate>,
    /// Latest actual minus baseline.
    pub change_value: Option<f64>,
    /// (latest − baseline) / baseline in percent, one decimal (948 → 1,002 is 5.7).
    pub change_percent: Option<f64>,
    /// How far the latest actual has come from the baseline towards the target, in percent.
    pub target_progress_percent: Option<f64>,
    /// Present on the single-KPI answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkOut>>,
    pub can_edit: bool,
    pub version: i32,
}

// ---------------------------------------------------------------------------------------------
// Views

fn milestone_out(
    m: &Milestone,
    fiscal_year: i32,
    can_edit: bool,
    today: NaiveDate,
) -> MilestoneOut {
    let f = &m.fields;
    let due_on = f.quarter.last_day(FiscalYear(fiscal_year));
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
        due_on,
        overdue: is_overdue(f.state, due_on, today),
        can_edit,
        version: m.version,
    }
}

fn note_out(n: &ProgressNote) -> ProgressNoteOut {
    ProgressNoteOut {
        id: n.id,
        issue_id: n.issue_id,
        as_of: n.as_of,
        as_of_label: n.as_of_label.clone(),
        body: n.body.clone(),
        recorded_at: n.recorded_at,
    }
}

pub(crate) fn kpi_out(k: &Kpi, bureau_id: i64, can_edit: bool) -> KpiOut {
    let f = &k.fields;
    let latest = k.actuals.last();
    let latest_value = latest.map(|a| a.value);
    KpiOut {
        id: k.id,
        issue_id: k.issue_id,
        bureau_id,
        name: f.name.clone(),
        unit: f.unit.clone(),
        baseline_value: f.baseline_value,
        baseline_on: f.baseline_on,
        target_value: f.target_value,
        target_on: f.target_on,
        note: f.note.clone(),
        actuals: k
            .actuals
            .iter()
            .map(|a| KpiActualOut {
                id: a.id,
                value: a.value,
                measured_on: a.measured_on,
                note: a.note.clone(),
            })
            .collect(),
        latest_value,
        latest_on: latest.map(|a| a.measured_on),
        change_value: latest_value.map(|v| v - f.baseline_value),
        change_percent: latest_value.and_then(|v| percent_change(f.baseline_value, v)),
        target_progress_percent: match (f.target_value, latest_value) {
            (Some(target), Some(value)) => percent_of_target(f.baseline_value, target, value),
            _ => None,
        },
        links: None,
        can_edit,
        version: k.version,
    }
}

fn issue_out(
    dir: &Directory,
    caller: &Principal,
    issue: &Issue,
    parts: IssueParts,
) -> PolicyIssueOut {
    let f = &issue.fields;
    let can_edit = dir.may_edit_bureau(caller, issue.bureau_id);
    let today = today_in_tokyo();
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
        milestones: parts
            .milestones
            .iter()
            .map(|m| milestone_out(m, issue.fiscal_year, can_edit, today))
            .collect(),
        progress_notes: parts.notes.iter().map(note_out).collect(),
        kpis: parts
            .kpis
            .iter()
            .map(|k| kpi_out(k, issue.bureau_id, can_edit))
            .collect(),
        links: None,
        can_edit,
        version: issue.version,
    }
}

async fn issue_outs(
    state: &AppState,
    dir: &Directory,
    caller: &Principal,
    issues: &[Issue],
) -> Result<Vec<PolicyIssueOut>, ApiError> {
    let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    let mut parts = policies::parts_of(&state.db.conn, &ids).await?;
    Ok(issues
        .iter()
        .map(|i| issue_out(dir, caller, i, parts.remove(&i.id).unwrap_or_default()))
        .collect())
}

async fn policy_out(
    state: &AppState,
    caller: &Principal,
    p: &Policy,
) -> Result<PolicyOut, ApiError> {
    let dir = Directory::load(state).await?;
    let issues = policies::list_issues(
        &state.db.conn,
        &IssueFilter {
            policy_id: Some(p.id),
            ..IssueFilter::default()
        },
        persistence::PageRequest {
            page: 1,
            per_page: 1000,
        },
    )
    .await?
    .items;
    let f = &p.fields;
    Ok(PolicyOut {
        id: p.id,
        bureau_id: f.bureau_id,
        bureau_name: dir.bureau_name(f.bureau_id),
        fiscal_year: f.fiscal_year,
        fiscal_year_label: FiscalYear(f.fiscal_year).to_string(),
        mission: f.mission.clone(),
        basic_information: f.basic_information.clone(),
        review_summary: f.review_summary.clone(),
        review_achieved: f.review_achieved.clone(),
        review_not_achieved: f.review_not_achieved.clone(),
        direction: f.direction.clone(),
        issues: issue_outs(state, &dir, caller, &issues).await?,
        can_edit: dir.may_edit_bureau(caller, f.bureau_id),
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

// ---------------------------------------------------------------------------------------------
// Policies

fn policy_fields(input: PolicyIn) -> PolicyFields {
    PolicyFields {
        bureau_id: input.bureau_id,
        fiscal_year: input.fiscal_year,
        mission: optional(input.mission),
        basic_information: optional(input.basic_information),
        review_summary: optional(input.review_summary),
        review_achieved: optional(input.review_achieved),
        review_not_achieved: optional(input.review_not_achieved),
        direction: optional(input.direction),
    }
}

fn policy_write_error(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::Duplicate => ApiError::new(ErrorCode::Conflict)
            .with_detail("this bureau has an X policy for that fiscal year already"),
        persistence::StoreError::MissingReference(_) => {
            field_error("/bureau_id", "missing_reference", "no bureau has this id")
        }
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    pub bureau_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    /// Text in the policy or any of its issues, any length after NFKC.
    #[validate(length(max = 200, code = "length", message = "at most 200 characters"))]
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub(crate) fn policy_filter(query: &PolicyQuery) -> PolicyFilter {
    PolicyFilter {
        bureau_id: query.bureau_id,
        fiscal_year: query.fiscal_year,
        text: search_text(query.q.as_deref()),
    }
}

/// X policies, newest fiscal year first.
#[utoipa::path(tag = "policies", params(PolicyQuery), responses((status = 200, body = PageOut<PolicySummaryOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<PolicyQuery>,
) -> Result<web::Json<PageOut<PolicySummaryOut>>, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    validate(&*query, FieldLocation::Query)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    }
    .request()?;
    let filter = policy_filter(&query);
    let page = policies::list_policies(&state.db.conn, &filter, paging).await?;
    let dir = Directory::load(&state).await?;
    Ok(web::Json(PageOut::from_page(page, |p| PolicySummaryOut {
        id: p.id,
        bureau_id: p.fields.bureau_id,
        bureau_name: dir.bureau_name(p.fields.bureau_id),
        fiscal_year: p.fields.fiscal_year,
        fiscal_year_label: FiscalYear(p.fields.fiscal_year).to_string(),
        issue_count: p.issue_count,
        can_edit: dir.may_edit_bureau(&caller.0, p.fields.bureau_id),
        version: p.version,
    })))
}

/// One X policy with its issues, milestones, progress notes and KPIs.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 200, body = PolicyOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policies/{id}")]
pub async fn get_policy(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let policy = policies::find_policy(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    let out = policy_out(&state, &caller.0, &policy).await?;
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Start a bureau's X policy for a fiscal year (one per bureau and year).
#[utoipa::path(tag = "policies", request_body = PolicyIn, responses((status = 201, body = PolicyOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 409, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<PolicyIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let dir = Directory::load(&state).await?;
    if !dir.has_bureau(body.0.bureau_id) {
        return Err(field_error(
            "/bureau_id",
            "missing_reference",
            "no bureau has this id",
        ));
    }
    if !dir.may_edit_bureau(&caller, body.0.bureau_id) {
        return Err(forbidden());
    }
    let policy = policies::create_policy(&state.db.conn, policy_fields(body.0), &actor(&caller))
        .await
        .map_err(policy_write_error)?;
    let out = policy_out(&state, &caller, &policy).await?;
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Replace a policy's texts. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = PolicyIn, responses((status = 200, body = PolicyOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/policies/{id}")]
pub async fn replace_policy(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<PolicyIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let current = policies::find_policy(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    let dir = Directory::load(&state).await?;
    if !dir.may_edit_bureau(&caller, current.fields.bureau_id)
        || !dir.may_edit_bureau(&caller, body.0.bureau_id)
    {
        return Err(forbidden());
    }
    let policy = policies::replace_policy(
        &state.db.conn,
        *id,
        version,
        policy_fields(body.0),
        &actor(&caller),
    )
    .await
    .map_err(policy_write_error)?;
    let out = policy_out(&state, &caller, &policy).await?;
    Ok(with_version(StatusCode::OK, out.version, out))
}

// ---------------------------------------------------------------------------------------------
// Issues

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

/// The issue, if the caller may write under it.
async fn writable_issue(
    state: &AppState,
    caller: &Principal,
    issue_id: i64,
) -> Result<(Issue, Directory), ApiError> {
    authorize(caller, Action::EditDepartmentWork)?;
    let issue = policies::find_issue(&state.db.conn, issue_id)
        .await?
        .ok_or_else(not_found)?;
    let dir = Directory::load(state).await?;
    if !dir.may_edit_bureau(caller, issue.bureau_id) {
        return Err(forbidden());
    }
    Ok((issue, dir))
}

async fn single_issue_out(
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
    validate(&*query, FieldLocation::Query)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    }
    .request()?;
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
    if !dir.may_edit_bureau(&caller, policy.fields.bureau_id) {
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

// ---------------------------------------------------------------------------------------------
// Milestones

fn milestone_fields(input: MilestoneIn) -> Result<MilestoneFields, ApiError> {
    let quarter = Quarter::new(input.quarter)
        .ok_or_else(|| field_error("/quarter", "out_of_range", "must be 1 to 4"))?;
    let state: MilestoneState = input.state.into();
    let done_on = match (state, input.done_on) {
        (MilestoneState::Done, None) => Some(today_in_tokyo()),
        (MilestoneState::Done, Some(day)) => Some(day),
        (_, None) => None,
        (_, Some(_)) => {
            return Err(field_error(
                "/done_on",
                "not_allowed",
                "only a milestone in state done has a done_on date",
            ));
        }
    };
    Ok(MilestoneFields {
        workstream: optional(input.workstream),
        quarter,
        title: input.title.trim().to_owned(),
        state,
        done_on,
    })
}

async fn writable_milestone(
    state: &AppState,
    caller: &Principal,
    id: i64,
) -> Result<(Milestone, Issue, Directory), ApiError> {
    authorize(caller, Action::EditDepartmentWork)?;
    let milestone = policies::find_milestone(&state.db.conn, id)
        .await?
        .ok_or_else(not_found)?;
    let (issue, dir) = writable_issue(state, caller, milestone.issue_id).await?;
    Ok((milestone, issue, dir))
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
    let fields = milestone_fields(body.0)?;
    let m = policies::create_milestone(&state.db.conn, *id, fields, &actor(&caller)).await?;
    let out = milestone_out(&m, issue.fiscal_year, true, today_in_tokyo());
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
    let fields = milestone_fields(body.0)?;
    let m =
        policies::replace_milestone(&state.db.conn, *id, version, fields, &actor(&caller)).await?;
    let out = milestone_out(&m, issue.fiscal_year, true, today_in_tokyo());
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

// ---------------------------------------------------------------------------------------------
// Progress notes

/// Record how an issue stood as of a date.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), request_body = ProgressNoteIn, responses((status = 201, body = ProgressNoteOut), (status = 403, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policy-issues/{id}/progress-notes")]
pub async fn create_progress_note(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<ProgressNoteIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    writable_issue(&state, &caller, *id).await?;
    let input = body.0;
    let label = optional(input.as_of_label)
        .unwrap_or_else(|| format!("{}時点", domain::wareki::format_year_month(input.as_of)));
    let note = policies::create_note(
        &state.db.conn,
        *id,
        input.as_of,
        label,
        input.body.trim().to_owned(),
        &actor(&caller),
    )
    .await?;
    Ok(HttpResponse::Created().json(note_out(&note)))
}

/// Delete a progress note.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/progress-notes/{id}")]
pub async fn delete_progress_note(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let note = policies::find_note(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    writable_issue(&state, &caller, note.issue_id).await?;
    policies::delete_note(&state.db.conn, *id, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// KPIs

fn kpi_fields(input: KpiIn) -> Result<KpiFields, ApiError> {
    check_amount("/baseline_value", input.baseline_value)?;
    if let Some(target) = input.target_value {
        check_amount("/target_value", target)?;
    }
    Ok(KpiFields {
        name: input.name.trim().to_owned(),
        unit: input.unit.trim().to_owned(),
        baseline_value: input.baseline_value,
        baseline_on: input.baseline_on,
        target_value: input.target_value,
        target_on: input.target_on,
        note: optional(input.note),
    })
}

async fn writable_kpi(
    state: &AppState,
    caller: &Principal,
    id: i64,
) -> Result<(Kpi, Issue), ApiError> {
    authorize(caller, Action::EditDepartmentWork)?;
    let kpi = policies::find_kpi(&state.db.conn, id)
        .await?
        .ok_or_else(not_found)?;
    let (issue, _) = writable_issue(state, caller, kpi.issue_id).await?;
    Ok((kpi, issue))
}

/// One KPI with its actuals, computed change and links.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 200, body = KpiOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/kpis/{id}")]
pub async fn get_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let kpi = policies::find_kpi(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    let issue = policies::find_issue(&state.db.conn, kpi.issue_id)
        .await?
        .ok_or_else(not_found)?;
    let dir = Directory::load(&state).await?;
    let mut out = kpi_out(
        &kpi,
        issue.bureau_id,
        dir.may_edit_bureau(&caller.0, issue.bureau_id),
    );
    out.links = Some(
        link_outs(
            &state,
            &caller.0,
            EntityRef {
                kind: EntityKind::Kpi,
                id: kpi.id,
            },
        )
        .await?,
    );
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Add a KPI to an issue.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), request_body = KpiIn, responses((status = 201, body = KpiOut), (status = 403, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policy-issues/{id}/kpis")]
pub async fn create_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<KpiIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (issue, _) = writable_issue(&state, &caller, *id).await?;
    let kpi =
        policies::create_kpi(&state.db.conn, *id, kpi_fields(body.0)?, &actor(&caller)).await?;
    let out = kpi_out(&kpi, issue.bureau_id, true);
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Replace a KPI's definition. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = KpiIn, responses((status = 200, body = KpiOut), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/kpis/{id}")]
pub async fn replace_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<KpiIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    let (_, issue) = writable_kpi(&state, &caller, *id).await?;
    let kpi = policies::replace_kpi(
        &state.db.conn,
        *id,
        version,
        kpi_fields(body.0)?,
        &actor(&caller),
    )
    .await?;
    let out = kpi_out(&kpi, issue.bureau_id, true);
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Delete a KPI, its actuals and links. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 412, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/kpis/{id}")]
pub async fn delete_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    writable_kpi(&state, &caller, *id).await?;
    policies::delete_kpi(&state.db.conn, *id, version, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Record a measured value; answers the whole KPI with its new change.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), request_body = KpiActualIn, responses((status = 201, body = KpiOut), (status = 403, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/kpis/{id}/actuals")]
pub async fn create_kpi_actual(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<KpiActualIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (_, issue) = writable_kpi(&state, &caller, *id).await?;
    let input = body.0;
    check_amount("/value", input.value)?;
    let kpi = policies::add_actual(
        &state.db.conn,
        *id,
        input.value,
        input.measured_on,
        optional(input.note),
        &actor(&caller),
    )
    .await?;
    let out = kpi_out(&kpi, issue.bureau_id, true);
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Delete a measured value.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/kpi-actuals/{id}")]
pub async fn delete_kpi_actual(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let actual = policies::find_actual(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    writable_kpi(&state, &caller, actual.kpi_id).await?;
    policies::delete_actual(&state.db.conn, *id, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}
