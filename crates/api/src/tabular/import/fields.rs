//! From a file's cells to the API's request body, as the column tables say: which column each
//! header names (its Japanese or English header, or an alias other systems use), each cell read
//! as its column reads, and the API's answer about the body pointed back at the file's columns.

use crate::error::{ApiError, FieldError, FieldLocation};
use crate::extract::field_errors;
use crate::tabular::cells::unguard;
use crate::tabular::columns::{
    Column, Head, Import, PROPOSAL_COLUMNS, REFORM_COLUMNS, Read, SYSTEM_COLUMNS,
};
use crate::tabular::dto::{
    ImportCellErrorOut, ImportColumnOut, ImportKindDto, ImportableColumnOut,
};
use chrono::NaiveDate;
use domain::search::search_form;
use persistence::organization;
use serde_json::{Map, Value};
use std::collections::HashMap;
use validator::Validate;

/// A column an import of a kind knows: importable, or written for reading only (a header naming
/// it is recognised, and ignored).
#[derive(Debug, Clone, Copy)]
pub(super) struct Known {
    head: Head,
    import: Option<Import>,
}

fn known<R>(columns: &[Column<R>]) -> Vec<Known> {
    columns
        .iter()
        .map(|c| Known {
            head: c.head,
            import: c.import,
        })
        .collect()
}

/// The columns of `kind`, in the export's order.
pub(super) fn columns_of(kind: ImportKindDto) -> Vec<Known> {
    match kind {
        ImportKindDto::Reforms => known(REFORM_COLUMNS),
        ImportKindDto::Proposals => known(PROPOSAL_COLUMNS),
        ImportKindDto::DigitalSystems => known(SYSTEM_COLUMNS),
    }
}

/// The columns an import of `kind` reads, as the API publishes them.
pub fn importable(kind: ImportKindDto) -> Vec<ImportableColumnOut> {
    columns_of(kind)
        .into_iter()
        .filter_map(|k| {
            k.import.map(|import| ImportableColumnOut {
                header_ja: k.head.ja.to_owned(),
                key: k.head.key.to_owned(),
                kind: k.head.kind,
                required: import.required,
            })
        })
        .collect()
}

