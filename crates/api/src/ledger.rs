//! `/digital-systems` and `/targets`: the ledger of in-house systems (kintone システム管理台帳)
//! and where the city stands against its targets. Figures the ledger can give (hours saved,
//! cost effect, systems in operation, in-house rate) are computed from its entries; figures the
//! city reports without item detail are kept as dated measurements of a target, never as
//! made-up ledger entries.

use crate::auth::Authenticated;
use crate::concurrency::{IfMatch, json_with_etag};
use crate::context::actor;
use crate::department::{
    Directory, check_amount, field_error, guard, known_sort_word, search_text, sort_spec,
};
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ValidJson, page_of_query};
use crate::links::{LinkOut, link_outs};
use crate::state::AppState;
use crate::text_rules::{long_text, optional, title_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ledger::{DigitalSystem, MeasurementFields, SystemFields, Target, TargetFields};
use domain::ledger::{Platform, Standing, SystemStatus, standing};
use domain::link::EntityKind;
use domain::link::EntityRef;
use domain::policy::round_to_tenth;
use domain::wareki::FiscalYear;
use domain::{Action, Principal, authorize};
use persistence::ledger::{self, SystemFilter, SystemSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

fn unit_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 30, false)
}

fn source_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 500, false)
}

fn code_word(value: &str) -> Result<(), ValidationError> {
    let ok = !value.is_empty()
        && value.len() <= 50
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        let mut e = ValidationError::new("code");
        e.message = Some("1 to 50 of a-z, 0-9, - and _".into());
        Err(e)
    }
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PlatformDto {
    Kintone,
    Rpa,
    Ai,
    Other,
}

impl From<PlatformDto> for Platform {
    fn from(p: PlatformDto) -> Self {
        match p {
            PlatformDto::Kintone => Platform::Kintone,
            PlatformDto::Rpa => Platform::Rpa,
            PlatformDto::Ai => Platform::Ai,
            PlatformDto::Other => Platform::Other,
        }
    }
}

impl From<Platform> for PlatformDto {
    fn from(p: Platform) -> Self {
        match p {
            Platform::Kintone => PlatformDto::Kintone,
            Platform::Rpa => PlatformDto::Rpa,
            Platform::Ai => PlatformDto::Ai,
            Platform::Other => PlatformDto::Other,
        }
    }
}

/// 試行, 本運用 or 廃止.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SystemStatusDto {
    Trial,
    Production,
    Retired,
}

impl From<SystemStatusDto> for SystemStatus {
    fn from(s: SystemStatusDto) -> Self {
        match s {
            SystemStatusDto::Trial => SystemStatus::Trial,
            SystemStatusDto::Production => SystemStatus::Production,
            SystemStatusDto::Retired => SystemStatus::Retired,
        }
    }
}

