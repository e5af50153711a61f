//! Request extractors that answer bad input with precise problem+json errors: the wrong content
//! type (415), an oversized body (413), broken JSON (400), and values of the wrong shape or failing
//! the DTO's rules (422 with a JSON pointer per field).

use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

/// The documented limit on JSON bodies, stored as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON body that parsed and passed its `validator` rules.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

/// Which body formats an endpoint accepts besides JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyFormat {
    Json,
    Form,
}

fn body_format(req: &HttpRequest, allow_form: bool) -> Result<BodyFormat, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(BodyFormat::Json)
    } else if allow_form && essence == "application/x-www-form-urlencoded" {
        Ok(BodyFormat::Form)
    } else {
        let expected = if allow_form {
            "application/json or application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        Err(ApiError::new(ErrorCode::UnsupportedMediaType)
            .with_detail(format!("Content-Type must be {expected}")))
    }
}

async fn read_limited(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, ApiError> {
    let limit = req
        .app_data::<BodyLimit>()
        .map(|l| l.0)
        .unwrap_or(1024 * 1024);
    let too_large = || {
        ApiError::new(ErrorCode::PayloadTooLarge).with_detail(format!("the limit is {limit} bytes"))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
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

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first, so that broken JSON is a 400 even when its opening already has the wrong shape.
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(ErrorCode::MalformedJson).with_detail(e.to_string()))?;
    whole_numbers_as_integers(&mut value);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(value);
    parsed.map_err(|err| {
        let pointer = pointer_from_path(err.path());
        let inner = err.into_inner();
        if inner.is_data() {
            ApiError::validation(vec![FieldError {
                pointer,
                location: FieldLocation::Body,
                code: "invalid_value".into(),
                message: inner.to_string(),
            }])
        } else {
            ApiError::new(ErrorCode::MalformedJson).with_detail(inner.to_string())
        }
    })
}

/// JSON has one number type, and JSON Schema counts `3.0` as the integer 3; serde would refuse it
/// for an integer field. Whole numbers in the range of exact doubles are made integers first.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    /// 2^53: beyond it a double no longer holds every whole number exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        serde_json::Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                // In range and whole, so the conversion is exact.
                #[allow(clippy::cast_possible_truncation)]
                let whole = float as i64;
                *number = whole.into();
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(fields) => {
            fields.values_mut().for_each(whole_numbers_as_integers)
        }
        _ => {}
    }
}

fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| {
        ApiError::validation(vec![FieldError {
            pointer: String::new(),
            location: FieldLocation::Body,
            code: "invalid_value".into(),
            message: e.to_string(),
        }])
    })
}

/// `serde_path_to_error`'s path as an RFC 6901 pointer: `/scopes/0`.
fn pointer_from_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('-'),
        }
    }
    pointer
}

/// Flattens `validator`'s nested errors into one list of pointers.
pub fn field_errors(errors: &ValidationErrors, location: FieldLocation) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", location, &mut out);
    out
}

fn collect(
    errors: &ValidationErrors,
    prefix: &str,
    location: FieldLocation,
    out: &mut Vec<FieldError>,
) {
    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        let pointer = format!("{prefix}/{field}");
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| error.code.to_string());
                    out.push(FieldError {
                        pointer: pointer.clone(),
                        location,
                        code: error.code.to_string(),
                        message,
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &pointer, location, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{pointer}/{index}"), location, out);
                }
            }
        }
    }
}

pub fn validate<T: Validate>(value: &T, location: FieldLocation) -> Result<(), ApiError> {
    value
        .validate()
        .map_err(|errors| ApiError::validation(field_errors(&errors, location)))
}

async fn extract_body<T: DeserializeOwned + Validate>(
    req: HttpRequest,
    mut payload: Payload,
    allow_form: bool,
) -> Result<T, ApiError> {
    let format = body_format(&req, allow_form)?;
    let bytes = read_limited(&req, &mut payload).await?;
    let value: T = match format {
        BodyFormat::Json => parse_json(&bytes)?,
        BodyFormat::Form => parse_form(&bytes)?,
    };
    validate(&value, FieldLocation::Body)?;
    Ok(value)
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move { extract_body(req, payload, false).await.map(ValidJson) })
    }
}

/// A body that may come as JSON or as an HTML form (OAuth 2.0 token requests use forms).
#[derive(Debug)]
pub struct JsonOrForm<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonOrForm<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move { extract_body(req, payload, true).await.map(JsonOrForm) })
    }
}

