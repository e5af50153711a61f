//! `POST /imports` and `GET /imports/{id}`: reforms, proposals or ledger entries from CSV (UTF-8,
//! UTF-8 with BOM, or Shift_JIS/CP932 as kintone and Excel write it), XLSX or JSON. Columns are
//! recognised by their Japanese or English header, every row passes the same rules as the API,
//! and rows update the record with the same key or create one. A dry run reports per row and
//! changes nothing; a real import writes every row in one transaction, or none.
//!
//! The file is read off the HTTP workers (`offload`) within limits checked as it is read, and the
//! job runs on the server's own runtime (`import_jobs`), recorded in the database.

use crate::auth::Authenticated;
use crate::context::actor;
use crate::department::Directory;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::exports::{PROPOSAL_COLUMNS, REFORM_COLUMNS, SYSTEM_COLUMNS};
use crate::extract::field_errors;
use crate::import_jobs::JobLog;
use crate::ledger::{DigitalSystemIn, system_fields};
use crate::proposals::records::{ProposalIn, proposal_fields};
use crate::reforms::{ReformIn, reform_fields};
use crate::state::AppState;
use crate::tabular::{Column, unguard};
use crate::workbook_guard::{self, Refusal, WorkbookLimits};
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ledger::{Platform, SystemStatus};
use domain::proposal::ImplementationStatus;
use domain::reform::ReformStatus;
use domain::search::search_form;
use domain::{Action, Principal, authorize};
use futures_util::StreamExt;
use persistence::AuditActor;
use persistence::organization;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The most rows one import takes.
pub const MAX_ROWS: usize = 100_000;
/// The most columns a file may have.
pub const MAX_COLUMNS: usize = 1_000;
/// The most cells kept from one file (rows × the header's columns): 100,000 rows of 40 columns.
/// Short rows padded to the header's width cost memory without costing bytes in the file.
pub const MAX_CELLS: usize = 4_000_000;
/// What an XLSX file may unpack to. A 100,000-row export of reforms with every text column
/// filled unpacks to about a third of this.
pub const WORKBOOK_LIMITS: WorkbookLimits = WorkbookLimits {
    max_unpacked_bytes: 256 * 1024 * 1024,
    // The header row and MAX_ROWS records.
    max_rows: MAX_ROWS + 1,
    max_entries: 10_000,
    max_shared_strings: MAX_CELLS as u64,
};
/// How often a running import writes its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKindDto {
    Reforms,
    Proposals,
    DigitalSystems,
}

