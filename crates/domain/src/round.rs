//! Reporting rounds (照会): the reform office asks owners to bring their records up to date as of a
//! 基準日 by a 回答期限. This module owns the words of a round (its states, the kinds of record it
//! may ask about, who owns a request, how an item was answered) and the rules that move a round
//! and its requests from state to state. Which records a request lists is a query, written in
//! `persistence::rounds`; who may answer is `access`'s decision.

use crate::wareki::FiscalYear;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a round stands. A draft can be edited and previewed; opening it creates the requests;
/// a closed round refuses answers until it is reopened (with a reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    Draft,
    Open,
    Closed,
}

impl RoundState {
    pub const ALL: [RoundState; 3] = [RoundState::Draft, RoundState::Open, RoundState::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Draft => "draft",
            RoundState::Open => "open",
            RoundState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<RoundState> {
        RoundState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RoundState::Draft => "下書き",
            RoundState::Open => "照会中",
            RoundState::Closed => "締切済",
        }
    }
}

/// What the office can do to a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStep {
    /// Change the title, dates, kinds or scope; only a draft.
    Edit,
    /// Remove it; only a draft, which has no requests yet.
    Delete,
    Open,
    Close,
    Reopen,
}

/// Why a step is refused in the round's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a round that is {state:?} cannot be {step:?}ed")]
pub struct RoundStateConflict {
    pub state: RoundState,
    pub step: RoundStep,
}

impl RoundState {
    /// The state after `step`, or why the step is refused.
    pub fn after(self, step: RoundStep) -> Result<RoundState, RoundStateConflict> {
        use RoundState::*;
        use RoundStep as S;
        match (self, step) {
            (Draft, S::Edit | S::Delete) => Ok(Draft),
            (Draft, S::Open) | (Closed, S::Reopen) => Ok(Open),
            (Open, S::Close) => Ok(Closed),
            (state, step) => Err(RoundStateConflict { state, step }),
        }
    }

    /// Whether owners may answer requests of a round in this state.
    pub fn takes_answers(self) -> bool {
        self == RoundState::Open
    }
}

/// The kinds of record a round may ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A policy issue of the bureau's X policy of the fiscal year: progress, milestones, status.
    PolicyIssue,
    /// A KPI of such an issue: the actual as of 基準日.
    Kpi,
    /// A section's assignment of a PT proposal of the fiscal year: stage, decision, outcome.
    ProposalAssignment,
    /// A self-initiated reform of the fiscal year: status, period, effects.
    Reform,
    /// An entry of the system ledger that is not retired: status, hours saved, cost effect.
    DigitalSystem,
}

impl RecordKind {
    pub const ALL: [RecordKind; 5] = [
        RecordKind::PolicyIssue,
        RecordKind::Kpi,
        RecordKind::ProposalAssignment,
        RecordKind::Reform,
        RecordKind::DigitalSystem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::PolicyIssue => "policy_issue",
            RecordKind::Kpi => "kpi",
            RecordKind::ProposalAssignment => "proposal_assignment",
            RecordKind::Reform => "reform",
            RecordKind::DigitalSystem => "digital_system",
        }
    }

    pub fn parse(text: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RecordKind::PolicyIssue => "局区X方針の課題",
            RecordKind::Kpi => "KPI",
            RecordKind::ProposalAssignment => "PT提案の検討状況",
            RecordKind::Reform => "自主改革取組",
            RecordKind::DigitalSystem => "システム管理台帳",
        }
    }

    /// Who owns records of this kind as a round asks about them: a section (proposal
    /// assignments, ledger entries), the bureau (policy issues and KPIs belong to the bureau's X
    /// policy), or either (a reform belongs to its section when it names exactly one).
    pub fn owned_by_bureau_only(self) -> bool {
        matches!(self, RecordKind::PolicyIssue | RecordKind::Kpi)
    }
}

/// Who one request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    Section,
    Bureau,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Section => "section",
            OwnerKind::Bureau => "bureau",
        }
    }

    pub fn parse(text: &str) -> Option<OwnerKind> {
        [OwnerKind::Section, OwnerKind::Bureau]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// Where one request stands: 未回答 → 回答中 (first item answered) → 回答済 (submitted); the office
/// returns it (差戻し, with a comment) or accepts it (受理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Unanswered,
    InProgress,
    Answered,
    Returned,
    Accepted,
}

impl RequestState {
    pub const ALL: [RequestState; 5] = [
        RequestState::Unanswered,
        RequestState::InProgress,
        RequestState::Answered,
        RequestState::Returned,
        RequestState::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Unanswered => "unanswered",
            RequestState::InProgress => "in_progress",
            RequestState::Answered => "answered",
            RequestState::Returned => "returned",
            RequestState::Accepted => "accepted",
        }
    }

    pub fn parse(text: &str) -> Option<RequestState> {
        RequestState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RequestState::Unanswered => "未回答",
            RequestState::InProgress => "回答中",
            RequestState::Answered => "回答済",
            RequestState::Returned => "差戻し",
            RequestState::Accepted => "受理",
        }
    }

    /// Whether the owner still has to act: what the inbox lists and what counts as overdue
    /// after the due date.
    pub fn awaits_owner(self) -> bool {
        matches!(
            self,
            RequestState::Unanswered | RequestState::InProgress | RequestState::Returned
        )
    }
}

