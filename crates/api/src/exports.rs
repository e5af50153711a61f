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
use crate::tabular::{self, Cell, CellKind, Column, CsvChunks};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use domain::{Action, authorize};
use persistence::audit::AuditFilter;
use persistence::ledger::{DigitalSystem, SystemFilter};
use persistence::policies::{Issue, IssueFilter, Policy, PolicyFilter};
use persistence::proposals::{Proposal, ProposalFilter};
use persistence::reforms::{Reform, ReformFilter};
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

pub(crate) const PROPOSAL_COLUMNS: &[Column] = &[
    Column::new("id", "ID", CellKind::Integer),
    Column::new("fiscal_year", "年度", CellKind::Integer),
    Column::new("number", "番号", CellKind::Text),
    Column::new("theme", "テーマ", CellKind::Text),
    Column::new("scene", "場面", CellKind::Text),
    Column::new("viewpoint", "視点", CellKind::Text),
    Column::new("title", "提案名", CellKind::Text),
    Column::new("pain_point", "困りごと", CellKind::Text),
    Column::new("proposed_solution", "解決策", CellKind::Text),
    Column::new("implementation_status", "実施状況", CellKind::Text),
    Column::new("outcome_period", "実施時期", CellKind::Text),
    Column::new("outcome_text", "結果", CellKind::Text),
    Column::new("continues_proposal_id", "継続元ID", CellKind::Integer),
    Column::new("stage", "段階", CellKind::Text),
    Column::new("sections", "担当課", CellKind::Text),
    Column::new("version", "版", CellKind::Integer),
    Column::new("updated_at", "更新日時", CellKind::DateTime),
];

pub(crate) const REFORM_COLUMNS: &[Column] = &[
    Column::new("id", "ID", CellKind::Integer),
    Column::new("fiscal_year", "年度", CellKind::Integer),
    Column::new("report_number", "No.", CellKind::Integer),
    Column::new("bureau", "局・区", CellKind::Text),
    Column::new("sections", "所管課", CellKind::Text),
    Column::new("classification", "分類", CellKind::Text),
    Column::new("title", "取組名", CellKind::Text),
    Column::new("problem", "課題", CellKind::Text),
    Column::new("action", "取組", CellKind::Text),
    Column::new("effect", "効果", CellKind::Text),
    Column::new("period", "実施時期", CellKind::Text),
    Column::new("period_start", "開始日", CellKind::Date),
    Column::new("period_end", "終了日", CellKind::Date),
    Column::new("status", "状況", CellKind::Text),
    Column::new("featured", "注目", CellKind::Bool),
    Column::new("tags", "タグ", CellKind::Text),
    Column::new("effects", "数値効果", CellKind::Json),
    Column::new("source_proposal_id", "元の提案ID", CellKind::Integer),
    Column::new("version", "版", CellKind::Integer),
    Column::new("updated_at", "更新日時", CellKind::DateTime),
];

pub(crate) const SYSTEM_COLUMNS: &[Column] = &[
    Column::new("id", "ID", CellKind::Integer),
    Column::new("name", "システム名", CellKind::Text),
    Column::new("bureau", "局・区", CellKind::Text),
    Column::new("section", "所管課", CellKind::Text),
    Column::new("platform", "基盤", CellKind::Text),
    Column::new("built_in_house", "内製", CellKind::Bool),
    Column::new("status", "状況", CellKind::Text),
    Column::new("trial_started_on", "試行開始日", CellKind::Date),
    Column::new("production_started_on", "本運用開始日", CellKind::Date),
    Column::new("retired_on", "廃止日", CellKind::Date),
    Column::new("workflow_before", "導入前の業務", CellKind::Text),
    Column::new("workflow_after", "導入後の業務", CellKind::Text),
    Column::new("annual_hours_saved", "削減時間", CellKind::Number),
    Column::new("hours_basis", "算定根拠", CellKind::Text),
    Column::new("cost_effect_yen", "費用効果", CellKind::Integer),
    Column::new("note", "備考", CellKind::Text),
    Column::new("version", "版", CellKind::Integer),
    Column::new("updated_at", "更新日時", CellKind::DateTime),
];

