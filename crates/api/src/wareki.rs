//! `GET /wareki/parse`: how a typed date (R8.3~, 令和7年度中, 実施中 …) will be read, so that forms
//! can preview it before saving.

use crate::auth::Authenticated;
use crate::dto::PeriodOut;
use crate::error::{ApiError, FieldLocation};
use actix_web::{get, web};
use domain::period::Period;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ParseQuery {
    /// The date as staff write it, up to 200 characters.
    #[param(example = "R7.4~ R8.2")]
    #[validate(custom(function = "date_text"))]
    pub text: String,
}

fn date_text(text: &str) -> Result<(), validator::ValidationError> {
    if text.chars().count() > 200 || domain::text::has_forbidden_control(text, false) {
        let mut e = validator::ValidationError::new("invalid_value");
        e.message = Some("at most 200 characters, without control characters".into());
        return Err(e);
    }
    Ok(())
}

/// Reads a Japanese-era date or period. Text that cannot be read comes back with
/// `structured: false`; it is never refused for that.
#[utoipa::path(
    tag = "wareki",
    params(ParseQuery),
    responses((status = 200, body = PeriodOut)),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/wareki/parse")]
pub async fn parse(
    _caller: Authenticated,
    query: web::Query<ParseQuery>,
) -> Result<web::Json<PeriodOut>, ApiError> {
    crate::extract::validate(&*query, FieldLocation::Query)?;
    let text = query.text.as_str();
    Ok(web::Json(PeriodOut::from(&Period::parse(text))))
}
