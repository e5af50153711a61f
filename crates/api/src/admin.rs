//! Reading the accounts and the audit trail: for the reform office (admins) only.

use crate::AppState;
use crate::auth::Authenticated;
use crate::dto::{PageOut, UserOut};
use crate::error::ApiError;
use crate::extract::Paging;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use domain::{Action, authorize};
use persistence::accounts;
use persistence::audit::{self, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// Accounts of people, oldest first.
#[utoipa::path(
    tag = "admin",
    params(Paging),
    responses((status = 200, body = PageOut<UserOut>)),
    security(("bearer" = ["admin"])),
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Authenticated,
    paging: web::Query<Paging>,
) -> Result<web::Json<PageOut<UserOut>>, ApiError> {
    authorize(&caller.0, Action::ListUsers)?;
    let page = accounts::list_users(&state.db.conn, paging.request()?).await?;
    Ok(web::Json(PageOut::from_page(page, |u| UserOut::from(u))))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only events about this kind of record, e.g. `user`.
    #[validate(length(max = 60, code = "length", message = "at most 60 characters"))]
    pub entity_type: Option<String>,
    /// Only events about this record.
    #[validate(length(max = 64, code = "length", message = "at most 64 characters"))]
    pub entity_id: Option<String>,
    /// Only events by this account.
    pub actor_id: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// One recorded write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// `user`, `service_account` or `command_line`.
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

impl From<&persistence::entities::audit_event::Model> for AuditEventOut {
    fn from(row: &persistence::entities::audit_event::Model) -> Self {
        let parse =
            |text: &Option<String>| text.as_deref().and_then(|t| serde_json::from_str(t).ok());
        AuditEventOut {
            id: row.id,
            occurred_at: row.occurred_at,
            actor_kind: row.actor_kind.clone(),
            actor_id: row.actor_id,
            actor_label: row.actor_label.clone(),
            action: row.action.clone(),
            entity_type: row.entity_type.clone(),
            entity_id: row.entity_id.clone(),
            before: parse(&row.before),
            after: parse(&row.after),
            request_id: row.request_id.clone(),
        }
    }
}

/// The audit trail, newest first.
#[utoipa::path(
    tag = "admin",
    params(AuditQuery),
    responses((status = 200, body = PageOut<AuditEventOut>)),
    security(("bearer" = ["admin"])),
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<PageOut<AuditEventOut>>, ApiError> {
    authorize(&caller.0, Action::ReadAuditEvents)?;
    crate::extract::validate(&*query, crate::error::FieldLocation::Query)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    };
    let filter = AuditFilter {
        entity_type: query.entity_type.clone(),
        entity_id: query.entity_id.clone(),
        actor_id: query.actor_id,
    };
    let page = audit::list(&state.db.conn, &filter, paging.request()?).await?;
    Ok(web::Json(PageOut::from_page(page, |e| {
        AuditEventOut::from(e)
    })))
}