/// What happens to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStep {
    /// The owner answers one item.
    AnswerItem,
    /// The owner submits every answer (回答する).
    Submit,
    /// The office sends it back with a comment (差戻し).
    Return,
    /// The office takes the answers as they are (受理).
    Accept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a request that is {state:?} cannot take {step:?}")]
pub struct RequestStateConflict {
    pub state: RequestState,
    pub step: RequestStep,
}

impl RequestState {
    /// The state after `step`. Answering the first item of an unanswered request makes it
    /// 回答中; a returned request stays 差戻し while it is corrected, so the office sees which
    /// ones came back, until it is submitted again. Submitted (回答済) and accepted requests
    /// take no answers: the office returns one to reopen it.
    pub fn after(self, step: RequestStep) -> Result<RequestState, RequestStateConflict> {
        use RequestState::*;
        use RequestStep as S;
        match (self, step) {
            (Unanswered | InProgress, S::AnswerItem) => Ok(InProgress),
            (Returned, S::AnswerItem) => Ok(Returned),
            (Unanswered | InProgress | Returned, S::Submit) => Ok(Answered),
            (Answered, S::Return) => Ok(Returned),
            (Answered, S::Accept) => Ok(Accepted),
            (state, step) => Err(RequestStateConflict { state, step }),
        }
    }
}

/// How one item of a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not answered yet.
    None,
    /// The record was written through its own endpoint since the round opened.
    Changed,
    /// 変更なし: the record stands as it is.
    Unchanged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::None => "none",
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        [Outcome::None, Outcome::Changed, Outcome::Unchanged]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// The fiscal year a round asks about: the one its 基準日 falls in (a round as of 2026-03-31
/// asks about FY2025, one as of 2026-04-01 about FY2026).
pub fn fiscal_year_of_round(as_of: NaiveDate) -> FiscalYear {
    FiscalYear::of(as_of)
}

/// Why a round's own fields are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundFault {
    /// The 回答期限 is before the 基準日.
    DueBeforeAsOf,
    /// It asks about no kind of record.
    NothingAsked,
}

/// The rules a round's fields follow together, beyond each field's own.
pub fn check_round(as_of: NaiveDate, due_on: NaiveDate, kinds: &[RecordKind]) -> Vec<RoundFault> {
    let mut faults = Vec::new();
    if due_on < as_of {
        faults.push(RoundFault::DueBeforeAsOf);
    }
    if kinds.is_empty() {
        faults.push(RoundFault::NothingAsked);
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_round_opens_from_draft_closes_when_open_and_reopens_when_closed() {
        use RoundState::*;
        assert_eq!(Draft.after(RoundStep::Open), Ok(Open));
        assert_eq!(Open.after(RoundStep::Close), Ok(Closed));
        assert_eq!(Closed.after(RoundStep::Reopen), Ok(Open));
        assert!(Open.after(RoundStep::Open).is_err());
        assert!(Open.after(RoundStep::Edit).is_err());
        assert!(Closed.after(RoundStep::Delete).is_err());
        assert!(Draft.after(RoundStep::Close).is_err());
        assert!(Open.takes_answers() && !Closed.takes_answers() && !Draft.takes_answers());
    }

    #[test]
    fn a_request_moves_from_unanswered_through_answered_and_back_when_returned() {
        use RequestState::*;
        assert_eq!(Unanswered.after(RequestStep::AnswerItem), Ok(InProgress));
        assert_eq!(InProgress.after(RequestStep::Submit), Ok(Answered));
        assert_eq!(Answered.after(RequestStep::Return), Ok(Returned));
        assert_eq!(Returned.after(RequestStep::AnswerItem), Ok(Returned));
        assert_eq!(Returned.after(RequestStep::Submit), Ok(Answered));
        assert_eq!(Answered.after(RequestStep::Accept), Ok(Accepted));
        assert!(Answered.after(RequestStep::AnswerItem).is_err());
        assert!(Accepted.after(RequestStep::Return).is_err());
        assert!(InProgress.after(RequestStep::Return).is_err());
    }

    #[test]
    fn every_word_reads_back_from_its_stored_name() {
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
        }
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.as_str()), Some(s));
        }
        for s in RoundState::ALL {
            assert_eq!(RoundState::parse(s.as_str()), Some(s));
        }
        assert_eq!(RecordKind::parse("proposal"), None);
    }

    #[test]
    fn the_fiscal_year_of_a_round_follows_its_as_of_date() {
        assert_eq!(fiscal_year_of_round(day(2026, 3, 31)), FiscalYear(2025));
        assert_eq!(fiscal_year_of_round(day(2026, 4, 1)), FiscalYear(2026));
    }

    #[test]
    fn a_due_date_before_the_as_of_date_and_an_empty_question_are_refused() {
        let kinds = [RecordKind::Reform];
        assert!(check_round(day(2025, 11, 25), day(2025, 11, 25), &kinds).is_empty());
        assert_eq!(
            check_round(day(2025, 11, 25), day(2025, 11, 24), &[]),
            vec![RoundFault::DueBeforeAsOf, RoundFault::NothingAsked]
        );
    }
}
