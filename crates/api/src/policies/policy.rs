//! `/policies`: a bureau's X policy for a fiscal year (mission, review of the prior year,
//! direction) with everything under it.

use super::issue::{PolicyIssueOut, issue_outs};
use super::{forbidden, not_found, with_version};
use crate::auth::Authenticated;
use crate::concurrency::IfMatch;
use crate::context::actor;
use crate::department::{Directory, field_error, guard, search_text};
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ValidJson, page_of_query};
use crate::state::AppState;
use crate::text_rules::{long_text, optional};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::policy::{Policy, PolicyFields};
use domain::wareki::FiscalYear;
use domain::{Action, Principal, authorize};
use persistence::policies::{self, IssueFilter, PolicyFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PolicyIn {
    pub bureau_id: i64,
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    #[schema(example = 2025)]
    pub fiscal_year: i32,
    /// 組織の使命
    #[validate(custom(function = "long_text"))]
    pub mission: Option<String>,
    /// 基本情報 (budget, organisation, public facilities…)
    #[validate(custom(function = "long_text"))]
    pub basic_information: Option<String>,
    /// 前年度の振り返り: 総評
    #[validate(custom(function = "long_text"))]
    pub review_summary: Option<String>,
    /// 変革が実現した課題・取組内容・市民にもたらされた効果
    #[validate(custom(function = "long_text"))]
    pub review_achieved: Option<String>,
    /// 取組・進捗が十分でなかった項目・内容（理由）
    #[validate(custom(function = "long_text"))]
    pub review_not_achieved: Option<String>,
    /// 取組の方向性
    #[validate(custom(function = "long_text"))]
    pub direction: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySummaryOut {
    pub id: i64,
    pub bureau_id: i64,
    pub bureau_name: String,
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub issue_count: u64,
    pub can_edit: bool,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyOut {
    pub id: i64,
    pub bureau_id: i64,
    pub bureau_name: String,
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub mission: Option<String>,
    pub basic_information: Option<String>,
    pub review_summary: Option<String>,
    pub review_achieved: Option<String>,
    pub review_not_achieved: Option<String>,
    pub direction: Option<String>,
    /// By area, then number.
    pub issues: Vec<PolicyIssueOut>,
    pub can_edit: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn policy_out(
    state: &AppState,
    caller: &Principal,
    p: &Policy,
) -> Result<PolicyOut, ApiError> {
    let dir = Directory::load(state).await?;
    let issues = policies::list_issues(
        &state.db.conn,
        &IssueFilter {
            policy_id: Some(p.id),
            ..IssueFilter::default()
        },
        persistence::PageRequest {
            page: 1,
            per_page: 1000,
        },
    )
    .await?
    .items;
    let f = &p.fields;
    Ok(PolicyOut {
        id: p.id,
        bureau_id: f.bureau_id,
        bureau_name: dir.bureau_name(f.bureau_id),
        fiscal_year: f.fiscal_year,
        fiscal_year_label: FiscalYear(f.fiscal_year).to_string(),
        mission: f.mission.clone(),
        basic_information: f.basic_information.clone(),
        review_summary: f.review_summary.clone(),
        review_achieved: f.review_achieved.clone(),
        review_not_achieved: f.review_not_achieved.clone(),
        direction: f.direction.clone(),
        issues: issue_outs(state, &dir, caller, &issues).await?,
        can_edit: dir.rights_over_bureau(caller, f.bureau_id).edit,
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

fn policy_fields(input: PolicyIn) -> PolicyFields {
    PolicyFields {
        bureau_id: input.bureau_id,
        fiscal_year: input.fiscal_year,
        mission: optional(input.mission),
        basic_information: optional(input.basic_information),
        review_summary: optional(input.review_summary),
        review_achieved: optional(input.review_achieved),
        review_not_achieved: optional(input.review_not_achieved),
        direction: optional(input.direction),
    }
}

fn policy_write_error(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::Duplicate => ApiError::new(ErrorCode::Conflict)
            .with_detail("this bureau has an X policy for that fiscal year already"),
        persistence::StoreError::MissingReference(_) => {
            field_error("/bureau_id", "missing_reference", "no bureau has this id")
        }
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    pub bureau_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    /// Text in the policy or any of its issues, any length after NFKC.
    #[validate(length(max = 200, code = "length", message = "at most 200 characters"))]
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub(crate) fn policy_filter(query: &PolicyQuery) -> PolicyFilter {
    PolicyFilter {
        bureau_id: query.bureau_id,
        fiscal_year: query.fiscal_year,
        text: search_text(query.q.as_deref()),
    }
}

/// X policies, newest fiscal year first.
#[utoipa::path(tag = "policies", params(PolicyQuery), responses((status = 200, body = PageOut<PolicySummaryOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<PolicyQuery>,
) -> Result<web::Json<PageOut<PolicySummaryOut>>, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let paging = page_of_query(&*query, query.page, query.per_page)?;
    let filter = policy_filter(&query);
    let page = policies::list_policies(&state.db.conn, &filter, paging).await?;
    let dir = Directory::load(&state).await?;
    Ok(web::Json(PageOut::from_page(page, |p| PolicySummaryOut {
        id: p.id,
        bureau_id: p.fields.bureau_id,
        bureau_name: dir.bureau_name(p.fields.bureau_id),
        fiscal_year: p.fields.fiscal_year,
        fiscal_year_label: FiscalYear(p.fields.fiscal_year).to_string(),
        issue_count: p.issue_count,
        can_edit: dir.rights_over_bureau(&caller.0, p.fields.bureau_id).edit,
        version: p.version,
    })))
}

/// One X policy with its issues, milestones, progress notes and KPIs.
#[utoipa::path(tag = "policies", params(("id" = i64, Path)), responses((status = 200, body = PolicyOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policies/{id}")]
pub async fn get_policy(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let policy = policies::find_policy(&state.db.conn, *id)
        .await?
        .ok_or_else(not_found)?;
    let out = policy_out(&state, &caller.0, &policy).await?;
    Ok(with_version(StatusCode::OK, out.version, out))
}

/// Start a bureau's X policy for a fiscal year (one per bureau and year).
#[utoipa::path(tag = "policies", request_body = PolicyIn, responses((status = 201, body = PolicyOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 409, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<PolicyIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let dir = Directory::load(&state).await?;
    if !dir.has_bureau(body.0.bureau_id) {
        return Err(field_error(
            "/bureau_id",
            "missing_reference",
            "no bureau has this id",
        ));
    }
    if !dir.rights_over_bureau(&caller, body.0.bureau_id).edit {
        return Err(forbidden());
    }
    let policy = policies::create_policy(&state.db.conn, policy_fields(body.0), &actor(&caller))
        .await
        .map_err(policy_write_error)?;
    let out = policy_out(&state, &caller, &policy).await?;
    Ok(with_version(StatusCode::CREATED, out.version, out))
}

/// Replace a policy's texts. Needs `If-Match`.
#[utoipa::path(tag = "policies", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = PolicyIn, responses((status = 200, body = PolicyOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/policies/{id}")]
pub async fn replace_policy(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<PolicyIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let found = policies::find_policy(&state.db.conn, *id);
    let (version, current, dir) = guard(&state, &caller, &if_match, found).await?;
    if !dir
        .rights_over_bureau(&caller, current.fields.bureau_id)
        .edit
        || !dir.rights_over_bureau(&caller, body.0.bureau_id).edit
    {
        return Err(forbidden());
    }
    let policy = policies::replace_policy(
        &state.db.conn,
        *id,
        version,
        policy_fields(body.0),
        &actor(&caller),
    )
    .await
    .map_err(policy_write_error)?;
    let out = policy_out(&state, &caller, &policy).await?;
    Ok(with_version(StatusCode::OK, out.version, out))
}
