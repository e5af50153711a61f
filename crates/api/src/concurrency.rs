//! Optimistic concurrency: every versioned record is sent with `ETag: "<version>"`, and every
//! update must send it back in `If-Match` (428 without it, 412 when someone wrote in between).

use crate::error::{ApiError, ErrorCode};
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponseBuilder};
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

/// The version the caller last read, from `If-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i32);

fn parse(value: &str) -> Option<i32> {
    value
        .trim()
        .strip_prefix('"')?
        .strip_suffix('"')?
        .parse()
        .ok()
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(raw) = req.headers().get(header::IF_MATCH) else {
            return ready(Err(ApiError::new(ErrorCode::PreconditionRequired)
                .with_detail("send the record's ETag in If-Match")));
        };
        let parsed = raw.to_str().ok().and_then(parse);
        ready(parsed.map(IfMatch).ok_or_else(|| {
            ApiError::new(ErrorCode::PreconditionFailed)
                .with_detail("If-Match must be one ETag as sent by this API, e.g. \"3\"")
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn only_a_strong_etag_of_a_version_is_understood() {
        assert_eq!(parse("\"3\""), Some(3));
        assert_eq!(parse(" \"12\" "), Some(12));
        assert_eq!(parse("W/\"3\""), None);
        assert_eq!(parse("3"), None);
        assert_eq!(parse("*"), None);
    }
}
