//! `/project-teams`, `/proposals` and the progress report: the PT proposal workflow per
//! responsible section.
//!
//! Visibility and reach: a proposer sees only the proposals they submitted; any other proposal
//! answers 404 to them, as if it did not exist. Everyone else reads every proposal. Acting on an
//! assignment of a section outside an editor's scope answers 403: they can see it, but it is not
//! theirs to move.

use crate::auth::Authenticated;
use crate::concurrency::{IfMatch, with_etag};
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::extract::{Paging, ValidJson, validate};
use crate::organization::{actor, today_in_tokyo};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::period::{Period, PeriodPoint, Precision};
use domain::proposal::{Decision, ImplementationStatus, Stage, TransitionError, allowed_next};
use domain::{Action, Principal, PrincipalKind, authorize};
use persistence::organization;
use persistence::proposals::{
    self, Member, ProjectTeam, ProjectTeamFields, Proposal, ProposalFields, ProposalFilter,
    ProposalSort, StageChange, WorkflowError,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

pub(crate) fn text_rule(value: &str, max: usize, multiline: bool) -> Result<(), ValidationError> {
    let fail = |code: &'static str, message: String| {
        let mut e = ValidationError::new(code);
        e.message = Some(message.into());
        Err(e)
    };
    if let Some(fault) = domain::text::text_fault(value, multiline) {
        return fail(fault.code(), fault.message().into());
    }
    if value.trim().is_empty() {
        return fail("required", "must not be empty".into());
    }
    if value.chars().count() > max {
        return fail("length", format!("must be at most {max} characters"));
    }
    Ok(())
}

pub(crate) fn short_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 100, false)
}

pub(crate) fn title_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 300, false)
}

pub(crate) fn long_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 10_000, true)
}

fn number_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 20, false)
}

pub(crate) fn period_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 200, false)
}

pub(crate) fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Wire types

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionDto {
    /// 検討継続
    Continue,
    /// 検討終了
    End,
}

impl From<DecisionDto> for Decision {
    fn from(d: DecisionDto) -> Self {
        match d {
            DecisionDto::Continue => Decision::Continue,
            DecisionDto::End => Decision::End,
        }
    }
}

impl From<Decision> for DecisionDto {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Continue => DecisionDto::Continue,
            Decision::End => DecisionDto::End,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatusDto {
    UnderConsideration,
    Demonstration,
    Trial,
    Planned,
    Done,
    Ended,
}

/// An implementation status to filter by, or `none` for proposals without one.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatusFilterDto {
    UnderConsideration,
    Demonstration,
    Trial,
    Planned,
    Done,
    Ended,
    None,
}

impl ImplementationStatusFilterDto {
    /// `Some(None)` selects proposals without a status.
    fn selects(self) -> Option<ImplementationStatus> {
        match self {
            Self::UnderConsideration => Some(ImplementationStatus::UnderConsideration),
            Self::Demonstration => Some(ImplementationStatus::Demonstration),
            Self::Trial => Some(ImplementationStatus::Trial),
            Self::Planned => Some(ImplementationStatus::Planned),
            Self::Done => Some(ImplementationStatus::Done),
            Self::Ended => Some(ImplementationStatus::Ended),
            Self::None => None,
        }
    }
}

impl From<ImplementationStatusDto> for ImplementationStatus {
    fn from(s: ImplementationStatusDto) -> Self {
        match s {
            ImplementationStatusDto::UnderConsideration => ImplementationStatus::UnderConsideration,
            ImplementationStatusDto::Demonstration => ImplementationStatus::Demonstration,
            ImplementationStatusDto::Trial => ImplementationStatus::Trial,
            ImplementationStatusDto::Planned => ImplementationStatus::Planned,
            ImplementationStatusDto::Done => ImplementationStatus::Done,
            ImplementationStatusDto::Ended => ImplementationStatus::Ended,
        }
    }
}

impl From<ImplementationStatus> for ImplementationStatusDto {
    fn from(s: ImplementationStatus) -> Self {
        match s {
            ImplementationStatus::UnderConsideration => ImplementationStatusDto::UnderConsideration,
            ImplementationStatus::Demonstration => ImplementationStatusDto::Demonstration,
            ImplementationStatus::Trial => ImplementationStatusDto::Trial,
            ImplementationStatus::Planned => ImplementationStatusDto::Planned,
            ImplementationStatus::Done => ImplementationStatusDto::Done,
            ImplementationStatus::Ended => ImplementationStatusDto::Ended,
        }
    }
}

/// One end of a period: the dates it may mean and how precisely it was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodPointOut {
    /// day, month, season or fiscal_year
    pub precision: &'static str,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
}

/// A date as staff wrote it (e.g. `R8.3~`, `R7年度中`), read by the wareki module. Text it cannot
/// read is kept with `structured: false` and no dates.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodOut {
    pub original: String,
    pub structured: bool,
    pub start: Option<PeriodPointOut>,
    /// Absent for a single point and for an open end (`R8.3~`): see `open_ended`.
    pub end: Option<PeriodPointOut>,
    pub open_ended: bool,
    /// 実施済, 実施中, 予定, 試行, 実証, 随時 or 検討中 when the text says so.
    pub status: Option<&'static str>,
    /// A canonical Japanese rendering, e.g. 令和7年4月～令和8年2月.
    pub display: String,
}

fn point_out(point: &PeriodPoint) -> PeriodPointOut {
    PeriodPointOut {
        precision: match point.precision() {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Season => "season",
            Precision::FiscalYear => "fiscal_year",
        },
        earliest: point.earliest(),
        latest: point.latest(),
    }
}