fn header_key(header: &str) -> String {
    search_form(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Each header's column key (None: not imported).
pub(super) fn map_columns(columns: &[Known], headers: &[String]) -> Vec<Option<&'static str>> {
    headers
        .iter()
        .map(|header| {
            let key = header_key(header);
            columns
                .iter()
                .find(|c| header_key(c.head.ja) == key || header_key(c.head.key) == key)
                .or_else(|| {
                    columns.iter().find(|c| {
                        c.import
                            .is_some_and(|i| i.aliases.iter().any(|a| header_key(a) == key))
                    })
                })
                .filter(|c| c.import.is_some())
                .map(|c| c.head.key)
        })
        .collect()
}

/// The columns of the file with what each is read into; a 422 when a required one is missing.
pub fn check_columns(
    kind: ImportKindDto,
    headers: &[String],
) -> Result<Vec<ImportColumnOut>, ApiError> {
    let columns = columns_of(kind);
    let fields = map_columns(&columns, headers);
    let missing: Vec<FieldError> = columns
        .iter()
        .filter(|c| c.import.is_some_and(|i| i.required))
        .filter(|c| !fields.contains(&Some(c.head.key)))
        .map(|c| {
            let (header, field) = (c.head.ja, c.head.key);
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

pub(super) struct Names {
    bureaus: HashMap<String, i64>,
    /// (bureau, name in search form, current or former) → section
    sections: HashMap<(i64, String), i64>,
}

impl Names {
    pub(super) async fn load(db: &persistence::Database) -> Result<Names, ApiError> {
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

pub(super) type CellErrors = Vec<ImportCellErrorOut>;

/// One record of the file, seen through the columns its headers name.
pub(super) struct Row<'a> {
    pub headers: &'a [String],
    /// The column key of each header (None: not imported).
    pub fields: &'a [Option<&'static str>],
    pub cells: &'a [String],
    pub columns: &'a [Known],
}

impl Row<'_> {
    /// The cell of a field, trimmed, with an export's formula guard removed; None when blank.
    pub(super) fn get(&self, field: &str) -> Option<String> {
        let at = self.fields.iter().position(|f| *f == Some(field))?;
        let raw = self.cells.get(at)?;
        let text = unguard(raw).trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    pub(super) fn header(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .position(|f| *f == Some(field))
            .and_then(|at| self.headers.get(at).cloned())
    }

    /// The column an API error pointer is about: the column whose body field it points into.
    fn field_of_pointer(&self, pointer: &str) -> String {
        let first = pointer
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        self.columns
            .iter()
            .find(|c| c.import.and_then(|i| i.into) == Some(first))
            .map_or(first, |c| c.head.key)
            .to_owned()
    }

    pub(super) fn error(
        &self,
        field: &str,
        code: &str,
        message: impl Into<String>,
    ) -> ImportCellErrorOut {
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

pub(super) fn integer(row: &Row, field: &str, errors: &mut CellErrors) -> Option<i64> {
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

fn fiscal_year(row: &Row, field: &str, errors: &mut CellErrors) -> Option<i64> {
    let text = row.get(field)?;
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
        field,
        "invalid_value",
        format!("「{text}」は年度として読めません（例: 2025, 令和7年度）"),
    ));
    None
}

/// A day as staff type it in a cell: 2025-04-01, 2025/4/1, 2025.4.1 or one day in wareki
/// (R7.4.1, 令和7年4月1日); a time after the day (a spreadsheet's date-time) is ignored.
pub(crate) fn day_of_text(text: &str) -> Option<NaiveDate> {
    let normalized = search_form(text);
    let first = normalized.split_whitespace().next().unwrap_or_default();
    for format in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(first, format) {
            return Some(d);
        }
    }
    let period = domain::period::Period::parse(&normalized);
    period
        .earliest()
        .filter(|d| period.is_structured() && period.latest() == Some(*d))
}

fn date(row: &Row, field: &str, errors: &mut CellErrors) -> Option<String> {
    let text = row.get(field)?;
    if let Some(day) = day_of_text(&text) {
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

fn bureau(row: &Row, field: &str, names: &Names, errors: &mut CellErrors) -> Option<i64> {
    let text = row.get(field)?;
    match names.bureaus.get(&search_form(&text)) {
        Some(id) => Some(*id),
        None => {
            errors.push(row.error(
                field,
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

/// The values read from a row's cells, by column key; a blank or unreadable cell has none.
#[derive(Debug, Default)]
pub(super) struct Values(Vec<(&'static str, Value)>);

impl Values {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub(super) fn integer(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Value::as_i64)
    }

    pub(super) fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Value::as_str).map(str::to_owned)
    }
}

fn json_array(row: &Row, field: &str, errors: &mut CellErrors) -> Option<Value> {
    let text = row.get(field)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(value @ Value::Array(_)) => Some(value),
        _ => {
            errors.push(row.error(
                field,
                "invalid_json",
                "数値効果は [{\"kind\":…,\"value\":…,\"unit\":…}] の形で書いてください",
            ));
            None
        }
    }
}

/// One cell read as its column says. `read` holds the row's columns read so far: sections are
/// looked up in the bureau of the row's `bureau` column, which comes before them.
fn read_cell(
    read: Read,
    row: &Row,
    field: &str,
    names: &Names,
    values: &Values,
    errors: &mut CellErrors,
) -> Option<Value> {
    let bureau_id = || values.integer("bureau");
    match read {
        Read::Text => row.get(field).map(Value::from),
        Read::Integer => integer(row, field, errors).map(Value::from),
        Read::Number => decimal(row, field, errors).map(Value::from),
        Read::Date => date(row, field, errors).map(Value::from),
        Read::YesNo => yes_no(row, field, errors).map(Value::from),
        Read::FiscalYear => fiscal_year(row, field, errors).map(Value::from),
        Read::Choice(choices) => choice(row, field, &choices(), errors).map(Value::from),
        Read::List => row.get(field).map(|text| Value::from(list_of(&text))),
        Read::JsonArray => json_array(row, field, errors),
        // "iii プラチナPTの提案から" and the Roman numeral ⅲ both name iii.
        Read::LeadingCode => row.get(field).map(|text| {
            Value::from(
                search_form(&text)
                    .split_whitespace()
                    .next()
                    .unwrap_or_default(),
            )
        }),
        Read::Bureau => bureau(row, field, names, errors).map(Value::from),
        Read::Sections => match (bureau_id(), row.get(field)) {
            (Some(b), Some(text)) => Some(Value::from(
                list_of(&text)
                    .iter()
                    .filter_map(|name| section_in(row, field, names, b, name, errors))
                    .collect::<Vec<i64>>(),
            )),
            _ => None,
        },
        Read::Section => match (bureau_id(), row.get(field)) {
            (Some(b), Some(name)) => {
                section_in(row, field, names, b, &name, errors).map(Value::from)
            }
            _ => None,
        },
    }
}

/// Reads every importable column of the row: the API request body, each field from its
/// column or the column's blank, and the values read (which find the record the row updates).
pub(super) fn read_row(row: &Row, names: &Names, errors: &mut CellErrors) -> (Value, Values) {
    let mut values = Values::default();
    let mut body = Map::new();
    for column in row.columns {
        let Some(import) = column.import else {
            continue;
        };
        let key = column.head.key;
        let value = read_cell(import.read, row, key, names, &values, errors);
        if let Some(into) = import.into {
            let sent = value.clone().unwrap_or_else(|| import.blank.value());
            body.insert(into.to_owned(), sent);
        }
        if let Some(value) = value {
            values.0.push((key, value));
        }
    }
    (Value::Object(body), values)
}

pub(super) fn api_errors(row: &Row, err: ApiError) -> CellErrors {
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
            let field = row.field_of_pointer(&e.pointer);
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
pub(super) fn parsed<T: serde::de::DeserializeOwned + Validate>(
    row: &Row,
    body: Value,
) -> Result<T, CellErrors> {
    let input: T = serde_path_to_error::deserialize(body).map_err(|e| {
        let pointer = format!("/{}", e.path().to_string().replace('.', "/"));
        let field = row.field_of_pointer(&pointer);
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
