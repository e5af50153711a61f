//! The file formats of an export: CSV for Excel (UTF-8 with BOM, RFC 4180, formula injection
//! neutralised), XLSX (dates as dates in the Japanese era, header row, auto filter) and NDJSON.

use crate::tabular::cells::{Cell, CellKind, guard};
use crate::tabular::columns::Head;
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

fn number_text(value: f64) -> String {
    // Display prints 1200.0 as "1200" and keeps every digit that matters.
    format!("{value}")
}

/// Japan keeps no daylight saving time, so Tokyo is always UTC+9.
fn tokyo_time(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    at.naive_utc() + chrono::TimeDelta::hours(9)
}

/// A cell as CSV writes it.
pub fn csv_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => guard(text),
        Cell::Integer(n) => n.to_string(),
        Cell::Number(n) => number_text(*n),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(at) => tokyo_time(*at).format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Bool(true) => "はい".into(),
        Cell::Bool(false) => "いいえ".into(),
        Cell::Json(value) => guard(&value.to_string()),
    }
}

/// A cell as NDJSON writes it.
pub fn json_value(cell: &Cell) -> serde_json::Value {
    use serde_json::Value;
    match cell {
        Cell::Empty => Value::Null,
        Cell::Text(text) => Value::String(text.clone()),
        Cell::Integer(n) => Value::from(*n),
        Cell::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        Cell::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
        Cell::DateTime(at) => Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Cell::Bool(b) => Value::Bool(*b),
        Cell::Json(value) => value.clone(),
    }
}

/// The header row and the rows of a batch as CSV bytes; the byte-order mark goes first so that
/// Excel reads UTF-8.
pub struct CsvChunks;

impl CsvChunks {
    pub fn header(columns: &[Head]) -> Vec<u8> {
        let mut bytes = "\u{FEFF}".as_bytes().to_vec();
        bytes.extend(Self::lines(std::iter::once(
            columns.iter().map(|c| c.ja.to_owned()).collect::<Vec<_>>(),
        )));
        bytes
    }

    pub fn rows(rows: &[Vec<Cell>]) -> Vec<u8> {
        Self::lines(
            rows.iter()
                .map(|row| row.iter().map(csv_text).collect::<Vec<_>>()),
        )
    }

    /// One writer for the whole batch: making one per line cost more than the line.
    fn lines(records: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .flexible(true)
            .from_writer(Vec::new());
        for fields in records {
            // Writing to a Vec cannot fail; a line left out is the worst outcome.
            if writer.write_record(&fields).is_err() {
                continue;
            }
        }
        writer.into_inner().unwrap_or_default()
    }
}

/// Rows as NDJSON lines keyed by the English field names.
pub fn ndjson_rows(columns: &[Head], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for row in rows {
        // Written by hand to keep the columns' order, which a JSON map would sort.
        bytes.push(b'{');
        for (i, (column, cell)) in columns.iter().zip(row).enumerate() {
            if i > 0 {
                bytes.push(b',');
            }
            // Straight into the buffer: going through `to_string` (Display) cost most of the
            // export's time in the benchmark's profile.
            write_json(&mut bytes, &column.key);
            bytes.push(b':');
            match cell {
                Cell::Text(text) => write_json(&mut bytes, text),
                Cell::Json(value) => write_json(&mut bytes, value),
                Cell::Empty => bytes.extend(b"null"),
                Cell::Integer(n) => bytes.extend(n.to_string().as_bytes()),
                // The same text as `json_value`, without a `Value` in between.
                Cell::DateTime(at) => {
                    use std::io::Write as _;
                    let _ = write!(bytes, "\"{}\"", at.format("%Y-%m-%dT%H:%M:%SZ"));
                }
                other => write_json(&mut bytes, &json_value(other)),
            }
        }
        bytes.extend(b"}\n");
    }
    bytes
}

fn write_json(bytes: &mut Vec<u8>, value: &impl serde::Serialize) {
    // Writing JSON of a string or a `Value` into a Vec cannot fail.
    if serde_json::to_writer(&mut *bytes, value).is_err() {
        bytes.extend(b"null");
    }
}

/// The most rows a worksheet holds below its header.
pub const XLSX_MAX_ROWS: usize = 1_048_575;

