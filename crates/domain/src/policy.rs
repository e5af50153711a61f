//! Bureau X policies (局区X方針): issue areas, impact and urgency, the quarters of the fiscal
//! year that milestones are planned in, and the change a KPI shows against its baseline.

use crate::search::{SearchText, search_form_of};
use crate::wareki::FiscalYear;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The three areas a bureau sorts its issues into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    A,
    B,
    C,
}

impl Area {
    pub const ALL: [Area; 3] = [Area::A, Area::B, Area::C];

    pub const fn as_str(self) -> &'static str {
        match self {
            Area::A => "A",
            Area::B => "B",
            Area::C => "C",
        }
    }

    pub fn parse(text: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The legend of the policy sheets.
    pub const fn label_ja(self) -> &'static str {
        match self {
            Area::A => "行政サービス現場改善にかかる課題",
            Area::B => {
                "課題の掘り起こしが済み変革の実行段階にあるもの、又は掘り起こしを更に進め実行段階へ繋げていくもの"
            }
            Area::C => "将来を見据えて、今から着手しなければならない課題",
        }
    }

    /// How the sheets number an issue: A(1).
    pub fn code(self, number: i32) -> String {
        format!("{}({number})", self.as_str())
    }
}

/// Impact or urgency on the policy matrix: 高 or 低.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    High,
    Low,
}

impl Level {
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Low => "low",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "high" => Some(Level::High),
            "low" => Some(Level::Low),
            _ => None,
        }
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            Level::High => "高",
            Level::Low => "低",
        }
    }
}

/// A quarter of the fiscal year: the first runs April to June, the fourth January to March.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter(u8);

impl Quarter {
    pub fn new(number: u8) -> Option<Quarter> {
        (1..=4).contains(&number).then_some(Quarter(number))
    }

    pub const fn number(self) -> u8 {
        self.0
    }

    /// The quarter a date falls in, within its fiscal year.
    pub fn of(date: NaiveDate) -> Quarter {
        let months_into_year = (date.month() + 8) % 12; // April = 0 … March = 11
        Quarter((months_into_year / 3) as u8 + 1)
    }

    /// 第1四半期（4～6月）
    pub fn label_ja(self) -> String {
        let first = (self.0 as u32 - 1) * 3 + 4;
        let first = if first > 12 { first - 12 } else { first };
        format!("第{}四半期（{}～{}月）", self.0, first, first + 2)
    }

    /// The last day of this quarter in the given fiscal year: the date a milestone is due.
    pub fn last_day(self, year: FiscalYear) -> NaiveDate {
        let (calendar_year, month) = match self.0 {
            1 => (year.0, 6),
            2 => (year.0, 9),
            3 => (year.0, 12),
            _ => (year.0 + 1, 3),
        };
        NaiveDate::from_ymd_opt(calendar_year, month + 1, 1)
            .and_then(|d| d.pred_opt())
            .or_else(|| NaiveDate::from_ymd_opt(calendar_year, 12, 31))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// Where a milestone stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MilestoneState {
    Planned,
    Done,
    Slipped,
}

impl MilestoneState {
    pub const ALL: [MilestoneState; 3] = [
        MilestoneState::Planned,
        MilestoneState::Done,
        MilestoneState::Slipped,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            MilestoneState::Planned => "planned",
            MilestoneState::Done => "done",
            MilestoneState::Slipped => "slipped",
        }
    }

    pub fn parse(text: &str) -> Option<MilestoneState> {
        match text {
            "planned" => Some(MilestoneState::Planned),
            "done" => Some(MilestoneState::Done),
            "slipped" => Some(MilestoneState::Slipped),
            _ => None,
        }
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            MilestoneState::Planned => "予定",
            MilestoneState::Done => "完了",
            MilestoneState::Slipped => "遅延",
        }
    }
}

/// Why a milestone's fields do not hold together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneConflict {
    /// A `done_on` day on a milestone that is not done.
    DayWithoutDone,
    /// A slipped milestone with no reason: the owner says why with the answer that marks it.
    SlippedWithoutReason,
    /// A reason on a milestone that has not slipped.
    ReasonWithoutSlip,
}

impl MilestoneFields {
    /// The rules that tie a milestone's fields to its state: a day only when done, a reason
    /// exactly when slipped.
    pub fn conflict(&self) -> Option<MilestoneConflict> {
        MilestoneConflict::of(self.state, self.done_on, self.slip_reason.as_deref())
    }
}

impl MilestoneConflict {
    /// How a state, a done day and a slip reason break the rules, if they do.
    pub fn of(
        state: MilestoneState,
        done_on: Option<NaiveDate>,
        slip_reason: Option<&str>,
    ) -> Option<MilestoneConflict> {
        let slipped = state == MilestoneState::Slipped;
        if done_on.is_some() && state != MilestoneState::Done {
            Some(MilestoneConflict::DayWithoutDone)
        } else if slipped && slip_reason.is_none() {
            Some(MilestoneConflict::SlippedWithoutReason)
        } else if !slipped && slip_reason.is_some() {
            Some(MilestoneConflict::ReasonWithoutSlip)
        } else {
            None
        }
    }
}

