//! `/proposals` themselves: the list (filtered, searched, sorted, and "as of" a past day), one
//! proposal, submitting one and replacing its fields.

use super::{ImplementationStatusDto, Names, ProposalOut, proposal_response, visible_proposal};
use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::concurrency::IfMatch;
use crate::context::actor;
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::extract::{ValidJson, page_of_query};
use crate::state::AppState;
use crate::text_rules::{long_text, optional, period_text, short_text, text_rule, title_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use domain::ids::ProposalId;
use domain::proposal::ProposalFields;
use domain::proposal::{ImplementationStatus, Stage};
use domain::{Action, Principal, PrincipalKind, authorize, rights};
use persistence::proposals::{self, ProposalFilter, ProposalSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

fn number_text(value: &str) -> Result<(), ValidationError> {
    text_rule(value, 20, false)
}

/// An implementation status to filter by, or `none` for proposals without one.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatusFilterDto {
    UnderConsideration,
    Demonstration,
    Trial,
    Planned,
    Done,
    Ended,
    None,
}

impl ImplementationStatusFilterDto {
    /// `Some(None)` selects proposals without a status.
    fn selects(self) -> Option<ImplementationStatus> {
        match self {
            Self::UnderConsideration => Some(ImplementationStatus::UnderConsideration),
            Self::Demonstration => Some(ImplementationStatus::Demonstration),
            Self::Trial => Some(ImplementationStatus::Trial),
            Self::Planned => Some(ImplementationStatus::Planned),
            Self::Done => Some(ImplementationStatus::Done),
            Self::Ended => Some(ImplementationStatus::Ended),
            Self::None => None,
        }
    }
}

/// A proposal as submitted or edited. Optional texts may be omitted or null.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProposalIn {
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    #[schema(example = 2025)]
    pub fiscal_year: i32,
    /// The number the PT gave it, e.g. 3.
    #[validate(custom(function = "number_text"))]
    pub number: Option<String>,
    /// One of the project team's themes for the year, e.g. ユーザーの困りごと.
    #[validate(custom(function = "short_text"))]
    #[schema(example = "ユーザーの困りごと")]
    pub theme: String,
    /// e.g. 行政手続きの場面等, 公共の場等, 業務効率, 働き方・働きがい・働く環境
    #[validate(custom(function = "short_text"))]
    pub scene: Option<String>,
    /// e.g. 市民の目線, 子育て世代の目線, 民間事業者の目線, 社会状況
    #[validate(custom(function = "short_text"))]
    pub viewpoint: Option<String>,
    /// 課題名
    #[validate(custom(function = "title_text"))]
    #[schema(example = "市HPで知りたい情報にたどりつかない")]
    pub title: String,
    /// 困りごと
    #[validate(custom(function = "long_text"))]
    pub pain_point: Option<String>,
    #[validate(custom(function = "long_text"))]
    pub proposed_solution: Option<String>,
    pub implementation_status: Option<ImplementationStatusDto>,
    /// When it is (to be) done, as staff write it: `R8.3実施`, `R8～導入予定`, `R7年度中`.
    #[validate(custom(function = "period_text"))]
    #[schema(example = "R8～導入予定")]
    pub outcome_period: Option<String>,
    #[validate(custom(function = "long_text"))]
    pub outcome_text: Option<String>,
    /// The prior-year proposal this one continues (R6継続).
    pub continues_proposal_id: Option<i64>,
}

pub(crate) async fn proposal_fields<C: persistence::ConnectionTrait>(
    conn: &C,
    input: ProposalIn,
) -> Result<ProposalFields, ApiError> {
    let theme = input.theme.trim().to_owned();
    let team = proposals::find_project_team_by_year(conn, input.fiscal_year).await?;
    if let Some(team) = team.filter(|t| !t.themes.contains(&theme)) {
        return Err(ApiError::validation(vec![FieldError {
            pointer: "/theme".into(),
            location: FieldLocation::Body,
            code: "unknown_theme".into(),
            message: format!(
                "the themes of this year's project team are: {}",
                team.themes.join(", ")
            ),
        }]));
    }
    Ok(ProposalFields {
        fiscal_year: input.fiscal_year,
        number: optional(input.number),
        theme,
        scene: optional(input.scene),
        viewpoint: optional(input.viewpoint),
        title: input.title.trim().to_owned(),
        pain_point: optional(input.pain_point),
        proposed_solution: optional(input.proposed_solution),
        implementation_status: input.implementation_status.map(Into::into),
        outcome_period_text: optional(input.outcome_period),
        outcome_text: optional(input.outcome_text),
        continues_proposal_id: input.continues_proposal_id.map(ProposalId::new),
    })
}

