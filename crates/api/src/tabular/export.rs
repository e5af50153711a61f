//! `GET /<list>/export`: every list as a file, with the list's own filters. CSV and NDJSON are
//! streamed batch by batch (keyset on id), so a download of any length holds one batch in
//! memory; XLSX is assembled whole, as the format requires, up to Excel's row limit.

use crate::admin::{AuditQuery, audit_filter};
use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::department::Directory;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::extract::validate;
use crate::ledger::{DigitalSystemQuery, system_filter};
use crate::policies::issue::{PolicyIssueQuery, issue_filter};
use crate::policies::kpi::kpi_out;
use crate::policies::policy::{PolicyQuery, policy_filter};
use crate::proposals::records::{ProposalQuery, narrow_proposals, proposal_filter};
use crate::reforms::{ReformQuery, reform_filter};
use crate::state::AppState;
use crate::tabular::cells::Cell;
use crate::tabular::columns::{
    AUDIT_COLUMNS, Head, ISSUE_COLUMNS, KPI_COLUMNS, KpiLine, POLICY_COLUMNS, PROPOSAL_COLUMNS,
    REFORM_COLUMNS, SYSTEM_COLUMNS, cells, heads,
};
use crate::tabular::formats::{self, CsvChunks};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use domain::{Action, authorize};
use persistence::audit::AuditFilter;
use persistence::ledger::SystemFilter;
use persistence::policies::{IssueFilter, PolicyFilter};
use persistence::proposals::ProposalFilter;
use persistence::reforms::ReformFilter;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// Rows fetched per round trip to the database.
const BATCH: u64 = 500;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// UTF-8 with BOM for Excel, RFC 4180, formula-like text guarded with `'`.
    #[default]
    Csv,
    /// One worksheet with a header row, auto filter, dates in the Japanese era.
    Xlsx,
    /// One JSON object per line, keyed by the English column names.
    Ndjson,
}

/// The file format; the other parameters are the list's own filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormatParam {
    /// csv (default), xlsx or ndjson.
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Ndjson => "ndjson",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Ndjson => "application/x-ndjson",
        }
    }
}

/// List parameters an export does not take: it holds every row the filters select. The OpenAPI
/// document leaves them out of the export operations for the same reason.
pub const NOT_FOR_EXPORTS: [&str; 2] = ["page", "per_page"];

/// Splits `format` off the query string and reads the rest as the list's own query, so an
/// export takes exactly the filters its list does.
fn export_query<T: DeserializeOwned + Validate>(
    req: &HttpRequest,
) -> Result<(T, ExportFormat), ApiError> {
    let invalid = |message: String| {
        ApiError::validation(vec![FieldError {
            pointer: String::new(),
            location: FieldLocation::Query,
            code: "invalid_value".into(),
            message,
        }])
    };
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).map_err(|e| invalid(e.to_string()))?;
    let mut format = ExportFormat::default();
    let mut rest = Vec::new();
    for (key, value) in pairs {
        if NOT_FOR_EXPORTS.contains(&key.as_str()) {
            return Err(ApiError::validation(vec![FieldError {
                pointer: format!("/{key}"),
                location: FieldLocation::Query,
                code: "unknown_parameter".into(),
                message:
                    "an export holds every row the filters select; page and per_page do not apply"
                        .into(),
            }]));
        }
        if key == "format" {
            format = match value.as_str() {
                "csv" => ExportFormat::Csv,
                "xlsx" => ExportFormat::Xlsx,
                "ndjson" => ExportFormat::Ndjson,
                _ => {
                    return Err(ApiError::validation(vec![FieldError {
                        pointer: "/format".into(),
                        location: FieldLocation::Query,
                        code: "invalid_value".into(),
                        message: "format is csv, xlsx or ndjson".into(),
                    }]));
                }
            };
        } else {
            rest.push((key, value));
        }
    }
    let encoded = serde_urlencoded::to_string(&rest).map_err(|e| invalid(e.to_string()))?;
    let query: T = serde_urlencoded::from_str(&encoded).map_err(|e| invalid(e.to_string()))?;
    validate(&query, FieldLocation::Query)?;
    Ok((query, format))
}

