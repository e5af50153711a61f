//! The city's organisation: bureaus (局・区役所・室・委員会…) and their sections (課), whose names
//! change over time while the section stays the same unit with the same history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BureauKind {
    /// 局 (e.g. 保健福祉局)
    Bureau,
    /// 区役所 (e.g. 八幡西区役所)
    WardOffice,
    /// 室 (e.g. 市長公室, デジタル市役所推進室)
    Office,
    /// 委員会 and other executive bodies (e.g. 教育委員会)
    Committee,
    /// 会計室, 議会事務局, 消防局 outside the above, …
    Other,
}

impl BureauKind {
    pub const ALL: [BureauKind; 5] = [
        BureauKind::Bureau,
        BureauKind::WardOffice,
        BureauKind::Office,
        BureauKind::Committee,
        BureauKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BureauKind::Bureau => "bureau",
            BureauKind::WardOffice => "ward_office",
            BureauKind::Office => "office",
            BureauKind::Committee => "committee",
            BureauKind::Other => "other",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            BureauKind::Bureau => "局",
            BureauKind::WardOffice => "区役所",
            BureauKind::Office => "室",
            BureauKind::Committee => "委員会",
            BureauKind::Other => "その他",
        }
    }

    /// Guesses the kind from the name's ending, as the seeds write them.
    pub fn from_name(name: &str) -> BureauKind {
        if name.ends_with("区役所") {
            BureauKind::WardOffice
        } else if name.ends_with("委員会") {
            BureauKind::Committee
        } else if name.ends_with('室') {
            BureauKind::Office
        } else if name.ends_with('局') {
            BureauKind::Bureau
        } else {
            BureauKind::Other
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown bureau kind `{0}`")]
pub struct UnknownBureauKind(pub String);

impl FromStr for BureauKind {
    type Err = UnknownBureauKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BureauKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownBureauKind(s.to_owned()))
    }
}

/// One name of a section, in force from `effective_from` until the next name's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionName {
    pub name: String,
    pub effective_from: NaiveDate,
}

/// The name in force on `date`: the latest one that took effect on or before it. `None` before
/// the section's first name took effect (it did not exist yet).
pub fn name_on(names: &[SectionName], date: NaiveDate) -> Option<&SectionName> {
    names
        .iter()
        .filter(|n| n.effective_from <= date)
        .max_by_key(|n| n.effective_from)
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bureau {
    pub id: i64,
    pub name: String,
    pub kind: BureauKind,
    pub sort_order: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// A section with all its names, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: i64,
    pub bureau_id: i64,
    pub names: Vec<SectionName>,
    pub version: i32,
}

impl Section {
    pub fn name_on(&self, date: NaiveDate) -> Option<&SectionName> {
        name_on(&self.names, date)
    }
}

#[derive(Debug, Clone)]
pub struct NewBureau {
    pub name: String,
    pub kind: BureauKind,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Default)]
pub struct BureauPatch {
    pub name: Option<String>,
    pub kind: Option<BureauKind>,
    pub sort_order: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn history() -> Vec<SectionName> {
        vec![
            SectionName {
                name: "企画・マーケティング課".into(),
                effective_from: date(2026, 4, 1),
            },
            SectionName {
                name: "広報戦略課".into(),
                effective_from: date(2019, 4, 1),
            },
        ]
    }

    #[test]
    fn a_renamed_section_answers_to_the_name_in_force_on_each_date() {
        let names = history();
        let on = |d| name_on(&names, d).map(|n| n.name.as_str());
        assert_eq!(on(date(2026, 3, 31)), Some("広報戦略課"));
        assert_eq!(on(date(2026, 4, 1)), Some("企画・マーケティング課"));
        assert_eq!(on(date(2030, 1, 1)), Some("企画・マーケティング課"));
        assert_eq!(on(date(2019, 3, 31)), None);
    }

    #[test]
    fn the_kind_of_a_bureau_follows_the_ending_of_its_name() {
        assert_eq!(
            BureauKind::from_name("八幡西区役所"),
            BureauKind::WardOffice
        );
        assert_eq!(BureauKind::from_name("保健福祉局"), BureauKind::Bureau);
        assert_eq!(
            BureauKind::from_name("デジタル市役所推進室"),
            BureauKind::Office
        );
        assert_eq!(BureauKind::from_name("教育委員会"), BureauKind::Committee);
        for kind in BureauKind::ALL {
            assert_eq!(kind.as_str().parse::<BureauKind>(), Ok(kind));
        }
    }
}
