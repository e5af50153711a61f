//! `/project-teams`, `/proposals` and the progress report: the PT proposal workflow per
//! responsible section. This module holds what its parts share: the proposal as it goes out
//! (`ProposalOut` with its assignments), section and bureau names, and who may see a proposal.
//!
//! Visibility and reach: a proposer sees only the proposals they submitted; any other proposal
//! answers 404 to them, as if it did not exist. Everyone else reads every proposal. Acting on an
//! assignment of a section outside an editor's scope answers 403: they can see it, but it is not
//! theirs to move.

pub mod assignments;
pub mod consultations;
pub mod history;
pub mod progress;
pub mod records;
pub mod teams;

use crate::clock::today_in_tokyo;
use crate::concurrency::with_etag;
use crate::dto::PeriodOut;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::state::AppState;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::ids::ProposalId;
use domain::period::Period;
use domain::proposal::Proposal;
use domain::proposal::{Decision, ImplementationStatus, Stage, TransitionError, allowed_next};
use domain::{Action, Owner, Principal, Rights, SectionOf, authorize, rights};
use persistence::organization;
use persistence::proposals::{self, WorkflowError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionDto {
    /// 検討継続
    Continue,
    /// 検討終了
    End,
}

impl From<DecisionDto> for Decision {
    fn from(d: DecisionDto) -> Self {
        match d {
            DecisionDto::Continue => Decision::Continue,
            DecisionDto::End => Decision::End,
        }
    }
}

impl From<Decision> for DecisionDto {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Continue => DecisionDto::Continue,
            Decision::End => DecisionDto::End,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatusDto {
    UnderConsideration,
    Demonstration,
    Trial,
    Planned,
    Done,
    Ended,
}

impl From<ImplementationStatusDto> for ImplementationStatus {
    fn from(s: ImplementationStatusDto) -> Self {
        match s {
            ImplementationStatusDto::UnderConsideration => ImplementationStatus::UnderConsideration,
            ImplementationStatusDto::Demonstration => ImplementationStatus::Demonstration,
            ImplementationStatusDto::Trial => ImplementationStatus::Trial,
            ImplementationStatusDto::Planned => ImplementationStatus::Planned,
            ImplementationStatusDto::Done => ImplementationStatus::Done,
            ImplementationStatusDto::Ended => ImplementationStatus::Ended,
        }
    }
}

impl From<ImplementationStatus> for ImplementationStatusDto {
    fn from(s: ImplementationStatus) -> Self {
        match s {
            ImplementationStatus::UnderConsideration => ImplementationStatusDto::UnderConsideration,
            ImplementationStatus::Demonstration => ImplementationStatusDto::Demonstration,
            ImplementationStatus::Trial => ImplementationStatusDto::Trial,
            ImplementationStatus::Planned => ImplementationStatusDto::Planned,
            ImplementationStatus::Done => ImplementationStatusDto::Done,
            ImplementationStatus::Ended => ImplementationStatusDto::Ended,
        }
    }
}

/// A section responsible for a proposal, with its own stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentOut {
    pub id: i64,
    pub section_id: i64,
    /// The section's name today.
    pub section_name: String,
    pub bureau_id: i64,
    pub bureau_name: String,
    /// 1 ① presented, 2 ② discussed, 3 ③ decided, 4 ④ already handled.
    #[schema(minimum = 1, maximum = 4)]
    pub stage: Option<u8>,
    pub stage_label: Option<&'static str>,
    pub decision: Option<DecisionDto>,
    /// The stages this assignment may move to next.
    pub allowed_next: Vec<u8>,
    /// Whether the caller may move this assignment.
    pub can_act: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalOut {
    pub id: i64,
    pub fiscal_year: i32,
    pub number: Option<String>,
    pub theme: String,
    pub scene: Option<String>,
    pub viewpoint: Option<String>,
    pub title: String,
    pub pain_point: Option<String>,
    pub proposed_solution: Option<String>,
    /// The stage of the most advanced section (rule ※1), 1–4.
    #[schema(minimum = 1, maximum = 4)]
    pub stage: Option<u8>,
    pub stage_label: Option<&'static str>,
    pub implementation_status: Option<ImplementationStatusDto>,
    pub implementation_status_label: Option<&'static str>,
    pub outcome_period: Option<PeriodOut>,
    pub outcome_text: Option<String>,
    pub continues_proposal_id: Option<i64>,
    pub assignments: Vec<AssignmentOut>,
    pub created_by_user_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Section and bureau names, looked up once per response.
pub(crate) struct Names {
    sections: HashMap<i64, (String, i64)>,
    bureaus: HashMap<i64, String>,
}

impl Names {
    pub(crate) async fn load(state: &AppState) -> Result<Names, ApiError> {
        let today = today_in_tokyo();
        let sections = organization::list_sections(&state.db.conn, None)
            .await?
            .into_iter()
            .map(|s| {
                let name = s
                    .name_on(today)
                    .or_else(|| s.names.last())
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                (s.id, (name, s.bureau_id))
            })
            .collect();
        let bureaus = organization::list_bureaus(&state.db.conn)
            .await?
            .into_iter()
            .map(|b| (b.id, b.name))
            .collect();
        Ok(Names { sections, bureaus })
    }

    /// The names of these proposals' sections and of their bureaus alone (see
    /// `organization::names_for`): what a page or one proposal shows.
    pub(crate) async fn load_for<'a>(
        state: &AppState,
        proposals: impl IntoIterator<Item = &'a Proposal>,
    ) -> Result<Names, ApiError> {
        let mut wanted = organization::NamesWanted::default();
        for p in proposals {
            wanted
                .section_ids
                .extend(p.assignments.iter().map(|a| a.section_id));
        }
        wanted.section_ids.sort_unstable();
        wanted.section_ids.dedup();
        let today = today_in_tokyo();
        let names = organization::names_for(&state.db.conn, &wanted).await?;
        let sections = names
            .sections
            .into_iter()
            .map(|(id, (bureau_id, names))| {
                let name = domain::organization::name_on(&names, today)
                    .or_else(|| names.last())
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                (id, (name, bureau_id))
            })
            .collect();
        Ok(Names {
            sections,
            bureaus: names.bureaus,
        })
    }

    fn bureau_of(&self, section_id: i64) -> i64 {
        self.sections.get(&section_id).map_or(0, |(_, b)| *b)
    }

    fn section_of(&self, section_id: i64) -> SectionOf {
        SectionOf {
            section_id,
            bureau_id: self.bureau_of(section_id),
        }
    }

    /// The proposal's owners as the access decision needs them: its author and its sections.
    pub(crate) fn owner(&self, p: &Proposal) -> Owner {
        Owner::Proposal {
            author: p.created_by_user_id,
            sections: p
                .assignments
                .iter()
                .map(|a| self.section_of(a.section_id))
                .collect(),
        }
    }

    /// What the caller may do to one responsible section's assignment.
    pub(crate) fn assignment_rights(&self, caller: &Principal, section_id: i64) -> Rights {
        rights(caller, &Owner::Assignment(self.section_of(section_id)))
    }

    pub(crate) fn proposal(&self, p: &Proposal, caller: &Principal) -> ProposalOut {
        let f = &p.fields;
        ProposalOut {
            id: p.id.get(),
            fiscal_year: f.fiscal_year,
            number: f.number.clone(),
            theme: f.theme.clone(),
            scene: f.scene.clone(),
            viewpoint: f.viewpoint.clone(),
            title: f.title.clone(),
            pain_point: f.pain_point.clone(),
            proposed_solution: f.proposed_solution.clone(),
            stage: p.stage.map(Stage::number),
            stage_label: p.stage.map(Stage::label_ja),
            implementation_status: f.implementation_status.map(Into::into),
            implementation_status_label: f
                .implementation_status
                .map(ImplementationStatus::label_ja),
            outcome_period: f
                .outcome_period_text
                .as_deref()
                .map(|t| PeriodOut::from(&Period::parse(t))),
            outcome_text: f.outcome_text.clone(),
            continues_proposal_id: f.continues_proposal_id.map(ProposalId::get),
            assignments: p
                .assignments
                .iter()
                .map(|a| {
                    let (section_name, bureau_id) = self
                        .sections
                        .get(&a.section_id)
                        .cloned()
                        .unwrap_or_default();
                    let state = a.stage.map(|stage| domain::proposal::StageState {
                        stage,
                        decision: a.decision,
                    });
                    AssignmentOut {
                        id: a.id,
                        section_id: a.section_id,
                        section_name,
                        bureau_id,
                        bureau_name: self.bureaus.get(&bureau_id).cloned().unwrap_or_default(),
                        stage: a.stage.map(Stage::number),
                        stage_label: a.stage.map(Stage::label_ja),
                        decision: a.decision.map(Into::into),
                        allowed_next: allowed_next(state).into_iter().map(Stage::number).collect(),
                        can_act: self.assignment_rights(caller, a.section_id).act,
                    }
                })
                .collect(),
            created_by_user_id: p.created_by_user_id,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

fn proposal_response(status: StatusCode, out: ProposalOut) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    with_etag(&mut builder, out.version).json(out)
}

/// Loads a proposal the caller may see; others are 404 (see the module's note on visibility).
pub(crate) async fn visible_proposal(
    state: &AppState,
    caller: &Principal,
    id: ProposalId,
) -> Result<Proposal, ApiError> {
    authorize(caller, Action::ReadProposals)?;
    let proposal = proposals::find_proposal(&state.db.conn, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    if !caller
        .proposal_reach()
        .includes(proposal.created_by_user_id)
    {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(proposal)
}

impl From<WorkflowError> for ApiError {
    fn from(err: WorkflowError) -> Self {
        match err {
            WorkflowError::Store(e) => e.into(),
            WorkflowError::Transition(TransitionError::Illegal { to, allowed }) => {
                let allowed: Vec<u8> = allowed.into_iter().map(Stage::number).collect();
                let listed = if allowed.is_empty() {
                    "none: this assignment's workflow is finished".to_owned()
                } else {
                    allowed
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                ApiError {
                    allowed_stages: allowed,
                    ..ApiError::new(ErrorCode::Conflict).with_detail(format!(
                        "cannot move to stage {} from here; allowed: {listed}",
                        to.number()
                    ))
                }
            }
            WorkflowError::Transition(
                e @ (TransitionError::DecisionRequired | TransitionError::DecisionNotAllowed),
            ) => ApiError::validation(vec![FieldError {
                pointer: "/decision".into(),
                location: FieldLocation::Body,
                code: "decision".into(),
                message: e.to_string(),
            }]),
        }
    }
}