impl From<SystemStatus> for SystemStatusDto {
    fn from(s: SystemStatus) -> Self {
        match s {
            SystemStatus::Trial => SystemStatusDto::Trial,
            SystemStatus::Production => SystemStatusDto::Production,
            SystemStatus::Retired => SystemStatusDto::Retired,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct DigitalSystemIn {
    #[validate(custom(function = "title_text"))]
    #[schema(example = "DX相談案件管理アプリ（デジコン）")]
    pub name: String,
    /// The owning section.
    pub section_id: i64,
    pub platform: PlatformDto,
    pub built_in_house: bool,
    pub status: SystemStatusDto,
    pub trial_started_on: Option<NaiveDate>,
    /// Required when the status is production.
    pub production_started_on: Option<NaiveDate>,
    /// Required when the status is retired.
    pub retired_on: Option<NaiveDate>,
    /// 業務の流れ（Before）
    #[validate(custom(function = "long_text"))]
    pub workflow_before: Option<String>,
    /// 業務の流れ（After）
    #[validate(custom(function = "long_text"))]
    pub workflow_after: Option<String>,
    /// 年間削減作業時間
    #[validate(range(
        min = 0.0,
        max = 10_000_000.0,
        code = "out_of_range",
        message = "must be between 0 and 10000000"
    ))]
    pub annual_hours_saved: Option<f64>,
    /// How the hours were estimated.
    #[validate(custom(function = "long_text"))]
    pub hours_basis: Option<String>,
    /// 節減されたと試算される効果額 in yen.
    #[validate(range(
        min = 0,
        max = 1_000_000_000_000_i64,
        code = "out_of_range",
        message = "must be between 0 and 1e12"
    ))]
    pub cost_effect_yen: Option<i64>,
    #[validate(custom(function = "long_text"))]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DigitalSystemOut {
    pub id: i64,
    pub name: String,
    pub section_id: i64,
    pub section_name: String,
    pub bureau_id: i64,
    pub bureau_name: String,
    pub platform: PlatformDto,
    pub platform_label: &'static str,
    pub built_in_house: bool,
    pub status: SystemStatusDto,
    pub status_label: &'static str,
    pub trial_started_on: Option<NaiveDate>,
    pub production_started_on: Option<NaiveDate>,
    pub retired_on: Option<NaiveDate>,
    pub workflow_before: Option<String>,
    pub workflow_after: Option<String>,
    pub annual_hours_saved: Option<f64>,
    pub hours_basis: Option<String>,
    pub cost_effect_yen: Option<i64>,
    pub note: Option<String>,
    /// Present on the single-system answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkOut>>,
    pub can_edit: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn system_out(dir: &Directory, caller: &Principal, s: &DigitalSystem) -> DigitalSystemOut {
    let f = &s.fields;
    let bureau_id = dir.bureau_of_section(f.section_id).unwrap_or_default();
    DigitalSystemOut {
        id: s.id,
        name: f.name.clone(),
        section_id: f.section_id,
        section_name: dir.section(f.section_id).name,
        bureau_id,
        bureau_name: dir.bureau_name(bureau_id),
        platform: f.platform.into(),
        platform_label: f.platform.label_ja(),
        built_in_house: f.built_in_house,
        status: f.status.into(),
        status_label: f.status.label_ja(),
        trial_started_on: f.trial_started_on,
        production_started_on: f.production_started_on,
        retired_on: f.retired_on,
        workflow_before: f.workflow_before.clone(),
        workflow_after: f.workflow_after.clone(),
        annual_hours_saved: f.annual_hours_saved,
        hours_basis: f.hours_basis.clone(),
        cost_effect_yen: f.cost_effect_yen,
        note: f.note.clone(),
        links: None,
        can_edit: dir.rights_over(caller, bureau_id, &[f.section_id]).edit,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

pub(crate) fn system_fields(
    dir: &Directory,
    input: DigitalSystemIn,
) -> Result<SystemFields, ApiError> {
    if dir.bureau_of_section(input.section_id).is_none() {
        return Err(field_error(
            "/section_id",
            "missing_reference",
            "no section has this id",
        ));
    }
    let status: SystemStatus = input.status.into();
    if status == SystemStatus::Production && input.production_started_on.is_none() {
        return Err(field_error(
            "/production_started_on",
            "required",
            "a system in production needs the date it went into production",
        ));
    }
    if status == SystemStatus::Retired && input.retired_on.is_none() {
        return Err(field_error(
            "/retired_on",
            "required",
            "a retired system needs the date it was retired",
        ));
    }
    if status != SystemStatus::Retired && input.retired_on.is_some() {
        return Err(field_error(
            "/retired_on",
            "not_allowed",
            "only a retired system has a retirement date",
        ));
    }
    let order = [
        ("/trial_started_on", input.trial_started_on),
        ("/production_started_on", input.production_started_on),
        ("/retired_on", input.retired_on),
    ];
    let mut latest: Option<NaiveDate> = None;
    for (pointer, date) in order {
        if let Some(date) = date {
            if latest.is_some_and(|l| date < l) {
                return Err(field_error(
                    pointer,
                    "date_order",
                    "trial, production and retirement dates must not run backwards",
                ));
            }
            latest = Some(date);
        }
    }
    Ok(SystemFields {
        name: input.name.trim().to_owned(),
        section_id: input.section_id,
        platform: input.platform.into(),
        built_in_house: input.built_in_house,
        status,
        trial_started_on: input.trial_started_on,
        production_started_on: input.production_started_on,
        retired_on: input.retired_on,
        workflow_before: optional(input.workflow_before),
        workflow_after: optional(input.workflow_after),
        annual_hours_saved: input.annual_hours_saved,
        hours_basis: optional(input.hours_basis),
        cost_effect_yen: input.cost_effect_yen,
        note: optional(input.note),
    })
}

fn system_response(status: StatusCode, out: DigitalSystemOut) -> HttpResponse {
    json_with_etag(status, out.version, out)
}

/// Whether the caller may write a ledger entry held by this section.
fn may_edit_system(dir: &Directory, caller: &Principal, section_id: i64) -> bool {
    let bureau = dir.bureau_of_section(section_id).unwrap_or_default();
    dir.rights_over(caller, bureau, &[section_id]).edit
}

fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::Forbidden)
        .with_detail("editors write the ledger entries of their own sections or bureau")
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DigitalSystemQuery {
    pub bureau_id: Option<i64>,
    pub section_id: Option<i64>,
    pub platform: Option<PlatformDto>,
    pub status: Option<SystemStatusDto>,
    pub built_in_house: Option<bool>,
    /// In production on this day: production started by then and not retired by then.
    pub in_production_on: Option<NaiveDate>,
    /// Production started in this fiscal year (2025 = 令和7年度, April to March).
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    pub production_fiscal_year: Option<i32>,
    /// Text in the name, workflows, basis or note, any length after NFKC.
    #[validate(length(max = 200, code = "length", message = "at most 200 characters"))]
    pub q: Option<String>,
    /// id (default), name, annual_hours_saved or updated_at; prefix `-` for descending.
    #[validate(custom(function = "system_sort_word"))]
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The keys the ledger sorts by (each also with `-` for descending).
pub(crate) const SYSTEM_SORT_KEYS: &[&str] = &["id", "name", "annual_hours_saved", "updated_at"];

fn system_sort(field: &str) -> Option<SystemSort> {
    match field {
        "id" => Some(SystemSort::Id),
        "name" => Some(SystemSort::Name),
        "annual_hours_saved" => Some(SystemSort::AnnualHoursSaved),
        "updated_at" => Some(SystemSort::UpdatedAt),
        _ => None,
    }
}

fn system_sort_word(value: &str) -> Result<(), ValidationError> {
    known_sort_word(
        value,
        system_sort,
        "id, name, annual_hours_saved or updated_at",
    )
}

pub(crate) fn system_filter(query: &DigitalSystemQuery) -> SystemFilter {
    SystemFilter {
        bureau_id: query.bureau_id,
        section_id: query.section_id,
        platform: query.platform.map(Into::into),
        status: query.status.map(Into::into),
        built_in_house: query.built_in_house,
        text: search_text(query.q.as_deref()),
        in_production_on: query.in_production_on,
        production_fiscal_year: query.production_fiscal_year,
    }
}

/// The ledger, filtered.
#[utoipa::path(tag = "ledger", params(DigitalSystemQuery), responses((status = 200, body = PageOut<DigitalSystemOut>), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/digital-systems")]
pub async fn list_digital_systems(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<DigitalSystemQuery>,
) -> Result<web::Json<PageOut<DigitalSystemOut>>, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let paging = page_of_query(&*query, query.page, query.per_page)?;
    let (field, descending) = sort_spec(query.sort.as_deref());
    let sort = field.and_then(system_sort).unwrap_or(SystemSort::Id);
    let filter = system_filter(&query);
    let page = ledger::list_systems(&state.db.conn, &filter, sort, descending, paging).await?;
    let dir = Directory::load(&state).await?;
    Ok(web::Json(PageOut::from_page(page, |s| {
        system_out(&dir, &caller.0, s)
    })))
}

async fn find(state: &AppState, id: i64) -> Result<DigitalSystem, ApiError> {
    ledger::find_system(&state.db.conn, id)
        .await?
        .ok_or_else(not_found)
}

/// One ledger entry with its links.
#[utoipa::path(tag = "ledger", params(("id" = i64, Path)), responses((status = 200, body = DigitalSystemOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/digital-systems/{id}")]
pub async fn get_digital_system(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let system = find(&state, *id).await?;
    let dir = Directory::load(&state).await?;
    let mut out = system_out(&dir, &caller.0, &system);
    out.links = Some(
        link_outs(
            &state,
            &caller.0,
            EntityRef {
                kind: EntityKind::DigitalSystem,
                id: system.id,
            },
        )
        .await?,
    );
    Ok(system_response(StatusCode::OK, out))
}

/// Enter a system in the ledger. Editors only for their sections or bureau.
#[utoipa::path(tag = "ledger", request_body = DigitalSystemIn, responses((status = 201, body = DigitalSystemOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/digital-systems")]
pub async fn create_digital_system(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<DigitalSystemIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let dir = Directory::load(&state).await?;
    let fields = system_fields(&dir, body.0)?;
    if !may_edit_system(&dir, &caller, fields.section_id) {
        return Err(forbidden());
    }
    let system = ledger::create_system(&state.db.conn, fields, &actor(&caller)).await?;
    Ok(system_response(
        StatusCode::CREATED,
        system_out(&dir, &caller, &system),
    ))
}

/// Replace a ledger entry. Needs `If-Match`.
#[utoipa::path(tag = "ledger", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = DigitalSystemIn, responses((status = 200, body = DigitalSystemOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/digital-systems/{id}")]
pub async fn replace_digital_system(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<DigitalSystemIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let found = ledger::find_system(&state.db.conn, *id);
    let (version, current, dir) = guard(&state, &caller, &if_match, found).await?;
    let fields = system_fields(&dir, body.0)?;
    if !may_edit_system(&dir, &caller, current.fields.section_id)
        || !may_edit_system(&dir, &caller, fields.section_id)
    {
        return Err(forbidden());
    }
    let system =
        ledger::replace_system(&state.db.conn, *id, version, fields, &actor(&caller)).await?;
    Ok(system_response(
        StatusCode::OK,
        system_out(&dir, &caller, &system),
    ))
}

/// Delete a ledger entry and its links. Needs `If-Match`.
#[utoipa::path(tag = "ledger", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/digital-systems/{id}")]
pub async fn delete_digital_system(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let found = ledger::find_system(&state.db.conn, *id);
    let (version, current, dir) = guard(&state, &caller, &if_match, found).await?;
    if !may_edit_system(&dir, &caller, current.fields.section_id) {
        return Err(forbidden());
    }
    ledger::delete_system(&state.db.conn, *id, version, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Targets

/// What a target measures; the first four are also computed from the ledger.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TargetMetricDto {
    AnnualHoursSaved,
    CostEffectYen,
    SystemsInOperation,
    InHouseRate,
    Consultations,
    Other,
}

impl TargetMetricDto {
    const fn as_str(self) -> &'static str {
        match self {
            TargetMetricDto::AnnualHoursSaved => "annual_hours_saved",
            TargetMetricDto::CostEffectYen => "cost_effect_yen",
            TargetMetricDto::SystemsInOperation => "systems_in_operation",
            TargetMetricDto::InHouseRate => "in_house_rate",
            TargetMetricDto::Consultations => "consultations",
            TargetMetricDto::Other => "other",
        }
    }

    fn parse(text: &str) -> TargetMetricDto {
        match text {
            "annual_hours_saved" => TargetMetricDto::AnnualHoursSaved,
            "cost_effect_yen" => TargetMetricDto::CostEffectYen,
            "systems_in_operation" => TargetMetricDto::SystemsInOperation,
            "in_house_rate" => TargetMetricDto::InHouseRate,
            "consultations" => TargetMetricDto::Consultations,
            _ => TargetMetricDto::Other,
        }
    }

    /// The figure the ledger gives for this metric, if it gives one.
    fn ledger_figure(self, s: &Standing) -> Option<f64> {
        match self {
            TargetMetricDto::AnnualHoursSaved => Some(s.annual_hours_saved),
            TargetMetricDto::CostEffectYen => Some(s.cost_effect_yen as f64),
            TargetMetricDto::SystemsInOperation => {
                Some((s.systems_in_trial + s.systems_in_production) as f64)
            }
            TargetMetricDto::InHouseRate => s.in_house_rate_percent,
            TargetMetricDto::Consultations | TargetMetricDto::Other => None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TargetIn {
    /// A stable key: a-z, 0-9, - and _.
    #[validate(custom(function = "code_word"))]
    #[schema(example = "annual-hours-saved")]
    pub code: String,
    #[validate(custom(function = "title_text"))]
    #[schema(example = "年間削減作業時間")]
    pub name: String,
    pub metric: TargetMetricDto,
    #[validate(custom(function = "unit_text"))]
    #[schema(example = "時間")]
    pub unit: String,
    #[schema(example = 100000)]
    #[validate(custom(function = "crate::department::amount"))]
    pub target_value: Option<f64>,
    #[schema(example = "2026-03-31")]
    pub due_on: Option<NaiveDate>,
    #[validate(custom(function = "long_text"))]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TargetMeasurementIn {
    #[validate(custom(function = "crate::department::amount"))]
    pub value: f64,
    pub measured_on: NaiveDate,
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    pub fiscal_year: Option<i32>,
    /// Where the figure was published.
    #[validate(custom(function = "source_text"))]
    pub source: Option<String>,
    #[validate(custom(function = "long_text"))]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetMeasurementOut {
    pub id: i64,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub fiscal_year: Option<i32>,
    pub fiscal_year_label: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub metric: TargetMetricDto,
    pub unit: String,
    pub target_value: Option<f64>,
    pub due_on: Option<NaiveDate>,
    /// e.g. 令和8年3月31日
    pub due_label: Option<String>,
    pub description: Option<String>,
    /// Newest first.
    pub measurements: Vec<TargetMeasurementOut>,
    /// The figure computed from the ledger now, for metrics the ledger gives.
    pub ledger_value: Option<f64>,
    /// `ledger_value` against `target_value` in percent, one decimal.
    pub progress_percent: Option<f64>,
    pub can_edit: bool,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerBureauOut {
    pub bureau_id: i64,
    pub bureau_name: String,
    pub systems_in_production: u64,
    pub annual_hours_saved: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerYearOut {
    /// The fiscal year production started; absent when not recorded.
    pub fiscal_year: Option<i32>,
    pub fiscal_year_label: String,
    pub systems_started: u64,
    pub annual_hours_saved: f64,
    pub cumulative_hours_saved: f64,
}

/// Where the city stands, computed from the ledger. Hours and cost count systems in production;
/// the in-house rate is over systems in operation (trial and production).
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerStandingOut {
    pub systems_total: u64,
    pub systems_in_trial: u64,
    pub systems_in_production: u64,
    pub systems_retired: u64,
    pub built_in_house_operating: u64,
    pub in_house_rate_percent: Option<f64>,
    pub annual_hours_saved: f64,
    pub cost_effect_yen: i64,
    /// Most hours first.
    pub by_bureau: Vec<LedgerBureauOut>,
    /// Oldest year first; systems with no recorded start first of all.
    pub by_fiscal_year: Vec<LedgerYearOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetsOut {
    pub targets: Vec<TargetOut>,
    pub ledger: LedgerStandingOut,
}

fn target_out(t: &Target, s: &Standing, can_edit: bool) -> TargetOut {
    let f = &t.fields;
    let metric = TargetMetricDto::parse(&f.metric);
    let ledger_value = metric.ledger_figure(s);
    TargetOut {
        id: t.id,
        code: f.code.clone(),
        name: f.name.clone(),
        metric,
        unit: f.unit.clone(),
        target_value: f.target_value,
        due_on: f.due_on,
        due_label: f.due_on.map(domain::wareki::format_date),
        description: f.description.clone(),
        measurements: t
            .measurements
            .iter()
            .map(|m| TargetMeasurementOut {
                id: m.id,
                value: m.value,
                measured_on: m.measured_on,
                fiscal_year: m.fiscal_year,
                fiscal_year_label: m.fiscal_year.map(|y| FiscalYear(y).to_string()),
                source: m.source.clone(),
                note: m.note.clone(),
            })
            .collect(),
        progress_percent: match (ledger_value, f.target_value) {
            (Some(value), Some(target)) if target != 0.0 => {
                Some(round_to_tenth(value / target * 100.0))
            }
            _ => None,
        },
        ledger_value,
        can_edit,
        version: t.version,
    }
}

fn standing_out(dir: &Directory, s: &Standing) -> LedgerStandingOut {
    let mut by_bureau: Vec<LedgerBureauOut> = s
        .by_bureau
        .iter()
        .map(|(bureau_id, b)| LedgerBureauOut {
            bureau_id: *bureau_id,
            bureau_name: dir.bureau_name(*bureau_id),
            systems_in_production: b.systems_in_production,
            annual_hours_saved: b.annual_hours_saved,
        })
        .collect();
    by_bureau.sort_by(|a, b| {
        b.annual_hours_saved
            .total_cmp(&a.annual_hours_saved)
            .then(a.bureau_id.cmp(&b.bureau_id))
    });
    LedgerStandingOut {
        systems_total: s.systems_total,
        systems_in_trial: s.systems_in_trial,
        systems_in_production: s.systems_in_production,
        systems_retired: s.systems_retired,
        built_in_house_operating: s.built_in_house_operating,
        in_house_rate_percent: s.in_house_rate_percent,
        annual_hours_saved: s.annual_hours_saved,
        cost_effect_yen: s.cost_effect_yen,
        by_bureau,
        by_fiscal_year: s
            .by_fiscal_year
            .iter()
            .map(|(year, y)| LedgerYearOut {
                fiscal_year: *year,
                fiscal_year_label: year
                    .map_or_else(|| "開始年度不明".to_owned(), |y| FiscalYear(y).to_string()),
                systems_started: y.systems_started,
                annual_hours_saved: y.annual_hours_saved,
                cumulative_hours_saved: y.cumulative_hours_saved,
            })
            .collect(),
    }
}

async fn current_standing(state: &AppState) -> Result<Standing, ApiError> {
    Ok(standing(&ledger::ledger_entries(&state.db.conn).await?))
}

/// City-wide targets and where the ledger says the city stands against them.
#[utoipa::path(tag = "ledger", responses((status = 200, body = TargetsOut)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/targets")]
pub async fn list_targets(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<TargetsOut>, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let s = current_standing(&state).await?;
    let dir = Directory::load(&state).await?;
    let can_edit = authorize(&caller.0, Action::ManageTargets).is_ok();
    let targets = ledger::list_targets(&state.db.conn).await?;
    Ok(web::Json(TargetsOut {
        targets: targets
            .iter()
            .map(|t| target_out(t, &s, can_edit))
            .collect(),
        ledger: standing_out(&dir, &s),
    }))
}

fn target_fields(input: TargetIn) -> Result<TargetFields, ApiError> {
    if let Some(value) = input.target_value {
        check_amount("/target_value", value)?;
    }
    Ok(TargetFields {
        code: input.code,
        name: input.name.trim().to_owned(),
        metric: input.metric.as_str().to_owned(),
        unit: input.unit.trim().to_owned(),
        target_value: input.target_value,
        due_on: input.due_on,
        description: optional(input.description),
    })
}

fn duplicate_code(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::Duplicate => {
            field_error("/code", "duplicate", "another target has this code")
        }
        other => other.into(),
    }
}

async fn target_response(
    state: &AppState,
    status: StatusCode,
    target: &Target,
) -> Result<HttpResponse, ApiError> {
    let s = current_standing(state).await?;
    let out = target_out(target, &s, true);
    Ok(json_with_etag(status, out.version, out))
}

/// Set a city-wide target (市政変革推進室 only).
#[utoipa::path(tag = "ledger", request_body = TargetIn, responses((status = 201, body = TargetOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[post("/targets")]
pub async fn create_target(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<TargetIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageTargets)?;
    let target = ledger::create_target(&state.db.conn, target_fields(body.0)?, &actor(&caller.0))
        .await
        .map_err(duplicate_code)?;
    target_response(&state, StatusCode::CREATED, &target).await
}

/// Replace a target's definition. Needs `If-Match`.
#[utoipa::path(tag = "ledger", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = TargetIn, responses((status = 200, body = TargetOut), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[put("/targets/{id}")]
pub async fn replace_target(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<TargetIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageTargets)?;
    let target = ledger::replace_target(
        &state.db.conn,
        *id,
        version,
        target_fields(body.0)?,
        &actor(&caller.0),
    )
    .await
    .map_err(duplicate_code)?;
    target_response(&state, StatusCode::OK, &target).await
}

/// Record a published figure of a target (e.g. 令和5年度 40,355時間); answers the whole target.
#[utoipa::path(tag = "ledger", params(("id" = i64, Path)), request_body = TargetMeasurementIn, responses((status = 201, body = TargetOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[post("/targets/{id}/measurements")]
pub async fn create_target_measurement(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<TargetMeasurementIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageTargets)?;
    let input = body.0;
    check_amount("/value", input.value)?;
    let target = ledger::add_measurement(
        &state.db.conn,
        *id,
        MeasurementFields {
            value: input.value,
            measured_on: input.measured_on,
            fiscal_year: input.fiscal_year,
            source: optional(input.source),
            note: optional(input.note),
        },
        &actor(&caller.0),
    )
    .await?;
    target_response(&state, StatusCode::CREATED, &target).await
}

/// Delete a recorded figure.
#[utoipa::path(tag = "ledger", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[delete("/target-measurements/{id}")]
pub async fn delete_target_measurement(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageTargets)?;
    ledger::delete_measurement(&state.db.conn, *id, &actor(&caller.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}
