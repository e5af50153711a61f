//! The ledger of in-house digital systems (kintone システム管理台帳) and where the city stands
//! against its targets, computed from the ledger's entries.

use crate::search::{SearchText, search_form_of};
use crate::wareki::FiscalYear;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Kintone,
    Rpa,
    Ai,
    Other,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Kintone,
        Platform::Rpa,
        Platform::Ai,
        Platform::Other,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Kintone => "kintone",
            Platform::Rpa => "rpa",
            Platform::Ai => "ai",
            Platform::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            Platform::Kintone => "kintone",
            Platform::Rpa => "RPA",
            Platform::Ai => "AI",
            Platform::Other => "その他",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemStatus {
    Trial,
    Production,
    Retired,
}

impl SystemStatus {
    pub const ALL: [SystemStatus; 3] = [
        SystemStatus::Trial,
        SystemStatus::Production,
        SystemStatus::Retired,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            SystemStatus::Trial => "trial",
            SystemStatus::Production => "production",
            SystemStatus::Retired => "retired",
        }
    }

    pub fn parse(text: &str) -> Option<SystemStatus> {
        SystemStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            SystemStatus::Trial => "試行",
            SystemStatus::Production => "本運用",
            SystemStatus::Retired => "廃止",
        }
    }
}

/// What the standing needs to know of one ledger entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub bureau_id: i64,
    pub status: SystemStatus,
    pub built_in_house: bool,
    pub production_started_on: Option<NaiveDate>,
    pub annual_hours_saved: Option<f64>,
    pub cost_effect_yen: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BureauStanding {
    pub systems_in_production: u64,
    pub annual_hours_saved: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearStanding {
    pub systems_started: u64,
    pub annual_hours_saved: f64,
    pub cumulative_hours_saved: f64,
}

/// Where the city stands, computed from the ledger.
///
/// Hours and cost count only systems in production (試行 has not proved its savings yet, and a
/// retired system saves nothing any more). The in-house rate is over the systems in operation,
/// trial and production, as the case study counts 281 of 307.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Standing {
    pub systems_total: u64,
    pub systems_in_trial: u64,
    pub systems_in_production: u64,
    pub systems_retired: u64,
    pub built_in_house_operating: u64,
    pub in_house_rate_percent: Option<f64>,
    pub annual_hours_saved: f64,
    pub cost_effect_yen: i64,
    pub by_bureau: BTreeMap<i64, BureauStanding>,
    /// By the fiscal year production started; `None` for systems whose start is not recorded.
    pub by_fiscal_year: BTreeMap<Option<i32>, YearStanding>,
}

pub fn standing(entries: &[LedgerEntry]) -> Standing {
    let mut s = Standing {
        systems_total: entries.len() as u64,
        ..Standing::default()
    };
    for entry in entries {
        match entry.status {
            SystemStatus::Trial => s.systems_in_trial += 1,
            SystemStatus::Production => s.systems_in_production += 1,
            SystemStatus::Retired => s.systems_retired += 1,
        }
        if entry.status != SystemStatus::Retired && entry.built_in_house {
            s.built_in_house_operating += 1;
        }
        if entry.status != SystemStatus::Production {
            continue;
        }
        let hours = entry.annual_hours_saved.unwrap_or(0.0);
        s.annual_hours_saved += hours;
        s.cost_effect_yen = s
            .cost_effect_yen
            .saturating_add(entry.cost_effect_yen.unwrap_or(0));
        let bureau = s.by_bureau.entry(entry.bureau_id).or_default();
        bureau.systems_in_production += 1;
        bureau.annual_hours_saved += hours;
        let year = entry.production_started_on.map(|d| FiscalYear::of(d).0);
        let year = s.by_fiscal_year.entry(year).or_default();
        year.systems_started += 1;
        year.annual_hours_saved += hours;
    }
    let operating = s.systems_in_trial + s.systems_in_production;
    s.in_house_rate_percent = (operating > 0).then(|| {
        crate::policy::round_to_tenth(s.built_in_house_operating as f64 / operating as f64 * 100.0)
    });
    let mut cumulative = 0.0;
    for year in s.by_fiscal_year.values_mut() {
        cumulative += year.annual_hours_saved;
        year.cumulative_hours_saved = cumulative;
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Debug, Clone, PartialEq)]
pub struct SystemFields {
    pub name: String,
    pub section_id: i64,
    pub platform: Platform,
    pub built_in_house: bool,
    pub status: SystemStatus,
    pub trial_started_on: Option<NaiveDate>,
    pub production_started_on: Option<NaiveDate>,
    pub retired_on: Option<NaiveDate>,
    pub workflow_before: Option<String>,
    pub workflow_after: Option<String>,
    pub annual_hours_saved: Option<f64>,
    pub hours_basis: Option<String>,
    pub cost_effect_yen: Option<i64>,
    pub note: Option<String>,
}

