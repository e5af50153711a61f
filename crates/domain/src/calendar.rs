//! The Japanese business-day calendar the city works by, and the reminder schedule of a reporting
//! round (照会) laid on it.
//!
//! A business day (開庁日) is a weekday that is neither a national holiday nor one of the city's
//! closed days. National holidays (国民の祝日, 振替休日, 国民の休日 and the one-off days set by
//! law) are not computed from rules here: they come from the Cabinet Office's published list,
//! `data/calendar/syukujitsu.csv`, compiled into the binary. The list is the authority (rules
//! change by law, and some days are set one at a time), and it only reaches the year after its
//! publication, so the calendar says which years it covers instead of guessing beyond them.
//! docs/calendar.md describes the update step.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The Cabinet Office's list as committed (UTF-8, its own layout).
pub const OFFICIAL_HOLIDAYS_CSV: &str = include_str!("../../../data/calendar/syukujitsu.csv");

/// The header line of the Cabinet Office's list; a file without it is not that list.
pub const HOLIDAYS_CSV_HEADER: &str = "国民の祝日・休日月日,国民の祝日・休日名称";

/// What `holiday_name` answers for one of the city's closed days that is not a national holiday.
pub const CLOSED_DAY_NAME: &str = "閉庁日";

/// Why a holiday list could not be read. The line is 1-based, as an editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayListError {
    #[error("the holiday list does not start with the header \"{HOLIDAYS_CSV_HEADER}\"")]
    MissingHeader,
    #[error("line {line} of the holiday list is not \"YYYY/M/D,name\": {text}")]
    BadRow { line: usize, text: String },
    #[error("line {line} of the holiday list repeats the date {date}")]
    Duplicate { line: usize, date: NaiveDate },
    #[error("the holiday list has no dates")]
    Empty,
}

/// National holidays by date, with the whole years the list covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayList {
    names: BTreeMap<NaiveDate, String>,
    years: RangeInclusive<i32>,
}

impl HolidayList {
    /// Reads a list in the Cabinet Office's layout: the header line, then one `YYYY/M/D,name`
    /// row per holiday. A byte-order mark, CRLF line ends and blank lines are accepted because
    /// converted downloads carry them; anything else that is not a row is refused with its line,
    /// so a damaged file is noticed rather than half read.
    pub fn parse(csv: &str) -> Result<HolidayList, HolidayListError> {
        let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
        let mut lines = csv.lines().enumerate();
        let header = lines.by_ref().find(|(_, text)| !text.trim().is_empty());
        if header.map(|(_, text)| text.trim()) != Some(HOLIDAYS_CSV_HEADER) {
            return Err(HolidayListError::MissingHeader);
        }
        let mut names = BTreeMap::new();
        for (index, text) in lines {
            let line = index + 1;
            if text.trim().is_empty() {
                continue;
            }
            let bad = || HolidayListError::BadRow {
                line,
                text: text.to_owned(),
            };
            let (date, name) = text.split_once(',').ok_or_else(bad)?;
            let date = NaiveDate::parse_from_str(date.trim(), "%Y/%m/%d").map_err(|_| bad())?;
            let name = name.trim();
            if name.is_empty() || name.contains(',') {
                return Err(bad());
            }
            if names.insert(date, name.to_owned()).is_some() {
                return Err(HolidayListError::Duplicate { line, date });
            }
        }
        let first = names.keys().next().ok_or(HolidayListError::Empty)?.year();
        let last = names
            .keys()
            .next_back()
            .ok_or(HolidayListError::Empty)?
            .year();
        Ok(HolidayList {
            names,
            years: first..=last,
        })
    }

    /// The committed Cabinet Office list, read once. An error means the committed file is
    /// damaged; the tests of this module read it completely, so a release never carries one.
    pub fn official() -> Result<Arc<HolidayList>, HolidayListError> {
        static OFFICIAL: LazyLock<Result<Arc<HolidayList>, HolidayListError>> =
            LazyLock::new(|| HolidayList::parse(OFFICIAL_HOLIDAYS_CSV).map(Arc::new));
        OFFICIAL.clone()
    }

    /// The holiday's name as the Cabinet Office writes it (振替休日 and 国民の休日 are `休日`).
    pub fn name(&self, date: NaiveDate) -> Option<&str> {
        self.names.get(&date).map(String::as_str)
    }

    /// The calendar years the list covers, from its first holiday's year to its last's. The
    /// Cabinet Office publishes whole years, so every year in between is complete.
    pub fn years(&self) -> RangeInclusive<i32> {
        self.years.clone()
    }

    /// How many holidays the list holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every holiday in date order.
    pub fn iter(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.names.iter().map(|(date, name)| (*date, name.as_str()))
    }
}

