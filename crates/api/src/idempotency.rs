//! The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP Header
//! Field") on the POST operations that create records: a retried request with the same key and
//! the same body gets the first response again instead of making a second record; the same key
//! with another request is refused 422; a retry that arrives while the first is still being
//! processed is refused 409.
//!
//! Only a 2xx response is recorded, after the handler returned it, that is after its write
//! committed. Any other outcome frees the key, so a corrected request may use it again. The
//! request runs to its end on its own task even when the client disconnects, so a retry after
//! a dropped connection finds the response recorded rather than a key stuck in flight.

use crate::auth::TokenKind;
use crate::context;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
pub use crate::state::IdempotencySettings;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use persistence::idempotency::{self, Claim, KeyClaim, StoredResponse};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicI64, Ordering};
use tracing::Instrument;

pub const KEY_HEADER: &str = "idempotency-key";
/// Set on a response that is the recorded answer to an earlier request with the same key.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
pub const MAX_KEY_CHARS: usize = 255;

/// Exactly the header values `parse_key` accepts, for the OpenAPI document: a bare token of
/// visible ASCII not opening with a quote, or a quoted string whose characters are printable
/// ASCII with `"` and `\\` escaped; 1 to 255 key characters either way.
pub const KEY_PATTERN: &str = r#"^(?:[!#-~][!-~]{0,254}|"(?:[ !#-\[\]-~]|\\["\\]){1,255}")$"#;

/// The response headers a replay repeats; the rest (request id, security headers, cache policy)
/// belong to the response that carries the replay.
const RECORDED_HEADERS: [HeaderName; 3] = [header::LOCATION, header::ETAG, header::CONTENT_TYPE];

/// Whether an operation honours the header: every POST of the API except the sign-in ones,
/// which create no record. Matches request paths and the OpenAPI path templates alike.
pub fn applies_to(method: &Method, path: &str) -> bool {
    method == Method::POST && path.starts_with("/api/v1/") && !path.starts_with("/api/v1/auth/")
}

/// The key as the draft defines it, a Structured Field string (`"8e03978e-…"`); the bare token
/// many clients send is accepted too. Printable ASCII, 1 to 255 characters.
pub fn parse_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(KEY_HEADER);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let invalid = |why: &str| ApiError::new(ErrorCode::InvalidIdempotencyKey).with_detail(why);
    if values.next().is_some() {
        return Err(invalid("send one Idempotency-Key header, not several"));
    }
    let raw = value
        .to_str()
        .map_err(|_| invalid("the key must be printable ASCII"))?
        .trim();
    let key = match raw.strip_prefix('"') {
        Some(quoted) => {
            let inner = quoted
                .strip_suffix('"')
                .ok_or_else(|| invalid("a quoted key must end with a quote"))?;
            let mut key = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some(escaped @ ('"' | '\\')) => key.push(escaped),
                        _ => return Err(invalid("only \\\" and \\\\ may be escaped in a key")),
                    },
                    '"' => return Err(invalid("a quote inside the key must be escaped")),
                    c if (' '..='~').contains(&c) => key.push(c),
                    _ => return Err(invalid("the key must be printable ASCII")),
                }
            }
            key
        }
        None => {
            if !raw.chars().all(|c| ('!'..='~').contains(&c)) {
                return Err(invalid(
                    "an unquoted key must be printable ASCII without spaces or quotes",
                ));
            }
            raw.to_owned()
        }
    };
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return Err(invalid("the key must be 1 to 255 characters"));
    }
    Ok(Some(key))
}

/// SHA-256 over method, path with query, and body: what makes a retry "the same request".
pub fn fingerprint(method: &Method, path_and_query: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_str().as_bytes());
    hash.update(b"\n");
    hash.update(path_and_query.as_bytes());
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The verified subject of the bearer token (`user:3`), which scopes keys to their caller. A
/// request without a valid token passes through and is refused 401 by its handler.
fn principal(req: &ServiceRequest, state: &AppState) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    state
        .tokens
        .verify(token.trim(), TokenKind::Access, Utc::now())
        .ok()
        .map(|claims| claims.sub)
}

