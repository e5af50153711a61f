//! `GET /search`: one query over proposals, reforms, policy issues, digital systems and KPIs,
//! ranked, each hit with its highlighted title and snippet, its bureau and the page to open.

use crate::auth::Authenticated;
use crate::department::Directory;
use crate::error::{ApiError, FieldError, FieldLocation};
use crate::extract::validate;
use crate::links::EntityKindDto;
use crate::state::AppState;
use actix_web::{get, web};
use domain::link::EntityKind;
use domain::search::{self as rules, Fragment, MAX_QUERY_CHARS};
use domain::wareki::FiscalYear;
use domain::{Action, authorize};
use persistence::search::{Candidate, SEARCHABLE_KINDS, SearchReach};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Words to find, all of them, in any field: substrings of any length after NFKC, regardless
    /// of case (ｶｲｶｸ finds カイカク, ＡＩ finds AI); `%`, `_` and `\` are literal.
    #[validate(length(min = 1, max = 200, code = "length", message = "1 to 200 characters"))]
    #[param(example = "kintone")]
    pub q: String,
    /// Only this kind of record.
    pub kind: Option<EntityKindDto>,
    /// From 1.
    #[validate(range(
        min = 1,
        max = 1000,
        code = "out_of_range",
        message = "page must be between 1 and 1000"
    ))]
    pub page: Option<u64>,
    /// Hits per page, at most 100 (default 20).
    #[validate(range(
        min = 1,
        max = 100,
        code = "out_of_range",
        message = "per_page must be between 1 and 100"
    ))]
    pub per_page: Option<u64>,
}

/// A piece of shown text; `highlighted` where it matched the query.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextFragment {
    pub text: String,
    pub highlighted: bool,
}

impl From<Fragment> for TextFragment {
    fn from(f: Fragment) -> Self {
        TextFragment {
            text: f.text,
            highlighted: f.highlighted,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitOut {
    pub kind: EntityKindDto,
    pub id: i64,
    pub title: Vec<TextFragment>,
    /// About 80 characters of the record's text around the first match.
    pub snippet: Vec<TextFragment>,
    pub bureau_id: Option<i64>,
    pub bureau_name: Option<String>,
    pub fiscal_year: Option<i32>,
    /// e.g. 令和7年度
    pub fiscal_year_label: Option<String>,
    /// The screen that shows the record, e.g. `/reforms/12`.
    pub path: String,
    /// Higher is better: title matches weigh ten body matches.
    pub score: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchKindCount {
    pub kind: EntityKindDto,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchOut {
    /// The query as sent.
    pub query: String,
    /// The terms matched, in search form, with the other spellings of each (kintone: キントーン).
    pub terms: Vec<String>,
    /// Hits of the kind asked for (all kinds without `kind`).
    pub total: u64,
    /// Every kind with its hits for this query, whatever `kind` says.
    pub counts: Vec<SearchKindCount>,
    pub page: u64,
    pub per_page: u64,
    pub hits: Vec<SearchHitOut>,
}

fn path_of(kind: EntityKind, id: i64) -> String {
    match kind {
        EntityKind::Proposal => format!("/proposals/{id}"),
        EntityKind::Reform => format!("/reforms/{id}"),
        EntityKind::PolicyIssue => format!("/policy-issues/{id}"),
        EntityKind::DigitalSystem => format!("/digital-systems/{id}"),
        EntityKind::Kpi => format!("/kpis/{id}"),
    }
}

fn kind_order(kind: EntityKind) -> usize {
    SEARCHABLE_KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

/// Proposals, reforms, X policy issues, digital systems and KPIs that hold every word of `q`,
/// best first. A proposer finds only their own proposals.
#[utoipa::path(
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, body = SearchOut),
        (status = 422, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/search")]
pub async fn search_everything(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchOut>, ApiError> {
    let caller = &caller.0;
    authorize(caller, Action::ReadDepartmentWork)?;
    validate(&*query, FieldLocation::Query)?;
    let terms = rules::terms(&query.q);
    if terms.is_empty() || query.q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::validation(vec![FieldError {
            pointer: "/q".into(),
            location: FieldLocation::Query,
            code: "blank".into(),
            message: "enter a word to search for".into(),
        }]));
    }
    let reach = SearchReach::visible_to(caller);
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(20);
    let wanted: Option<EntityKind> = query.kind.map(Into::into);

    let mut counts = Vec::new();
    let mut ranked: Vec<(u32, Candidate)> = Vec::new();
    for kind in SEARCHABLE_KINDS {
        let (count, candidates) =
            persistence::search::matching(&state.db.conn, kind, &terms, reach).await?;
        counts.push(SearchKindCount {
            kind: kind.into(),
            count,
        });
        if wanted.is_none_or(|w| w == kind) {
            ranked.extend(
                candidates
                    .into_iter()
                    .map(|c| (rules::score(&c.title, &c.search_text, &terms), c)),
            );
        }
    }
    let total = counts
        .iter()
        .filter(|c| wanted.is_none_or(|w| EntityKind::from(c.kind) == w))
        .map(|c| c.count)
        .sum();
    ranked.sort_by(|(score_a, a), (score_b, b)| {
        score_b
            .cmp(score_a)
            .then(kind_order(a.kind).cmp(&kind_order(b.kind)))
            .then(b.id.cmp(&a.id))
    });
    let dir = Directory::load(&state).await?;
    let skip = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(100);
    let hits = ranked
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(score, c)| SearchHitOut {
            kind: c.kind.into(),
            id: c.id,
            title: rules::highlight(&c.title, &terms)
                .into_iter()
                .map(Into::into)
                .collect(),
            snippet: rules::snippet(&c.body, &terms, 80)
                .into_iter()
                .map(Into::into)
                .collect(),
            bureau_id: c.bureau_id,
            bureau_name: c.bureau_id.map(|b| dir.bureau_name(b)),
            fiscal_year: c.fiscal_year,
            fiscal_year_label: c.fiscal_year.map(|y| FiscalYear(y).to_string()),
            path: path_of(c.kind, c.id),
            score,
        })
        .collect();
    Ok(web::Json(SearchOut {
        query: query.q.clone(),
        terms: terms.into_iter().flat_map(|t| t.spellings).collect(),
        total,
        counts,
        page,
        per_page,
        hits,
    }))
}