/// A day of the year without its year, such as 12-29.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    /// A month and day that exist in some year (02-29 is allowed: it exists in leap years).
    pub fn new(month: u32, day: u32) -> Option<MonthDay> {
        NaiveDate::from_ymd_opt(2000, month, day).map(|_| MonthDay { month, day })
    }

    pub fn of(date: NaiveDate) -> MonthDay {
        MonthDay {
            month: date.month(),
            day: date.day(),
        }
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// A closed-day setting that could not be read; the message names the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a closed-day range: write \"MM-DD..MM-DD\" (e.g. \"12-29..01-03\") or one day \"MM-DD\""
)]
pub struct InvalidClosedDays(pub String);

/// A run of the city's closed days (閉庁日) repeating every year, first and last day included.
/// A range whose first day comes after its last wraps the year end: 12-29..01-03 is 29 December
/// to 3 January.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClosedDays {
    first: MonthDay,
    last: MonthDay,
}

impl ClosedDays {
    pub fn new(first: MonthDay, last: MonthDay) -> ClosedDays {
        ClosedDays { first, last }
    }

    /// The city's year-end and New Year closing, 12-29..01-03 (行政機関の休日に関する法律 and the
    /// city's ordinance on its closed days).
    pub fn year_end() -> ClosedDays {
        ClosedDays {
            first: MonthDay { month: 12, day: 29 },
            last: MonthDay { month: 1, day: 3 },
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        let day = MonthDay::of(date);
        if self.first <= self.last {
            self.first <= day && day <= self.last
        } else {
            day >= self.first || day <= self.last
        }
    }
}

impl FromStr for ClosedDays {
    type Err = InvalidClosedDays;

    fn from_str(text: &str) -> Result<ClosedDays, InvalidClosedDays> {
        let invalid = || InvalidClosedDays(text.to_owned());
        let month_day = |part: &str| -> Option<MonthDay> {
            let (month, day) = part.trim().split_once('-')?;
            let digits = |s: &str| {
                (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse::<u32>().ok())
                    .flatten()
            };
            MonthDay::new(digits(month)?, digits(day)?)
        };
        let (first, last) = match text.split_once("..") {
            Some((first, last)) => (month_day(first), month_day(last)),
            None => (month_day(text), month_day(text)),
        };
        Ok(ClosedDays::new(
            first.ok_or_else(invalid)?,
            last.ok_or_else(invalid)?,
        ))
    }
}

impl fmt::Display for ClosedDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

/// The city's business days: weekdays that are neither national holidays nor closed days.
///
/// For a year the holiday list does not cover (`covers` is false) only weekends and closed days
/// are known, so national holidays of that year count as business days; callers warn the user
/// that dates there may move once the list is updated.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    holidays: Arc<HolidayList>,
    closed: Vec<ClosedDays>,
}

impl BusinessCalendar {
    pub fn new(holidays: Arc<HolidayList>, closed: Vec<ClosedDays>) -> BusinessCalendar {
        BusinessCalendar { holidays, closed }
    }

    /// The Cabinet Office's list with the default closing of 12-29..01-03.
    pub fn official() -> Result<BusinessCalendar, HolidayListError> {
        Ok(BusinessCalendar::new(
            HolidayList::official()?,
            vec![ClosedDays::year_end()],
        ))
    }

    pub fn holidays(&self) -> &HolidayList {
        &self.holidays
    }

    pub fn closed_days(&self) -> &[ClosedDays] {
        &self.closed
    }

    pub fn is_closed_day(&self, date: NaiveDate) -> bool {
        self.closed.iter().any(|range| range.contains(date))
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && self.holidays.name(date).is_none()
            && !self.is_closed_day(date)
    }

    /// The national holiday's name, else `閉庁日` for a closed day, else nothing (weekends and
    /// business days). 1 January is 元日 although the office is also closed then: the holiday's
    /// own name says more.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.holidays
            .name(date)
            .or_else(|| self.is_closed_day(date).then_some(CLOSED_DAY_NAME))
    }

    /// Whether the holiday list reaches `date`'s year. Outside it the calendar knows weekends
    /// and closed days only.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.holidays.years.contains(&date.year())
    }

    /// The `n`th business day after `date`, not counting `date` itself: 1 is the next business
    /// day. With 0, `date` itself when it is a business day, else the next business day (so the
    /// answer is always a business day). `None` only past chrono's last date.
    pub fn add_business_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.step(date, n, Direction::Forward)
    }

    /// The `n`th business day before `date`, not counting `date` itself: 1 is the previous
    /// business day. With 0, `date` itself when it is a business day, else the previous business
    /// day. `None` only before chrono's first date.
    pub fn subtract_business_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.step(date, n, Direction::Backward)
    }

    /// How many business days lie after `from` up to and including `to`: 0 when `to` is not
    /// after `from`. A request opened on Friday and answered the next Monday took 1.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days()
            .skip(1)
            .take_while(|day| *day <= to)
            .filter(|day| self.is_business_day(*day))
            .count() as i64
    }

    fn step(&self, date: NaiveDate, n: u32, direction: Direction) -> Option<NaiveDate> {
        let next = |day: NaiveDate| match direction {
            Direction::Forward => day.checked_add_days(Days::new(1)),
            Direction::Backward => day.checked_sub_days(Days::new(1)),
        };
        if n == 0 {
            let mut day = date;
            while !self.is_business_day(day) {
                day = next(day)?;
            }
            return Some(day);
        }
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = next(day)?;
            if self.is_business_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Forward,
    Backward,
}