impl ImportKindDto {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKindDto::Reforms => "reforms",
            ImportKindDto::Proposals => "proposals",
            ImportKindDto::DigitalSystems => "digital_systems",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ImportKindDto::Reforms,
            ImportKindDto::Proposals,
            ImportKindDto::DigitalSystems,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStateDto {
    Running,
    /// The dry run finished, or the import was committed.
    Succeeded,
    /// A real import found rejected rows and changed nothing.
    Rejected,
    /// Something unexpected stopped it; nothing was changed.
    Failed,
    /// The server stopped (or was stopped) before the import finished; nothing was changed.
    Interrupted,
}

impl ImportStateDto {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStateDto::Running => "running",
            ImportStateDto::Succeeded => "succeeded",
            ImportStateDto::Rejected => "rejected",
            ImportStateDto::Failed => "failed",
            ImportStateDto::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ImportStateDto::Running,
            ImportStateDto::Succeeded,
            ImportStateDto::Rejected,
            ImportStateDto::Failed,
            ImportStateDto::Interrupted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcomeDto {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportCellErrorOut {
    /// The column as headed in the file.
    pub column: Option<String>,
    /// The API field it feeds.
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportRowOut {
    /// The spreadsheet row: the header is row 1, the first record row 2.
    pub row: u32,
    /// What the row was matched by, e.g. `ID 14` or `2025 No.12`.
    pub key: Option<String>,
    pub outcome: ImportOutcomeDto,
    /// The record written or matched (none for a dry run's new record).
    pub record_id: Option<i64>,
    pub title: Option<String>,
    /// Present exactly when the row is rejected.
    pub errors: Vec<ImportCellErrorOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportColumnOut {
    pub header: String,
    /// The field it is read into; null for a column that is not imported.
    pub field: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportSummaryOut {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub rejected: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportJobOut {
    pub id: String,
    pub kind: ImportKindDto,
    pub dry_run: bool,
    pub file_name: String,
    /// csv, xlsx or json
    pub format: String,
    /// CSV only: UTF-8, UTF-8 (BOM) or Shift_JIS.
    pub encoding: Option<String>,
    pub state: ImportStateDto,
    pub total_rows: u32,
    pub processed_rows: u32,
    pub summary: ImportSummaryOut,
    pub columns: Vec<ImportColumnOut>,
    pub rows: Vec<ImportRowOut>,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------------
// Reading the file

/// A file read into a header row and record rows of text.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    pub headers: Vec<String>,
    /// (spreadsheet row number, cells)
    pub rows: Vec<(u32, Vec<String>)>,
}

fn unreadable(message: impl Into<String>) -> ApiError {
    file_problem("unreadable_file", message)
}

fn file_problem(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![FieldError {
        pointer: "/file".into(),
        location: FieldLocation::Body,
        code: code.into(),
        message: message.into(),
    }])
}

fn too_many_rows() -> ApiError {
    file_problem(
        "too_many_rows",
        format!("at most {MAX_ROWS} rows per import; split the file"),
    )
}

fn too_many_cells() -> ApiError {
    file_problem(
        "too_many_cells",
        format!(
            "at most {MAX_CELLS} cells (rows × columns) and {MAX_COLUMNS} columns per import; remove unused columns or split the file"
        ),
    )
}

fn refused_workbook(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotAWorkbook(cause) => unreadable(format!("the workbook cannot be read: {cause}")),
        Refusal::TooManyRows { .. } => too_many_rows(),
        Refusal::UnpackedTooLarge { .. } | Refusal::TooManyEntries { .. } => file_problem(
            "unpacked_too_large",
            format!(
                "the workbook unpacks to more than {} MB; save only the sheet to import, or split it",
                WORKBOOK_LIMITS.max_unpacked_bytes / 1024 / 1024
            ),
        ),
        Refusal::TooManySharedStrings { .. } => too_many_cells(),
    }
}

/// Collects a file's records as they are read, within the limits. The first record with any text
/// is the header; cells past the header's last column are dropped, as no field could read them.
struct SheetBuilder {
    format: &'static str,
    encoding: Option<&'static str>,
    headers: Option<Vec<String>>,
    rows: Vec<(u32, Vec<String>)>,
    cells: usize,
}

impl SheetBuilder {
    fn new(format: &'static str, encoding: Option<&'static str>) -> Self {
        SheetBuilder {
            format,
            encoding,
            headers: None,
            rows: Vec::new(),
            cells: 0,
        }
    }

    /// How many leading cells of a record are kept.
    fn width(&self) -> usize {
        self.headers.as_ref().map_or(MAX_COLUMNS, Vec::len)
    }

    fn push(&mut self, number: u32, mut cells: Vec<String>) -> Result<(), ApiError> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        match &self.headers {
            None => {
                if cells.len() > MAX_COLUMNS {
                    return Err(too_many_cells());
                }
                self.headers = Some(cells.into_iter().map(|h| h.trim().to_owned()).collect());
            }
            Some(headers) => {
                if self.rows.len() >= MAX_ROWS {
                    return Err(too_many_rows());
                }
                cells.truncate(headers.len());
                self.cells += headers.len();
                if self.cells > MAX_CELLS {
                    return Err(too_many_cells());
                }
                self.rows.push((number, cells));
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Sheet, ApiError> {
        Ok(Sheet {
            format: self.format,
            encoding: self.encoding,
            headers: self
                .headers
                .ok_or_else(|| unreadable("the file has no header row"))?,
            rows: self.rows,
        })
    }
}

/// Text of the CSV, and the encoding it was written in.
fn decode_csv(bytes: &[u8]) -> Result<(String, &'static str), ApiError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest)
            .map_err(|_| unreadable("the file starts like UTF-8 but is not"))?;
        return Ok((text.to_owned(), "UTF-8 (BOM)"));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), "UTF-8"));
    }
    // WHATWG's Shift_JIS is Microsoft's CP932, with ①, ㈱ and the NEC/IBM extensions (髙).
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(unreadable(
            "the file is neither UTF-8 nor Shift_JIS; save it as CSV (UTF-8) and try again",
        ));
    }
    Ok((text.into_owned(), "Shift_JIS"))
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, ApiError> {
    let (text, encoding) = decode_csv(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sheet = SheetBuilder::new("csv", Some(encoding));
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(format!("the CSV cannot be read: {e}")))?;
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let width = sheet.width();
        sheet.push(
            number,
            record.iter().take(width).map(str::to_owned).collect(),
        )?;
    }
    sheet.finish()
}

fn excel_cell(cell: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) => format!("{f}"),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(at) => excel_serial_text(at.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("{e:?}"),
    }
}

/// A spreadsheet date serial (days since 1899-12-30 in the 1900 system) as ISO text.
fn excel_serial_text(serial: f64) -> String {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).and_then(|d| d.and_hms_opt(0, 0, 0));
    let seconds = (serial * 86_400.0).round() as i64;
    match epoch.and_then(|e| e.checked_add_signed(chrono::TimeDelta::seconds(seconds))) {
        Some(at) if at.time() == chrono::NaiveTime::MIN => at.date().to_string(),
        Some(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => serial.to_string(),
    }
}

/// The first worksheet, cell by cell in file order: nothing is allocated for the cells a sheet
/// merely claims to span, only for those it holds.
fn read_xlsx(bytes: &[u8]) -> Result<Sheet, ApiError> {
    use calamine::Reader;
    workbook_guard::inspect(bytes, &WORKBOOK_LIMITS).map_err(refused_workbook)?;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
            .map_err(|e| unreadable(format!("the workbook cannot be read: {e}")))?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| unreadable("the workbook has no worksheet"))?;
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(format!("the first worksheet cannot be read: {e}")))?;
    let mut sheet = SheetBuilder::new("xlsx", None);
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| unreadable(format!("the first worksheet cannot be read: {e}")))?
    {
        let (row, column) = cell.get_position();
        if current.as_ref().is_none_or(|(at, _)| *at != row) {
            if let Some((at, record)) = current.take() {
                sheet.push(at.saturating_add(1), record)?;
            }
            current = Some((row, Vec::new()));
        }
        let column = usize::try_from(column).unwrap_or(usize::MAX);
        let text = excel_cell(cell.get_value());
        if text.is_empty() || column >= sheet.width() {
            continue;
        }
        if let Some((_, record)) = current.as_mut() {
            if record.len() <= column {
                record.resize(column + 1, String::new());
            }
            record[column] = text;
        }
    }
    if let Some((at, record)) = current {
        sheet.push(at.saturating_add(1), record)?;
    }
    sheet.finish()
}

fn json_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => value.to_string(),
        other => other.to_string(),
    }
}

/// Marks the errors the bounded readers below raise, so that they answer with their own code.
const TOO_MANY_ROWS: &str = "platina: too many rows";
const TOO_MANY_KEYS: &str = "platina: too many keys";

/// One JSON object of at most MAX_COLUMNS keys.
struct BoundedObject(Map<String, Value>);

impl<'de> Deserialize<'de> for BoundedObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = BoundedObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut object = Map::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    object.insert(key, value);
                    if object.len() > MAX_COLUMNS {
                        return Err(serde::de::Error::custom(TOO_MANY_KEYS));
                    }
                }
                Ok(BoundedObject(object))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// A JSON array of at most MAX_ROWS objects, read one object at a time.
struct BoundedArray(Vec<Map<String, Value>>);

impl<'de> Deserialize<'de> for BoundedArray {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Objects;
        impl<'de> serde::de::Visitor<'de> for Objects {
            type Value = BoundedArray;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON array of objects")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut objects = Vec::new();
                while let Some(BoundedObject(object)) = seq.next_element()? {
                    if objects.len() >= MAX_ROWS {
                        return Err(serde::de::Error::custom(TOO_MANY_ROWS));
                    }
                    objects.push(object);
                }
                Ok(BoundedArray(objects))
            }
        }
        deserializer.deserialize_seq(Objects)
    }
}

