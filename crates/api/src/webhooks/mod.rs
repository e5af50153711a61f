//! Signed webhooks for internal systems: the admin API that registers endpoints (URL, the event
//! kinds each wants, its secret), rotates their secrets, sends test pings, shows the delivery log
//! and redelivers; the jobs that deliver events are in [`delivery`], the Standard Webhooks
//! signatures in [`signing`].
//!
//! Secrets are shown once, in the answer that makes them (registering, rotating); no other answer
//! and no audit event carries one.

pub mod delivery;
pub mod signing;

use crate::auth::Authenticated;
use crate::concurrency::{IfMatch, json_with_etag};
use crate::context::actor;
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{Paging, ValidJson};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::{Action, authorize};
use persistence::jobs::NewJob;
use persistence::webhooks::{self, DELIVER_JOB, Endpoint, EndpointFields, LoggedDelivery};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

/// How deliveries are made; `[webhooks]` in the configuration.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// How long one POST may take, connecting included.
    pub timeout: Duration,
    /// Attempts of one delivery before it is given up (with the runner's backoff between them).
    pub max_attempts: i32,
    /// An endpoint whose deliveries have failed for this long is disabled.
    pub disable_after: Duration,
    /// How long a rotated-out secret keeps signing beside the new one, unless the rotation says.
    pub rotation_overlap: Duration,
    /// Deliveries at once in this process.
    pub concurrency: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            timeout: Duration::from_secs(10),
            max_attempts: 40,
            disable_after: Duration::from_secs(24 * 3600),
            rotation_overlap: Duration::from_secs(24 * 3600),
            concurrency: 4,
        }
    }
}

/// The longest overlap a rotation may ask for: a week.
pub const MAX_OVERLAP_SECONDS: u32 = 7 * 24 * 3600;

fn invalid(code: &'static str, message: impl Into<String>) -> ValidationError {
    let mut e = ValidationError::new(code);
    e.message = Some(message.into().into());
    e
}

