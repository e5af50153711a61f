//! `GET/POST /round-requests/{id}/workbook`: answering a round's request by Excel. The owner
//! downloads the request as a workbook (one sheet per kind of record, one row per item with the
//! record's id, its version and the values the round asks about), fills it in and uploads it;
//! a dry run says row by row what would change or why a row is refused, and the real run writes
//! every row through the record's own write path and answers every item, in one transaction.
//!
//! The workbook is written and read with the export's and the import's pieces
//! (`tabular::formats`, `tabular::import`); the writes and answers are
//! `persistence::rounds::answer_by_workbook`.

mod assignment;
mod parts;

use crate::auth::Authenticated;
use crate::context::actor;
use crate::department::Directory;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::rounds::{
    RecordKindDto, RequestOut, answerable_request, person, readable_request, request_out,
};
use crate::state::AppState;
use crate::tabular::cells::{Cell, CellKind, unguard};
use crate::tabular::columns::Head;
use crate::tabular::formats::{XlsxSheet, xlsx_sheets};
use crate::tabular::import::{read_upload, read_workbook};
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use domain::ledger::SystemStatus;
use domain::policy::IssueStatus;
use domain::proposal::{Decision, ImplementationStatus, Stage};
use domain::reform::ReformStatus;
use domain::round::{Outcome, RecordKind, RequestStep};
use domain::{Action, Principal, authorize};
use parts::{EFFECT_SHEET, MILESTONE_SHEET, PartContext, Parts};
use persistence::policies::{CheckIn, NoteDraft};
use persistence::rounds::{
    self, Item, RecordNow, RecordWrite, RoundError, WorkbookAnswer, WorkbookError,
};
use persistence::{StoreError, policies, reforms};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The answer column's two words.
const UNCHANGED: &str = "変更なし";
const CHANGED: &str = "変更あり";

/// The sheet each kind of record is listed on, in the workbook's order.
const SHEETS: [(RecordKind, &str); 5] = [
    (RecordKind::Reform, "自主改革取組"),
    (RecordKind::DigitalSystem, "システム管理台帳"),
    (RecordKind::PolicyIssue, "局区X方針の課題"),
    (RecordKind::Kpi, "KPI"),
    (RecordKind::ProposalAssignment, "PT提案の検討状況"),
];

// ---------------------------------------------------------------------------------------------
// Columns

const ITEM: Head = Head::new("item_id", "項目ID", CellKind::Integer);
const RECORD: Head = Head::new("record_id", "記録ID", CellKind::Integer);
const VERSION: Head = Head::new("version", "版", CellKind::Integer);
const TITLE: Head = Head::new("title", "名称", CellKind::Text);
const ANSWER: Head = Head::new("answer", "回答（変更なし／変更あり）", CellKind::Text);
const COMMENT: Head = Head::new("comment", "コメント", CellKind::Text);

const STATUS: Head = Head::new("status", "状況", CellKind::Text);
const PERIOD: Head = Head::new("period_text", "実施期間", CellKind::Text);
const HOURS: Head = Head::new("annual_hours_saved", "年間削減作業時間", CellKind::Number);
const YEN: Head = Head::new("cost_effect_yen", "効果額（円）", CellKind::Integer);
const UNIT: Head = Head::new("unit", "単位", CellKind::Text);
const TARGET: Head = Head::new("target_value", "目標値", CellKind::Number);
const LATEST_VALUE: Head = Head::new("latest_actual_value", "最新の実績値", CellKind::Number);
const LATEST_ON: Head = Head::new(
    "latest_actual_measured_on",
    "最新の実績の測定日",
    CellKind::Date,
);
const ACTUAL: Head = Head::new("actual_value", "基準日の実績値", CellKind::Number);
const ACTUAL_NOTE: Head = Head::new("actual_note", "実績の備考", CellKind::Text);
const LATEST_NOTE_AT: Head = Head::new("latest_note_as_of", "最新の進捗の時点", CellKind::Text);
const LATEST_NOTE: Head = Head::new("latest_note", "最新の進捗", CellKind::Text);
const PROGRESS: Head = Head::new("progress", "基準日の進捗", CellKind::Text);
const STAGE: Head = Head::new("stage", "検討段階", CellKind::Text);
const DECISION: Head = Head::new("decision", "判断", CellKind::Text);
const STAGE_NOTE: Head = Head::new("stage_note", "段階の備考", CellKind::Text);
const IMPLEMENTATION: Head = Head::new("implementation_status", "実施状況", CellKind::Text);
const OUTCOME_PERIOD: Head = Head::new("outcome_period", "実施時期", CellKind::Text);

/// The columns of a kind's sheet: the item, the record and its version, the values (those the
/// workbook answers and those shown for reading), the answer and the comment.
fn columns(kind: RecordKind) -> Vec<Head> {
    let values: &[Head] = match kind {
        RecordKind::Reform => &[STATUS, PERIOD],
        RecordKind::DigitalSystem => &[STATUS, HOURS, YEN],
        RecordKind::Kpi => &[UNIT, TARGET, LATEST_VALUE, LATEST_ON, ACTUAL, ACTUAL_NOTE],
        RecordKind::PolicyIssue => &[STATUS, LATEST_NOTE_AT, LATEST_NOTE, PROGRESS],
        RecordKind::ProposalAssignment => {
            &[STAGE, DECISION, STAGE_NOTE, IMPLEMENTATION, OUTCOME_PERIOD]
        }
    };
    let mut out = vec![ITEM, RECORD, VERSION, TITLE];
    out.extend_from_slice(values);
    out.push(ANSWER);
    out.push(COMMENT);
    out
}

