//! Japanese era dates (和暦) and the city's April–March fiscal year (年度).
//!
//! Era dates are display and input forms only: everything is stored as Gregorian dates. The era
//! table holds the official first day of each era; 明治 is taken from 1868-10-23 with 1868 as its
//! first year (明治元年), so the arithmetic "era year → Gregorian year" holds for every era.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::period::{Period, Precision};

/// A date known at compile time. Only used in constants, so a bad literal fails the build.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// Era years above this are never written; a larger number is a typo, not a date.
const MAX_ERA_YEAR: u32 = 99;

/// A Japanese era (元号) from 明治 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era's name in kanji: 令和.
    pub const fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era's initial as used in short dates: R for 令和 (R7.7.14).
    pub const fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The era's first day.
    pub const fn start(self) -> NaiveDate {
        match self {
            Era::Meiji => ymd(1868, 10, 23),
            Era::Taisho => ymd(1912, 7, 30),
            Era::Showa => ymd(1926, 12, 25),
            Era::Heisei => ymd(1989, 1, 8),
            Era::Reiwa => ymd(2019, 5, 1),
        }
    }

    /// The Gregorian year of the era's first year (元年).
    pub const fn first_year(self) -> i32 {
        match self {
            Era::Meiji => 1868,
            Era::Taisho => 1912,
            Era::Showa => 1926,
            Era::Heisei => 1989,
            Era::Reiwa => 2019,
        }
    }

    /// The era that followed this one, if any.
    pub const fn next(self) -> Option<Era> {
        match self {
            Era::Meiji => Some(Era::Taisho),
            Era::Taisho => Some(Era::Showa),
            Era::Showa => Some(Era::Heisei),
            Era::Heisei => Some(Era::Reiwa),
            Era::Reiwa => None,
        }
    }

    /// The era's last day; `None` for the current era.
    pub fn last_day(self) -> Option<NaiveDate> {
        self.next().and_then(|next| next.start().pred_opt())
    }

    /// True when `date` falls within the era.
    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.start() && self.last_day().is_none_or(|last| date <= last)
    }

    /// The era in force on `date`; `None` before 明治.
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL.into_iter().rev().find(|era| era.start() <= date)
    }

    /// The era for an initial, in either case: `R` or `r` → 令和.
    pub fn from_letter(letter: char) -> Option<Era> {
        let upper = letter.to_ascii_uppercase();
        Era::ALL.into_iter().find(|era| era.letter() == upper)
    }

    /// The era for its kanji name: 令和 → 令和.
    pub fn from_kanji(name: &str) -> Option<Era> {
        Era::ALL.into_iter().find(|era| era.kanji() == name)
    }

    /// The Gregorian year of an era year: 令和7 → 2025. `None` for year 0 or an implausibly large
    /// year. Years after the era ended are allowed (平成32年度 was written before 令和 was known).
    pub fn gregorian_year(self, era_year: u32) -> Option<i32> {
        if era_year == 0 || era_year > MAX_ERA_YEAR {
            return None;
        }
        i32::try_from(era_year)
            .ok()
            .map(|year| self.first_year() + year - 1)
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kanji())
    }
}

/// A year counted in an era: 令和7年. Year 1 is displayed as 元年.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EraYear {
    pub era: Era,
    pub year: u32,
}

impl EraYear {
    /// The era and era year of `date`: 2019-04-30 → 平成31年, 2019-05-01 → 令和元年.
    pub fn of(date: NaiveDate) -> Option<EraYear> {
        let era = Era::of(date)?;
        let year = u32::try_from(date.year() - era.first_year() + 1).ok()?;
        Some(EraYear { era, year })
    }

    /// The Gregorian year: 令和7年 → 2025.
    pub fn gregorian_year(self) -> Option<i32> {
        self.era.gregorian_year(self.year)
    }

    /// The short form's prefix: R7.
    pub fn short(self) -> String {
        format!("{}{}", self.era.letter(), self.year)
    }

    /// Reads an era year written alone: `R7`, `令和7年`, `令和元年`, `H31`, `Ｒ７`.
    pub fn parse(text: &str) -> Option<EraYear> {
        let normalized = normalize(text);
        let (era, rest) = split_era(&normalized)?;
        let (year, rest) = split_era_year(rest)?;
        let rest = rest.strip_prefix('年').unwrap_or(rest);
        if !rest.is_empty() {
            return None;
        }
        era.gregorian_year(year)?;
        Some(EraYear { era, year })
    }
}