fn json_problem(e: &serde_json::Error, what: impl Into<String>) -> ApiError {
    let text = e.to_string();
    if text.starts_with(TOO_MANY_ROWS) {
        too_many_rows()
    } else if text.starts_with(TOO_MANY_KEYS) {
        too_many_cells()
    } else {
        unreadable(format!("{}: {text}", what.into()))
    }
}

/// A JSON array of objects, or NDJSON (one object per line), keyed by the column names.
fn read_json(bytes: &[u8]) -> Result<Sheet, ApiError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| unreadable("JSON must be UTF-8"))?;
    let objects: Vec<Map<String, Value>> = if text.trim_start().starts_with('[') {
        serde_json::from_str::<BoundedArray>(text)
            .map_err(|e| json_problem(&e, "the JSON cannot be read"))?
            .0
    } else {
        let mut objects = Vec::new();
        for (i, line) in text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
        {
            if objects.len() >= MAX_ROWS {
                return Err(too_many_rows());
            }
            let BoundedObject(object) = serde_json::from_str(line)
                .map_err(|e| json_problem(&e, format!("line {} is not a JSON object", i + 1)))?;
            objects.push(object);
        }
        objects
    };
    let mut headers: Vec<String> = Vec::new();
    for object in &objects {
        for key in object.keys() {
            if !headers.contains(key) {
                headers.push(key.clone());
                if headers.len() > MAX_COLUMNS {
                    return Err(too_many_cells());
                }
            }
        }
    }
    if objects.len().saturating_mul(headers.len()) > MAX_CELLS {
        return Err(too_many_cells());
    }
    let rows = objects
        .iter()
        .enumerate()
        .map(|(i, object)| {
            let cells = headers
                .iter()
                .map(|h| object.get(h).map(json_cell).unwrap_or_default())
                .collect();
            (u32::try_from(i + 2).unwrap_or(u32::MAX), cells)
        })
        .collect();
    Ok(Sheet {
        format: "json",
        encoding: None,
        headers,
        rows,
    })
}

/// Reads an uploaded file by its content: a ZIP is a workbook, `[` or `{` opens JSON, the rest
/// is CSV. CPU-bound: the server calls it through `offload`.
pub fn read_sheet(file_name: &str, bytes: &[u8]) -> Result<Sheet, ApiError> {
    let lower = file_name.to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        read_xlsx(bytes)
    } else if lower.ends_with(".json") || lower.ends_with(".ndjson") {
        read_json(bytes)
    } else {
        read_csv(bytes)
    }
}

// ---------------------------------------------------------------------------------------------
// Columns

/// Headers other systems use for the same field, in search form.
const ALIASES: &[(&str, &str)] = &[
    ("no", "report_number"),
    ("報告書no.", "report_number"),
    ("局区", "bureau"),
    ("局区名", "bureau"),
    ("局名", "bureau"),
    ("担当局", "bureau"),
    ("所管局", "bureau"),
    ("担当課", "sections"),
    ("課", "sections"),
    ("課題名", "title"),
    ("実施(予定)日", "period"),
    ("実施予定日", "period"),
    ("名称", "name"),
    ("所管", "section"),
    ("年間削減時間", "annual_hours_saved"),
    ("年間削減時間(h)", "annual_hours_saved"),
];

/// Columns the export writes for reading, not for writing back.
const EXPORT_ONLY: &[&str] = &[
    "number_in_bureau",
    "period_start",
    "period_end",
    "stage",
    "version",
    "updated_at",
];

fn columns_of(kind: ImportKindDto) -> &'static [Column] {
    match kind {
        ImportKindDto::Reforms => REFORM_COLUMNS,
        ImportKindDto::Proposals => PROPOSAL_COLUMNS,
        ImportKindDto::DigitalSystems => SYSTEM_COLUMNS,
    }
}

fn required_of(kind: ImportKindDto) -> &'static [&'static str] {
    match kind {
        ImportKindDto::Reforms => &["fiscal_year", "bureau", "title"],
        ImportKindDto::Proposals => &["fiscal_year", "theme", "title"],
        ImportKindDto::DigitalSystems => &["name", "bureau", "section", "platform", "status"],
    }
}