/// The column of `head` a workbook's answer must have for its kind (the others are for reading).
fn answered_columns(kind: RecordKind) -> &'static [Head] {
    match kind {
        RecordKind::Reform => &[STATUS, PERIOD],
        RecordKind::DigitalSystem => &[STATUS, HOURS, YEN],
        RecordKind::Kpi => &[ACTUAL, ACTUAL_NOTE],
        RecordKind::PolicyIssue => &[PROGRESS],
        RecordKind::ProposalAssignment => &[STAGE, DECISION, IMPLEMENTATION, OUTCOME_PERIOD],
    }
}

fn text_of(value: &serde_json::Value) -> Cell {
    match value.as_str() {
        Some(text) if !text.is_empty() => Cell::text(text),
        _ => Cell::Empty,
    }
}

fn number_of(value: &serde_json::Value) -> Cell {
    value.as_f64().map_or(Cell::Empty, Cell::Number)
}

fn date_of(value: &serde_json::Value) -> Cell {
    Cell::opt_date(value.as_str().and_then(|d| d.parse::<NaiveDate>().ok()))
}

fn reform_status_label(value: &serde_json::Value) -> Cell {
    value
        .as_str()
        .and_then(ReformStatus::parse)
        .map_or(Cell::Empty, |s| Cell::text(s.label_ja()))
}

fn system_status_label(value: &serde_json::Value) -> Cell {
    value
        .as_str()
        .and_then(SystemStatus::parse)
        .map_or(Cell::Empty, |s| Cell::text(s.label_ja()))
}

fn issue_status_label(value: &serde_json::Value) -> Cell {
    value
        .as_str()
        .and_then(IssueStatus::parse)
        .map_or(Cell::Empty, |s| Cell::text(s.label_ja()))
}

fn stage_of(value: &serde_json::Value) -> Option<Stage> {
    value
        .as_i64()
        .and_then(|n| u8::try_from(n).ok())
        .and_then(Stage::from_number)
}

fn answer_word(outcome: Outcome) -> Cell {
    match outcome {
        Outcome::None => Cell::Empty,
        Outcome::Unchanged => Cell::text(UNCHANGED),
        Outcome::Changed => Cell::text(CHANGED),
    }
}

/// One item's row: what the record holds now, in the kind's columns.
fn row_cells(item: &Item, now: &RecordNow) -> Vec<Cell> {
    let v = &now.values;
    let mut cells = vec![
        Cell::Integer(item.id),
        Cell::Integer(item.record_id),
        Cell::Integer(now.version.into()),
        Cell::text(now.title.clone()),
    ];
    match item.record_kind {
        RecordKind::Reform => {
            cells.push(reform_status_label(&v["status"]));
            cells.push(text_of(&v["period_text"]));
        }
        RecordKind::DigitalSystem => {
            cells.push(system_status_label(&v["status"]));
            cells.push(number_of(&v["annual_hours_saved"]));
            cells.push(Cell::opt_integer(v["cost_effect_yen"].as_i64()));
        }
        RecordKind::Kpi => {
            cells.push(text_of(&v["unit"]));
            cells.push(number_of(&v["target_value"]));
            cells.push(number_of(&v["latest_actual"]["value"]));
            cells.push(date_of(&v["latest_actual"]["measured_on"]));
            cells.push(Cell::Empty);
            cells.push(Cell::Empty);
        }
        RecordKind::PolicyIssue => {
            cells.push(issue_status_label(&v["status"]));
            cells.push(text_of(&v["latest_progress_note"]["as_of_label"]));
            cells.push(text_of(&v["latest_progress_note"]["body"]));
            cells.push(Cell::Empty);
        }
        RecordKind::ProposalAssignment => {
            cells.push(Cell::opt_text(
                stage_of(&v["stage"]).map(|s| s.label_ja().to_owned()),
            ));
            cells.push(Cell::opt_text(
                v["decision"]
                    .as_str()
                    .and_then(Decision::parse)
                    .map(|d| d.label_ja().to_owned()),
            ));
            cells.push(Cell::Empty);
            cells.push(Cell::opt_text(
                v["implementation_status"]
                    .as_str()
                    .and_then(ImplementationStatus::parse)
                    .map(|s| s.label_ja().to_owned()),
            ));
            cells.push(text_of(&v["outcome_period_text"]));
        }
    }
    cells.push(answer_word(item.outcome));
    cells.push(Cell::opt_text(item.comment.clone()));
    cells
}

// ---------------------------------------------------------------------------------------------
// Wire types

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WorkbookQuery {
    /// true: report what each row would do and change nothing.
    pub dry_run: Option<bool>,
}