/// The most reminders a schedule may send before the due date.
pub const MAX_REMINDERS_BEFORE_DUE: usize = 10;
/// The furthest a reminder may be sent before the due date, and the longest pause between
/// overdue reminders, in business days (about three months).
pub const MAX_REMINDER_BUSINESS_DAYS: i64 = 60;

/// Why a reminder schedule was refused; the message names the setting as the API and the
/// configuration call it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSchedule {
    #[error(
        "reminder_days_before: {0} is not between 1 and {MAX_REMINDER_BUSINESS_DAYS} business days (the due date itself is remind_on_due_date)"
    )]
    DaysBeforeOutOfRange(i64),
    #[error(
        "reminder_days_before: at most {MAX_REMINDERS_BEFORE_DUE} reminders before the due date"
    )]
    TooManyBeforeDue,
    #[error(
        "overdue_every_business_days: {0} is not between 0 (no reminders once overdue) and {MAX_REMINDER_BUSINESS_DAYS}"
    )]
    OverdueOutOfRange(i64),
}

/// When a round reminds the owners who have not answered (issue 17): some business days before
/// the due date (回答期限), on it, and every few business days while the answer is overdue.
///
/// A schedule is valid once made: `days_before` lies in 1..=60, holds at most 10 days and is kept
/// sorted from the earliest reminder (most days before) to the latest, without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScheduleFields", into = "ScheduleFields")]
pub struct ReminderSchedule {
    days_before: Vec<u32>,
    on_due_date: bool,
    overdue_every: Option<u32>,
}

/// The schedule as written in the configuration and on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleFields {
    /// Business days before the due date to remind on.
    pub reminder_days_before: Vec<i64>,
    /// Remind on the due date.
    pub remind_on_due_date: bool,
    /// Remind every this many business days while overdue; 0 for never.
    pub overdue_every_business_days: i64,
}

impl TryFrom<ScheduleFields> for ReminderSchedule {
    type Error = InvalidSchedule;

    fn try_from(fields: ScheduleFields) -> Result<ReminderSchedule, InvalidSchedule> {
        ReminderSchedule::new(
            &fields.reminder_days_before,
            fields.remind_on_due_date,
            fields.overdue_every_business_days,
        )
    }
}

impl From<ReminderSchedule> for ScheduleFields {
    fn from(schedule: ReminderSchedule) -> ScheduleFields {
        ScheduleFields {
            reminder_days_before: schedule.days_before.iter().map(|&d| i64::from(d)).collect(),
            remind_on_due_date: schedule.on_due_date,
            overdue_every_business_days: schedule.overdue_every.map_or(0, i64::from),
        }
    }
}

impl Default for ReminderSchedule {
    /// 7 and 2 business days before, on the due date, then every 3 business days while overdue.
    fn default() -> Self {
        ReminderSchedule {
            days_before: vec![7, 2],
            on_due_date: true,
            overdue_every: Some(3),
        }
    }
}

/// Which reminder of a schedule a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReminderKind {
    /// This many business days before the due date.
    BeforeDue { business_days: u32 },
    /// On the due date, or on the last business day before it when the due date is not one.
    OnDueDate,
    /// The `nth` reminder (from 1) after the due date passed unanswered.
    Overdue { nth: u32 },
}

/// One reminder date of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub kind: ReminderKind,
}

