//! PT proposals, their responsible sections (assignments), dated stage events, consultations,
//! and the progress report recomputed from the events as of any date.

use crate::StoreError;
use crate::announce;
use crate::audit::{AuditActor, AuditView};
use crate::entities::{
    consultation, project_team, proposal, proposal_assignment, proposal_bureau_span,
    proposal_stage_span, section, stage_event,
};
use crate::page::{Page, PageRequest};
use crate::rows;
use crate::tallies;
use crate::write::{self, Audited, Change, FiledUnder, InTxn, Tallied, Write};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::ProposalId;
use domain::proposal::{
    Assignment, Consultation, ProjectTeam, ProjectTeamFields, Proposal, ProposalFields,
    StageChange, StageEventRecord,
};
use domain::proposal::{
    Decision, ImplementationStatus, Stage, StageEvent, StageState, TransitionError, most_advanced,
    state_on, transition,
};
use domain::search::SearchText;
use domain::{OwnProposals, Principal, ProposalReach};
use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Serialize;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Project teams

impl TryFrom<project_team::Model> for ProjectTeam {
    type Error = StoreError;

    fn try_from(row: project_team::Model) -> Result<Self, Self::Error> {
        Ok(ProjectTeam {
            themes: serde_json::from_str(&row.themes)
                .map_err(|e| StoreError::Corrupt(format!("themes: {e}")))?,
            members: serde_json::from_str(&row.members)
                .map_err(|e| StoreError::Corrupt(format!("members: {e}")))?,
            id: row.id,
            fiscal_year: row.fiscal_year,
            name: row.name,
            headcount: row.headcount,
            version: row.version,
        })
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

pub async fn list_project_teams<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<ProjectTeam>, StoreError> {
    project_team::Entity::find()
        .order_by_desc(project_team::Column::FiscalYear)
        .all(conn)
        .await?
        .into_iter()
        .map(ProjectTeam::try_from)
        .collect()
}

pub async fn find_project_team<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<ProjectTeam>, StoreError> {
    rows::find_decoded::<project_team::Entity, _>(conn, id, ProjectTeam::try_from).await
}

pub async fn find_project_team_by_year<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
) -> Result<Option<ProjectTeam>, StoreError> {
    project_team::Entity::find()
        .filter(project_team::Column::FiscalYear.eq(fiscal_year))
        .one(conn)
        .await?
        .map(ProjectTeam::try_from)
        .transpose()
}

/// The written fields of a project team as row values.
fn team_row(fields: ProjectTeamFields) -> project_team::ActiveModel {
    project_team::ActiveModel {
        fiscal_year: Set(fields.fiscal_year),
        name: Set(fields.name),
        themes: Set(to_json(&fields.themes)),
        members: Set(to_json(&fields.members)),
        headcount: Set(fields.headcount),
        ..Default::default()
    }
}

pub async fn create_project_team(
    db: &DatabaseConnection,
    fields: ProjectTeamFields,
    actor: &AuditActor,
) -> Result<ProjectTeam, StoreError> {
    write::create(
        db,
        Write::new("project_team.create", "project_team", actor),
        move |txn, now| {
            Box::pin(async move {
                let row = team_row(fields);
                ProjectTeam::try_from(write::insert_row(txn, now, row).await?)
            })
        },
    )
    .await
}

pub async fn replace_project_team(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    fields: ProjectTeamFields,
    actor: &AuditActor,
) -> Result<ProjectTeam, StoreError> {
    write::replace(
        db,
        Change::new(
            "project_team.update",
            "project_team",
            id,
            expected_version,
            actor,
        ),
        move |txn| Box::pin(find_project_team(txn, id)),
        team_row(fields),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Proposals

fn stage_of(raw: Option<i16>) -> Result<Option<Stage>, StoreError> {
    raw.map(|n| {
        u8::try_from(n)
            .ok()
            .and_then(Stage::from_number)
            .ok_or_else(|| StoreError::Corrupt(format!("stage {n}")))
    })
    .transpose()
}

fn decision_of(raw: Option<&str>) -> Result<Option<Decision>, StoreError> {
    raw.map(|d| Decision::parse(d).ok_or_else(|| StoreError::Corrupt(format!("decision {d}"))))
        .transpose()
}

fn stage_number(stage: Stage) -> i16 {
    i16::from(stage.number())
}

fn assignment_of(row: proposal_assignment::Model) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        stage: stage_of(row.stage)?,
        decision: decision_of(row.decision.as_deref())?,
        id: row.id,
        proposal_id: ProposalId::new(row.proposal_id),
        section_id: row.section_id,
    })
}

