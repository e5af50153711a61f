//! Probes for load balancers and orchestrators.

use crate::AppState;
use crate::error::{ApiError, ErrorCode, Problem};
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
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

/// Readiness: the database answers and every migration this binary knows has been applied.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = HealthOut),
        (status = 503, description = "Database unreachable or migrations pending", body = Problem, content_type = "application/problem+json"),
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
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(HealthOut { status: "ok" }))
}