/// Which list is exported, with its filter.
#[derive(Debug, Clone)]
pub(crate) enum Listing {
    Proposals(ProposalFilter),
    Reforms(ReformFilter),
    Policies(PolicyFilter),
    PolicyIssues(IssueFilter),
    Kpis(IssueFilter),
    DigitalSystems(SystemFilter),
    AuditEvents(AuditFilter),
}

impl Listing {
    pub(crate) fn heads(&self) -> Vec<Head> {
        match self {
            Listing::Proposals(_) => heads(PROPOSAL_COLUMNS),
            Listing::Reforms(_) => heads(REFORM_COLUMNS),
            Listing::Policies(_) => heads(POLICY_COLUMNS),
            Listing::PolicyIssues(_) => heads(ISSUE_COLUMNS),
            Listing::Kpis(_) => heads(KPI_COLUMNS),
            Listing::DigitalSystems(_) => heads(SYSTEM_COLUMNS),
            Listing::AuditEvents(_) => heads(AUDIT_COLUMNS),
        }
    }

    /// (file name stem in ASCII, in Japanese)
    fn names(&self) -> (&'static str, &'static str) {
        match self {
            Listing::Proposals(_) => ("proposals", "課題提案"),
            Listing::Reforms(_) => ("reforms", "自主改革"),
            Listing::Policies(_) => ("policies", "局区X方針"),
            Listing::PolicyIssues(_) => ("policy-issues", "X方針の課題"),
            Listing::Kpis(_) => ("kpis", "KPI"),
            Listing::DigitalSystems(_) => ("digital-systems", "システム台帳"),
            Listing::AuditEvents(_) => ("audit-events", "監査ログ"),
        }
    }

    /// The next rows after `cursor` (an id, or for policies a page), and the cursor to go on
    /// from; `None` when the list is exhausted.
    pub(crate) async fn batch(
        &self,
        state: &AppState,
        dir: &Directory,
        cursor: i64,
    ) -> Result<(Vec<Vec<Cell>>, Option<i64>), ApiError> {
        let conn = &state.db.conn;
        let next = |ids: Vec<i64>| {
            if ids.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                None
            } else {
                ids.last().copied()
            }
        };
        Ok(match self {
            Listing::Proposals(filter) => {
                let items =
                    persistence::proposals::proposals_after(conn, filter, cursor, BATCH).await?;
                let rows = items
                    .iter()
                    .map(|p| cells(PROPOSAL_COLUMNS, dir, p))
                    .collect();
                (rows, next(items.iter().map(|p| p.id.get()).collect()))
            }
            Listing::Reforms(filter) => {
                let items =
                    persistence::reforms::reforms_after(conn, filter, cursor, BATCH).await?;
                let rows = items
                    .iter()
                    .map(|r| cells(REFORM_COLUMNS, dir, r))
                    .collect();
                (rows, next(items.iter().map(|r| r.id.get()).collect()))
            }
            Listing::DigitalSystems(filter) => {
                let items = persistence::ledger::systems_after(conn, filter, cursor, BATCH).await?;
                let rows = items
                    .iter()
                    .map(|s| cells(SYSTEM_COLUMNS, dir, s))
                    .collect();
                (rows, next(items.iter().map(|s| s.id).collect()))
            }
            Listing::PolicyIssues(filter) => {
                let items =
                    persistence::policies::issues_after(conn, filter, cursor, BATCH).await?;
                let rows = items.iter().map(|i| cells(ISSUE_COLUMNS, dir, i)).collect();
                (rows, next(items.iter().map(|i| i.id).collect()))
            }
            Listing::Kpis(filter) => {
                let issues =
                    persistence::policies::issues_after(conn, filter, cursor, BATCH).await?;
                let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
                let mut parts = persistence::policies::parts_of(conn, &ids).await?;
                let mut rows = Vec::new();
                for issue in &issues {
                    for kpi in parts.remove(&issue.id).map(|p| p.kpis).unwrap_or_default() {
                        // The export's columns carry no health: the default rules do not show.
                        let rules = domain::health::HealthRules::default();
                        let out = kpi_out(&kpi, issue.bureau_id, false, &rules);
                        let line = KpiLine::new(issue, out);
                        rows.push(cells(KPI_COLUMNS, dir, &line));
                    }
                }
                (rows, next(ids))
            }
            Listing::Policies(filter) => {
                let page = u64::try_from(cursor).unwrap_or(0) + 1;
                let found = persistence::policies::list_policies(
                    conn,
                    filter,
                    persistence::PageRequest {
                        page,
                        per_page: BATCH,
                    },
                )
                .await?;
                let rows: Vec<Vec<Cell>> = found
                    .items
                    .iter()
                    .map(|p| cells(POLICY_COLUMNS, dir, p))
                    .collect();
                let more = page.saturating_mul(BATCH) < found.total;
                (rows, more.then(|| i64::try_from(page).unwrap_or(i64::MAX)))
            }
            Listing::AuditEvents(filter) => {
                let items = persistence::audit::events_after(conn, filter, cursor, BATCH).await?;
                let rows = items.iter().map(|e| cells(AUDIT_COLUMNS, dir, e)).collect();
                (rows, next(items.iter().map(|e| e.id).collect()))
            }
        })
    }
}