/// The largest body a keyed request may have: what its handler could accept at most.
fn body_limit(req: &ServiceRequest) -> usize {
    let json = req
        .app_data::<crate::extract::BodyLimit>()
        .map_or(1024 * 1024, |l| l.0);
    // A multipart upload carries its file and a little framing.
    json.max(crate::tabular::import::MAX_FILE_BYTES + 64 * 1024)
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, ApiError> {
    let limit = body_limit(req);
    let too_large = || {
        ApiError::new(ErrorCode::PayloadTooLarge).with_detail(format!("the limit is {limit} bytes"))
    };
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(ErrorCode::MalformedJson)
                .with_detail(format!("the body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.insert_header((name, value));
        }
    }
    response.insert_header((HeaderName::from_static(REPLAYED_HEADER), "true"));
    response.body(stored.body)
}

/// Expired keys are removed now and then by whichever request comes along; at most once every
/// ten minutes per process.
async fn purge_now_and_then(db: &persistence::Database, now: DateTime<Utc>) {
    static LAST_PURGE: AtomicI64 = AtomicI64::new(0);
    let last = LAST_PURGE.load(Ordering::Relaxed);
    if now.timestamp() - last < 600
        || LAST_PURGE
            .compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    match idempotency::purge_expired(&db.conn, now).await {
        Ok(0) => {}
        Ok(purged) => tracing::debug!(purged, "expired idempotency keys removed"),
        Err(e) => tracing::warn!(cause = %e, "expired idempotency keys could not be removed"),
    }
}

/// Frees the key if the request ends without recording (an error, or a panic in the handler).
struct Reservation {
    db: persistence::Database,
    principal: String,
    key: String,
    settled: bool,
}

impl Reservation {
    async fn release(mut self) {
        self.settled = true;
        if let Err(e) = idempotency::release(&self.db.conn, &self.principal, &self.key).await {
            // The key then answers 409 until it expires: never a second record.
            tracing::error!(cause = %e, "an idempotency key could not be released");
        }
    }

    async fn record(mut self, response: &StoredResponse) {
        self.settled = true;
        if let Err(e) =
            idempotency::complete(&self.db.conn, &self.principal, &self.key, response).await
        {
            // The write committed, so the key must not be freed: retries get 409 until it expires.
            tracing::error!(cause = %e, "the response to an idempotent request could not be recorded");
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (db, principal, key) = (self.db.clone(), self.principal.clone(), self.key.clone());
        actix_web::rt::spawn(async move {
            if let Err(e) = idempotency::release(&db.conn, &principal, &key).await {
                tracing::error!(cause = %e, "an idempotency key could not be released");
            }
        });
    }
}

/// Runs the claimed request and records its response if it succeeded.
async fn run_and_record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    mut reservation: Reservation,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let outcome = next.call(req).await;
    let response = match outcome {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => {
            reservation.release().await;
            return Ok(response.map_into_boxed_body());
        }
        Err(err) => {
            reservation.release().await;
            return Err(err);
        }
    };
    let (req, response) = response.map_into_boxed_body().into_parts();
    let (response, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(e) => {
            // The write committed but its answer cannot be read back: keep the key in flight.
            reservation.settled = true;
            let error = ApiError::internal(format!("reading a created record's response: {e}"));
            return Ok(ServiceResponse::new(req, error.error_response()));
        }
    };
    let stored = StoredResponse {
        status: response.status().as_u16(),
        headers: RECORDED_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(name)?.to_str().ok()?;
                Some((name.as_str().to_owned(), value.to_owned()))
            })
            .collect(),
        body: bytes.to_vec(),
    };
    reservation.record(&stored).await;
    let response = response.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(req, response))
}