/// The upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct WorkbookUpload {
    /// The workbook downloaded from `GET /round-requests/{id}/workbook`, filled in (.xlsx, at
    /// most 20 MB).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// One value a row changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeOut {
    /// The column's English key.
    pub field: String,
    /// The column's Japanese header.
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What one row of the workbook does.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkbookRowOut {
    pub sheet: String,
    /// The spreadsheet row number.
    pub row: u32,
    pub item_id: i64,
    pub record_kind: RecordKindDto,
    pub record_id: i64,
    pub title: String,
    /// changed or unchanged.
    pub outcome: String,
    /// The values written (empty for `unchanged`, and for `changed` answered by writes made on
    /// the page).
    pub changes: Vec<FieldChangeOut>,
}

/// Why one row (or cell) of the workbook is refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkbookRowErrorOut {
    pub sheet: String,
    pub row: u32,
    /// The column's Japanese header, when one cell is at fault.
    pub column: Option<String>,
    /// e.g. `stale` (the record changed since the workbook was downloaded), `invalid_value`,
    /// `unknown_item`, `answer_required`, `no_write`.
    pub code: String,
    pub message: String,
}

/// What uploading the workbook does (dry run) or did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkbookAnswerOut {
    pub dry_run: bool,
    /// Whether the answers were written (never on a dry run).
    pub applied: bool,
    /// The request as it would stand (dry run) or stands after.
    pub request: RequestOut,
    /// The rows that answer an item.
    pub rows: Vec<WorkbookRowOut>,
    /// The rows refused; any refusal refuses the whole upload.
    pub errors: Vec<WorkbookRowErrorOut>,
    /// What the preview should know besides the rows: sheets not read, a sheet left out (the
    /// effects then stay as they are), an upload that answers nothing.
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Download

/// A sheet to write: its name, its columns and its rows.
type SheetOut = (&'static str, Vec<Head>, Vec<Vec<Cell>>);

/// The request as a workbook to answer in Excel: one sheet per kind of record it lists, one row
/// per item with the record's id, its version (the `If-Match` of the record's own endpoint),
/// the values the round asks about now and the answer column (変更なし／変更あり). The same
/// rights as reading the request (another section's is 404).
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The request as an XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/round-requests/{id}/workbook")]
pub async fn download_request_workbook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadRounds)?;
    let (request, _, _) = readable_request(&state, &caller.0, *id).await?;
    let items = rounds::items_of(&state.db.conn, request.id).await?;
    let now = rounds::records_now(&state.db.conn, &items).await?;
    let mut sheets: Vec<SheetOut> = Vec::new();
    for (kind, name) in SHEETS {
        let listed: Vec<(&Item, &RecordNow)> = items
            .iter()
            .filter(|i| i.record_kind == kind)
            .filter_map(|i| now.get(&(kind, i.record_id)).map(|n| (i, n)))
            .collect();
        if listed.is_empty() {
            continue;
        }
        let rows = listed.iter().map(|(i, n)| row_cells(i, n)).collect();
        sheets.push((name, columns(kind), rows));
        // Each item's parts follow its sheet: a reform's effects (the sheet is there even when
        // none has any, so effects can be added), an issue's milestones.
        match kind {
            RecordKind::Reform => {
                let rows = listed.iter().flat_map(|(i, n)| parts::effect_rows(i, n));
                sheets.push((EFFECT_SHEET, parts::effect_columns(), rows.collect()));
            }
            RecordKind::PolicyIssue => {
                let rows: Vec<Vec<Cell>> = listed
                    .iter()
                    .flat_map(|(i, n)| parts::milestone_rows(i, n))
                    .collect();
                if !rows.is_empty() {
                    sheets.push((MILESTONE_SHEET, parts::milestone_columns(), rows));
                }
            }
            _ => {}
        }
    }
    if sheets.is_empty() {
        sheets.push((SHEETS[0].1, columns(SHEETS[0].0), Vec::new()));
    }
    let body = crate::offload::run(move || {
        let parts: Vec<XlsxSheet<'_>> = sheets
            .iter()
            .map(|(name, columns, rows)| XlsxSheet {
                name,
                columns,
                rows,
            })
            .collect();
        xlsx_sheets(&parts)
    })
    .await?
    .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"round-request-{}.xlsx\"", request.id),
        ))
        .body(body))
}

// ---------------------------------------------------------------------------------------------
// Reading an answered workbook

/// Who answers which request, as of which 基準日.
#[derive(Clone, Copy)]
struct Answering<'a> {
    state: &'a AppState,
    caller: &'a Principal,
    dir: &'a Directory,
    as_of: NaiveDate,
}

/// What reading the workbook found beside the rows that answer.
#[derive(Default)]
struct Findings {
    errors: Vec<WorkbookRowErrorOut>,
    notes: Vec<String>,
}

/// One worksheet read: its name, its headers and its rows.
struct Page {
    name: String,
    headers: Vec<String>,
    rows: Vec<(u32, Vec<String>)>,
}

/// One row read: the answer, and what it writes.
struct ReadRow {
    out: WorkbookRowOut,
    answer: WorkbookAnswer,
}

struct Reading<'a> {
    sheet: &'a str,
    headers: HashMap<&'a str, usize>,
    errors: &'a mut Vec<WorkbookRowErrorOut>,
}

