//! Probes for load balancers and orchestrators.

use crate::error::{ApiError, ErrorCode, Problem, STORAGE_RETRY_AFTER_SECONDS};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthOut {
    /// `ok`
    pub status: &'static str,
}

/// Liveness: the process answers. Never touches the database.
#[utoipa::path(tag = "health", responses((status = 200, body = HealthOut)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(HealthOut { status: "ok" })
}

/// Readiness: the database answers, every migration this binary knows has been applied, and,
/// after a request met a storage fault (full disk, read-only database, lost connection), a write
/// probe commits again.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = HealthOut),
        (status = 503, description = "Database unreachable or migrations pending (service_unavailable), or writes do not commit since a storage fault (storage_unavailable, with Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let unavailable = |detail: String| {
        tracing::warn!(%detail, "not ready");
        ApiError::new(ErrorCode::ServiceUnavailable).with_detail(detail)
    };
    state
        .db
        .ping()
        .await
        .map_err(|_| unavailable("the database does not answer".into()))?;
    let pending = state
        .db
        .pending_migrations()
        .await
        .map_err(|_| unavailable("the migration table cannot be read".into()))?;
    if pending > 0 {
        return Err(unavailable(format!(
            "{pending} migration(s) pending; run `platina migrate`"
        )));
    }
    if let Some((fault, at)) = state.db.storage_health().last_fault() {
        writes_commit_again(&state.db, fault, at).await?;
    }
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(HealthOut { status: "ok" }))
}

/// After a request met a storage fault: not ready for as long as clients were told to wait, then
/// ready once a write probe commits. Reads go on during a fault, so the ping passes; only a write
/// can tell, and on a nearly full disk a small probe may fit where real writes fail, hence the
/// wait. Probing only after a fault keeps an idle server's probes from writing. The answers carry
/// no fault for the middleware to record, or polling this probe would keep restarting the wait.
async fn writes_commit_again(
    db: &persistence::Database,
    fault: persistence::StorageFault,
    at: Instant,
) -> Result<(), ApiError> {
    let window = Duration::from_secs(STORAGE_RETRY_AFTER_SECONDS);
    let since = at.elapsed();
    if since < window {
        tracing::warn!(%fault, "not ready: a request met a storage fault moments ago");
        return Err(ApiError {
            retry_after_seconds: Some((window - since).as_secs().max(1)),
            storage_fault: None,
            ..ApiError::storage_unavailable(fault)
                .with_detail(format!("a write failed moments ago: {fault}"))
        });
    }
    let Err(err) = db.probe_writes().await else {
        tracing::info!("writes commit again");
        return Ok(());
    };
    match persistence::storage_fault(&err) {
        Some(fault) => {
            tracing::warn!(%fault, cause = %err, "not ready: writes do not commit");
            db.storage_health().record(fault);
            Err(ApiError {
                storage_fault: None,
                ..ApiError::storage_unavailable(fault)
                    .with_detail(format!("writes do not commit: {fault}"))
            })
        }
        None => {
            tracing::error!(cause = %err, "the write probe failed");
            Err(ApiError::new(ErrorCode::ServiceUnavailable)
                .with_detail("the write probe failed; see the server log"))
        }
    }
}