fn header_key(header: &str) -> String {
    search_form(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Each header's field (None: not imported).
fn map_columns(kind: ImportKindDto, headers: &[String]) -> Vec<Option<&'static str>> {
    let columns = columns_of(kind);
    headers
        .iter()
        .map(|header| {
            let key = header_key(header);
            columns
                .iter()
                .find(|c| header_key(c.ja) == key || header_key(c.field) == key)
                .map(|c| c.field)
                .or_else(|| {
                    ALIASES
                        .iter()
                        .find(|(alias, field)| {
                            header_key(alias) == key && columns.iter().any(|c| c.field == *field)
                        })
                        .map(|(_, field)| *field)
                })
                .filter(|field| !EXPORT_ONLY.contains(field))
                // In the proposal list, 担当課 is the responsible sections, which an import does
                // not assign.
                .filter(|field| !(kind == ImportKindDto::Proposals && *field == "sections"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Rows

struct Names {
    bureaus: HashMap<String, i64>,
    /// (bureau, name in search form, current or former) → section
    sections: HashMap<(i64, String), i64>,
}

impl Names {
    async fn load(db: &persistence::Database) -> Result<Names, ApiError> {
        let bureaus = organization::list_bureaus(&db.conn)
            .await?
            .into_iter()
            .map(|b| (search_form(b.name.trim()), b.id))
            .collect();
        let mut sections = HashMap::new();
        for section in organization::list_sections(&db.conn, None).await? {
            for name in &section.names {
                sections.insert(
                    (section.bureau_id, search_form(name.name.trim())),
                    section.id,
                );
            }
        }
        Ok(Names { bureaus, sections })
    }
}

type CellErrors = Vec<ImportCellErrorOut>;

struct Row<'a> {
    headers: &'a [String],
    fields: &'a [Option<&'static str>],
    cells: &'a [String],
}

impl Row<'_> {
    /// The cell of a field, trimmed, with an export's formula guard removed; None when blank.
    fn get(&self, field: &str) -> Option<String> {
        let at = self.fields.iter().position(|f| *f == Some(field))?;
        let raw = self.cells.get(at)?;
        let text = unguard(raw).trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn header(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .position(|f| *f == Some(field))
            .and_then(|at| self.headers.get(at).cloned())
    }

    fn error(&self, field: &str, code: &str, message: impl Into<String>) -> ImportCellErrorOut {
        ImportCellErrorOut {
            column: self.header(field),
            field: Some(field.to_owned()),
            code: code.into(),
            message: message.into(),
        }
    }
}

fn number_form(text: &str) -> String {
    search_form(text).replace([',', ' '], "")
}

fn integer(row: &Row, field: &str, errors: &mut CellErrors) -> Option<i64> {
    let text = row.get(field)?;
    match number_form(&text).parse::<f64>() {
        Ok(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(n as i64),
        _ => {
            errors.push(row.error(
                field,
                "not_a_whole_number",
                format!("「{text}」は整数ではありません"),
            ));
            None
        }
    }
}

fn decimal(row: &Row, field: &str, errors: &mut CellErrors) -> Option<f64> {
    let text = row.get(field)?;
    match number_form(&text).parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(row.error(
                field,
                "not_a_number",
                format!("「{text}」は数値ではありません"),
            ));
            None
        }
    }
}

fn fiscal_year(row: &Row, errors: &mut CellErrors) -> Option<i64> {
    let text = row.get("fiscal_year")?;
    let normalized = search_form(&text);
    let digits = normalized.trim_end_matches("年度");
    if let Ok(year) = digits.parse::<i64>() {
        return Some(year);
    }
    // 令和7年度, R7
    let reiwa = digits
        .strip_prefix("令和")
        .or_else(|| digits.strip_prefix('r'))
        .map(|n| if n == "元" { "1" } else { n });
    if let Some(year) = reiwa.and_then(|n| n.parse::<i64>().ok()) {
        return Some(2018 + year);
    }
    errors.push(row.error(
        "fiscal_year",
        "invalid_value",
        format!("「{text}」は年度として読めません（例: 2025, 令和7年度）"),
    ));
    None
}

fn date(row: &Row, field: &str, errors: &mut CellErrors) -> Option<String> {
    let text = row.get(field)?;
    let normalized = search_form(&text);
    let first = normalized.split_whitespace().next().unwrap_or_default();
    for format in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(first, format) {
            return Some(d.to_string());
        }
    }
    let period = domain::period::Period::parse(&normalized);
    if let Some(day) = period
        .earliest()
        .filter(|d| period.is_structured() && period.latest() == Some(*d))
    {
        return Some(day.to_string());
    }
    errors.push(row.error(
        field,
        "invalid_date",
        format!("「{text}」は日付として読めません（例: 2025-04-01, R7.4.1）"),
    ));
    None
}

fn yes_no(row: &Row, field: &str, errors: &mut CellErrors) -> Option<bool> {
    let text = row.get(field)?;
    match search_form(&text).as_str() {
        "はい" | "○" | "◯" | "true" | "1" | "yes" | "y" | "済" | "有" => Some(true),
        "いいえ" | "×" | "false" | "0" | "no" | "n" | "-" | "無" => Some(false),
        _ => {
            errors.push(row.error(
                field,
                "invalid_value",
                format!("「{text}」ははい／いいえとして読めません"),
            ));
            None
        }
    }
}

/// A label or code of one of `choices`, as (code, Japanese label) pairs.
fn choice(
    row: &Row,
    field: &str,
    choices: &[(&'static str, &'static str)],
    errors: &mut CellErrors,
) -> Option<&'static str> {
    let text = row.get(field)?;
    let key = search_form(&text);
    if let Some((code, _)) = choices
        .iter()
        .find(|(code, label)| key == *code || key == search_form(label))
    {
        return Some(code);
    }
    let listed: Vec<&str> = choices.iter().map(|(_, label)| *label).collect();
    errors.push(row.error(
        field,
        "unknown_choice",
        format!("「{text}」は選べません（{}）", listed.join("・")),
    ));
    None
}

fn list_of(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', '\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn bureau(row: &Row, names: &Names, errors: &mut CellErrors) -> Option<i64> {
    let text = row.get("bureau")?;
    match names.bureaus.get(&search_form(&text)) {
        Some(id) => Some(*id),
        None => {
            errors.push(row.error(
                "bureau",
                "unknown_bureau",
                format!("「{text}」という局・区はありません"),
            ));
            None
        }
    }
}

fn section_in(
    row: &Row,
    field: &str,
    names: &Names,
    bureau_id: i64,
    name: &str,
    errors: &mut CellErrors,
) -> Option<i64> {
    match names.sections.get(&(bureau_id, search_form(name))) {
        Some(id) => Some(*id),
        None => {
            errors.push(row.error(
                field,
                "unknown_section",
                format!("「{name}」はこの局・区の課ではありません"),
            ));
            None
        }
    }
}

/// The API body of a reform row, and its natural key.
fn reform_body(row: &Row, names: &Names, errors: &mut CellErrors) -> (Value, Option<(i64, i64)>) {
    let year = fiscal_year(row, errors);
    let bureau_id = bureau(row, names, errors);
    let sections: Vec<i64> = match (bureau_id, row.get("sections")) {
        (Some(b), Some(text)) => list_of(&text)
            .iter()
            .filter_map(|name| section_in(row, "sections", names, b, name, errors))
            .collect(),
        _ => Vec::new(),
    };
    let report_number = integer(row, "report_number", errors);
    let classification = row.get("classification").map(|text| {
        // "iii プラチナPTの提案から" and the Roman numeral ⅲ both name iii.
        search_form(&text)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    });
    let statuses: Vec<(&str, &str)> = ReformStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label_ja()))
        .collect();
    let status = choice(row, "status", &statuses, errors);
    let effects = match row.get("effects") {
        Some(text) => match serde_json::from_str::<Value>(&text) {
            Ok(value @ Value::Array(_)) => value,
            _ => {
                errors.push(row.error(
                    "effects",
                    "invalid_json",
                    "数値効果は [{\"kind\":…,\"value\":…,\"unit\":…}] の形で書いてください",
                ));
                json!([])
            }
        },
        None => json!([]),
    };
    let body = json!({
        "fiscal_year": year.unwrap_or(0),
        "bureau_id": bureau_id.unwrap_or(0),
        "section_ids": sections,
        "report_number": report_number,
        "classification": classification,
        "source_proposal_id": integer(row, "source_proposal_id", errors),
        "title": row.get("title").unwrap_or_default(),
        "problem": row.get("problem"),
        "action": row.get("action"),
        "effect": row.get("effect"),
        "period": row.get("period"),
        "status": status,
        "tags": row.get("tags").map(|t| list_of(&t)).unwrap_or_default(),
        "featured": yes_no(row, "featured", errors).unwrap_or(false),
        "effects": effects,
    });
    (body, year.zip(report_number))
}

