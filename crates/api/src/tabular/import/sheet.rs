//! Reading an uploaded file into a header row and record rows of text: CSV in UTF-8, UTF-8 with
//! BOM or Shift_JIS/CP932 (as kintone and Excel write it), the first worksheet of an XLSX
//! workbook, or JSON and NDJSON objects, each within limits checked as the file is read.

use crate::error::{ApiError, FieldError, FieldLocation};
use crate::tabular::import::workbook_guard::{self, Refusal, WorkbookLimits};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

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
    /// When reading the file began and ended: the import's first phase.
    pub read_started: DateTime<Utc>,
    pub read_finished: DateTime<Utc>,
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
            read_started: Utc::now(),
            read_finished: Utc::now(),
        })
    }
}

/// Text of the CSV, and the encoding it was written in. UTF-8 is read in place; only Shift_JIS
/// is decoded into a copy.
fn decode_csv(bytes: &[u8]) -> Result<(std::borrow::Cow<'_, str>, &'static str), ApiError> {
    use std::borrow::Cow;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest)
            .map_err(|_| unreadable("the file starts like UTF-8 but is not"))?;
        return Ok((Cow::Borrowed(text), "UTF-8 (BOM)"));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), "UTF-8"));
    }
    // WHATWG's Shift_JIS is Microsoft's CP932, with ①, ㈱ and the NEC/IBM extensions (髙).
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(unreadable(
            "the file is neither UTF-8 nor Shift_JIS; save it as CSV (UTF-8) and try again",
        ));
    }
    Ok((Cow::Owned(text.into_owned()), "Shift_JIS"))
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, ApiError> {
    let (text, encoding) = decode_csv(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sheet = SheetBuilder::new("csv", Some(encoding));
    let mut record = csv::StringRecord::new();
    let mut index = 0usize;
    while reader
        .read_record(&mut record)
        .map_err(|e| unreadable(format!("the CSV cannot be read: {e}")))?
    {
        index += 1;
        let number = u32::try_from(index).unwrap_or(u32::MAX);
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
        read_started: Utc::now(),
        read_finished: Utc::now(),
    })
}

/// Reads an uploaded file by its content: a ZIP is a workbook, `[` or `{` opens JSON, the rest
/// is CSV. CPU-bound: the server calls it through `offload`.
pub fn read_sheet(file_name: &str, bytes: &[u8]) -> Result<Sheet, ApiError> {
    let started = Utc::now();
    let lower = file_name.to_lowercase();
    let sheet = if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        read_xlsx(bytes)
    } else if lower.ends_with(".json") || lower.ends_with(".ndjson") {
        read_json(bytes)
    } else {
        read_csv(bytes)
    }?;
    Ok(Sheet {
        read_started: started,
        read_finished: Utc::now(),
        ..sheet
    })
}
