//! The layers around every request: request id, log span, security and cache headers, the checks
//! made before routing (request-target length, query encoding), noting storage faults for the
//! readiness probe and the promise that no error leaves the server in any shape but problem+json
//! (outermost), and the gate that answers wrong methods, missing tokens and roles an operation
//! does not admit before a handler runs.

use crate::auth::Authenticated;
use crate::auth::principal::{authenticate, bearer_token};
use crate::context::{self, RequestContext};
use crate::error::{ApiError, ErrorCode, PROBLEM_JSON};
use crate::routing::RouteTable;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The SPA's scripts and styles come from its own origin; Vite emits no inline script.
const CSP_APP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| context::acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let english = context::english_preferred(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let ctx = RequestContext {
        request_id: request_id.clone(),
        path: req.path().to_owned(),
        english,
    };
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();

    let refusal = context::sync_scope(ctx.clone(), || refuse_before_routing(&req));
    let outcome = match refusal {
        Some(error) => {
            let answer = context::sync_scope(ctx.clone(), || error.error_response());
            Ok(req.into_response(answer))
        }
        None => context::scope(ctx.clone(), next.call(req).instrument(span.clone()))
            .await
            .map(ServiceResponse::map_into_boxed_body),
    };
    // Services answer errors as responses; an `Err` here comes from a layer without a request
    // to answer with, so it is logged and re-raised as a problem for the dispatcher to render.
    let response = match outcome {
        Ok(response) => response,
        Err(err) => {
            let status = err.as_response_error().status_code();
            span.in_scope(|| tracing::warn!(cause = %err, status = status.as_u16(), "request failed outside a handler"));
            return Err(context::sync_scope(ctx, || {
                ApiError::new(ErrorCode::for_status(status)).into()
            }));
        }
    };
    if let Some(fault) = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .and_then(|e| e.storage_fault)
        && let Some(state) = &state
    {
        state.db.storage_health().record(fault);
    }
    let mut response = context::sync_scope(ctx, || as_problem(response));

    let is_api = response.request().path().starts_with("/api/v1/");
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    add_security_headers(headers);
    if is_api {
        add_cache_control(headers);
    }

    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, latency_ms, "request finished");
        } else {
            tracing::info!(status, latency_ms, "request finished");
        }
    });
    Ok(response)
}

/// The longest request target (path and query) served, in bytes. Longer ones are answered 414
/// here; past 65,534 bytes actix-http's parser refuses the request line itself with an empty 400
/// before any code of ours runs (it offers no hook for that answer), so this limit keeps every
/// target up to that point answered as problem+json.
pub const MAX_REQUEST_TARGET_BYTES: usize = 8 * 1024;

/// What is wrong with a request before any route looks at it: an over-long target, or an API
/// query string that is not valid percent-encoded UTF-8 (which the query parser would otherwise
/// decode leniently, turning `%ZZ` into literal text and bad bytes into U+FFFD).
fn refuse_before_routing(req: &ServiceRequest) -> Option<ApiError> {
    let target_len = req
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target_len > MAX_REQUEST_TARGET_BYTES {
        return Some(ApiError::new(ErrorCode::UriTooLong).with_detail(format!(
            "the path and query are {target_len} bytes; at most {MAX_REQUEST_TARGET_BYTES} are served"
        )));
    }
    let path = req.path();
    if (path == "/api" || path.starts_with("/api/"))
        && let Err(reason) = crate::extract::check_query_encoding(req.query_string())
    {
        return Some(ApiError::new(ErrorCode::InvalidQuery).with_detail(reason));
    }
    None
}

/// Records, dashboards and errors of the API are the caller's own data: no shared cache may keep
/// them, and a browser may not reuse one without asking. A response that carries an ETag may be
/// kept privately and revalidated (`If-None-Match` answers 304); any other one is not stored at
/// all. Handlers that choose their own policy keep it.
fn add_cache_control(headers: &mut actix_web::http::header::HeaderMap) {
    if headers.contains_key(header::CACHE_CONTROL) {
        return;
    }
    let policy = if headers.contains_key(header::ETAG) {
        "private, no-cache"
    } else {
        "no-store"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
}

/// Replaces any error response that is not already problem+json (actix's own 404, 405, 413 …).
fn as_problem(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !status.is_client_error() && !status.is_server_error() || is_problem {
        return response;
    }
    if let Some(cause) = response.response().error() {
        tracing::debug!(cause = %cause, "framework error rendered as problem");
    }
    let error = ApiError::new(ErrorCode::for_status(status));
    let replacement = error.error_response();
    response.into_response(replacement)
}

fn add_security_headers(headers: &mut actix_web::http::header::HeaderMap) {
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_APP),
        );
    }
}

/// The gate in front of every documented operation, applied before any handler reads the request:
/// a method the path does not document is a 405 with `Allow`; an operation whose `bearer`
/// requirement lists roles answers 401 without a valid token and 403 to any other role, before
/// its path, body or `If-Match` is looked at. The roles come from the OpenAPI document itself, so
/// what is documented is what is enforced; finer rules (sections, bureaus, own proposals) stay
/// with the handlers, which need the record to decide.
pub async fn operation_gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let routes = req.app_data::<web::Data<RouteTable>>().cloned();
    let Some(operations) = routes.as_ref().and_then(|r| r.operations(req.path())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let Some(operation) = operations
        .iter()
        .find(|o| o.method == req.method().as_str())
    else {
        let allowed = operations.iter().map(|o| o.method.to_owned()).collect();
        let refusal = ApiError {
            allowed_methods: allowed,
            ..ApiError::new(ErrorCode::MethodNotAllowed)
        };
        return Ok(req.into_response(refusal.error_response()));
    };
    if let Some(roles) = operation.roles.clone() {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req.request());
        let decided = async {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
            let principal = authenticate(&state, &token).await?;
            if roles.iter().any(|role| role == principal.role.as_str()) {
                Ok(principal)
            } else {
                tracing::info!(role = %principal.role, "denied by the operation's roles");
                Err(ApiError::new(ErrorCode::Forbidden))
            }
        }
        .await;
        match decided {
            Ok(principal) => {
                req.extensions_mut().insert(Authenticated(principal));
            }
            Err(refusal) => return Ok(req.into_response(refusal.error_response())),
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Around a request that may write: while it runs, the job runner's writes wait for it (see
/// `persistence::traffic`); once it has succeeded, the runner is told to look for due jobs at
/// once, since the write may have committed events whose notifications and deliveries should
/// not wait for the next poll. Waking an idle runner costs one read; other instances find the
/// jobs at their poll.
pub async fn pace_jobs_around_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let writes = !req.method().is_safe();
    let state = writes
        .then(|| req.app_data::<web::Data<AppState>>().cloned())
        .flatten();
    let in_flight = state.as_ref().map(|state| state.db.request_started());
    let response = next.call(req).await?;
    drop(in_flight);
    if let Some(state) = state
        && response.status().is_success()
    {
        state.jobs.wake();
    }
    Ok(response)
}