/// An absolute http(s) URL with a host, no credentials in it and no fragment: where deliveries
/// go, and nowhere else.
fn url_rule(value: &str) -> Result<(), ValidationError> {
    if value.chars().count() > 2000 || domain::text::has_forbidden_control(value, false) {
        return Err(invalid(
            "invalid_url",
            "at most 2000 characters without control characters",
        ));
    }
    let url = reqwest::Url::parse(value.trim())
        .map_err(|e| invalid("invalid_url", format!("not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            "invalid_url",
            "the URL must start with http:// or https://",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("invalid_url", "the URL must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "invalid_url",
            "no user or password in the URL: receivers verify the signature instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid("invalid_url", "no #fragment: it is never sent"));
    }
    Ok(())
}

fn description_rule(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 400, false)
}

/// The event kinds, as the document lists them: the generated client then knows every name.
fn event_kinds_schema() -> utoipa::openapi::Array {
    let names: Vec<&str> = domain::event::KINDS.iter().map(|k| k.name).collect();
    utoipa::openapi::ArrayBuilder::new()
        .items(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some(names)),
        )
        .build()
}

/// At least one kind, each one Platina writes (`domain::event::KINDS`).
fn kinds_rule(kinds: &[String]) -> Result<(), ValidationError> {
    if kinds.is_empty() {
        return Err(invalid("required", "name at least one event kind"));
    }
    if let Some(unknown) = kinds.iter().find(|k| domain::event::find(k).is_none()) {
        let known: Vec<&str> = domain::event::KINDS.iter().map(|k| k.name).collect();
        return Err(invalid(
            "unknown_event_kind",
            format!(
                "`{}` is not an event kind; expected some of {}",
                unknown.chars().take(64).collect::<String>(),
                known.join(", ")
            ),
        ));
    }
    Ok(())
}

fn yes() -> bool {
    true
}

/// An endpoint as an admin registers or changes it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// Where deliveries are POSTed: http(s) only; redirects are not followed.
    #[validate(custom(function = "url_rule"))]
    #[schema(example = "https://kintone-bridge.city.example.jp/platina/events")]
    pub url: String,
    /// What the receiving system is, for the admin screen.
    #[validate(custom(function = "description_rule"))]
    #[schema(example = "kintone 連携（DX推進課）")]
    pub description: Option<String>,
    /// The event kinds it wants (see the preferences' kinds: `proposal.assigned`, …).
    #[validate(
        length(max = 50, code = "length", message = "at most 50 kinds"),
        custom(function = "kinds_rule")
    )]
    #[schema(schema_with = event_kinds_schema, example = json!(["proposal.assigned", "milestone.slipped"]))]
    pub event_kinds: Vec<String>,
    /// Off: nothing is delivered. Turning an endpoint back on forgets why it was disabled.
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl WebhookIn {
    fn fields(self) -> EndpointFields {
        let mut kinds: Vec<String> = Vec::new();
        for kind in self.event_kinds {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        EndpointFields {
            url: self.url.trim().to_owned(),
            description: crate::text_rules::optional(self.description).unwrap_or_default(),
            event_kinds: kinds,
            enabled: self.enabled,
        }
    }
}

/// A registered endpoint. Its secret is never shown again after the answer that made it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: i64,
    pub url: String,
    pub description: String,
    #[schema(schema_with = event_kinds_schema)]
    pub event_kinds: Vec<String>,
    pub enabled: bool,
    /// Why it was disabled automatically; null when enabled or turned off by hand.
    pub disabled_reason: Option<String>,
    /// Since when its deliveries have been failing; null when the last one succeeded.
    pub failing_since: Option<DateTime<Utc>>,
    /// While a rotation's overlap runs, when the previous secret stops signing.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Endpoint> for WebhookOut {
    fn from(e: &Endpoint) -> Self {
        WebhookOut {
            id: e.id,
            url: e.url.clone(),
            description: e.description.clone(),
            event_kinds: e.event_kinds.clone(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            failing_since: e.failing_since,
            previous_secret_expires_at: e.rotation_ends_at(persistence::clock::now()),
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// An endpoint with its new secret: shown this once, so store it in the receiving system now.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecretOut {
    pub webhook: WebhookOut,
    /// `whsec_` and the base64 of the key, as Standard Webhooks libraries take it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

fn with_secret(status: StatusCode, endpoint: &Endpoint) -> HttpResponse {
    let out = WebhookSecretOut {
        webhook: WebhookOut::from(endpoint),
        secret: endpoint.secret.clone(),
    };
    let mut response = json_with_etag(status, endpoint.version, out);
    // A secret must not linger in a cache on the way.
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WebhookQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound).with_detail("no such webhook endpoint")
}

async fn find(state: &AppState, id: i64) -> Result<Endpoint, ApiError> {
    webhooks::find(&state.db.conn, id)
        .await?
        .ok_or_else(not_found)
}

fn new_secret() -> Result<String, ApiError> {
    signing::new_secret().map_err(ApiError::internal)
}

/// Webhook endpoints, oldest first.
#[utoipa::path(
    tag = "webhooks",
    params(WebhookQuery),
    responses((status = 200, body = PageOut<WebhookOut>)),
    security(("bearer" = ["admin"])),
)]
#[get("/admin/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<WebhookQuery>,
) -> Result<web::Json<PageOut<WebhookOut>>, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let page = Paging {
        page: query.page,
        per_page: query.per_page,
    }
    .request()?;
    let page = webhooks::list(&state.db.conn, page).await?;
    Ok(web::Json(PageOut::from_page(page, |e| WebhookOut::from(e))))
}

/// Register an endpoint; the answer shows its secret, this once.
#[utoipa::path(
    tag = "webhooks",
    request_body = WebhookIn,
    responses((status = 201, body = WebhookSecretOut)),
    security(("bearer" = ["admin"])),
)]
#[post("/admin/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<WebhookIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let endpoint = webhooks::create(
        &state.db.conn,
        body.0.fields(),
        new_secret()?,
        &actor(&caller.0),
    )
    .await?;
    Ok(with_secret(StatusCode::CREATED, &endpoint))
}