impl Reading<'_> {
    fn cell<'c>(&self, cells: &'c [String], head: &Head) -> &'c str {
        self.headers
            .get(head.ja)
            .or_else(|| self.headers.get(head.key))
            .and_then(|&i| cells.get(i))
            .map_or("", |c| unguard(c.trim()))
    }

    fn refuse(&mut self, row: u32, column: Option<&Head>, code: &str, message: impl Into<String>) {
        self.errors.push(WorkbookRowErrorOut {
            sheet: self.sheet.to_owned(),
            row,
            column: column.map(|h| h.ja.to_owned()),
            code: code.into(),
            message: message.into(),
        });
    }

    /// Reads row `row`'s 状況 cell as one of `all` and moves `current` to it, recording the
    /// change in `changes` when it differs; false when the word is refused.
    #[allow(clippy::too_many_arguments)] // the cell, the words it may hold, and where it goes
    fn move_status<S: Copy + PartialEq>(
        &mut self,
        row: u32,
        cells: &[String],
        current: &mut S,
        all: &[S],
        label: fn(S) -> &'static str,
        code: fn(S) -> &'static str,
        changes: &mut Vec<FieldChangeOut>,
    ) -> bool {
        let Some(status) = self.status(row, cells, all, label, code) else {
            return false;
        };
        if status != *current {
            changes.push(change(
                &STATUS,
                Some(label(*current).into()),
                Some(label(status).into()),
            ));
            *current = status;
        }
        true
    }

    /// Reads row `row`'s 状況 cell as one of `all`; see `word`.
    fn status<S: Copy>(
        &mut self,
        row: u32,
        cells: &[String],
        all: &[S],
        label: fn(S) -> &'static str,
        code: fn(S) -> &'static str,
    ) -> Option<S> {
        self.word(row, cells, &STATUS, all, label, code)
    }

    /// Reads row `row`'s cell of `head` as one of `all` (by its Japanese label or its code); a
    /// word that names none is refused, listing the words that do. `None` when refused.
    fn word<S: Copy>(
        &mut self,
        row: u32,
        cells: &[String],
        head: &Head,
        all: &[S],
        label: fn(S) -> &'static str,
        code: fn(S) -> &'static str,
    ) -> Option<S> {
        let text = self.cell(cells, head);
        let found = all
            .iter()
            .copied()
            .find(|&s| label(s) == text || code(s) == text);
        if found.is_none() {
            let words: Vec<&str> = all.iter().map(|&s| label(s)).collect();
            let name = head.ja.split('（').next().unwrap_or(head.ja);
            self.refuse(
                row,
                Some(head),
                "invalid_value",
                format!("{name}は {} のいずれかです", words.join("、")),
            );
        }
        found
    }
}

fn number_text(n: Option<f64>) -> Option<String> {
    n.map(|n| format!("{n}"))
}

fn parse_number(text: &str) -> Result<Option<f64>, String> {
    let text = text.replace([',', '，'], "");
    let text = domain::text::normalize(text.trim());
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(Some)
        .ok_or_else(|| format!("「{text}」は数値として読めません"))
}

fn text_rule(
    rule: fn(&str) -> Result<(), validator::ValidationError>,
    text: &str,
) -> Result<(), String> {
    rule(text).map_err(|e| {
        e.message
            .map(|m| m.to_string())
            .unwrap_or_else(|| e.code.to_string())
    })
}

fn change(head: &Head, before: Option<String>, after: Option<String>) -> FieldChangeOut {
    FieldChangeOut {
        field: head.key.to_owned(),
        label: head.ja.to_owned(),
        before,
        after,
    }
}