/// `attachment` with an ASCII fallback and the Japanese name (RFC 6266 / RFC 8187). The names
/// come from this module only; nothing a caller sends reaches the header.
fn disposition(listing: &Listing, format: ExportFormat) -> String {
    let (ascii, japanese) = listing.names();
    let date = today_in_tokyo().format("%Y%m%d");
    let extension = format.extension();
    let encoded: String = format!("{japanese}_{date}.{extension}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}_{date}.{extension}\"; filename*=UTF-8''{encoded}")
}

/// A batch of rows and the cursor to go on from (`None`: the list is exhausted).
type Batch = (Vec<Vec<Cell>>, Option<i64>);

struct Streaming {
    state: web::Data<AppState>,
    dir: Arc<Directory>,
    listing: Listing,
    heads: Vec<Head>,
    format: ExportFormat,
    /// Where the next batch starts, while it has not been fetched yet.
    cursor: Option<i64>,
    /// The next batch, fetched while the previous one was written out.
    ahead: Option<Result<Batch, ApiError>>,
    header_sent: bool,
}

impl Streaming {
    fn write(&self, rows: &[Vec<Cell>]) -> Bytes {
        Bytes::from(match self.format {
            ExportFormat::Ndjson => formats::ndjson_rows(&self.heads, rows),
            _ => CsvChunks::rows(rows),
        })
    }
}

async fn next_chunk(mut s: Streaming) -> Option<(Result<Bytes, actix_web::Error>, Streaming)> {
    if !s.header_sent {
        s.header_sent = true;
        if s.format == ExportFormat::Csv {
            let header = CsvChunks::header(&s.heads);
            return Some((Ok(Bytes::from(header)), s));
        }
    }
    let fetched = match s.ahead.take() {
        Some(fetched) => fetched,
        None => {
            let cursor = s.cursor.take()?;
            s.listing.batch(&s.state, &s.dir, cursor).await
        }
    };
    match fetched {
        Ok((rows, next)) => {
            // The database works on the next batch (on SQLite's worker thread, or in the
            // PostgreSQL server) while this one is written out: the query goes out when the join
            // first polls it, before the writing takes the thread.
            let ahead = async {
                match next {
                    Some(cursor) => Some(s.listing.batch(&s.state, &s.dir, cursor).await),
                    None => None,
                }
            };
            let written = async { s.write(&rows) };
            let (ahead, bytes) = futures_util::future::join(ahead, written).await;
            s.ahead = ahead;
            Some((Ok(bytes), s))
        }
        Err(err) => {
            // The status line has gone out; ending the body short is all that is left, and the
            // missing trailing newline tells a reader the file is incomplete.
            tracing::error!(error = %err, "export stopped part way");
            s.cursor = None;
            Some((
                Err(actix_web::error::ErrorInternalServerError("export failed")),
                s,
            ))
        }
    }
}

