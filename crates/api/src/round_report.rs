//! A closed round's report: the figures frozen at the close ("as of 基準日, as known at the close
//! instant", kept by `persistence::as_known::store_round_report`), served byte for byte as kept
//! and exported as CSV and XLSX; and the live view, the same figures as known now with the
//! corrections recorded since the close (`persistence::corrections`), computed once and shared
//! by the requests that ask while nothing has been written (`LiveReports`).

use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::tabular::cells::{Cell, CellKind};
use crate::tabular::columns::Head;
use crate::tabular::formats::{CsvChunks, xlsx_workbook};
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::reform::{EffectKind, ReformStatus};
use domain::{Action, authorize};
use persistence::as_known::{self, Report, StoredReport};
use persistence::{audit, corrections, organization, rounds};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The figures as known now, with the corrections recorded since the close, instead of the
    /// frozen report.
    #[serde(default)]
    pub live: bool,
    /// An earlier close's report (1 is the first close); the latest when absent.
    #[validate(range(min = 1))]
    pub version: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// An earlier close's report (1 is the first close); the latest when absent.
    #[validate(range(min = 1))]
    pub version: Option<i32>,
}

/// One close of the round, whose report is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportVersionOut {
    pub version: i32,
    /// The close instant the report is "as known at".
    pub known_at: DateTime<Utc>,
}

/// A fact recorded after the close that the report as of 基準日 counts now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionOut {
    /// `stage_event`, `proposal`, `reform`, `digital_system`, `policy_issue`, `milestone`,
    /// `kpi`, `kpi_actual` or `progress_note`.
    pub kind: String,
    pub record_id: i64,
    pub recorded_at: DateTime<Utc>,
    /// The day it takes effect, where it has one.
    pub effective_on: Option<NaiveDate>,
    pub deleted: bool,
    /// The SPA path of the record to open.
    pub link: String,
}

/// A round's report: frozen at a close, or (`live`) as known now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundReportOut {
    pub round_id: i64,
    pub round_title: String,
    /// The close whose report this is (the latest close for the live view).
    pub version: i32,
    pub versions: Vec<ReportVersionOut>,
    /// 基準日.
    pub as_of: NaiveDate,
    /// The close instant.
    pub closed_at: DateTime<Utc>,
    /// The bureau the report covers; none: the whole city.
    pub bureau_id: Option<i64>,
    pub live: bool,
    /// The figures: proposal stages by theme (`proposal_stages`, `proposal_totals`), per bureau
    /// progress (`bureaus`: issues with their latest note, milestone counts, KPI changes),
    /// `reforms` and `ledger`, as `persistence::as_known::Report` serialises them.
    #[schema(value_type = Object)]
    pub report: Box<serde_json::value::RawValue>,
    /// Live view only: the corrections since the close, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrections: Option<Vec<CorrectionOut>>,
    /// Live view only: the moment its figures are as known at. A live view is computed again
    /// once anything has been written since, and at the latest a minute after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed_at: Option<DateTime<Utc>>,
}

/// How long a live view is reused while nothing has been written. The bound is for PostgreSQL,
/// where a write can commit after a later one's audit id was read; on SQLite the newest audit
/// event alone tells.
const LIVE_REUSE: Duration = Duration::from_secs(60);

/// A live view as computed, and what it was computed from.
#[derive(Debug, Clone)]
struct LiveView {
    latest_event_id: i64,
    computed_at: DateTime<Utc>,
    fresh_until: Instant,
    report: String,
    corrections: Vec<CorrectionOut>,
}

/// This process's live views of round reports, one per round and close. Computing one reads the
/// city's records (seconds at full scale), so requests that arrive while nothing has been
/// written share one computation: the first computes, the others wait for it and reuse it.
#[derive(Debug, Default)]
pub struct LiveReports {
    views: Mutex<HashMap<(i64, i32), LiveSlot>>,
}

/// One round and close's live view, held while it is computed so that others wait for it.
type LiveSlot = Arc<tokio::sync::Mutex<Option<LiveView>>>;

impl LiveReports {
    fn slot(&self, round_id: i64, version: i32) -> LiveSlot {
        let mut views = self
            .views
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        views.entry((round_id, version)).or_default().clone()
    }
}