fn missing_continued(err: persistence::StoreError) -> ApiError {
    match err {
        persistence::StoreError::MissingReference(_) => ApiError::validation(vec![FieldError {
            pointer: "/continues_proposal_id".into(),
            location: FieldLocation::Body,
            code: "missing_reference".into(),
            message: "no other proposal has this id".into(),
        }]),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    pub fiscal_year: Option<i32>,
    #[validate(length(max = 100, code = "length", message = "at most 100 characters"))]
    pub theme: Option<String>,
    #[validate(length(max = 100, code = "length", message = "at most 100 characters"))]
    pub scene: Option<String>,
    #[validate(length(max = 100, code = "length", message = "at most 100 characters"))]
    pub viewpoint: Option<String>,
    /// The stage, 1–4 (rule ※1), or 0 for proposals no section has yet; on `as_of` when given,
    /// else now.
    #[validate(range(min = 0, max = 4, code = "out_of_range", message = "must be 0 to 4"))]
    pub stage: Option<u8>,
    pub section_id: Option<i64>,
    /// Held by a section of this bureau (on `as_of` when given).
    pub bureau_id: Option<i64>,
    /// A status, or `none` for proposals without one.
    #[param(inline)]
    pub implementation_status: Option<ImplementationStatusFilterDto>,
    /// The list as it stood at the end of this day: proposals that existed then, at the stages
    /// the recorded events give for it (back-dated corrections included).
    pub as_of: Option<NaiveDate>,
    /// Only proposals some section still had at ① or ② with no stage change or consultation
    /// for more than this many days before `as_of` (today when absent).
    #[validate(range(
        min = 1,
        max = 3650,
        code = "out_of_range",
        message = "must be 1 to 3650"
    ))]
    pub stale_days: Option<i64>,
    /// Text to find in any field, any length, after NFKC normalisation (ｶｲｶｸ finds カイカク);
    /// `%`, `_` and `\` are literal.
    #[validate(length(max = 200, code = "length", message = "at most 200 characters"))]
    pub q: Option<String>,
    /// `mine`: an editor's sections' proposals, or a proposer's own.
    #[validate(custom(function = "scope_word"))]
    pub scope: Option<String>,
    /// One of id, number, title, stage, updated_at; prefix `-` for descending. Default: id.
    #[validate(custom(function = "sort_word"))]
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The values of `scope` on the proposal list, as documented and as checked.
pub(crate) const PROPOSAL_SCOPES: &[&str] = &["mine", "all"];

/// The keys the proposal list sorts by (each also with `-` for descending).
pub(crate) const PROPOSAL_SORT_KEYS: &[&str] = &["id", "number", "title", "stage", "updated_at"];

fn scope_word(value: &str) -> Result<(), ValidationError> {
    if PROPOSAL_SCOPES.contains(&value) {
        Ok(())
    } else {
        let mut e = ValidationError::new("unknown_value");
        e.message = Some("must be mine or all".into());
        Err(e)
    }
}

fn parse_sort(value: &str) -> Option<(ProposalSort, bool)> {
    let (descending, name) = value
        .strip_prefix('-')
        .map_or((false, value), |rest| (true, rest));
    let sort = match name {
        "id" => ProposalSort::Id,
        "number" => ProposalSort::Number,
        "title" => ProposalSort::Title,
        "stage" => ProposalSort::Stage,
        "updated_at" => ProposalSort::UpdatedAt,
        _ => return None,
    };
    Some((sort, descending))
}

fn sort_word(value: &str) -> Result<(), ValidationError> {
    parse_sort(value).map(|_| ()).ok_or_else(|| {
        let mut e = ValidationError::new("unknown_value");
        e.message = Some(
            "must be one of id, number, title, stage, updated_at, optionally prefixed with -"
                .into(),
        );
        e
    })
}

/// Proposals, filtered, searched, sorted and paginated (at most 200 per page).
#[utoipa::path(tag = "proposals", params(ProposalQuery), responses((status = 200, body = PageOut<ProposalOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/proposals")]
pub async fn list_proposals(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ProposalQuery>,
) -> Result<web::Json<PageOut<ProposalOut>>, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::ReadProposals)?;
    let paging = page_of_query(&*query, query.page, query.per_page)?;
    let (sort, descending) = query
        .sort
        .as_deref()
        .and_then(parse_sort)
        .unwrap_or((ProposalSort::Id, false));
    let mut filter = proposal_filter(&query, &caller);
    narrow_proposals(&state, &query, &mut filter).await?;
    let page = proposals::list_proposals(&state.db.conn, &filter, sort, descending, paging).await?;
    let names = Names::load_for(&state, &page.items).await?;
    Ok(web::Json(PageOut::from_page(page, |p| {
        names.proposal(p, &caller)
    })))
}

