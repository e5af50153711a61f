//! `/proposals/{id}/history`: everything that happened to a proposal, from its stage events,
//! consultations and audit trail.

use super::{DecisionDto, Names, visible_proposal};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::ProposalId;
use persistence::proposals;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

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
    id: web::Path<ProposalId>,
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
