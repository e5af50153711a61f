//! When something happens, as the city writes it: `R7.7.14`, `R7.4~ R8.2`, `R8年度～`,
//! `令和7年5月より実施`, `R7.夏~秋`, `実施中`.
//!
//! [`Period::parse`] never fails. It reads the forms below and keeps the text as given; anything
//! else, including any form that could be read two ways, is kept as text with no structure.
//!
//! | form | example | reading |
//! |---|---|---|
//! | day | `R7.7.14`, `令和7年7月14日`, `H31.4.1`, `2025-07-14` | that day |
//! | end of month / fiscal year | `令和8年5月末`, `R7.7月末`, `R7年度末` | its last day |
//! | month | `R7.4`, `R7.9月`, `R8年1月`, `R7年7月中` | that month |
//! | season | `R7.夏`, `R10年冬` | 春 Mar–May, 夏 Jun–Aug, 秋 Sep–Nov, 冬 Dec–Feb (Dec of that year) |
//! | fiscal year | `R7年度`, `R7年度中`, `R7年度内`, `R8` (an era year alone) | April–March |
//! | range | `A~B`, `A～B`, `A〜B`, `AからB`, `AよりB` | A to B; B may omit the era (`令和6年度~7年度`), the year (`R7.7月～12月`, `R8.1~2`, `R7.夏~秋`, `R7.11.23~30日`) |
//! | open end | `A~`, `Aから`, `Aより`, `A以降` | from A, no end |
//! | open start | `~B`, `Bまで` | until B |
//! | status after the dates | `実施済`, `実施中`, `予定`, `実施予定`, `導入予定`, `(予定)`, `試行`, `実証`, `随時`, `検討中` | [`PeriodStatus`] |
//! | neutral words after the dates | `実施`, `導入`, `開始`, `適用`, `対応`, `に` | no status |

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

use crate::wareki::{
    Era, EraYear, FiscalYear, format_date, format_year_month, normalize, split_era, split_era_year,
    split_number,
};

/// How finely a point in time is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Day,
    Month,
    Season,
    FiscalYear,
}

/// A season of the year: 春 March–May, 夏 June–August, 秋 September–November, 冬 December–February.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    Spring,
    Summer,
    Autumn,
    Winter,
}

impl Season {
    pub const ALL: [Season; 4] = [
        Season::Spring,
        Season::Summer,
        Season::Autumn,
        Season::Winter,
    ];

    /// 春, 夏, 秋 or 冬.
    pub const fn kanji(self) -> char {
        match self {
            Season::Spring => '春',
            Season::Summer => '夏',
            Season::Autumn => '秋',
            Season::Winter => '冬',
        }
    }

    /// The season's first month; 冬 starts in December of its year and runs into the next.
    pub const fn first_month(self) -> u32 {
        match self {
            Season::Spring => 3,
            Season::Summer => 6,
            Season::Autumn => 9,
            Season::Winter => 12,
        }
    }

    fn from_first_month(month: u32) -> Option<Season> {
        Season::ALL.into_iter().find(|s| s.first_month() == month)
    }

    fn from_kanji(c: char) -> Option<Season> {
        Season::ALL.into_iter().find(|s| s.kanji() == c)
    }
}

/// A point in time known to some precision: the days it may be, from `earliest` to `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PeriodPoint {
    precision: Precision,
    earliest: NaiveDate,
    latest: NaiveDate,
}

impl PeriodPoint {
    /// A single day.
    pub fn day(date: NaiveDate) -> PeriodPoint {
        PeriodPoint {
            precision: Precision::Day,
            earliest: date,
            latest: date,
        }
    }

    /// A calendar month; `None` when the month does not exist.
    pub fn month(year: i32, month: u32) -> Option<PeriodPoint> {
        let earliest = NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(PeriodPoint {
            precision: Precision::Month,
            earliest,
            latest: last_day_after(earliest, 1)?,
        })
    }

    /// A season of a year (冬 of 2025 is 2025-12-01 … 2026-02-28).
    pub fn season(year: i32, season: Season) -> Option<PeriodPoint> {
        let earliest = NaiveDate::from_ymd_opt(year, season.first_month(), 1)?;
        Some(PeriodPoint {
            precision: Precision::Season,
            earliest,
            latest: last_day_after(earliest, 3)?,
        })
    }

    /// A fiscal year, April to March.
    pub fn fiscal_year(fiscal_year: FiscalYear) -> Option<PeriodPoint> {
        let earliest = NaiveDate::from_ymd_opt(fiscal_year.0, 4, 1)?;
        Some(PeriodPoint {
            precision: Precision::FiscalYear,
            earliest,
            latest: last_day_after(earliest, 12)?,
        })
    }

