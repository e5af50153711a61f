//! `/reforms` and `/bureaus/{id}/reforms`: the self-initiated reforms of bureaus and wards,
//! numbered per bureau as the annual report numbers them. Editors write the reforms of their
//! bureau or sections; everyone signed in reads them.

use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::concurrency::{IfMatch, json_with_etag};
use crate::context::actor;
use crate::department::{
    Directory, SectionRef, check_amount, field_error, guard, known_sort_word, missing_at,
    search_text, sort_spec,
};
use crate::dto::PageOut;
use crate::dto::PeriodOut;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ValidJson, page_of_query};
use crate::links::{LinkOut, LinkSet};
use crate::state::AppState;
use crate::text_rules::{long_text, optional, period_text, title_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{ProposalId, ReformId};
use domain::link::EntityKind;
use domain::link::EntityRef;
use domain::period::Period;
use domain::reform::{Classification, EffectKind, ReformStatus};
use domain::reform::{Effect, Reform, ReformFields};
use domain::{Action, Principal, PrincipalKind, authorize};
use persistence::links::{self, Summary};
use persistence::organization::NamesWanted;
use persistence::reforms::{self, ReformFilter, ReformSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum ReformClassificationDto {
    /// i: the bureau's own project team
    #[serde(rename = "i")]
    I,
    /// ii: improvement in ordinary work
    #[serde(rename = "ii")]
    Ii,
    /// iii: from a Platinum PT proposal
    #[serde(rename = "iii")]
    Iii,
}

/// A classification to filter by, or `none` for reforms the report left unclassified.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum ReformClassificationFilterDto {
    #[serde(rename = "i")]
    I,
    #[serde(rename = "ii")]
    Ii,
    #[serde(rename = "iii")]
    Iii,
    #[serde(rename = "none")]
    None,
}

/// How the implementation date was written: read into dates, text only, or blank.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKindDto {
    Parsed,
    TextOnly,
    Missing,
}

impl From<ReformClassificationDto> for Classification {
    fn from(c: ReformClassificationDto) -> Self {
        match c {
            ReformClassificationDto::I => Classification::OwnProjectTeam,
            ReformClassificationDto::Ii => Classification::OrdinaryWork,
            ReformClassificationDto::Iii => Classification::FromPlatinumProposal,
        }
    }
}

