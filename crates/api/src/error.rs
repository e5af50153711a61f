//! Every failure the API can answer with: one table of stable codes, each with its HTTP status and
//! titles, rendered as RFC 9457 `application/problem+json`.

use crate::context;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// What a `storage_unavailable` answer asks clients to wait: long enough not to hammer a full
/// disk, short enough that staff retrying by hand find it working soon after it is fixed.
pub const STORAGE_RETRY_AFTER_SECONDS: u64 = 5;

/// The stable machine-readable codes. Clients key their messages on these, so a code is never
/// renamed or reused for another meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    InvalidQuery,
    InvalidPath,
    UnsupportedMediaType,
    PayloadTooLarge,
    UriTooLong,
    InvalidIdempotencyKey,
    IdempotencyKeyReused,
    IdempotencyKeyInFlight,
    ValidationFailed,
    Unauthenticated,
    InvalidCredentials,
    InvalidToken,
    RefreshTokenReused,
    Forbidden,
    NotFound,
    RouteNotFound,
    MethodNotAllowed,
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    TooManyRequests,
    ServiceUnavailable,
    StorageUnavailable,
    InternalError,
}

struct CodeInfo {
    name: &'static str,
    status: StatusCode,
    title_en: &'static str,
    title_ja: &'static str,
}

impl ErrorCode {
    fn info(self) -> CodeInfo {
        use ErrorCode::*;
        let (name, status, title_en, title_ja) = match self {
            MalformedJson => (
                "malformed_json",
                StatusCode::BAD_REQUEST,
                "The request body is not valid JSON",
                "リクエスト本文が正しい JSON ではありません",
            ),
            InvalidQuery => (
                "invalid_query",
                StatusCode::BAD_REQUEST,
                "The query string could not be read",
                "クエリ文字列を読み取れません",
            ),
            InvalidPath => (
                "invalid_path",
                StatusCode::BAD_REQUEST,
                "The address contains an invalid value",
                "URL に不正な値が含まれています",
            ),
            UnsupportedMediaType => (
                "unsupported_media_type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported content type",
                "対応していない Content-Type です",
            ),
            PayloadTooLarge => (
                "payload_too_large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large",
                "リクエスト本文が大きすぎます",
            ),
            UriTooLong => (
                "uri_too_long",
                StatusCode::URI_TOO_LONG,
                "The address (path and query) is too long",
                "URL（パスとクエリ）が長すぎます",
            ),
            InvalidIdempotencyKey => (
                "invalid_idempotency_key",
                StatusCode::BAD_REQUEST,
                "The Idempotency-Key header is not a valid key",
                "Idempotency-Key ヘッダーの値が正しくありません",
            ),
            IdempotencyKeyReused => (
                "idempotency_key_reused",
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was already used for a different request",
                "この Idempotency-Key は別の内容のリクエストで使用済みです",
            ),
            IdempotencyKeyInFlight => (
                "idempotency_key_in_flight",
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key is still being processed",
                "この Idempotency-Key のリクエストはまだ処理中です",
            ),
            ValidationFailed => (
                "validation_failed",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Some fields are invalid",
                "入力内容に誤りがあります",
            ),
            Unauthenticated => (
                "unauthenticated",
                StatusCode::UNAUTHORIZED,
                "Sign-in required",
                "サインインが必要です",
            ),
            InvalidCredentials => (
                "invalid_credentials",
                StatusCode::UNAUTHORIZED,
                "The e-mail address or password is wrong",
                "メールアドレスまたはパスワードが違います",
            ),
            InvalidToken => (
                "invalid_token",
                StatusCode::UNAUTHORIZED,
                "The token is invalid or expired",
                "トークンが無効か期限切れです",
            ),
            RefreshTokenReused => (
                "refresh_token_reused",
                StatusCode::UNAUTHORIZED,
                "The session was ended because a refresh token was used twice",
                "更新トークンが再使用されたため、セッションを終了しました",
            ),
            Forbidden => (
                "forbidden",
                StatusCode::FORBIDDEN,
                "You do not have permission for this",
                "この操作を行う権限がありません",
            ),
            NotFound => (
                "not_found",
                StatusCode::NOT_FOUND,
                "Not found",
                "見つかりません",
            ),
            RouteNotFound => (
                "route_not_found",
                StatusCode::NOT_FOUND,
                "No such API endpoint",
                "この API エンドポイントは存在しません",
            ),
            MethodNotAllowed => (
                "method_not_allowed",
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed on this endpoint",
                "このエンドポイントでは使えないメソッドです",
            ),
            Conflict => (
                "conflict",
                StatusCode::CONFLICT,
                "Conflicts with the current state",
                "現在の状態と競合しています",
            ),
            PreconditionFailed => (
                "precondition_failed",
                StatusCode::PRECONDITION_FAILED,
                "The record was changed by someone else",
                "他の人が先に更新しました",
            ),
            PreconditionRequired => (
                "precondition_required",
                StatusCode::PRECONDITION_REQUIRED,
                "If-Match is required for updates",
                "更新には If-Match が必要です",
            ),
            TooManyRequests => (
                "too_many_requests",
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts; wait and try again",
                "試行回数が多すぎます。しばらく待ってから再試行してください",
            ),
            ServiceUnavailable => (
                "service_unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable",
                "一時的に利用できません",
            ),
            StorageUnavailable => (
                "storage_unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is temporarily unavailable (full, read-only or disconnected); \
nothing this request changed was saved. Try again later",
                "データベースを一時的に利用できません（容量不足・読み取り専用・接続断）。この操作による変更は保存されていません。しばらくしてから再試行してください",
            ),
            InternalError => (
                "internal_error",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "内部エラーが発生しました",
            ),
        };
        CodeInfo {
            name,
            status,
            title_en,
            title_ja,
        }
    }