    /// Rebuilds a point from its precision and first day; `None` unless the day starts a unit of
    /// that precision (a month on its 1st, a season on the 1st of Mar/Jun/Sep/Dec, a fiscal year
    /// on April 1).
    pub fn from_parts(precision: Precision, earliest: NaiveDate) -> Option<PeriodPoint> {
        let starts_month = earliest.day() == 1;
        match precision {
            Precision::Day => Some(PeriodPoint::day(earliest)),
            Precision::Month if starts_month => {
                PeriodPoint::month(earliest.year(), earliest.month())
            }
            Precision::Season if starts_month => Season::from_first_month(earliest.month())
                .and_then(|season| PeriodPoint::season(earliest.year(), season)),
            Precision::FiscalYear if starts_month && earliest.month() == 4 => {
                PeriodPoint::fiscal_year(FiscalYear(earliest.year()))
            }
            _ => None,
        }
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The first day the point may be.
    pub fn earliest(&self) -> NaiveDate {
        self.earliest
    }

    /// The last day the point may be.
    pub fn latest(&self) -> NaiveDate {
        self.latest
    }

    /// True when `date` is one of the days the point covers.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.earliest <= date && date <= self.latest
    }

    /// The season, for a point of season precision.
    pub fn season_of(&self) -> Option<Season> {
        match self.precision {
            Precision::Season => Season::from_first_month(self.earliest.month()),
            _ => None,
        }
    }

    /// The canonical long form: 令和7年7月14日, 令和7年4月, 令和7年夏, 令和7年度.
    pub fn format(&self) -> String {
        match self.precision {
            Precision::Day => format_date(self.earliest),
            Precision::Month => format_year_month(self.earliest),
            Precision::Season => {
                let season = self.season_of().map_or('?', Season::kanji);
                match EraYear::of(self.earliest) {
                    Some(era_year) => format!("{era_year}{season}"),
                    None => format!("{}年{season}", self.earliest.year()),
                }
            }
            Precision::FiscalYear => FiscalYear::of(self.earliest).to_string(),
        }
    }
}

impl fmt::Display for PeriodPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

/// What other systems send; checked so that no point covers days its precision does not allow.
#[derive(Deserialize)]
struct PeriodPointFields {
    precision: Precision,
    earliest: NaiveDate,
    latest: NaiveDate,
}

impl<'de> Deserialize<'de> for PeriodPoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = PeriodPointFields::deserialize(deserializer)?;
        PeriodPoint::from_parts(fields.precision, fields.earliest)
            .filter(|point| point.latest == fields.latest)
            .ok_or_else(|| {
                serde::de::Error::custom("earliest and latest do not match the precision")
            })
    }
}

/// The last day of the `months` months that start at `first`.
fn last_day_after(first: NaiveDate, months: u32) -> Option<NaiveDate> {
    first.checked_add_months(Months::new(months))?.pred_opt()
}

/// The state of the work, when the text says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    /// 実施済 (also 導入済, 対応済, 提供済, with or without み).
    Done,
    /// 実施中.
    InProgress,
    /// 予定 (also 実施予定, 導入予定, 対応予定, 開始予定, (予定)).
    Planned,
    /// 試行 (also 試行実施, 試行開始, 試行中).
    Trial,
    /// 実証 (also 実証実験, 実証中, 実証実験中): a field trial, distinct from 試行.
    Demonstration,
    /// 随時: whenever needed.
    AsNeeded,
    /// 検討中.
    UnderConsideration,
}

impl PeriodStatus {
    pub const ALL: [PeriodStatus; 7] = [
        PeriodStatus::Done,
        PeriodStatus::InProgress,
        PeriodStatus::Planned,
        PeriodStatus::Trial,
        PeriodStatus::Demonstration,
        PeriodStatus::AsNeeded,
        PeriodStatus::UnderConsideration,
    ];

    /// The status as staff write it: 実施済, 実施中, 予定, 試行, 実証, 随時, 検討中.
    pub const fn as_str(self) -> &'static str {
        match self {
            PeriodStatus::Done => "実施済",
            PeriodStatus::InProgress => "実施中",
            PeriodStatus::Planned => "予定",
            PeriodStatus::Trial => "試行",
            PeriodStatus::Demonstration => "実証",
            PeriodStatus::AsNeeded => "随時",
            PeriodStatus::UnderConsideration => "検討中",
        }
    }
}

impl fmt::Display for PeriodStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Words that carry a status, longest first so that 実施予定 wins over 実施.
const STATUS_WORDS: [(&str, PeriodStatus); 23] = [
    ("実証実験中", PeriodStatus::Demonstration),
    ("実施済み", PeriodStatus::Done),
    ("導入済み", PeriodStatus::Done),
    ("対応済み", PeriodStatus::Done),
    ("提供済み", PeriodStatus::Done),
    ("実施予定", PeriodStatus::Planned),
    ("導入予定", PeriodStatus::Planned),
    ("対応予定", PeriodStatus::Planned),
    ("開始予定", PeriodStatus::Planned),
    ("試行実施", PeriodStatus::Trial),
    ("試行開始", PeriodStatus::Trial),
    ("実証実験", PeriodStatus::Demonstration),
    ("実施済", PeriodStatus::Done),
    ("導入済", PeriodStatus::Done),
    ("対応済", PeriodStatus::Done),
    ("提供済", PeriodStatus::Done),
    ("実施中", PeriodStatus::InProgress),
    ("試行中", PeriodStatus::Trial),
    ("実証中", PeriodStatus::Demonstration),
    ("検討中", PeriodStatus::UnderConsideration),
    ("予定", PeriodStatus::Planned),
    ("試行", PeriodStatus::Trial),
    ("実証", PeriodStatus::Demonstration),
];