impl SearchText for SystemFields {
    fn search_text(&self) -> String {
        let SystemFields {
            name,
            section_id: _,
            platform,
            built_in_house: _,
            status: _,
            trial_started_on: _,
            production_started_on: _,
            retired_on: _,
            workflow_before,
            workflow_after,
            annual_hours_saved: _,
            hours_basis,
            cost_effect_yen: _,
            note,
        } = self;
        search_form_of([
            Some(name.as_str()),
            Some(platform.label_ja()),
            workflow_before.as_deref(),
            workflow_after.as_deref(),
            hours_basis.as_deref(),
            note.as_deref(),
        ])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DigitalSystem {
    pub id: i64,
    pub fields: SystemFields,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetFields {
    pub code: String,
    pub name: String,
    pub metric: String,
    pub unit: String,
    pub target_value: Option<f64>,
    pub due_on: Option<NaiveDate>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub id: i64,
    pub target_id: i64,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub fiscal_year: Option<i32>,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: i64,
    pub fields: TargetFields,
    /// Newest first.
    pub measurements: Vec<Measurement>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementFields {
    pub value: f64,
    pub measured_on: NaiveDate,
    pub fiscal_year: Option<i32>,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    fn entry(
        bureau_id: i64,
        status: SystemStatus,
        in_house: bool,
        year: Option<i32>,
        hours: f64,
    ) -> LedgerEntry {
        LedgerEntry {
            bureau_id,
            status,
            built_in_house: in_house,
            production_started_on: year.and_then(|y| NaiveDate::from_ymd_opt(y, 6, 1)),
            annual_hours_saved: Some(hours),
            cost_effect_yen: Some(1000),
        }
    }

    #[test]
    fn hours_and_cost_count_only_systems_in_production() {
        let s = standing(&[
            entry(1, SystemStatus::Production, true, Some(2023), 100.0),
            entry(1, SystemStatus::Trial, true, None, 50.0),
            entry(2, SystemStatus::Retired, true, Some(2022), 70.0),
            entry(2, SystemStatus::Production, false, Some(2024), 30.5),
        ]);
        assert_eq!(s.systems_total, 4);
        assert_eq!(s.systems_in_production, 2);
        assert_eq!(s.annual_hours_saved, 130.5);
        assert_eq!(s.cost_effect_yen, 2000);
        assert_eq!(s.by_bureau[&1].annual_hours_saved, 100.0);
        assert_eq!(s.by_bureau[&2].systems_in_production, 1);
    }

    #[test]
    fn the_in_house_rate_is_over_systems_in_operation() {
        let mut entries = vec![entry(1, SystemStatus::Production, true, Some(2023), 1.0); 281];
        entries.extend(vec![entry(1, SystemStatus::Trial, false, None, 0.0); 26]);
        entries.push(entry(1, SystemStatus::Retired, false, None, 0.0));
        assert_eq!(standing(&entries).in_house_rate_percent, Some(91.5));
        assert_eq!(standing(&[]).in_house_rate_percent, None);
    }

    #[test]
    fn years_accumulate_in_fiscal_order_with_unknown_starts_first() {
        let s = standing(&[
            entry(1, SystemStatus::Production, true, Some(2024), 30.0),
            entry(1, SystemStatus::Production, true, Some(2023), 100.0),
            entry(1, SystemStatus::Production, true, None, 5.0),
        ]);
        let years: Vec<_> = s
            .by_fiscal_year
            .iter()
            .map(|(y, v)| (*y, v.cumulative_hours_saved))
            .collect();
        assert_eq!(
            years,
            vec![(None, 5.0), (Some(2023), 105.0), (Some(2024), 135.0)]
        );
    }
}