impl ReminderSchedule {
    /// Checks and normalises a schedule. Inputs are signed so that a negative number from a
    /// request or a file is refused here, by name, rather than wrapped or rejected elsewhere.
    pub fn new(
        days_before: &[i64],
        on_due_date: bool,
        overdue_every: i64,
    ) -> Result<ReminderSchedule, InvalidSchedule> {
        // Counted as listed, before repeats are dropped, so the limit reads the same in the
        // OpenAPI schema (maxItems) as here.
        if days_before.len() > MAX_REMINDERS_BEFORE_DUE {
            return Err(InvalidSchedule::TooManyBeforeDue);
        }
        let mut days = Vec::with_capacity(days_before.len());
        for &day in days_before {
            if !(1..=MAX_REMINDER_BUSINESS_DAYS).contains(&day) {
                return Err(InvalidSchedule::DaysBeforeOutOfRange(day));
            }
            days.push(u32::try_from(day).map_err(|_| InvalidSchedule::DaysBeforeOutOfRange(day))?);
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        if !(0..=MAX_REMINDER_BUSINESS_DAYS).contains(&overdue_every) {
            return Err(InvalidSchedule::OverdueOutOfRange(overdue_every));
        }
        let overdue_every = u32::try_from(overdue_every)
            .map_err(|_| InvalidSchedule::OverdueOutOfRange(overdue_every))?;
        Ok(ReminderSchedule {
            days_before: days,
            on_due_date,
            overdue_every: (overdue_every > 0).then_some(overdue_every),
        })
    }

    /// Business days before the due date, earliest reminder first (e.g. [7, 2]).
    pub fn days_before(&self) -> &[u32] {
        &self.days_before
    }

    pub fn on_due_date(&self) -> bool {
        self.on_due_date
    }

    /// Business days between overdue reminders; `None` when overdue answers are not chased.
    pub fn overdue_every(&self) -> Option<u32> {
        self.overdue_every
    }

    /// Every reminder of a round due on `due`, in date order, none after `until` (the round's
    /// close, inclusive), at most one per date.
    ///
    /// Before-due reminders are the nth business day before `due` (so `due` itself never counts,
    /// business day or not). When `due` is not a business day, the due-date reminder moves to
    /// the last business day before it, so the owner hears of the deadline while the office is
    /// open; should that be a before-due reminder's date too, the due-date reminder is the one
    /// kept. Overdue reminders fall every `overdue_every` business days after `due` (the first
    /// is that many business days after it) and go on to `until`.
    ///
    /// Dates before today are in the list too: a caller that plans from today drops them (see
    /// `upcoming`), one that shows the whole schedule keeps them.
    pub fn reminders(
        &self,
        calendar: &BusinessCalendar,
        due: NaiveDate,
        until: NaiveDate,
    ) -> Vec<Reminder> {
        let mut reminders: Vec<Reminder> = Vec::new();
        let mut push = |reminder: Reminder| {
            if reminder.date > until {
                return;
            }
            match reminders.iter_mut().find(|r| r.date == reminder.date) {
                Some(existing) if reminder.kind == ReminderKind::OnDueDate => *existing = reminder,
                Some(_) => {}
                None => reminders.push(reminder),
            }
        };
        for &business_days in &self.days_before {
            if let Some(date) = calendar.subtract_business_days(due, business_days) {
                push(Reminder {
                    date,
                    kind: ReminderKind::BeforeDue { business_days },
                });
            }
        }
        if self.on_due_date
            && let Some(date) = calendar.subtract_business_days(due, 0)
        {
            push(Reminder {
                date,
                kind: ReminderKind::OnDueDate,
            });
        }
        if let Some(every) = self.overdue_every {
            let mut date = due;
            let mut nth = 1;
            while let Some(next) = calendar.add_business_days(date, every) {
                if next > until {
                    break;
                }
                push(Reminder {
                    date: next,
                    kind: ReminderKind::Overdue { nth },
                });
                date = next;
                nth += 1;
            }
        }
        reminders.sort_by_key(|r| r.date);
        reminders
    }

    /// The reminders to plan when a round opens (or reopens) on `today`: those before and on
    /// the due date from today on, and the first overdue reminder on or after today. Later
    /// overdue reminders are planned one at a time, each by the one before it, while answers
    /// are still missing (see `next_overdue`), so a round that is answered in time plans none.
    pub fn plan_from(
        &self,
        calendar: &BusinessCalendar,
        due: NaiveDate,
        today: NaiveDate,
    ) -> Vec<Reminder> {
        let mut reminders = self.upcoming(calendar, due, due, today);
        if let Some(first) = self.next_overdue(calendar, due, due, today) {
            reminders.push(first);
        }
        reminders
    }

    /// The overdue reminder that follows `after` (the due date or an overdue reminder's date),
    /// moved on by whole steps until it is not before `today`, so that a chase interrupted by a
    /// stopped server resumes on the schedule instead of sending the missed days at once.
    /// `None` when overdue answers are not chased.
    pub fn next_overdue(
        &self,
        calendar: &BusinessCalendar,
        due: NaiveDate,
        after: NaiveDate,
        today: NaiveDate,
    ) -> Option<Reminder> {
        let every = self.overdue_every?;
        let mut date = due;
        let mut nth = 0;
        loop {
            date = calendar.add_business_days(date, every)?;
            nth += 1;
            if date > after && date >= today {
                return Some(Reminder {
                    date,
                    kind: ReminderKind::Overdue { nth },
                });
            }
        }
    }

    /// `reminders` from `today` on (today included: a reminder planned for today is still to
    /// be sent).
    pub fn upcoming(
        &self,
        calendar: &BusinessCalendar,
        due: NaiveDate,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Vec<Reminder> {
        let mut reminders = self.reminders(calendar, due, until);
        reminders.retain(|r| r.date >= today);
        reminders
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn calendar() -> BusinessCalendar {
        match BusinessCalendar::official() {
            Ok(calendar) => calendar,
            Err(err) => panic!("the committed holiday list does not parse: {err}"),
        }
    }

    fn dates(reminders: &[Reminder]) -> Vec<NaiveDate> {
        reminders.iter().map(|r| r.date).collect()
    }

    #[test]
    fn the_committed_holiday_list_parses_completely_from_1955_to_2027() {
        let list = calendar().holidays().clone();
        assert_eq!(list.len(), 1067);
        assert_eq!(
            OFFICIAL_HOLIDAYS_CSV
                .lines()
                .filter(|l| !l.trim().is_empty())
                .count(),
            1068,
            "every row but the header is a holiday"
        );
        assert_eq!(list.years(), 1955..=2027);
        let first = list.iter().next();
        let last = list.iter().last();
        assert_eq!(first, Some((date(1955, 1, 1), "元日")));
        assert_eq!(last, Some((date(2027, 11, 23), "勤労感謝の日")));
    }

    #[test]
    fn every_covered_year_has_new_years_day_and_between_nine_and_twenty_two_holidays() {
        let calendar = calendar();
        for year in 1955..=2027 {
            assert_eq!(
                calendar.holiday_name(date(year, 1, 1)),
                Some("元日"),
                "{year}"
            );
            let count = calendar
                .holidays()
                .iter()
                .filter(|(d, _)| d.year() == year)
                .count();
            assert!((9..=22).contains(&count), "{year}: {count}");
        }
    }

    #[test]
    fn golden_week_2025_ends_with_the_substitute_holiday_on_tuesday_the_sixth() {
        let calendar = calendar();
        assert_eq!(calendar.holiday_name(date(2025, 5, 6)), Some("休日"));
        assert!(!calendar.is_business_day(date(2025, 5, 6)));
        assert!(calendar.is_business_day(date(2025, 5, 2)));
        assert!(calendar.is_business_day(date(2025, 5, 7)));
        // From Friday 2 May the next business day is Wednesday 7 May.
        assert_eq!(
            calendar.add_business_days(date(2025, 5, 2), 1),
            Some(date(2025, 5, 7))
        );
        assert_eq!(
            calendar.subtract_business_days(date(2025, 5, 7), 1),
            Some(date(2025, 5, 2))
        );
    }

    #[test]
    fn golden_week_2026_puts_the_business_day_before_thursday_the_seventh_on_friday_the_first() {
        let calendar = calendar();
        for closed in [3, 4, 5, 6] {
            assert!(
                !calendar.is_business_day(date(2026, 5, closed)),
                "5/{closed}"
            );
        }
        assert_eq!(calendar.holiday_name(date(2026, 5, 6)), Some("休日"));
        let due = date(2026, 5, 7);
        assert_eq!(
            calendar.subtract_business_days(due, 1),
            Some(date(2026, 5, 1))
        );
        // 30 April is a Thursday and a business day: the second business day before the seventh.
        assert_eq!(
            calendar.subtract_business_days(due, 2),
            Some(date(2026, 4, 30))
        );
    }

    #[test]
    fn the_new_year_closing_sends_the_seventh_business_day_before_5_january_2026_to_mid_december() {
        let calendar = calendar();
        for closed in [date(2025, 12, 29), date(2025, 12, 30), date(2026, 1, 2)] {
            assert!(!calendar.is_business_day(closed), "{closed}");
            assert_eq!(calendar.holiday_name(closed), Some(CLOSED_DAY_NAME));
        }
        assert_eq!(calendar.holiday_name(date(2026, 1, 1)), Some("元日"));
        let due = date(2026, 1, 5);
        assert_eq!(
            calendar.subtract_business_days(due, 1),
            Some(date(2025, 12, 26))
        );
        assert_eq!(
            calendar.subtract_business_days(due, 7),
            Some(date(2025, 12, 18))
        );
        let schedule = ReminderSchedule::default();
        let before: Vec<_> = schedule
            .reminders(&calendar, due, due)
            .into_iter()
            .filter(|r| matches!(r.kind, ReminderKind::BeforeDue { .. }))
            .collect();
        assert_eq!(dates(&before), [date(2025, 12, 18), date(2025, 12, 25)]);
    }

    #[test]
    fn substitute_holidays_are_not_business_days() {
        let calendar = calendar();
        // Sunday 23 November 2025 (勤労感謝の日) moves its day off to Monday the 24th.
        assert_eq!(calendar.holiday_name(date(2025, 11, 24)), Some("休日"));
        assert_eq!(
            calendar.add_business_days(date(2025, 11, 21), 1),
            Some(date(2025, 11, 25))
        );
        // Sunday 21 March 2027 (春分の日) moves to Monday the 22nd.
        assert!(!calendar.is_business_day(date(2027, 3, 22)));
    }

    #[test]
    fn the_citizens_holiday_of_22_september_2026_joins_two_holidays_into_a_five_day_break() {
        let calendar = calendar();
        assert_eq!(calendar.holiday_name(date(2026, 9, 21)), Some("敬老の日"));
        assert_eq!(calendar.holiday_name(date(2026, 9, 22)), Some("休日"));
        assert_eq!(calendar.holiday_name(date(2026, 9, 23)), Some("秋分の日"));
        assert_eq!(
            calendar.add_business_days(date(2026, 9, 18), 1),
            Some(date(2026, 9, 24))
        );
    }

    #[test]
    fn the_2019_enthronement_and_the_olympic_moves_are_in_the_list() {
        let calendar = calendar();
        assert_eq!(calendar.holiday_name(date(2019, 4, 30)), Some("休日"));
        assert_eq!(
            calendar.holiday_name(date(2019, 5, 1)),
            Some("休日（祝日扱い）")
        );
        assert_eq!(calendar.holiday_name(date(2019, 5, 2)), Some("休日"));
        assert_eq!(calendar.holiday_name(date(2020, 7, 23)), Some("海の日"));
        assert_eq!(
            calendar.holiday_name(date(2020, 7, 24)),
            Some("スポーツの日")
        );
        assert_eq!(calendar.holiday_name(date(2020, 8, 10)), Some("山の日"));
        assert_eq!(calendar.holiday_name(date(2021, 8, 9)), Some("休日"));
        assert!(calendar.is_business_day(date(2020, 10, 12)));
        assert!(calendar.is_business_day(date(2021, 8, 11)));
    }

    #[test]
    fn zero_business_days_is_the_day_itself_or_the_nearest_business_day_in_the_direction_counted() {
        let calendar = calendar();
        let wednesday = date(2026, 6, 10);
        assert_eq!(calendar.add_business_days(wednesday, 0), Some(wednesday));
        assert_eq!(
            calendar.subtract_business_days(wednesday, 0),
            Some(wednesday)
        );
        let saturday = date(2026, 6, 13);
        assert_eq!(
            calendar.add_business_days(saturday, 0),
            Some(date(2026, 6, 15))
        );
        assert_eq!(
            calendar.subtract_business_days(saturday, 0),
            Some(date(2026, 6, 12))
        );
        // Counting from a weekend, the first business day after it is the Monday.
        assert_eq!(
            calendar.add_business_days(saturday, 1),
            Some(date(2026, 6, 15))
        );
    }

    #[test]
    fn the_default_schedule_reminds_seven_and_two_business_days_before_on_the_day_and_every_third_business_day_after()
     {
        let calendar = calendar();
        let due = date(2026, 6, 19); // a Friday
        let reminders = ReminderSchedule::default().reminders(&calendar, due, date(2026, 7, 3));
        assert_eq!(
            reminders,
            [
                Reminder {
                    date: date(2026, 6, 10),
                    kind: ReminderKind::BeforeDue { business_days: 7 }
                },
                Reminder {
                    date: date(2026, 6, 17),
                    kind: ReminderKind::BeforeDue { business_days: 2 }
                },
                Reminder {
                    date: due,
                    kind: ReminderKind::OnDueDate
                },
                Reminder {
                    date: date(2026, 6, 24),
                    kind: ReminderKind::Overdue { nth: 1 }
                },
                Reminder {
                    date: date(2026, 6, 29),
                    kind: ReminderKind::Overdue { nth: 2 }
                },
                Reminder {
                    date: date(2026, 7, 2),
                    kind: ReminderKind::Overdue { nth: 3 }
                },
            ]
        );
    }

    #[test]
    fn the_overdue_chase_skips_a_holiday() {
        let calendar = calendar();
        // Due Thursday 9 July 2026; 海の日 is Monday 20 July.
        let reminders = ReminderSchedule::new(&[], false, 3)
            .map(|s| s.reminders(&calendar, date(2026, 7, 9), date(2026, 7, 31)));
        assert_eq!(
            reminders.map(|r| dates(&r)),
            Ok(vec![
                date(2026, 7, 14),
                date(2026, 7, 17),
                date(2026, 7, 23),
                date(2026, 7, 28),
                date(2026, 7, 31),
            ])
        );
    }

    #[test]
    fn a_due_date_on_a_holiday_is_reminded_on_the_business_day_before_and_chased_from_the_holiday()
    {
        let calendar = calendar();
        let due = date(2026, 11, 3); // 文化の日, a Tuesday
        let reminders = ReminderSchedule::new(&[2, 1], true, 3)
            .map(|s| s.reminders(&calendar, due, date(2026, 11, 9)));
        assert_eq!(
            reminders,
            Ok(vec![
                Reminder {
                    date: date(2026, 10, 30),
                    kind: ReminderKind::BeforeDue { business_days: 2 }
                },
                // Monday the 2nd is both the first business day before and the last one on or
                // before the due date; the due-date reminder is the one sent.
                Reminder {
                    date: date(2026, 11, 2),
                    kind: ReminderKind::OnDueDate
                },
                Reminder {
                    date: date(2026, 11, 6),
                    kind: ReminderKind::Overdue { nth: 1 }
                },
            ])
        );
    }

    #[test]
    fn no_reminder_falls_after_the_horizon_and_the_caller_can_drop_the_past() {
        let calendar = calendar();
        let schedule = ReminderSchedule::default();
        let due = date(2026, 6, 19);
        let until_due = schedule.reminders(&calendar, due, due);
        assert_eq!(
            dates(&until_due),
            [date(2026, 6, 10), date(2026, 6, 17), due]
        );
        let from_the_17th = schedule.upcoming(&calendar, due, due, date(2026, 6, 17));
        assert_eq!(dates(&from_the_17th), [date(2026, 6, 17), due]);
    }

    #[test]
    fn closed_days_can_be_configured_differently() {
        let holidays = calendar().holidays().clone();
        let ranges: Result<Vec<ClosedDays>, _> = ["12-28..01-04", "08-13..08-15", "06-02"]
            .iter()
            .map(|s| s.parse())
            .collect();
        let closed = match ranges {
            Ok(closed) => closed,
            Err(err) => panic!("{err}"),
        };
        let calendar = BusinessCalendar::new(Arc::new(holidays), closed);
        assert!(!calendar.is_business_day(date(2026, 12, 28))); // a Monday
        assert!(!calendar.is_business_day(date(2027, 1, 4))); // a Monday
        assert!(!calendar.is_business_day(date(2026, 8, 13)));
        assert!(!calendar.is_business_day(date(2026, 6, 2)));
        assert!(calendar.is_business_day(date(2026, 8, 12)));
        assert_eq!(
            calendar.holiday_name(date(2026, 8, 14)),
            Some(CLOSED_DAY_NAME)
        );
        // Without closed days the year end is open on weekdays.
        let open = BusinessCalendar::new(Arc::new(calendar.holidays().clone()), vec![]);
        assert!(open.is_business_day(date(2025, 12, 29)));
        assert_eq!(open.holiday_name(date(2025, 12, 29)), None);
        assert!(!open.is_business_day(date(2026, 1, 1)));
    }

    #[test]
    fn closed_day_settings_are_read_and_refused_by_their_text() {
        assert_eq!("12-29..01-03".parse(), Ok(ClosedDays::year_end()));
        assert_eq!(
            " 1-3 ".parse::<ClosedDays>().map(|c| c.to_string()),
            Ok("01-03".to_owned())
        );
        assert!("02-29".parse::<ClosedDays>().is_ok());
        for bad in [
            "",
            "12-32",
            "13-01",
            "12/29..01/03",
            "12-29..",
            "1229",
            "12-29..01-03..02-01",
            "+1-01",
        ] {
            assert_eq!(
                bad.parse::<ClosedDays>(),
                Err(InvalidClosedDays(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn coverage_ends_with_the_last_year_of_the_list() {
        let calendar = calendar();
        assert!(calendar.covers(date(1955, 1, 1)));
        assert!(calendar.covers(date(2027, 12, 31)));
        assert!(!calendar.covers(date(2028, 1, 1)));
        assert!(!calendar.covers(date(1954, 12, 31)));
        // Beyond the list only weekends and closed days are known: 2028-01-10 (成人の日 by the
        // rule) is counted as a business day until the list is updated.
        assert!(calendar.is_business_day(date(2028, 1, 10)));
        assert!(!calendar.is_business_day(date(2028, 1, 3)));
    }

    #[test]
    fn a_schedule_is_sorted_deduplicated_and_refuses_negative_zero_or_absurd_numbers() {
        let schedule = ReminderSchedule::new(&[2, 7, 2, 5], true, 0);
        assert_eq!(
            schedule.as_ref().map(|s| s.days_before()),
            Ok(&[7, 5, 2][..])
        );
        assert_eq!(schedule.map(|s| s.overdue_every()), Ok(None));
        assert_eq!(
            ReminderSchedule::new(&[-1], true, 3),
            Err(InvalidSchedule::DaysBeforeOutOfRange(-1))
        );
        assert_eq!(
            ReminderSchedule::new(&[0], true, 3),
            Err(InvalidSchedule::DaysBeforeOutOfRange(0))
        );
        assert_eq!(
            ReminderSchedule::new(&[61], true, 3),
            Err(InvalidSchedule::DaysBeforeOutOfRange(61))
        );
        assert_eq!(
            ReminderSchedule::new(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], true, 3),
            Err(InvalidSchedule::TooManyBeforeDue)
        );
        assert_eq!(
            ReminderSchedule::new(&[7], true, -3),
            Err(InvalidSchedule::OverdueOutOfRange(-3))
        );
        assert_eq!(
            ReminderSchedule::new(&[7], true, 365),
            Err(InvalidSchedule::OverdueOutOfRange(365))
        );
    }

    #[test]
    fn a_schedule_reads_from_json_only_when_valid() {
        let ok: Result<ReminderSchedule, _> = serde_json::from_str(
            r#"{"reminder_days_before":[2,7],"remind_on_due_date":true,"overdue_every_business_days":3}"#,
        );
        assert_eq!(ok.ok(), Some(ReminderSchedule::default()));
        let negative: Result<ReminderSchedule, _> = serde_json::from_str(
            r#"{"reminder_days_before":[-7],"remind_on_due_date":true,"overdue_every_business_days":3}"#,
        );
        let message = negative.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("reminder_days_before"), "{message}");
    }

    #[test]
    fn a_damaged_holiday_list_is_refused_with_its_line() {
        assert_eq!(
            HolidayList::parse("date,name\n2026/1/1,元日\n"),
            Err(HolidayListError::MissingHeader)
        );
        let header = HOLIDAYS_CSV_HEADER;
        assert_eq!(
            HolidayList::parse(&format!("{header}\r\n2026/1/1,元日\r\n2026/13/1,休日\r\n")),
            Err(HolidayListError::BadRow {
                line: 3,
                text: "2026/13/1,休日".to_owned()
            })
        );
        assert_eq!(
            HolidayList::parse(&format!("{header}\n2026/1/1,元日\n2026/1/1,元日\n")),
            Err(HolidayListError::Duplicate {
                line: 3,
                date: date(2026, 1, 1)
            })
        );
        assert_eq!(
            HolidayList::parse(&format!("{header}\n\n")),
            Err(HolidayListError::Empty)
        );
        let with_bom = HolidayList::parse(&format!("\u{feff}{header}\r\n2030/1/1,元日\r\n"));
        assert_eq!(with_bom.map(|l| l.years()), Ok(2030..=2030));
    }

    #[test]
    fn opening_plans_the_reminders_from_today_and_only_the_first_overdue_one() {
        let cal = calendar();
        let schedule = ReminderSchedule::default();
        // Due Thursday 2026-05-07, opened on 2026-04-01: counting back skips 5/2–5/6 and 昭和の日
        // (4/29), so 7 business days before is 4/22 and 2 before is 4/30; the first overdue
        // reminder is 3 business days after the due date.
        let plan = schedule.plan_from(&cal, date(2026, 5, 7), date(2026, 4, 1));
        let dates: Vec<NaiveDate> = plan.iter().map(|r| r.date).collect();
        assert_eq!(
            dates,
            vec![
                date(2026, 4, 22),
                date(2026, 4, 30),
                date(2026, 5, 7),
                date(2026, 5, 12)
            ]
        );
        // Reopened on 2026-05-21 (long overdue): nothing before the due date, and the chase goes
        // on from the next step of the schedule (5/12, 5/15, 5/20, 5/25) rather than from the
        // missed ones.
        let plan = schedule.plan_from(&cal, date(2026, 5, 7), date(2026, 5, 21));
        assert_eq!(
            plan,
            vec![Reminder {
                date: date(2026, 5, 25),
                kind: ReminderKind::Overdue { nth: 4 }
            }]
        );
    }

    #[test]
    fn the_next_overdue_reminder_follows_the_last_one_and_never_falls_before_today() {
        let cal = calendar();
        let schedule = ReminderSchedule::default();
        let due = date(2026, 7, 9);
        let next = schedule.next_overdue(&cal, due, date(2026, 7, 17), date(2026, 7, 17));
        assert_eq!(next.map(|r| r.date), Some(date(2026, 7, 23)));
        let late = schedule.next_overdue(&cal, due, date(2026, 7, 14), date(2026, 7, 24));
        assert_eq!(late.map(|r| r.date), Some(date(2026, 7, 28)));
        let never = ReminderSchedule::new(&[7], true, 0).ok();
        assert_eq!(
            never.and_then(|s| s.next_overdue(&cal, due, due, due)),
            None
        );
    }

    #[test]
    fn business_days_between_count_the_days_after_the_first_up_to_the_last() {
        let cal = calendar();
        assert_eq!(
            cal.business_days_between(date(2026, 5, 1), date(2026, 5, 7)),
            1
        );
        assert_eq!(
            cal.business_days_between(date(2026, 5, 7), date(2026, 5, 7)),
            0
        );
        assert_eq!(
            cal.business_days_between(date(2026, 5, 8), date(2026, 5, 1)),
            0
        );
        assert_eq!(
            cal.business_days_between(date(2025, 12, 26), date(2026, 1, 5)),
            1
        );
    }
}
