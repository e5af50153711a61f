//! `/kpis`, `/kpi-actuals` and `/policy-issues/{id}/kpis`: an issue's KPIs with their
//! measured values, and the change against the baseline computed from them.

use super::{not_found, with_version, writable_issue, writable_under_issue};
use crate::auth::Authenticated;
use crate::concurrency::IfMatch;
use crate::context::actor;
use crate::department::field_error;
use crate::department::{Directory, check_amount};
use crate::dto::HealthDto;
use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::links::{LinkOut, link_outs};
use crate::state::AppState;
use crate::text_rules::{optional, title_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use domain::health::{HealthRules, kpi_health};
use domain::link::EntityKind;
use domain::link::EntityRef;
use domain::policy::{Issue, Kpi, KpiDirection, KpiFields};
use domain::policy::{percent_change, percent_of_target};
use domain::{Action, Principal, authorize};
use persistence::policies;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

fn unit_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 30, false)
}

fn note_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 500, true)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct KpiIn {
    #[validate(custom(function = "title_text"))]
    #[schema(example = "デジラボ RPA 削減時間")]
    pub name: String,
    #[validate(custom(function = "unit_text"))]
    #[schema(example = "時間")]
    pub unit: String,
    #[schema(example = 948)]
    #[validate(custom(function = "crate::department::amount"))]
    pub baseline_value: f64,
    #[schema(example = "2023-11-30")]
    pub baseline_on: NaiveDate,
    #[validate(custom(function = "crate::department::amount"))]
    pub target_value: Option<f64>,
    pub target_on: Option<NaiveDate>,
    #[validate(custom(function = "note_text"))]
    pub note: Option<String>,
    /// Which way it should move; left out, it is read from the baseline and the target (up
    /// when the target is above, down when below, kept when equal).
    #[serde(default)]
    pub direction: Option<KpiDirectionDto>,
    /// For a KPI kept at its target (`keep`): how far from the target, in its unit, still
    /// counts as kept (0 when left out).
    #[validate(range(min = 0.0, max = 1e15, code = "out_of_range", message = "0 to 1e15"))]
    #[serde(default)]
    pub tolerance: Option<f64>,
}

/// Which way a KPI should move: 増やす, 減らす, 維持する.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KpiDirectionDto {
    /// 増やす
    Increase,
    /// 減らす
    Decrease,
    /// 維持する
    Keep,
}

impl From<KpiDirectionDto> for KpiDirection {
    fn from(d: KpiDirectionDto) -> Self {
        match d {
            KpiDirectionDto::Increase => KpiDirection::Increase,
            KpiDirectionDto::Decrease => KpiDirection::Decrease,
            KpiDirectionDto::Keep => KpiDirection::Keep,
        }
    }
}

