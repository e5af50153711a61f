//! `/bureaus` and `/sections`: the city's organisation, with section names that change over
//! time (a rename keeps the section's identity and history). Admins write; everyone reads.

use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::concurrency::{IfMatch, with_etag};
use crate::context::actor;
use crate::error::{ApiError, ErrorCode, FieldLocation};
use crate::extract::{ValidJson, validate};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use domain::organization::BureauKind;
use domain::organization::{Bureau, BureauPatch, NewBureau, Section};
use domain::{Action, authorize};
use persistence::organization;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

pub fn organisation_name(value: &str) -> Result<(), ValidationError> {
    let trimmed = value.trim();
    let error = |code: &'static str, message: &'static str| {
        let mut e = ValidationError::new(code);
        e.message = Some(message.into());
        Err(e)
    };
    if let Some(fault) = domain::text::text_fault(value, false) {
        return error(fault.code(), fault.message());
    }
    if trimmed.is_empty() {
        return error("required", "must not be empty");
    }
    if trimmed.chars().count() > 100 {
        return error("length", "must be at most 100 characters");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BureauKindDto {
    Bureau,
    WardOffice,
    Office,
    Committee,
    Other,
}

impl From<BureauKind> for BureauKindDto {
    fn from(kind: BureauKind) -> Self {
        match kind {
            BureauKind::Bureau => BureauKindDto::Bureau,
            BureauKind::WardOffice => BureauKindDto::WardOffice,
            BureauKind::Office => BureauKindDto::Office,
            BureauKind::Committee => BureauKindDto::Committee,
            BureauKind::Other => BureauKindDto::Other,
        }
    }
}

impl From<BureauKindDto> for BureauKind {
    fn from(kind: BureauKindDto) -> Self {
        match kind {
            BureauKindDto::Bureau => BureauKind::Bureau,
            BureauKindDto::WardOffice => BureauKind::WardOffice,
            BureauKindDto::Office => BureauKind::Office,
            BureauKindDto::Committee => BureauKind::Committee,
            BureauKindDto::Other => BureauKind::Other,
        }
    }
}

/// A bureau, ward office, office or committee.
#[derive(Debug, Serialize, ToSchema)]
pub struct BureauOut {
    pub id: i64,
    pub name: String,
    pub kind: BureauKindDto,
    /// The kind as staff read it: 局, 区役所, 室, 委員会, その他.
    pub kind_label: &'static str,
    pub sort_order: i32,
    pub version: i32,
}

impl From<&Bureau> for BureauOut {
    fn from(b: &Bureau) -> Self {
        BureauOut {
            id: b.id,
            name: b.name.clone(),
            kind: b.kind.into(),
            kind_label: b.kind.label_ja(),
            sort_order: b.sort_order,
            version: b.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BureauIn {
    #[validate(custom(function = "organisation_name"))]
    #[schema(example = "八幡西区役所")]
    pub name: String,
    /// Guessed from the name's ending when absent (…区役所 → ward_office, …局 → bureau).
    pub kind: Option<BureauKindDto>,
    #[validate(range(
        min = 0,
        max = 10000,
        code = "out_of_range",
        message = "must be between 0 and 10000"
    ))]
    pub sort_order: Option<i32>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BureauPatchIn {
    #[validate(custom(function = "organisation_name"))]
    pub name: Option<String>,
    pub kind: Option<BureauKindDto>,
    #[validate(range(
        min = 0,
        max = 10000,
        code = "out_of_range",
        message = "must be between 0 and 10000"
    ))]
    pub sort_order: Option<i32>,
}

/// One name of a section and the date it took effect.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionNameOut {
    pub name: String,
    pub effective_from: NaiveDate,
}

/// A section (課) with the name in force on the requested date and all its names.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionOut {
    pub id: i64,
    pub bureau_id: i64,
    /// The name in force on `as_of` (today unless asked otherwise).
    pub name: String,
    pub as_of: NaiveDate,
    /// Every name, oldest first.
    pub names: Vec<SectionNameOut>,
    pub version: i32,
}

