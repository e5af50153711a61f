//! The PT proposal workflow: each responsible section moves through ① presented → ② discussed →
//! ③ decided (continue or end), or ④ was already handled by the section. A proposal stands at
//! its most advanced section (seed 003, rule ※1), and every change is an event with the date it
//! took effect, so any past date can be recomputed.

use crate::ids::ProposalId;
use crate::search::{SearchText, search_form_of};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// ① 所管課に課題（提案）を提示した段階
    Presented,
    /// ② PTと所管課で提案の協議を行った段階
    Discussed,
    /// ③ PTにおいて検討継続 or 検討終了の判断が終わった段階
    Decided,
    /// ④ 既に所管課で対応済のもの
    AlreadyHandled,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Presented,
        Stage::Discussed,
        Stage::Decided,
        Stage::AlreadyHandled,
    ];

    /// ① … ④ as the report numbers them.
    pub fn number(self) -> u8 {
        match self {
            Stage::Presented => 1,
            Stage::Discussed => 2,
            Stage::Decided => 3,
            Stage::AlreadyHandled => 4,
        }
    }

    pub fn from_number(n: u8) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.number() == n)
    }

    /// A stage as staff write it: its label (①所管課に提示), its circled number alone (①) or
    /// its number, half- or full-width (1, １).
    pub fn from_text(text: &str) -> Option<Stage> {
        let text = text.trim();
        // NFKC reads ① and １ as 1.
        let number = crate::text::normalize(text);
        Stage::ALL
            .into_iter()
            .find(|s| text == s.label_ja() || number == s.number().to_string())
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Stage::Presented => "①所管課に提示",
            Stage::Discussed => "②PTと所管課で協議",
            Stage::Decided => "③継続／終了の判断",
            Stage::AlreadyHandled => "④既に所管課で対応済",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 検討継続
    Continue,
    /// 検討終了
    End,
}

impl Decision {
    pub const ALL: [Decision; 2] = [Decision::Continue, Decision::End];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Continue => "continue",
            Decision::End => "end",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "continue" => Some(Decision::Continue),
            "end" => Some(Decision::End),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Decision::Continue => "継続",
            Decision::End => "終了",
        }
    }
}

/// Where an assignment stands: its stage and, at ③, the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageState {
    pub stage: Stage,
    pub decision: Option<Decision>,
}

/// The stages an assignment may move to from `current` (`None`: not yet presented).
pub fn allowed_next(current: Option<StageState>) -> Vec<Stage> {
    match current {
        None => vec![Stage::Presented, Stage::AlreadyHandled],
        Some(StageState {
            stage: Stage::Presented,
            ..
        }) => vec![Stage::Discussed, Stage::AlreadyHandled],
        Some(StageState {
            stage: Stage::Discussed,
            ..
        }) => vec![Stage::Decided],
        // A decision to continue reopens the discussion; an ended one is final.
        Some(StageState {
            stage: Stage::Decided,
            decision: Some(Decision::Continue),
        }) => vec![Stage::Discussed],
        Some(StageState {
            stage: Stage::Decided,
            ..
        })
        | Some(StageState {
            stage: Stage::AlreadyHandled,
            ..
        }) => vec![],
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot move to {to:?}; allowed: {allowed:?}")]
    Illegal { to: Stage, allowed: Vec<Stage> },
    #[error("stage ③ needs a decision: continue or end")]
    DecisionRequired,
    #[error("only stage ③ carries a decision")]
    DecisionNotAllowed,
}

/// Checks one move and returns the state it leads to.
pub fn transition(
    current: Option<StageState>,
    to: Stage,
    decision: Option<Decision>,
) -> Result<StageState, TransitionError> {
    let allowed = allowed_next(current);
    if !allowed.contains(&to) {
        return Err(TransitionError::Illegal { to, allowed });
    }
    match (to, decision) {
        (Stage::Decided, None) => Err(TransitionError::DecisionRequired),
        (Stage::Decided, Some(_)) => Ok(StageState {
            stage: to,
            decision,
        }),
        (_, Some(_)) => Err(TransitionError::DecisionNotAllowed),
        (_, None) => Ok(StageState {
            stage: to,
            decision: None,
        }),
    }
}

/// One recorded stage change of one assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEvent {
    pub assignment_id: i64,
    pub state: StageState,
    pub effective_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

/// The state of one assignment on `date`: its latest event in force by then. A back-dated
/// correction recorded later wins over an earlier record of the same day.
pub fn state_on<'a>(
    events: impl IntoIterator<Item = &'a StageEvent>,
    date: NaiveDate,
) -> Option<StageState> {
    events
        .into_iter()
        .filter(|e| e.effective_on <= date)
        .max_by_key(|e| (e.effective_on, e.recorded_at))
        .map(|e| e.state)
}