fn proposal_body(row: &Row, errors: &mut CellErrors) -> (Value, Option<(i64, String)>) {
    let year = fiscal_year(row, errors);
    let statuses: Vec<(&str, &str)> = ImplementationStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label_ja()))
        .collect();
    let number = row.get("number");
    let body = json!({
        "fiscal_year": year.unwrap_or(0),
        "number": number,
        "theme": row.get("theme").unwrap_or_default(),
        "scene": row.get("scene"),
        "viewpoint": row.get("viewpoint"),
        "title": row.get("title").unwrap_or_default(),
        "pain_point": row.get("pain_point"),
        "proposed_solution": row.get("proposed_solution"),
        "implementation_status": choice(row, "implementation_status", &statuses, errors),
        "outcome_period": row.get("outcome_period"),
        "outcome_text": row.get("outcome_text"),
        "continues_proposal_id": integer(row, "continues_proposal_id", errors),
    });
    (body, year.zip(number))
}

fn system_body(
    row: &Row,
    names: &Names,
    errors: &mut CellErrors,
) -> (Value, Option<(i64, String)>) {
    let bureau_id = bureau(row, names, errors);
    let section_id = match (bureau_id, row.get("section")) {
        (Some(b), Some(name)) => section_in(row, "section", names, b, &name, errors),
        _ => None,
    };
    let platforms: Vec<(&str, &str)> = Platform::ALL
        .iter()
        .map(|p| (p.as_str(), p.label_ja()))
        .collect();
    let statuses: Vec<(&str, &str)> = SystemStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label_ja()))
        .collect();
    let name = row.get("name");
    let body = json!({
        "name": name.clone().unwrap_or_default(),
        "section_id": section_id.unwrap_or(0),
        "platform": choice(row, "platform", &platforms, errors).unwrap_or("other"),
        "built_in_house": yes_no(row, "built_in_house", errors).unwrap_or(false),
        "status": choice(row, "status", &statuses, errors).unwrap_or("trial"),
        "trial_started_on": date(row, "trial_started_on", errors),
        "production_started_on": date(row, "production_started_on", errors),
        "retired_on": date(row, "retired_on", errors),
        "workflow_before": row.get("workflow_before"),
        "workflow_after": row.get("workflow_after"),
        "annual_hours_saved": decimal(row, "annual_hours_saved", errors),
        "hours_basis": row.get("hours_basis"),
        "cost_effect_yen": integer(row, "cost_effect_yen", errors),
        "note": row.get("note"),
    });
    (body, bureau_id.zip(name))
}

/// The import field an API error pointer is about.
fn field_of_pointer(pointer: &str) -> String {
    let first = pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    match first {
        "bureau_id" => "bureau",
        "section_ids" => "sections",
        "section_id" => "section",
        other => other,
    }
    .to_owned()
}

fn api_errors(row: &Row, err: ApiError) -> CellErrors {
    if err.errors.is_empty() {
        return vec![ImportCellErrorOut {
            column: None,
            field: None,
            code: err.code.as_str().to_owned(),
            message: err.detail.unwrap_or_else(|| err.code.title().to_owned()),
        }];
    }
    err.errors
        .into_iter()
        .map(|e| {
            let field = field_of_pointer(&e.pointer);
            ImportCellErrorOut {
                column: row.header(&field),
                field: (!field.is_empty()).then_some(field),
                code: e.code,
                message: e.message,
            }
        })
        .collect()
}

/// Parses the API body into its DTO and checks it as the API would.
fn parsed<T: serde::de::DeserializeOwned + Validate>(
    row: &Row,
    body: Value,
) -> Result<T, CellErrors> {
    let input: T = serde_path_to_error::deserialize(body).map_err(|e| {
        let pointer = format!("/{}", e.path().to_string().replace('.', "/"));
        let field = field_of_pointer(&pointer);
        vec![row.error(&field, "invalid_value", e.inner().to_string())]
    })?;
    if let Err(errors) = input.validate() {
        return Err(api_errors(
            row,
            ApiError::validation(field_errors(&errors, FieldLocation::Body)),
        ));
    }
    Ok(input)
}

/// What a valid row will do.
enum Planned {
    Reform {
        existing: Option<persistence::reforms::Reform>,
        fields: persistence::reforms::ReformFields,
    },
    Proposal {
        existing: Option<persistence::proposals::Proposal>,
        fields: persistence::proposals::ProposalFields,
    },
    System {
        existing: Option<persistence::ledger::DigitalSystem>,
        fields: persistence::ledger::SystemFields,
    },
}

impl Planned {
    fn outcome(&self) -> ImportOutcomeDto {
        let same = match self {
            Planned::Reform { existing, fields } => existing.as_ref().map(|e| &e.fields == fields),
            Planned::Proposal { existing, fields } => {
                existing.as_ref().map(|e| &e.fields == fields)
            }
            Planned::System { existing, fields } => existing.as_ref().map(|e| &e.fields == fields),
        };
        match same {
            None => ImportOutcomeDto::Created,
            Some(true) => ImportOutcomeDto::Unchanged,
            Some(false) => ImportOutcomeDto::Updated,
        }
    }

