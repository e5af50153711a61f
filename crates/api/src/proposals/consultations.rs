//! `/proposals/{id}/consultations`: the consultations (協議) held about a proposal.

use super::{Names, visible_proposal};
use crate::auth::Authenticated;
use crate::context::actor;
use crate::error::{ApiError, ErrorCode};
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::text_rules::long_text;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::ProposalId;
use domain::{Action, authorize, rights};
use persistence::proposals;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

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

impl From<&domain::proposal::Consultation> for ConsultationOut {
    fn from(c: &domain::proposal::Consultation) -> Self {
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
    id: web::Path<ProposalId>,
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
    id: web::Path<ProposalId>,
    body: ValidJson<ConsultationIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let proposal = visible_proposal(&state, &caller, *id).await?;
    authorize(&caller, Action::ActOnAssignment)?;
    let names = Names::load(&state).await?;
    if !rights(&caller, &names.owner(&proposal)).act {
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
