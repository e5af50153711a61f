//! The cells of a table as staff exchange it: what a column holds, one value of it, and the guard
//! that keeps a spreadsheet from running text as a formula (and its undoing on the way back in).

use chrono::{DateTime, NaiveDate, Utc};

/// What a column holds, which decides how each format writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    Text,
    Integer,
    Number,
    Date,
    DateTime,
    Bool,
    /// Structured data (a list of effects): JSON text in CSV and XLSX, JSON in NDJSON.
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Number(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Bool(bool),
    Json(serde_json::Value),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    pub fn opt_text(value: Option<impl Into<String>>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.into()))
    }

    pub fn opt_integer(value: Option<impl Into<i64>>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Integer(v.into()))
    }

    pub fn opt_number(value: Option<f64>) -> Cell {
        value.map_or(Cell::Empty, Cell::Number)
    }

    pub fn opt_date(value: Option<NaiveDate>) -> Cell {
        value.map_or(Cell::Empty, Cell::Date)
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's list), in any width:
/// Japanese Excel reads a full-width ＝＋－＠ (and their small and super- or subscript forms, all
/// NFKC-equal to the ASCII ones) as the start of a formula too.
fn starts_like_formula(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let first = domain::text::normalize(first.encode_utf8(&mut [0; 4]));
    matches!(
        first.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// Whether text needs a leading apostrophe so that a spreadsheet shows it as text. Text that
/// already starts with an apostrophe before such a character gets one more, so that reading it
/// back (`unguard`) returns exactly what was written.
pub fn needs_guard(text: &str) -> bool {
    starts_like_formula(text) || text.strip_prefix('\'').is_some_and(needs_guard)
}

pub fn guard(text: &str) -> String {
    if needs_guard(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Undoes `guard`: removes the apostrophe an export put before formula-like text.
pub fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_guarded_and_reads_back_as_written() {
        for text in [
            "=1+1", "+81", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "''+y", "'plain", "普通", "",
        ] {
            assert_eq!(unguard(&guard(text)), text, "{text:?}");
        }
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("'plain"), "'plain");
        assert_eq!(guard("'=x"), "''=x");
    }

    #[test]
    fn full_width_and_other_forms_of_formula_characters_are_guarded_too() {
        for text in [
            "＝1+1",
            "＋81",
            "－5",
            "＠SUM(A1)",
            "﹦cmd",
            "⁼x",
            "＝HYPERLINK(\"x\")",
            "'＝x",
        ] {
            assert!(needs_guard(text), "{text:?}");
            assert_eq!(unguard(&guard(text)), text, "{text:?}");
        }
        assert_eq!(guard("＝1+1"), "'＝1+1");
        for text in ["全角＝", "ー長音", "・中黒", "（注）"] {
            assert!(!needs_guard(text), "{text:?}");
        }
    }
}