    pub fn status(self) -> StatusCode {
        self.info().status
    }

    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// The title in the caller's language (Japanese unless the request preferred English).
    pub fn title(self) -> &'static str {
        let info = self.info();
        if context::prefers_english() {
            info.title_en
        } else {
            info.title_ja
        }
    }

    /// The `WWW-Authenticate` challenge a 401 carries (RFC 9110 §15.5.2). RFC 6750 §3: a request
    /// without credentials gets the bare challenge; a token that was presented and refused
    /// (expired, not yet valid, forged, revoked) also names `error="invalid_token"`, so a client
    /// knows to get a new token rather than ask the person to sign in again.
    pub fn bearer_challenge(self) -> Option<&'static str> {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => {
                Some("Bearer realm=\"platina\"")
            }
            ErrorCode::InvalidToken | ErrorCode::RefreshTokenReused => {
                Some("Bearer realm=\"platina\", error=\"invalid_token\"")
            }
            _ => None,
        }
    }

    /// The code an error response without a body of ours most likely means, by its status.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => ErrorCode::MalformedJson,
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::RouteNotFound,
            405 => ErrorCode::MethodNotAllowed,
            409 => ErrorCode::Conflict,
            412 => ErrorCode::PreconditionFailed,
            413 => ErrorCode::PayloadTooLarge,
            414 => ErrorCode::UriTooLong,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::ValidationFailed,
            428 => ErrorCode::PreconditionRequired,
            429 => ErrorCode::TooManyRequests,
            503 => ErrorCode::ServiceUnavailable,
            _ => ErrorCode::InternalError,
        }
    }
}

/// Where an invalid value sits in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldLocation {
    Body,
    Query,
    Path,
}

/// One invalid field: `pointer` is a JSON Pointer (RFC 6901) into the body, or the parameter name
/// prefixed with `/` for query and path parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub pointer: String,
    pub location: FieldLocation,
    /// Stable reason, e.g. `required`, `too_long`, `invalid_email`, `control_character`,
    /// `invisible_character`.
    pub code: String,
    pub message: String,
}

/// RFC 9457 problem details, as every non-2xx response carries them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:platina:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub code: ErrorCode,
    /// Quote it when reporting a problem; it is in the server's log lines too.
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// Methods the endpoint does accept (405 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_methods: Vec<String>,
    /// Stages an assignment may move to (409 on an illegal transition only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_stages: Vec<u8>,
}