/// 随時 stands alone; kept apart from the table above only for its length.
const AS_NEEDED: &str = "随時";

/// Words after the dates that say nothing about the status: R8.3実施, 令和8年度に実施予定.
const NEUTRAL_WORDS: [&str; 6] = ["実施", "導入", "開始", "適用", "対応", "に"];

/// A time span as written, with the structure read from it when it could be read.
///
/// A single point (`R7.7.14`) has `start == end`; an open end (`R8.3~`) has `end: None`; text that
/// could not be read has both `None` and may still carry a status (`実施中`). `original` is
/// always the text exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub start: Option<PeriodPoint>,
    pub end: Option<PeriodPoint>,
    pub status: Option<PeriodStatus>,
    pub original: String,
}

impl Period {
    /// Reads a period. Never fails: unreadable or ambiguous text is kept with no structure.
    pub fn parse(text: &str) -> Period {
        let reading = read(&normalize(text)).unwrap_or_default();
        Period {
            start: reading.start,
            end: reading.end,
            status: reading.status,
            original: text.to_owned(),
        }
    }

    /// Text kept as it is, with no structure.
    pub fn unstructured(text: &str) -> Period {
        Period {
            start: None,
            end: None,
            status: None,
            original: text.to_owned(),
        }
    }

    /// True when at least one end of the period is known.
    pub fn is_structured(&self) -> bool {
        self.start.is_some() || self.end.is_some()
    }

    /// The first day the period may start; `None` when open or unread.
    pub fn earliest(&self) -> Option<NaiveDate> {
        self.start.map(|point| point.earliest())
    }

    /// The last day the period may last to; `None` when open or unread.
    pub fn latest(&self) -> Option<NaiveDate> {
        self.end.map(|point| point.latest())
    }

    /// True when the period may share a day with `from ..= to` (either bound may be open). A
    /// fuzzy point counts with all the days it may be; an open end runs on forever. Periods with
    /// no structure never match, since nothing is known about them.
    pub fn overlaps(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
        if !self.is_structured() {
            return false;
        }
        let ends_after_from = match (self.latest(), from) {
            (Some(latest), Some(from)) => latest >= from,
            _ => true,
        };
        let starts_before_to = match (self.earliest(), to) {
            (Some(earliest), Some(to)) => earliest <= to,
            _ => true,
        };
        ends_after_from && starts_before_to
    }