/// The writes a row asks for, and what they change; `None` when a cell is refused (the reason
/// is in `reading.errors`).
async fn row_write(
    answering: &Answering<'_>,
    reading: &mut Reading<'_>,
    parts: &mut Parts,
    (row, cells): (u32, &[String]),
    item: &Item,
    now: &RecordNow,
) -> Result<Option<(Option<RecordWrite>, Vec<FieldChangeOut>)>, ApiError> {
    let Answering {
        state,
        caller,
        dir,
        as_of,
    } = *answering;
    let mut changes = Vec::new();
    // A refused part row (a milestone, an effect) refuses its item's row with it.
    let mut refused = parts.refused(item.id);
    let write = match item.record_kind {
        RecordKind::Reform => {
            let reform =
                reforms::find_reform(&state.db.conn, domain::ReformId::new(item.record_id))
                    .await?
                    .ok_or(StoreError::NotFound)?;
            let mut fields = reform.fields.clone();
            refused |= !reading.move_status(
                row,
                cells,
                &mut fields.status,
                &ReformStatus::ALL,
                ReformStatus::label_ja,
                ReformStatus::as_str,
                &mut changes,
            );
            let period = reading.cell(cells, &PERIOD).to_owned();
            let period = (!period.is_empty()).then_some(period);
            // A period as stored is taken as it is (it was checked when written).
            if let Some(text) = period
                .as_ref()
                .filter(|p| **p != fields.period_text.as_deref().unwrap_or_default())
                && let Err(message) = text_rule(crate::text_rules::period_text, text)
            {
                refused = true;
                reading.refuse(row, Some(&PERIOD), "invalid_value", message);
            } else if period != fields.period_text {
                changes.push(change(&PERIOD, fields.period_text.clone(), period.clone()));
                fields.period_text = period;
            }
            if let Some(effects) = parts.take_effects(item.id)
                && effects != fields.effects
            {
                changes.push(change(
                    &parts::EFFECTS,
                    parts::effects_text(&fields.effects),
                    parts::effects_text(&effects),
                ));
                fields.effects = effects;
            }
            if !changes.is_empty()
                && !dir
                    .rights_over(caller, fields.bureau_id, &fields.section_ids)
                    .edit
            {
                refused = true;
                reading.refuse(row, None, "forbidden", "この記録を更新する権限がありません");
            }
            (!changes.is_empty()).then_some(RecordWrite::Reform {
                id: reform.id,
                expected_version: now.version,
                fields,
            })
        }
        RecordKind::DigitalSystem => {
            let system = persistence::ledger::find_system(&state.db.conn, item.record_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            let mut fields = system.fields.clone();
            refused |= !reading.move_status(
                row,
                cells,
                &mut fields.status,
                &SystemStatus::ALL,
                SystemStatus::label_ja,
                SystemStatus::as_str,
                &mut changes,
            );
            match parse_number(reading.cell(cells, &HOURS)) {
                Ok(Some(h)) if !(0.0..=10_000_000.0).contains(&h) => {
                    refused = true;
                    reading.refuse(row, Some(&HOURS), "out_of_range", "0〜10000000 の数値です");
                }
                Ok(hours) => {
                    if hours != fields.annual_hours_saved {
                        changes.push(change(
                            &HOURS,
                            number_text(fields.annual_hours_saved),
                            number_text(hours),
                        ));
                        fields.annual_hours_saved = hours;
                    }
                }
                Err(message) => {
                    refused = true;
                    reading.refuse(row, Some(&HOURS), "invalid_value", message);
                }
            }
            match parse_number(reading.cell(cells, &YEN)) {
                Ok(Some(y)) if y.fract() != 0.0 || !(0.0..=1e12).contains(&y) => {
                    refused = true;
                    reading.refuse(row, Some(&YEN), "out_of_range", "0〜1兆 の整数（円）です");
                }
                Ok(yen) => {
                    let yen = yen.map(|y| y as i64);
                    if yen != fields.cost_effect_yen {
                        changes.push(change(
                            &YEN,
                            fields.cost_effect_yen.map(|y| y.to_string()),
                            yen.map(|y| y.to_string()),
                        ));
                        fields.cost_effect_yen = yen;
                    }
                }
                Err(message) => {
                    refused = true;
                    reading.refuse(row, Some(&YEN), "invalid_value", message);
                }
            }
            let bureau = dir.bureau_of_section(fields.section_id).unwrap_or_default();
            if !changes.is_empty() && !dir.rights_over(caller, bureau, &[fields.section_id]).edit {
                refused = true;
                reading.refuse(row, None, "forbidden", "この記録を更新する権限がありません");
            }
            (!changes.is_empty()).then_some(RecordWrite::DigitalSystem {
                id: system.id,
                expected_version: now.version,
                fields,
            })
        }
        RecordKind::Kpi => {
            let note = reading.cell(cells, &ACTUAL_NOTE).to_owned();
            let note = (!note.is_empty()).then_some(note);
            if let Some(text) = &note
                && let Err(message) =
                    text_rule(|t| crate::text_rules::text_rule(t, 500, true), text)
            {
                refused = true;
                reading.refuse(row, Some(&ACTUAL_NOTE), "invalid_value", message);
            }
            match parse_number(reading.cell(cells, &ACTUAL)) {
                Ok(Some(value)) if crate::department::amount(value).is_err() => {
                    refused = true;
                    reading.refuse(row, Some(&ACTUAL), "out_of_range", "±1e15 までの数値です");
                    None
                }
                Ok(Some(value)) => {
                    changes.push(change(
                        &ACTUAL,
                        number_text(now.values["latest_actual"]["value"].as_f64()),
                        number_text(Some(value)),
                    ));
                    Some(RecordWrite::KpiActual {
                        kpi_id: item.record_id,
                        expected_version: now.version,
                        value,
                        // Measured on 基準日, or today when 基準日 is still ahead.
                        measured_on: as_of.min(state.clock.today_in_tokyo()),
                        note,
                    })
                }
                Ok(None) => {
                    if note.is_some() {
                        refused = true;
                        reading.refuse(
                            row,
                            Some(&ACTUAL_NOTE),
                            "value_required",
                            "実績の備考は基準日の実績値と一緒に入力してください（未測定の理由はコメント欄へ）",
                        );
                    }
                    None
                }
                Err(message) => {
                    refused = true;
                    reading.refuse(row, Some(&ACTUAL), "invalid_value", message);
                    None
                }
            }
        }
        RecordKind::PolicyIssue => {
            let was = now.values["status"].as_str().and_then(IssueStatus::parse);
            // A blank 状況 keeps the issue's word (a check-in never clears it).
            let status = if reading.cell(cells, &STATUS).is_empty() {
                None
            } else {
                match reading.status(
                    row,
                    cells,
                    &IssueStatus::ALL,
                    IssueStatus::label_ja,
                    IssueStatus::as_str,
                ) {
                    Some(status) => Some(status).filter(|s| Some(*s) != was),
                    None => {
                        refused = true;
                        None
                    }
                }
            };
            if let Some(status) = status {
                changes.push(change(
                    &STATUS,
                    was.map(|s| s.label_ja().to_owned()),
                    Some(status.label_ja().to_owned()),
                ));
            }
            let body = reading.cell(cells, &PROGRESS).to_owned();
            let note = if body.is_empty() {
                None
            } else if let Err(message) = text_rule(crate::text_rules::long_text, &body) {
                refused = true;
                reading.refuse(row, Some(&PROGRESS), "invalid_value", message);
                None
            } else {
                changes.push(change(
                    &PROGRESS,
                    now.values["latest_progress_note"]["body"]
                        .as_str()
                        .map(str::to_owned),
                    Some(body.clone()),
                ));
                Some(NoteDraft {
                    as_of,
                    as_of_label: format!("{}時点", domain::wareki::format_year_month(as_of)),
                    body,
                })
            };
            let mut milestones = Vec::new();
            for edit in parts.take_milestones(item.id) {
                changes.push(edit.change);
                milestones.push(edit.moved);
            }
            (status.is_some() || note.is_some() || !milestones.is_empty()).then_some(
                RecordWrite::CheckIn {
                    issue_id: item.record_id,
                    expected_version: now.version,
                    check_in: CheckIn {
                        status,
                        note,
                        milestones,
                    },
                },
            )
        }
        RecordKind::ProposalAssignment => {
            let read =
                assignment::assignment_write(answering, reading, (row, cells), item, now).await?;
            match read {
                Some((write, mut moved)) => {
                    changes.append(&mut moved);
                    write
                }
                None => {
                    refused = true;
                    None
                }
            }
        }
    };
    if write.is_some() && matches!(item.record_kind, RecordKind::Kpi | RecordKind::PolicyIssue) {
        let issue_id = match item.record_kind {
            RecordKind::Kpi => policies::find_kpi(&state.db.conn, item.record_id)
                .await?
                .map(|k| k.issue_id),
            _ => Some(item.record_id),
        };
        let bureau = match issue_id {
            Some(issue_id) => policies::find_issue(&state.db.conn, issue_id)
                .await?
                .map(|i| i.bureau_id),
            None => None,
        };
        if !bureau.is_some_and(|b| dir.rights_over_bureau(caller, b).edit) {
            refused = true;
            reading.refuse(row, None, "forbidden", "この記録を更新する権限がありません");
        }
    }
    Ok((!refused).then_some((write, changes)))
}

/// Reads every sheet of the workbook against the request's items: the rows that answer, and the
/// refusals.
async fn read_answers(
    answering: &Answering<'_>,
    mut pages: Vec<Page>,
    items: &[Item],
    now: &HashMap<(RecordKind, i64), RecordNow>,
    findings: &mut Findings,
) -> Result<Vec<ReadRow>, ApiError> {
    let Findings { errors, notes } = findings;
    let by_id: HashMap<i64, &Item> = items.iter().map(|i| (i.id, i)).collect();
    let context = PartContext {
        items: &by_id,
        now,
        done_on: answering.as_of.min(answering.state.clock.today_in_tokyo()),
    };
    let mut parts = Parts::read(&mut pages, &context, errors);
    let reforms_listed = pages.iter().any(|p| p.name == SHEETS[0].1);
    if reforms_listed && !parts.has_effect_sheet() {
        notes.push(format!(
            "シート「{EFFECT_SHEET}」がないため、取組の効果は変更しません"
        ));
    }
    let mut seen: HashSet<i64> = HashSet::new();
    let mut out = Vec::new();
    for Page {
        name,
        headers,
        rows,
    } in pages
    {
        let name = name.as_str();
        let Some(kind) = SHEETS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k) else {
            notes.push(format!(
                "シート「{name}」は照会の回答ではないため読みませんでした"
            ));
            continue;
        };
        let headers: HashMap<&str, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.as_str(), i))
            .collect();
        let mut reading = Reading {
            sheet: name,
            headers,
            errors,
        };
        let required: Vec<Head> = [ITEM, VERSION, ANSWER]
            .into_iter()
            .chain(answered_columns(kind).iter().copied())
            .collect();
        if !reading.has_columns(&required) {
            continue;
        }
        for (row, cells) in rows {
            let item_text = reading.cell(&cells, &ITEM).to_owned();
            let Some(item) = item_text
                .parse::<f64>()
                .ok()
                .filter(|n| n.fract() == 0.0)
                .and_then(|n| by_id.get(&(n as i64)))
                .filter(|i| i.record_kind == kind)
            else {
                reading.refuse(
                    row,
                    Some(&ITEM),
                    "unknown_item",
                    format!("項目ID「{item_text}」はこの依頼の{name}の項目ではありません"),
                );
                continue;
            };
            if !seen.insert(item.id) {
                reading.refuse(row, Some(&ITEM), "duplicate_item", "同じ項目が2行あります");
                continue;
            }
            let answer_text = reading.cell(&cells, &ANSWER).to_owned();
            let outcome = match answer_text.as_str() {
                "" => None,
                UNCHANGED | "unchanged" => Some(Outcome::Unchanged),
                CHANGED | "changed" => Some(Outcome::Changed),
                other => {
                    reading.refuse(
                        row,
                        Some(&ANSWER),
                        "invalid_value",
                        format!("回答「{other}」は「{UNCHANGED}」か「{CHANGED}」です"),
                    );
                    continue;
                }
            };
            let Some(record) = now.get(&(kind, item.record_id)) else {
                reading.refuse(row, None, "record_gone", "この記録は削除されています");
                continue;
            };
            let version_text = reading.cell(&cells, &VERSION).to_owned();
            let version = version_text
                .parse::<f64>()
                .ok()
                .filter(|n| n.fract() == 0.0)
                .map(|n| n as i64);
            let read = row_write(
                answering,
                &mut reading,
                &mut parts,
                (row, &cells),
                item,
                record,
            )
            .await?;
            let Some((write, changes)) = read else {
                continue;
            };
            if outcome.is_none() && changes.is_empty() {
                // Not answered in this workbook.
                continue;
            }
            if version != Some(i64::from(record.version)) {
                reading.refuse(
                    row,
                    Some(&VERSION),
                    "stale",
                    format!(
                        "この記録はダウンロード後に更新されています（版 {version_text} → 現在 {}）。ダウンロードし直してください",
                        record.version
                    ),
                );
                continue;
            }
            let outcome = match outcome {
                None => {
                    reading.refuse(
                        row,
                        Some(&ANSWER),
                        "answer_required",
                        format!("値を変えた行は回答欄に「{CHANGED}」と入力してください"),
                    );
                    continue;
                }
                Some(Outcome::Unchanged) if !changes.is_empty() => {
                    reading.refuse(
                        row,
                        Some(&ANSWER),
                        "answer_contradicts",
                        format!("値を変えていますが回答が「{UNCHANGED}」です"),
                    );
                    continue;
                }
                Some(outcome) => outcome,
            };
            let comment =
                crate::text_rules::optional(Some(reading.cell(&cells, &COMMENT).to_owned()));
            if let Some(text) = &comment
                && let Err(message) = text_rule(crate::rounds::comment_text, text)
            {
                reading.refuse(row, Some(&COMMENT), "invalid_value", message);
                continue;
            }
            out.push(ReadRow {
                out: WorkbookRowOut {
                    sheet: name.to_owned(),
                    row,
                    item_id: item.id,
                    record_kind: kind.into(),
                    record_id: item.record_id,
                    title: record.title.clone(),
                    outcome: outcome.as_str().to_owned(),
                    changes,
                },
                answer: WorkbookAnswer {
                    item_id: item.id,
                    outcome,
                    comment,
                    write,
                },
            });
        }
    }
    parts.refuse_orphans(&seen, errors);
    Ok(out)
}

