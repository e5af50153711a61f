//! Computed health (進捗の評価) of milestones, policy issues and KPIs: 完了, 順調, 注意, 遅延,
//! 未着手 or 評価対象外, worked out from a record's own data and a 基準日, never typed. It stands
//! beside the owner's status word (`policy::IssueStatus`) and never replaces it. How early a
//! milestone turns 注意, how many late milestones make an issue 遅延 and how far along its path
//! a KPI must be are `HealthRules`, configured under `[health]`.

use crate::policy::{KpiActual, KpiDirection, KpiFields, MilestoneState, Quarter};
use crate::wareki::FiscalYear;
use chrono::{Datelike, NaiveDate};

/// Where a record stands by its own data on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    /// Everything it promised is done.
    Done,
    /// Nothing due is late.
    OnTrack,
    /// Close to its due day and not done, or some (fewer than the rules' share) of what is due
    /// is late.
    AtRisk,
    /// Past its due day and not done, slipped, or too much of what is due is late.
    Late,
    /// Nothing of it has begun by the day.
    NotStarted,
    /// Nothing to judge it by (an issue without milestones).
    NotAssessed,
}

impl Health {
    pub const ALL: [Health; 6] = [
        Health::Done,
        Health::OnTrack,
        Health::AtRisk,
        Health::Late,
        Health::NotStarted,
        Health::NotAssessed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Health::Done => "done",
            Health::OnTrack => "on_track",
            Health::AtRisk => "at_risk",
            Health::Late => "late",
            Health::NotStarted => "not_started",
            Health::NotAssessed => "not_assessed",
        }
    }

    pub fn parse(text: &str) -> Option<Health> {
        Health::ALL.into_iter().find(|h| h.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            Health::Done => "完了",
            Health::OnTrack => "順調",
            Health::AtRisk => "注意",
            Health::Late => "遅延",
            Health::NotStarted => "未着手",
            Health::NotAssessed => "評価対象外",
        }
    }
}

/// The thresholds health is judged by (`[health]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthRules {
    /// A milestone not done turns 注意 this many days before its quarter's last day.
    pub milestone_warning_days: u32,
    /// An issue is 遅延 when at least this share of its milestones due so far is late; below it
    /// (and above none) 注意. Between 0 (exclusive) and 1.
    pub issue_late_share: f64,
    /// A KPI that has come at least this share of the way its path expected by its latest
    /// measurement is 順調.
    pub kpi_on_track_share: f64,
    /// Below this share of the expected way it is 遅延 (注意 between the two).
    pub kpi_late_share: f64,
}

impl Default for HealthRules {
    fn default() -> Self {
        HealthRules {
            milestone_warning_days: 14,
            issue_late_share: 0.5,
            kpi_on_track_share: 0.9,
            kpi_late_share: 0.7,
        }
    }
}

impl HealthRules {
    /// The rules, or why they do not hold together.
    pub fn new(
        milestone_warning_days: u32,
        issue_late_share: f64,
        kpi_on_track_share: f64,
        kpi_late_share: f64,
    ) -> Result<HealthRules, String> {
        if milestone_warning_days > 92 {
            return Err(format!(
                "milestone_warning_days: {milestone_warning_days} is longer than a quarter (0–92)"
            ));
        }
        if !(issue_late_share > 0.0 && issue_late_share <= 1.0) {
            return Err(format!(
                "issue_late_share: {issue_late_share} is not a share above 0 and at most 1"
            ));
        }
        if !(kpi_late_share > 0.0
            && kpi_late_share <= kpi_on_track_share
            && kpi_on_track_share <= 1.0)
        {
            return Err(format!(
                "kpi_late_share ({kpi_late_share}) and kpi_on_track_share ({kpi_on_track_share}) \
                 are not shares with 0 < kpi_late_share <= kpi_on_track_share <= 1"
            ));
        }
        Ok(HealthRules {
            milestone_warning_days,
            issue_late_share,
            kpi_on_track_share,
            kpi_late_share,
        })
    }
}

