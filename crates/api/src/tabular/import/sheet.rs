//! Reading an uploaded file into a header row and record rows of text: CSV in UTF-8, UTF-8 with
//! BOM or Shift_JIS/CP932 (as kintone and Excel write it), the first worksheet of an XLSX
//! workbook, or JSON and NDJSON objects, each within limits checked as the file is read.
//!
//! A CSV is never held as rows: reading checks it once from end to end (its encoding, its
//! header, its limits, its row count) and the import then reads it again batch by batch, so an
//! import of a 100 MB file holds one batch of rows, not the file's. Workbooks (bounded by the
//! workbook guard) and JSON are read whole.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

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

/// Where a file's bytes are: in memory (an upload of at most MAX_FILE_BYTES) or in a file on
/// disk (the command line), which is opened again for each pass rather than held.
#[derive(Debug, Clone)]
pub enum Source {
    Bytes(Arc<[u8]>),
    File(PathBuf),
}

impl Source {
    fn open(&self) -> Result<Box<dyn Read + Send>, ApiError> {
        Ok(match self {
            Source::Bytes(bytes) => Box::new(std::io::Cursor::new(Arc::clone(bytes))),
            Source::File(path) => Box::new(std::io::BufReader::with_capacity(
                256 * 1024,
                std::fs::File::open(path)
                    .map_err(|e| unreadable(format!("{} cannot be read: {e}", path.display())))?,
            )),
        })
    }

    /// The whole file, for the formats that are read whole.
    fn bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, ApiError> {
        use std::borrow::Cow;
        match self {
            Source::Bytes(bytes) => Ok(Cow::Borrowed(bytes)),
            Source::File(path) => std::fs::read(path)
                .map(Cow::Owned)
                .map_err(|e| unreadable(format!("{} cannot be read: {e}", path.display()))),
        }
    }
}

impl From<Vec<u8>> for Source {
    fn from(bytes: Vec<u8>) -> Self {
        Source::Bytes(bytes.into())
    }
}

/// A file read into a header row and record rows of text, handed out batch by batch.
pub struct Sheet {
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    pub headers: Vec<String>,
    /// How many record rows the file has (blank rows are not counted).
    pub total_rows: u32,
    rows: Rows,
    /// When reading the file began and ended: the import's first phase.
    pub read_started: DateTime<Utc>,
    pub read_finished: DateTime<Utc>,
}

impl std::fmt::Debug for Sheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sheet")
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("headers", &self.headers)
            .field("total_rows", &self.total_rows)
            .finish_non_exhaustive()
    }
}

/// (spreadsheet row number, cells)
pub type SheetRow = (u32, Vec<String>);

/// The rows not yet handed out: held (workbooks, JSON) or still in the CSV.
enum Rows {
    Held(std::vec::IntoIter<SheetRow>),
    Csv(Box<CsvRows>),
}

impl Sheet {
    /// The next rows of the file, at most `limit` of them; none once the file is done.
    pub fn next_batch(&mut self, limit: usize) -> Result<Vec<SheetRow>, ApiError> {
        match &mut self.rows {
            Rows::Held(rows) => Ok(rows.by_ref().take(limit).collect()),
            Rows::Csv(csv) => csv.next_batch(limit),
        }
    }
}

const NO_HEADER: &str = "the file has no header row";

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
            headers: self.headers.ok_or_else(|| unreadable(NO_HEADER))?,
            total_rows: u32::try_from(self.rows.len()).unwrap_or(u32::MAX),
            rows: Rows::Held(self.rows.into_iter()),
            read_started: Utc::now(),
            read_finished: Utc::now(),
        })
    }
}

/// A reader of Shift_JIS (WHATWG's, which is Microsoft's CP932, with ①, ㈱ and the NEC/IBM
/// extensions such as 髙) that hands out UTF-8 as it decodes, a buffer at a time.
struct ShiftJisReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    output: Vec<u8>,
    at: usize,
    len: usize,
    input_done: bool,
    finished: bool,
}