impl From<Classification> for ReformClassificationDto {
    fn from(c: Classification) -> Self {
        match c {
            Classification::OwnProjectTeam => ReformClassificationDto::I,
            Classification::OrdinaryWork => ReformClassificationDto::Ii,
            Classification::FromPlatinumProposal => ReformClassificationDto::Iii,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReformStatusDto {
    UnderConsideration,
    Planned,
    Trial,
    InProgress,
    Done,
    Ended,
}

impl From<ReformStatusDto> for ReformStatus {
    fn from(s: ReformStatusDto) -> Self {
        match s {
            ReformStatusDto::UnderConsideration => ReformStatus::UnderConsideration,
            ReformStatusDto::Planned => ReformStatus::Planned,
            ReformStatusDto::Trial => ReformStatus::Trial,
            ReformStatusDto::InProgress => ReformStatus::InProgress,
            ReformStatusDto::Done => ReformStatus::Done,
            ReformStatusDto::Ended => ReformStatus::Ended,
        }
    }
}

impl From<ReformStatus> for ReformStatusDto {
    fn from(s: ReformStatus) -> Self {
        match s {
            ReformStatus::UnderConsideration => ReformStatusDto::UnderConsideration,
            ReformStatus::Planned => ReformStatusDto::Planned,
            ReformStatus::Trial => ReformStatusDto::Trial,
            ReformStatus::InProgress => ReformStatusDto::InProgress,
            ReformStatus::Done => ReformStatusDto::Done,
            ReformStatus::Ended => ReformStatusDto::Ended,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EffectKindDto {
    HoursPerYear,
    SheetsPerYear,
    YenPerYear,
    SquareMeters,
    CasesPerYear,
    People,
    Other,
}

impl From<EffectKindDto> for EffectKind {
    fn from(k: EffectKindDto) -> Self {
        match k {
            EffectKindDto::HoursPerYear => EffectKind::HoursPerYear,
            EffectKindDto::SheetsPerYear => EffectKind::SheetsPerYear,
            EffectKindDto::YenPerYear => EffectKind::YenPerYear,
            EffectKindDto::SquareMeters => EffectKind::SquareMeters,
            EffectKindDto::CasesPerYear => EffectKind::CasesPerYear,
            EffectKindDto::People => EffectKind::People,
            EffectKindDto::Other => EffectKind::Other,
        }
    }
}

impl From<EffectKind> for EffectKindDto {
    fn from(k: EffectKind) -> Self {
        match k {
            EffectKind::HoursPerYear => EffectKindDto::HoursPerYear,
            EffectKind::SheetsPerYear => EffectKindDto::SheetsPerYear,
            EffectKind::YenPerYear => EffectKindDto::YenPerYear,
            EffectKind::SquareMeters => EffectKindDto::SquareMeters,
            EffectKind::CasesPerYear => EffectKindDto::CasesPerYear,
            EffectKind::People => EffectKindDto::People,
            EffectKind::Other => EffectKindDto::Other,
        }
    }
}

pub(crate) fn unit_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 30, false)
}

pub(crate) fn basis_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 500, false)
}

/// A quantified effect, e.g. 紙 約5万枚/年 as {sheets_per_year, 50000, 枚/年, "紙 約5万枚/年"}.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EffectIn {
    pub kind: EffectKindDto,
    pub value: f64,
    /// e.g. 時間/年, 枚/年, 円/年, ㎡, 件/年
    #[validate(custom(function = "unit_text"))]
    pub unit: String,
    /// The text the figure comes from.
    #[validate(custom(function = "basis_text"))]
    pub basis: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EffectOut {
    pub kind: EffectKindDto,
    pub kind_label: &'static str,
    pub value: f64,
    pub unit: String,
    pub basis: Option<String>,
}

/// A reform as entered or edited. Optional texts may be omitted or null.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReformIn {
    /// The fiscal year of the report it belongs to: 2025 = 令和7年度.
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    #[schema(example = 2025)]
    pub fiscal_year: i32,
    pub bureau_id: i64,
    /// Sections of that bureau that carry the reform; empty for the bureau as a whole.
    #[validate(length(max = 50, code = "length", message = "at most 50 sections"))]
    #[serde(default)]
    pub section_ids: Vec<i64>,
    /// The No. in the annual report's list.
    #[validate(range(
        min = 1,
        max = 100_000,
        code = "out_of_range",
        message = "must be between 1 and 100000"
    ))]
    pub report_number: Option<i32>,
    /// i, ii or iii; the report leaves a few blank.
    pub classification: Option<ReformClassificationDto>,
    /// The PT proposal a reform of classification iii came from.
    pub source_proposal_id: Option<i64>,
    /// 取組名
    #[validate(custom(function = "title_text"))]
    #[schema(example = "大規模小売店舗立地法の届出審査事務の改善")]
    pub title: String,
    /// 【課題】
    #[validate(custom(function = "long_text"))]
    pub problem: Option<String>,
    /// 【取組】
    #[validate(custom(function = "long_text"))]
    pub action: Option<String>,
    /// 【効果】
    #[validate(custom(function = "long_text"))]
    pub effect: Option<String>,
    /// 実施(予定)日 as written: `R7.4~ R8.2`, `R8.4~`, `実施中`.
    #[validate(custom(function = "period_text"))]
    #[schema(example = "R7.4~ R8.2")]
    pub period: Option<String>,
    /// Left out, it follows from the period: a status word in it, else the dates against today.
    pub status: Option<ReformStatusDto>,
    /// e.g. kintone, AI, ペーパーレス
    #[validate(length(max = 20, code = "length", message = "at most 20 tags"))]
    #[serde(default)]
    pub tags: Vec<String>,
    /// Shown as a topic in the annual report.
    #[serde(default)]
    pub featured: bool,
    #[validate(
        nested,
        length(max = 20, code = "length", message = "at most 20 effects")
    )]
    #[serde(default)]
    pub effects: Vec<EffectIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReformOut {
    pub id: i64,
    pub fiscal_year: i32,
    /// e.g. 令和7年度
    pub fiscal_year_label: String,
    pub bureau_id: i64,
    pub bureau_name: String,
    pub sections: Vec<SectionRef>,
    pub report_number: Option<i32>,
    /// The reform's place in its bureau's listing for the year, from 1.
    pub number_in_bureau: u32,
    pub classification: Option<ReformClassificationDto>,
    pub classification_label: Option<&'static str>,
    pub source_proposal_id: Option<i64>,
    pub title: String,
    pub problem: Option<String>,
    pub action: Option<String>,
    pub effect: Option<String>,
    pub period: Option<PeriodOut>,
    pub status: ReformStatusDto,
    pub status_label: &'static str,
    pub tags: Vec<String>,
    pub featured: bool,
    pub effects: Vec<EffectOut>,
    /// Present on the single-reform answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkOut>>,
    pub can_edit: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn reform_out(dir: &Directory, caller: &Principal, r: &Reform) -> ReformOut {
    let f = &r.fields;
    ReformOut {
        id: r.id.get(),
        fiscal_year: f.fiscal_year,
        fiscal_year_label: domain::wareki::FiscalYear(f.fiscal_year).to_string(),
        bureau_id: f.bureau_id,
        bureau_name: dir.bureau_name(f.bureau_id),
        sections: f.section_ids.iter().map(|s| dir.section(*s)).collect(),
        report_number: f.report_number,
        number_in_bureau: r.number_in_bureau,
        classification: f.classification.map(Into::into),
        classification_label: f.classification.map(Classification::label_ja),
        source_proposal_id: f.source_proposal_id.map(ProposalId::get),
        title: f.title.clone(),
        problem: f.problem.clone(),
        action: f.action.clone(),
        effect: f.effect.clone(),
        period: f.period().as_ref().map(PeriodOut::from),
        status: f.status.into(),
        status_label: f.status.label_ja(),
        tags: f.tags.clone(),
        featured: f.featured,
        effects: f
            .effects
            .iter()
            .map(|e| EffectOut {
                kind: e.kind.into(),
                kind_label: e.kind.label_ja(),
                value: e.value,
                unit: e.unit.clone(),
                basis: e.basis.clone(),
            })
            .collect(),
        links: None,
        can_edit: dir.rights_over(caller, f.bureau_id, &f.section_ids).edit,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub(crate) fn reform_fields(dir: &Directory, input: ReformIn) -> Result<ReformFields, ApiError> {
    if !dir.has_bureau(input.bureau_id) {
        return Err(field_error(
            "/bureau_id",
            "missing_reference",
            "no bureau has this id",
        ));
    }
    let mut section_ids = input.section_ids;
    section_ids.sort_unstable();
    section_ids.dedup();
    for (i, section) in section_ids.iter().enumerate() {
        if dir.bureau_of_section(*section) != Some(input.bureau_id) {
            return Err(field_error(
                &format!("/section_ids/{i}"),
                "missing_reference",
                "not a section of this bureau",
            ));
        }
    }
    let classification = input.classification.map(Classification::from);
    if input.source_proposal_id.is_some()
        && classification != Some(Classification::FromPlatinumProposal)
    {
        return Err(field_error(
            "/source_proposal_id",
            "not_allowed",
            "only a reform of classification iii comes from a proposal",
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    for (i, tag) in input.tags.iter().enumerate() {
        let tag = domain::text::normalize(tag).trim().to_owned();
        if let Err(e) = crate::text_rules::text_rule(&tag, 50, false) {
            return Err(field_error(
                &format!("/tags/{i}"),
                &e.code,
                e.message.map(|m| m.to_string()).unwrap_or_default(),
            ));
        }
        let key = domain::search::search_form(&tag);
        if !tags.iter().any(|t| domain::search::search_form(t) == key) {
            tags.push(tag);
        }
    }
    let mut effects = Vec::new();
    for (i, e) in input.effects.into_iter().enumerate() {
        check_amount(&format!("/effects/{i}/value"), e.value)?;
        effects.push(Effect {
            kind: e.kind.into(),
            value: e.value,
            unit: e.unit.trim().to_owned(),
            basis: optional(e.basis),
        });
    }
    let period_text = optional(input.period);
    let status = match input.status {
        Some(status) => status.into(),
        None => period_text
            .as_deref()
            .map(Period::parse)
            .and_then(|p| ReformStatus::implied_by(&p, today_in_tokyo()))
            .unwrap_or(ReformStatus::UnderConsideration),
    };
    Ok(ReformFields {
        fiscal_year: input.fiscal_year,
        bureau_id: input.bureau_id,
        section_ids,
        report_number: input.report_number,
        classification,
        source_proposal_id: input.source_proposal_id.map(ProposalId::new),
        title: input.title.trim().to_owned(),
        problem: optional(input.problem),
        action: optional(input.action),
        effect: optional(input.effect),
        period_text,
        status,
        tags,
        featured: input.featured,
        effects,
    })
}

fn reform_response(status: StatusCode, out: ReformOut) -> HttpResponse {
    json_with_etag(status, out.version, out)
}

/// Whether the caller may write a reform with these fields (its bureau and sections).
fn may_edit_reform(dir: &Directory, caller: &Principal, fields: &ReformFields) -> bool {
    dir.rights_over(caller, fields.bureau_id, &fields.section_ids)
        .edit
}

fn duplicate_number(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::Duplicate => field_error(
            "/report_number",
            "duplicate",
            "another reform of this fiscal year has this report number",
        ),
        other => missing_at("/source_proposal_id")(other),
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReformQuery {
    pub bureau_id: Option<i64>,
    pub section_id: Option<i64>,
    /// i, ii, iii, or `none` for reforms without a classification.
    #[param(inline)]
    pub classification: Option<ReformClassificationFilterDto>,
    pub status: Option<ReformStatusDto>,
    /// The listing as it stood at the end of this day: reforms registered by then.
    pub as_of: Option<NaiveDate>,
    /// Reforms whose period starts in this month, `YYYY-MM`.
    #[validate(custom(function = "year_month"))]
    pub started_in: Option<String>,
    /// parsed, text_only or missing.
    #[param(inline)]
    pub period: Option<PeriodKindDto>,
    /// One tag, matched after NFKC regardless of case (ｋｉｎｔｏｎｅ finds kintone).
    #[validate(length(max = 50, code = "length", message = "at most 50 characters"))]
    pub tag: Option<String>,
    pub fiscal_year: Option<i32>,
    pub featured: Option<bool>,
    /// Reforms whose period may share a day with `period_from ..= period_to`; periods that
    /// could not be read never match.
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    /// Text to find in any field, any length, after NFKC; `%`, `_` and `\` are literal.
    #[validate(length(max = 200, code = "length", message = "at most 200 characters"))]
    pub q: Option<String>,
    /// report_number (default), id, title or updated_at; prefix `-` for descending.
    #[validate(custom(function = "reform_sort_word"))]
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The keys the reform list sorts by (each also with `-` for descending).
pub(crate) const REFORM_SORT_KEYS: &[&str] = &["report_number", "id", "title", "updated_at"];

fn reform_sort(field: &str) -> Option<ReformSort> {
    match field {
        "report_number" => Some(ReformSort::ReportNumber),
        "id" => Some(ReformSort::Id),
        "title" => Some(ReformSort::Title),
        "updated_at" => Some(ReformSort::UpdatedAt),
        _ => None,
    }
}

fn reform_sort_word(value: &str) -> Result<(), ValidationError> {
    known_sort_word(value, reform_sort, "report_number, id, title or updated_at")
}

/// The list's filter from its query; `bureau_id` from the path wins over the query's.
/// The first and last day of a `YYYY-MM` month.
pub(crate) fn month_bounds(value: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (year, month) = value.split_once('-')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
    let last = first
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?;
    Some((first, last))
}

fn year_month(value: &str) -> Result<(), ValidationError> {
    month_bounds(value).map(|_| ()).ok_or_else(|| {
        let mut e = ValidationError::new("invalid_month");
        e.message = Some("must be a month as YYYY-MM".into());
        e
    })
}

pub(crate) fn reform_filter(query: &ReformQuery, bureau_id: Option<i64>) -> ReformFilter {
    ReformFilter {
        bureau_id: bureau_id.or(query.bureau_id),
        section_id: query.section_id,
        classification: match query.classification {
            Some(ReformClassificationFilterDto::I) => Some(Classification::OwnProjectTeam),
            Some(ReformClassificationFilterDto::Ii) => Some(Classification::OrdinaryWork),
            Some(ReformClassificationFilterDto::Iii) => Some(Classification::FromPlatinumProposal),
            Some(ReformClassificationFilterDto::None) | None => None,
        },
        unclassified: query.classification == Some(ReformClassificationFilterDto::None),
        registered_by: query.as_of,
        started_between: query.started_in.as_deref().and_then(month_bounds),
        period_kind: query.period.map(|k| match k {
            PeriodKindDto::Parsed => reforms::PeriodKind::Parsed,
            PeriodKindDto::TextOnly => reforms::PeriodKind::TextOnly,
            PeriodKindDto::Missing => reforms::PeriodKind::Missing,
        }),
        status: query.status.map(Into::into),
        tag: search_text(query.tag.as_deref()),
        fiscal_year: query.fiscal_year,
        featured: query.featured,
        period_from: query.period_from,
        period_to: query.period_to,
        text: search_text(query.q.as_deref()),
        ids: None,
    }
}

async fn list(
    state: &AppState,
    caller: &Principal,
    query: &ReformQuery,
    bureau_id: Option<i64>,
) -> Result<PageOut<ReformOut>, ApiError> {
    authorize(caller, Action::ReadDepartmentWork)?;
    let paging = page_of_query(query, query.page, query.per_page)?;
    let (field, descending) = sort_spec(query.sort.as_deref());
    let sort = field
        .and_then(reform_sort)
        .unwrap_or(ReformSort::ReportNumber);
    let filter = reform_filter(query, bureau_id);
    let page = reforms::list_reforms(&state.db.conn, &filter, sort, descending, paging).await?;
    let dir = Directory::load_for(state, &names_wanted(&page.items)).await?;
    Ok(PageOut::from_page(page, |r| reform_out(&dir, caller, r)))
}

/// The bureaus and sections these reforms name.
fn names_wanted<'a>(reforms: impl IntoIterator<Item = &'a Reform>) -> NamesWanted {
    let mut wanted = NamesWanted::default();
    for r in reforms {
        wanted.bureau_ids.push(r.fields.bureau_id);
        wanted.section_ids.extend(&r.fields.section_ids);
    }
    wanted.bureau_ids.sort_unstable();
    wanted.bureau_ids.dedup();
    wanted.section_ids.sort_unstable();
    wanted.section_ids.dedup();
    wanted
}

/// Reforms of every bureau, filtered; numbered within their bureau as the report does.
#[utoipa::path(tag = "reforms", params(ReformQuery), responses((status = 200, body = PageOut<ReformOut>), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/reforms")]
pub async fn list_reforms(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ReformQuery>,
) -> Result<web::Json<PageOut<ReformOut>>, ApiError> {
    Ok(web::Json(list(&state, &caller.0, &query, None).await?))
}

/// One bureau's reforms, in the report's order (the same filters as `/reforms`).
#[utoipa::path(tag = "reforms", params(("id" = i64, Path), ReformQuery), responses((status = 200, body = PageOut<ReformOut>), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/bureaus/{id}/reforms")]
pub async fn list_bureau_reforms(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<ReformQuery>,
) -> Result<web::Json<PageOut<ReformOut>>, ApiError> {
    if persistence::organization::find_bureau(&state.db.conn, *id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(web::Json(list(&state, &caller.0, &query, Some(*id)).await?))
}

async fn find(state: &AppState, id: ReformId) -> Result<Reform, ApiError> {
    reforms::find_reform(&state.db.conn, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}

/// One reform with its links.
#[utoipa::path(tag = "reforms", params(("id" = i64, Path)), responses((status = 200, body = ReformOut), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/reforms/{id}")]
pub async fn get_reform(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<ReformId>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let reform = find(&state, *id).await?;
    // The links come from the reform as read: its source proposal is the implied link, and it is
    // its own end of each link, so neither is read again.
    let of = EntityRef {
        kind: EntityKind::Reform,
        id: reform.id.get(),
    };
    let mut stored: Vec<_> = reform
        .fields
        .source_proposal_id
        .map(|source| links::implied_link(source.get(), reform.id.get()))
        .into_iter()
        .collect();
    stored.extend(links::stored_links_of(&state.db.conn, of).await?);
    let own = Summary {
        title: reform.fields.title.clone(),
        bureau_id: Some(reform.fields.bureau_id),
        section_ids: reform.fields.section_ids.clone(),
        created_by_user_id: reform.created_by_user_id,
    };
    let set = LinkSet::load(&state, of, stored, Some(own)).await?;
    let mut wanted = names_wanted([&reform]);
    set.names_wanted(&mut wanted);
    let dir = Directory::load_for(&state, &wanted).await?;
    let mut out = reform_out(&dir, &caller.0, &reform);
    out.links = Some(set.outs(&dir, &caller.0));
    Ok(reform_response(StatusCode::OK, out))
}

fn forbidden_outside_scope() -> ApiError {
    ApiError::new(ErrorCode::Forbidden)
        .with_detail("editors write the reforms of their own bureau or sections")
}

/// Enter a reform. Editors only for their bureau or sections.
#[utoipa::path(tag = "reforms", request_body = ReformIn, responses((status = 201, body = ReformOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/reforms")]
pub async fn create_reform(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<ReformIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let dir = Directory::load(&state).await?;
    let fields = reform_fields(&dir, body.0)?;
    if !may_edit_reform(&dir, &caller, &fields) {
        return Err(forbidden_outside_scope());
    }
    let created_by = (caller.kind == PrincipalKind::User).then_some(caller.id);
    let reform = reforms::create_reform(&state.db.conn, fields, created_by, &actor(&caller))
        .await
        .map_err(duplicate_number)?;
    Ok(reform_response(
        StatusCode::CREATED,
        reform_out(&dir, &caller, &reform),
    ))
}

/// Replace a reform. Needs `If-Match`; the caller must be able to edit it before and after.
#[utoipa::path(tag = "reforms", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ReformIn, responses((status = 200, body = ReformOut), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[put("/reforms/{id}")]
pub async fn replace_reform(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<ReformId>,
    if_match: IfMatch,
    body: ValidJson<ReformIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let found = reforms::find_reform(&state.db.conn, *id);
    let (version, current, dir) = guard(&state, &caller, &if_match, found).await?;
    let fields = reform_fields(&dir, body.0)?;
    if !may_edit_reform(&dir, &caller, &current.fields) || !may_edit_reform(&dir, &caller, &fields)
    {
        return Err(forbidden_outside_scope());
    }
    let reform = reforms::replace_reform(&state.db.conn, *id, version, fields, &actor(&caller))
        .await
        .map_err(duplicate_number)?;
    Ok(reform_response(
        StatusCode::OK,
        reform_out(&dir, &caller, &reform),
    ))
}

/// Delete a reform and its links. Needs `If-Match`.
#[utoipa::path(tag = "reforms", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 403, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/reforms/{id}")]
pub async fn delete_reform(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<ReformId>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let found = reforms::find_reform(&state.db.conn, *id);
    let (version, current, dir) = guard(&state, &caller, &if_match, found).await?;
    if !may_edit_reform(&dir, &caller, &current.fields) {
        return Err(forbidden_outside_scope());
    }
    reforms::delete_reform(&state.db.conn, *id, version, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}
