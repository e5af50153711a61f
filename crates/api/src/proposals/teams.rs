//! `/project-teams`: the project team (PT) of each fiscal year, its themes and members.

use crate::auth::Authenticated;
use crate::concurrency::{IfMatch, with_etag};
use crate::context::actor;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::text_rules::{optional, short_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use domain::proposal::{Member, ProjectTeam, ProjectTeamFields};
use domain::{Action, authorize};
use persistence::proposals;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

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