/// The middleware: a keyed POST that creates a record is claimed, replayed or refused here.
pub async fn idempotent_creates(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !applies_to(req.method(), req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = match parse_key(req.headers()) {
        Ok(Some(key)) => key,
        Ok(None) => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
        Err(error) => return Ok(req.error_response(error)),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(ApiError::internal("application state missing")));
    };
    let Some(principal) = principal(&req, &state) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error)),
    };
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |t| t.as_str().to_owned());
    let fingerprint = fingerprint(req.method(), &target, &body);
    req.set_payload(Payload::from(body));

    let now = Utc::now();
    let retention = chrono::Duration::from_std(state.idempotency.retention)
        .unwrap_or_else(|_| chrono::Duration::hours(24));
    let request_id = context::request_id().unwrap_or_default();
    let claim = idempotency::claim(
        &state.db.conn,
        &KeyClaim {
            principal: &principal,
            key: &key,
            fingerprint: &fingerprint,
            request_id: &request_id,
            now,
            expires_at: now + retention,
        },
    )
    .await;
    match claim {
        Ok(Claim::Acquired) => {}
        Ok(Claim::Replay(stored)) => {
            tracing::info!("idempotent request replayed");
            return Ok(req.into_response(replay(stored)));
        }
        Ok(Claim::Mismatch) => {
            return Ok(req.error_response(ApiError::new(ErrorCode::IdempotencyKeyReused).with_detail(
                "the key was first used with another method, path or body; use a new key for a new request",
            )));
        }
        Ok(Claim::InFlight) => {
            return Ok(req.error_response(
                ApiError::new(ErrorCode::IdempotencyKeyInFlight)
                    .with_detail("retry once the first request has been answered"),
            ));
        }
        Err(e) => return Ok(req.error_response(ApiError::from(e))),
    }
    purge_now_and_then(&state.db, now).await;

    let reservation = Reservation {
        db: state.db.clone(),
        principal,
        key,
        settled: false,
    };
    // On its own task, so that a client hanging up does not cut the request off between its
    // commit and the recording of its answer.
    let work = run_and_record(req, next, reservation).instrument(tracing::Span::current());
    let task = match context::current() {
        Some(ctx) => actix_web::rt::spawn(async move { context::scope(ctx, work).await }),
        None => actix_web::rt::spawn(work),
    };
    match task.await {
        Ok(outcome) => outcome,
        Err(join) => Err(ApiError::internal(format!("the request's task failed: {join}")).into()),
    }
}

