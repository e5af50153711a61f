//! The layers around every request: request id, log span, security headers and the promise that
//! no error leaves the server in any shape but problem+json (outermost), and the gate that answers
//! wrong methods, missing tokens and roles an operation does not admit before a handler runs.

use crate::AppState;
use crate::auth::Authenticated;
use crate::auth::principal::{authenticate, bearer_token};
use crate::context::{self, RequestContext};
use crate::error::{ApiError, ErrorCode, PROBLEM_JSON};
use crate::routing::RouteTable;
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

    let outcome = context::scope(ctx.clone(), next.call(req).instrument(span.clone())).await;
    // Services answer errors as responses; an `Err` here comes from a layer without a request
    // to answer with, so it is logged and re-raised as a problem for the dispatcher to render.
    let response = match outcome {
        Ok(response) => response.map_into_boxed_body(),
        Err(err) => {
            let status = err.as_response_error().status_code();
            span.in_scope(|| tracing::warn!(cause = %err, status = status.as_u16(), "request failed outside a handler"));
            return Err(context::sync_scope(ctx, || {
                ApiError::new(crate::error::ErrorCode::for_status(status)).into()
            }));
        }
    };
    let mut response = context::sync_scope(ctx, || as_problem(response));

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    add_security_headers(headers);

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
    let error = ApiError::new(crate::error::ErrorCode::for_status(status));
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