impl<R: Read> ShiftJisReader<R> {
    fn new(inner: R) -> Self {
        ShiftJisReader {
            inner,
            decoder: encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            // Two bytes of Shift_JIS become at most three of UTF-8.
            output: vec![0; 2 * 64 * 1024 + 16],
            at: 0,
            len: 0,
            input_done: false,
            finished: false,
        }
    }
}

impl<R: Read> Read for ShiftJisReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.at < self.len {
                let n = buf.len().min(self.len - self.at);
                buf[..n].copy_from_slice(&self.output[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.input_done {
                self.start = 0;
                self.end = self.inner.read(&mut self.input)?;
                self.input_done = self.end == 0;
            }
            let last = self.input_done;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.start..self.end],
                &mut self.output,
                last,
            );
            self.start += read;
            self.at = 0;
            self.len = written;
            match result {
                encoding_rs::DecoderResult::Malformed(_, _) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "not Shift_JIS",
                    ));
                }
                encoding_rs::DecoderResult::InputEmpty if last => self.finished = true,
                _ => {}
            }
        }
    }
}

/// Fills `buf` from the start of `reader` as far as the file goes; the bytes read.
fn read_head(reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize, ApiError> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(unreadable(format!("the file cannot be read: {e}"))),
        }
    }
    Ok(got)
}

/// The CSV's text as UTF-8, read from the start, in the encoding found when it was checked.
fn csv_reader(
    source: &Source,
    encoding: &'static str,
) -> Result<csv::Reader<Box<dyn Read + Send>>, ApiError> {
    let mut raw = source.open()?;
    let text: Box<dyn Read + Send> = match encoding {
        "Shift_JIS" => Box::new(ShiftJisReader::new(raw)),
        _ => {
            let mut bom = [0u8; 3];
            let got = read_head(&mut raw, &mut bom)?;
            let head = bom[..got].to_vec();
            if head == b"\xEF\xBB\xBF" {
                raw
            } else {
                Box::new(std::io::Cursor::new(head).chain(raw))
            }
        }
    };
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(text))
}

fn csv_problem(e: &csv::Error) -> ApiError {
    unreadable(format!("the CSV cannot be read: {e}"))
}

/// What checking a CSV found: the header, the rows it holds, and whether its text is UTF-8.
enum CsvCheck {
    Read {
        headers: Vec<String>,
        total_rows: u32,
    },
    NotUtf8,
}

/// Reads the CSV once from end to end in `encoding`, holding one record at a time: its header,
/// its row count within the limits, and whether every record is UTF-8.
fn check_csv(source: &Source, encoding: &'static str) -> Result<CsvCheck, ApiError> {
    let mut reader = csv_reader(source, encoding)?;
    let mut record = csv::ByteRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut rows: usize = 0;
    let mut cells: usize = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) if encoding == "Shift_JIS" && matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                return Err(unreadable(
                    "the file is neither UTF-8 nor Shift_JIS; save it as CSV (UTF-8) and try again",
                ));
            }
            Err(e) => return Err(csv_problem(&e)),
        }
        let Ok(text) = record
            .iter()
            .map(std::str::from_utf8)
            .collect::<Result<Vec<&str>, _>>()
        else {
            return Ok(CsvCheck::NotUtf8);
        };
        if text.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match &headers {
            None => {
                if text.len() > MAX_COLUMNS {
                    return Err(too_many_cells());
                }
                headers = Some(text.iter().map(|h| h.trim().to_owned()).collect());
            }
            Some(h) => {
                if rows >= MAX_ROWS {
                    return Err(too_many_rows());
                }
                rows += 1;
                cells += h.len();
                if cells > MAX_CELLS {
                    return Err(too_many_cells());
                }
            }
        }
    }
    Ok(CsvCheck::Read {
        headers: headers.ok_or_else(|| unreadable("the file has no header row"))?,
        total_rows: u32::try_from(rows).unwrap_or(u32::MAX),
    })
}

/// The rows of a checked CSV, read again from the start as the import asks for them.
struct CsvRows {
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::StringRecord,
    width: usize,
    /// Records read so far, blank ones and the header included: the spreadsheet row number.
    index: usize,
    header_seen: bool,
}