/// Whether a raw query string is well-formed: every `%` starts a two-digit hex escape and the
/// decoded bytes are UTF-8. The form decoder behind `web::Query` accepts both faults silently
/// (`%ZZ` stays literal text, a lone `%FF` becomes U+FFFD), so a search for garbage would be
/// answered as if it meant something.
pub fn check_query_encoding(query: &str) -> Result<(), String> {
    let bytes = query.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
                match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                    (Some(high), Some(low)) => {
                        decoded.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                        i += 3;
                    }
                    _ => {
                        let escape: String = query[i..].chars().take(3).collect();
                        return Err(format!(
                            "`{escape}` is not a percent-escape (% and two hex digits)"
                        ));
                    }
                }
            }
            other => {
                decoded.push(other);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded)
        .map(|_| ())
        .map_err(|_| "the percent-escapes do not decode to UTF-8 text".to_owned())
}

/// Query strings that do not parse are answered 400 with the reason, never in plain text.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::validation(vec![FieldError {
            pointer: String::new(),
            location: FieldLocation::Query,
            code: "invalid_value".into(),
            message: err.to_string(),
        }])
        .into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        ApiError::new(ErrorCode::InvalidPath)
            .with_detail(err.to_string())
            .into()
    })
}

/// A validated `?page=&per_page=` pair.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page number, from 1.
    #[validate(range(
        min = 1,
        max = 1_000_000,
        code = "out_of_range",
        message = "page must be between 1 and 1000000"
    ))]
    pub page: Option<u64>,
    /// Rows per page, at most 200 (default 50).
    #[validate(range(
        min = 1,
        max = 200,
        code = "out_of_range",
        message = "per_page must be between 1 and 200"
    ))]
    pub per_page: Option<u64>,
}

/// A list's query checked against its rules, and the page it asks for: what every list handler
/// reads first once the caller may read the list at all.
pub fn page_of_query<Q: Validate>(
    query: &Q,
    page: Option<u64>,
    per_page: Option<u64>,
) -> Result<persistence::PageRequest, ApiError> {
    validate(query, FieldLocation::Query)?;
    Paging { page, per_page }.request()
}

impl Paging {
    pub fn request(&self) -> Result<persistence::PageRequest, ApiError> {
        validate(self, FieldLocation::Query)?;
        Ok(persistence::PageRequest {
            page: self.page.unwrap_or(1),
            per_page: self
                .per_page
                .unwrap_or(persistence::PageRequest::DEFAULT_PER_PAGE),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        items: Vec<u32>,
    }

    #[test]
    fn a_value_of_the_wrong_type_points_at_its_field() {
        let Err(err) = parse_json::<Sample>(br#"{"items": [1, "two"]}"#) else {
            panic!("expected an error");
        };
        assert_eq!(err.code, ErrorCode::ValidationFailed);
        assert_eq!(err.errors[0].pointer, "/items/1");
    }

    #[test]
    fn broken_json_is_a_bad_request_not_a_validation_error() {
        let Err(err) = parse_json::<Sample>(b"{") else {
            panic!("expected an error");
        };
        assert_eq!(err.code, ErrorCode::MalformedJson);
        let Err(err) = parse_json::<Sample>(b"[1, 2") else {
            panic!("expected an error");
        };
        assert_eq!(err.code, ErrorCode::MalformedJson);
    }

    #[test]
    fn a_query_must_be_percent_encoded_utf8() {
        for good in [
            "",
            "q=%E9%9B%BB%E5%AD%90",
            "q=a+b&page=2",
            "q=%25",
            "flag",
            "q=電子",
        ] {
            assert_eq!(check_query_encoding(good), Ok(()), "{good}");
        }
        for bad in ["q=%", "q=%ZZ", "q=%E9%9B", "q=%FF", "q=abc%2", "q=%C0%AF"] {
            assert!(check_query_encoding(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let Ok(sample) = parse_json::<Sample>(br#"{"items": [1.0, 2, 3e2]}"#) else {
            panic!("3.0 and 3e2 are whole numbers");
        };
        assert_eq!(sample.items, vec![1, 2, 300]);
        let Err(err) = parse_json::<Sample>(br#"{"items": [1.5]}"#) else {
            panic!("1.5 is not an integer");
        };
        assert_eq!(err.code, ErrorCode::ValidationFailed);
    }

    #[test]
    fn trailing_garbage_after_the_document_is_malformed() {
        let Err(err) = parse_json::<Sample>(br#"{"items": []} x"#) else {
            panic!("expected an error");
        };
        assert_eq!(err.code, ErrorCode::MalformedJson);
    }
}
