//! The cross-entity search: which proposals, reforms, policy issues, digital systems and KPIs
//! hold every term of a query, narrowed by the trigram index of each table (FTS5 on SQLite,
//! pg_trgm on PostgreSQL) and confirmed by a literal `LIKE`, so both databases find exactly the
//! same rows.

use crate::StoreError;
use crate::proposals::like_literal;
use domain::link::EntityKind;
use domain::search::Term;
use domain::{Principal, ProposalReach};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement, Value};

/// The most matches per kind that are ranked; past it, the newest are.
pub const RANKED_PER_KIND: u64 = 2_000;

pub const SEARCHABLE_KINDS: [EntityKind; 5] = [
    EntityKind::Proposal,
    EntityKind::Reform,
    EntityKind::PolicyIssue,
    EntityKind::DigitalSystem,
    EntityKind::Kpi,
];

/// What a caller may find: built only from the caller, so a proposer finds only the proposals
/// they wrote.
#[derive(Debug, Clone, Copy)]
pub struct SearchReach {
    proposals: ProposalReach,
}

impl SearchReach {
    pub fn visible_to(principal: &Principal) -> SearchReach {
        SearchReach {
            proposals: principal.proposal_reach(),
        }
    }
}

/// A matching record with what ranking and showing it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub kind: EntityKind,
    pub id: i64,
    pub title: String,
    /// The record's other texts as written, joined for the snippet.
    pub body: String,
    pub search_text: String,
    pub fiscal_year: Option<i32>,
    pub bureau_id: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    title: String,
    body_1: Option<String>,
    body_2: Option<String>,
    body_3: Option<String>,
    body_4: Option<String>,
    search_text: String,
    fiscal_year: Option<i32>,
    bureau_id: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct Count {
    matches: i64,
}

/// The SELECT list and FROM clause of one kind; `x` is the searched table.
fn source(kind: EntityKind) -> (&'static str, &'static str) {
    match kind {
        EntityKind::Proposal => (
            "proposals",
            "SELECT x.id, x.title, x.pain_point AS body_1, x.proposed_solution AS body_2, \
             x.outcome_text AS body_3, x.theme AS body_4, x.search_text, x.fiscal_year, \
             (SELECT s.bureau_id FROM proposal_assignments a JOIN sections s ON s.id = a.section_id \
              WHERE a.proposal_id = x.id ORDER BY a.id LIMIT 1) AS bureau_id \
             FROM proposals x",
        ),
        EntityKind::Reform => (
            "reforms",
            "SELECT x.id, x.title, x.problem AS body_1, x.action AS body_2, x.effect AS body_3, \
             x.period_text AS body_4, x.search_text, x.fiscal_year, x.bureau_id \
             FROM reforms x",
        ),
        EntityKind::PolicyIssue => (
            "policy_issues",
            "SELECT x.id, x.title, x.content AS body_1, x.background AS body_2, \
             x.target_outcome AS body_3, x.actions AS body_4, x.search_text, p.fiscal_year, p.bureau_id \
             FROM policy_issues x JOIN policies p ON p.id = x.policy_id",
        ),
        EntityKind::DigitalSystem => (
            "digital_systems",
            "SELECT x.id, x.name AS title, x.workflow_before AS body_1, x.workflow_after AS body_2, \
             x.hours_basis AS body_3, x.note AS body_4, x.search_text, \
             CAST(NULL AS INTEGER) AS fiscal_year, s.bureau_id \
             FROM digital_systems x JOIN sections s ON s.id = x.section_id",
        ),
        EntityKind::Kpi => (
            "kpis",
            "SELECT x.id, x.name AS title, x.unit AS body_1, x.note AS body_2, \
             i.title AS body_3, CAST(NULL AS TEXT) AS body_4, x.search_text, p.fiscal_year, p.bureau_id \
             FROM kpis x JOIN policy_issues i ON i.id = x.issue_id JOIN policies p ON p.id = i.policy_id",
        ),
    }
}

/// Placeholders in the dialect of the backend.
struct Params {
    backend: DatabaseBackend,
    values: Vec<Value>,
}

impl Params {
    fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
}

/// An FTS5 phrase per spelling, so that the trigram index matches it as a literal substring.
fn fts_phrase(spellings: &[String]) -> String {
    spellings
        .iter()
        .map(|s| format!("\"{}\"", s.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn where_clause(
    kind: EntityKind,
    table: &str,
    terms: &[Term],
    reach: SearchReach,
    params: &mut Params,
) -> String {
    let mut conditions = Vec::new();
    for term in terms {
        let likes: Vec<String> = term
            .spellings
            .iter()
            .map(|s| {
                format!(
                    "x.search_text LIKE {} ESCAPE '\\'",
                    params.push(like_literal(s))
                )
            })
            .collect();
        conditions.push(format!("({})", likes.join(" OR ")));
        if params.backend == DatabaseBackend::Sqlite && term.indexable() {
            conditions.push(format!(
                "x.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH {})",
                params.push(fts_phrase(&term.spellings))
            ));
        }
    }
    if kind == EntityKind::Proposal {
        match reach.proposals {
            ProposalReach::All => {}
            ProposalReach::AuthoredBy(user) => {
                conditions.push(format!("x.created_by_user_id = {}", params.push(user)));
            }
            ProposalReach::Nothing => conditions.push("1 = 0".to_owned()),
        }
    }
    if conditions.is_empty() {
        "1 = 0".to_owned()
    } else {
        conditions.join(" AND ")
    }
}

/// How many records of the kind match, and the newest `RANKED_PER_KIND` of them.
pub async fn matching<C: ConnectionTrait>(
    conn: &C,
    kind: EntityKind,
    terms: &[Term],
    reach: SearchReach,
) -> Result<(u64, Vec<Candidate>), StoreError> {
    let backend = conn.get_database_backend();
    let (table, select) = source(kind);

    let mut params = Params {
        backend,
        values: Vec::new(),
    };
    let condition = where_clause(kind, table, terms, reach, &mut params);
    let count_sql = format!("SELECT COUNT(*) AS matches FROM {table} x WHERE {condition}");
    let matches = Count::find_by_statement(Statement::from_sql_and_values(
        backend,
        count_sql,
        params.values,
    ))
    .one(conn)
    .await?
    .map_or(0, |c| c.matches);

    let mut params = Params {
        backend,
        values: Vec::new(),
    };
    let condition = where_clause(kind, table, terms, reach, &mut params);
    let limit = params.push(i64::try_from(RANKED_PER_KIND).unwrap_or(i64::MAX));
    let rows_sql = format!("{select} WHERE {condition} ORDER BY x.id DESC LIMIT {limit}");
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        rows_sql,
        params.values,
    ))
    .all(conn)
    .await?;
    let candidates = rows
        .into_iter()
        .map(|row| Candidate {
            kind,
            id: row.id,
            title: row.title,
            body: [row.body_1, row.body_2, row.body_3, row.body_4]
                .into_iter()
                .flatten()
                .filter(|t| !t.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" / "),
            search_text: row.search_text,
            fiscal_year: row.fiscal_year,
            bureau_id: row.bureau_id,
        })
        .collect();
    Ok((u64::try_from(matches).unwrap_or(0), candidates))
}