/// Where the owner says a policy issue stands: their own word, kept beside anything computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueStatus {
    NotStarted,
    InProgress,
    Done,
    OnHold,
}

impl IssueStatus {
    pub const ALL: [IssueStatus; 4] = [
        IssueStatus::NotStarted,
        IssueStatus::InProgress,
        IssueStatus::Done,
        IssueStatus::OnHold,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            IssueStatus::NotStarted => "not_started",
            IssueStatus::InProgress => "in_progress",
            IssueStatus::Done => "done",
            IssueStatus::OnHold => "on_hold",
        }
    }

    pub fn parse(text: &str) -> Option<IssueStatus> {
        IssueStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            IssueStatus::NotStarted => "未着手",
            IssueStatus::InProgress => "実施中",
            IssueStatus::Done => "完了",
            IssueStatus::OnHold => "保留",
        }
    }
}

/// A milestone still planned after its quarter has ended is overdue.
pub fn is_overdue(state: MilestoneState, due_on: NaiveDate, today: NaiveDate) -> bool {
    state == MilestoneState::Planned && due_on < today
}

/// The change from a baseline to a later value in percent, rounded to one decimal as the policy
/// sheets print it (948 → 1,002 is +5.7). `None` when the baseline is zero: no ratio exists.
pub fn percent_change(baseline: f64, value: f64) -> Option<f64> {
    if baseline == 0.0 || !baseline.is_finite() || !value.is_finite() {
        return None;
    }
    Some(round_to_tenth((value - baseline) / baseline.abs() * 100.0))
}

/// How far a value has come from the baseline towards the target, in percent (one decimal).
pub fn percent_of_target(baseline: f64, target: f64, value: f64) -> Option<f64> {
    let span = target - baseline;
    if span == 0.0 || !span.is_finite() || !value.is_finite() {
        return None;
    }
    Some(round_to_tenth((value - baseline) / span * 100.0))
}

/// Rounds half away from zero at one decimal, the way the city's spreadsheets do.
pub fn round_to_tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFields {
    pub bureau_id: i64,
    pub fiscal_year: i32,
    pub mission: Option<String>,
    pub basic_information: Option<String>,
    pub review_summary: Option<String>,
    pub review_achieved: Option<String>,
    pub review_not_achieved: Option<String>,
    pub direction: Option<String>,
}