    /// The canonical Japanese display of the dates (the status is shown apart):
    /// 令和7年4月～令和8年2月, 令和8年度～, ～令和8年3月, 令和7年7月14日. Text with no structure
    /// is shown as it was written.
    pub fn format(&self) -> String {
        match (&self.start, &self.end) {
            (None, None) => self.original.clone(),
            (Some(start), Some(end)) if start == end => start.format(),
            (Some(start), Some(end)) => format!("{}～{}", start.format(), end.format()),
            (Some(start), None) => format!("{}～", start.format()),
            (None, Some(end)) => format!("～{}", end.format()),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

/// What the reader made of a text.
#[derive(Debug, Default)]
struct Reading {
    start: Option<PeriodPoint>,
    end: Option<PeriodPoint>,
    status: Option<PeriodStatus>,
}

/// A point together with how it was written, which a range's end may borrow from.
#[derive(Debug, Clone, Copy)]
struct Written {
    point: PeriodPoint,
    /// The era it was written in; `None` for a Gregorian year.
    era: Option<Era>,
}

/// Reads normalised text; `None` when it is not wholly one of the known forms.
fn read(text: &str) -> Option<Reading> {
    let mut rest = text;
    let mut reading = Reading::default();
    if let Some(after) = rest.strip_prefix('~') {
        let (end, after) = point(after)?;
        reading.end = Some(end.point);
        rest = after;
    } else if let Some((start, after)) = point(rest) {
        rest = after;
        if let Some(after) = rest.strip_prefix("以降") {
            reading.start = Some(start.point);
            rest = after;
        } else if let Some(after) = rest.strip_prefix("まで") {
            reading.end = Some(start.point);
            rest = after;
        } else if let Some(after) = ["~", "から", "より"]
            .into_iter()
            .find_map(|mark| rest.strip_prefix(mark))
        {
            reading.start = Some(start.point);
            rest = after;
            if let Some((end, after)) = range_end(after, &start) {
                if end.earliest() < start.point.earliest() {
                    return None;
                }
                reading.end = Some(end);
                rest = after;
            }
        } else {
            reading.start = Some(start.point);
            reading.end = Some(start.point);
        }
    }
    reading.status = status_words(rest)?;
    Some(reading)
}

/// Reads the words after the dates; `Some(None)` when they carry no status, `None` when they are
/// not all known or name two different statuses.
fn status_words(text: &str) -> Option<Option<PeriodStatus>> {
    let mut rest = text;
    let mut found: Option<PeriodStatus> = None;
    while !rest.is_empty() {
        let (status, after) = if let Some(inner) = rest.strip_prefix('(') {
            let (status, after) = status_word(inner)?;
            (Some(status), after.strip_prefix(')')?)
        } else if let Some((status, after)) = status_word(rest) {
            (Some(status), after)
        } else {
            let after = NEUTRAL_WORDS
                .into_iter()
                .find_map(|word| rest.strip_prefix(word))?;
            (None, after)
        };
        if let Some(status) = status {
            if found.is_some_and(|seen| seen != status) {
                return None;
            }
            found = Some(status);
        }
        rest = after;
    }
    Some(found)
}

fn status_word(text: &str) -> Option<(PeriodStatus, &str)> {
    if let Some(after) = text.strip_prefix(AS_NEEDED) {
        return Some((PeriodStatus::AsNeeded, after));
    }
    STATUS_WORDS
        .into_iter()
        .find_map(|(word, status)| text.strip_prefix(word).map(|after| (status, after)))
}

/// A point written in full: with an era (`R7.4`, `令和7年度`) or a four-digit year (`2025年度`,
/// `2025-07-14`).
fn point(text: &str) -> Option<(Written, &str)> {
    if let Some((era, rest)) = split_era(text) {
        let (era_year, rest) = split_era_year(rest)?;
        let year = era.gregorian_year(era_year)?;
        let (point, rest) = after_year(rest, year, Forms::ALL)?;
        return in_era(point, era).then_some((
            Written {
                point,
                era: Some(era),
            },
            rest,
        ));
    }
    let (year, rest) = split_number(text, 4)?;
    if text.len() - rest.len() != 4 {
        return None;
    }
    let year = i32::try_from(year).ok()?;
    let (point, rest) = match iso_like(rest, year) {
        Some(found) => found,
        None => after_year(rest, year, Forms::WITH_KANJI)?,
    };
    Some((Written { point, era: None }, rest))
}

/// Which ways of going on after the year are allowed.
#[derive(Debug, Clone, Copy)]
struct Forms {
    /// `R7.4`: a dot after the year.
    dot: bool,
    /// `R8`: the year alone, as a fiscal year.
    bare: bool,
}

impl Forms {
    const ALL: Forms = Forms {
        dot: true,
        bare: true,
    };
    /// Only 年度 and 年…: what a Gregorian year or a range end without its era may use, since
    /// `2025` alone or `8.3` after `R7.4~` could be read two ways.
    const WITH_KANJI: Forms = Forms {
        dot: false,
        bare: false,
    };
}

/// Reads what follows a year: 年度, 年M月D日, 年M月, 年夏, .M.D, .M, .夏, or nothing.
fn after_year(text: &str, year: i32, forms: Forms) -> Option<(PeriodPoint, &str)> {
    if let Some(rest) = text.strip_prefix("年度") {
        let fiscal_year = PeriodPoint::fiscal_year(FiscalYear(year))?;
        if let Some(rest) = rest.strip_prefix('末') {
            return Some((PeriodPoint::day(fiscal_year.latest()), rest));
        }
        return Some((fiscal_year, skip_within(rest)));
    }
    if let Some(rest) = text.strip_prefix('年') {
        if let Some(found) = season(rest, year) {
            return Some(found);
        }
        let (month, rest) = split_number(rest, 2)?;
        let rest = rest.strip_prefix('月')?;
        return after_month(rest, year, month, true);
    }
    if forms.dot
        && let Some(rest) = text.strip_prefix('.')
    {
        if let Some(found) = season(rest, year) {
            return Some(found);
        }
        let (month, rest) = split_number(rest, 2)?;
        if let Some(rest) = rest.strip_prefix('月') {
            return after_month(rest, year, month, false);
        }
        if let Some(rest) = rest.strip_prefix('.') {
            let (day, rest) = split_number(rest, 2)?;
            let date = NaiveDate::from_ymd_opt(year, month, day)?;
            return Some((
                PeriodPoint::day(date),
                rest.strip_prefix('日').unwrap_or(rest),
            ));
        }
        return after_month(rest, year, month, false);
    }
    if forms.bare {
        return Some((PeriodPoint::fiscal_year(FiscalYear(year))?, text));
    }
    None
}

/// Reads what follows a month: D日 (when `day_allowed`), 末 (its last day), 中 or 内, or nothing.
fn after_month(
    text: &str,
    year: i32,
    month: u32,
    day_allowed: bool,
) -> Option<(PeriodPoint, &str)> {
    let whole = PeriodPoint::month(year, month)?;
    if day_allowed && let Some((day, rest)) = split_number(text, 2) {
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        return Some((PeriodPoint::day(date), rest.strip_prefix('日')?));
    }
    if let Some(rest) = text.strip_prefix('末') {
        return Some((PeriodPoint::day(whole.latest()), rest));
    }
    Some((whole, skip_within(text)))
}

/// 中 and 内 ("during") add nothing to the point they follow.
fn skip_within(text: &str) -> &str {
    text.strip_prefix('中')
        .or_else(|| text.strip_prefix('内'))
        .unwrap_or(text)
}

fn season(text: &str, year: i32) -> Option<(PeriodPoint, &str)> {
    let mut chars = text.chars();
    let season = Season::from_kanji(chars.next()?)?;
    Some((PeriodPoint::season(year, season)?, chars.as_str()))
}

/// `-MM-DD`, `/M/D`, `-MM` or `/M` after a four-digit year, with one kind of separator.
fn iso_like(text: &str, year: i32) -> Option<(PeriodPoint, &str)> {
    let separator = text.chars().next().filter(|c| *c == '-' || *c == '/')?;
    let (month, rest) = split_number(&text[1..], 2)?;
    if let Some(rest) = rest.strip_prefix(separator) {
        let (day, rest) = split_number(rest, 2)?;
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        return Some((PeriodPoint::day(date), rest));
    }
    Some((PeriodPoint::month(year, month)?, rest))
}

/// The end of a range. It may be written in full, or borrow from the start: the era
/// (`令和6年度~7年度`), or the era and year (`R7.7月～12月`, `R8.1~2` after a month, `R7.夏~秋`
/// after a season, `R7.11.23~30日` after a day). Dotted forms without an era (`R7.4~8.3`) could be read two ways and are not
/// read.
fn range_end<'a>(text: &'a str, start: &Written) -> Option<(PeriodPoint, &'a str)> {
    if let Some((end, rest)) = point(text) {
        return Some((end.point, rest));
    }
    let start_year = start.point.earliest().year();
    match start.point.precision() {
        Precision::Season => {
            if let Some(found) = season(text, start_year) {
                return Some(found);
            }
        }
        Precision::Month | Precision::Day => {
            if let Some((number, rest)) = split_number(text, 2) {
                if let Some(rest) = rest.strip_prefix('月') {
                    return after_month(rest, start_year, number, true);
                }
                if start.point.precision() == Precision::Day
                    && let Some(rest) = rest.strip_prefix('日')
                {
                    let first = start.point.earliest();
                    let date = NaiveDate::from_ymd_opt(start_year, first.month(), number)?;
                    return Some((PeriodPoint::day(date), rest));
                }
                let next_is_digit_or_dot =
                    rest.starts_with(|c: char| c.is_ascii_digit() || c == '.');
                if start.point.precision() == Precision::Month
                    && !next_is_digit_or_dot
                    && !rest.starts_with('年')
                {
                    return Some((PeriodPoint::month(start_year, number)?, rest));
                }
            }
        }
        Precision::FiscalYear => {}
    }
    let era = start.era?;
    let (era_year, rest) = split_era_year(text)?;
    let (point, rest) = after_year(rest, era.gregorian_year(era_year)?, Forms::WITH_KANJI)?;
    in_era(point, era).then_some((point, rest))
}

/// Whether a point may be written in `era`: a day must fall within it, a month or season must
/// share a day with it. A fiscal year only has to end after the era began, since 平成31年度 and
/// 令和元年度 are both FY2019 and plans written before an era change count on in the old era.
fn in_era(point: PeriodPoint, era: Era) -> bool {
    match point.precision() {
        Precision::Day => era.contains(point.earliest()),
        Precision::Month | Precision::Season => {
            point.latest() >= era.start()
                && era.last_day().is_none_or(|last| point.earliest() <= last)
        }
        Precision::FiscalYear => point.latest() >= era.start(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wareki::format_short;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn day(y: i32, m: u32, d: u32) -> Option<PeriodPoint> {
        Some(PeriodPoint::day(date(y, m, d)))
    }

    fn month(y: i32, m: u32) -> Option<PeriodPoint> {
        PeriodPoint::month(y, m)
    }

    fn fy(y: i32) -> Option<PeriodPoint> {
        PeriodPoint::fiscal_year(FiscalYear(y))
    }

    fn season(y: i32, s: Season) -> Option<PeriodPoint> {
        PeriodPoint::season(y, s)
    }

    type Expected = (
        &'static str,
        Option<PeriodPoint>,
        Option<PeriodPoint>,
        Option<PeriodStatus>,
    );

    fn check(cases: &[Expected]) {
        for (text, start, end, status) in cases {
            let period = Period::parse(text);
            assert_eq!(
                (period.start, period.end, period.status),
                (*start, *end, *status),
                "{text:?}"
            );
            assert_eq!(period.original, *text);
        }
    }

    #[test]
    fn the_forms_in_the_brief_are_read_exactly() {
        use PeriodStatus::*;
        use Season::*;
        check(&[
            ("R7.7.14", day(2025, 7, 14), day(2025, 7, 14), None),
            ("R8.4.1", day(2026, 4, 1), day(2026, 4, 1), None),
            ("R7.4", month(2025, 4), month(2025, 4), None),
            ("R8.3~", month(2026, 3), None, None),
            ("R7.4~ R8.2", month(2025, 4), month(2026, 2), None),
            (
                "R7.11.23 ~ R7.11.30",
                day(2025, 11, 23),
                day(2025, 11, 30),
                None,
            ),
            ("R7年度中", fy(2025), fy(2025), None),
            ("R8年度～", fy(2026), None, None),
            ("令和6年度~7年度", fy(2024), fy(2025), None),
            ("令和7年5月より実施", month(2025, 5), None, None),
            (
                "令和7年7月から 令和8年5月末(予定)",
                month(2025, 7),
                day(2026, 5, 31),
                Some(Planned),
            ),
            ("R8年1月実施", month(2026, 1), month(2026, 1), None),
            ("R7.9月～R8.3月", month(2025, 9), month(2026, 3), None),
            ("R8実施予定", fy(2026), fy(2026), Some(Planned)),
            ("R8～導入予定", fy(2026), None, Some(Planned)),
            ("R8.3実施", month(2026, 3), month(2026, 3), None),
            ("実施中", None, None, Some(InProgress)),
            ("随時", None, None, Some(AsNeeded)),
            ("R7.夏~秋", season(2025, Summer), season(2025, Autumn), None),
            ("H31.4.1", day(2019, 4, 1), day(2019, 4, 1), None),
            ("令和元年5月1日", day(2019, 5, 1), day(2019, 5, 1), None),
            ("Ｒ７．７．１４", day(2025, 7, 14), day(2025, 7, 14), None),
            ("令和７年度", fy(2025), fy(2025), None),
        ]);
    }

    #[test]
    fn the_common_forms_of_the_seeds_are_read_exactly() {
        use PeriodStatus::*;
        use Season::*;
        check(&[
            ("R7.4~", month(2025, 4), None, None),
            ("R8.4～", month(2026, 4), None, None),
            ("R7.6.10 ～", day(2025, 6, 10), None, None),
            ("R7.11.17 ~", day(2025, 11, 17), None, None),
            ("R7.3.19以降", day(2025, 3, 19), None, None),
            ("R8年度以降", fy(2026), None, None),
            ("R7年度実施", fy(2025), fy(2025), None),
            ("R7年度実施済", fy(2025), fy(2025), Some(Done)),
            ("R7年度内", fy(2025), fy(2025), None),
            ("令和8年度に実施予定", fy(2026), fy(2026), Some(Planned)),
            ("R7実施", fy(2025), fy(2025), None),
            ("R7実施済", fy(2025), fy(2025), Some(Done)),
            ("R8実施済み", fy(2026), fy(2026), Some(Done)),
            ("R6から実施", fy(2024), None, None),
            ("R7年度～R8年度", fy(2025), fy(2026), None),
            ("R7~R10年度", fy(2025), fy(2028), None),
            (
                "R4~R7実施(実証実験中)",
                fy(2022),
                fy(2025),
                Some(Demonstration),
            ),
            ("R8~実証実験", fy(2026), None, Some(Demonstration)),
            ("R7年9月", month(2025, 9), month(2025, 9), None),
            ("R7年7月中", month(2025, 7), month(2025, 7), None),
            ("R7.7月末", day(2025, 7, 31), day(2025, 7, 31), None),
            ("R7.7月～12月", month(2025, 7), month(2025, 12), None),
            ("R8.5月～ 11月", month(2026, 5), month(2026, 11), None),
            (
                "R8.5月実施予定",
                month(2026, 5),
                month(2026, 5),
                Some(Planned),
            ),
            ("R8.1~2", month(2026, 1), month(2026, 2), None),
            ("R7.12~ R8.2", month(2025, 12), month(2026, 2), None),
            ("R8.4～試行実施", month(2026, 4), None, Some(Trial)),
            ("R7.12～試行実施", month(2025, 12), None, Some(Trial)),
            ("R8.2～実施", month(2026, 2), None, None),
            ("R8.4～適用", month(2026, 4), None, None),
            ("R8.2対応済", month(2026, 2), month(2026, 2), Some(Done)),
            ("R7.8実施済", month(2025, 8), month(2025, 8), Some(Done)),
            ("R10～導入予定", fy(2028), None, Some(Planned)),
            ("R9～予定", fy(2027), None, Some(Planned)),
            ("R10年冬", season(2028, Winter), season(2028, Winter), None),
            ("R7.1.2", day(2025, 1, 2), day(2025, 1, 2), None),
            ("検討中", None, None, Some(UnderConsideration)),
            ("(予定)", None, None, Some(Planned)),
        ]);
    }

    #[test]
    fn other_calendars_spellings_and_bounds_are_read_too() {
        check(&[
            ("令和7年7月14日", day(2025, 7, 14), day(2025, 7, 14), None),
            ("R元.5.1", day(2019, 5, 1), day(2019, 5, 1), None),
            ("r7.7.14", day(2025, 7, 14), day(2025, 7, 14), None),
            ("R7.4〜R8.3", month(2025, 4), month(2026, 3), None),
            ("R7.7.14日", day(2025, 7, 14), day(2025, 7, 14), None),
            ("R7年度末", day(2026, 3, 31), day(2026, 3, 31), None),
            ("~R8.3", None, month(2026, 3), None),
            ("R8.3まで", None, month(2026, 3), None),
            ("2025-07-14", day(2025, 7, 14), day(2025, 7, 14), None),
            ("2025/7/14", day(2025, 7, 14), day(2025, 7, 14), None),
            ("2025-07", month(2025, 7), month(2025, 7), None),
            ("2025年度", fy(2025), fy(2025), None),
            ("2025年7月14日", day(2025, 7, 14), day(2025, 7, 14), None),
            ("2025年7月~2026年3月", month(2025, 7), month(2026, 3), None),
            ("平成31年度", fy(2019), fy(2019), None),
            ("令和元年度", fy(2019), fy(2019), None),
            ("S64.1.7", day(1989, 1, 7), day(1989, 1, 7), None),
            ("R7.11.23~30日", day(2025, 11, 23), day(2025, 11, 30), None),
        ]);
    }

    #[test]
    fn unreadable_or_ambiguous_text_is_kept_without_structure() {
        for text in [
            "調整中",
            "未定",
            "R7.13.1",
            "R7.2.30",
            "",
            "来年度",
            "R7.1.2.1",
            "R7.5.15 他4回",
            "募集: R7.11 公表: R8.1",
            "①R7.9 ②R7.11~R8.1 ③R7.11~、R8.2~",
            "R7.11月から順次切替 手続き中",
            "R8実施予定 (現在改修中)",
            "R7.7 (集中ス ペース) R7.11 (スタンド テーブル)",
            "R7年",
            "2025",
            "R7.4~8.3",
            "R7.12~2",
            "R8.3~R7.4",
            "R7.夏~春",
            "R7試行実施済",
            "R1.4.30",
            "H31.5.1",
            "令和元年4月",
            "R0.4.1",
            "実施",
            "R8.3(延期)",
        ] {
            let period = Period::parse(text);
            assert_eq!((period.start, period.end), (None, None), "{text:?}");
            assert_eq!(period.status, None, "{text:?}");
            assert_eq!(period.original, text);
            assert_eq!(period.format(), text);
        }
    }

    #[test]
    fn the_original_text_is_kept_exactly_as_given() {
        for text in ["  R7.4~ R8.2 ", "Ｒ７．７．１４", "調整中\n"] {
            assert_eq!(Period::parse(text).original, text);
        }
    }

    #[test]
    fn every_day_of_reiwa_reads_back_from_its_short_and_long_forms() {
        let mut day = date(2019, 5, 1);
        let last = date(2031, 12, 31);
        let mut count = 0;
        while day <= last {
            for text in [format_short(day), format_date(day)] {
                let period = Period::parse(&text);
                let expected = Some(PeriodPoint::day(day));
                assert_eq!((period.start, period.end), (expected, expected), "{text}");
            }
            count += 1;
            day = day.succ_opt().unwrap_or(NaiveDate::MAX);
        }
        assert_eq!(count, 4628);
    }

    #[test]
    fn every_day_since_meiji_reads_back_from_its_long_form() {
        let mut day = date(1868, 10, 23);
        while day <= date(2019, 4, 30) {
            let text = format_date(day);
            assert_eq!(
                Period::parse(&text).start,
                Some(PeriodPoint::day(day)),
                "{text}"
            );
            day = day.succ_opt().unwrap_or(NaiveDate::MAX);
        }
    }

    #[test]
    fn every_fiscal_year_and_month_reads_back_from_its_display() {
        for year in 2019..=2035 {
            let text = FiscalYear(year).to_string();
            let period = Period::parse(&text);
            assert_eq!((period.start, period.end), (fy(year), fy(year)), "{text}");
            assert_eq!(text.parse(), Ok(FiscalYear(year)));
            for m in 1..=12 {
                let Some(point) = month(year, m) else {
                    continue;
                };
                let text = point.format();
                assert_eq!(Period::parse(&text).start, Some(point), "{text}");
            }
            for s in Season::ALL {
                let Some(point) = season(year, s) else {
                    continue;
                };
                let text = point.format();
                assert_eq!(Period::parse(&text).start, Some(point), "{text}");
            }
        }
    }

    #[test]
    fn periods_are_shown_in_a_canonical_long_form_that_reads_back() {
        let cases = [
            ("R7.4~ R8.2", "令和7年4月～令和8年2月"),
            ("R7.7.14", "令和7年7月14日"),
            ("R8年度～", "令和8年度～"),
            ("令和6年度~7年度", "令和6年度～令和7年度"),
            ("R7.夏~秋", "令和7年夏～令和7年秋"),
            ("R8実施予定", "令和8年度"),
            ("~R8.3", "～令和8年3月"),
            (
                "令和7年7月から 令和8年5月末(予定)",
                "令和7年7月～令和8年5月31日",
            ),
            ("H31.4.1", "平成31年4月1日"),
            ("実施中", "実施中"),
        ];
        for (text, shown) in cases {
            let period = Period::parse(text);
            assert_eq!(period.format(), shown, "{text:?}");
            let again = Period::parse(&period.format());
            assert_eq!(
                (again.start, again.end),
                (period.start, period.end),
                "{shown}"
            );
        }
    }

    #[test]
    fn points_cover_the_days_their_precision_allows() {
        let winter = season(2025, Season::Winter);
        assert_eq!(
            winter.map(|p| (p.earliest(), p.latest())),
            Some((date(2025, 12, 1), date(2026, 2, 28)))
        );
        let spring = season(2024, Season::Spring);
        assert_eq!(spring.map(|p| p.latest()), Some(date(2024, 5, 31)));
        assert_eq!(month(2024, 2).map(|p| p.latest()), Some(date(2024, 2, 29)));
        assert_eq!(
            fy(2026).map(|p| (p.earliest(), p.latest())),
            Some((date(2026, 4, 1), date(2027, 3, 31)))
        );
        assert!(fy(2026).is_some_and(|p| p.contains(date(2027, 3, 31))));
        assert_eq!(month(2025, 13), None);
    }

    #[test]
    fn overlaps_counts_every_day_a_fuzzy_or_open_period_may_cover() {
        let from = Some(date(2026, 1, 1));
        let to = Some(date(2026, 1, 31));
        assert!(Period::parse("R7年度中").overlaps(from, to));
        assert!(Period::parse("R7.4~ R8.2").overlaps(from, to));
        assert!(Period::parse("R7.4~").overlaps(from, to));
        assert!(Period::parse("~R8.1").overlaps(from, to));
        assert!(Period::parse("R7.冬").overlaps(from, to));
        assert!(!Period::parse("R7.7.14").overlaps(from, to));
        assert!(!Period::parse("R8.2~").overlaps(from, to));
        assert!(!Period::parse("R8年度").overlaps(from, to));
        assert!(Period::parse("R8年度").overlaps(Some(date(2027, 3, 31)), None));
        assert!(Period::parse("R7.7.14").overlaps(None, None));
        assert!(!Period::parse("調整中").overlaps(None, None));
        assert!(!Period::parse("実施中").overlaps(from, to));
    }

    #[test]
    fn statuses_have_their_japanese_names_and_snake_case_wire_names()
    -> Result<(), serde::de::value::Error> {
        use serde::de::IntoDeserializer;
        use serde::de::value::Error;
        let names: Vec<_> = PeriodStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            ["実施済", "実施中", "予定", "試行", "実証", "随時", "検討中"]
        );
        let status = PeriodStatus::deserialize(IntoDeserializer::<Error>::into_deserializer(
            "under_consideration",
        ))?;
        assert_eq!(status, PeriodStatus::UnderConsideration);
        let precision =
            Precision::deserialize(IntoDeserializer::<Error>::into_deserializer("fiscal_year"))?;
        assert_eq!(precision, Precision::FiscalYear);
        Ok(())
    }

    #[test]
    fn points_sent_by_other_systems_must_match_their_precision() {
        use serde::de::value::{Error, MapDeserializer};
        let read = |precision: &'static str, earliest: &'static str, latest: &'static str| {
            let fields = vec![
                ("precision", precision),
                ("earliest", earliest),
                ("latest", latest),
            ];
            PeriodPoint::deserialize(MapDeserializer::<_, Error>::new(fields.into_iter())).ok()
        };
        assert_eq!(read("month", "2025-04-01", "2025-04-30"), month(2025, 4));
        assert_eq!(read("fiscal_year", "2025-04-01", "2026-03-31"), fy(2025));
        assert_eq!(read("month", "2025-04-02", "2025-04-30"), None);
        assert_eq!(read("month", "2025-04-01", "2025-05-31"), None);
        assert_eq!(read("season", "2025-04-01", "2025-06-30"), None);
        assert_eq!(read("fiscal_year", "2025-01-01", "2025-12-31"), None);
    }
}