/// Rule ※1: a proposal owned by several sections counts at its most advanced one.
pub fn most_advanced(stages: impl IntoIterator<Item = Stage>) -> Option<Stage> {
    stages.into_iter().max()
}

/// How far the city got with putting a proposal into practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatus {
    /// 検討中
    UnderConsideration,
    /// 実証
    Demonstration,
    /// 試行
    Trial,
    /// 実施予定
    Planned,
    /// 実施済
    Done,
    /// 終了
    Ended,
}

impl ImplementationStatus {
    pub const ALL: [ImplementationStatus; 6] = [
        ImplementationStatus::UnderConsideration,
        ImplementationStatus::Demonstration,
        ImplementationStatus::Trial,
        ImplementationStatus::Planned,
        ImplementationStatus::Done,
        ImplementationStatus::Ended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImplementationStatus::UnderConsideration => "under_consideration",
            ImplementationStatus::Demonstration => "demonstration",
            ImplementationStatus::Trial => "trial",
            ImplementationStatus::Planned => "planned",
            ImplementationStatus::Done => "done",
            ImplementationStatus::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ImplementationStatus::UnderConsideration => "検討中",
            ImplementationStatus::Demonstration => "実証",
            ImplementationStatus::Trial => "試行",
            ImplementationStatus::Planned => "実施予定",
            ImplementationStatus::Done => "実施済",
            ImplementationStatus::Ended => "終了",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub bureau: Option<String>,
    /// The theme group the member worked in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectTeam {
    pub id: i64,
    pub fiscal_year: i32,
    pub name: String,
    pub themes: Vec<String>,
    pub members: Vec<Member>,
    pub headcount: Option<i32>,
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct ProjectTeamFields {
    pub fiscal_year: i32,
    pub name: String,
    pub themes: Vec<String>,
    pub members: Vec<Member>,
    pub headcount: Option<i32>,
}

/// The fields of a proposal that people write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalFields {
    pub fiscal_year: i32,
    pub number: Option<String>,
    pub theme: String,
    pub scene: Option<String>,
    pub viewpoint: Option<String>,
    pub title: String,
    pub pain_point: Option<String>,
    pub proposed_solution: Option<String>,
    pub implementation_status: Option<ImplementationStatus>,
    pub outcome_period_text: Option<String>,
    pub outcome_text: Option<String>,
    pub continues_proposal_id: Option<ProposalId>,
}

impl SearchText for ProposalFields {
    fn search_text(&self) -> String {
        let ProposalFields {
            fiscal_year: _,
            number,
            theme,
            scene,
            viewpoint,
            title,
            pain_point,
            proposed_solution,
            implementation_status: _,
            outcome_period_text: _,
            outcome_text,
            continues_proposal_id: _,
        } = self;
        search_form_of([
            number.as_deref(),
            Some(theme.as_str()),
            scene.as_deref(),
            viewpoint.as_deref(),
            Some(title.as_str()),
            pain_point.as_deref(),
            proposed_solution.as_deref(),
            outcome_text.as_deref(),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: i64,
    pub proposal_id: ProposalId,
    pub section_id: i64,
    pub stage: Option<Stage>,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub fields: ProposalFields,
    pub stage: Option<Stage>,
    pub created_by_user_id: Option<i64>,
    pub assignments: Vec<Assignment>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a person records about a stage change.
#[derive(Debug, Clone)]
pub struct StageChange {
    pub to: Stage,
    pub decision: Option<Decision>,
    pub effective_on: NaiveDate,
    pub note: Option<String>,
}

/// A recorded stage change, for the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageEventRecord {
    pub id: i64,
    pub assignment_id: i64,
    pub stage: Stage,
    pub decision: Option<Decision>,
    pub effective_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor_label: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    pub id: i64,
    pub proposal_id: ProposalId,
    pub held_on: NaiveDate,
    pub participants: String,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
    pub actor_label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 11, d).unwrap_or_default()
    }

    #[test]
    fn a_stage_is_read_from_its_label_its_circled_number_or_its_number_in_either_width() {
        for text in ["②PTと所管課で協議", "②", "2", "２", " ② "] {
            assert_eq!(Stage::from_text(text), Some(Stage::Discussed), "{text}");
        }
        for text in ["", "5", "協議", "②協議"] {
            assert_eq!(Stage::from_text(text), None, "{text}");
        }
    }

    fn at(stage: Stage) -> Option<StageState> {
        Some(StageState {
            stage,
            decision: None,
        })
    }

    #[test]
    fn an_assignment_moves_forward_one_stage_at_a_time() {
        assert!(transition(None, Stage::Presented, None).is_ok());
        assert!(transition(at(Stage::Presented), Stage::Discussed, None).is_ok());
        assert_eq!(
            transition(at(Stage::Presented), Stage::Decided, Some(Decision::End)),
            Err(TransitionError::Illegal {
                to: Stage::Decided,
                allowed: vec![Stage::Discussed, Stage::AlreadyHandled]
            })
        );
        assert!(transition(at(Stage::Discussed), Stage::Presented, None).is_err());
    }

    #[test]
    fn a_decision_is_required_at_stage_three_and_only_there() {
        assert_eq!(
            transition(at(Stage::Discussed), Stage::Decided, None),
            Err(TransitionError::DecisionRequired)
        );
        assert_eq!(
            transition(
                at(Stage::Presented),
                Stage::Discussed,
                Some(Decision::Continue)
            ),
            Err(TransitionError::DecisionNotAllowed)
        );
        let decided = transition(at(Stage::Discussed), Stage::Decided, Some(Decision::End));
        assert_eq!(decided.map(|s| s.decision), Ok(Some(Decision::End)));
    }

    #[test]
    fn a_decision_to_continue_reopens_the_discussion_but_an_end_is_final() {
        let continued = Some(StageState {
            stage: Stage::Decided,
            decision: Some(Decision::Continue),
        });
        let ended = Some(StageState {
            stage: Stage::Decided,
            decision: Some(Decision::End),
        });
        assert_eq!(allowed_next(continued), vec![Stage::Discussed]);
        assert_eq!(allowed_next(ended), Vec::<Stage>::new());
        assert_eq!(allowed_next(at(Stage::AlreadyHandled)), Vec::<Stage>::new());
    }

    #[test]
    fn the_state_on_a_date_is_the_latest_event_in_force_then() {
        let recorded = |h: u32| {
            DateTime::<Utc>::from_timestamp(1_764_000_000 + i64::from(h) * 3600, 0)
                .unwrap_or_default()
        };
        let event = |stage, on, rec| StageEvent {
            assignment_id: 1,
            state: StageState {
                stage,
                decision: None,
            },
            effective_on: on,
            recorded_at: recorded(rec),
        };
        // Recorded as ② on the 28th, then corrected: it was really discussed on the 20th.
        let events = vec![
            event(Stage::Presented, day(10), 0),
            event(Stage::Discussed, day(28), 1),
            event(Stage::Discussed, day(20), 2),
        ];
        assert_eq!(state_on(&events, day(9)), None);
        assert_eq!(
            state_on(&events, day(19)).map(|s| s.stage),
            Some(Stage::Presented)
        );
        assert_eq!(
            state_on(&events, day(25)).map(|s| s.stage),
            Some(Stage::Discussed)
        );
    }

    #[test]
    fn a_proposal_of_several_sections_stands_at_the_most_advanced() {
        assert_eq!(
            most_advanced([Stage::Presented, Stage::Discussed, Stage::Presented]),
            Some(Stage::Discussed)
        );
        assert_eq!(most_advanced([]), None);
    }
}