/// A refusal as problem+json names it: `/{sheet}/{row}/{column}`.
fn field_errors(errors: &[WorkbookRowErrorOut]) -> Vec<FieldError> {
    errors
        .iter()
        .take(100)
        .map(|e| FieldError {
            pointer: match &e.column {
                Some(column) => format!("/{}/{}/{}", e.sheet, e.row, column),
                None => format!("/{}/{}", e.sheet, e.row),
            },
            location: FieldLocation::Body,
            code: e.code.clone(),
            message: e.message.clone(),
        })
        .collect()
}

/// The refusal of a whole upload: 412 when a row is stale (like the record's own endpoint), 409
/// when a row answers `changed` without a write, 422 otherwise.
fn refused(errors: &[WorkbookRowErrorOut]) -> ApiError {
    let code = if errors.iter().any(|e| e.code == "stale") {
        ErrorCode::PreconditionFailed
    } else if errors.iter().any(|e| e.code == "no_write") {
        ErrorCode::Conflict
    } else {
        ErrorCode::ValidationFailed
    };
    ApiError {
        errors: field_errors(errors),
        ..ApiError::new(code).with_detail(format!(
            "{} rows of the workbook are refused; nothing was written (`errors` names them, at most 100)",
            errors.len()
        ))
    }
}