const POLICY_COLUMNS: &[Column] = &[
    Column::new("id", "ID", CellKind::Integer),
    Column::new("fiscal_year", "年度", CellKind::Integer),
    Column::new("bureau", "局・区", CellKind::Text),
    Column::new("mission", "ミッション", CellKind::Text),
    Column::new("basic_information", "基本情報", CellKind::Text),
    Column::new("review_summary", "前年度の振り返り", CellKind::Text),
    Column::new("review_achieved", "できたこと", CellKind::Text),
    Column::new("review_not_achieved", "できなかったこと", CellKind::Text),
    Column::new("direction", "今年度の方向性", CellKind::Text),
    Column::new("issue_count", "課題数", CellKind::Integer),
    Column::new("version", "版", CellKind::Integer),
    Column::new("updated_at", "更新日時", CellKind::DateTime),
];

const ISSUE_COLUMNS: &[Column] = &[
    Column::new("id", "ID", CellKind::Integer),
    Column::new("fiscal_year", "年度", CellKind::Integer),
    Column::new("bureau", "局・区", CellKind::Text),
    Column::new("code", "番号", CellKind::Text),
    Column::new("area", "領域", CellKind::Text),
    Column::new("policy_field", "政策分野", CellKind::Text),
    Column::new("impact", "影響度", CellKind::Text),
    Column::new("urgency", "緊急度", CellKind::Text),
    Column::new("title", "課題", CellKind::Text),
    Column::new("content", "内容", CellKind::Text),
    Column::new("background", "背景", CellKind::Text),
    Column::new("target_outcome", "目指す成果", CellKind::Text),
    Column::new("actions", "取組", CellKind::Text),
    Column::new("version", "版", CellKind::Integer),
];

const KPI_COLUMNS: &[Column] = &[
    Column::new("id", "ID", CellKind::Integer),
    Column::new("fiscal_year", "年度", CellKind::Integer),
    Column::new("bureau", "局・区", CellKind::Text),
    Column::new("issue", "課題", CellKind::Text),
    Column::new("name", "指標", CellKind::Text),
    Column::new("unit", "単位", CellKind::Text),
    Column::new("baseline_value", "基準値", CellKind::Number),
    Column::new("baseline_on", "基準日", CellKind::Date),
    Column::new("target_value", "目標値", CellKind::Number),
    Column::new("target_on", "目標日", CellKind::Date),
    Column::new("latest_value", "最新実績", CellKind::Number),
    Column::new("latest_on", "実績日", CellKind::Date),
    Column::new("change_value", "増減", CellKind::Number),
    Column::new("change_percent", "増減率(%)", CellKind::Number),
    Column::new("target_progress_percent", "目標達成率(%)", CellKind::Number),
    Column::new("note", "備考", CellKind::Text),
];

const AUDIT_COLUMNS: &[Column] = &[
    Column::new("id", "ID", CellKind::Integer),
    Column::new("occurred_at", "日時", CellKind::DateTime),
    Column::new("actor_kind", "操作者の種別", CellKind::Text),
    Column::new("actor_id", "操作者ID", CellKind::Integer),
    Column::new("actor_label", "操作者", CellKind::Text),
    Column::new("action", "操作", CellKind::Text),
    Column::new("entity_type", "対象の種別", CellKind::Text),
    Column::new("entity_id", "対象ID", CellKind::Text),
    Column::new("before", "変更前", CellKind::Json),
    Column::new("after", "変更後", CellKind::Json),
    Column::new("request_id", "リクエストID", CellKind::Text),
    Column::new("source", "経由", CellKind::Text),
];

fn joined(names: impl Iterator<Item = String>) -> Cell {
    let names: Vec<String> = names.filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(names.join("、"))
    }
}

pub(crate) fn proposal_row(dir: &Directory, p: &Proposal) -> Vec<Cell> {
    let f = &p.fields;
    vec![
        Cell::Integer(p.id),
        Cell::Integer(f.fiscal_year.into()),
        Cell::opt_text(f.number.clone()),
        Cell::text(&f.theme),
        Cell::opt_text(f.scene.clone()),
        Cell::opt_text(f.viewpoint.clone()),
        Cell::text(&f.title),
        Cell::opt_text(f.pain_point.clone()),
        Cell::opt_text(f.proposed_solution.clone()),
        Cell::opt_text(f.implementation_status.map(|s| s.label_ja())),
        Cell::opt_text(f.outcome_period_text.clone()),
        Cell::opt_text(f.outcome_text.clone()),
        Cell::opt_integer(f.continues_proposal_id),
        Cell::opt_text(p.stage.map(|s| s.label_ja())),
        joined(p.assignments.iter().map(|a| dir.section(a.section_id).name)),
        Cell::Integer(p.version.into()),
        Cell::DateTime(p.updated_at),
    ]
}