impl From<&Period> for PeriodOut {
    fn from(p: &Period) -> Self {
        PeriodOut {
            original: p.original.clone(),
            structured: p.is_structured(),
            start: p.start.as_ref().map(point_out),
            end: p
                .end
                .as_ref()
                .filter(|e| Some(*e) != p.start.as_ref())
                .map(point_out),
            open_ended: p.start.is_some() && p.end.is_none(),
            status: p.status.map(|s| s.as_str()),
            display: p.format(),
        }
    }
}

/// A section responsible for a proposal, with its own stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentOut {
    pub id: i64,
    pub section_id: i64,
    /// The section's name today.
    pub section_name: String,
    pub bureau_id: i64,
    pub bureau_name: String,
    /// 1 ① presented, 2 ② discussed, 3 ③ decided, 4 ④ already handled.
    #[schema(minimum = 1, maximum = 4)]
    pub stage: Option<u8>,
    pub stage_label: Option<&'static str>,
    pub decision: Option<DecisionDto>,
    /// The stages this assignment may move to next.
    pub allowed_next: Vec<u8>,
    /// Whether the caller may move this assignment.
    pub can_act: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalOut {
    pub id: i64,
    pub fiscal_year: i32,
    pub number: Option<String>,
    pub theme: String,
    pub scene: Option<String>,
    pub viewpoint: Option<String>,
    pub title: String,
    pub pain_point: Option<String>,
    pub proposed_solution: Option<String>,
    /// The stage of the most advanced section (rule ※1), 1–4.
    #[schema(minimum = 1, maximum = 4)]
    pub stage: Option<u8>,
    pub stage_label: Option<&'static str>,
    pub implementation_status: Option<ImplementationStatusDto>,
    pub implementation_status_label: Option<&'static str>,
    pub outcome_period: Option<PeriodOut>,
    pub outcome_text: Option<String>,
    pub continues_proposal_id: Option<i64>,
    pub assignments: Vec<AssignmentOut>,
    pub created_by_user_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Section and bureau names, looked up once per response.
pub(crate) struct Names {
    sections: HashMap<i64, (String, i64)>,
    bureaus: HashMap<i64, String>,
}

impl Names {
    pub(crate) async fn load(state: &AppState) -> Result<Names, ApiError> {
        let today = today_in_tokyo();
        let sections = organization::list_sections(&state.db.conn, None)
            .await?
            .into_iter()
            .map(|s| {
                let name = s
                    .name_on(today)
                    .or_else(|| s.names.last())
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                (s.id, (name, s.bureau_id))
            })
            .collect();
        let bureaus = organization::list_bureaus(&state.db.conn)
            .await?
            .into_iter()
            .map(|b| (b.id, b.name))
            .collect();
        Ok(Names { sections, bureaus })
    }

    fn bureau_of(&self, section_id: i64) -> i64 {
        self.sections.get(&section_id).map_or(0, |(_, b)| *b)
    }

    pub(crate) fn proposal(&self, p: &Proposal, caller: &Principal) -> ProposalOut {
        let f = &p.fields;
        ProposalOut {
            id: p.id,
            fiscal_year: f.fiscal_year,
            number: f.number.clone(),
            theme: f.theme.clone(),
            scene: f.scene.clone(),
            viewpoint: f.viewpoint.clone(),
            title: f.title.clone(),
            pain_point: f.pain_point.clone(),
            proposed_solution: f.proposed_solution.clone(),
            stage: p.stage.map(Stage::number),
            stage_label: p.stage.map(Stage::label_ja),
            implementation_status: f.implementation_status.map(Into::into),
            implementation_status_label: f
                .implementation_status
                .map(ImplementationStatus::label_ja),
            outcome_period: f
                .outcome_period_text
                .as_deref()
                .map(|t| PeriodOut::from(&Period::parse(t))),
            outcome_text: f.outcome_text.clone(),
            continues_proposal_id: f.continues_proposal_id,
            assignments: p
                .assignments
                .iter()
                .map(|a| {
                    let (section_name, bureau_id) = self
                        .sections
                        .get(&a.section_id)
                        .cloned()
                        .unwrap_or_default();
                    let state = a.stage.map(|stage| domain::proposal::StageState {
                        stage,
                        decision: a.decision,
                    });
                    AssignmentOut {
                        id: a.id,
                        section_id: a.section_id,
                        section_name,
                        bureau_id,
                        bureau_name: self.bureaus.get(&bureau_id).cloned().unwrap_or_default(),
                        stage: a.stage.map(Stage::number),
                        stage_label: a.stage.map(Stage::label_ja),
                        decision: a.decision.map(Into::into),
                        allowed_next: allowed_next(state).into_iter().map(Stage::number).collect(),
                        can_act: caller.acts_for_section(a.section_id, bureau_id),
                    }
                })
                .collect(),
            created_by_user_id: p.created_by_user_id,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

fn proposal_response(status: StatusCode, out: ProposalOut) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    with_etag(&mut builder, out.version).json(out)
}

/// Loads a proposal the caller may see; others are 404 (see the module's note on visibility).
async fn visible_proposal(
    state: &AppState,
    caller: &Principal,
    id: i64,
) -> Result<Proposal, ApiError> {
    authorize(caller, Action::ReadProposals)?;
    let proposal = proposals::find_proposal(&state.db.conn, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    if caller.sees_only_own_proposals() && !is_author(caller, &proposal) {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(proposal)
}

fn is_author(caller: &Principal, proposal: &Proposal) -> bool {
    caller.kind == PrincipalKind::User && proposal.created_by_user_id == Some(caller.id)
}

impl From<WorkflowError> for ApiError {
    fn from(err: WorkflowError) -> Self {
        match err {
            WorkflowError::Store(e) => e.into(),
            WorkflowError::Transition(TransitionError::Illegal { to, allowed }) => {
                let allowed: Vec<u8> = allowed.into_iter().map(Stage::number).collect();
                let listed = if allowed.is_empty() {
                    "none: this assignment's workflow is finished".to_owned()
                } else {
                    allowed
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                ApiError {
                    allowed_stages: allowed,
                    ..ApiError::new(ErrorCode::Conflict).with_detail(format!(
                        "cannot move to stage {} from here; allowed: {listed}",
                        to.number()
                    ))
                }
            }
            WorkflowError::Transition(
                e @ (TransitionError::DecisionRequired | TransitionError::DecisionNotAllowed),
            ) => ApiError::validation(vec![FieldError {
                pointer: "/decision".into(),
                location: FieldLocation::Body,
                code: "decision".into(),
                message: e.to_string(),
            }]),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Project teams

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MemberDto {
    #[validate(custom(function = "short_text"))]
    pub name: String,
    #[validate(custom(function = "short_text"))]
    pub bureau: Option<String>,
    /// The theme group the member worked in, one of the team's themes.
    #[validate(custom(function = "short_text"))]
    #[serde(default)]
    pub theme: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProjectTeamIn {
    /// The fiscal year by the Gregorian year it starts in: 2025 = 令和7年度.
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    #[schema(example = 2025)]
    pub fiscal_year: i32,
    #[validate(custom(function = "short_text"))]
    #[schema(example = "令和7年度 プラチナ市役所プロジェクトチーム")]
    pub name: String,
    /// e.g. ユーザーの困りごと, 職員の困りごと
    #[validate(length(min = 1, max = 20, code = "length", message = "1 to 20 themes"))]
    pub themes: Vec<String>,
    #[validate(
        nested,
        length(max = 500, code = "length", message = "at most 500 members")
    )]
    #[serde(default)]
    pub members: Vec<MemberDto>,
    /// The team's size as the source states it, when not every member is named (the annual
    /// report gives the R6 team as 29 members).
    #[validate(range(
        min = 1,
        max = 10000,
        code = "out_of_range",
        message = "must be between 1 and 10000"
    ))]
    #[serde(default)]
    pub headcount: Option<i32>,
}

/// Themes are plain text, and a member's theme group must be one of the team's themes.
fn check_themes(team: &ProjectTeamIn) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (i, theme) in team.themes.iter().enumerate() {
        if let Err(e) = short_text(theme) {
            errors.push(FieldError {
                pointer: format!("/themes/{i}"),
                location: FieldLocation::Body,
                code: e.code.to_string(),
                message: e.message.map(|m| m.to_string()).unwrap_or_default(),
            });
        }
    }
    let themes: Vec<&str> = team.themes.iter().map(|t| t.trim()).collect();
    for (i, member) in team.members.iter().enumerate() {
        if let Some(theme) = member.theme.as_deref().map(str::trim)
            && !theme.is_empty()
            && !themes.contains(&theme)
        {
            errors.push(FieldError {
                pointer: format!("/members/{i}/theme"),
                location: FieldLocation::Body,
                code: "unknown_theme".into(),
                message: "must be one of the team's themes".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectTeamOut {
    pub id: i64,
    pub fiscal_year: i32,
    /// e.g. 令和7年度
    pub fiscal_year_label: String,
    pub name: String,
    pub themes: Vec<String>,
    pub members: Vec<MemberDto>,
    /// The stated size; `members.len()` when the source gives none.
    pub headcount: i32,
    pub version: i32,
}

impl From<&ProjectTeam> for ProjectTeamOut {
    fn from(t: &ProjectTeam) -> Self {
        ProjectTeamOut {
            id: t.id,
            fiscal_year: t.fiscal_year,
            fiscal_year_label: domain::wareki::FiscalYear(t.fiscal_year).to_string(),
            name: t.name.clone(),
            themes: t.themes.clone(),
            members: t
                .members
                .iter()
                .map(|m| MemberDto {
                    name: m.name.clone(),
                    bureau: m.bureau.clone(),
                    theme: m.theme.clone(),
                })
                .collect(),
            headcount: t
                .headcount
                .unwrap_or_else(|| i32::try_from(t.members.len()).unwrap_or(i32::MAX)),
            version: t.version,
        }
    }
}

fn team_fields(input: ProjectTeamIn) -> ProjectTeamFields {
    ProjectTeamFields {
        fiscal_year: input.fiscal_year,
        name: input.name.trim().to_owned(),
        themes: input
            .themes
            .into_iter()
            .map(|t| t.trim().to_owned())
            .collect(),
        members: input
            .members
            .into_iter()
            .map(|m| Member {
                name: m.name.trim().to_owned(),
                bureau: optional(m.bureau),
                theme: optional(m.theme),
            })
            .collect(),
        headcount: input.headcount,
    }
}

fn team_response(status: StatusCode, team: &ProjectTeam) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    with_etag(&mut builder, team.version).json(ProjectTeamOut::from(team))
}

/// Project teams, newest fiscal year first.
#[utoipa::path(tag = "proposals", responses((status = 200, body = Vec<ProjectTeamOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/project-teams")]
pub async fn list_project_teams(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<Vec<ProjectTeamOut>>, ApiError> {
    authorize(&caller.0, Action::ReadProposals)?;
    let teams = proposals::list_project_teams(&state.db.conn).await?;
    Ok(web::Json(teams.iter().map(ProjectTeamOut::from).collect()))
}

/// One project team.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path)), responses((status = 200, body = ProjectTeamOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/project-teams/{id}")]
pub async fn get_project_team(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadProposals)?;
    let team = proposals::find_project_team(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(team_response(StatusCode::OK, &team))
}

/// Create the project team of a fiscal year (one per year).
#[utoipa::path(tag = "proposals", request_body = ProjectTeamIn, responses((status = 201, body = ProjectTeamOut), (status = 409, description = "The year has a team", body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[post("/project-teams")]
pub async fn create_project_team(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<ProjectTeamIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageProposalWorkflow)?;
    check_themes(&body.0)?;
    let team =
        proposals::create_project_team(&state.db.conn, team_fields(body.0), &actor(&caller.0))
            .await?;
    Ok(team_response(StatusCode::CREATED, &team))
}

/// Replace a project team's name, themes and members. Needs `If-Match`.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ProjectTeamIn, responses((status = 200, body = ProjectTeamOut), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[put("/project-teams/{id}")]
pub async fn replace_project_team(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<ProjectTeamIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageProposalWorkflow)?;
    check_themes(&body.0)?;
    let team = proposals::replace_project_team(
        &state.db.conn,
        *id,
        version,
        team_fields(body.0),
        &actor(&caller.0),
    )
    .await?;
    Ok(team_response(StatusCode::OK, &team))
}

// ---------------------------------------------------------------------------------------------
// Proposals

/// A proposal as submitted or edited. Optional texts may be omitted or null.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProposalIn {
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    #[schema(example = 2025)]
    pub fiscal_year: i32,
    /// The number the PT gave it, e.g. 3.
    #[validate(custom(function = "number_text"))]
    pub number: Option<String>,
    /// One of the project team's themes for the year, e.g. ユーザーの困りごと.
    #[validate(custom(function = "short_text"))]
    #[schema(example = "ユーザーの困りごと")]
    pub theme: String,
    /// e.g. 行政手続きの場面等, 公共の場等, 業務効率, 働き方・働きがい・働く環境
    #[validate(custom(function = "short_text"))]
    pub scene: Option<String>,
    /// e.g. 市民の目線, 子育て世代の目線, 民間事業者の目線, 社会状況
    #[validate(custom(function = "short_text"))]
    pub viewpoint: Option<String>,
    /// 課題名
    #[validate(custom(function = "title_text"))]
    #[schema(example = "市HPで知りたい情報にたどりつかない")]
    pub title: String,
    /// 困りごと
    #[validate(custom(function = "long_text"))]
    pub pain_point: Option<String>,
    #[validate(custom(function = "long_text"))]
    pub proposed_solution: Option<String>,
    pub implementation_status: Option<ImplementationStatusDto>,
    /// When it is (to be) done, as staff write it: `R8.3実施`, `R8～導入予定`, `R7年度中`.
    #[validate(custom(function = "period_text"))]
    #[schema(example = "R8～導入予定")]
    pub outcome_period: Option<String>,
    #[validate(custom(function = "long_text"))]
    pub outcome_text: Option<String>,
    /// The prior-year proposal this one continues (R6継続).
    pub continues_proposal_id: Option<i64>,
}

pub(crate) async fn proposal_fields(
    db: &persistence::Database,
    input: ProposalIn,
) -> Result<ProposalFields, ApiError> {
    let theme = input.theme.trim().to_owned();
    let team = proposals::find_project_team_by_year(&db.conn, input.fiscal_year).await?;
    if let Some(team) = team.filter(|t| !t.themes.contains(&theme)) {
        return Err(ApiError::validation(vec![FieldError {
            pointer: "/theme".into(),
            location: FieldLocation::Body,
            code: "unknown_theme".into(),
            message: format!(
                "the themes of this year's project team are: {}",
                team.themes.join(", ")
            ),
        }]));
    }
    Ok(ProposalFields {
        fiscal_year: input.fiscal_year,
        number: optional(input.number),
        theme,
        scene: optional(input.scene),
        viewpoint: optional(input.viewpoint),
        title: input.title.trim().to_owned(),
        pain_point: optional(input.pain_point),
        proposed_solution: optional(input.proposed_solution),
        implementation_status: input.implementation_status.map(Into::into),
        outcome_period_text: optional(input.outcome_period),
        outcome_text: optional(input.outcome_text),
        continues_proposal_id: input.continues_proposal_id,
    })
}

fn missing_continued(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::MissingReference(_) => ApiError::validation(vec![FieldError {
            pointer: "/continues_proposal_id".into(),
            location: FieldLocation::Body,
            code: "missing_reference".into(),
            message: "no other proposal has this id".into(),
        }]),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    pub fiscal_year: Option<i32>,
    #[validate(length(max = 100, code = "length", message = "at most 100 characters"))]
    pub theme: Option<String>,
    #[validate(length(max = 100, code = "length", message = "at most 100 characters"))]
    pub scene: Option<String>,
    #[validate(length(max = 100, code = "length", message = "at most 100 characters"))]
    pub viewpoint: Option<String>,
    /// The stage, 1–4 (rule ※1), or 0 for proposals no section has yet; on `as_of` when given,
    /// else now.
    #[validate(range(min = 0, max = 4, code = "out_of_range", message = "must be 0 to 4"))]
    pub stage: Option<u8>,
    pub section_id: Option<i64>,
    /// Held by a section of this bureau (on `as_of` when given).
    pub bureau_id: Option<i64>,
    /// A status, or `none` for proposals without one.
    #[param(inline)]
    pub implementation_status: Option<ImplementationStatusFilterDto>,
    /// The list as it stood at the end of this day: proposals that existed then, at the stages
    /// the recorded events give for it (back-dated corrections included).
    pub as_of: Option<NaiveDate>,
    /// Only proposals some section still had at ① or ② with no stage change or consultation
    /// for more than this many days before `as_of` (today when absent).
    #[validate(range(
        min = 1,
        max = 3650,
        code = "out_of_range",
        message = "must be 1 to 3650"
    ))]
    pub stale_days: Option<i64>,
    /// Text to find in any field, any length, after NFKC normalisation (ｶｲｶｸ finds カイカク);
    /// `%`, `_` and `\` are literal.
    #[validate(length(max = 200, code = "length", message = "at most 200 characters"))]
    pub q: Option<String>,
    /// `mine`: an editor's sections' proposals, or a proposer's own.
    #[validate(custom(function = "scope_word"))]
    pub scope: Option<String>,
    /// One of id, number, title, stage, updated_at; prefix `-` for descending. Default: id.
    #[validate(custom(function = "sort_word"))]
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The values of `scope` on the proposal list, as documented and as checked.
pub(crate) const PROPOSAL_SCOPES: &[&str] = &["mine", "all"];

/// The keys the proposal list sorts by (each also with `-` for descending).
pub(crate) const PROPOSAL_SORT_KEYS: &[&str] = &["id", "number", "title", "stage", "updated_at"];

fn scope_word(value: &str) -> Result<(), ValidationError> {
    if PROPOSAL_SCOPES.contains(&value) {
        Ok(())
    } else {
        let mut e = ValidationError::new("unknown_value");
        e.message = Some("must be mine or all".into());
        Err(e)
    }
}

fn parse_sort(value: &str) -> Option<(ProposalSort, bool)> {
    let (descending, name) = value
        .strip_prefix('-')
        .map_or((false, value), |rest| (true, rest));
    let sort = match name {
        "id" => ProposalSort::Id,
        "number" => ProposalSort::Number,
        "title" => ProposalSort::Title,
        "stage" => ProposalSort::Stage,
        "updated_at" => ProposalSort::UpdatedAt,
        _ => return None,
    };
    Some((sort, descending))
}

fn sort_word(value: &str) -> Result<(), ValidationError> {
    parse_sort(value).map(|_| ()).ok_or_else(|| {
        let mut e = ValidationError::new("unknown_value");
        e.message = Some(
            "must be one of id, number, title, stage, updated_at, optionally prefixed with -"
                .into(),
        );
        e
    })
}

/// Proposals, filtered, searched, sorted and paginated (at most 200 per page).
#[utoipa::path(tag = "proposals", params(ProposalQuery), responses((status = 200, body = PageOut<ProposalOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/proposals")]
pub async fn list_proposals(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ProposalQuery>,
) -> Result<web::Json<PageOut<ProposalOut>>, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::ReadProposals)?;
    validate(&*query, FieldLocation::Query)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    }
    .request()?;
    let (sort, descending) = query
        .sort
        .as_deref()
        .and_then(parse_sort)
        .unwrap_or((ProposalSort::Id, false));
    let mut filter = proposal_filter(&query, &caller);
    crate::dashboard::narrow_proposals(&state, &query, &mut filter).await?;
    let page = proposals::list_proposals(&state.db.conn, &filter, sort, descending, paging).await?;
    let names = Names::load(&state).await?;
    Ok(web::Json(PageOut::from_page(page, |p| {
        names.proposal(p, &caller)
    })))
}

/// The list's filter from its query, narrowed to what the caller may see.
pub(crate) fn proposal_filter(query: &ProposalQuery, caller: &Principal) -> ProposalFilter {
    let text = crate::department::search_text(query.q.as_deref());
    let mut filter = ProposalFilter {
        fiscal_year: query.fiscal_year,
        theme: query.theme.clone(),
        scene: query.scene.clone(),
        viewpoint: query.viewpoint.clone(),
        stage: query.stage.and_then(Stage::from_number),
        not_presented: query.stage == Some(0),
        section_ids: query.section_id.into_iter().collect(),
        bureau_ids: query.bureau_id.into_iter().collect(),
        implementation_status: query.implementation_status.and_then(|s| s.selects()),
        no_implementation_status: query.implementation_status
            == Some(ImplementationStatusFilterDto::None),
        text,
        ..ProposalFilter::default()
    };
    let mine = query.scope.as_deref() == Some("mine");
    if caller.sees_only_own_proposals()
        || (mine && caller.kind == PrincipalKind::User && caller.role != domain::Role::Editor)
    {
        filter.created_by_user_id = Some(caller.id);
    } else if mine && caller.role == domain::Role::Editor {
        filter.section_ids = caller.scopes.section_ids.clone();
        filter.bureau_ids = caller.scopes.bureau_ids.clone();
        if filter.section_ids.is_empty() && filter.bureau_ids.is_empty() {
            filter.ids = Some(Vec::new());
        }
    }
    filter
}

/// One proposal with its sections and their stages.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path)), responses((status = 200, body = ProposalOut), (status = 404, description = "No such proposal, or a proposer's view of someone else's", body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/proposals/{id}")]
pub async fn get_proposal(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let proposal = visible_proposal(&state, &caller.0, *id).await?;
    let names = Names::load(&state).await?;
    Ok(proposal_response(
        StatusCode::OK,
        names.proposal(&proposal, &caller.0),
    ))
}

/// Submit a proposal.
#[utoipa::path(tag = "proposals", request_body = ProposalIn, responses((status = 201, body = ProposalOut)), security(("bearer" = ["admin", "editor", "proposer"])))]
#[post("/proposals")]
pub async fn create_proposal(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<ProposalIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::CreateProposal)?;
    let fields = proposal_fields(&state.db, body.0).await?;
    let author = (caller.kind == PrincipalKind::User).then_some(caller.id);
    let proposal = proposals::create_proposal(&state.db.conn, fields, author, &actor(&caller))
        .await
        .map_err(missing_continued)?;
    let names = Names::load(&state).await?;
    Ok(proposal_response(
        StatusCode::CREATED,
        names.proposal(&proposal, &caller),
    ))
}