/// One worksheet: a bold frozen header row, an auto filter, dates as dates shown in the era.
pub fn xlsx_workbook(
    sheet_name: &str,
    columns: &[Head],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, XlsxError> {
    xlsx_sheets(&[XlsxSheet {
        name: sheet_name,
        columns,
        rows,
    }])
}

/// One worksheet of a workbook that has several.
pub struct XlsxSheet<'a> {
    pub name: &'a str,
    pub columns: &'a [Head],
    pub rows: &'a [Vec<Cell>],
}

/// A workbook of several worksheets, each written as [`xlsx_workbook`] writes its one.
pub fn xlsx_sheets(sheets: &[XlsxSheet<'_>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    for XlsxSheet {
        name,
        columns,
        rows,
    } in sheets
    {
        write_sheet(workbook.add_worksheet(), name, columns, rows)?;
    }
    workbook.save_to_buffer()
}

fn write_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    sheet_name: &str,
    columns: &[Head],
    rows: &[Vec<Cell>],
) -> Result<(), XlsxError> {
    sheet.set_name(sheet_name)?;
    let header = Format::new().set_bold().set_background_color("#E8F0FE");
    // LCID 411 is Japanese; ggge is the era with its year, e.g. 令和7年.
    let date = Format::new().set_num_format("[$-411]ggge\"年\"m\"月\"d\"日\"");
    let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let wrap = Format::new().set_text_wrap();
    for (col, column) in columns.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, column.ja, &header)?;
        let width = match column.kind {
            CellKind::Text => 24.0,
            CellKind::Json => 30.0,
            CellKind::Date | CellKind::DateTime => 18.0,
            _ => 10.0,
        };
        sheet.set_column_width(col, width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Empty => {}
                // Strings are never read as formulas by Excel, so they go in unguarded.
                Cell::Text(text) if text.contains('\n') => {
                    sheet.write_string_with_format(r, c, text, &wrap)?;
                }
                Cell::Text(text) => {
                    sheet.write_string(r, c, text)?;
                }
                Cell::Integer(n) => {
                    // Whole numbers within f64's exact range, as every count and yen figure is.
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::Date(d) => {
                    sheet.write_datetime_with_format(r, c, d, &date)?;
                }
                Cell::DateTime(at) => {
                    sheet.write_datetime_with_format(r, c, tokyo_time(*at), &date_time)?;
                }
                Cell::Bool(b) => {
                    sheet.write_string(r, c, if *b { "はい" } else { "いいえ" })?;
                }
                Cell::Json(value) => {
                    sheet.write_string(r, c, value.to_string())?;
                }
            }
        }
    }
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0);
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tabular::cells::Cell;
    use crate::tabular::columns::Head;
    use chrono::NaiveDate;

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_quotes_as_rfc_4180_says() {
        let columns = [Head::new("title", "取組名", CellKind::Text)];
        let mut bytes = CsvChunks::header(&columns);
        bytes.extend(CsvChunks::rows(&[vec![Cell::text("a,\"b\"\n改行")]]));
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "\u{FEFF}取組名\r\n\"a,\"\"b\"\"\n改行\"\r\n");
    }

    #[test]
    fn ndjson_keeps_types() {
        let columns = [
            Head::new("id", "ID", CellKind::Integer),
            Head::new("featured", "注目", CellKind::Bool),
            Head::new("on", "日", CellKind::Date),
            Head::new("note", "備考", CellKind::Text),
            Head::new("at", "日時", CellKind::DateTime),
        ];
        let at = NaiveDate::from_ymd_opt(2025, 4, 1)
            .unwrap()
            .and_hms_opt(8, 30, 5)
            .unwrap()
            .and_utc();
        let rows = vec![vec![
            Cell::Integer(-3),
            Cell::Bool(true),
            Cell::Date(NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()),
            Cell::Empty,
            Cell::DateTime(at),
        ]];
        let line = String::from_utf8(ndjson_rows(&columns, &rows)).unwrap();
        assert_eq!(
            line,
            "{\"id\":-3,\"featured\":true,\"on\":\"2025-04-01\",\"note\":null,\"at\":\"2025-04-01T08:30:05Z\"}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["at"], json_value(&Cell::DateTime(at)));
    }
}