pub(crate) fn reform_row(dir: &Directory, r: &Reform) -> Vec<Cell> {
    let f = &r.fields;
    let period = f.period();
    let structured = period.as_ref().filter(|p| p.is_structured());
    let effects: Vec<serde_json::Value> = f
        .effects
        .iter()
        .map(|e| serde_json::json!({ "kind": e.kind.as_str(), "value": e.value, "unit": e.unit, "basis": e.basis }))
        .collect();
    vec![
        Cell::Integer(r.id),
        Cell::Integer(f.fiscal_year.into()),
        Cell::opt_integer(f.report_number),
        Cell::text(dir.bureau_name(f.bureau_id)),
        joined(f.section_ids.iter().map(|s| dir.section(*s).name)),
        Cell::opt_text(f.classification.map(|c| c.as_str())),
        Cell::text(&f.title),
        Cell::opt_text(f.problem.clone()),
        Cell::opt_text(f.action.clone()),
        Cell::opt_text(f.effect.clone()),
        Cell::opt_text(f.period_text.clone()),
        Cell::opt_date(structured.and_then(|p| p.earliest())),
        Cell::opt_date(structured.and_then(|p| p.latest())),
        Cell::text(f.status.label_ja()),
        Cell::Bool(f.featured),
        joined(f.tags.iter().cloned()),
        if effects.is_empty() {
            Cell::Empty
        } else {
            Cell::Json(serde_json::Value::Array(effects))
        },
        Cell::opt_integer(f.source_proposal_id),
        Cell::Integer(r.version.into()),
        Cell::DateTime(r.updated_at),
    ]
}

pub(crate) fn system_row(dir: &Directory, s: &DigitalSystem) -> Vec<Cell> {
    let f = &s.fields;
    vec![
        Cell::Integer(s.id),
        Cell::text(&f.name),
        Cell::opt_text(
            dir.bureau_of_section(f.section_id)
                .map(|b| dir.bureau_name(b)),
        ),
        Cell::text(dir.section(f.section_id).name),
        Cell::text(f.platform.label_ja()),
        Cell::Bool(f.built_in_house),
        Cell::text(f.status.label_ja()),
        Cell::opt_date(f.trial_started_on),
        Cell::opt_date(f.production_started_on),
        Cell::opt_date(f.retired_on),
        Cell::opt_text(f.workflow_before.clone()),
        Cell::opt_text(f.workflow_after.clone()),
        Cell::opt_number(f.annual_hours_saved),
        Cell::opt_text(f.hours_basis.clone()),
        Cell::opt_integer(f.cost_effect_yen),
        Cell::opt_text(f.note.clone()),
        Cell::Integer(s.version.into()),
        Cell::DateTime(s.updated_at),
    ]
}

fn policy_row(dir: &Directory, p: &Policy) -> Vec<Cell> {
    let f = &p.fields;
    vec![
        Cell::Integer(p.id),
        Cell::Integer(f.fiscal_year.into()),
        Cell::text(dir.bureau_name(f.bureau_id)),
        Cell::opt_text(f.mission.clone()),
        Cell::opt_text(f.basic_information.clone()),
        Cell::opt_text(f.review_summary.clone()),
        Cell::opt_text(f.review_achieved.clone()),
        Cell::opt_text(f.review_not_achieved.clone()),
        Cell::opt_text(f.direction.clone()),
        Cell::Integer(i64::try_from(p.issue_count).unwrap_or(i64::MAX)),
        Cell::Integer(p.version.into()),
        Cell::DateTime(p.updated_at),
    ]
}

fn issue_row(dir: &Directory, i: &Issue) -> Vec<Cell> {
    let f = &i.fields;
    vec![
        Cell::Integer(i.id),
        Cell::Integer(i.fiscal_year.into()),
        Cell::text(dir.bureau_name(i.bureau_id)),
        Cell::text(f.area.code(f.number)),
        Cell::text(f.area.as_str()),
        Cell::opt_text(f.policy_field.clone()),
        Cell::opt_text(f.impact.map(|l| l.label_ja())),
        Cell::opt_text(f.urgency.map(|l| l.label_ja())),
        Cell::text(&f.title),
        Cell::opt_text(f.content.clone()),
        Cell::opt_text(f.background.clone()),
        Cell::opt_text(f.target_outcome.clone()),
        Cell::opt_text(f.actions.clone()),
        Cell::Integer(i.version.into()),
    ]
}