fn stage_refusal(err: &domain::proposal::TransitionError) -> String {
    use domain::proposal::TransitionError;
    match err {
        TransitionError::Illegal { to, allowed } if allowed.is_empty() => format!(
            "この所管課の検討は終わっているため、{}には進められません",
            to.label_ja()
        ),
        TransitionError::Illegal { to, allowed } => format!(
            "基準日の段階から{}には進められません（進められる段階: {}）",
            to.label_ja(),
            allowed
                .iter()
                .map(|s| s.label_ja())
                .collect::<Vec<_>>()
                .join("、")
        ),
        TransitionError::DecisionRequired => {
            "③にするときは判断（継続／終了）を入力してください".to_owned()
        }
        TransitionError::DecisionNotAllowed => "判断は③のときだけ入力します".to_owned(),
    }
}

/// The refusal of one row by the write itself, in the row's terms.
fn row_refusal(row: &WorkbookRowOut, error: RoundError) -> Result<WorkbookRowErrorOut, ApiError> {
    let (code, message) = match error {
        RoundError::Store(StoreError::Stale { current, .. }) => (
            "stale",
            format!("この記録はダウンロード後に更新されています（現在の版 {current}）。ダウンロードし直してください"),
        ),
        RoundError::NoWrite => (
            "no_write",
            "照会開始後にこの記録は更新されていません。値を入力するか、回答ページで更新してから「変更あり」と回答してください"
                .to_owned(),
        ),
        RoundError::Stage(err) => ("illegal_stage", stage_refusal(&err)),
        RoundError::Store(StoreError::MissingReference(what)) => {
            ("missing_reference", format!("{what} がありません"))
        }
        RoundError::Store(StoreError::Duplicate) => (
            "duplicate",
            "同じ名称・日付の記録がすでにあります".to_owned(),
        ),
        other => return Err(other.into()),
    };
    Ok(WorkbookRowErrorOut {
        sheet: row.sheet.clone(),
        row: row.row,
        column: None,
        code: code.into(),
        message,
    })
}

