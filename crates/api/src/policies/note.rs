//! `/progress-notes` and `/policy-issues/{id}/progress-notes`: how an issue stood as of a date.

use super::{writable_issue, writable_under_issue};
use crate::auth::Authenticated;
use crate::context::actor;
use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::text_rules::{long_text, optional};
use actix_web::{HttpResponse, delete, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::policy::ProgressNote;
use persistence::policies;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

fn label_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 100, false)
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

pub(super) fn note_out(n: &ProgressNote) -> ProgressNoteOut {
    ProgressNoteOut {
        id: n.id,
        issue_id: n.issue_id,
        as_of: n.as_of,
        as_of_label: n.as_of_label.clone(),
        body: n.body.clone(),
        recorded_at: n.recorded_at,
    }
}

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
    writable_under_issue(
        &state,
        &caller,
        policies::find_note(&state.db.conn, *id),
        |n| n.issue_id,
    )
    .await?;
    policies::delete_note(&state.db.conn, *id, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}