impl fmt::Display for EraYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year == 1 {
            write!(f, "{}元年", self.era.kanji())
        } else {
            write!(f, "{}{}年", self.era.kanji(), self.year)
        }
    }
}

/// The Gregorian year of an era year written alone: `R7` → 2025, `令和元年` → 2019, `H31` → 2019.
pub fn parse_era_year(text: &str) -> Option<i32> {
    EraYear::parse(text)?.gregorian_year()
}

/// The long display form: 令和7年7月14日 (令和元年5月1日 for the first year). Dates before 明治
/// are shown in the Gregorian calendar: 1868年1月1日.
pub fn format_date(date: NaiveDate) -> String {
    match EraYear::of(date) {
        Some(era_year) => format!("{era_year}{}月{}日", date.month(), date.day()),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

/// The short form used in the city's tables: R7.7.14. Dates before 明治 become 1868.1.1.
pub fn format_short(date: NaiveDate) -> String {
    match EraYear::of(date) {
        Some(era_year) => format!("{}.{}.{}", era_year.short(), date.month(), date.day()),
        None => format!("{}.{}.{}", date.year(), date.month(), date.day()),
    }
}

/// The month of `date` in the long form: 令和7年7月. The era is the one in force on the month's
/// first day (1989年1月 is 昭和64年1月).
pub fn format_year_month(date: NaiveDate) -> String {
    let first = date.with_day(1).unwrap_or(date);
    match EraYear::of(first) {
        Some(era_year) => format!("{era_year}{}月", date.month()),
        None => format!("{}年{}月", date.year(), date.month()),
    }
}

/// The text as the date readers see it: NFKC (full-width ７ → 7, Ｒ → R, （ → (, ～ → ~), every
/// range mark (～ 〜 ∼ ~) as `~`, and no white space at all.
pub fn normalize(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '〜' | '∼' | '～' => '~',
            other => other,
        })
        .collect()
}

/// Splits a leading era (`R`, `令和`, …) off normalised text, when an era year follows it.
pub(crate) fn split_era(text: &str) -> Option<(Era, &str)> {
    let mut chars = text.chars();
    let first = chars.next()?;
    let (era, rest) = match Era::from_letter(first) {
        Some(era) if first.is_ascii_alphabetic() => (era, chars.as_str()),
        _ => Era::ALL
            .into_iter()
            .find_map(|era| text.strip_prefix(era.kanji()).map(|rest| (era, rest)))?,
    };
    let next = rest.chars().next()?;
    (next.is_ascii_digit() || next == '元').then_some((era, rest))
}

/// Splits an era year (one or two digits, or 元) off normalised text.
pub(crate) fn split_era_year(text: &str) -> Option<(u32, &str)> {
    if let Some(rest) = text.strip_prefix('元') {
        return Some((1, rest));
    }
    split_number(text, 2)
}

/// Splits up to `max_digits` ASCII digits off the text; `None` when it does not start with one.
pub(crate) fn split_number(text: &str, max_digits: usize) -> Option<(u32, &str)> {
    let digits = text
        .bytes()
        .take(max_digits)
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return None;
    }
    let (number, rest) = text.split_at(digits);
    number.parse().ok().map(|value| (value, rest))
}

/// A fiscal year (年度), April to March, named by the Gregorian year in which it starts:
/// `FiscalYear(2025)` is 令和7年度, 2025-04-01 … 2026-03-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FiscalYear(pub i32);

/// The text is not a single fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a fiscal year")]
pub struct InvalidFiscalYear;

impl FiscalYear {
    /// The fiscal year that contains `date`: 2026-03-31 → FY2025, 2026-04-01 → FY2026.
    pub fn of(date: NaiveDate) -> FiscalYear {
        if date.month() >= 4 {
            FiscalYear(date.year())
        } else {
            FiscalYear(date.year() - 1)
        }
    }