    fn existing_id(&self) -> Option<i64> {
        match self {
            Planned::Reform { existing, .. } => existing.as_ref().map(|e| e.id),
            Planned::Proposal { existing, .. } => existing.as_ref().map(|e| e.id),
            Planned::System { existing, .. } => existing.as_ref().map(|e| e.id),
        }
    }
}

/// Who runs the import: a signed-in person (rows outside their scope are rejected) or the
/// operator at the command line.
#[derive(Debug, Clone)]
pub enum Importer {
    Person(Principal),
    Operator,
}

impl Importer {
    fn may_edit(&self, dir: &Directory, bureau_id: i64, section_ids: &[i64]) -> bool {
        match self {
            Importer::Operator => true,
            Importer::Person(p) => dir.rights_over(p, bureau_id, section_ids).edit,
        }
    }
}

struct Context<'a> {
    db: &'a persistence::Database,
    dir: &'a Directory,
    names: &'a Names,
    importer: &'a Importer,
}

/// Checks one row and works out what it would do.
async fn plan_row(
    ctx: &Context<'_>,
    kind: ImportKindDto,
    row: &Row<'_>,
    seen: &mut HashMap<String, u32>,
    number: u32,
) -> Result<(Planned, Option<String>), CellErrors> {
    let mut errors = CellErrors::new();
    let id = integer(row, "id", &mut errors);
    let conn = &ctx.db.conn;
    let store = |e: persistence::StoreError| {
        vec![ImportCellErrorOut {
            column: None,
            field: None,
            code: "internal_error".into(),
            message: e.to_string(),
        }]
    };
    let (planned, key) = match kind {
        ImportKindDto::Reforms => {
            let (body, natural) = reform_body(row, ctx.names, &mut errors);
            if !errors.is_empty() {
                return Err(errors);
            }
            let input: ReformIn = parsed(row, body)?;
            let fields = reform_fields(ctx.dir, input).map_err(|e| api_errors(row, e))?;
            let existing_id = match (id, natural) {
                (Some(id), _) => Some(id),
                (None, Some((year, no))) => persistence::reforms::find_reform_id_by_number(
                    conn,
                    i32::try_from(year).unwrap_or(0),
                    i32::try_from(no).unwrap_or(0),
                )
                .await
                .map_err(store)?,
                _ => None,
            };
            let existing = match existing_id {
                Some(found) => Some(
                    persistence::reforms::find_reform(conn, found)
                        .await
                        .map_err(store)?
                        .ok_or_else(|| {
                            vec![row.error(
                                "id",
                                "not_found",
                                format!("ID {found} の自主改革はありません"),
                            )]
                        })?,
                ),
                None => None,
            };
            let allowed = ctx
                .importer
                .may_edit(ctx.dir, fields.bureau_id, &fields.section_ids)
                && existing.as_ref().is_none_or(|e| {
                    ctx.importer
                        .may_edit(ctx.dir, e.fields.bureau_id, &e.fields.section_ids)
                });
            if !allowed {
                return Err(vec![row.error(
                    "bureau",
                    "forbidden",
                    "この局・区の記録を変更する権限がありません",
                )]);
            }
            let key = match (id, natural) {
                (Some(id), _) => Some(format!("ID {id}")),
                (None, Some((year, no))) => Some(format!("{year} No.{no}")),
                _ => None,
            };
            (Planned::Reform { existing, fields }, key)
        }
        ImportKindDto::Proposals => {
            let (body, natural) = proposal_body(row, &mut errors);
            if !errors.is_empty() {
                return Err(errors);
            }
            let input: ProposalIn = parsed(row, body)?;
            let fields = proposal_fields(ctx.db, input)
                .await
                .map_err(|e| api_errors(row, e))?;
            let existing_id = match (&id, &natural) {
                (Some(id), _) => Some(*id),
                (None, Some((year, no))) => persistence::proposals::find_proposal_id_by_number(
                    conn,
                    i32::try_from(*year).unwrap_or(0),
                    no,
                )
                .await
                .map_err(store)?,
                _ => None,
            };
            let existing = match existing_id {
                Some(found) => Some(
                    persistence::proposals::find_proposal(conn, found)
                        .await
                        .map_err(store)?
                        .ok_or_else(|| {
                            vec![row.error(
                                "id",
                                "not_found",
                                format!("ID {found} の提案はありません"),
                            )]
                        })?,
                ),
                None => None,
            };
            let key = match (id, natural) {
                (Some(id), _) => Some(format!("ID {id}")),
                (None, Some((year, no))) => Some(format!("{year} 番号{no}")),
                _ => None,
            };
            (Planned::Proposal { existing, fields }, key)
        }
        ImportKindDto::DigitalSystems => {
            let (body, natural) = system_body(row, ctx.names, &mut errors);
            if !errors.is_empty() {
                return Err(errors);
            }
            let input: DigitalSystemIn = parsed(row, body)?;
            let fields = system_fields(ctx.dir, input).map_err(|e| api_errors(row, e))?;
            let existing_id = match (&id, &natural) {
                (Some(id), _) => Some(*id),
                (None, Some((bureau_id, name))) => {
                    persistence::ledger::find_system_id_by_name(conn, *bureau_id, name)
                        .await
                        .map_err(store)?
                }
                _ => None,
            };
            let existing = match existing_id {
                Some(found) => Some(
                    persistence::ledger::find_system(conn, found)
                        .await
                        .map_err(store)?
                        .ok_or_else(|| {
                            vec![row.error(
                                "id",
                                "not_found",
                                format!("ID {found} のシステムはありません"),
                            )]
                        })?,
                ),
                None => None,
            };
            let scope_of = |section: i64| ctx.dir.bureau_of_section(section).unwrap_or(0);
            let allowed =
                ctx.importer
                    .may_edit(ctx.dir, scope_of(fields.section_id), &[fields.section_id])
                    && existing.as_ref().is_none_or(|e| {
                        ctx.importer.may_edit(
                            ctx.dir,
                            scope_of(e.fields.section_id),
                            &[e.fields.section_id],
                        )
                    });
            if !allowed {
                return Err(vec![row.error(
                    "section",
                    "forbidden",
                    "この課の記録を変更する権限がありません",
                )]);
            }
            let key = match (id, natural) {
                (Some(id), _) => Some(format!("ID {id}")),
                (None, Some((_, name))) => Some(name),
                _ => None,
            };
            (Planned::System { existing, fields }, key)
        }
    };
    let identity = planned
        .existing_id()
        .map(|id| format!("#{id}"))
        .or_else(|| key.clone());
    if let Some(identity) = identity {
        if let Some(first) = seen.get(&identity) {
            return Err(vec![ImportCellErrorOut {
                column: None,
                field: None,
                code: "duplicate_row".into(),
                message: format!("{first}行目と同じ記録を指しています"),
            }]);
        }
        seen.insert(identity, number);
    }
    Ok((planned, key))
}