impl SectionOut {
    fn on(section: &Section, as_of: NaiveDate) -> Option<Self> {
        let current = section.name_on(as_of)?;
        Some(SectionOut {
            id: section.id,
            bureau_id: section.bureau_id,
            name: current.name.clone(),
            as_of,
            names: section
                .names
                .iter()
                .map(|n| SectionNameOut {
                    name: n.name.clone(),
                    effective_from: n.effective_from,
                })
                .collect(),
            version: section.version,
        })
    }

    /// For a section that did not exist yet on `as_of`, its first name.
    fn latest(section: &Section, as_of: NaiveDate) -> Option<Self> {
        SectionOut::on(section, as_of).or_else(|| {
            let first = section.names.first()?;
            SectionOut::on(section, first.effective_from).map(|mut out| {
                out.as_of = as_of;
                out
            })
        })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionIn {
    pub bureau_id: i64,
    #[validate(custom(function = "organisation_name"))]
    #[schema(example = "広報戦略課")]
    pub name: String,
    /// The date the section (under this name) came into being; today when absent.
    pub effective_from: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionRenameIn {
    #[validate(custom(function = "organisation_name"))]
    #[schema(example = "企画・マーケティング課")]
    pub name: String,
    #[schema(example = "2026-04-01")]
    pub effective_from: NaiveDate,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SectionQuery {
    /// Only the sections of this bureau.
    pub bureau_id: Option<i64>,
    /// Names as they were on this date (YYYY-MM-DD); sections that did not exist yet are left out.
    /// Today when absent.
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// Name as it was on this date; today when absent.
    pub as_of: Option<NaiveDate>,
}

fn bureau_response(status: actix_web::http::StatusCode, bureau: &Bureau) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    with_etag(&mut builder, bureau.version).json(BureauOut::from(bureau))
}

fn section_response(status: actix_web::http::StatusCode, out: SectionOut) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    with_etag(&mut builder, out.version).json(out)
}

/// Every bureau, in the report's order.
#[utoipa::path(
    tag = "organization",
    responses((status = 200, body = Vec<BureauOut>)),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/bureaus")]
pub async fn list_bureaus(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<Vec<BureauOut>>, ApiError> {
    authorize(&caller.0, Action::ReadOrganization)?;
    let bureaus = organization::list_bureaus(&state.db.conn).await?;
    Ok(web::Json(bureaus.iter().map(BureauOut::from).collect()))
}

/// One bureau, with its version as ETag.
#[utoipa::path(
    tag = "organization",
    params(("id" = i64, Path, description = "Bureau id")),
    responses((status = 200, body = BureauOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/bureaus/{id}")]
pub async fn get_bureau(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadOrganization)?;
    let bureau = organization::find_bureau(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(bureau_response(actix_web::http::StatusCode::OK, &bureau))
}

/// Create a bureau.
#[utoipa::path(
    tag = "organization",
    request_body = BureauIn,
    responses((status = 201, body = BureauOut), (status = 409, description = "A bureau of that name exists", body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin"])),
)]
#[post("/bureaus")]
pub async fn create_bureau(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<BureauIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageOrganization)?;
    let input = body.0;
    let name = input.name.trim().to_owned();
    let kind = input
        .kind
        .map_or_else(|| BureauKind::from_name(&name), BureauKind::from);
    let bureau = organization::create_bureau(
        &state.db.conn,
        NewBureau {
            name,
            kind,
            sort_order: input.sort_order.unwrap_or(0),
        },
        &actor(&caller.0),
    )
    .await?;
    Ok(bureau_response(
        actix_web::http::StatusCode::CREATED,
        &bureau,
    ))
}

/// Change a bureau's name, kind or order. Needs `If-Match` with the ETag last read.
#[utoipa::path(
    tag = "organization",
    params(("id" = i64, Path, description = "Bureau id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"3\"")),
    request_body = BureauPatchIn,
    responses(
        (status = 200, body = BureauOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed by someone else since it was read", body = crate::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[patch("/bureaus/{id}")]
pub async fn update_bureau(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<BureauPatchIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageOrganization)?;
    let input = body.0;
    let bureau = organization::update_bureau(
        &state.db.conn,
        *id,
        version,
        BureauPatch {
            name: input.name.map(|n| n.trim().to_owned()),
            kind: input.kind.map(BureauKind::from),
            sort_order: input.sort_order,
        },
        &actor(&caller.0),
    )
    .await?;
    Ok(bureau_response(actix_web::http::StatusCode::OK, &bureau))
}

/// Sections with the names in force on a date.
#[utoipa::path(
    tag = "organization",
    params(SectionQuery),
    responses((status = 200, body = Vec<SectionOut>)),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/sections")]
pub async fn list_sections(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SectionQuery>,
) -> Result<web::Json<Vec<SectionOut>>, ApiError> {
    authorize(&caller.0, Action::ReadOrganization)?;
    validate(&*query, FieldLocation::Query)?;
    let as_of = query.as_of.unwrap_or_else(today_in_tokyo);
    let sections = organization::list_sections(&state.db.conn, query.bureau_id).await?;
    Ok(web::Json(
        sections
            .iter()
            .filter_map(|s| SectionOut::on(s, as_of))
            .collect(),
    ))
}

/// One section, with every name it has had.
#[utoipa::path(
    tag = "organization",
    params(("id" = i64, Path, description = "Section id"), AsOfQuery),
    responses((status = 200, body = SectionOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/sections/{id}")]
pub async fn get_section(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadOrganization)?;
    let section = organization::find_section(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let as_of = query.as_of.unwrap_or_else(today_in_tokyo);
    let out = SectionOut::latest(&section, as_of)
        .ok_or_else(|| ApiError::internal("section without a name"))?;
    Ok(section_response(actix_web::http::StatusCode::OK, out))
}

/// Create a section in a bureau.
#[utoipa::path(
    tag = "organization",
    request_body = SectionIn,
    responses((status = 201, body = SectionOut)),
    security(("bearer" = ["admin"])),
)]
#[post("/sections")]
pub async fn create_section(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<SectionIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageOrganization)?;
    let input = body.0;
    let effective_from = input.effective_from.unwrap_or_else(today_in_tokyo);
    let section = organization::create_section(
        &state.db.conn,
        input.bureau_id,
        input.name.trim().to_owned(),
        effective_from,
        &actor(&caller.0),
    )
    .await
    .map_err(|e| match e {
        persistence::StoreError::MissingReference(_) => {
            ApiError::validation(vec![crate::error::FieldError {
                pointer: "/bureau_id".into(),
                location: FieldLocation::Body,
                code: "missing_reference".into(),
                message: "no bureau has this id".into(),
            }])
        }
        other => other.into(),
    })?;
    let out = SectionOut::latest(&section, today_in_tokyo())
        .ok_or_else(|| ApiError::internal("section without a name"))?;
    Ok(section_response(actix_web::http::StatusCode::CREATED, out))
}

/// Rename a section from a date on; it keeps its id and history, and both names resolve for
/// their dates. Needs `If-Match`.
#[utoipa::path(
    tag = "organization",
    params(("id" = i64, Path, description = "Section id"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = SectionRenameIn,
    responses(
        (status = 201, body = SectionOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A name already takes effect on that date", body = crate::Problem, content_type = "application/problem+json"),
        (status = 412, body = crate::Problem, content_type = "application/problem+json"),
        (status = 428, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/sections/{id}/renames")]
pub async fn rename_section(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<SectionRenameIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageOrganization)?;
    let input = body.0;
    let section = organization::rename_section(
        &state.db.conn,
        *id,
        version,
        input.name.trim().to_owned(),
        input.effective_from,
        &actor(&caller.0),
    )
    .await?;
    let out = SectionOut::latest(&section, input.effective_from)
        .ok_or_else(|| ApiError::internal("section without a name"))?;
    Ok(section_response(actix_web::http::StatusCode::CREATED, out))
}