/// The live view of a kept report: reused while no audited write has happened since it was
/// computed (and for at most [`LIVE_REUSE`]), else computed now.
async fn live_view(state: &AppState, kept: &StoredReport) -> Result<LiveView, ApiError> {
    let slot = state.live_reports.slot(kept.round_id, kept.version);
    let mut held = slot.lock().await;
    let latest_event_id = audit::latest_event_id(&state.db.conn).await?;
    if let Some(view) = held.as_ref()
        && view.latest_event_id == latest_event_id
        && Instant::now() < view.fresh_until
    {
        return Ok(view.clone());
    }
    let computed_at = Utc::now();
    let live = as_known::report(&state.db.conn, kept.as_of, None, kept.bureau_id).await?;
    let report = serde_json::to_string(&live)
        .map_err(|e| ApiError::from(persistence::StoreError::Corrupt(format!("report: {e}"))))?;
    let found =
        corrections::since_close(&state.db.conn, kept.as_of, kept.known_at, kept.bureau_id).await?;
    let view = LiveView {
        latest_event_id,
        computed_at,
        fresh_until: Instant::now() + LIVE_REUSE,
        report,
        corrections: found
            .into_iter()
            .map(|c| CorrectionOut {
                link: link_of(c.link_kind, c.link_id),
                kind: c.kind,
                record_id: c.record_id,
                recorded_at: c.recorded_at,
                effective_on: c.effective_on,
                deleted: c.deleted,
            })
            .collect(),
    };
    *held = Some(view.clone());
    Ok(view)
}

fn link_of(kind: &str, id: i64) -> String {
    match kind {
        "proposal" => format!("/proposals/{id}"),
        "reform" => format!("/reforms/{id}"),
        "digital_system" => format!("/digital-systems/{id}"),
        _ => format!("/policy-issues/{id}"),
    }
}

fn never_closed() -> ApiError {
    ApiError::new(ErrorCode::Conflict).with_detail(
        "この照会はまだ締め切られていないため、報告はありません (the round was never closed, so it has no report yet)",
    )
}

/// The round and its kept report (409 when it never closed or its report is still being
/// frozen, 404 for an unknown version).
async fn stored(
    state: &AppState,
    id: i64,
    version: Option<i32>,
) -> Result<(rounds::Round, StoredReport), ApiError> {
    let round = rounds::find(&state.db.conn, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound).with_detail("no such round"))?;
    match as_known::find_round_report(&state.db.conn, id, version).await? {
        Some(kept) => Ok((round, kept)),
        None if version.is_some()
            && as_known::find_round_report(&state.db.conn, id, None)
                .await?
                .is_some() =>
        {
            Err(ApiError::new(ErrorCode::NotFound).with_detail("no such version of the report"))
        }
        None if round.closed_at.is_some() => Err(being_frozen()),
        None => Err(never_closed()),
    }
}

fn being_frozen() -> ApiError {
    ApiError::new(ErrorCode::Conflict).with_detail(
        "この照会の報告は締切時点の数値で作成中です。しばらくしてから開き直してください (the round has just closed and its report is being frozen; try again shortly)",
    )
}

fn raw(json: String) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    serde_json::value::RawValue::from_string(json)
        .map_err(|e| ApiError::from(persistence::StoreError::Corrupt(format!("report: {e}"))))
}

fn report_etag(kept: &StoredReport) -> String {
    format!("\"report-{}-{}\"", kept.round_id, kept.version)
}

/// A round's report. Frozen (default): the figures kept at the close, the same bytes forever,
/// with an `ETag` of the round and version. `live=true`: the same figures as known now and the
/// corrections recorded since the close.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ReportQuery),
    responses(
        (status = 200, body = RoundReportOut),
        (status = 304, description = "The frozen report has the ETag sent in If-None-Match"),
        (status = 404, description = "No such round, or no such version of its report", body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round was never closed, so it has no report, or it has just closed and its report is still being frozen", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/rounds/{id}/report")]
