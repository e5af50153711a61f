//! Optimistic concurrency: every versioned record is sent with `ETag: "<version>"`, and every
//! update must send it back in `If-Match` (428 without it, 412 when someone wrote in between).

use crate::error::{ApiError, ErrorCode};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use std::future::{Ready, ready};

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

pub fn with_etag(builder: &mut HttpResponseBuilder, version: i32) -> &mut HttpResponseBuilder {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        builder.insert_header((header::ETAG, value));
    }
    builder
}

/// A versioned record as JSON, with its version as the `ETag`.
pub fn json_with_etag<T: Serialize>(status: StatusCode, version: i32, out: T) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    with_etag(&mut builder, version).json(out)
}

/// What `If-Match` must hold: one strong ETag of a version, as this API sends them. The OpenAPI
/// document gives the same pattern for the header; a test keeps the two in agreement.
pub const IF_MATCH_PATTERN: &str = r#"^"[0-9]{1,9}"$"#;

/// The version the caller last read, from `If-Match`. Extracting it never fails: handlers ask for
/// the version once the path and body were accepted, so a broken body is reported before a
/// missing (428) or unusable (412) precondition.
#[derive(Debug, Clone)]
pub struct IfMatch(Result<i32, ApiError>);

impl IfMatch {
    pub fn version(&self) -> Result<i32, ApiError> {
        self.0.clone()
    }
}

/// `"3"`, digits only (at most nine, which a version never outgrows), per `IF_MATCH_PATTERN`.
fn parse(value: &str) -> Option<i32> {
    let digits = value.trim().strip_prefix('"')?.strip_suffix('"')?;
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let version = match req.headers().get(header::IF_MATCH) {
            None => Err(ApiError::new(ErrorCode::PreconditionRequired)
                .with_detail("send the record's ETag in If-Match")),
            Some(raw) => raw.to_str().ok().and_then(parse).ok_or_else(|| {
                ApiError::new(ErrorCode::PreconditionFailed)
                    .with_detail("If-Match must be one ETag as sent by this API, e.g. \"3\"")
            }),
        };
        ready(Ok(IfMatch(version)))
    }
}

#[cfg(test)]
mod tests {
    use super::{IF_MATCH_PATTERN, parse};

    #[test]
    fn only_a_strong_etag_of_a_version_is_understood() {
        assert_eq!(parse("\"3\""), Some(3));
        assert_eq!(parse(" \"12\" "), Some(12));
        assert_eq!(parse("W/\"3\""), None);
        assert_eq!(parse("3"), None);
        assert_eq!(parse("*"), None);
        assert_eq!(parse("\"+3\""), None);
        assert_eq!(parse("\"1234567890\""), None);
    }

    #[test]
    fn the_documented_pattern_accepts_exactly_what_the_parser_reads() {
        let pattern = regex::Regex::new(IF_MATCH_PATTERN).unwrap_or_else(|e| panic!("{e}"));
        for value in [
            "\"3\"",
            "\"0\"",
            "\"999999999\"",
            "\"1234567890\"",
            "\"+3\"",
            "\"-1\"",
            "\"\"",
            "W/\"3\"",
            "3",
            "*",
            "\"3\", \"4\"",
            "\"٣\"",
            "\"3\"x",
        ] {
            assert_eq!(pattern.is_match(value), parse(value).is_some(), "{value:?}");
        }
    }
}