impl CsvRows {
    fn next_batch(&mut self, limit: usize) -> Result<Vec<SheetRow>, ApiError> {
        let mut batch = Vec::with_capacity(limit.min(MAX_ROWS));
        while batch.len() < limit
            && self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| csv_problem(&e))?
        {
            self.index += 1;
            if self.record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if !self.header_seen {
                self.header_seen = true;
                continue;
            }
            let number = u32::try_from(self.index).unwrap_or(u32::MAX);
            batch.push((
                number,
                self.record
                    .iter()
                    .take(self.width)
                    .map(str::to_owned)
                    .collect(),
            ));
        }
        Ok(batch)
    }
}

/// Checks the CSV as UTF-8 (with or without BOM), else as Shift_JIS, and leaves it to be read
/// row by row.
fn read_csv(source: &Source) -> Result<Sheet, ApiError> {
    let mut encoding = {
        let mut head = [0u8; 3];
        let got = read_head(&mut source.open()?, &mut head)?;
        if head[..got] == *b"\xEF\xBB\xBF" {
            "UTF-8 (BOM)"
        } else {
            "UTF-8"
        }
    };
    let (headers, total_rows) = match check_csv(source, encoding)? {
        CsvCheck::Read {
            headers,
            total_rows,
        } => (headers, total_rows),
        CsvCheck::NotUtf8 if encoding == "UTF-8 (BOM)" => {
            return Err(unreadable("the file starts like UTF-8 but is not"));
        }
        CsvCheck::NotUtf8 => {
            encoding = "Shift_JIS";
            match check_csv(source, encoding)? {
                CsvCheck::Read {
                    headers,
                    total_rows,
                } => (headers, total_rows),
                CsvCheck::NotUtf8 => {
                    return Err(unreadable(
                        "the file is neither UTF-8 nor Shift_JIS; save it as CSV (UTF-8) and try again",
                    ));
                }
            }
        }
    };
    let rows = CsvRows {
        reader: csv_reader(source, encoding)?,
        record: csv::StringRecord::new(),
        width: headers.len(),
        index: 0,
        header_seen: false,
    };
    Ok(Sheet {
        format: "csv",
        encoding: Some(encoding),
        headers,
        total_rows,
        rows: Rows::Csv(Box::new(rows)),
        read_started: Utc::now(),
        read_finished: Utc::now(),
    })
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

type XlsxBook<'a> = calamine::Xlsx<std::io::Cursor<&'a [u8]>>;

/// Opens a workbook after the guard has checked what it unpacks to.
fn open_xlsx(bytes: &[u8]) -> Result<XlsxBook<'_>, ApiError> {
    workbook_guard::inspect(bytes, &WORKBOOK_LIMITS).map_err(refused_workbook)?;
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(format!("the workbook cannot be read: {e}")))
}

/// The first worksheet, cell by cell in file order: nothing is allocated for the cells a sheet
/// merely claims to span, only for those it holds.
fn read_xlsx(bytes: &[u8]) -> Result<Sheet, ApiError> {
    use calamine::Reader;
    let mut workbook = open_xlsx(bytes)?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| unreadable("the workbook has no worksheet"))?;
    read_worksheet(&mut workbook, &first)
}

/// Every worksheet of a workbook by name, in the workbook's order, within the same limits as
/// an import (which reads the first one only). A worksheet with no header row is left out.
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<(String, Sheet)>, ApiError> {
    use calamine::Reader;
    let mut workbook = open_xlsx(bytes)?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        match read_worksheet(&mut workbook, &name) {
            Ok(sheet) => sheets.push((name, sheet)),
            Err(e) if e.errors.iter().any(|f| f.message == NO_HEADER) => {}
            Err(e) => return Err(e),
        }
    }
    if sheets.is_empty() {
        return Err(unreadable(
            "the workbook has no worksheet with a header row",
        ));
    }
    Ok(sheets)
}