/// One endpoint, without its secret.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 200, body = WebhookOut)),
    security(("bearer" = ["admin"])),
)]
#[get("/admin/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let endpoint = find(&state, *id).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        endpoint.version,
        WebhookOut::from(&endpoint),
    ))
}

/// Change an endpoint's URL, description, kinds or whether it is enabled. Needs `If-Match`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body = WebhookIn,
    responses((status = 200, body = WebhookOut)),
    security(("bearer" = ["admin"])),
)]
#[put("/admin/webhooks/{id}")]
pub async fn replace_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<WebhookIn>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageWebhooks)?;
    let endpoint = webhooks::replace(
        &state.db.conn,
        *id,
        version,
        body.0.fields(),
        &actor(&caller.0),
    )
    .await
    .map_err(|e| match e {
        persistence::StoreError::NotFound => not_found(),
        other => other.into(),
    })?;
    Ok(json_with_etag(
        StatusCode::OK,
        endpoint.version,
        WebhookOut::from(&endpoint),
    ))
}

/// Remove an endpoint and its delivery log. Needs `If-Match`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 204)),
    security(("bearer" = ["admin"])),
)]
#[delete("/admin/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageWebhooks)?;
    webhooks::delete(&state.db.conn, *id, version, &actor(&caller.0))
        .await
        .map_err(|e| match e {
            persistence::StoreError::NotFound => not_found(),
            other => other.into(),
        })?;
    Ok(HttpResponse::NoContent().finish())
}

/// How long the secret being replaced keeps signing.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretIn {
    /// Seconds the old secret keeps signing beside the new one (a signature for each), so the
    /// receiving system can switch in that time; 0 ends it at once (a leaked secret). Default:
    /// `[webhooks] rotation_overlap_seconds`, 24 hours unless configured.
    #[validate(range(
        max = 604_800,
        code = "out_of_range",
        message = "at most 604800 seconds (a week)"
    ))]
    pub overlap_seconds: Option<u32>,
}

/// Give an endpoint a new secret, shown this once; the old one keeps signing for the overlap.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path)),
    request_body = RotateSecretIn,
    responses((status = 200, body = WebhookSecretOut)),
    security(("bearer" = ["admin"])),
)]
#[post("/admin/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<RotateSecretIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let overlap = body
        .0
        .overlap_seconds
        .map(|s| Duration::from_secs(u64::from(s.min(MAX_OVERLAP_SECONDS))))
        .unwrap_or(state.webhooks.rotation_overlap);
    let until = persistence::clock::now()
        + chrono::Duration::from_std(overlap).unwrap_or(chrono::Duration::MAX);
    let endpoint =
        webhooks::rotate_secret(&state.db.conn, *id, new_secret()?, until, &actor(&caller.0))
            .await
            .map_err(|e| match e {
                persistence::StoreError::NotFound => not_found(),
                other => other.into(),
            })?;
    Ok(with_secret(StatusCode::OK, &endpoint))
}

/// A delivery queued by hand: its `webhook-id`, which the log shows once it was attempted.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedDeliveryOut {
    pub endpoint_id: i64,
    #[schema(example = "msg_ping_3q2-7uWk0c9a4D1f")]
    pub message_id: String,
}

fn refuse_disabled(endpoint: &Endpoint) -> Result<(), ApiError> {
    if endpoint.enabled {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Conflict)
            .with_detail("the endpoint is disabled; enable it before sending to it"))
    }
}