impl From<KpiDirection> for KpiDirectionDto {
    fn from(d: KpiDirection) -> Self {
        match d {
            KpiDirection::Increase => KpiDirectionDto::Increase,
            KpiDirection::Decrease => KpiDirectionDto::Decrease,
            KpiDirection::Keep => KpiDirectionDto::Keep,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct KpiActualIn {
    #[schema(example = 1002)]
    #[validate(custom(function = "crate::department::amount"))]
    pub value: f64,
    #[schema(example = "2024-11-30")]
    pub measured_on: NaiveDate,
    #[validate(custom(function = "note_text"))]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiActualOut {
    pub id: i64,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiOut {
    pub id: i64,
    pub issue_id: i64,
    pub bureau_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline_value: f64,
    pub baseline_on: NaiveDate,
    pub target_value: Option<f64>,
    pub target_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// Oldest first.
    pub actuals: Vec<KpiActualOut>,
    pub latest_value: Option<f64>,
    pub latest_on: Option<NaiveDate>,
    /// Latest actual minus baseline.
    pub change_value: Option<f64>,
    /// (latest − baseline) / baseline in percent, one decimal (948 → 1,002 is 5.7).
    pub change_percent: Option<f64>,
    /// How far the latest actual has come from the baseline towards the target, in percent.
    pub target_progress_percent: Option<f64>,
    /// As set by the owner (`direction_set`), or read from the baseline and the target;
    /// absent without either.
    pub direction: Option<KpiDirectionDto>,
    /// 増やす, 減らす or 維持する.
    pub direction_label: Option<&'static str>,
    /// Whether the owner set the direction (false: read from the baseline and the target).
    pub direction_set: bool,
    /// The band around the target a kept KPI may move in.
    pub tolerance: Option<f64>,
    /// Computed as of today (Asia/Tokyo) from the latest measurement against the straight path
    /// from baseline to target (see docs/health.md); never written.
    pub health: HealthDto,
    pub health_label: &'static str,
    /// Present on the single-KPI answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkOut>>,
    pub can_edit: bool,
    pub version: i32,
}

pub(crate) fn kpi_out(k: &Kpi, bureau_id: i64, can_edit: bool, rules: &HealthRules) -> KpiOut {
    let f = &k.fields;
    let health = kpi_health(f, &k.actuals, crate::clock::today_in_tokyo(), rules);
    let direction = f.direction();
    let latest = k.actuals.last();
    let latest_value = latest.map(|a| a.value);
    KpiOut {
        id: k.id,
        issue_id: k.issue_id,
        bureau_id,
        name: f.name.clone(),
        unit: f.unit.clone(),
        baseline_value: f.baseline_value,
        baseline_on: f.baseline_on,
        target_value: f.target_value,
        target_on: f.target_on,
        note: f.note.clone(),
        actuals: k
            .actuals
            .iter()
            .map(|a| KpiActualOut {
                id: a.id,
                value: a.value,
                measured_on: a.measured_on,
                note: a.note.clone(),
            })
            .collect(),
        latest_value,
        latest_on: latest.map(|a| a.measured_on),
        change_value: latest_value.map(|v| v - f.baseline_value),
        change_percent: latest_value.and_then(|v| percent_change(f.baseline_value, v)),
        target_progress_percent: match (f.target_value, latest_value) {
            (Some(target), Some(value)) => percent_of_target(f.baseline_value, target, value),
            _ => None,
        },
        direction: direction.map(Into::into),
        direction_label: direction.map(KpiDirection::label_ja),
        direction_set: f.direction.is_some(),
        tolerance: f.tolerance,
        health: health.into(),
        health_label: health.label_ja(),
        links: None,
        can_edit,
        version: k.version,
    }
}

fn kpi_fields(input: KpiIn) -> Result<KpiFields, ApiError> {
    check_amount("/baseline_value", input.baseline_value)?;
    if let Some(target) = input.target_value {
        check_amount("/target_value", target)?;
    }
    let fields = KpiFields {
        name: input.name.trim().to_owned(),
        unit: input.unit.trim().to_owned(),
        baseline_value: input.baseline_value,
        baseline_on: input.baseline_on,
        target_value: input.target_value,
        target_on: input.target_on,
        note: optional(input.note),
        direction: input.direction.map(Into::into),
        tolerance: input.tolerance,
    };
    let contradicts = match (fields.direction, fields.target_value) {
        (Some(KpiDirection::Increase), Some(target)) => target < fields.baseline_value,
        (Some(KpiDirection::Decrease), Some(target)) => target > fields.baseline_value,
        _ => false,
    };
    if contradicts {
        return Err(field_error(
            "/direction",
            "contradicts_target",
            "the target lies the other way from the baseline",
        ));
    }
    if fields.tolerance.is_some() && fields.direction() != Some(KpiDirection::Keep) {
        return Err(field_error(
            "/tolerance",
            "not_allowed",
            "a band around the target is for a KPI kept at it (direction keep)",
        ));
    }
    Ok(fields)
}

async fn writable_kpi(
    state: &AppState,
    caller: &Principal,
    id: i64,
) -> Result<(Kpi, Issue), ApiError> {
    let (kpi, issue, _) =
        writable_under_issue(state, caller, policies::find_kpi(&state.db.conn, id), |k| {
            k.issue_id
        })
        .await?;
    Ok((kpi, issue))
}

/// One KPI with its actuals, computed change and links.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 200, body = KpiOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/kpis/{id}")]
pub async fn get_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let kpi = policies::find_kpi(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    let issue = policies::find_issue(&state.db.conn, kpi.issue_id)
        .await?
        .ok_or_else(not_found)?;
    let dir = Directory::load(&state).await?;
    let mut out = kpi_out(
        &kpi,
        issue.bureau_id,
        dir.rights_over_bureau(&caller.0, issue.bureau_id).edit,
        &state.health_rules,
    );
    out.links = Some(
        link_outs(
            &state,
            &caller.0,
            EntityRef {
                kind: EntityKind::Kpi,
                id: kpi.id,
            },
        )
        .await?,
    );
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Add a KPI to an issue.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), request_body = KpiIn, responses((status = 201, body = KpiOut), (status = 403, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policy-issues/{id}/kpis")]
pub async fn create_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<KpiIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (issue, _) = writable_issue(&state, &caller, *id).await?;
    let kpi =
        policies::create_kpi(&state.db.conn, *id, kpi_fields(body.0)?, &actor(&caller)).await?;
    let out = kpi_out(&kpi, issue.bureau_id, true, &state.health_rules);
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Replace a KPI's definition. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = KpiIn, responses((status = 200, body = KpiOut), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/kpis/{id}")]
pub async fn replace_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<KpiIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    let (_, issue) = writable_kpi(&state, &caller, *id).await?;
    let kpi = policies::replace_kpi(
        &state.db.conn,
        *id,
        version,
        kpi_fields(body.0)?,
        &actor(&caller),
    )
    .await?;
    let out = kpi_out(&kpi, issue.bureau_id, true, &state.health_rules);
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Delete a KPI, its actuals and links. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 412, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/kpis/{id}")]
pub async fn delete_kpi(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    writable_kpi(&state, &caller, *id).await?;
    policies::delete_kpi(&state.db.conn, *id, version, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Record a measured value; answers the whole KPI with its new change.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), request_body = KpiActualIn, responses((status = 201, body = KpiOut), (status = 403, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/kpis/{id}/actuals")]
pub async fn create_kpi_actual(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: ValidJson<KpiActualIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (_, issue) = writable_kpi(&state, &caller, *id).await?;
    let input = body.0;
    check_amount("/value", input.value)?;
    let kpi = policies::add_actual(
        &state.db.conn,
        *id,
        input.value,
        input.measured_on,
        optional(input.note),
        &actor(&caller),
    )
    .await?;
    let out = kpi_out(&kpi, issue.bureau_id, true, &state.health_rules);
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Delete a measured value.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/kpi-actuals/{id}")]
pub async fn delete_kpi_actual(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let actual = policies::find_actual(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    writable_kpi(&state, &caller, actual.kpi_id).await?;
    policies::delete_actual(&state.db.conn, *id, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}