async fn respond(
    state: web::Data<AppState>,
    listing: Listing,
    format: ExportFormat,
) -> Result<HttpResponse, ApiError> {
    let dir = Directory::load(&state).await?;
    let disposition = disposition(&listing, format);
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if format == ExportFormat::Xlsx {
        let mut rows = Vec::new();
        let mut cursor = Some(0);
        while let Some(at) = cursor {
            let (batch, next) = listing.batch(&state, &dir, at).await?;
            rows.extend(batch);
            if rows.len() > formats::XLSX_MAX_ROWS {
                return Err(ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
                    "more rows than an Excel worksheet holds; export CSV or NDJSON instead",
                ));
            }
            cursor = next;
        }
        let (_, japanese) = listing.names();
        let heads = listing.heads();
        // Seconds of CPU for a large list: off the HTTP worker, which has other requests to answer.
        let bytes = crate::offload::run(move || formats::xlsx_workbook(japanese, &heads, &rows))
            .await?
            .map_err(|e| {
                tracing::error!(error = %e, "workbook could not be written");
                ApiError::new(ErrorCode::InternalError)
            })?;
        return Ok(response.body(bytes));
    }
    let start = Streaming {
        state,
        dir: Arc::new(dir),
        heads: listing.heads(),
        listing,
        format,
        cursor: Some(0),
        ahead: None,
        header_sent: false,
    };
    Ok(response.streaming(futures_util::stream::unfold(start, next_chunk)))
}

/// An export endpoint: the list's own query (`export_query`) made into the listing `$listing`
/// by the caller's own filter function, then the file. The seven differ only in these.
macro_rules! export_endpoint {
    (
        $(#[doc = $doc:literal])*
        $name:ident, $path:tt, $query:ident, $action:expr,
        refused($($refused:tt)*), roles($($role:tt),*),
        |$state:ident, $caller:ident, $q:ident| $listing:expr
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(tag = "exports", params(ExportFormatParam, $query), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), $($refused)*), security(("bearer" = [$($role),*])))]
        #[get($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Authenticated,
            req: HttpRequest,
        ) -> Result<HttpResponse, ApiError> {
            authorize(&caller.0, $action)?;
            let ($q, format) = export_query::<$query>(&req)?;
            let ($state, $caller) = (&state, &caller.0);
            let listing = $listing;
            respond(state, listing, format).await
        }
    };
}

/// The lists' own exports: every role that reads the list, refused only for invalid filters.
macro_rules! list_exports {
    ($($name:ident($path:tt, $query:ident, $action:expr) = |$state:ident, $caller:ident, $q:ident| $listing:expr;)*) => {
        $(
            export_endpoint!(
                /// The list as a file: CSV for Excel (UTF-8 with BOM, formula-like text guarded), XLSX, or
                /// NDJSON streamed row by row with no page limit. Takes the list's own filters.
                $name, $path, $query, $action,
                refused((status = 422, body = crate::Problem, content_type = "application/problem+json")),
                roles("admin", "editor", "proposer", "viewer"),
                |$state, $caller, $q| $listing
            );
        )*
    };
}

list_exports! {
    export_proposals("/proposals/export", ProposalQuery, Action::ReadProposals) = |state, caller, query| {
        let mut filter = proposal_filter(&query, caller);
        narrow_proposals(state, &query, &mut filter).await?;
        Listing::Proposals(filter)
    };
    export_reforms("/reforms/export", ReformQuery, Action::ReadDepartmentWork) =
        |_state, _caller, query| Listing::Reforms(reform_filter(&query, None));
    export_policies("/policies/export", PolicyQuery, Action::ReadDepartmentWork) =
        |_state, _caller, query| Listing::Policies(policy_filter(&query));
    export_policy_issues("/policy-issues/export", PolicyIssueQuery, Action::ReadDepartmentWork) =
        |_state, _caller, query| Listing::PolicyIssues(issue_filter(&query));
    export_digital_systems("/digital-systems/export", DigitalSystemQuery, Action::ReadDepartmentWork) =
        |_state, _caller, query| Listing::DigitalSystems(system_filter(&query));
}

export_endpoint!(
    /// KPIs of the policy issues the filters select (the same filters as `/policy-issues`), each
    /// with its latest actual and the computed change.
    export_kpis, "/kpis/export", PolicyIssueQuery, Action::ReadDepartmentWork,
    refused((status = 422, body = crate::Problem, content_type = "application/problem+json")),
    roles("admin", "editor", "proposer", "viewer"),
    |_state, _caller, query| Listing::Kpis(issue_filter(&query))
);

export_endpoint!(
    /// The audit trail as a file, oldest first (admins only).
    export_audit_events, "/audit-events/export", AuditQuery, Action::ReadAuditEvents,
    refused((status = 403, body = crate::Problem, content_type = "application/problem+json")),
    roles("admin"),
    |_state, _caller, query| Listing::AuditEvents(audit_filter(&query))
);