pub async fn get_round_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<ReportQuery>,
    request: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadRoundReports)?;
    crate::extract::validate(&*query, crate::error::FieldLocation::Query)?;
    let (round, kept) = stored(&state, *id, query.version).await?;
    let versions = as_known::round_report_versions(&state.db.conn, round.id)
        .await?
        .into_iter()
        .map(|v| ReportVersionOut {
            version: v.version,
            known_at: v.known_at,
        })
        .collect();
    let mut out = RoundReportOut {
        round_id: round.id,
        round_title: round.fields.title.clone(),
        version: kept.version,
        versions,
        as_of: kept.as_of,
        closed_at: kept.known_at,
        bureau_id: kept.bureau_id,
        live: query.live,
        report: raw(kept.json.clone())?,
        corrections: None,
        computed_at: None,
    };
    if !query.live {
        let etag = report_etag(&kept);
        let unchanged = request
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
        if unchanged {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish());
        }
        return Ok(HttpResponse::Ok()
            .insert_header((header::ETAG, etag))
            .json(out));
    }
    let view = live_view(&state, &kept).await?;
    out.report = raw(view.report)?;
    out.corrections = Some(view.corrections);
    out.computed_at = Some(view.computed_at);
    Ok(HttpResponse::Ok().json(out))
}

const REPORT_COLUMNS: [Head; 5] = [
    Head::new("part", "区分", CellKind::Text),
    Head::new("subject", "対象", CellKind::Text),
    Head::new("item", "項目", CellKind::Text),
    Head::new("value", "値", CellKind::Number),
    Head::new("note", "備考", CellKind::Text),
];

fn row(part: &str, subject: &str, item: &str, value: Cell, note: Cell) -> Vec<Cell> {
    vec![
        Cell::text(part),
        Cell::text(subject),
        Cell::text(item),
        value,
        note,
    ]
}