fn title_of(kind: ImportKindDto, row: &Row) -> Option<String> {
    match kind {
        ImportKindDto::DigitalSystems => row.get("name"),
        _ => row.get("title"),
    }
}

/// Writes the planned rows in the import's transaction; the ids of the records written, row by
/// row.
async fn write_rows(
    txn: &persistence::DatabaseTransaction,
    planned: &[(usize, Planned)],
    actor: &AuditActor,
    created_by: Option<i64>,
) -> Result<Vec<(usize, i64)>, persistence::StoreError> {
    let mut written = Vec::new();
    for (index, plan) in planned {
        let id = match plan {
            Planned::Reform {
                existing: None,
                fields,
            } => {
                persistence::reforms::create_reform(txn, fields.clone(), created_by, actor)
                    .await?
                    .id
            }
            Planned::Reform {
                existing: Some(e),
                fields,
            } if &e.fields != fields => {
                persistence::reforms::replace_reform(txn, e.id, e.version, fields.clone(), actor)
                    .await?
                    .id
            }
            Planned::Proposal {
                existing: None,
                fields,
            } => {
                persistence::proposals::create_proposal(txn, fields.clone(), created_by, actor)
                    .await?
                    .id
            }
            Planned::Proposal {
                existing: Some(e),
                fields,
            } if &e.fields != fields => {
                persistence::proposals::update_proposal(txn, e.id, e.version, fields.clone(), actor)
                    .await?
                    .id
            }
            Planned::System {
                existing: None,
                fields,
            } => {
                persistence::ledger::create_system(txn, fields.clone(), actor)
                    .await?
                    .id
            }
            Planned::System {
                existing: Some(e),
                fields,
            } if &e.fields != fields => {
                persistence::ledger::replace_system(txn, e.id, e.version, fields.clone(), actor)
                    .await?
                    .id
            }
            unchanged => unchanged.existing_id().unwrap_or_default(),
        };
        written.push((*index, id));
    }
    Ok(written)
}

/// The columns of the file with what each is read into; a 422 when a required one is missing.
pub fn check_columns(
    kind: ImportKindDto,
    headers: &[String],
) -> Result<Vec<ImportColumnOut>, ApiError> {
    let fields = map_columns(kind, headers);
    let columns = columns_of(kind);
    let missing: Vec<FieldError> = required_of(kind)
        .iter()
        .filter(|field| !fields.contains(&Some(**field)))
        .map(|field| {
            let header = columns
                .iter()
                .find(|c| c.field == *field)
                .map_or(*field, |c| c.ja);
            FieldError {
                pointer: format!("/columns/{header}"),
                location: FieldLocation::Body,
                code: "missing_column".into(),
                message: format!("the file needs a column 「{header}」 ({field})"),
            }
        })
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::validation(missing)
            .with_detail("a required column is missing; the first row must hold the headers"));
    }
    Ok(headers
        .iter()
        .zip(fields)
        .map(|(header, field)| ImportColumnOut {
            header: header.clone(),
            field: field.map(str::to_owned),
        })
        .collect())
}

/// A new job for a file that has been read and whose columns are known.
pub fn new_job(
    kind: ImportKindDto,
    dry_run: bool,
    file_name: &str,
    sheet: &Sheet,
    columns: Vec<ImportColumnOut>,
) -> ImportJobOut {
    ImportJobOut {
        id: uuid::Uuid::new_v4().to_string(),
        kind,
        dry_run,
        file_name: file_name.to_owned(),
        format: sheet.format.to_owned(),
        encoding: sheet.encoding.map(str::to_owned),
        state: ImportStateDto::Running,
        total_rows: u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX),
        processed_rows: 0,
        summary: ImportSummaryOut::default(),
        columns,
        rows: Vec::new(),
        message: None,
        created_at: Utc::now(),
        finished_at: None,
    }
}

/// How a job ended, as `JobLog::finish` records it.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    pub state: ImportStateDto,
    pub processed_rows: u32,
    pub summary: ImportSummaryOut,
    pub rows: Vec<ImportRowOut>,
    pub message: Option<String>,
}

const FAILED_MESSAGE: &str = "取り込み中に予期しないエラーが起きました。何も変更していません。 / The import stopped on an unexpected error; nothing was changed.";

/// Only one import writes at a time: on SQLite a second would wait for the first's transaction
/// and give up after the busy timeout, failing an import that only had to queue.
fn write_turn() -> &'static tokio::sync::Semaphore {
    static TURN: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURN.get_or_init(|| tokio::sync::Semaphore::new(1))
}

/// Runs the import to its end; the log shows the progress and then the result.
pub async fn run(
    db: &persistence::Database,
    kind: ImportKindDto,
    sheet: Sheet,
    dry_run: bool,
    importer: Importer,
    actor: AuditActor,
    log: JobLog,
) {
    if let Err(err) = run_to_end(db, kind, &sheet, dry_run, &importer, &actor, &log).await {
        tracing::error!(error = ?err, "import failed");
        log.fail(FAILED_MESSAGE).await;
    }
}