fn read_worksheet(workbook: &mut XlsxBook<'_>, name: &str) -> Result<Sheet, ApiError> {
    let mut cells = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable(format!("the worksheet {name} cannot be read: {e}")))?;
    let mut sheet = SheetBuilder::new("xlsx", None);
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| unreadable(format!("the worksheet {name} cannot be read: {e}")))?
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
    let rows: Vec<SheetRow> = objects
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
        total_rows: u32::try_from(rows.len()).unwrap_or(u32::MAX),
        rows: Rows::Held(rows.into_iter()),
        read_started: Utc::now(),
        read_finished: Utc::now(),
    })
}

/// Reads a file by its content: a ZIP is a workbook, a `.json` or `.ndjson` name JSON, the rest
/// is CSV (checked now, its rows read as the import asks for them). CPU- and I/O-bound: the
/// server calls it through `offload`.
pub fn read_sheet(file_name: &str, source: Source) -> Result<Sheet, ApiError> {
    let started = Utc::now();
    let lower = file_name.to_lowercase();
    let zip = {
        let mut head = [0u8; 4];
        let got = read_head(&mut source.open()?, &mut head)?;
        head[..got] == *b"PK\x03\x04"
    };
    let sheet = if zip || lower.ends_with(".xlsx") {
        read_xlsx(&source.bytes()?)
    } else if lower.ends_with(".json") || lower.ends_with(".ndjson") {
        read_json(&source.bytes()?)
    } else {
        read_csv(&source)
    }?;
    Ok(Sheet {
        read_started: started,
        read_finished: Utc::now(),
        ..sheet
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn all_rows(mut sheet: Sheet, batch: usize) -> Vec<SheetRow> {
        let mut rows = Vec::new();
        loop {
            let next = sheet.next_batch(batch).unwrap();
            if next.is_empty() {
                return rows;
            }
            assert!(next.len() <= batch);
            rows.extend(next);
        }
    }

    #[test]
    fn a_csv_is_counted_when_read_and_then_handed_out_batch_by_batch_with_its_row_numbers() {
        let text = "\r\n年度,取組名\r\n2025,一\r\n,\r\n2025,二,余分\r\n2026,三\r\n";
        let sheet = read_sheet("a.csv", Source::from(text.as_bytes().to_vec())).unwrap();
        assert_eq!(sheet.headers, ["年度", "取組名"]);
        assert_eq!(sheet.total_rows, 3);
        assert_eq!(sheet.encoding, Some("UTF-8"));
        let rows = all_rows(sheet, 2);
        // Records are numbered as the CSV reader counts them: an empty line is none, a line of
        // empty cells is one.
        let expected: Vec<SheetRow> = vec![
            (2, vec!["2025".into(), "一".into()]),
            (4, vec!["2025".into(), "二".into()]),
            (5, vec!["2026".into(), "三".into()]),
        ];
        assert_eq!(rows, expected);
    }

    #[test]
    fn a_shift_jis_csv_larger_than_the_decoding_buffer_is_decoded_as_it_is_read() {
        let mut text = String::from("年度,取組名\r\n");
        for i in 0..20_000 {
            text.push_str(&format!("2025,髙橋①㈱の取組{i}\r\n"));
        }
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        assert!(bytes.len() > 3 * 64 * 1024);
        let sheet = read_sheet("a.csv", Source::from(bytes.into_owned())).unwrap();
        assert_eq!(sheet.encoding, Some("Shift_JIS"));
        assert_eq!(sheet.total_rows, 20_000);
        let rows = all_rows(sheet, 500);
        assert_eq!(rows.len(), 20_000);
        assert_eq!(
            rows[19_999],
            (20_001, vec!["2025".into(), "髙橋①㈱の取組19999".into()])
        );
    }

    #[test]
    fn a_csv_with_a_bom_is_read_without_it_and_a_file_in_neither_encoding_is_refused() {
        let sheet = read_sheet(
            "a.csv",
            Source::from(b"\xEF\xBB\xBFtitle\r\nx\r\n".to_vec()),
        )
        .unwrap();
        assert_eq!(sheet.headers, ["title"]);
        assert_eq!(sheet.encoding, Some("UTF-8 (BOM)"));
        assert_eq!(all_rows(sheet, 10), vec![(2, vec!["x".to_owned()])]);
        assert!(read_sheet("a.csv", Source::from(b"title\r\n\x81\xff\r\n".to_vec())).is_err());
    }
}