fn audit_row(e: &persistence::entities::audit_event::Model) -> Vec<Cell> {
    let json = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .map_or(Cell::Empty, Cell::Json)
    };
    vec![
        Cell::Integer(e.id),
        Cell::DateTime(e.occurred_at),
        Cell::text(&e.actor_kind),
        Cell::opt_integer(e.actor_id),
        Cell::text(&e.actor_label),
        Cell::text(&e.action),
        Cell::text(&e.entity_type),
        Cell::text(&e.entity_id),
        json(&e.before),
        json(&e.after),
        Cell::opt_text(e.request_id.clone()),
        Cell::opt_text(e.source.clone()),
    ]
}

impl Listing {
    pub(crate) fn columns(&self) -> &'static [Column] {
        match self {
            Listing::Proposals(_) => PROPOSAL_COLUMNS,
            Listing::Reforms(_) => REFORM_COLUMNS,
            Listing::Policies(_) => POLICY_COLUMNS,
            Listing::PolicyIssues(_) => ISSUE_COLUMNS,
            Listing::Kpis(_) => KPI_COLUMNS,
            Listing::DigitalSystems(_) => SYSTEM_COLUMNS,
            Listing::AuditEvents(_) => AUDIT_COLUMNS,
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
                let rows = items.iter().map(|p| proposal_row(dir, p)).collect();
                (rows, next(items.iter().map(|p| p.id).collect()))
            }
            Listing::Reforms(filter) => {
                let items =
                    persistence::reforms::reforms_after(conn, filter, cursor, BATCH).await?;
                let rows = items.iter().map(|r| reform_row(dir, r)).collect();
                (rows, next(items.iter().map(|r| r.id).collect()))
            }
            Listing::DigitalSystems(filter) => {
                let items = persistence::ledger::systems_after(conn, filter, cursor, BATCH).await?;
                let rows = items.iter().map(|s| system_row(dir, s)).collect();
                (rows, next(items.iter().map(|s| s.id).collect()))
            }
            Listing::PolicyIssues(filter) => {
                let items =
                    persistence::policies::issues_after(conn, filter, cursor, BATCH).await?;
                let rows = items.iter().map(|i| issue_row(dir, i)).collect();
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
                        let out = kpi_out(&kpi, issue.bureau_id, false);
                        rows.push(vec![
                            Cell::Integer(out.id),
                            Cell::Integer(issue.fiscal_year.into()),
                            Cell::text(dir.bureau_name(issue.bureau_id)),
                            Cell::text(format!(
                                "{} {}",
                                issue.fields.area.code(issue.fields.number),
                                issue.fields.title
                            )),
                            Cell::text(out.name),
                            Cell::text(out.unit),
                            Cell::Number(out.baseline_value),
                            Cell::Date(out.baseline_on),
                            Cell::opt_number(out.target_value),
                            Cell::opt_date(out.target_on),
                            Cell::opt_number(out.latest_value),
                            Cell::opt_date(out.latest_on),
                            Cell::opt_number(out.change_value),
                            Cell::opt_number(out.change_percent),
                            Cell::opt_number(out.target_progress_percent),
                            Cell::opt_text(out.note),
                        ]);
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
                let rows: Vec<Vec<Cell>> = found.items.iter().map(|p| policy_row(dir, p)).collect();
                let more = page.saturating_mul(BATCH) < found.total;
                (rows, more.then(|| i64::try_from(page).unwrap_or(i64::MAX)))
            }
            Listing::AuditEvents(filter) => {
                let items = persistence::audit::events_after(conn, filter, cursor, BATCH).await?;
                let rows = items.iter().map(audit_row).collect();
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

struct Streaming {
    state: web::Data<AppState>,
    dir: Arc<Directory>,
    listing: Listing,
    format: ExportFormat,
    cursor: Option<i64>,
    header_sent: bool,
}

async fn next_chunk(mut s: Streaming) -> Option<(Result<Bytes, actix_web::Error>, Streaming)> {
    if !s.header_sent {
        s.header_sent = true;
        if s.format == ExportFormat::Csv {
            let header = CsvChunks::header(s.listing.columns());
            return Some((Ok(Bytes::from(header)), s));
        }
    }
    let cursor = s.cursor?;
    match s.listing.batch(&s.state, &s.dir, cursor).await {
        Ok((rows, next)) => {
            s.cursor = next;
            let bytes = match s.format {
                ExportFormat::Ndjson => tabular::ndjson_rows(s.listing.columns(), &rows),
                _ => CsvChunks::rows(&rows),
            };
            Some((Ok(Bytes::from(bytes)), s))
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
            if rows.len() > tabular::XLSX_MAX_ROWS {
                return Err(ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
                    "more rows than an Excel worksheet holds; export CSV or NDJSON instead",
                ));
            }
            cursor = next;
        }
        let (_, japanese) = listing.names();
        let columns = listing.columns();
        // Seconds of CPU for a large list: off the HTTP worker, which has other requests to answer.
        let bytes = crate::offload::run(move || tabular::xlsx_workbook(japanese, columns, &rows))
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
        listing,
        format,
        cursor: Some(0),
        header_sent: false,
    };
    Ok(response.streaming(futures_util::stream::unfold(start, next_chunk)))
}

/// The list as a file: CSV for Excel (UTF-8 with BOM, formula-like text guarded), XLSX, or
/// NDJSON streamed row by row with no page limit. Takes the list's own filters.
#[utoipa::path(tag = "exports", params(ExportFormatParam, ProposalQuery), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/proposals/export")]
pub async fn export_proposals(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadProposals)?;
    let (query, format) = export_query::<ProposalQuery>(&req)?;
    let mut filter = proposal_filter(&query, &caller.0);
    narrow_proposals(&state, &query, &mut filter).await?;
    respond(state, Listing::Proposals(filter), format).await
}