async fn run_to_end(
    db: &persistence::Database,
    kind: ImportKindDto,
    sheet: &Sheet,
    dry_run: bool,
    importer: &Importer,
    actor: &AuditActor,
    log: &JobLog,
) -> Result<(), ApiError> {
    let dir = Directory::load_from(db).await?;
    let names = Names::load(db).await?;
    let fields = map_columns(kind, &sheet.headers);
    let ctx = Context {
        db,
        dir: &dir,
        names: &names,
        importer,
    };
    let mut seen = HashMap::new();
    let mut plans = Vec::new();
    let mut rows = Vec::new();
    let mut summary = ImportSummaryOut::default();
    let mut reported = Instant::now();
    for (index, (number, cells)) in sheet.rows.iter().enumerate() {
        let row = Row {
            headers: &sheet.headers,
            fields: &fields,
            cells,
        };
        let title = title_of(kind, &row);
        match plan_row(&ctx, kind, &row, &mut seen, *number).await {
            Ok((plan, key)) => {
                let outcome = plan.outcome();
                match outcome {
                    ImportOutcomeDto::Created => summary.created += 1,
                    ImportOutcomeDto::Updated => summary.updated += 1,
                    ImportOutcomeDto::Unchanged => summary.unchanged += 1,
                    ImportOutcomeDto::Rejected => summary.rejected += 1,
                }
                rows.push(ImportRowOut {
                    row: *number,
                    key,
                    outcome,
                    record_id: plan.existing_id(),
                    title,
                    errors: Vec::new(),
                });
                plans.push((index, plan));
            }
            Err(errors) => {
                summary.rejected += 1;
                rows.push(ImportRowOut {
                    row: *number,
                    key: None,
                    outcome: ImportOutcomeDto::Rejected,
                    record_id: None,
                    title,
                    errors,
                });
            }
        }
        if reported.elapsed() >= PROGRESS_EVERY {
            log.progress(u32::try_from(index + 1).unwrap_or(u32::MAX));
            reported = Instant::now();
        }
    }
    let processed_rows = u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX);
    if dry_run || summary.rejected > 0 {
        let message = (!dry_run).then(|| format!(
            "{}行にエラーがあるため、何も取り込んでいません。 / {} rows were rejected, so nothing was imported.",
            summary.rejected, summary.rejected
        ));
        let state = if dry_run {
            ImportStateDto::Succeeded
        } else {
            ImportStateDto::Rejected
        };
        let outcome = JobOutcome {
            state,
            processed_rows,
            summary,
            rows,
            message,
        };
        log.finish(&db.conn, outcome).await?;
        return Ok(());
    }
    let created_by = match importer {
        Importer::Person(p) if p.kind == domain::PrincipalKind::User => Some(p.id),
        _ => None,
    };
    let _turn = write_turn().acquire().await.map_err(ApiError::internal)?;
    let txn = db.begin().await.map_err(persistence::StoreError::from)?;
    for (index, id) in write_rows(&txn, &plans, actor, created_by).await? {
        if let Some(row) = rows.get_mut(index) {
            row.record_id = Some(id);
        }
    }
    let outcome = JobOutcome {
        state: ImportStateDto::Succeeded,
        processed_rows,
        summary,
        rows,
        message: None,
    };
    // In the same transaction as the rows: the job reads succeeded exactly when they are stored.
    log.finish(&txn, outcome).await?;
    persistence::Database::commit(txn)
        .await
        .map_err(persistence::StoreError::from)?;
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// What the rows are.
    pub kind: ImportKindDto,
    /// true: report what each row would do and change nothing.
    pub dry_run: Option<bool>,
}

/// The upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// A .csv (UTF-8, UTF-8 with BOM or Shift_JIS), .xlsx, .json or .ndjson file of at most 20 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

fn bad_upload(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType).with_detail(message)
}

async fn read_upload(mut payload: Multipart) -> Result<(String, Vec<u8>), ApiError> {
    let mut upload = None;
    while let Some(item) = payload.next().await {
        let mut field =
            item.map_err(|e| bad_upload(format!("send the file as multipart/form-data: {e}")))?;
        let is_file = field.name() == Some("file");
        let file_name: String = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("upload.csv")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad_upload(format!("the upload broke off: {e}")))?;
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(ApiError::new(ErrorCode::PayloadTooLarge)
                    .with_detail("a file of at most 20 MB"));
            }
            if is_file {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file {
            upload = Some((file_name, bytes));
        }
    }
    upload.ok_or_else(|| {
        ApiError::validation(vec![FieldError {
            pointer: "/file".into(),
            location: FieldLocation::Body,
            code: "required".into(),
            message: "send the file in the form field `file`".into(),
        }])
    })
}

/// Starts an import (or a dry run) of an uploaded file and answers with the job to poll.
/// Admins and editors; rows outside an editor's bureau or sections are rejected. Proposals are
/// imported by admins (the reform office) only.
#[utoipa::path(
    tag = "imports",
    params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, body = ImportJobOut, headers(("Location" = String, description = "The job to poll"))),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 413, body = crate::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read or lacks a required column", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[post("/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ImportQuery>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    if query.kind == ImportKindDto::Proposals {
        authorize(&caller, Action::ImportProposals).map_err(|_| {
            ApiError::new(ErrorCode::Forbidden)
                .with_detail("proposals are imported by the reform office (admins)")
        })?;
    }
    let (file_name, bytes) = read_upload(payload).await?;
    let name = file_name.clone();
    let sheet = crate::offload::run(move || read_sheet(&name, &bytes)).await??;
    let columns = check_columns(query.kind, &sheet.headers)?;
    let dry_run = query.dry_run.unwrap_or(false);
    let job = new_job(query.kind, dry_run, &file_name, &sheet, columns);
    let actor = actor(&caller).via(format!("import {} {}", job.id, file_name));
    let db = state.db.clone();
    let kind = query.kind;
    let owner = caller.clone();
    state
        .imports
        .start(&state.db, &owner, &job, move |log| async move {
            run(
                &db,
                kind,
                sheet,
                dry_run,
                Importer::Person(caller),
                actor,
                log,
            )
            .await;
        })
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/imports/{}", job.id)))
        .json(job))
}

/// An import's progress and, once finished, its outcome row by row. Visible to the person who
/// started it and to admins.
#[utoipa::path(
    tag = "imports",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ImportJobOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<ImportJobOut>, ApiError> {
    state
        .imports
        .find(&state.db, &id, &caller.0)
        .await?
        .map(web::Json)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}