fn proposal_of(row: proposal::Model, assignments: Vec<Assignment>) -> Result<Proposal, StoreError> {
    let implementation_status = row
        .implementation_status
        .as_deref()
        .map(|s| {
            ImplementationStatus::parse(s)
                .ok_or_else(|| StoreError::Corrupt(format!("implementation status {s}")))
        })
        .transpose()?;
    Ok(Proposal {
        stage: stage_of(row.stage)?,
        fields: ProposalFields {
            fiscal_year: row.fiscal_year,
            number: row.number,
            theme: row.theme,
            scene: row.scene,
            viewpoint: row.viewpoint,
            title: row.title,
            pain_point: row.pain_point,
            proposed_solution: row.proposed_solution,
            implementation_status,
            outcome_period_text: row.outcome_period_text,
            outcome_text: row.outcome_text,
            continues_proposal_id: row.continues_proposal_id.map(ProposalId::new),
        },
        id: ProposalId::new(row.id),
        created_by_user_id: row.created_by_user_id,
        assignments,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn assignments_of<C: ConnectionTrait>(
    conn: &C,
    proposal_ids: &[i64],
) -> Result<HashMap<i64, Vec<Assignment>>, StoreError> {
    let mut by_proposal: HashMap<i64, Vec<Assignment>> = HashMap::new();
    if proposal_ids.is_empty() {
        return Ok(by_proposal);
    }
    // Sorted here rather than by ORDER BY id: with that clause PostgreSQL's generic plan for
    // the prepared statement walked the whole table in id order (21 ms a page of 500 at
    // 200,000 assignments) instead of looking the proposals up in their index.
    let mut rows = proposal_assignment::Entity::find()
        .filter(proposal_assignment::Column::ProposalId.is_in(proposal_ids.iter().copied()))
        .all(conn)
        .await?;
    rows.sort_unstable_by_key(|r| r.id);
    for row in rows {
        by_proposal
            .entry(row.proposal_id)
            .or_default()
            .push(assignment_of(row)?);
    }
    Ok(by_proposal)
}

pub async fn find_proposal<C: ConnectionTrait>(
    conn: &C,
    proposal: ProposalId,
) -> Result<Option<Proposal>, StoreError> {
    let id = proposal.get();
    let Some(row) = proposal::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let mut assignments = assignments_of(conn, &[id]).await?;
    proposal_of(row, assignments.remove(&id).unwrap_or_default()).map(Some)
}

async fn check_continues<C: ConnectionTrait>(
    conn: &C,
    fields: &ProposalFields,
    own_id: Option<ProposalId>,
) -> Result<(), StoreError> {
    let Some(previous) = fields.continues_proposal_id else {
        return Ok(());
    };
    let exists = proposal::Entity::find_by_id(previous.get())
        .one(conn)
        .await?
        .is_some();
    if Some(previous) == own_id || !exists {
        return Err(StoreError::MissingReference("the proposal it continues"));
    }
    Ok(())
}

/// Holds the proposal's row until the transaction ends (PostgreSQL; SQLite has one writer), so
/// two writers cannot both count the tallies from the state before the other's change.
async fn lock_proposal<C: ConnectionTrait>(conn: &C, id: i64) -> Result<(), StoreError> {
    proposal::Entity::find_by_id(id)
        .select_only()
        .column(proposal::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    Ok(())
}

/// The written fields of a proposal as row values.
fn proposal_values(fields: &ProposalFields, row: &mut proposal::ActiveModel) {
    row.search_text = Set(fields.search_text());
    row.fiscal_year = Set(fields.fiscal_year);
    row.number = Set(fields.number.clone());
    row.theme = Set(fields.theme.clone());
    row.scene = Set(fields.scene.clone());
    row.viewpoint = Set(fields.viewpoint.clone());
    row.title = Set(fields.title.clone());
    row.pain_point = Set(fields.pain_point.clone());
    row.proposed_solution = Set(fields.proposed_solution.clone());
    row.implementation_status = Set(fields.implementation_status.map(|s| s.as_str().to_owned()));
    row.outcome_period_text = Set(fields.outcome_period_text.clone());
    row.outcome_text = Set(fields.outcome_text.clone());
    row.continues_proposal_id = Set(fields.continues_proposal_id.map(ProposalId::get));
}

pub async fn create_proposal<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    fields: ProposalFields,
    created_by_user_id: Option<i64>,
    actor: &AuditActor,
) -> Result<Proposal, StoreError> {
    let announcer = actor.clone();
    write::create(
        db,
        Write::new("proposal.create", "proposal", actor).tallied(Tallied::Proposal),
        move |txn, now| {
            Box::pin(async move {
                check_continues(txn, &fields, None).await?;
                let mut row = proposal::ActiveModel {
                    created_by_user_id: Set(created_by_user_id),
                    stage: Set(None),
                    ..Default::default()
                };
                proposal_values(&fields, &mut row);
                let created = proposal_of(write::insert_row(txn, now, row).await?, Vec::new())?;
                announce::proposal_created(txn, created.id.get(), &announcer, now).await?;
                Ok(created)
            })
        },
    )
    .await
}

/// Replaces the written fields if the proposal is still at `expected_version`.
pub async fn update_proposal<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    proposal: ProposalId,
    expected_version: i32,
    fields: ProposalFields,
    actor: &AuditActor,
) -> Result<Proposal, StoreError> {
    let id = proposal.get();
    write::update(
        db,
        Change::new("proposal.update", "proposal", id, expected_version, actor)
            .tallied(Tallied::Proposal),
        move |txn| {
            Box::pin(async move {
                lock_proposal(txn, id).await?;
                find_proposal(txn, proposal).await
            })
        },
        move |_, _| Box::pin(async move { Ok(()) }),
        move |txn, _, step| {
            Box::pin(async move {
                check_continues(txn, &fields, Some(proposal)).await?;
                let mut row: proposal::ActiveModel = Default::default();
                proposal_values(&fields, &mut row);
                write::replace_row(txn, step, id, row).await
            })
        },
    )
    .await
}

/// Why a stage change was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

impl From<sea_orm::DbErr> for WorkflowError {
    fn from(err: sea_orm::DbErr) -> Self {
        WorkflowError::Store(StoreError::Db(err))
    }
}

async fn events_of_assignment<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i64,
) -> Result<Vec<StageEvent>, StoreError> {
    stage_event::Entity::find()
        .filter(stage_event::Column::AssignmentId.eq(assignment_id))
        .all(conn)
        .await?
        .into_iter()
        .map(event_of)
        .collect()
}

fn event_of(row: stage_event::Model) -> Result<StageEvent, StoreError> {
    let stage = stage_of(Some(row.to_stage))?.ok_or_else(|| StoreError::Corrupt("stage".into()))?;
    Ok(StageEvent {
        assignment_id: row.assignment_id,
        state: StageState {
            stage,
            decision: decision_of(row.decision.as_deref())?,
        },
        effective_on: row.effective_on,
        recorded_at: row.recorded_at,
    })
}

async fn record_stage_event<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
    assignment_id: i64,
    change: &StageChange,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    let events = events_of_assignment(conn, assignment_id).await?;
    // A change is checked against where the assignment stood on its effective date, so a
    // back-dated correction is judged by the situation it corrects.
    transition(
        state_on(&events, change.effective_on),
        change.to,
        change.decision,
    )?;
    stage_event::ActiveModel {
        proposal_id: Set(proposal_id),
        assignment_id: Set(assignment_id),
        to_stage: Set(stage_number(change.to)),
        decision: Set(change.decision.map(|d| d.as_str().to_owned())),
        effective_on: Set(change.effective_on),
        recorded_at: Set(now),
        actor_id: Set(actor.id),
        actor_label: Set(actor.label.clone()),
        note: Set(change.note.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Brings the stored current stages (of the assignment and, by rule ※1, of the proposal) in step
/// with the events.
async fn refresh_current_stage<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let today = now.date_naive() + chrono::Duration::days(1);
    let assignments = proposal_assignment::Entity::find()
        .filter(proposal_assignment::Column::ProposalId.eq(proposal_id))
        .all(conn)
        .await?;
    let mut stages = Vec::new();
    for assignment in assignments {
        let events = events_of_assignment(conn, assignment.id).await?;
        let state = state_on(&events, today);
        proposal_assignment::Entity::update_many()
            .col_expr(
                proposal_assignment::Column::Stage,
                Expr::value(state.map(|s| stage_number(s.stage))),
            )
            .col_expr(
                proposal_assignment::Column::Decision,
                Expr::value(
                    state
                        .and_then(|s| s.decision)
                        .map(|d| d.as_str().to_owned()),
                ),
            )
            .filter(proposal_assignment::Column::Id.eq(assignment.id))
            .exec(conn)
            .await?;
        stages.extend(state.map(|s| s.stage));
    }
    proposal::Entity::update_many()
        .col_expr(
            proposal::Column::Stage,
            Expr::value(most_advanced(stages).map(stage_number)),
        )
        .col_expr(proposal::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            proposal::Column::Version,
            Expr::col(proposal::Column::Version).add(1),
        )
        .filter(proposal::Column::Id.eq(proposal_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Makes a section responsible for the proposal, presented (①) or already handled (④) from
/// `change.effective_on`.
pub async fn add_assignment(
    db: &DatabaseConnection,
    proposal: ProposalId,
    section_id: i64,
    change: StageChange,
    actor: &AuditActor,
) -> Result<(Proposal, i64), WorkflowError> {
    let proposal_id = proposal.get();
    let recorder = actor.clone();
    amend_assignments(
        db,
        "proposal.assign",
        proposal_id,
        actor,
        move |txn, _, now| {
            Box::pin(async move {
                if section::Entity::find_by_id(section_id)
                    .one(txn)
                    .await?
                    .is_none()
                {
                    return Err(StoreError::MissingReference("the section").into());
                }
                let assignment = proposal_assignment::ActiveModel {
                    proposal_id: Set(proposal_id),
                    section_id: Set(section_id),
                    stage: Set(None),
                    decision: Set(None),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(StoreError::from_write)?;
                record_stage_event(txn, proposal_id, assignment.id, &change, &recorder, now)
                    .await?;
                announce::proposal_assigned(txn, proposal_id, section_id, &recorder, now).await?;
                Ok(assignment.id)
            })
        },
    )
    .await
}

/// Changes the sections of a proposal or their stages as `apply` says, then brings the current
/// stages in step with the events.
async fn amend_assignments<Db: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &Db,
    action: &'static str,
    proposal_id: i64,
    actor: &AuditActor,
    apply: impl for<'t> FnOnce(
        &'t DatabaseTransaction,
        &'t Proposal,
        DateTime<Utc>,
    ) -> InTxn<'t, i64, WorkflowError>
    + Send,
) -> Result<(Proposal, i64), WorkflowError> {
    write::amend_or(
        db,
        Write::new(action, "proposal", actor).tallied(Tallied::Proposal),
        FiledUnder::Record,
        move |txn| {
            Box::pin(async move {
                lock_proposal(txn, proposal_id).await?;
                find_proposal(txn, ProposalId::new(proposal_id)).await
            })
        },
        move |txn, before, now| {
            let applied = apply(txn, before, now);
            Box::pin(async move {
                let assignment_id = applied.await?;
                refresh_current_stage(txn, proposal_id, now).await?;
                Ok(assignment_id)
            })
        },
    )
    .await
}

pub async fn find_assignment<C: ConnectionTrait>(
    conn: &C,
    proposal: ProposalId,
    assignment_id: i64,
) -> Result<Option<Assignment>, StoreError> {
    let proposal_id = proposal.get();
    proposal_assignment::Entity::find_by_id(assignment_id)
        .filter(proposal_assignment::Column::ProposalId.eq(proposal_id))
        .one(conn)
        .await?
        .map(assignment_of)
        .transpose()
}

/// Records a stage change of one assignment (in its own transaction, or inside the caller's
/// when `db` is one: a round's workbook answers with it).
pub async fn change_stage<Db: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &Db,
    proposal: ProposalId,
    assignment_id: i64,
    change: StageChange,
    actor: &AuditActor,
) -> Result<Proposal, WorkflowError> {
    let proposal_id = proposal.get();
    let recorder = actor.clone();
    let (after, _) = amend_assignments(
        db,
        "proposal.stage_change",
        proposal_id,
        actor,
        move |txn, before, now| {
            Box::pin(async move {
                if !before.assignments.iter().any(|a| a.id == assignment_id) {
                    return Err(StoreError::NotFound.into());
                }
                record_stage_event(txn, proposal_id, assignment_id, &change, &recorder, now)
                    .await?;
                announce::proposal_stage_changed(
                    txn,
                    proposal_id,
                    assignment_id,
                    &change,
                    &recorder,
                    now,
                )
                .await?;
                Ok(assignment_id)
            })
        },
    )
    .await?;
    Ok(after)
}

pub async fn stage_events<C: ConnectionTrait>(
    conn: &C,
    proposal: ProposalId,
) -> Result<Vec<StageEventRecord>, StoreError> {
    let proposal_id = proposal.get();
    stage_event::Entity::find()
        .filter(stage_event::Column::ProposalId.eq(proposal_id))
        .order_by_asc(stage_event::Column::EffectiveOn)
        .order_by_asc(stage_event::Column::RecordedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| {
            Ok(StageEventRecord {
                stage: stage_of(Some(row.to_stage))?
                    .ok_or_else(|| StoreError::Corrupt("stage".into()))?,
                decision: decision_of(row.decision.as_deref())?,
                id: row.id,
                assignment_id: row.assignment_id,
                effective_on: row.effective_on,
                recorded_at: row.recorded_at,
                actor_label: row.actor_label,
                note: row.note,
            })
        })
        .collect()
}

impl Audited for Consultation {
    /// Consultations are filed under their proposal.
    fn audit_id(&self) -> i64 {
        self.proposal_id.get()
    }
    fn snapshot(&self) -> serde_json::Value {
        AuditView::audit_view(self)
    }
}

pub async fn add_consultation(
    db: &DatabaseConnection,
    proposal: ProposalId,
    held_on: NaiveDate,
    participants: String,
    note: String,
    actor: &AuditActor,
) -> Result<Consultation, StoreError> {
    let proposal_id = proposal.get();
    let recorded_by = actor.label.clone();
    let announcer = actor.clone();
    write::add_part(
        db,
        Write::new("proposal.consultation", "proposal", actor).tallied(Tallied::Proposal),
        proposal_id,
        move |txn| {
            Box::pin(async move {
                lock_proposal(txn, proposal_id).await?;
                match proposal::Entity::find_by_id(proposal_id).one(txn).await? {
                    Some(_) => Ok(()),
                    None => Err(StoreError::NotFound),
                }
            })
        },
        move |txn, now| {
            Box::pin(async move {
                let row = consultation::ActiveModel {
                    proposal_id: Set(proposal_id),
                    held_on: Set(held_on),
                    participants: Set(participants),
                    note: Set(note),
                    recorded_at: Set(now),
                    actor_label: Set(recorded_by),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                announce::proposal_consulted(
                    txn,
                    proposal_id,
                    row.id,
                    row.held_on,
                    &announcer,
                    now,
                )
                .await?;
                Ok(Consultation {
                    id: row.id,
                    proposal_id: proposal,
                    held_on: row.held_on,
                    participants: row.participants,
                    note: row.note,
                    recorded_at: row.recorded_at,
                    actor_label: row.actor_label,
                })
            })
        },
    )
    .await
}

pub async fn consultations<C: ConnectionTrait>(
    conn: &C,
    proposal: ProposalId,
) -> Result<Vec<Consultation>, StoreError> {
    let proposal_id = proposal.get();
    Ok(consultation::Entity::find()
        .filter(consultation::Column::ProposalId.eq(proposal_id))
        .order_by_asc(consultation::Column::HeldOn)
        .order_by_asc(consultation::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| Consultation {
            id: row.id,
            proposal_id: ProposalId::new(row.proposal_id),
            held_on: row.held_on,
            participants: row.participants,
            note: row.note,
            recorded_at: row.recorded_at,
            actor_label: row.actor_label,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Lists and the progress report

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalSort {
    Id,
    Number,
    Title,
    Stage,
    UpdatedAt,
}

/// Which proposals a read selects. It is built only from the caller ([`ProposalFilter::visible_to`]),
/// so no list, export, report or search of proposals can leave out what the caller may not see.
#[derive(Debug, Clone)]
pub struct ProposalFilter {
    pub fiscal_year: Option<i32>,
    pub theme: Option<String>,
    pub scene: Option<String>,
    pub viewpoint: Option<String>,
    pub stage: Option<Stage>,
    /// Assigned to any of these sections, or to any section of these bureaus.
    pub section_ids: Vec<i64>,
    pub bureau_ids: Vec<i64>,
    pub implementation_status: Option<ImplementationStatus>,
    /// Already in search form (`search_form`); matched as a literal substring.
    pub text: Option<String>,
    /// What the caller may see at all; set once, by the constructor.
    reach: ProposalReach,
    /// Only proposals this user created (`scope=mine` of a person).
    created_by_user_id: Option<i64>,
    pub ids: Option<Vec<i64>>,
    /// Only proposals no section has yet (stage 0, 未提示).
    pub not_presented: bool,
    /// Only proposals without an implementation status.
    pub no_implementation_status: bool,
    /// The list as it stood at the end of this day, read from the stage and bureau spans: only
    /// proposals that existed then, and `stage`, `not_presented`, `held_by_bureau` and
    /// `stale_days` mean that day's.
    pub as_of: Option<NaiveDate>,
    /// With `as_of`: held on that day by a section of this bureau.
    pub held_by_bureau: Option<i64>,
    /// With `as_of`: only proposals some section still had at ① or ② with no stage change or
    /// consultation for more than this many days before it.
    pub stale_days: Option<i64>,
}

impl ProposalFilter {
    /// Every proposal `principal` may read, and nothing else; narrow it further with the
    /// public fields.
    pub fn visible_to(principal: &Principal) -> ProposalFilter {
        ProposalFilter {
            fiscal_year: None,
            theme: None,
            scene: None,
            viewpoint: None,
            stage: None,
            section_ids: Vec::new(),
            bureau_ids: Vec::new(),
            implementation_status: None,
            text: None,
            reach: principal.proposal_reach(),
            created_by_user_id: None,
            ids: None,
            not_presented: false,
            no_implementation_status: false,
            as_of: None,
            held_by_bureau: None,
            stale_days: None,
        }
    }

    /// Narrows to the principal's own proposals (`scope=mine`): those a person wrote, or those
    /// assigned to an editor's sections and bureaus. Replaces any section or bureau filter.
    pub fn only_own(&mut self, principal: &Principal) {
        match principal.own_proposals() {
            OwnProposals::Authored(user) => self.created_by_user_id = Some(user),
            OwnProposals::Assigned(scopes) => {
                self.section_ids = scopes.section_ids;
                self.bureau_ids = scopes.bureau_ids;
                if self.section_ids.is_empty() && self.bureau_ids.is_empty() {
                    self.ids = Some(Vec::new());
                }
            }
            OwnProposals::Unnarrowed => {}
        }
    }
}

pub(crate) fn like_literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

/// The rows the filter selects, unordered.
fn proposals_query(
    filter: &ProposalFilter,
    backend: sea_orm::DatabaseBackend,
) -> sea_orm::Select<proposal::Entity> {
    use proposal::Column as P;
    let mut query = proposal::Entity::find();
    if let Some(year) = filter.fiscal_year {
        query = query.filter(P::FiscalYear.eq(year));
    }
    if let Some(theme) = &filter.theme {
        query = query.filter(P::Theme.eq(theme.as_str()));
    }
    if let Some(scene) = &filter.scene {
        query = query.filter(P::Scene.eq(scene.as_str()));
    }
    if let Some(viewpoint) = &filter.viewpoint {
        query = query.filter(P::Viewpoint.eq(viewpoint.as_str()));
    }
    match filter.as_of {
        Some(day) => query = as_of_day(query, filter, day),
        None => {
            if let Some(stage) = filter.stage {
                query = query.filter(P::Stage.eq(stage_number(stage)));
            }
            if filter.not_presented {
                query = query.filter(P::Stage.is_null());
            }
        }
    }
    if let Some(status) = filter.implementation_status {
        query = query.filter(P::ImplementationStatus.eq(status.as_str()));
    }
    if filter.no_implementation_status {
        query = query.filter(P::ImplementationStatus.is_null());
    }
    match filter.reach {
        ProposalReach::All => {}
        ProposalReach::AuthoredBy(user) => query = query.filter(P::CreatedByUserId.eq(user)),
        ProposalReach::Nothing => query = query.filter(Expr::val(1).eq(0)),
    }
    if let Some(user) = filter.created_by_user_id {
        query = query.filter(P::CreatedByUserId.eq(user));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(P::Id.is_in(ids.iter().copied()));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        // SQLite would scan every row for LIKE '%…%'. Its trigram index finds the same rows for
        // a term of three characters or more (both sides are in search form, so its case
        // folding changes nothing), and then the other filters need only the index on
        // (fiscal_year, theme), not the rows. PostgreSQL's pg_trgm index serves the LIKE itself.
        if backend == sea_orm::DatabaseBackend::Sqlite && text.chars().count() >= 3 {
            query = query.filter(Expr::cust_with_values(
                "\"proposals\".\"id\" IN (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ?)",
                [format!("\"{}\"", text.replace('"', "\"\""))],
            ));
        } else {
            query =
                query.filter(P::SearchText.like(LikeExpr::new(like_literal(text)).escape('\\')));
        }
    }
    if !filter.section_ids.is_empty() || !filter.bureau_ids.is_empty() {
        let mut assigned = Query::select();
        assigned
            .column((
                proposal_assignment::Entity,
                proposal_assignment::Column::ProposalId,
            ))
            .from(proposal_assignment::Entity)
            .inner_join(
                section::Entity,
                Expr::col((section::Entity, section::Column::Id)).equals((
                    proposal_assignment::Entity,
                    proposal_assignment::Column::SectionId,
                )),
            );
        let in_sections = Expr::col((
            proposal_assignment::Entity,
            proposal_assignment::Column::SectionId,
        ))
        .is_in(filter.section_ids.iter().copied());
        let in_bureaus = Expr::col((section::Entity, section::Column::BureauId))
            .is_in(filter.bureau_ids.iter().copied());
        assigned.and_where(
            match (filter.section_ids.is_empty(), filter.bureau_ids.is_empty()) {
                (false, false) => in_sections.or(in_bureaus),
                (false, true) => in_sections,
                _ => in_bureaus,
            },
        );
        query = query.filter(P::Id.in_subquery(assigned.to_owned()));
    }
    query
}

/// Narrows to the proposals that existed at the end of `day`, at the filter's stage on that day,
/// held by its bureau then and stale then, from the spans that cover the day: an index range per
/// condition, whatever the number of stage events.
fn as_of_day(
    query: sea_orm::Select<proposal::Entity>,
    filter: &ProposalFilter,
    day: NaiveDate,
) -> sea_orm::Select<proposal::Entity> {
    use proposal_stage_span::Column as S;
    let mut query = query;
    let any_stage = filter.stage.is_none() && !filter.not_presented && filter.stale_days.is_none();
    if any_stage {
        // Only "existed on the day". A proposal's spans run without gaps from the day it came to
        // exist to 9999-12-31, so one with `from_day <= day` is enough: its first span, one probe
        // of the primary key (proposal_id, from_day) per proposal. Selecting the spans that cover
        // the day instead read every span of the year begun by then, events and all. A bureau's
        // span covering the day implies it too (a bureau holds only a proposal that exists), so
        // a list of a bureau leaves it out.
        if filter.held_by_bureau.is_none() {
            let mut begun = Query::select();
            begun
                .expr(Expr::val(1))
                .from(proposal_stage_span::Entity)
                .and_where(
                    Expr::col((proposal_stage_span::Entity, S::ProposalId))
                        .equals((proposal::Entity, proposal::Column::Id)),
                )
                .and_where(Expr::col((proposal_stage_span::Entity, S::FromDay)).lte(day));
            query = query.filter(Expr::exists(begun.to_owned()));
        }
        return held_by_bureau(query, filter, day);
    }
    let mut spans = Query::select();
    spans
        .column((proposal_stage_span::Entity, S::ProposalId))
        .from(proposal_stage_span::Entity);
    if let Some(year) = filter.fiscal_year {
        spans.and_where(Expr::col((proposal_stage_span::Entity, S::FiscalYear)).eq(year));
    }
    let stages: Vec<i16> = match (filter.stage, filter.not_presented) {
        (Some(stage), _) => vec![stage_number(stage)],
        (None, true) => vec![0],
        // A stale list of every stage: the index on (year, awaiting_decision, from_day) serves
        // the range, without the rows.
        (None, false) => Vec::new(),
    };
    if !stages.is_empty() {
        spans.and_where(Expr::col((proposal_stage_span::Entity, S::Stage)).is_in(stages));
    }
    spans
        .and_where(Expr::col((proposal_stage_span::Entity, S::FromDay)).lte(day))
        .and_where(Expr::col((proposal_stage_span::Entity, S::ToDay)).gt(day));
    if let Some(days) = filter.stale_days {
        // Stale: awaiting a decision on the day, with nothing recorded from `quiet_since` on.
        let quiet_since = day
            .checked_sub_signed(chrono::Duration::days(days))
            .unwrap_or(NaiveDate::MIN);
        let mut changed = Query::select();
        changed
            .expr(Expr::val(1))
            .from(stage_event::Entity)
            .and_where(
                Expr::col((stage_event::Entity, stage_event::Column::ProposalId))
                    .equals((proposal_stage_span::Entity, S::ProposalId)),
            )
            .and_where(
                Expr::col((stage_event::Entity, stage_event::Column::EffectiveOn))
                    .between(quiet_since, day),
            );
        let mut consulted = Query::select();
        consulted
            .expr(Expr::val(1))
            .from(consultation::Entity)
            .and_where(
                Expr::col((consultation::Entity, consultation::Column::ProposalId))
                    .equals((proposal_stage_span::Entity, S::ProposalId)),
            )
            .and_where(
                Expr::col((consultation::Entity, consultation::Column::HeldOn))
                    .between(quiet_since, day),
            );
        spans
            .and_where(Expr::col((proposal_stage_span::Entity, S::AwaitingDecision)).eq(true))
            .and_where(Expr::exists(changed.to_owned()).not())
            .and_where(Expr::exists(consulted.to_owned()).not());
    }
    query = query.filter(proposal::Column::Id.in_subquery(spans.to_owned()));
    held_by_bureau(query, filter, day)
}

/// Narrows to the proposals a section of the filter's bureau held at the end of `day`.
fn held_by_bureau(
    mut query: sea_orm::Select<proposal::Entity>,
    filter: &ProposalFilter,
    day: NaiveDate,
) -> sea_orm::Select<proposal::Entity> {
    if let Some(bureau) = filter.held_by_bureau {
        use proposal_bureau_span::Column as B;
        let mut held = Query::select();
        held.column(B::ProposalId)
            .from(proposal_bureau_span::Entity)
            .and_where(B::BureauId.eq(bureau));
        if let Some(year) = filter.fiscal_year {
            held.and_where(B::FiscalYear.eq(year));
        }
        held.and_where(B::FromDay.lte(day))
            .and_where(B::ToDay.gt(day));
        query = query.filter(proposal::Column::Id.in_subquery(held.to_owned()));
    }
    query
}

/// Every column of a proposal but its search text, in the order [`Unsearched`] reads them.
const UNSEARCHED_COLUMNS: [proposal::Column; 18] = [
    proposal::Column::Id,
    proposal::Column::FiscalYear,
    proposal::Column::Number,
    proposal::Column::Theme,
    proposal::Column::Scene,
    proposal::Column::Viewpoint,
    proposal::Column::Title,
    proposal::Column::PainPoint,
    proposal::Column::ProposedSolution,
    proposal::Column::ImplementationStatus,
    proposal::Column::OutcomePeriodText,
    proposal::Column::OutcomeText,
    proposal::Column::ContinuesProposalId,
    proposal::Column::CreatedByUserId,
    proposal::Column::Stage,
    proposal::Column::Version,
    proposal::Column::CreatedAt,
    proposal::Column::UpdatedAt,
];

/// A proposal's row without its search text (derived, as long as the rest of the row together,
/// and never shown), read by position: an export reads a hundred thousand of them.
struct Unsearched(proposal::Model);

impl sea_orm::FromQueryResult for Unsearched {
    fn from_query_result(row: &sea_orm::QueryResult, _pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Unsearched(proposal::Model {
            id: row.try_get_by_index(0)?,
            fiscal_year: row.try_get_by_index(1)?,
            number: row.try_get_by_index(2)?,
            theme: row.try_get_by_index(3)?,
            scene: row.try_get_by_index(4)?,
            viewpoint: row.try_get_by_index(5)?,
            title: row.try_get_by_index(6)?,
            pain_point: row.try_get_by_index(7)?,
            proposed_solution: row.try_get_by_index(8)?,
            implementation_status: row.try_get_by_index(9)?,
            outcome_period_text: row.try_get_by_index(10)?,
            outcome_text: row.try_get_by_index(11)?,
            continues_proposal_id: row.try_get_by_index(12)?,
            created_by_user_id: row.try_get_by_index(13)?,
            stage: row.try_get_by_index(14)?,
            version: row.try_get_by_index(15)?,
            created_at: row.try_get_by_index(16)?,
            updated_at: row.try_get_by_index(17)?,
            search_text: String::new(),
        }))
    }
}

/// Up to `limit` of the rows the filter selects with ids above `after_id`, in id order: how an
/// export walks a list of any length in constant memory.
pub async fn proposals_after<C: ConnectionTrait>(
    conn: &C,
    filter: &ProposalFilter,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Proposal>, StoreError> {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        return sqlite_proposals_after(conn, filter, after_id, limit).await;
    }
    let rows: Vec<Unsearched> = proposals_query(filter, conn.get_database_backend())
        .select_only()
        .columns(UNSEARCHED_COLUMNS)
        .filter(proposal::Column::Id.gt(after_id))
        .order_by_asc(proposal::Column::Id)
        .limit(limit)
        .into_model()
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
    let mut assignments = assignments_of(conn, &ids).await?;
    rows.into_iter()
        .map(|Unsearched(row)| {
            let id = row.id;
            proposal_of(row, assignments.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// One proposal of an export batch as SQLite's `json_array` writes it: the columns of
/// [`UNSEARCHED_COLUMNS`] in order, then its assignments as `[id, section_id, stage, decision]`.
#[derive(serde::Deserialize)]
struct BatchRow(
    i64,
    i32,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i16>,
    i32,
    String,
    String,
    Vec<(i64, i64, Option<i16>, Option<String>)>,
);

/// A time as SQLite holds it: the RFC 3339 text sqlx writes, or the forms without an offset
/// sqlx also reads (taken as UTC).
fn sqlite_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z"]
        .iter()
        .find_map(|f| DateTime::parse_from_str(text, f).ok())
        .map(|at| at.with_timezone(&Utc))
        .or_else(|| {
            [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M",
            ]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
            .map(|at| at.and_utc())
        })
        .ok_or_else(|| StoreError::Corrupt(format!("time {text}")))
}

/// [`proposals_after`] on SQLite: the batch, its assignments included, comes back as one JSON
/// value in one row. sqlx hands every row from SQLite's worker thread to the request through a
/// channel and copies each of its values; for an export of a hundred thousand rows that
/// hand-off, not SQLite, was most of the cost.
async fn sqlite_proposals_after<C: ConnectionTrait>(
    conn: &C,
    filter: &ProposalFilter,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Proposal>, StoreError> {
    use sea_orm::{IdenStatic, QueryTrait};
    let backend = sea_orm::DatabaseBackend::Sqlite;
    let batch = proposals_query(filter, backend)
        .select_only()
        .columns(UNSEARCHED_COLUMNS)
        .filter(proposal::Column::Id.gt(after_id))
        .order_by_asc(proposal::Column::Id)
        .limit(limit)
        .build(backend);
    let columns: Vec<String> = UNSEARCHED_COLUMNS
        .iter()
        .map(|c| format!("b.\"{}\"", c.as_str()))
        .collect();
    // `json()` keeps the assignments an array inside the row rather than a string; both
    // aggregates name their order, which their input's order does not promise.
    let sql = format!(
        "SELECT json_group_array(json_array({}, json((SELECT json_group_array(json_array(\
         a.\"id\", a.\"section_id\", a.\"stage\", a.\"decision\") ORDER BY a.\"id\") \
         FROM \"proposal_assignments\" AS a WHERE a.\"proposal_id\" = b.\"id\"))) \
         ORDER BY b.\"id\") AS batch FROM ({}) AS b",
        columns.join(", "),
        batch.sql
    );
    let statement = match batch.values {
        Some(values) => sea_orm::Statement::from_sql_and_values(backend, sql, values),
        None => sea_orm::Statement::from_string(backend, sql),
    };
    let Some(row) = conn.query_one_raw(statement).await? else {
        return Ok(Vec::new());
    };
    let text: String = row.try_get_by_index(0)?;
    let rows: Vec<BatchRow> = serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("export batch: {e}")))?;
    rows.into_iter()
        .map(|r| {
            let assignments =
                r.18.into_iter()
                    .map(|(id, section_id, stage, decision)| {
                        Ok(Assignment {
                            stage: stage_of(stage)?,
                            decision: decision_of(decision.as_deref())?,
                            id,
                            proposal_id: ProposalId::new(r.0),
                            section_id,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
            let row = proposal::Model {
                id: r.0,
                fiscal_year: r.1,
                number: r.2,
                theme: r.3,
                scene: r.4,
                viewpoint: r.5,
                title: r.6,
                pain_point: r.7,
                proposed_solution: r.8,
                implementation_status: r.9,
                outcome_period_text: r.10,
                outcome_text: r.11,
                continues_proposal_id: r.12,
                created_by_user_id: r.13,
                stage: r.14,
                version: r.15,
                created_at: sqlite_time(&r.16)?,
                updated_at: sqlite_time(&r.17)?,
                search_text: String::new(),
            };
            proposal_of(row, assignments)
        })
        .collect()
}

pub async fn list_proposals<C: ConnectionTrait>(
    conn: &C,
    filter: &ProposalFilter,
    sort: ProposalSort,
    descending: bool,
    page: PageRequest,
) -> Result<Page<Proposal>, StoreError> {
    use proposal::Column as P;
    let query = proposals_query(filter, conn.get_database_backend());
    let total = query.clone().count(conn).await?;
    let column = match sort {
        ProposalSort::Id => P::Id,
        ProposalSort::Number => P::Number,
        ProposalSort::Title => P::Title,
        ProposalSort::Stage => P::Stage,
        ProposalSort::UpdatedAt => P::UpdatedAt,
    };
    let order = if descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let rows = query
        .order_by(column, order.clone())
        .order_by(P::Id, order)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut assignments = assignments_of(conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            proposal_of(row, assignments.remove(&id).unwrap_or_default())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// One proposal's place in the progress report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressEntry {
    pub proposal_id: i64,
    pub number: Option<String>,
    pub title: String,
    pub theme: String,
    /// `None`: not yet presented to any section on that date.
    pub stage: Option<Stage>,
}

/// Every proposal of the fiscal year that existed on `as_of`, at its stage on that date as the
/// recorded events (including later back-dated corrections) give it: the stage span covering the
/// date, which the writes keep from the events.
pub async fn progress_as_of<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    as_of: NaiveDate,
) -> Result<Vec<ProgressEntry>, StoreError> {
    use proposal::Column as P;
    use proposal_stage_span::Column as S;
    let mut select = Query::select();
    select
        .column((proposal::Entity, P::Id))
        .column((proposal::Entity, P::Number))
        .column((proposal::Entity, P::Title))
        .column((proposal::Entity, P::Theme))
        .column((proposal_stage_span::Entity, S::Stage))
        .from(proposal::Entity)
        .inner_join(
            proposal_stage_span::Entity,
            Expr::col((proposal_stage_span::Entity, S::ProposalId))
                .equals((proposal::Entity, P::Id)),
        )
        .and_where(Expr::col((proposal::Entity, P::FiscalYear)).eq(fiscal_year))
        .and_where(Expr::col((proposal_stage_span::Entity, S::FromDay)).lte(as_of))
        .and_where(Expr::col((proposal_stage_span::Entity, S::ToDay)).gt(as_of))
        .order_by((proposal::Entity, P::Id), sea_orm::Order::Asc);
    conn.query_all(&select)
        .await?
        .into_iter()
        .map(|row| {
            let stage: i16 = row.try_get_by_index(4)?;
            Ok(ProgressEntry {
                proposal_id: row.try_get_by_index(0)?,
                number: row.try_get_by_index(1)?,
                title: row.try_get_by_index(2)?,
                theme: row.try_get_by_index(3)?,
                stage: stage_of(Some(stage).filter(|n| *n > 0))?,
            })
        })
        .collect()
}

/// Dates proposals transcribed from a report to the day they were made, so a dashboard as of an
/// earlier day does not count them.
pub async fn date_registration<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    registered_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let counted_before = tallies::proposal_contributions(conn, ids).await?;
    for chunk in ids.chunks(500) {
        proposal::Entity::update_many()
            .col_expr(proposal::Column::CreatedAt, Expr::value(registered_at))
            .filter(proposal::Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    let counted = tallies::proposal_contributions(conn, ids).await?;
    tallies::apply(conn, counted_before, counted).await?;
    crate::history::redate(conn, crate::history::Kind::Proposal, ids, registered_at).await
}

/// Dates the stage events of proposals transcribed from a report to the day each took effect
/// (09:00 in Japan): the report that printed the stages knew them by then, so a figure "as known
/// at" its publication counts them.
pub async fn date_stage_records<C: ConnectionTrait>(
    conn: &C,
    proposal_ids: &[i64],
) -> Result<(), StoreError> {
    for chunk in proposal_ids.chunks(500) {
        let events = stage_event::Entity::find()
            .filter(stage_event::Column::ProposalId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        for event in events {
            let Some(morning) = event.effective_on.and_hms_opt(0, 0, 0) else {
                continue;
            };
            let recorded_at = morning.and_utc();
            stage_event::Entity::update_many()
                .col_expr(stage_event::Column::RecordedAt, Expr::value(recorded_at))
                .filter(stage_event::Column::Id.eq(event.id))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// The proposal of the year with this number, if any: the key an import matches rows by.
pub async fn find_proposal_id_by_number<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    number: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(proposal::Entity::find()
        .select_only()
        .column(proposal::Column::Id)
        .filter(proposal::Column::FiscalYear.eq(fiscal_year))
        .filter(proposal::Column::Number.eq(number))
        .order_by_asc(proposal::Column::Id)
        .into_tuple()
        .one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::search::search_form;

    #[test]
    fn a_proposal_created_early_in_the_tokyo_morning_belongs_to_that_tokyo_day() {
        let utc = DateTime::parse_from_rfc3339("2025-11-24T16:30:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            crate::tallies::tokyo_date(utc),
            NaiveDate::from_ymd_opt(2025, 11, 25).unwrap_or_default()
        );
    }

    #[test]
    fn like_wildcards_in_a_query_are_matched_literally() {
        assert_eq!(like_literal("100%_達成\\"), "%100\\%\\_達成\\\\%");
    }

    #[test]
    fn full_width_and_half_width_kana_meet_in_the_search_form() {
        assert_eq!(search_form("ｶｲｶｸ ＡＩ"), search_form("カイカク ai"));
    }
}