/// Replace a proposal's fields (title, texts, outcome and timing). Admins, its author, and
/// editors of a responsible section may. Needs `If-Match`.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ProposalIn, responses((status = 200, body = ProposalOut), (status = 404, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer"])))]
#[put("/proposals/{id}")]
pub async fn replace_proposal(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<ProposalIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    let proposal = visible_proposal(&state, &caller, *id).await?;
    let names = Names::load(&state).await?;
    let responsible = proposal.assignments.iter().any(|a| {
        caller.role == domain::Role::Editor
            && caller.acts_for_section(a.section_id, names.bureau_of(a.section_id))
    });
    let may_edit =
        caller.role == domain::Role::Admin || is_author(&caller, &proposal) || responsible;
    if !may_edit {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let fields = proposal_fields(&state.db, body.0).await?;
    let updated = proposals::update_proposal(&state.db.conn, *id, version, fields, &actor(&caller))
        .await
        .map_err(missing_continued)?;
    Ok(proposal_response(
        StatusCode::OK,
        names.proposal(&updated, &caller),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AssignmentIn {
    pub section_id: i64,
    /// 1 (presented, the default) or 4 (the section had already handled it).
    #[validate(range(min = 1, max = 4, code = "out_of_range", message = "must be 1 to 4"))]
    pub stage: Option<u8>,
    /// The date it was presented; today when absent. Not in the future.
    pub effective_on: Option<NaiveDate>,
    #[validate(custom(function = "long_text"))]
    pub note: Option<String>,
}

fn not_in_future(date: NaiveDate, pointer: &str) -> Result<(), ApiError> {
    if date > today_in_tokyo() {
        return Err(ApiError::validation(vec![FieldError {
            pointer: pointer.into(),
            location: FieldLocation::Body,
            code: "in_future".into(),
            message:
                "a stage change is recorded when it has happened; the date may not be in the future"
                    .into(),
        }]));
    }
    Ok(())
}

/// Make a section responsible for the proposal; it starts at ① (or ④).
#[utoipa::path(tag = "proposals", params(("id" = i64, Path)), request_body = AssignmentIn, responses((status = 201, body = ProposalOut), (status = 404, body = crate::Problem, content_type = "application/problem+json"), (status = 409, description = "Already assigned, or an illegal first stage", body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[post("/proposals/{id}/assignments")]
pub async fn add_assignment(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<AssignmentIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    visible_proposal(&state, &caller, *id).await?;
    authorize(&caller, Action::ManageProposalWorkflow)?;
    let input = body.0;
    let effective_on = input.effective_on.unwrap_or_else(today_in_tokyo);
    not_in_future(effective_on, "/effective_on")?;
    let change = StageChange {
        to: input
            .stage
            .and_then(Stage::from_number)
            .unwrap_or(Stage::Presented),
        decision: None,
        effective_on,
        note: optional(input.note),
    };
    let (proposal, _) = proposals::add_assignment(
        &state.db.conn,
        *id,
        input.section_id,
        change,
        &actor(&caller),
    )
    .await
    .map_err(|e| match e {
        WorkflowError::Store(persistence::StoreError::MissingReference(_)) => {
            ApiError::validation(vec![FieldError {
                pointer: "/section_id".into(),
                location: FieldLocation::Body,
                code: "missing_reference".into(),
                message: "no section has this id".into(),
            }])
        }
        WorkflowError::Store(persistence::StoreError::Duplicate) => {
            ApiError::new(ErrorCode::Conflict)
                .with_detail("this section is already responsible for the proposal")
        }
        other => other.into(),
    })?;
    let names = Names::load(&state).await?;
    Ok(proposal_response(
        StatusCode::CREATED,
        names.proposal(&proposal, &caller),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    /// 1 ①, 2 ②, 3 ③, 4 ④
    #[validate(range(min = 1, max = 4, code = "out_of_range", message = "must be 1 to 4"))]
    pub to_stage: u8,
    /// Required at ③, not allowed elsewhere.
    pub decision: Option<DecisionDto>,
    /// The date the change happened; may be in the past (a back-dated correction), not in the future.
    pub effective_on: NaiveDate,
    #[validate(custom(function = "long_text"))]
    pub note: Option<String>,
}

/// Move one section's assignment to another stage. Only admins and editors of that section may;
/// an illegal move is 409 and lists the allowed stages in `allowed_stages`.
#[utoipa::path(
    tag = "proposals",
    params(("id" = i64, Path), ("assignment_id" = i64, Path)),
    request_body = TransitionIn,
    responses(
        (status = 201, body = ProposalOut),
        (status = 403, description = "Another section's assignment", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Illegal transition; `allowed_stages` lists the legal ones", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[post("/proposals/{id}/assignments/{assignment_id}/transitions")]
pub async fn transition_assignment(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(i64, i64)>,
    body: ValidJson<TransitionIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (id, assignment_id) = path.into_inner();
    let proposal = visible_proposal(&state, &caller, id).await?;
    authorize(&caller, Action::ActOnAssignment)?;
    let assignment = proposal
        .assignments
        .iter()
        .find(|a| a.id == assignment_id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let names = Names::load(&state).await?;
    if !caller.acts_for_section(
        assignment.section_id,
        names.bureau_of(assignment.section_id),
    ) {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail("this assignment belongs to another section"));
    }
    let input = body.0;
    not_in_future(input.effective_on, "/effective_on")?;
    let to = Stage::from_number(input.to_stage)
        .ok_or_else(|| ApiError::new(ErrorCode::ValidationFailed))?;
    let change = StageChange {
        to,
        decision: input.decision.map(Into::into),
        effective_on: input.effective_on,
        note: optional(input.note),
    };
    let updated =
        proposals::change_stage(&state.db.conn, id, assignment_id, change, &actor(&caller)).await?;
    Ok(proposal_response(
        StatusCode::CREATED,
        names.proposal(&updated, &caller),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ConsultationIn {
    pub held_on: NaiveDate,
    #[validate(custom(function = "long_text"))]
    #[schema(example = "PTメンバー3名、広報戦略課")]
    pub participants: String,
    #[validate(custom(function = "long_text"))]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationOut {
    pub id: i64,
    pub held_on: NaiveDate,
    pub participants: String,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl From<&proposals::Consultation> for ConsultationOut {
    fn from(c: &proposals::Consultation) -> Self {
        ConsultationOut {
            id: c.id,
            held_on: c.held_on,
            participants: c.participants.clone(),
            note: c.note.clone(),
            recorded_at: c.recorded_at,
            recorded_by: c.actor_label.clone(),
        }
    }
}

/// Consultations (協議) held about a proposal, oldest first.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path)), responses((status = 200, body = Vec<ConsultationOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/proposals/{id}/consultations")]
pub async fn list_consultations(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<ConsultationOut>>, ApiError> {
    visible_proposal(&state, &caller.0, *id).await?;
    let list = proposals::consultations(&state.db.conn, *id).await?;
    Ok(web::Json(list.iter().map(ConsultationOut::from).collect()))
}

/// Record a consultation. Admins and editors of a responsible section may.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path)), request_body = ConsultationIn, responses((status = 201, body = ConsultationOut)), security(("bearer" = ["admin", "editor"])))]
#[post("/proposals/{id}/consultations")]
pub async fn add_consultation(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<ConsultationIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let proposal = visible_proposal(&state, &caller, *id).await?;
    authorize(&caller, Action::ActOnAssignment)?;
    let names = Names::load(&state).await?;
    let responsible = caller.role == domain::Role::Admin
        || proposal
            .assignments
            .iter()
            .any(|a| caller.acts_for_section(a.section_id, names.bureau_of(a.section_id)));
    if !responsible {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail("none of this proposal's sections is yours"));
    }
    let input = body.0;
    let consultation = proposals::add_consultation(
        &state.db.conn,
        *id,
        input.held_on,
        input.participants.trim().to_owned(),
        input.note.trim().to_owned(),
        &actor(&caller),
    )
    .await?;
    Ok(HttpResponse::Created().json(ConsultationOut::from(&consultation)))
}

/// One entry of a proposal's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryOut {
    /// `stage`, `consultation` or `edit`.
    pub kind: &'static str,
    /// When it happened (stage changes, consultations) or was done (edits).
    pub date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub assignment_id: Option<i64>,
    pub section_name: Option<String>,
    #[schema(minimum = 1, maximum = 4)]
    pub stage: Option<u8>,
    pub stage_label: Option<&'static str>,
    pub decision: Option<DecisionDto>,
    /// The note of a stage change, the participants and note of a consultation, or the action.
    pub text: Option<String>,
}

/// Everything that happened to a proposal, oldest first: stage changes by the date they took
/// effect, consultations, and edits.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path)), responses((status = 200, body = Vec<HistoryEntryOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/proposals/{id}/history")]
pub async fn proposal_history(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<HistoryEntryOut>>, ApiError> {
    let proposal = visible_proposal(&state, &caller.0, *id).await?;
    let names = Names::load(&state).await?;
    let section_of: HashMap<i64, i64> = proposal
        .assignments
        .iter()
        .map(|a| (a.id, a.section_id))
        .collect();
    let mut entries: Vec<HistoryEntryOut> = proposals::stage_events(&state.db.conn, *id)
        .await?
        .into_iter()
        .map(|e| HistoryEntryOut {
            kind: "stage",
            date: e.effective_on,
            recorded_at: e.recorded_at,
            actor: e.actor_label,
            assignment_id: Some(e.assignment_id),
            section_name: section_of
                .get(&e.assignment_id)
                .and_then(|s| names.sections.get(s))
                .map(|(n, _)| n.clone()),
            stage: Some(e.stage.number()),
            stage_label: Some(e.stage.label_ja()),
            decision: e.decision.map(Into::into),
            text: e.note,
        })
        .collect();
    entries.extend(
        proposals::consultations(&state.db.conn, *id)
            .await?
            .into_iter()
            .map(|c| HistoryEntryOut {
                kind: "consultation",
                date: c.held_on,
                recorded_at: c.recorded_at,
                actor: c.actor_label,
                assignment_id: None,
                section_name: None,
                stage: None,
                stage_label: None,
                decision: None,
                text: Some(format!("{}\n{}", c.participants, c.note)),
            }),
    );
    let trail = persistence::audit::list(
        &state.db.conn,
        &persistence::audit::AuditFilter {
            entity_type: Some("proposal".into()),
            entity_id: Some(id.to_string()),
            actor_id: None,
        },
        persistence::PageRequest {
            page: 1,
            per_page: 200,
        },
    )
    .await?;
    entries.extend(
        trail
            .items
            .into_iter()
            .filter(|e| matches!(e.action.as_str(), "proposal.create" | "proposal.update"))
            .map(|e| HistoryEntryOut {
                kind: "edit",
                date: e.occurred_at.date_naive(),
                recorded_at: e.occurred_at,
                actor: e.actor_label,
                assignment_id: None,
                section_name: None,
                stage: None,
                stage_label: None,
                decision: None,
                text: Some(e.action),
            }),
    );
    entries.sort_by_key(|e| (e.date, e.recorded_at));
    Ok(web::Json(entries))
}

// ---------------------------------------------------------------------------------------------
// The progress report (seed 003, page ④)

/// The forms the progress report comes in.
pub(crate) const PROGRESS_FORMATS: &[&str] = &["json", "csv"];

fn progress_format(value: &str) -> Result<(), ValidationError> {
    if PROGRESS_FORMATS.contains(&value) {
        return Ok(());
    }
    let mut e = ValidationError::new("unknown_value");
    e.message = Some("must be json or csv".into());
    Err(e)
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// 2025 = 令和7年度
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    pub fiscal_year: i32,
    /// The date to recompute the table for; today when absent.
    pub as_of: Option<NaiveDate>,
    /// `json` (default) or `csv` (UTF-8 with BOM, for Excel).
    #[validate(custom(function = "progress_format"))]
    pub format: Option<String>,
}

/// One row (a theme) or the totals: counts per stage ①–④, with the proposals behind each cell.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressRowOut {
    pub theme: String,
    /// Counts for stages 1, 2, 3, 4.
    pub counts: [usize; 4],
    /// Proposal ids behind each count, in the same order.
    pub proposal_ids: [Vec<i64>; 4],
    /// Proposals of the year not yet presented to any section on that date.
    pub not_presented: usize,
    pub not_presented_ids: Vec<i64>,
    pub total: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressProposalOut {
    pub id: i64,
    pub number: Option<String>,
    pub title: String,
    pub theme: String,
    #[schema(minimum = 1, maximum = 4)]
    pub stage: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressReportOut {
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub as_of: NaiveDate,
    /// ①…④ labels in column order.
    pub stage_labels: [&'static str; 4],
    pub rows: Vec<ProgressRowOut>,
    pub totals: ProgressRowOut,
    pub proposals: Vec<ProgressProposalOut>,
}

fn row(theme: &str, entries: &[&proposals::ProgressEntry]) -> ProgressRowOut {
    let mut ids: [Vec<i64>; 4] = Default::default();
    let mut not_presented_ids = Vec::new();
    for entry in entries {
        match entry.stage {
            Some(stage) => ids[usize::from(stage.number() - 1)].push(entry.proposal_id),
            None => not_presented_ids.push(entry.proposal_id),
        }
    }
    ProgressRowOut {
        theme: theme.to_owned(),
        counts: [ids[0].len(), ids[1].len(), ids[2].len(), ids[3].len()],
        proposal_ids: ids,
        not_presented: not_presented_ids.len(),
        not_presented_ids,
        total: entries.len(),
    }
}

async fn progress_report(
    state: &AppState,
    caller: &Principal,
    fiscal_year: i32,
    as_of: NaiveDate,
) -> Result<ProgressReportOut, ApiError> {
    let mut entries = proposals::progress_as_of(&state.db.conn, fiscal_year, as_of).await?;
    if caller.sees_only_own_proposals() {
        let own: Vec<i64> = proposals::list_proposals(
            &state.db.conn,
            &ProposalFilter {
                fiscal_year: Some(fiscal_year),
                created_by_user_id: Some(caller.id),
                ..ProposalFilter::default()
            },
            ProposalSort::Id,
            false,
            persistence::PageRequest {
                page: 1,
                per_page: 100_000,
            },
        )
        .await?
        .items
        .iter()
        .map(|p| p.id)
        .collect();
        entries.retain(|e| own.contains(&e.proposal_id));
    }
    let mut themes: Vec<String> = proposals::find_project_team_by_year(&state.db.conn, fiscal_year)
        .await?
        .map(|t| t.themes)
        .unwrap_or_default();
    for entry in &entries {
        if !themes.contains(&entry.theme) {
            themes.push(entry.theme.clone());
        }
    }
    let rows = themes
        .iter()
        .map(|theme| {
            row(
                theme,
                &entries
                    .iter()
                    .filter(|e| &e.theme == theme)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Ok(ProgressReportOut {
        fiscal_year,
        fiscal_year_label: domain::wareki::FiscalYear(fiscal_year).to_string(),
        as_of,
        stage_labels: Stage::ALL.map(Stage::label_ja),
        totals: row("合計", &entries.iter().collect::<Vec<_>>()),
        rows,
        proposals: entries
            .iter()
            .map(|e| ProgressProposalOut {
                id: e.proposal_id,
                number: e.number.clone(),
                title: e.title.clone(),
                theme: e.theme.clone(),
                stage: e.stage.map(Stage::number),
            })
            .collect(),
    })
}

/// Cells that Excel would read as a formula are prefixed with an apostrophe.
fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn progress_csv(report: &ProgressReportOut) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: Vec<String>| {
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    };
    let mut header = vec![format!("{} {}時点", report.fiscal_year_label, report.as_of)];
    header.extend(report.stage_labels.iter().map(|l| (*l).to_owned()));
    header.push("未提示".into());
    header.push("合計".into());
    line(header);
    for r in report.rows.iter().chain(std::iter::once(&report.totals)) {
        let mut cells = vec![r.theme.clone()];
        cells.extend(r.counts.iter().map(usize::to_string));
        cells.push(r.not_presented.to_string());
        cells.push(r.total.to_string());
        line(cells);
    }
    out
}

/// The progress table of seed 003: stage ①–④ × theme with row and column totals, recomputed
/// from the recorded events as of any date (also after back-dated corrections). Every cell lists
/// the proposals behind it. `format=csv` gives the table for Excel.
#[utoipa::path(
    tag = "proposals",
    params(ProgressQuery),
    responses(
        (status = 200, description = "The table as JSON, or as CSV with format=csv", content(
            (ProgressReportOut = "application/json"),
            (String = "text/csv"),
        )),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/reports/proposal-progress")]
pub async fn proposal_progress(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ProgressQuery>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::ReadProposals)?;
    validate(&*query, FieldLocation::Query)?;
    let report = progress_report(
        &state,
        &caller,
        query.fiscal_year,
        query.as_of.unwrap_or_else(today_in_tokyo),
    )
    .await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(report)),
        Some("csv") => {
            let filename = format!(
                "proposal-progress-{}-{}.csv",
                report.fiscal_year, report.as_of
            );
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"{filename}\""),
                ))
                .body(progress_csv(&report)))
        }
        Some(_) => Err(ApiError::validation(vec![FieldError {
            pointer: "/format".into(),
            location: FieldLocation::Query,
            code: "unknown_value".into(),
            message: "must be json or csv".into(),
        }])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_excel_would_run_are_neutralised() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("ユーザーの困りごと"), "ユーザーの困りごと");
    }

    #[test]
    fn sort_accepts_allow_listed_fields_only() {
        assert_eq!(
            parse_sort("-updated_at"),
            Some((ProposalSort::UpdatedAt, true))
        );
        assert_eq!(parse_sort("title"), Some((ProposalSort::Title, false)));
        assert_eq!(parse_sort("password_hash"), None);
    }
}
