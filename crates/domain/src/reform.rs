//! Self-initiated reforms (各局区による自主改革): their classification, status and quantified
//! effects.

use crate::ids::{ProposalId, ReformId};
use crate::period::{Period, PeriodStatus};
use crate::search::{SearchText, search_form_of};
use chrono::{DateTime, NaiveDate, Utc};

/// How a reform came about, as the annual report's 分類 column says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Classification {
    /// i: the bureau's own project team.
    OwnProjectTeam,
    /// ii: improvement within ordinary work.
    OrdinaryWork,
    /// iii: taken up from a Platinum PT proposal (and linked to it).
    FromPlatinumProposal,
}

impl Classification {
    pub const ALL: [Classification; 3] = [
        Classification::OwnProjectTeam,
        Classification::OrdinaryWork,
        Classification::FromPlatinumProposal,
    ];

    /// The report's roman numeral: i, ii or iii.
    pub const fn as_str(self) -> &'static str {
        match self {
            Classification::OwnProjectTeam => "i",
            Classification::OrdinaryWork => "ii",
            Classification::FromPlatinumProposal => "iii",
        }
    }

    pub fn parse(text: &str) -> Option<Classification> {
        Classification::ALL
            .into_iter()
            .find(|c| c.as_str() == text.trim())
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            Classification::OwnProjectTeam => "i 局区のプロジェクトチーム",
            Classification::OrdinaryWork => "ii 通常業務での改善",
            Classification::FromPlatinumProposal => "iii プラチナPTの提案から",
        }
    }
}

/// Where a reform stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReformStatus {
    UnderConsideration,
    Planned,
    Trial,
    InProgress,
    Done,
    Ended,
}

impl ReformStatus {
    pub const ALL: [ReformStatus; 6] = [
        ReformStatus::UnderConsideration,
        ReformStatus::Planned,
        ReformStatus::Trial,
        ReformStatus::InProgress,
        ReformStatus::Done,
        ReformStatus::Ended,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ReformStatus::UnderConsideration => "under_consideration",
            ReformStatus::Planned => "planned",
            ReformStatus::Trial => "trial",
            ReformStatus::InProgress => "in_progress",
            ReformStatus::Done => "done",
            ReformStatus::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<ReformStatus> {
        ReformStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            ReformStatus::UnderConsideration => "検討中",
            ReformStatus::Planned => "実施予定",
            ReformStatus::Trial => "試行中",
            ReformStatus::InProgress => "実施中",
            ReformStatus::Done => "実施済",
            ReformStatus::Ended => "終了",
        }
    }

    /// The status a period implies on `today`, for when staff leave the status blank: the word
    /// in the text wins (実施中, 予定…); otherwise a start after today is planned, an open end
    /// that has begun is in progress, and a period over by today is done. Unreadable text with no
    /// status word implies nothing.
    pub fn implied_by(period: &Period, today: NaiveDate) -> Option<ReformStatus> {
        if let Some(word) = period.status {
            return Some(match word {
                PeriodStatus::Done => ReformStatus::Done,
                PeriodStatus::InProgress | PeriodStatus::AsNeeded => ReformStatus::InProgress,
                PeriodStatus::Planned => ReformStatus::Planned,
                PeriodStatus::Trial | PeriodStatus::Demonstration => ReformStatus::Trial,
                PeriodStatus::UnderConsideration => ReformStatus::UnderConsideration,
            });
        }
        let start = period.earliest()?;
        if start > today {
            return Some(ReformStatus::Planned);
        }
        match period.latest() {
            None => Some(ReformStatus::InProgress),
            Some(end) if end < today => Some(ReformStatus::Done),
            Some(_) => Some(ReformStatus::InProgress),
        }
    }
}

/// What a quantified effect measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectKind {
    HoursPerYear,
    SheetsPerYear,
    YenPerYear,
    SquareMeters,
    CasesPerYear,
    People,
    Other,
}