    /// April 1 of the start year. Years beyond the calendar's range saturate to its ends.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 4, 1).unwrap_or(self.saturated())
    }

    /// March 31 of the following year. Years beyond the calendar's range saturate to its ends.
    pub fn end(self) -> NaiveDate {
        self.0
            .checked_add(1)
            .and_then(|year| NaiveDate::from_ymd_opt(year, 3, 31))
            .unwrap_or(self.saturated())
    }

    fn saturated(self) -> NaiveDate {
        if self.0 < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        }
    }

    /// True when `date` falls within the fiscal year.
    pub fn contains(self, date: NaiveDate) -> bool {
        FiscalYear::of(date) == self
    }

    /// The era name of the fiscal year. A fiscal year is named after the era in force on May 1
    /// of its first year, which matches official usage at every change of era: FY2019 is
    /// 令和元年度, FY1988 昭和63年度, FY1926 大正15年度, FY1912 明治45年度.
    pub fn era_year(self) -> Option<EraYear> {
        let may_first = NaiveDate::from_ymd_opt(self.0, 5, 1)?;
        let era = Era::of(may_first)?;
        let year = u32::try_from(self.0 - era.first_year() + 1).ok()?;
        Some(EraYear { era, year })
    }

    /// Reads a single fiscal year: `令和7年度`, `R7年度`, `R7` (an era year alone is a fiscal
    /// year), `令和７年度`, `2025年度`.
    pub fn parse(text: &str) -> Result<FiscalYear, InvalidFiscalYear> {
        let period = Period::parse(text);
        match (period.start, period.end) {
            (Some(start), Some(end))
                if start == end && start.precision() == Precision::FiscalYear =>
            {
                Ok(FiscalYear::of(start.earliest()))
            }
            _ => Err(InvalidFiscalYear),
        }
    }
}

impl FromStr for FiscalYear {
    type Err = InvalidFiscalYear;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        FiscalYear::parse(text)
    }
}