/// Documents the header, the replay marker and the answers the key can add on an operation
/// that honours it, so the OpenAPI document says exactly what `idempotent_creates` does.
pub fn document_operation(path: &str, operation: &mut serde_json::Value) {
    use serde_json::{Value, json};
    if !applies_to(&Method::POST, path) {
        return;
    }
    let key_parameter = json!({
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "description": "A unique key per intended write (a UUID), as a Structured Field string \
    (`\"8e03978e-…\"`) or a bare token; printable ASCII, at most 255 characters. Retrying with the \
    same key and the same body returns the first response (marked `Idempotent-Replayed: true`) instead \
    of creating a second record; the key is remembered per caller for `idempotency.retention_hours` \
    (24 h by default) after its first use. Only a successful (2xx) answer is remembered: after an \
    error the key may be used again.",
        "schema": { "type": "string", "pattern": KEY_PATTERN },
        "example": "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
    });
    if !operation["parameters"].is_array() {
        operation["parameters"] = json!([]);
    }
    if let Some(parameters) = operation["parameters"].as_array_mut() {
        parameters.push(key_parameter);
    }
    let Some(responses) = operation["responses"].as_object_mut() else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2') && response.is_object() {
            if !response["headers"].is_object() {
                response["headers"] = json!({});
            }
            response["headers"]["Idempotent-Replayed"] = json!({
                "description": "`true` when this is the recorded answer to an earlier request with the same Idempotency-Key",
                "schema": { "type": "string", "enum": ["true"] },
            });
        }
    }
    let mut add = |status: &str, description: &str| match responses.get_mut(status) {
        Some(existing) => {
            let joined = format!(
                "{}; {description}",
                existing["description"].as_str().unwrap_or_default()
            );
            existing["description"] = Value::String(joined);
        }
        None => {
            responses.insert(
                status.to_owned(),
                json!({
                    "description": description,
                    "content": { (crate::error::PROBLEM_JSON): { "schema": { "$ref": "#/components/schemas/Problem" } } },
                }),
            );
        }
    };
    add(
        "400",
        "The Idempotency-Key header is malformed (invalid_idempotency_key)",
    );
    add(
        "409",
        "A request with this Idempotency-Key is still being processed (idempotency_key_in_flight)",
    );
    add(
        "422",
        "The Idempotency-Key was used for a different request (idempotency_key_reused)",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.append(HeaderName::from_static(KEY_HEADER), value);
            }
        }
        map
    }

    fn parsed(values: &[&str]) -> Result<Option<String>, ErrorCode> {
        parse_key(&headers(values)).map_err(|e| e.code)
    }

    #[test]
    fn a_key_is_a_structured_field_string_or_a_bare_token() {
        assert_eq!(parsed(&[]), Ok(None));
        assert_eq!(
            parsed(&["\"8e03978e-40d5-43e8-bc93-6894a57f9324\""]),
            Ok(Some("8e03978e-40d5-43e8-bc93-6894a57f9324".into()))
        );
        assert_eq!(parsed(&["order-12"]), Ok(Some("order-12".into())));
        assert_eq!(
            parsed(&["\"with \\\"quote\\\" and space\""]),
            Ok(Some("with \"quote\" and space".into()))
        );
        let long = "k".repeat(MAX_KEY_CHARS + 1);
        for bad in [
            vec!["\"\""],
            vec!["\"open"],
            vec!["two words"],
            vec!["\"bad\\escape\""],
            vec![long.as_str()],
            vec!["a", "b"],
        ] {
            assert_eq!(
                parsed(&bad),
                Err(ErrorCode::InvalidIdempotencyKey),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_documented_pattern_accepts_exactly_the_keys_the_parser_accepts() {
        let pattern = regex::Regex::new(KEY_PATTERN)
            .unwrap_or_else(|e| panic!("the key pattern does not compile: {e}"));
        let longest_bare = "k".repeat(MAX_KEY_CHARS);
        let too_long_bare = "k".repeat(MAX_KEY_CHARS + 1);
        let longest_quoted = format!("\"{}\"", "\\\"".repeat(MAX_KEY_CHARS));
        let too_long_quoted = format!("\"{}\"", "q".repeat(MAX_KEY_CHARS + 1));
        for value in [
            "0",
            "!",
            "a\"b",
            "\\",
            "order-12",
            "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
            "\" \"",
            "\"with \\\"quote\\\" and space\"",
            "\"\"",
            "\"",
            "\"open",
            "two words",
            "\"bad\\escape\"",
            "\"un\"escaped\"",
            longest_bare.as_str(),
            too_long_bare.as_str(),
            longest_quoted.as_str(),
            too_long_quoted.as_str(),
        ] {
            assert_eq!(
                pattern.is_match(value),
                parsed(&[value]).is_ok(),
                "pattern and parser disagree on {value:?}"
            );
        }
    }

    #[test]
    fn the_fingerprint_changes_with_method_path_and_body() {
        let base = fingerprint(&Method::POST, "/api/v1/reforms", b"{}");
        assert_eq!(base, fingerprint(&Method::POST, "/api/v1/reforms", b"{}"));
        assert_eq!(base.len(), 64);
        assert_ne!(base, fingerprint(&Method::PUT, "/api/v1/reforms", b"{}"));
        assert_ne!(base, fingerprint(&Method::POST, "/api/v1/links", b"{}"));
        assert_ne!(base, fingerprint(&Method::POST, "/api/v1/reforms", b"{ }"));
    }

    #[test]
    fn creating_posts_honour_the_key_and_sign_in_does_not() {
        assert!(applies_to(&Method::POST, "/api/v1/reforms"));
        assert!(applies_to(
            &Method::POST,
            "/api/v1/proposals/{id}/assignments"
        ));
        assert!(!applies_to(&Method::POST, "/api/v1/auth/login"));
        assert!(!applies_to(&Method::PUT, "/api/v1/reforms/1"));
        assert!(!applies_to(&Method::GET, "/api/v1/reforms"));
    }
}