/// Answers the request from its workbook, filled in. A dry run (`dry_run=true`) says, row by
/// row, what would change (field, before, after) or why the row is refused, and writes nothing.
/// Otherwise every row is written through the record's own write path (the same checks, audit
/// event and history) and its item answered (変更あり／変更なし), all in one transaction: any
/// refused row refuses the whole upload (412 when a row's version is stale, naming the row; 422
/// for a value that cannot be read; 409 for 変更あり without a write) and nothing is written.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), WorkbookQuery),
    request_body(content = WorkbookUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = WorkbookAnswerOut),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round is not open, the request was submitted, or a row answers 変更あり without a write", body = crate::Problem, content_type = "application/problem+json"),
        (status = 412, description = "A row's record changed since the workbook was downloaded; `errors` names the rows", body = crate::Problem, content_type = "application/problem+json"),
        (status = 413, body = crate::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read, or rows are refused (`errors` names them)", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[post("/round-requests/{id}/workbook")]
pub async fn answer_request_workbook(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<WorkbookQuery>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::AnswerRounds)?;
    let id = *id;
    answerable_request(&state, &caller, id).await?;
    let dry_run = query.dry_run.unwrap_or(false);
    let (_, bytes) = read_upload(payload).await?;
    let sheets = crate::offload::run(move || read_workbook(&bytes)).await??;
    let (request, round, dir) = readable_request(&state, &caller, id).await?;
    // Refused before any row is read, as answering one item is: a workbook of blank answers
    // would otherwise be "previewed" for a round that takes no answers.
    if !round.state.takes_answers() {
        return Err(RoundError::NotOpen(round.state).into());
    }
    request
        .state
        .after(RequestStep::AnswerItem)
        .map_err(RoundError::from)?;
    let items = rounds::items_of(&state.db.conn, request.id).await?;
    let now = rounds::records_now(&state.db.conn, &items).await?;
    let mut pages = Vec::with_capacity(sheets.len());
    for (name, mut sheet) in sheets {
        let rows = sheet.next_batch(usize::MAX)?;
        pages.push(Page {
            name,
            headers: sheet.headers,
            rows,
        });
    }
    let answering = Answering {
        state: &state,
        caller: &caller,
        dir: &dir,
        as_of: round.fields.as_of,
    };
    let mut findings = Findings::default();
    let read = read_answers(&answering, pages, &items, &now, &mut findings).await?;
    let Findings {
        mut errors,
        mut notes,
    } = findings;
    if read.is_empty() && errors.is_empty() {
        notes.push(
            "回答された行がありません（回答欄に「変更なし」か「変更あり」を入力してください）"
                .into(),
        );
    }
    if !dry_run && !errors.is_empty() {
        return Err(refused(&errors));
    }
    let (rows, answers): (Vec<WorkbookRowOut>, Vec<WorkbookAnswer>) =
        read.into_iter().map(|r| (r.out, r.answer)).unzip();
    let audit_actor = actor(&caller).via(format!("round request {id} workbook"));
    let mut after = request.clone();
    if errors.is_empty() && !answers.is_empty() {
        match rounds::answer_by_workbook(
            &state.db.conn,
            id,
            answers,
            person(&caller),
            &audit_actor,
            dry_run,
        )
        .await
        {
            Ok(request) => after = request,
            Err(WorkbookError::Request(e)) => return Err(crate::rounds::request_missing(e)),
            Err(WorkbookError::Row { index, error }) => {
                let Some(row) = rows.get(index) else {
                    return Err(error.into());
                };
                errors.push(row_refusal(row, error)?);
                if !dry_run {
                    return Err(refused(&errors));
                }
            }
        }
    }
    let applied = !dry_run && errors.is_empty() && !rows.is_empty();
    let out = WorkbookAnswerOut {
        dry_run,
        applied,
        request: request_out(&dir, &after, &round, &caller, state.clock.today_in_tokyo()),
        rows,
        errors,
        notes,
    };
    Ok(HttpResponse::Ok().json(out))
}