/// The list as a file: CSV for Excel (UTF-8 with BOM, formula-like text guarded), XLSX, or
/// NDJSON streamed row by row with no page limit. Takes the list's own filters.
#[utoipa::path(tag = "exports", params(ExportFormatParam, ReformQuery), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/reforms/export")]
pub async fn export_reforms(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let (query, format) = export_query::<ReformQuery>(&req)?;
    let filter = reform_filter(&query, None);
    respond(state, Listing::Reforms(filter), format).await
}

/// The list as a file: CSV for Excel (UTF-8 with BOM, formula-like text guarded), XLSX, or
/// NDJSON streamed row by row with no page limit. Takes the list's own filters.
#[utoipa::path(tag = "exports", params(ExportFormatParam, PolicyQuery), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policies/export")]
pub async fn export_policies(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let (query, format) = export_query::<PolicyQuery>(&req)?;
    respond(state, Listing::Policies(policy_filter(&query)), format).await
}

/// The list as a file: CSV for Excel (UTF-8 with BOM, formula-like text guarded), XLSX, or
/// NDJSON streamed row by row with no page limit. Takes the list's own filters.
#[utoipa::path(tag = "exports", params(ExportFormatParam, PolicyIssueQuery), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/policy-issues/export")]
pub async fn export_policy_issues(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let (query, format) = export_query::<PolicyIssueQuery>(&req)?;
    respond(state, Listing::PolicyIssues(issue_filter(&query)), format).await
}

/// KPIs of the policy issues the filters select (the same filters as `/policy-issues`), each
/// with its latest actual and the computed change.
#[utoipa::path(tag = "exports", params(ExportFormatParam, PolicyIssueQuery), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/kpis/export")]
pub async fn export_kpis(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let (query, format) = export_query::<PolicyIssueQuery>(&req)?;
    respond(state, Listing::Kpis(issue_filter(&query)), format).await
}

/// The list as a file: CSV for Excel (UTF-8 with BOM, formula-like text guarded), XLSX, or
/// NDJSON streamed row by row with no page limit. Takes the list's own filters.
#[utoipa::path(tag = "exports", params(ExportFormatParam, DigitalSystemQuery), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/digital-systems/export")]
pub async fn export_digital_systems(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let (query, format) = export_query::<DigitalSystemQuery>(&req)?;
    respond(
        state,
        Listing::DigitalSystems(system_filter(&query)),
        format,
    )
    .await
}

/// The audit trail as a file, oldest first (admins only).
#[utoipa::path(tag = "exports", params(ExportFormatParam, AuditQuery), responses((status = 200, description = "The file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/x-ndjson"))), (status = 403, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin"])))]
#[get("/audit-events/export")]
pub async fn export_audit_events(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadAuditEvents)?;
    let (query, format) = export_query::<AuditQuery>(&req)?;
    respond(state, Listing::AuditEvents(audit_filter(&query)), format).await
}