impl fmt::Display for FiscalYear {
    /// 令和7年度; years before 明治 as 1867年度.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.era_year() {
            Some(era_year) => write!(f, "{era_year}度"),
            None => write!(f, "{}年度", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn era_years_convert_to_gregorian_years() {
        assert_eq!(parse_era_year("R7"), Some(2025));
        assert_eq!(parse_era_year("令和元年"), Some(2019));
        assert_eq!(parse_era_year("令和1年"), Some(2019));
        assert_eq!(parse_era_year("H31"), Some(2019));
        assert_eq!(parse_era_year("平成元年"), Some(1989));
        assert_eq!(parse_era_year("S64"), Some(1989));
        assert_eq!(parse_era_year("T15"), Some(1926));
        assert_eq!(parse_era_year("M1"), Some(1868));
        assert_eq!(parse_era_year("Ｒ７"), Some(2025));
        assert_eq!(parse_era_year("r7"), Some(2025));
    }

    #[test]
    fn era_years_that_cannot_exist_are_refused() {
        for text in [
            "R0",
            "令和0年",
            "R100",
            "X7",
            "7",
            "",
            "令和",
            "R7.4",
            "R7年度",
        ] {
            assert_eq!(parse_era_year(text), None, "{text:?}");
        }
    }

    #[test]
    fn each_date_belongs_to_the_era_in_force_on_that_day() {
        let cases = [
            (date(2019, 4, 30), Era::Heisei, 31),
            (date(2019, 5, 1), Era::Reiwa, 1),
            (date(1989, 1, 7), Era::Showa, 64),
            (date(1989, 1, 8), Era::Heisei, 1),
            (date(1926, 12, 24), Era::Taisho, 15),
            (date(1926, 12, 25), Era::Showa, 1),
            (date(1912, 7, 30), Era::Taisho, 1),
            (date(1868, 10, 23), Era::Meiji, 1),
        ];
        for (day, era, year) in cases {
            assert_eq!(EraYear::of(day), Some(EraYear { era, year }), "{day}");
        }
        assert_eq!(EraYear::of(date(1868, 10, 22)), None);
    }

    #[test]
    fn the_era_table_has_names_initials_and_contiguous_spans() {
        let names: Vec<_> = Era::ALL.iter().map(|e| (e.kanji(), e.letter())).collect();
        assert_eq!(
            names,
            [
                ("明治", 'M'),
                ("大正", 'T'),
                ("昭和", 'S'),
                ("平成", 'H'),
                ("令和", 'R')
            ]
        );
        for era in Era::ALL {
            assert_eq!(era.start().year(), era.first_year());
            if let Some(next) = era.next() {
                assert_eq!(
                    era.last_day().and_then(|d| d.succ_opt()),
                    Some(next.start())
                );
            }
        }
        assert_eq!(Era::Reiwa.last_day(), None);
        assert!(Era::Heisei.contains(date(2019, 4, 30)));
        assert!(!Era::Heisei.contains(date(2019, 5, 1)));
    }

    #[test]
    fn dates_are_shown_in_the_long_and_short_era_forms() {
        assert_eq!(format_date(date(2025, 7, 14)), "令和7年7月14日");
        assert_eq!(format_date(date(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(format_date(date(2019, 4, 1)), "平成31年4月1日");
        assert_eq!(format_short(date(2025, 7, 14)), "R7.7.14");
        assert_eq!(format_short(date(2019, 4, 1)), "H31.4.1");
        assert_eq!(format_year_month(date(2025, 7, 14)), "令和7年7月");
        assert_eq!(format_year_month(date(1989, 1, 20)), "昭和64年1月");
    }

    #[test]
    fn dates_before_meiji_are_shown_in_the_gregorian_calendar() {
        assert_eq!(format_date(date(1868, 1, 1)), "1868年1月1日");
        assert_eq!(format_short(date(1868, 1, 1)), "1868.1.1");
    }

    #[test]
    fn a_fiscal_year_runs_from_april_to_march() {
        let fy = FiscalYear(2025);
        assert_eq!(fy.start(), date(2025, 4, 1));
        assert_eq!(fy.end(), date(2026, 3, 31));
        assert!(fy.contains(date(2025, 4, 1)));
        assert!(fy.contains(date(2026, 3, 31)));
        assert!(!fy.contains(date(2025, 3, 31)));
        assert!(!fy.contains(date(2026, 4, 1)));
        assert_eq!(FiscalYear::of(date(2026, 3, 31)), FiscalYear(2025));
        assert_eq!(FiscalYear::of(date(2026, 4, 1)), FiscalYear(2026));
    }

    #[test]
    fn fiscal_years_are_named_as_officials_name_them() {
        assert_eq!(FiscalYear(2025).to_string(), "令和7年度");
        assert_eq!(FiscalYear(2019).to_string(), "令和元年度");
        assert_eq!(FiscalYear(2018).to_string(), "平成30年度");
        assert_eq!(FiscalYear(1988).to_string(), "昭和63年度");
        assert_eq!(FiscalYear(1989).to_string(), "平成元年度");
        assert_eq!(FiscalYear(1926).to_string(), "大正15年度");
        assert_eq!(FiscalYear(1867).to_string(), "1867年度");
    }

    #[test]
    fn fiscal_years_are_read_from_era_and_gregorian_text() {
        assert_eq!("令和7年度".parse(), Ok(FiscalYear(2025)));
        assert_eq!("令和７年度".parse(), Ok(FiscalYear(2025)));
        assert_eq!("R8年度".parse(), Ok(FiscalYear(2026)));
        assert_eq!("R8".parse(), Ok(FiscalYear(2026)));
        assert_eq!("平成31年度".parse(), Ok(FiscalYear(2019)));
        assert_eq!("令和元年度".parse(), Ok(FiscalYear(2019)));
        assert_eq!("2025年度".parse(), Ok(FiscalYear(2025)));
        assert_eq!("R7.4".parse::<FiscalYear>(), Err(InvalidFiscalYear));
        assert_eq!(
            "R7年度~R8年度".parse::<FiscalYear>(),
            Err(InvalidFiscalYear)
        );
        assert_eq!("来年度".parse::<FiscalYear>(), Err(InvalidFiscalYear));
    }

    #[test]
    fn far_fiscal_years_saturate_instead_of_failing() {
        assert_eq!(FiscalYear(i32::MAX).start(), NaiveDate::MAX);
        assert_eq!(FiscalYear(i32::MIN).end(), NaiveDate::MIN);
    }

    #[test]
    fn normalisation_unifies_width_range_marks_and_spacing() {
        assert_eq!(normalize("Ｒ７．７．１４"), "R7.7.14");
        assert_eq!(normalize("R7.4～ R8.2"), "R7.4~R8.2");
        assert_eq!(normalize("R7.4〜R8.2"), "R7.4~R8.2");
        assert_eq!(normalize("令和8年5月末（予定）"), "令和8年5月末(予定)");
        assert_eq!(normalize("㋿7年"), "令和7年");
    }

    #[test]
    fn eras_and_fiscal_years_deserialise_from_snake_case_names_and_numbers()
    -> Result<(), serde::de::value::Error> {
        use serde::de::IntoDeserializer;
        use serde::de::value::Error;
        let era = Era::deserialize(IntoDeserializer::<Error>::into_deserializer("reiwa"))?;
        assert_eq!(era, Era::Reiwa);
        let fy = FiscalYear::deserialize(IntoDeserializer::<Error>::into_deserializer(2025_i32))?;
        assert_eq!(fy, FiscalYear(2025));
        Ok(())
    }
}