fn count(n: u64) -> Cell {
    Cell::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The report as rows of a table: one figure a row, Japanese labels.
fn report_rows(
    round: &rounds::Round,
    kept: &StoredReport,
    bureau_names: &HashMap<i64, String>,
) -> Vec<Vec<Cell>> {
    let r: &Report = &kept.report;
    let mut rows = vec![
        row(
            "照会",
            &round.fields.title,
            "基準日",
            Cell::Empty,
            Cell::Date(kept.as_of),
        ),
        row(
            "照会",
            &round.fields.title,
            "締切時点（記録日時）",
            Cell::Empty,
            Cell::DateTime(kept.known_at),
        ),
        row(
            "照会",
            &round.fields.title,
            "報告の版",
            Cell::Integer(i64::from(kept.version)),
            Cell::Empty,
        ),
    ];
    let stage_rows = r
        .proposal_stages
        .iter()
        .chain(std::iter::once(&r.proposal_totals));
    for s in stage_rows {
        let theme = if std::ptr::eq(s, &r.proposal_totals) {
            "合計"
        } else {
            s.theme.as_str()
        };
        for (label, n) in r.stage_labels.iter().zip(s.counts) {
            rows.push(row("提案の段階", theme, label, count(n), Cell::Empty));
        }
        rows.push(row(
            "提案の段階",
            theme,
            "未提示",
            count(s.not_presented),
            Cell::Empty,
        ));
        rows.push(row("提案の段階", theme, "計", count(s.total), Cell::Empty));
    }
    for b in &r.bureaus {
        let m = &b.milestones;
        for (item, n) in [
            ("マイルストーン 完了", m.done),
            ("マイルストーン 遅延", m.slipped),
            ("マイルストーン 未了", m.open),
            ("マイルストーン 期限超過", m.overdue),
        ] {
            rows.push(row("局の進捗", &b.bureau, item, count(n), Cell::Empty));
        }
        for issue in &b.issues {
            let subject = format!(
                "{} {}{} {}",
                b.bureau, issue.area, issue.number, issue.title
            );
            let note = issue
                .latest_note
                .as_ref()
                .map(|n| format!("{}: {}", n.as_of_label, n.body));
            rows.push(row(
                "課題の進捗",
                &subject,
                "最新の進捗",
                Cell::Empty,
                Cell::opt_text(note),
            ));
        }
        for k in &b.kpis {
            let subject = format!("{} {}", b.bureau, k.name);
            let unit = Cell::text(k.unit.clone());
            rows.push(row(
                "KPI",
                &subject,
                "基準値",
                Cell::Number(k.baseline_value),
                unit.clone(),
            ));
            rows.push(row(
                "KPI",
                &subject,
                "最新値",
                Cell::opt_number(k.latest_value),
                Cell::opt_text(k.latest_on.map(|d| d.to_string())),
            ));
            rows.push(row(
                "KPI",
                &subject,
                "前回値",
                Cell::opt_number(k.previous_value),
                Cell::opt_text(k.previous_on.map(|d| d.to_string())),
            ));
            rows.push(row(
                "KPI",
                &subject,
                "増減",
                Cell::opt_number(k.change),
                unit,
            ));
        }
    }
    rows.push(row(
        "改革",
        "全体",
        "件数",
        count(r.reforms.total),
        Cell::Empty,
    ));
    for (status, n) in &r.reforms.by_status {
        let label = ReformStatus::parse(status).map_or(status.as_str(), |s| s.label_ja());
        rows.push(row("改革", "状況別", label, count(*n), Cell::Empty));
    }
    for (bureau, n) in &r.reforms.by_bureau {
        let name = bureau_names
            .get(bureau)
            .cloned()
            .unwrap_or_else(|| format!("局 #{bureau}"));
        rows.push(row("改革", "局別", &name, count(*n), Cell::Empty));
    }
    for e in &r.reforms.effects {
        let label = EffectKind::parse(&e.kind).map_or(e.kind.as_str(), |k| k.label_ja());
        rows.push(row(
            "改革の効果",
            label,
            "合計",
            Cell::Number(e.total),
            Cell::text(format!("{}（{}件）", e.unit, e.reforms)),
        ));
    }
    let l = &r.ledger;
    rows.push(row(
        "台帳",
        "全体",
        "稼働中のシステム",
        count(l.systems_in_production),
        Cell::Empty,
    ));
    rows.push(row("台帳", "全体", "内製", count(l.in_house), Cell::Empty));
    rows.push(row(
        "台帳",
        "全体",
        "内製率",
        Cell::Number(l.in_house_rate),
        Cell::Empty,
    ));
    rows.push(row(
        "台帳",
        "全体",
        "削減時間（年間）",
        Cell::Number(l.annual_hours_saved),
        Cell::text("時間/年"),
    ));
    rows.push(row(
        "台帳",
        "全体",
        "効果額",
        Cell::Integer(l.cost_effect_yen),
        Cell::text("円"),
    ));
    rows.push(row(
        "台帳",
        "全体",
        "公表削減時間",
        Cell::opt_number(l.published_hours),
        Cell::opt_text(l.published_hours_on.map(|d| d.to_string())),
    ));
    rows
}

async fn export_parts(
    state: &AppState,
    id: i64,
    query: &ExportQuery,
) -> Result<(StoredReport, Vec<Vec<Cell>>), ApiError> {
    crate::extract::validate(query, crate::error::FieldLocation::Query)?;
    let (round, kept) = stored(state, id, query.version).await?;
    let names: HashMap<i64, String> = organization::list_bureaus(&state.db.conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let rows = report_rows(&round, &kept, &names);
    Ok((kept, rows))
}

fn file_response(
    kept: &StoredReport,
    content_type: &str,
    extension: &str,
    body: Vec<u8>,
) -> HttpResponse {
    let name = format!(
        "round-{}-report-v{}.{extension}",
        kept.round_id, kept.version
    );
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, report_etag(kept)))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

/// The frozen report as CSV (UTF-8 with BOM, formula-escaped): one figure a row.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ExportQuery),
    responses(
        (status = 200, description = "区分, 対象, 項目, 値, 備考", content_type = "text/csv", body = String),
        (status = 404, description = "No such round, or no such version of its report", body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round was never closed, so it has no report, or it has just closed and its report is still being frozen", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/rounds/{id}/report.csv")]
pub async fn round_report_csv(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadRoundReports)?;
    let (kept, rows) = export_parts(&state, *id, &query).await?;
    let mut body = CsvChunks::header(&REPORT_COLUMNS);
    body.extend(CsvChunks::rows(&rows));
    Ok(file_response(&kept, "text/csv; charset=utf-8", "csv", body))
}

/// The frozen report as an XLSX workbook: one figure a row.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ExportQuery),
    responses(
        (status = 200, description = "区分, 対象, 項目, 値, 備考", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, description = "No such round, or no such version of its report", body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round was never closed, so it has no report, or it has just closed and its report is still being frozen", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/rounds/{id}/report.xlsx")]
pub async fn round_report_xlsx(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadRoundReports)?;
    let (kept, rows) = export_parts(&state, *id, &query).await?;
    let body = xlsx_workbook("照会の報告", &REPORT_COLUMNS, &rows)
        .map_err(|e| ApiError::from(persistence::StoreError::Corrupt(format!("xlsx: {e}"))))?;
    Ok(file_response(
        &kept,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        body,
    ))
}