impl EffectKind {
    pub const ALL: [EffectKind; 7] = [
        EffectKind::HoursPerYear,
        EffectKind::SheetsPerYear,
        EffectKind::YenPerYear,
        EffectKind::SquareMeters,
        EffectKind::CasesPerYear,
        EffectKind::People,
        EffectKind::Other,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EffectKind::HoursPerYear => "hours_per_year",
            EffectKind::SheetsPerYear => "sheets_per_year",
            EffectKind::YenPerYear => "yen_per_year",
            EffectKind::SquareMeters => "square_meters",
            EffectKind::CasesPerYear => "cases_per_year",
            EffectKind::People => "people",
            EffectKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<EffectKind> {
        EffectKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            EffectKind::HoursPerYear => "削減時間（年間）",
            EffectKind::SheetsPerYear => "削減枚数（年間）",
            EffectKind::YenPerYear => "削減額（年間）",
            EffectKind::SquareMeters => "面積",
            EffectKind::CasesPerYear => "件数（年間）",
            EffectKind::People => "人数",
            EffectKind::Other => "その他",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records

/// A quantified effect a reform claims (hours, sheets or yen a year, …), with its basis.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub kind: EffectKind,
    pub value: f64,
    pub unit: String,
    pub basis: Option<String>,
}

/// The fields of a reform that people write.
#[derive(Debug, Clone, PartialEq)]
pub struct ReformFields {
    pub fiscal_year: i32,
    pub bureau_id: i64,
    pub section_ids: Vec<i64>,
    pub report_number: Option<i32>,
    pub classification: Option<Classification>,
    pub source_proposal_id: Option<ProposalId>,
    pub title: String,
    pub problem: Option<String>,
    pub action: Option<String>,
    pub effect: Option<String>,
    pub period_text: Option<String>,
    pub status: ReformStatus,
    pub tags: Vec<String>,
    pub featured: bool,
    pub effects: Vec<Effect>,
}

impl ReformFields {
    pub fn period(&self) -> Option<Period> {
        self.period_text.as_deref().map(Period::parse)
    }
}

impl SearchText for ReformFields {
    fn search_text(&self) -> String {
        let ReformFields {
            fiscal_year: _,
            bureau_id: _,
            section_ids: _,
            report_number: _,
            classification: _,
            source_proposal_id: _,
            title,
            problem,
            action,
            effect,
            period_text,
            status: _,
            tags,
            featured: _,
            effects,
        } = self;
        let bases = effects.iter().map(
            |Effect {
                 kind: _,
                 value: _,
                 unit: _,
                 basis,
             }| basis.as_deref(),
        );
        search_form_of(
            [
                Some(title.as_str()),
                problem.as_deref(),
                action.as_deref(),
                effect.as_deref(),
                period_text.as_deref(),
            ]
            .into_iter()
            .chain(tags.iter().map(|tag| Some(tag.as_str())))
            .chain(bases),
        )
    }
}

/// A reform as stored: its written fields and what the register adds.
#[derive(Debug, Clone, PartialEq)]
pub struct Reform {
    pub id: ReformId,
    pub fields: ReformFields,
    /// The reform's place in its bureau's listing for the year, from 1, as the report numbers.
    pub number_in_bureau: u32,
    pub created_by_user_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_status_word_in_the_period_decides_the_status() {
        let today = day(2025, 11, 21);
        assert_eq!(
            ReformStatus::implied_by(&Period::parse("実施中"), today),
            Some(ReformStatus::InProgress)
        );
        assert_eq!(
            ReformStatus::implied_by(&Period::parse("R8実施予定"), today),
            Some(ReformStatus::Planned)
        );
    }

    #[test]
    fn dates_alone_imply_planned_in_progress_or_done() {
        let today = day(2025, 11, 21);
        let implied = |text| ReformStatus::implied_by(&Period::parse(text), today);
        assert_eq!(implied("R8.4~"), Some(ReformStatus::Planned));
        assert_eq!(implied("R7.5~"), Some(ReformStatus::InProgress));
        assert_eq!(implied("R7.4~ R8.2"), Some(ReformStatus::InProgress));
        assert_eq!(implied("R7.7.14"), Some(ReformStatus::Done));
        assert_eq!(implied("いつか"), None);
    }

    #[test]
    fn classifications_read_the_reports_numerals_only() {
        assert_eq!(
            Classification::parse("iii"),
            Some(Classification::FromPlatinumProposal)
        );
        assert_eq!(
            Classification::parse(" ii "),
            Some(Classification::OrdinaryWork)
        );
        assert_eq!(Classification::parse("iv"), None);
    }
}