/// The list's filter from its query, narrowed to what the caller may see.
pub(crate) fn proposal_filter(query: &ProposalQuery, caller: &Principal) -> ProposalFilter {
    let text = crate::department::search_text(query.q.as_deref());
    let mut filter = ProposalFilter::visible_to(caller);
    filter.fiscal_year = query.fiscal_year;
    filter.theme = query.theme.clone();
    filter.scene = query.scene.clone();
    filter.viewpoint = query.viewpoint.clone();
    filter.stage = query.stage.and_then(Stage::from_number);
    filter.not_presented = query.stage == Some(0);
    filter.section_ids = query.section_id.into_iter().collect();
    filter.bureau_ids = query.bureau_id.into_iter().collect();
    filter.implementation_status = query.implementation_status.and_then(|s| s.selects());
    filter.no_implementation_status =
        query.implementation_status == Some(ImplementationStatusFilterDto::None);
    filter.text = text;
    if query.scope.as_deref() == Some("mine") {
        filter.only_own(caller);
    }
    filter
}

/// Narrows a proposal list to how it stood on `as_of` (and to stale proposals): the stage and
/// the bureau filter then mean that day's, read from the spans the writes keep beside the
/// dashboard tallies.
pub(crate) async fn narrow_proposals(
    _state: &AppState,
    query: &ProposalQuery,
    filter: &mut ProposalFilter,
) -> Result<(), ApiError> {
    if query.as_of.is_none() && query.stale_days.is_none() {
        return Ok(());
    }
    filter.as_of = Some(query.as_of.unwrap_or_else(today_in_tokyo));
    filter.stale_days = query.stale_days;
    // The bureau of the query is the day's; the bureaus of `scope=mine` stay today's.
    if let Some(bureau) = query.bureau_id
        && filter.bureau_ids == [bureau]
    {
        filter.bureau_ids.clear();
        filter.held_by_bureau = Some(bureau);
    }
    Ok(())
}

/// One proposal with its sections and their stages.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path)), responses((status = 200, body = ProposalOut), (status = 404, description = "No such proposal, or a proposer's view of someone else's", body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/proposals/{id}")]
pub async fn get_proposal(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<ProposalId>,
) -> Result<HttpResponse, ApiError> {
    let proposal = visible_proposal(&state, &caller.0, *id).await?;
    let names = Names::load_for(&state, [&proposal]).await?;
    Ok(proposal_response(
        StatusCode::OK,
        names.proposal(&proposal, &caller.0),
    ))
}

/// Submit a proposal.
#[utoipa::path(tag = "proposals", request_body = ProposalIn, responses((status = 201, body = ProposalOut)), security(("bearer" = ["admin", "editor", "proposer"])))]
#[post("/proposals")]
pub async fn create_proposal(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<ProposalIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::CreateProposal)?;
    let fields = proposal_fields(&state.db.conn, body.0).await?;
    let author = (caller.kind == PrincipalKind::User).then_some(caller.id);
    let proposal = proposals::create_proposal(&state.db.conn, fields, author, &actor(&caller))
        .await
        .map_err(missing_continued)?;
    let names = Names::load(&state).await?;
    Ok(proposal_response(
        StatusCode::CREATED,
        names.proposal(&proposal, &caller),
    ))
}

/// Replace a proposal's fields (title, texts, outcome and timing). Admins, its author, and
/// editors of a responsible section may. Needs `If-Match`.
#[utoipa::path(tag = "proposals", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ProposalIn, responses((status = 200, body = ProposalOut), (status = 404, body = crate::Problem, content_type = "application/problem+json"), (status = 412, body = crate::Problem, content_type = "application/problem+json"), (status = 428, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer"])))]
#[put("/proposals/{id}")]
pub async fn replace_proposal(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<ProposalId>,
    if_match: IfMatch,
    body: ValidJson<ProposalIn>,
) -> Result<HttpResponse, ApiError> {
    // Only now, with the path and any body accepted: a broken body is reported before If-Match.
    let version = if_match.version()?;
    let caller = caller.0;
    let proposal = visible_proposal(&state, &caller, *id).await?;
    let names = Names::load(&state).await?;
    if !rights(&caller, &names.owner(&proposal)).edit {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let fields = proposal_fields(&state.db.conn, body.0).await?;
    let updated = proposals::update_proposal(&state.db.conn, *id, version, fields, &actor(&caller))
        .await
        .map_err(missing_continued)?;
    Ok(proposal_response(
        StatusCode::OK,
        names.proposal(&updated, &caller),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_accepts_allow_listed_fields_only() {
        assert_eq!(
            parse_sort("-updated_at"),
            Some((ProposalSort::UpdatedAt, true))
        );
        assert_eq!(parse_sort("title"), Some((ProposalSort::Title, false)));
        assert_eq!(parse_sort("password_hash"), None);
    }
}