async fn queue(
    state: &AppState,
    caller: &domain::Principal,
    action: &'static str,
    endpoint_id: i64,
    job: NewJob,
    message_id: String,
) -> Result<HttpResponse, ApiError> {
    webhooks::queue_manual_delivery(
        &state.db.conn,
        action,
        endpoint_id,
        job,
        &message_id,
        &actor(caller),
    )
    .await?;
    state.jobs.wake();
    Ok(HttpResponse::Accepted().json(QueuedDeliveryOut {
        endpoint_id,
        message_id,
    }))
}

/// Send the endpoint a signed test ping (`type` `webhook.ping`) once; the attempt shows in its
/// delivery log. A disabled endpoint answers 409.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path)),
    responses(
        (status = 202, body = QueuedDeliveryOut),
        (status = 409, description = "The endpoint is disabled", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/admin/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let endpoint = find(&state, *id).await?;
    refuse_disabled(&endpoint)?;
    let ping_id = delivery::new_ping_id();
    let job = delivery::ping_job(endpoint.id, &ping_id);
    queue(&state, &caller.0, "webhook.test", endpoint.id, job, ping_id).await
}

/// One attempt to deliver, as the log keeps it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryOut {
    pub id: i64,
    pub endpoint_id: i64,
    /// The event delivered; null for a test ping.
    pub event_id: Option<i64>,
    /// The event's kind, or `webhook.ping`.
    pub event_kind: String,
    /// The `webhook-id` header, the same for every attempt of one event to one endpoint.
    pub message_id: String,
    pub attempt: i32,
    /// The receiver's answer; null when none came.
    pub status_code: Option<i32>,
    pub response_time_ms: Option<i32>,
    pub succeeded: bool,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<&LoggedDelivery> for WebhookDeliveryOut {
    fn from(logged: &LoggedDelivery) -> Self {
        let d = &logged.delivery;
        WebhookDeliveryOut {
            id: d.id,
            endpoint_id: d.endpoint_id,
            event_id: d.event_id,
            event_kind: logged.event_kind.clone(),
            message_id: d.message_id.clone(),
            attempt: d.attempt,
            status_code: d.status_code,
            response_time_ms: d.response_time_ms,
            succeeded: d.status_code.is_some_and(|s| (200..300).contains(&s)),
            error: d.error.clone(),
            at: d.at,
        }
    }
}

/// An endpoint's delivery log, newest first: every attempt with its status code, response time
/// and error.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path), WebhookQuery),
    responses((status = 200, body = PageOut<WebhookDeliveryOut>)),
    security(("bearer" = ["admin"])),
)]
#[get("/admin/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<WebhookQuery>,
) -> Result<web::Json<PageOut<WebhookDeliveryOut>>, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let page = Paging {
        page: query.page,
        per_page: query.per_page,
    }
    .request()?;
    let endpoint = find(&state, *id).await?;
    let page = webhooks::deliveries(&state.db.conn, endpoint.id, page).await?;
    Ok(web::Json(PageOut::from_page(page, |d| {
        WebhookDeliveryOut::from(d)
    })))
}

/// Deliver a logged delivery's event (or ping) again, once, under the same `webhook-id`, so a
/// receiver that already handled it can tell. A disabled endpoint answers 409.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path)),
    responses(
        (status = 202, body = QueuedDeliveryOut),
        (status = 409, description = "The endpoint is disabled", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/admin/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let logged = webhooks::find_delivery(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound).with_detail("no such delivery"))?;
    let endpoint = find(&state, logged.endpoint_id).await?;
    refuse_disabled(&endpoint)?;
    let input = delivery::DeliverInput {
        endpoint_id: endpoint.id,
        event_id: logged.event_id,
        ping_id: logged.event_id.is_none().then(|| logged.message_id.clone()),
    };
    // One attempt, and one queued per logged delivery however often it is asked for.
    let job = NewJob::new(DELIVER_JOB, serde_json::json!(input))
        .attempts(1)
        .dedupe(format!("webhook.redeliver:{}", logged.id));
    queue(
        &state,
        &caller.0,
        "webhook.redeliver",
        endpoint.id,
        job,
        logged.message_id,
    )
    .await
}