/// An error a handler returns. Internal causes are logged where they arise and never sent.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub retry_after_seconds: Option<u64>,
    pub allowed_methods: Vec<String>,
    pub allowed_stages: Vec<u8>,
    /// What kept the storage from taking the request's work; the readiness probe learns of it
    /// from here. Never sent.
    pub storage_fault: Option<persistence::StorageFault>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            detail: None,
            errors: Vec::new(),
            retry_after_seconds: None,
            allowed_methods: Vec::new(),
            allowed_stages: Vec::new(),
            storage_fault: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError {
            errors,
            ..ApiError::new(ErrorCode::ValidationFailed)
        }
    }

    /// The storage could not take the work (full disk, read-only, lost connection); whatever the
    /// request wrote was rolled back.
    pub fn storage_unavailable(fault: persistence::StorageFault) -> Self {
        ApiError {
            retry_after_seconds: Some(STORAGE_RETRY_AFTER_SECONDS),
            storage_fault: Some(fault),
            ..ApiError::new(ErrorCode::StorageUnavailable)
        }
    }

    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        ApiError {
            retry_after_seconds: Some(retry_after_seconds.max(1)),
            ..ApiError::new(ErrorCode::TooManyRequests)
        }
    }

    /// Logs the cause with the request id and answers an opaque 500.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        ApiError::new(ErrorCode::InternalError)
    }

    pub fn problem(&self) -> Problem {
        let ctx = context::current();
        Problem {
            problem_type: format!("urn:platina:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            instance: ctx.as_ref().map(|c| c.path.clone()),
            code: self.code,
            request_id: ctx.map(|c| c.request_id).unwrap_or_default(),
            errors: self.errors.clone(),
            retry_after_seconds: self.retry_after_seconds,
            allowed_methods: self.allowed_methods.clone(),
            allowed_stages: self.allowed_stages.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(challenge) = self.code.bearer_challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if !self.allowed_methods.is_empty() {
            response.insert_header((header::ALLOW, self.allowed_methods.join(", ")));
        }
        let body = serde_json::to_string(&problem).unwrap_or_else(|_| {
            r#"{"type":"urn:platina:problem:internal_error","title":"Internal error","status":500,"code":"internal_error","request_id":""}"#.into()
        });
        response.body(body)
    }
}

impl From<persistence::StoreError> for ApiError {
    fn from(err: persistence::StoreError) -> Self {
        match err {
            persistence::StoreError::NotFound => ApiError::new(ErrorCode::NotFound),
            persistence::StoreError::Duplicate => ApiError::new(ErrorCode::Conflict)
                .with_detail("a record with the same name or date already exists"),
            persistence::StoreError::Stale { current, .. } => {
                ApiError::new(ErrorCode::PreconditionFailed).with_detail(format!(
                    "the record is now at version {current}; reload it and apply your change again"
                ))
            }
            persistence::StoreError::MissingReference(what) => {
                ApiError::validation(vec![FieldError {
                    pointer: String::new(),
                    location: FieldLocation::Body,
                    code: "missing_reference".into(),
                    message: format!("{what} does not exist"),
                }])
            }
            persistence::StoreError::Db(db) if is_unavailable(&db) => {
                tracing::error!(cause = %db, "database unavailable");
                ApiError::new(ErrorCode::ServiceUnavailable)
            }
            other => match other.storage_fault() {
                Some(fault) => {
                    tracing::error!(%fault, cause = %other, "storage unavailable");
                    ApiError::storage_unavailable(fault)
                }
                None => ApiError::internal(other),
            },
        }
    }
}

fn is_unavailable(err: &persistence::DbErr) -> bool {
    matches!(
        err,
        persistence::DbErr::ConnectionAcquire(_) | persistence::DbErr::Conn(_)
    )
}

impl From<domain::Denied> for ApiError {
    fn from(denied: domain::Denied) -> Self {
        tracing::info!(role = %denied.role, action = ?denied.action, "denied");
        ApiError::new(ErrorCode::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_distinct_snake_case_name() {
        use ErrorCode::*;
        let all = [
            MalformedJson,
            InvalidQuery,
            InvalidPath,
            UnsupportedMediaType,
            PayloadTooLarge,
            UriTooLong,
            InvalidIdempotencyKey,
            IdempotencyKeyReused,
            IdempotencyKeyInFlight,
            ValidationFailed,
            Unauthenticated,
            InvalidCredentials,
            InvalidToken,
            RefreshTokenReused,
            Forbidden,
            NotFound,
            RouteNotFound,
            MethodNotAllowed,
            Conflict,
            PreconditionFailed,
            PreconditionRequired,
            TooManyRequests,
            ServiceUnavailable,
            StorageUnavailable,
            InternalError,
        ];
        let mut names: Vec<_> = all.iter().map(|c| c.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }

    #[test]
    fn every_401_challenges_and_a_refused_token_says_invalid_token() {
        use ErrorCode::*;
        for code in [
            Unauthenticated,
            InvalidCredentials,
            InvalidToken,
            RefreshTokenReused,
        ] {
            assert_eq!(code.status(), StatusCode::UNAUTHORIZED);
            let response = ApiError::new(code).error_response();
            let challenge = response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(
                challenge.starts_with("Bearer realm=\"platina\""),
                "{code:?}"
            );
            assert_eq!(
                challenge.contains("error=\"invalid_token\""),
                matches!(code, InvalidToken | RefreshTokenReused),
                "{code:?}: {challenge}"
            );
        }
    }

    #[test]
    fn a_too_many_requests_problem_tells_when_to_retry() {
        let response = ApiError::too_many_requests(42).error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("42")
        );
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON)
        );
    }
}