/// A milestone as health reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilestoneFacts {
    pub state: MilestoneState,
    pub done_on: Option<NaiveDate>,
    pub quarter: Quarter,
}

impl MilestoneFacts {
    /// Done by `as_of`: marked done on that day or before (or done with no day given).
    fn done_by(&self, as_of: NaiveDate) -> bool {
        self.state == MilestoneState::Done && self.done_on.is_none_or(|day| day <= as_of)
    }

    /// Late on `as_of`: slipped, or its quarter ended before that day and it is not done.
    fn late_on(&self, year: FiscalYear, as_of: NaiveDate) -> bool {
        !self.done_by(as_of)
            && (self.state == MilestoneState::Slipped || self.quarter.last_day(year) < as_of)
    }
}

/// The first day of a quarter of a fiscal year.
fn first_day(quarter: Quarter, year: FiscalYear) -> NaiveDate {
    let last = quarter.last_day(year);
    // Three months back from the quarter's last day, plus one.
    let (y, m) = if last.month() > 2 {
        (last.year(), last.month() - 2)
    } else {
        (last.year() - 1, last.month() + 10)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(last)
}

/// A milestone's health on `as_of`: 完了 once done, 遅延 when slipped or past its quarter, 注意
/// in the last `milestone_warning_days` of its quarter, 順調 earlier in it, 未着手 before it.
pub fn milestone_health(
    facts: MilestoneFacts,
    year: FiscalYear,
    as_of: NaiveDate,
    rules: &HealthRules,
) -> Health {
    let due = facts.quarter.last_day(year);
    if facts.done_by(as_of) {
        Health::Done
    } else if facts.late_on(year, as_of) {
        Health::Late
    } else if as_of < first_day(facts.quarter, year) {
        Health::NotStarted
    } else if (due - as_of).num_days() < i64::from(rules.milestone_warning_days) {
        Health::AtRisk
    } else {
        Health::OnTrack
    }
}

/// A policy issue's health on `as_of`, from its milestones of the year, stepped by quarter: a
/// milestone counts once its quarter has ended (or once it slipped), so an issue does not turn
/// late in the middle of a quarter, between two check-ins. 評価対象外 without milestones, 完了
/// when every one is done, 未着手 before the first one's quarter, then 順調 while nothing
/// counted is late, 注意 while fewer than `issue_late_share` of those counted are, 遅延 beyond.
pub fn issue_health(
    milestones: &[MilestoneFacts],
    year: FiscalYear,
    as_of: NaiveDate,
    rules: &HealthRules,
) -> Health {
    if milestones.is_empty() {
        return Health::NotAssessed;
    }
    if milestones.iter().all(|m| m.done_by(as_of)) {
        return Health::Done;
    }
    let counted: Vec<&MilestoneFacts> = milestones
        .iter()
        .filter(|m| m.quarter.last_day(year) < as_of || m.state == MilestoneState::Slipped)
        .collect();
    if counted.is_empty() {
        let begins = milestones
            .iter()
            .map(|m| first_day(m.quarter, year))
            .min()
            .unwrap_or(as_of);
        return if as_of < begins {
            Health::NotStarted
        } else {
            Health::OnTrack
        };
    }
    let late = counted.iter().filter(|m| m.late_on(year, as_of)).count();
    if late == 0 {
        Health::OnTrack
    } else if late as f64 / counted.len() as f64 >= rules.issue_late_share {
        Health::Late
    } else {
        Health::AtRisk
    }
}

/// A KPI's health on `as_of`, from its latest measurement on or before that day:
/// 評価対象外 without a target; 未着手 before its first measurement; for a KPI kept at its
/// target, 順調 within `tolerance` of it and 遅延 outside; for one that should rise or fall,
/// 完了 once the target is reached, otherwise the share of the way the measurement has come
/// against the way its straight path from baseline (on `baseline_on`) to target (on
/// `target_on`) expected by the measurement's day: 順調 from `kpi_on_track_share`, 遅延 below
/// `kpi_late_share`, 注意 between. Without a target day the path cannot be drawn: 評価対象外
/// until the target is reached.
pub fn kpi_health(
    fields: &KpiFields,
    actuals: &[KpiActual],
    as_of: NaiveDate,
    rules: &HealthRules,
) -> Health {
    let (Some(target), Some(direction)) = (fields.target_value, fields.direction()) else {
        return Health::NotAssessed;
    };
    let Some(latest) = actuals
        .iter()
        .filter(|a| a.measured_on <= as_of)
        .max_by_key(|a| (a.measured_on, a.id))
    else {
        return Health::NotStarted;
    };
    let baseline = fields.baseline_value;
    let sign = match direction {
        KpiDirection::Keep => {
            let band = fields.tolerance.unwrap_or(0.0).abs();
            return if (latest.value - target).abs() <= band {
                Health::OnTrack
            } else {
                Health::Late
            };
        }
        KpiDirection::Increase => 1.0,
        KpiDirection::Decrease => -1.0,
    };
    if sign * (latest.value - target) >= 0.0 {
        return Health::Done;
    }
    let Some(target_on) = fields.target_on else {
        return Health::NotAssessed;
    };
    let span = (target_on - fields.baseline_on).num_days();
    let elapsed = (latest.measured_on - fields.baseline_on).num_days();
    let fraction = if span <= 0 {
        1.0
    } else {
        (elapsed as f64 / span as f64).clamp(0.0, 1.0)
    };
    let expected_way = sign * (target - baseline) * fraction;
    if expected_way <= 0.0 {
        // Nothing was expected yet (measured on its baseline day or before).
        return Health::OnTrack;
    }
    let share = sign * (latest.value - baseline) / expected_way;
    if share >= rules.kpi_on_track_share {
        Health::OnTrack
    } else if share < rules.kpi_late_share {
        Health::Late
    } else {
        Health::AtRisk
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    const FY2025: FiscalYear = FiscalYear(2025);

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn q(n: u8) -> Quarter {
        Quarter::new(n).unwrap()
    }

    fn planned(quarter: u8) -> MilestoneFacts {
        MilestoneFacts {
            state: MilestoneState::Planned,
            done_on: None,
            quarter: q(quarter),
        }
    }

    fn done(quarter: u8, on: Option<NaiveDate>) -> MilestoneFacts {
        MilestoneFacts {
            state: MilestoneState::Done,
            done_on: on,
            quarter: q(quarter),
        }
    }

    fn slipped(quarter: u8) -> MilestoneFacts {
        MilestoneFacts {
            state: MilestoneState::Slipped,
            ..planned(quarter)
        }
    }

    #[test]
    fn a_quarter_begins_three_months_before_its_last_day() {
        assert_eq!(first_day(q(1), FY2025), day(2025, 4, 1));
        assert_eq!(first_day(q(3), FY2025), day(2025, 10, 1));
        assert_eq!(first_day(q(4), FY2025), day(2026, 1, 1));
    }

    #[test]
    fn a_milestone_is_judged_against_its_quarter_at_every_band_edge() {
        let rules = HealthRules::default(); // 注意 in the last 14 days
        let q2 = planned(2); // 2025-07-01 – 2025-09-30
        let cases = [
            (day(2025, 6, 30), Health::NotStarted),
            (day(2025, 7, 1), Health::OnTrack),
            (day(2025, 9, 16), Health::OnTrack), // 14 days left
            (day(2025, 9, 17), Health::AtRisk),  // 13 days left
            (day(2025, 9, 30), Health::AtRisk),  // its last day: not late yet
            (day(2025, 10, 1), Health::Late),
        ];
        for (as_of, expected) in cases {
            assert_eq!(
                milestone_health(q2, FY2025, as_of, &rules),
                expected,
                "{as_of}"
            );
        }
    }

    #[test]
    fn a_done_milestone_is_done_from_its_day_on_and_a_slipped_one_is_late_at_once() {
        let rules = HealthRules::default();
        let finished = done(2, Some(day(2025, 8, 20)));
        assert_eq!(
            milestone_health(finished, FY2025, day(2025, 8, 19), &rules),
            Health::OnTrack
        );
        assert_eq!(
            milestone_health(finished, FY2025, day(2025, 8, 20), &rules),
            Health::Done
        );
        assert_eq!(
            milestone_health(done(2, None), FY2025, day(2025, 4, 1), &rules),
            Health::Done,
            "done with no day given (as some seeds report it) is done"
        );
        assert_eq!(
            milestone_health(slipped(4), FY2025, day(2025, 5, 1), &rules),
            Health::Late,
            "the owner said so"
        );
    }

    #[test]
    fn an_issue_steps_by_quarter_and_is_not_late_inside_one() {
        let rules = HealthRules::default(); // 遅延 from half of those counted
        let year = [planned(1), planned(2), planned(3), planned(4)];
        let cases = [
            (day(2025, 3, 31), Health::NotStarted),
            (day(2025, 4, 1), Health::OnTrack),
            (day(2025, 6, 30), Health::OnTrack), // Q1 ends today: not counted yet
            (day(2025, 7, 1), Health::Late),     // 1 of 1 counted is late
        ];
        for (as_of, expected) in cases {
            assert_eq!(
                issue_health(&year, FY2025, as_of, &rules),
                expected,
                "{as_of}"
            );
        }
        let q1_done = [
            done(1, Some(day(2025, 6, 1))),
            planned(2),
            planned(3),
            planned(4),
        ];
        assert_eq!(
            issue_health(&q1_done, FY2025, day(2025, 9, 29), &rules),
            Health::OnTrack,
            "Q2 is not counted before it ends"
        );
        assert_eq!(
            issue_health(&q1_done, FY2025, day(2025, 10, 1), &rules),
            Health::Late,
            "1 of 2 counted is late: half"
        );
        let three_due = [done(1, None), done(2, None), planned(3), planned(4)];
        assert_eq!(
            issue_health(&three_due, FY2025, day(2026, 1, 5), &rules),
            Health::AtRisk,
            "1 of 3 counted is late: below half"
        );
    }

    #[test]
    fn an_issue_without_milestones_is_not_assessed_and_one_with_all_done_is_done() {
        let rules = HealthRules::default();
        assert_eq!(
            issue_health(&[], FY2025, day(2025, 10, 1), &rules),
            Health::NotAssessed
        );
        assert_eq!(
            issue_health(
                &[done(1, None), done(4, None)],
                FY2025,
                day(2025, 5, 1),
                &rules
            ),
            Health::Done
        );
        assert_eq!(
            issue_health(&[planned(2), slipped(3)], FY2025, day(2025, 7, 15), &rules),
            Health::Late,
            "a slipped milestone counts before its quarter ends"
        );
    }

    #[test]
    fn the_late_share_is_configurable_and_rules_that_do_not_hold_are_refused() {
        let strict = HealthRules::new(14, 0.25, 0.9, 0.7).unwrap();
        let three_due = [done(1, None), done(2, None), planned(3), planned(4)];
        assert_eq!(
            issue_health(&three_due, FY2025, day(2026, 1, 5), &strict),
            Health::Late
        );
        assert!(HealthRules::new(93, 0.5, 0.9, 0.7).is_err());
        assert!(HealthRules::new(14, 0.0, 0.9, 0.7).is_err());
        assert!(HealthRules::new(14, 1.5, 0.9, 0.7).is_err());
        assert!(HealthRules::new(14, f64::NAN, 0.9, 0.7).is_err());
        assert!(
            HealthRules::new(14, 0.5, 0.7, 0.9).is_err(),
            "late above on track"
        );
        assert!(HealthRules::new(14, 0.5, 1.2, 0.7).is_err());
        assert!(HealthRules::new(14, 0.5, 0.9, 0.0).is_err());
    }

    fn kpi(baseline: f64, target: Option<f64>, target_on: Option<NaiveDate>) -> KpiFields {
        KpiFields {
            name: "オンライン申請率".into(),
            unit: "%".into(),
            baseline_value: baseline,
            baseline_on: day(2025, 4, 1),
            target_value: target,
            target_on,
            note: None,
            direction: None,
            tolerance: None,
        }
    }

    fn measured(value: f64, on: NaiveDate) -> KpiActual {
        KpiActual {
            id: 1,
            kpi_id: 1,
            value,
            measured_on: on,
            note: None,
        }
    }

    #[test]
    fn a_rising_kpi_is_judged_by_the_share_of_its_path_it_has_come_at_every_band_edge() {
        let rules = HealthRules::default(); // 順調 from 0.9, 遅延 below 0.7
        // 0 → 100 over a year: half way (expected 50) on 2025-10-01, 183 of 365 days in.
        let fields = kpi(0.0, Some(100.0), Some(day(2026, 4, 1)));
        let on = day(2025, 10, 1);
        let expected = 100.0 * 183.0 / 365.0;
        let cases = [
            (expected * 0.9, Health::OnTrack),
            (expected * 0.9 - 0.01, Health::AtRisk),
            (expected * 0.7, Health::AtRisk),
            (expected * 0.7 - 0.01, Health::Late),
            (100.0, Health::Done),
        ];
        for (value, health) in cases {
            assert_eq!(
                kpi_health(&fields, &[measured(value, on)], on, &rules),
                health,
                "{value}"
            );
        }
    }

    #[test]
    fn a_falling_kpi_is_judged_the_other_way_and_a_kept_one_by_its_band() {
        let rules = HealthRules::default();
        // 残業 55 → 40 hours over a year: 47.5 expected half way.
        let falling = kpi(55.0, Some(40.0), Some(day(2026, 4, 1)));
        let on = day(2025, 10, 1);
        assert_eq!(
            kpi_health(&falling, &[measured(48.0, on)], on, &rules),
            Health::OnTrack
        );
        assert_eq!(
            kpi_health(&falling, &[measured(56.0, on)], on, &rules),
            Health::Late,
            "it went the wrong way"
        );
        assert_eq!(
            kpi_health(&falling, &[measured(39.0, on)], on, &rules),
            Health::Done
        );
        let kept = KpiFields {
            direction: Some(KpiDirection::Keep),
            tolerance: Some(2.0),
            ..kpi(100.0, Some(100.0), None)
        };
        assert_eq!(
            kpi_health(&kept, &[measured(98.0, on)], on, &rules),
            Health::OnTrack
        );
        assert_eq!(
            kpi_health(&kept, &[measured(97.9, on)], on, &rules),
            Health::Late
        );
    }

    #[test]
    fn a_kpi_without_a_target_or_a_measurement_yet_is_not_judged_by_a_path() {
        let rules = HealthRules::default();
        let on = day(2025, 10, 1);
        assert_eq!(
            kpi_health(&kpi(0.0, None, None), &[measured(5.0, on)], on, &rules),
            Health::NotAssessed
        );
        let fields = kpi(0.0, Some(100.0), Some(day(2026, 4, 1)));
        assert_eq!(kpi_health(&fields, &[], on, &rules), Health::NotStarted);
        assert_eq!(
            kpi_health(&fields, &[measured(80.0, day(2025, 11, 1))], on, &rules),
            Health::NotStarted,
            "a measurement after the day is not known on it"
        );
        assert_eq!(
            kpi_health(
                &kpi(0.0, Some(100.0), None),
                &[measured(40.0, on)],
                on,
                &rules
            ),
            Health::NotAssessed,
            "no target day: no path"
        );
        assert_eq!(
            kpi_health(&fields, &[measured(0.0, day(2025, 4, 1))], on, &rules),
            Health::OnTrack,
            "nothing was expected on the baseline day"
        );
    }
}