impl SearchText for PolicyFields {
    fn search_text(&self) -> String {
        let PolicyFields {
            bureau_id: _,
            fiscal_year: _,
            mission,
            basic_information,
            review_summary,
            review_achieved,
            review_not_achieved,
            direction,
        } = self;
        search_form_of([
            mission.as_deref(),
            basic_information.as_deref(),
            review_summary.as_deref(),
            review_achieved.as_deref(),
            review_not_achieved.as_deref(),
            direction.as_deref(),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: i64,
    pub fields: PolicyFields,
    pub issue_count: u64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueFields {
    pub area: Area,
    pub number: i32,
    pub policy_field: Option<String>,
    pub impact: Option<Level>,
    pub urgency: Option<Level>,
    pub title: String,
    pub content: Option<String>,
    pub background: Option<String>,
    pub target_outcome: Option<String>,
    pub actions: Option<String>,
    /// The owner's status word, answered with a round or set on the issue; none until given.
    pub status: Option<IssueStatus>,
}

impl SearchText for IssueFields {
    fn search_text(&self) -> String {
        let IssueFields {
            area,
            number,
            policy_field,
            impact: _,
            urgency: _,
            title,
            content,
            background,
            target_outcome,
            actions,
            status: _,
        } = self;
        let code = area.code(*number);
        search_form_of([
            Some(code.as_str()),
            policy_field.as_deref(),
            Some(title.as_str()),
            content.as_deref(),
            background.as_deref(),
            target_outcome.as_deref(),
            actions.as_deref(),
        ])
    }
}

/// An issue with the policy it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub id: i64,
    pub policy_id: i64,
    pub bureau_id: i64,
    pub fiscal_year: i32,
    pub fields: IssueFields,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneFields {
    pub workstream: Option<String>,
    pub quarter: Quarter,
    pub title: String,
    pub state: MilestoneState,
    pub done_on: Option<NaiveDate>,
    /// Why it slipped, in the owner's words: present exactly while the state is slipped.
    pub slip_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: i64,
    pub issue_id: i64,
    pub fields: MilestoneFields,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressNote {
    pub id: i64,
    pub issue_id: i64,
    pub as_of: NaiveDate,
    pub as_of_label: String,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

/// Which way a KPI should move: 増やす, 減らす, or 維持する (kept at its target, within a band).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KpiDirection {
    Increase,
    Decrease,
    Keep,
}

impl KpiDirection {
    pub const ALL: [KpiDirection; 3] = [
        KpiDirection::Increase,
        KpiDirection::Decrease,
        KpiDirection::Keep,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            KpiDirection::Increase => "increase",
            KpiDirection::Decrease => "decrease",
            KpiDirection::Keep => "keep",
        }
    }

    pub fn parse(text: &str) -> Option<KpiDirection> {
        KpiDirection::ALL.into_iter().find(|d| d.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            KpiDirection::Increase => "増やす",
            KpiDirection::Decrease => "減らす",
            KpiDirection::Keep => "維持する",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KpiFields {
    pub name: String,
    pub unit: String,
    pub baseline_value: f64,
    pub baseline_on: NaiveDate,
    pub target_value: Option<f64>,
    pub target_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// As the owner set it; `None` reads it from the baseline and the target (`direction()`).
    pub direction: Option<KpiDirection>,
    /// For a KPI kept at its target: how far from it (in its unit) still counts as kept.
    pub tolerance: Option<f64>,
}

impl KpiFields {
    /// Which way the KPI should move: as set, or up when the target is above the baseline, down
    /// when below, kept when equal; `None` without a target.
    pub fn direction(&self) -> Option<KpiDirection> {
        self.direction.or_else(|| {
            self.target_value.map(|target| {
                if target > self.baseline_value {
                    KpiDirection::Increase
                } else if target < self.baseline_value {
                    KpiDirection::Decrease
                } else {
                    KpiDirection::Keep
                }
            })
        })
    }
}

impl SearchText for KpiFields {
    fn search_text(&self) -> String {
        let KpiFields {
            name,
            unit,
            baseline_value: _,
            baseline_on: _,
            target_value: _,
            target_on: _,
            note,
            direction: _,
            tolerance: _,
        } = self;
        search_form_of([Some(name.as_str()), Some(unit.as_str()), note.as_deref()])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KpiActual {
    pub id: i64,
    pub kpi_id: i64,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub id: i64,
    pub issue_id: i64,
    pub fields: KpiFields,
    /// Oldest measurement first.
    pub actuals: Vec<KpiActual>,
    pub version: i32,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_kpi_table_of_the_digital_city_office_comes_out_with_its_own_percentages() {
        assert_eq!(percent_change(948.0, 1002.0), Some(5.7));
        assert_eq!(percent_change(6560.0, 8509.0), Some(29.7));
        assert_eq!(percent_change(7508.0, 9511.0), Some(26.7));
        assert_eq!(percent_change(69.0, 136.0), Some(97.1));
        assert_eq!(percent_change(0.0, 5.0), None);
    }

    #[test]
    fn progress_towards_a_target_counts_from_the_baseline() {
        assert_eq!(percent_of_target(0.0, 100_000.0, 40_355.0), Some(40.4));
        assert_eq!(percent_of_target(10.0, 10.0, 12.0), None);
    }

    #[test]
    fn quarters_follow_the_fiscal_year_from_april() {
        assert_eq!(Quarter::of(day(2025, 4, 1)).number(), 1);
        assert_eq!(Quarter::of(day(2025, 9, 30)).number(), 2);
        assert_eq!(Quarter::of(day(2025, 12, 31)).number(), 3);
        assert_eq!(Quarter::of(day(2026, 1, 1)).number(), 4);
        assert_eq!(Quarter::of(day(2026, 3, 31)).number(), 4);
        assert_eq!(Quarter::new(1).unwrap().label_ja(), "第1四半期（4～6月）");
        assert_eq!(Quarter::new(4).unwrap().label_ja(), "第4四半期（1～3月）");
        assert_eq!(Quarter::new(5), None);
    }

    #[test]
    fn a_quarter_is_due_on_its_last_day() {
        let year = FiscalYear(2025);
        assert_eq!(Quarter::new(1).unwrap().last_day(year), day(2025, 6, 30));
        assert_eq!(Quarter::new(3).unwrap().last_day(year), day(2025, 12, 31));
        assert_eq!(Quarter::new(4).unwrap().last_day(year), day(2026, 3, 31));
    }

    #[test]
    fn only_planned_milestones_past_their_quarter_are_overdue() {
        let due = day(2025, 6, 30);
        assert!(is_overdue(MilestoneState::Planned, due, day(2025, 7, 1)));
        assert!(!is_overdue(MilestoneState::Planned, due, due));
        assert!(!is_overdue(MilestoneState::Done, due, day(2025, 7, 1)));
    }

    #[test]
    fn issues_are_coded_by_area_and_number() {
        assert_eq!(Area::A.code(1), "A(1)");
        assert_eq!(Area::parse("C"), Some(Area::C));
        assert_eq!(Area::parse("D"), None);
    }
}
