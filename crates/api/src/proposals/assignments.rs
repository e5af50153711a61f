//! `/proposals/{id}/assignments`: making a section responsible for a proposal and moving each
//! section's assignment through the stages ①–④.

use super::{DecisionDto, Names, ProposalOut, proposal_response, visible_proposal};
use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::context::actor;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::text_rules::{long_text, optional};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use domain::ids::ProposalId;
use domain::proposal::Stage;
use domain::proposal::StageChange;
use domain::{Action, authorize};
use persistence::proposals::{self, WorkflowError};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

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
    id: web::Path<ProposalId>,
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

/// The path of one assignment of a proposal.
#[derive(Debug, Deserialize)]
pub struct AssignmentPath {
    id: ProposalId,
    assignment_id: i64,
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
    path: web::Path<AssignmentPath>,
    body: ValidJson<TransitionIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let AssignmentPath { id, assignment_id } = path.into_inner();
    let proposal = visible_proposal(&state, &caller, id).await?;
    authorize(&caller, Action::ActOnAssignment)?;
    let assignment = proposal
        .assignments
        .iter()
        .find(|a| a.id == assignment_id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let names = Names::load(&state).await?;
    if !names.assignment_rights(&caller, assignment.section_id).act {
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
