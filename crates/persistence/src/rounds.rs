//! Reporting rounds (照会) in storage: rounds and their drafts, opening a round (which records each
//! owner must answer for, found and written set-based, one `INSERT … SELECT` per table), the
//! requests and their items, answering, submitting, returning and accepting.
//!
//! Which records a round asks about, per kind, for the fiscal year of its 基準日:
//! - proposal assignments of that year's proposals not yet finished (no stage yet, ①, ②, or ③
//!   with a decision to continue; ④ and ③ ended are done) → the assigned section;
//! - policy issues and KPIs of that year's X policies → the policy's bureau;
//! - reforms of that year → their section when they name exactly one, otherwise their bureau;
//! - ledger entries (any year) not retired (廃止) → their section.
//!
//! The scope narrows by owner: a section's request is in scope when the section or its bureau
//! is named; a bureau's when the bureau is named. No scope: every owner.
//!
//! Every change is audited in its transaction. Opening files one `round.open` event for the round
//! and one `round_request.create` per request; the items (up to hundreds of thousands) are
//! counted on their requests rather than filed one by one.

use crate::StoreError;
use crate::accounts::User;
use crate::audit::{self, AuditActor, AuditRecord, AuditView};
use crate::entities::{
    audit_event, digital_system, kpi, kpi_actual, milestone, policy_issue, progress_note, proposal,
    proposal_assignment, reform, reform_effect, round, round_request, round_request_item, section,
    user,
};
use crate::events::{self, NewEvent};
use crate::page::{Page, PageRequest};
use crate::policies::CheckInError;
use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::ReminderSchedule;
use domain::round::{
    Outcome, OwnerKind, RecordKind, RequestState, RequestStateConflict, RequestStep, RoundState,
    RoundStateConflict, RoundStep,
};
use domain::{Owner, Principal, PrincipalKind, RequestReach, Role, Scopes, request_rights};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

// ---------------------------------------------------------------------------------------------
// Records

/// Which bureaus and sections a round asks; both empty: all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundScope {
    pub bureau_ids: Vec<i64>,
    pub section_ids: Vec<i64>,
}

/// What the office sets on a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundFields {
    pub title: String,
    pub as_of: NaiveDate,
    pub due_on: NaiveDate,
    pub record_kinds: Vec<RecordKind>,
    pub scope: RoundScope,
    /// When the owners who have not answered are reminded; `None` on rounds drafted before
    /// schedules were kept, which follow the configured default.
    pub reminder_schedule: Option<ReminderSchedule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub fields: RoundFields,
    pub state: RoundState,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopen_reason: Option<String>,
    pub created_by_user_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AuditView for Round {
    fn audit_view(&self) -> serde_json::Value {
        let Round {
            id,
            fields:
                RoundFields {
                    title,
                    as_of,
                    due_on,
                    record_kinds,
                    scope,
                    reminder_schedule,
                },
            state,
            opened_at,
            closed_at,
            reopen_reason,
            created_by_user_id,
            version,
            created_at: _,
            updated_at: _,
        } = self;
        json!({
            "id": id,
            "title": title,
            "as_of": as_of,
            "due_on": due_on,
            "record_kinds": record_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "scope_bureau_ids": scope.bureau_ids,
            "scope_section_ids": scope.section_ids,
            "reminder_schedule": reminder_schedule,
            "state": state.as_str(),
            "opened_at": opened_at,
            "closed_at": closed_at,
            "reopen_reason": reopen_reason,
            "created_by_user_id": created_by_user_id,
            "version": version,
        })
    }
}

/// One owner's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub round_id: i64,
    pub owner_kind: OwnerKind,
    pub owner_id: i64,
    pub bureau_id: i64,
    pub state: RequestState,
    pub item_count: i32,
    pub answered_count: i32,
    pub return_comment: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// When the office last nudged the owner (督促).
    pub nudged_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AuditView for Request {
    fn audit_view(&self) -> serde_json::Value {
        let Request {
            id,
            round_id,
            owner_kind,
            owner_id,
            bureau_id,
            state,
            item_count,
            answered_count,
            return_comment,
            submitted_at,
            returned_at,
            accepted_at,
            nudged_at,
            version,
            created_at: _,
            updated_at: _,
        } = self;
        json!({
            "id": id,
            "round_id": round_id,
            "owner_kind": owner_kind.as_str(),
            "owner_id": owner_id,
            "bureau_id": bureau_id,
            "state": state.as_str(),
            "item_count": item_count,
            "answered_count": answered_count,
            "return_comment": return_comment,
            "submitted_at": submitted_at,
            "returned_at": returned_at,
            "accepted_at": accepted_at,
            "nudged_at": nudged_at,
            "version": version,
        })
    }
}

/// One record a request answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub request_id: i64,
    pub record_kind: RecordKind,
    pub record_id: i64,
    pub outcome: Outcome,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by_user_id: Option<i64>,
    pub answered_by_label: Option<String>,
    pub comment: Option<String>,
    /// The audit events of the writes that answered a `changed` item: the round's tag on them.
    pub audit_event_ids: Vec<i64>,
}

impl AuditView for Item {
    fn audit_view(&self) -> serde_json::Value {
        let Item {
            id,
            request_id,
            record_kind,
            record_id,
            outcome,
            answered_at,
            answered_by_user_id,
            answered_by_label,
            comment,
            audit_event_ids,
        } = self;
        json!({
            "id": id,
            "request_id": request_id,
            "record_kind": record_kind.as_str(),
            "record_id": record_id,
            "outcome": outcome.as_str(),
            "answered_at": answered_at,
            "answered_by_user_id": answered_by_user_id,
            "answered_by_label": answered_by_label,
            "comment": comment,
            "audit_event_ids": audit_event_ids,
        })
    }
}

/// Why a round or request write was refused.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Round(#[from] RoundStateConflict),
    #[error(transparent)]
    Request(#[from] RequestStateConflict),
    /// The round is not open, so its requests take no answers.
    #[error("the round is {0:?}: it takes no answers")]
    NotOpen(RoundState),
    /// `changed`, but no write to the record by the owner's people since the round opened.
    #[error("the record was not written since the round opened")]
    NoWrite,
    /// Submitting with these items (ids) not answered.
    #[error("{} items are not answered", .0.len())]
    Unanswered(Vec<i64>),
    /// An answer's stage change that the assignment's stage on its day does not allow.
    #[error(transparent)]
    Stage(#[from] domain::proposal::TransitionError),
}

impl From<sea_orm::DbErr> for RoundError {
    fn from(err: sea_orm::DbErr) -> Self {
        RoundError::Store(StoreError::Db(err))
    }
}

fn corrupt(what: &str, id: i64, text: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} of round row {id}: `{text}`"))
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

fn ids_of(text: &str, id: i64) -> Result<Vec<i64>, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("ids", id, text))
}

fn kinds_json(kinds: &[RecordKind]) -> String {
    serde_json::Value::from(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()).to_string()
}

fn schedule_of(row: &round::Model) -> Result<Option<ReminderSchedule>, StoreError> {
    row.reminder_schedule
        .as_deref()
        .map(|text| {
            serde_json::from_str(text).map_err(|_| corrupt("reminder schedule", row.id, text))
        })
        .transpose()
}

pub(crate) fn round_of(row: round::Model) -> Result<Round, StoreError> {
    let reminder_schedule = schedule_of(&row)?;
    let names: Vec<String> = serde_json::from_str(&row.record_kinds)
        .map_err(|_| corrupt("kinds", row.id, &row.record_kinds))?;
    let record_kinds = names
        .iter()
        .map(|n| RecordKind::parse(n).ok_or_else(|| corrupt("kind", row.id, n)))
        .collect::<Result<_, _>>()?;
    Ok(Round {
        id: row.id,
        fields: RoundFields {
            title: row.title,
            as_of: row.as_of,
            due_on: row.due_on,
            record_kinds,
            scope: RoundScope {
                bureau_ids: ids_of(&row.scope_bureau_ids, row.id)?,
                section_ids: ids_of(&row.scope_section_ids, row.id)?,
            },
            reminder_schedule,
        },
        state: RoundState::parse(&row.state).ok_or_else(|| corrupt("state", row.id, &row.state))?,
        opened_at: row.opened_at,
        closed_at: row.closed_at,
        reopen_reason: row.reopen_reason,
        created_by_user_id: row.created_by_user_id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub(crate) fn request_of(row: round_request::Model) -> Result<Request, StoreError> {
    Ok(Request {
        id: row.id,
        round_id: row.round_id,
        owner_kind: OwnerKind::parse(&row.owner_kind)
            .ok_or_else(|| corrupt("owner kind", row.id, &row.owner_kind))?,
        owner_id: row.owner_id,
        bureau_id: row.bureau_id,
        state: RequestState::parse(&row.state)
            .ok_or_else(|| corrupt("request state", row.id, &row.state))?,
        item_count: row.item_count,
        answered_count: row.answered_count,
        return_comment: row.return_comment,
        submitted_at: row.submitted_at,
        returned_at: row.returned_at,
        accepted_at: row.accepted_at,
        nudged_at: row.nudged_at,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn item_of(row: round_request_item::Model) -> Result<Item, StoreError> {
    Ok(Item {
        id: row.id,
        request_id: row.request_id,
        record_kind: RecordKind::parse(&row.record_kind)
            .ok_or_else(|| corrupt("record kind", row.id, &row.record_kind))?,
        record_id: row.record_id,
        outcome: Outcome::parse(&row.outcome)
            .ok_or_else(|| corrupt("outcome", row.id, &row.outcome))?,
        answered_at: row.answered_at,
        answered_by_user_id: row.answered_by_user_id,
        answered_by_label: row.answered_by_label,
        comment: row.comment,
        audit_event_ids: match &row.audit_event_ids {
            Some(text) => ids_of(text, row.id)?,
            None => Vec::new(),
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Rounds

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Round>, StoreError> {
    round::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(round_of)
        .transpose()
}

/// Rounds, newest first, optionally in one state.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    state: Option<RoundState>,
    page: PageRequest,
) -> Result<Page<Round>, StoreError> {
    let mut query = round::Entity::find();
    if let Some(state) = state {
        query = query.filter(round::Column::State.eq(state.as_str()));
    }
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(round::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(round_of).collect::<Result<_, _>>()?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// How many requests of each round are in each state (absent: none).
pub async fn counts_by_state<C: ConnectionTrait>(
    conn: &C,
    round_ids: &[i64],
) -> Result<HashMap<i64, BTreeMap<&'static str, u64>>, StoreError> {
    let mut counts: HashMap<i64, BTreeMap<&'static str, u64>> = HashMap::new();
    for chunk in round_ids.chunks(500) {
        let rows: Vec<(i64, String, i64)> = round_request::Entity::find()
            .select_only()
            .column(round_request::Column::RoundId)
            .column(round_request::Column::State)
            .column_as(round_request::Column::Id.count(), "n")
            .filter(round_request::Column::RoundId.is_in(chunk.to_vec()))
            .group_by(round_request::Column::RoundId)
            .group_by(round_request::Column::State)
            .into_tuple()
            .all(conn)
            .await?;
        for (round_id, state, n) in rows {
            let state = RequestState::parse(&state)
                .ok_or_else(|| corrupt("request state", round_id, &state))?;
            counts
                .entry(round_id)
                .or_default()
                .insert(state.as_str(), u64::try_from(n).unwrap_or_default());
        }
    }
    Ok(counts)
}

fn fields_row(fields: &RoundFields, row: &mut round::ActiveModel) {
    row.title = Set(fields.title.clone());
    row.as_of = Set(fields.as_of);
    row.due_on = Set(fields.due_on);
    row.record_kinds = Set(kinds_json(&fields.record_kinds));
    row.scope_bureau_ids = Set(ids_json(&fields.scope.bureau_ids));
    row.scope_section_ids = Set(ids_json(&fields.scope.section_ids));
    row.reminder_schedule = Set(fields
        .reminder_schedule
        .as_ref()
        .map(|s| serde_json::to_value(s).unwrap_or_default().to_string()));
}

/// Creates a draft.
pub async fn create(
    db: &DatabaseConnection,
    fields: RoundFields,
    created_by_user_id: Option<i64>,
    actor: &AuditActor,
) -> Result<Round, StoreError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let mut row = round::ActiveModel {
        state: Set(RoundState::Draft.as_str().to_owned()),
        opened_at: Set(None),
        closed_at: Set(None),
        reopen_reason: Set(None),
        created_by_user_id: Set(created_by_user_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    fields_row(&fields, &mut row);
    let id = round::Entity::insert(row).exec(&txn).await?.last_insert_id;
    let created = find(&txn, id).await?.ok_or(StoreError::NotFound)?;
    audit::record(
        &txn,
        actor,
        AuditRecord::of(
            "round.create",
            "round",
            id,
            None,
            Some(created.audit_view()),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Reads round #`id` in `txn` for a change by the office: it must be at `expected_version`, and
/// `step` must be one its state allows. Answers the round and the state after the step.
async fn round_for_step(
    txn: &DatabaseTransaction,
    id: i64,
    expected_version: i32,
    step: RoundStep,
) -> Result<(Round, RoundState), RoundError> {
    let locked = round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let before = round_of(locked)?;
    if before.version != expected_version {
        return Err(StoreError::Stale {
            expected: expected_version,
            current: before.version,
        }
        .into());
    }
    let after = before.state.after(step)?;
    Ok((before, after))
}

/// Writes `row` over round #`id` at its next version, guarded by the version it was read at.
async fn write_round(
    txn: &DatabaseTransaction,
    before: &Round,
    mut row: round::ActiveModel,
    now: DateTime<Utc>,
) -> Result<Round, StoreError> {
    row.version = Set(before.version + 1);
    row.updated_at = Set(now);
    let result = round::Entity::update_many()
        .set(row)
        .filter(round::Column::Id.eq(before.id))
        .filter(round::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(StoreError::Stale {
            expected: before.version,
            current: before.version + 1,
        });
    }
    find(txn, before.id).await?.ok_or(StoreError::NotFound)
}

async fn audit_round(
    txn: &DatabaseTransaction,
    actor: &AuditActor,
    action: &str,
    before: &Round,
    after: Option<&Round>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    audit::record(
        txn,
        actor,
        AuditRecord::of(
            action,
            "round",
            before.id,
            Some(before.audit_view()),
            after.map(AuditView::audit_view),
        ),
        now,
    )
    .await
}

/// Changes a draft's fields.
pub async fn replace(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    fields: RoundFields,
    actor: &AuditActor,
) -> Result<Round, RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, _) = round_for_step(&txn, id, expected_version, RoundStep::Edit).await?;
    let mut row = round::ActiveModel::default();
    fields_row(&fields, &mut row);
    let after = write_round(&txn, &before, row, now).await?;
    audit_round(&txn, actor, "round.update", &before, Some(&after), now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes a draft.
pub async fn delete(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<(), RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, _) = round_for_step(&txn, id, expected_version, RoundStep::Delete).await?;
    round::Entity::delete_by_id(id).exec(&txn).await?;
    audit_round(&txn, actor, "round.delete", &before, None, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Closes an open round: its requests take no more answers.
pub async fn close(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<Round, RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, state) = round_for_step(&txn, id, expected_version, RoundStep::Close).await?;
    let row = round::ActiveModel {
        state: Set(state.as_str().to_owned()),
        closed_at: Set(Some(now)),
        ..Default::default()
    };
    let after = write_round(&txn, &before, row, now).await?;
    crate::round_reminders::cancel(&txn, id, now).await?;
    // The report is frozen as known at the close instant, so it need not be computed under the
    // write lock (seconds for a large city, in which SQLite would take no other write): the
    // caller freezes it once this commits ([`freeze_report`]), and this job does if it cannot.
    crate::jobs::enqueue(
        &txn,
        crate::jobs::NewJob::new(
            FREEZE_REPORT_JOB,
            json!({ "round_id": id, "known_at": now }),
        )
        .at(now + FREEZE_REPORT_FALLBACK)
        .dedupe(format!(
            "{FREEZE_REPORT_JOB}:{id}:{}",
            now.timestamp_micros()
        )),
    )
    .await?;
    audit_round(&txn, actor, "round.close", &before, Some(&after), now).await?;
    txn.commit().await?;
    Ok(after)
}

/// The job that freezes a closed round's report when the close's own request did not.
pub const FREEZE_REPORT_JOB: &str = "round.freeze_report";

/// How long after a close its job waits: the close's request freezes the report at once, so the
/// job matters only when that request was cut off, and must not compute it a second time
/// alongside the request.
pub const FREEZE_REPORT_FALLBACK: chrono::Duration = chrono::Duration::seconds(60);

/// What [`freeze_report`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freezing {
    /// The report of that close is now kept, as this version.
    Frozen(i32),
    /// It was kept already (by the close's request, its job, or another process).
    AlreadyFrozen,
    /// The round was reopened or closed again since, or deleted: that close has nothing to
    /// freeze any more.
    Superseded,
}

/// Freezes the report of the close of round #`round_id` at `known_at`: the figures as of the
/// round's 基準日, as known at that instant, kept as the round's next version. The figures are
/// computed from the committed records outside any write transaction (a write recorded after
/// `known_at` is a correction since closing and does not count), and only the keeping takes the
/// write lock. Safe to run twice and from two processes: a close is frozen once.
pub async fn freeze_report(
    db: &DatabaseConnection,
    round_id: i64,
    known_at: DateTime<Utc>,
) -> Result<Freezing, StoreError> {
    let Some(round) = find(db, round_id).await? else {
        return Ok(Freezing::Superseded);
    };
    if round.closed_at != Some(known_at) {
        return Ok(Freezing::Superseded);
    }
    if report_kept_for(db, round_id, known_at).await? {
        return Ok(Freezing::AlreadyFrozen);
    }
    let bureau = report_bureau(db, &round.fields.scope).await?;
    let as_of = round.fields.as_of;
    let report = crate::as_known::report(db, as_of, Some(known_at), bureau).await?;
    let txn = crate::begin_write(db).await?;
    if report_kept_for(&txn, round_id, known_at).await? {
        return Ok(Freezing::AlreadyFrozen);
    }
    match crate::as_known::keep_round_report(&txn, round_id, as_of, known_at, bureau, report).await
    {
        Ok(kept) => {
            txn.commit().await?;
            Ok(Freezing::Frozen(kept.version))
        }
        // Another process kept the same close's report between the check and the insert.
        Err(StoreError::Duplicate) => Ok(Freezing::AlreadyFrozen),
        Err(err) => Err(err),
    }
}

async fn report_kept_for<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    known_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(crate::as_known::round_report_versions(conn, round_id)
        .await?
        .iter()
        .any(|version| version.known_at == known_at))
}

/// The bureau a round's report covers: the one bureau its scope reaches, or `None` (the whole
/// city) when it reaches several or all.
pub async fn report_bureau<C: ConnectionTrait>(
    conn: &C,
    scope: &RoundScope,
) -> Result<Option<i64>, StoreError> {
    let mut bureaus: Vec<i64> = scope.bureau_ids.clone();
    if !scope.section_ids.is_empty() {
        let of_sections: Vec<i64> = section::Entity::find()
            .select_only()
            .column(section::Column::BureauId)
            .filter(section::Column::Id.is_in(scope.section_ids.clone()))
            .into_tuple()
            .all(conn)
            .await?;
        bureaus.extend(of_sections);
    }
    bureaus.sort_unstable();
    bureaus.dedup();
    Ok(match bureaus.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

/// Reopens a closed round for `reason`; answers count writes since it first opened. Its
/// reminders are planned again from today (dates already handled are not sent again).
pub async fn reopen(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    reason: String,
    reminders: &crate::round_reminders::ReminderPlan<'_>,
    actor: &AuditActor,
) -> Result<Round, RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, state) = round_for_step(&txn, id, expected_version, RoundStep::Reopen).await?;
    let row = round::ActiveModel {
        state: Set(state.as_str().to_owned()),
        closed_at: Set(None),
        reopen_reason: Set(Some(reason)),
        ..Default::default()
    };
    let after = write_round(&txn, &before, row, now).await?;
    crate::round_reminders::plan(&txn, &after, reminders).await?;
    audit_round(&txn, actor, "round.reopen", &before, Some(&after), now).await?;
    txn.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// Which records a round asks about

/// Bind values of one statement, numbered as each backend numbers them.
struct Params {
    backend: DatabaseBackend,
    values: Vec<sea_orm::Value>,
}

impl Params {
    fn new(backend: DatabaseBackend) -> Self {
        Params {
            backend,
            values: Vec::new(),
        }
    }

    fn push(&mut self, value: impl Into<sea_orm::Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }

    fn list(&mut self, ids: &[i64]) -> String {
        ids.iter()
            .map(|id| self.push(*id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// The records `fields` asks about with their owners, as a subquery `c` of columns
/// (record_kind, record_id, owner_kind, owner_id, bureau_id), scope applied: the one definition
/// that the preview counts and opening writes.
fn candidates(fields: &RoundFields, params: &mut Params) -> String {
    let year = params.push(domain::round::fiscal_year_of_round(fields.as_of).0);
    let mut parts = Vec::new();
    for kind in &fields.record_kinds {
        parts.push(match kind {
            RecordKind::ProposalAssignment => format!(
                "SELECT 'proposal_assignment' AS record_kind, pa.id AS record_id, \
                 'section' AS owner_kind, pa.section_id AS owner_id, s.bureau_id AS bureau_id \
                 FROM proposal_assignments pa \
                 JOIN proposals p ON p.id = pa.proposal_id \
                 JOIN sections s ON s.id = pa.section_id \
                 WHERE p.fiscal_year = {year} AND (pa.stage IS NULL OR pa.stage < 3 \
                 OR (pa.stage = 3 AND (pa.decision IS NULL OR pa.decision <> 'end')))"
            ),
            RecordKind::PolicyIssue => format!(
                "SELECT 'policy_issue' AS record_kind, i.id AS record_id, 'bureau' AS owner_kind, \
                 pol.bureau_id AS owner_id, pol.bureau_id AS bureau_id \
                 FROM policy_issues i JOIN policies pol ON pol.id = i.policy_id \
                 WHERE pol.fiscal_year = {year}"
            ),
            RecordKind::Kpi => format!(
                "SELECT 'kpi' AS record_kind, k.id AS record_id, 'bureau' AS owner_kind, \
                 pol.bureau_id AS owner_id, pol.bureau_id AS bureau_id \
                 FROM kpis k JOIN policy_issues i ON i.id = k.issue_id \
                 JOIN policies pol ON pol.id = i.policy_id \
                 WHERE pol.fiscal_year = {year}"
            ),
            RecordKind::Reform => format!(
                "SELECT 'reform' AS record_kind, r.id AS record_id, \
                 CASE WHEN rs.n = 1 THEN 'section' ELSE 'bureau' END AS owner_kind, \
                 CASE WHEN rs.n = 1 THEN rs.section_id ELSE r.bureau_id END AS owner_id, \
                 CASE WHEN rs.n = 1 THEN s.bureau_id ELSE r.bureau_id END AS bureau_id \
                 FROM reforms r \
                 LEFT JOIN (SELECT reform_id, COUNT(*) AS n, MIN(section_id) AS section_id \
                   FROM reform_sections GROUP BY reform_id) rs ON rs.reform_id = r.id \
                 LEFT JOIN sections s ON s.id = rs.section_id \
                 WHERE r.fiscal_year = {year}"
            ),
            RecordKind::DigitalSystem => "SELECT 'digital_system' AS record_kind, d.id AS record_id, 'section' AS owner_kind, \
                 d.section_id AS owner_id, s.bureau_id AS bureau_id \
                 FROM digital_systems d JOIN sections s ON s.id = d.section_id \
                 WHERE d.status <> 'retired'"
                .to_owned(),
        });
    }
    if parts.is_empty() {
        // Nothing asked: a subquery with the right columns and no rows.
        parts.push(
            "SELECT 'reform' AS record_kind, 0 AS record_id, 'section' AS owner_kind, \
             0 AS owner_id, 0 AS bureau_id WHERE 1 = 0"
                .to_owned(),
        );
    }
    let scope = &fields.scope;
    let mut filter = Vec::new();
    if !scope.section_ids.is_empty() {
        let sections = params.list(&scope.section_ids);
        filter.push(format!(
            "(u.owner_kind = 'section' AND u.owner_id IN ({sections}))"
        ));
    }
    if !scope.bureau_ids.is_empty() {
        let bureaus = params.list(&scope.bureau_ids);
        filter.push(format!("u.bureau_id IN ({bureaus})"));
    }
    let filter = if filter.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filter.join(" OR "))
    };
    format!(
        "(SELECT u.record_kind, u.record_id, u.owner_kind, u.owner_id, u.bureau_id FROM ({}) u{filter})",
        parts.join(" UNION ALL ")
    )
}

/// One request a round would create or did: its owner and how many records it lists.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct OwnerCount {
    pub owner_kind: String,
    pub owner_id: i64,
    pub bureau_id: i64,
    pub items: i64,
}

/// The requests opening `fields` would create now, with how many records each lists, in
/// bureau then owner order. Writes nothing.
pub async fn preview<C: ConnectionTrait>(
    conn: &C,
    fields: &RoundFields,
) -> Result<Vec<OwnerCount>, StoreError> {
    let mut params = Params::new(conn.get_database_backend());
    let c = candidates(fields, &mut params);
    let sql = format!(
        "SELECT c.owner_kind AS owner_kind, c.owner_id AS owner_id, MIN(c.bureau_id) AS bureau_id, \
         COUNT(*) AS items FROM {c} c GROUP BY c.owner_kind, c.owner_id \
         ORDER BY MIN(c.bureau_id), c.owner_kind DESC, c.owner_id"
    );
    Ok(OwnerCount::find_by_statement(params.statement(sql))
        .all(conn)
        .await?)
}

/// Opens a draft: in one transaction, the round becomes open, one request per owner and one
/// item per record are written set-based, each request's owner is told (`round.request_opened`),
/// its reminders are planned as jobs, and everything is audited. Answers the round and its
/// requests.
pub async fn open(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    reminders: &crate::round_reminders::ReminderPlan<'_>,
    actor: &AuditActor,
) -> Result<(Round, Vec<Request>), RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, state) = round_for_step(&txn, id, expected_version, RoundStep::Open).await?;
    let backend = txn.get_database_backend();

    let mut params = Params::new(backend);
    let round_id = params.push(id);
    let unanswered = params.push(RequestState::Unanswered.as_str());
    let at = params.push(now);
    let c = candidates(&before.fields, &mut params);
    let sql = format!(
        "INSERT INTO round_requests (round_id, owner_kind, owner_id, bureau_id, state, \
         item_count, answered_count, version, created_at, updated_at) \
         SELECT {round_id}, c.owner_kind, c.owner_id, MIN(c.bureau_id), {unanswered}, COUNT(*), 0, 1, {at}, {at} \
         FROM {c} c GROUP BY c.owner_kind, c.owner_id"
    );
    txn.execute_raw(params.statement(sql)).await?;

    let mut params = Params::new(backend);
    let round_id = params.push(id);
    let none = params.push(Outcome::None.as_str());
    let c = candidates(&before.fields, &mut params);
    // CROSS JOIN keeps the candidates outside and looks each owner's request up by
    // ux_round_requests_owner: SQLite's planner (with STAT4) otherwise put round_requests outside
    // and ran the whole candidates query once per request (8 of a 12 s open at bench scale 0.1,
    // 0.6 s in this order). PostgreSQL plans a CROSS JOIN with its WHERE like any join.
    let sql = format!(
        "INSERT INTO round_request_items (request_id, record_kind, record_id, outcome) \
         SELECT rr.id, c.record_kind, c.record_id, {none} FROM {c} c \
         CROSS JOIN round_requests rr WHERE rr.round_id = {round_id} \
         AND rr.owner_kind = c.owner_kind AND rr.owner_id = c.owner_id"
    );
    txn.execute_raw(params.statement(sql)).await?;

    let row = round::ActiveModel {
        state: Set(state.as_str().to_owned()),
        opened_at: Set(Some(now)),
        closed_at: Set(None),
        ..Default::default()
    };
    let after = write_round(&txn, &before, row, now).await?;
    let requests = requests_of_round(&txn, id).await?;
    audit::record_many(
        &txn,
        actor,
        requests
            .iter()
            .map(|r| {
                AuditRecord::of(
                    "round_request.create",
                    "round_request",
                    r.id,
                    None,
                    Some(r.audit_view()),
                )
            })
            .collect(),
        now,
    )
    .await?;
    for request in &requests {
        request_opened(&txn, &after, request, actor, now).await?;
    }
    crate::round_reminders::plan(&txn, &after, reminders).await?;
    audit_round(&txn, actor, "round.open", &before, Some(&after), now).await?;
    txn.commit().await?;
    Ok((after, requests))
}

/// The newest rounds that were opened (open or closed), by 基準日 then id, at most `limit`.
pub async fn recent_opened<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> Result<Vec<Round>, StoreError> {
    round::Entity::find()
        .filter(round::Column::State.ne(RoundState::Draft.as_str()))
        .order_by_desc(round::Column::AsOf)
        .order_by_desc(round::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(round_of)
        .collect()
}

/// Every request of the rounds `round_ids`.
pub async fn requests_of_rounds<C: ConnectionTrait>(
    conn: &C,
    round_ids: &[i64],
) -> Result<Vec<Request>, StoreError> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    round_request::Entity::find()
        .filter(round_request::Column::RoundId.is_in(round_ids.to_vec()))
        .order_by_asc(round_request::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(request_of)
        .collect()
}

/// Every request of a round, in id order.
pub async fn requests_of_round<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
) -> Result<Vec<Request>, StoreError> {
    round_request::Entity::find()
        .filter(round_request::Column::RoundId.eq(round_id))
        .order_by_asc(round_request::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(request_of)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Requests

/// Who owns request `request`, as `domain::access` decides by.
pub async fn owner_of<C: ConnectionTrait>(
    conn: &C,
    request: &Request,
) -> Result<Owner, StoreError> {
    Ok(match request.owner_kind {
        OwnerKind::Section => Owner::Sections {
            bureau_id: request.bureau_id,
            section_ids: vec![request.owner_id],
        },
        OwnerKind::Bureau => Owner::Bureau {
            bureau_id: request.bureau_id,
            sections_of_bureau: crate::organization::section_ids_of_bureau(conn, request.bureau_id)
                .await?,
        },
    })
}

/// The owner's name for headlines: today's name of the section, or the bureau's name.
pub(crate) async fn owner_label<C: ConnectionTrait>(
    conn: &C,
    request: &Request,
) -> Result<String, StoreError> {
    let wanted = crate::organization::NamesWanted {
        section_ids: match request.owner_kind {
            OwnerKind::Section => vec![request.owner_id],
            OwnerKind::Bureau => vec![],
        },
        bureau_ids: vec![request.bureau_id],
        ..Default::default()
    };
    let names = crate::organization::names_for(conn, &wanted).await?;
    let today = crate::clock::now().date_naive();
    let bureau = names
        .bureaus
        .get(&request.bureau_id)
        .cloned()
        .unwrap_or_default();
    Ok(match request.owner_kind {
        OwnerKind::Bureau => bureau,
        OwnerKind::Section => names
            .sections
            .get(&request.owner_id)
            .and_then(|(_, names)| {
                domain::organization::name_on(names, today).or_else(|| names.last())
            })
            .map(|n| format!("{bureau} {}", n.name))
            .unwrap_or_else(|| format!("課 #{}", request.owner_id)),
    })
}

/// `round.request_opened`: the owner is asked to answer.
async fn request_opened<C: ConnectionTrait>(
    conn: &C,
    round: &Round,
    request: &Request,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let owner = owner_of(conn, request).await?;
    let label = owner_label(conn, request).await?;
    events::record(
        conn,
        NewEvent {
            kind: domain::event::ROUND_REQUEST_OPENED,
            actor_user_id: crate::announce::actor_user(actor),
            record_kind: "round_request",
            record_id: request.id,
            owner,
            title: format!(
                "照会「{}」への回答をお願いします（{}・{}件、回答期限 {}）",
                round.fields.title, label, request.item_count, round.fields.due_on
            ),
            link: format!("/inbox/requests/{}", request.id),
            data: json!({
                "round_id": round.id,
                "round_request_id": request.id,
                "owner_kind": request.owner_kind.as_str(),
                "owner_id": request.owner_id,
                "bureau_id": request.bureau_id,
                "items": request.item_count,
                "as_of": round.fields.as_of,
                "due_on": round.fields.due_on,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// `round.request_returned`: the owner is asked to correct the answers.
async fn request_returned<C: ConnectionTrait>(
    conn: &C,
    round: &Round,
    request: &Request,
    comment: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let owner = owner_of(conn, request).await?;
    events::record(
        conn,
        NewEvent {
            kind: domain::event::ROUND_REQUEST_RETURNED,
            actor_user_id: crate::announce::actor_user(actor),
            record_kind: "round_request",
            record_id: request.id,
            owner,
            title: format!(
                "照会「{}」への回答が差し戻されました：{}",
                round.fields.title,
                comment.chars().take(100).collect::<String>()
            ),
            link: format!("/inbox/requests/{}", request.id),
            data: json!({
                "round_id": round.id,
                "round_request_id": request.id,
                "comment": comment,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

pub async fn find_request<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Request>, StoreError> {
    round_request::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(request_of)
        .transpose()
}

/// A request's items, in the order they were written.
pub async fn items_of<C: ConnectionTrait>(
    conn: &C,
    request_id: i64,
) -> Result<Vec<Item>, StoreError> {
    round_request_item::Entity::find()
        .filter(round_request_item::Column::RequestId.eq(request_id))
        .order_by_asc(round_request_item::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(item_of)
        .collect()
}

/// The condition that keeps the requests within `reach` (see `domain::RequestReach`); `None`
/// when the reach is nothing at all.
async fn reach_condition<C: ConnectionTrait>(
    conn: &C,
    reach: &RequestReach,
) -> Result<Option<Condition>, StoreError> {
    use round_request::Column as R;
    Ok(match reach {
        RequestReach::All => Some(Condition::all()),
        RequestReach::Nothing => None,
        RequestReach::AnsweredBy(Scopes {
            section_ids,
            bureau_ids,
        }) => {
            let bureaus_of_sections: Vec<i64> = if section_ids.is_empty() {
                Vec::new()
            } else {
                crate::entities::section::Entity::find()
                    .select_only()
                    .column(crate::entities::section::Column::BureauId)
                    .filter(crate::entities::section::Column::Id.is_in(section_ids.clone()))
                    .into_tuple()
                    .all(conn)
                    .await?
            };
            Some(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(R::OwnerKind.eq(OwnerKind::Section.as_str()))
                            .add(
                                Condition::any()
                                    .add(R::OwnerId.is_in(section_ids.clone()))
                                    .add(R::BureauId.is_in(bureau_ids.clone())),
                            ),
                    )
                    .add(
                        Condition::all()
                            .add(R::OwnerKind.eq(OwnerKind::Bureau.as_str()))
                            .add(
                                Condition::any()
                                    .add(R::BureauId.is_in(bureau_ids.clone()))
                                    .add(R::BureauId.is_in(bureaus_of_sections)),
                            ),
                    ),
            )
        }
    })
}

/// What the office's list of a round's requests filters by.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Any of these states; empty: every state.
    pub states: Vec<RequestState>,
    pub bureau_id: Option<i64>,
    /// A section's own request.
    pub section_id: Option<i64>,
    /// Only requests owned by a section, or only a bureau's own.
    pub owner_kind: Option<OwnerKind>,
    /// Only requests overdue on this day (Asia/Tokyo): the round open, its due date before the
    /// day, the request waiting for its owner.
    pub overdue_on: Option<NaiveDate>,
}

fn empty_page<T>(page: PageRequest) -> Page<T> {
    Page {
        items: Vec::new(),
        total: 0,
        page: page.page,
        per_page: page.per_page,
    }
}

/// A round's requests within `reach`, by bureau then owner.
pub async fn list_requests<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    filter: &RequestFilter,
    reach: &RequestReach,
    page: PageRequest,
) -> Result<Page<Request>, StoreError> {
    let Some(reach) = reach_condition(conn, reach).await? else {
        return Ok(empty_page(page));
    };
    let mut query = round_request::Entity::find()
        .filter(round_request::Column::RoundId.eq(round_id))
        .filter(reach);
    if !filter.states.is_empty() {
        query = query
            .filter(round_request::Column::State.is_in(filter.states.iter().map(|s| s.as_str())));
    }
    if let Some(day) = filter.overdue_on {
        let overdue = find(conn, round_id)
            .await?
            .is_some_and(|r| r.state == RoundState::Open && r.fields.due_on < day);
        if !overdue {
            return Ok(empty_page(page));
        }
        query = query.filter(
            round_request::Column::State.is_in(
                RequestState::ALL
                    .into_iter()
                    .filter(|s| s.awaits_owner())
                    .map(|s| s.as_str()),
            ),
        );
    }
    if let Some(kind) = filter.owner_kind {
        query = query.filter(round_request::Column::OwnerKind.eq(kind.as_str()));
    }
    if let Some(bureau_id) = filter.bureau_id {
        query = query.filter(round_request::Column::BureauId.eq(bureau_id));
    }
    if let Some(section_id) = filter.section_id {
        query = query
            .filter(round_request::Column::OwnerKind.eq(OwnerKind::Section.as_str()))
            .filter(round_request::Column::OwnerId.eq(section_id));
    }
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(round_request::Column::BureauId)
        .order_by_desc(round_request::Column::OwnerKind)
        .order_by_asc(round_request::Column::OwnerId)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(request_of).collect::<Result<_, _>>()?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// The requests waiting for their owners within `reach` (未回答, 回答中, 差戻し) in open rounds,
/// soonest due first, each with its round.
pub async fn inbox<C: ConnectionTrait>(
    conn: &C,
    reach: &RequestReach,
    page: PageRequest,
) -> Result<Page<(Request, Round)>, StoreError> {
    let Some(reach) = reach_condition(conn, reach).await? else {
        return Ok(empty_page(page));
    };
    let open_rounds = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .filter(round::Column::State.eq(RoundState::Open.as_str()));
    let waiting: Vec<&str> = RequestState::ALL
        .into_iter()
        .filter(|s| s.awaits_owner())
        .map(|s| s.as_str())
        .collect();
    let query = round_request::Entity::find()
        .filter(reach)
        .filter(round_request::Column::State.is_in(waiting))
        .filter(
            round_request::Column::RoundId
                .in_subquery(sea_orm::QueryTrait::into_query(open_rounds)),
        );
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(round_request::Column::RoundId)
        .order_by_asc(round_request::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    let requests: Vec<Request> = rows.into_iter().map(request_of).collect::<Result<_, _>>()?;
    let mut round_ids: Vec<i64> = requests.iter().map(|r| r.round_id).collect();
    round_ids.sort_unstable();
    round_ids.dedup();
    let rounds: HashMap<i64, Round> = round::Entity::find()
        .filter(round::Column::Id.is_in(round_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| round_of(row).map(|r| (r.id, r)))
        .collect::<Result<_, _>>()?;
    let mut items = Vec::with_capacity(requests.len());
    for request in requests {
        let round = rounds
            .get(&request.round_id)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        items.push((request, round));
    }
    // Soonest due first; the page itself is in round order, which follows opening.
    items.sort_by_key(|(r, round)| (round.fields.due_on, r.round_id, r.id));
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Reads request #`id` in `txn` for a change, with its round: at `expected_version` when one is
/// named, and `step` allowed in its state.
async fn request_for_step(
    txn: &DatabaseTransaction,
    id: i64,
    expected_version: Option<i32>,
    step: RequestStep,
) -> Result<(Request, Round, RequestState), RoundError> {
    let locked = round_request::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let before = request_of(locked)?;
    // Shared: answers to many requests go on together, while closing the round waits for them.
    let round = round::Entity::find_by_id(before.round_id)
        .lock_shared()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(round_of)?;
    if let Some(expected) = expected_version
        && expected != before.version
    {
        return Err(StoreError::Stale {
            expected,
            current: before.version,
        }
        .into());
    }
    let owner_step = matches!(step, RequestStep::AnswerItem | RequestStep::Submit);
    if owner_step && !round.state.takes_answers() {
        return Err(RoundError::NotOpen(round.state));
    }
    let after = before.state.after(step)?;
    Ok((before, round, after))
}

/// Writes `row` over request #`id` at its next version.
async fn write_request(
    txn: &DatabaseTransaction,
    before: &Request,
    mut row: round_request::ActiveModel,
    now: DateTime<Utc>,
) -> Result<Request, StoreError> {
    row.version = Set(before.version + 1);
    row.updated_at = Set(now);
    let result = round_request::Entity::update_many()
        .set(row)
        .filter(round_request::Column::Id.eq(before.id))
        .filter(round_request::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(StoreError::Stale {
            expected: before.version,
            current: before.version + 1,
        });
    }
    find_request(txn, before.id)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The accounts whose writes answer for request `request`: the editors who answer it now (as
/// `domain::access::request_rights` decides) and the person answering.
async fn owners_people<C: ConnectionTrait>(
    conn: &C,
    owner: &Owner,
    answering: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let mut people: Vec<i64> = answering.into_iter().collect();
    let editors = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Editor.as_str()))
        .all(conn)
        .await?;
    for row in editors {
        let person = User::try_from(row)?;
        let principal = Principal {
            kind: PrincipalKind::User,
            id: person.id,
            display_name: person.display_name.clone(),
            role: person.role,
            scopes: person.scopes.clone(),
        };
        if request_rights(&principal, owner).act && !people.contains(&person.id) {
            people.push(person.id);
        }
    }
    Ok(people)
}

/// The audit trail's names for a record and the parts its answers are written to: a policy
/// issue's milestones and progress notes, a KPI's actuals; an assignment is written through its
/// proposal (stage moves, outcome). Parts deleted since are not found.
async fn audited_as<C: ConnectionTrait>(
    conn: &C,
    kind: RecordKind,
    id: i64,
) -> Result<Vec<(&'static str, Vec<i64>)>, StoreError> {
    Ok(match kind {
        RecordKind::Reform => vec![("reform", vec![id])],
        RecordKind::DigitalSystem => vec![("digital_system", vec![id])],
        RecordKind::PolicyIssue => {
            let milestones: Vec<i64> = milestone::Entity::find()
                .select_only()
                .column(milestone::Column::Id)
                .filter(milestone::Column::IssueId.eq(id))
                .into_tuple()
                .all(conn)
                .await?;
            let notes: Vec<i64> = progress_note::Entity::find()
                .select_only()
                .column(progress_note::Column::Id)
                .filter(progress_note::Column::IssueId.eq(id))
                .into_tuple()
                .all(conn)
                .await?;
            vec![
                ("policy_issue", vec![id]),
                ("milestone", milestones),
                ("progress_note", notes),
            ]
        }
        RecordKind::Kpi => {
            let actuals: Vec<i64> = kpi_actual::Entity::find()
                .select_only()
                .column(kpi_actual::Column::Id)
                .filter(kpi_actual::Column::KpiId.eq(id))
                .into_tuple()
                .all(conn)
                .await?;
            vec![("kpi", vec![id]), ("kpi_actual", actuals)]
        }
        RecordKind::ProposalAssignment => {
            let proposal: Option<i64> = proposal_assignment::Entity::find_by_id(id)
                .select_only()
                .column(proposal_assignment::Column::ProposalId)
                .into_tuple()
                .one(conn)
                .await?;
            vec![("proposal", proposal.into_iter().collect())]
        }
    })
}

/// The audit events of writes to the item's record (and its parts) since `since`, by `people`.
async fn writes_since<C: ConnectionTrait>(
    conn: &C,
    item: &Item,
    since: DateTime<Utc>,
    people: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let mut records = Condition::any();
    let mut any = false;
    for (entity_type, ids) in audited_as(conn, item.record_kind, item.record_id).await? {
        if ids.is_empty() {
            continue;
        }
        any = true;
        records = records.add(
            Condition::all()
                .add(audit_event::Column::EntityType.eq(entity_type))
                .add(
                    audit_event::Column::EntityId
                        .is_in(ids.iter().map(i64::to_string).collect::<Vec<_>>()),
                ),
        );
    }
    if !any || people.is_empty() {
        return Ok(Vec::new());
    }
    Ok(audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Id)
        .filter(records)
        .filter(audit_event::Column::OccurredAt.gte(since))
        .filter(audit_event::Column::ActorKind.eq("user"))
        .filter(audit_event::Column::ActorId.is_in(people.to_vec()))
        .order_by_asc(audit_event::Column::Id)
        .limit(1000)
        .into_tuple()
        .all(conn)
        .await?)
}

/// An owner's answer to one item.
#[derive(Debug, Clone)]
pub struct Answer {
    pub outcome: Outcome,
    pub comment: Option<String>,
    /// The person answering, when a person is.
    pub user_id: Option<i64>,
}

/// Answers item #`item_id` of request #`request_id`. `changed` needs writes to the record by the
/// owner's people since the round opened; their audit events are stored on the item. The first
/// answer moves the request to 回答中 (a returned one stays 差戻し until submitted); the
/// request's version moves on.
pub async fn answer_item(
    db: &DatabaseConnection,
    request_id: i64,
    item_id: i64,
    answer: Answer,
    actor: &AuditActor,
) -> Result<(Request, Item), RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, round, _) =
        request_for_step(&txn, request_id, None, RequestStep::AnswerItem).await?;
    let answered = record_answer(&txn, &before, &round, item_id, &answer, actor, now).await?;
    txn.commit().await?;
    Ok(answered)
}

/// Answers item #`item_id` of the request `before` (locked by `request_for_step` in `txn`):
/// stores the outcome, moves the request on and audits the answer. Answers the request after.
async fn record_answer(
    txn: &DatabaseTransaction,
    before: &Request,
    round: &Round,
    item_id: i64,
    answer: &Answer,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(Request, Item), RoundError> {
    let request_id = before.id;
    let state = before.state.after(RequestStep::AnswerItem)?;
    let item = round_request_item::Entity::find_by_id(item_id)
        .filter(round_request_item::Column::RequestId.eq(request_id))
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(item_of)?;
    let tagged = match answer.outcome {
        Outcome::Changed => {
            let owner = owner_of(txn, before).await?;
            let people = owners_people(txn, &owner, answer.user_id).await?;
            let since = round.opened_at.unwrap_or(round.created_at);
            let ids = writes_since(txn, &item, since, &people).await?;
            if ids.is_empty() {
                return Err(RoundError::NoWrite);
            }
            Some(ids_json(&ids))
        }
        Outcome::Unchanged | Outcome::None => None,
    };
    let answered = answer.outcome != Outcome::None;
    round_request_item::Entity::update_many()
        .col_expr(
            round_request_item::Column::Outcome,
            Expr::value(answer.outcome.as_str()),
        )
        .col_expr(
            round_request_item::Column::AnsweredAt,
            Expr::value(answered.then_some(now)),
        )
        .col_expr(
            round_request_item::Column::AnsweredByUserId,
            Expr::value(answer.user_id.filter(|_| answered)),
        )
        .col_expr(
            round_request_item::Column::AnsweredByLabel,
            Expr::value(answered.then(|| actor.label.clone())),
        )
        .col_expr(
            round_request_item::Column::Comment,
            Expr::value(answer.comment.clone()),
        )
        .col_expr(
            round_request_item::Column::AuditEventIds,
            Expr::value(tagged),
        )
        .filter(round_request_item::Column::Id.eq(item_id))
        .exec(txn)
        .await?;
    let answered_count = round_request_item::Entity::find()
        .filter(round_request_item::Column::RequestId.eq(request_id))
        .filter(round_request_item::Column::Outcome.ne(Outcome::None.as_str()))
        .count(txn)
        .await?;
    let row = round_request::ActiveModel {
        state: Set(state.as_str().to_owned()),
        answered_count: Set(i32::try_from(answered_count).unwrap_or(i32::MAX)),
        ..Default::default()
    };
    let after = write_request(txn, before, row, now).await?;
    let item_after = round_request_item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(item_of)?;
    audit::record(
        txn,
        actor,
        AuditRecord::of(
            "round_request.answer",
            "round_request_item",
            item_id,
            Some(item.audit_view()),
            Some(item_after.audit_view()),
        ),
        now,
    )
    .await?;
    Ok((after, item_after))
}

/// The write one row of an answering workbook asks for, through the record's own write path
/// (the same checks, audit event and history as its endpoint).
#[derive(Debug, Clone)]
pub enum RecordWrite {
    Reform {
        id: domain::ids::ReformId,
        expected_version: i32,
        fields: domain::reform::ReformFields,
    },
    DigitalSystem {
        id: i64,
        expected_version: i32,
        fields: domain::ledger::SystemFields,
    },
    /// A measured value of a KPI; the KPI must still be at `expected_version`.
    KpiActual {
        kpi_id: i64,
        expected_version: i32,
        value: f64,
        measured_on: NaiveDate,
        note: Option<String>,
    },
    /// A policy issue's check-in (status word, progress note, milestones moved); the issue and
    /// each milestone must still be at the versions it names.
    CheckIn {
        issue_id: i64,
        expected_version: i32,
        check_in: crate::policies::CheckIn,
    },
    /// A proposal assignment's answer: the proposal's outcome (its written fields, when they
    /// change) and the section's stage change; the proposal must still be at
    /// `expected_version`.
    Assignment {
        proposal: domain::ids::ProposalId,
        assignment_id: i64,
        expected_version: i32,
        outcome: Option<domain::proposal::ProposalFields>,
        stage: Option<domain::proposal::StageChange>,
    },
}

/// One row of an answering workbook: the item, its answer (`changed` with or without a write
/// in the workbook: without one, the writes made on the page since the round opened answer it)
/// and the item's comment.
#[derive(Debug, Clone)]
pub struct WorkbookAnswer {
    pub item_id: i64,
    pub outcome: Outcome,
    pub comment: Option<String>,
    pub write: Option<RecordWrite>,
}

/// Why an answering workbook was refused: the request as a whole, or one of its rows (by its
/// index in the answers given).
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    #[error(transparent)]
    Request(#[from] RoundError),
    #[error("row {index}: {error}")]
    Row { index: usize, error: RoundError },
}

impl From<StoreError> for WorkbookError {
    fn from(err: StoreError) -> Self {
        WorkbookError::Request(err.into())
    }
}

impl From<sea_orm::DbErr> for WorkbookError {
    fn from(err: sea_orm::DbErr) -> Self {
        WorkbookError::Request(err.into())
    }
}

/// Fails with `Stale` unless the record's version is still `expected`.
fn still_at(expected: i32, current: i32) -> Result<(), StoreError> {
    if expected == current {
        Ok(())
    } else {
        Err(StoreError::Stale { expected, current })
    }
}

async fn write_record(
    txn: &DatabaseTransaction,
    write: RecordWrite,
    actor: &AuditActor,
) -> Result<(), RoundError> {
    match write {
        RecordWrite::Reform {
            id,
            expected_version,
            fields,
        } => {
            crate::reforms::replace_reform(txn, id, expected_version, fields, actor).await?;
        }
        RecordWrite::DigitalSystem {
            id,
            expected_version,
            fields,
        } => {
            crate::ledger::replace_system(txn, id, expected_version, fields, actor).await?;
        }
        RecordWrite::KpiActual {
            kpi_id,
            expected_version,
            value,
            measured_on,
            note,
        } => {
            let kpi = kpi::Entity::find_by_id(kpi_id)
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or(StoreError::NotFound)?;
            still_at(expected_version, kpi.version)?;
            crate::policies::add_actual(txn, kpi_id, value, measured_on, note, actor).await?;
        }
        RecordWrite::CheckIn {
            issue_id,
            expected_version,
            check_in,
        } => {
            crate::policies::check_in_within(txn, issue_id, expected_version, check_in, actor)
                .await
                .map_err(|err| match err {
                    CheckInError::Store(err) => err,
                    CheckInError::ForeignMilestone { .. } => {
                        StoreError::MissingReference("milestone of the issue")
                    }
                    // The workbook is read against the same rule before anything is written.
                    CheckInError::Conflict { conflict, .. } => StoreError::Corrupt(format!(
                        "a milestone answered by workbook does not hold together: {conflict:?}"
                    )),
                })?;
        }
        RecordWrite::Assignment {
            proposal,
            assignment_id,
            expected_version,
            outcome,
            stage,
        } => {
            match outcome {
                Some(fields) => {
                    crate::proposals::update_proposal(
                        txn,
                        proposal,
                        expected_version,
                        fields,
                        actor,
                    )
                    .await?;
                }
                None => {
                    let current = proposal::Entity::find_by_id(proposal.get())
                        .lock_exclusive()
                        .one(txn)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    still_at(expected_version, current.version)?;
                }
            }
            if let Some(change) = stage {
                crate::proposals::change_stage(txn, proposal, assignment_id, change, actor)
                    .await
                    .map_err(|err| match err {
                        crate::proposals::WorkflowError::Store(err) => RoundError::Store(err),
                        crate::proposals::WorkflowError::Transition(err) => RoundError::Stage(err),
                    })?;
            }
        }
    }
    Ok(())
}

/// Answers request #`request_id` from a workbook, all rows or none: each row's write goes
/// through the record's own write path and the item is answered `changed` with it (or
/// `unchanged`), in one transaction. With `dry_run` everything is done and then rolled back, so
/// a dry run refuses exactly what the real run would. Answers the request as it stands after.
pub async fn answer_by_workbook(
    db: &DatabaseConnection,
    request_id: i64,
    answers: Vec<WorkbookAnswer>,
    user_id: Option<i64>,
    actor: &AuditActor,
    dry_run: bool,
) -> Result<Request, WorkbookError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (mut request, round, _) =
        request_for_step(&txn, request_id, None, RequestStep::AnswerItem).await?;
    for (index, answer) in answers.into_iter().enumerate() {
        let row = |error: RoundError| WorkbookError::Row { index, error };
        if let Some(write) = answer.write {
            write_record(&txn, write, actor).await.map_err(row)?;
        }
        let given = Answer {
            outcome: answer.outcome,
            comment: answer.comment,
            user_id,
        };
        let (after, _) = record_answer(&txn, &request, &round, answer.item_id, &given, actor, now)
            .await
            .map_err(row)?;
        request = after;
    }
    if dry_run {
        txn.rollback().await?;
        return Ok(request);
    }
    txn.commit().await?;
    Ok(request)
}

/// The items of request #`request_id` not answered yet, by id.
async fn unanswered<C: ConnectionTrait>(conn: &C, request_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(round_request_item::Entity::find()
        .select_only()
        .column(round_request_item::Column::Id)
        .filter(round_request_item::Column::RequestId.eq(request_id))
        .filter(round_request_item::Column::Outcome.eq(Outcome::None.as_str()))
        .order_by_asc(round_request_item::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// 回答する: every item must be answered.
pub async fn submit(
    db: &DatabaseConnection,
    request_id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<Request, RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, _, state) = request_for_step(
        &txn,
        request_id,
        Some(expected_version),
        RequestStep::Submit,
    )
    .await?;
    let missing = unanswered(&txn, request_id).await?;
    if !missing.is_empty() {
        return Err(RoundError::Unanswered(missing));
    }
    let row = round_request::ActiveModel {
        state: Set(state.as_str().to_owned()),
        submitted_at: Set(Some(now)),
        ..Default::default()
    };
    let after = write_request(&txn, &before, row, now).await?;
    audit_request(&txn, actor, "round_request.submit", &before, &after, now).await?;
    txn.commit().await?;
    Ok(after)
}

async fn audit_request(
    txn: &DatabaseTransaction,
    actor: &AuditActor,
    action: &str,
    before: &Request,
    after: &Request,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    audit::record(
        txn,
        actor,
        AuditRecord::of(
            action,
            "round_request",
            before.id,
            Some(before.audit_view()),
            Some(after.audit_view()),
        ),
        now,
    )
    .await
}

/// 差戻し: the office sends a submitted request back with `comment`; the owner is told.
pub async fn return_request(
    db: &DatabaseConnection,
    request_id: i64,
    expected_version: i32,
    comment: String,
    actor: &AuditActor,
) -> Result<Request, RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, round, state) = request_for_step(
        &txn,
        request_id,
        Some(expected_version),
        RequestStep::Return,
    )
    .await?;
    let row = round_request::ActiveModel {
        state: Set(state.as_str().to_owned()),
        returned_at: Set(Some(now)),
        return_comment: Set(Some(comment.clone())),
        ..Default::default()
    };
    let after = write_request(&txn, &before, row, now).await?;
    request_returned(&txn, &round, &after, &comment, actor, now).await?;
    audit_request(&txn, actor, "round_request.return", &before, &after, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// 受理: the office takes a submitted request's answers.
pub async fn accept(
    db: &DatabaseConnection,
    request_id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<Request, RoundError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let (before, _, state) = request_for_step(
        &txn,
        request_id,
        Some(expected_version),
        RequestStep::Accept,
    )
    .await?;
    let row = round_request::ActiveModel {
        state: Set(state.as_str().to_owned()),
        accepted_at: Set(Some(now)),
        ..Default::default()
    };
    let after = write_request(&txn, &before, row, now).await?;
    audit_request(&txn, actor, "round_request.accept", &before, &after, now).await?;
    txn.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// The records as they stand

/// One record as an item shows it: a headline, the version its own endpoint takes in
/// `If-Match`, the SPA path, and the values the round asks about.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordNow {
    pub title: String,
    pub version: i32,
    pub link: String,
    pub values: serde_json::Value,
}

/// The records of `items` as they stand now; a record deleted since the round opened is absent.
pub async fn records_now<C: ConnectionTrait>(
    conn: &C,
    items: &[Item],
) -> Result<HashMap<(RecordKind, i64), RecordNow>, StoreError> {
    let mut wanted: HashMap<RecordKind, Vec<i64>> = HashMap::new();
    for item in items {
        wanted
            .entry(item.record_kind)
            .or_default()
            .push(item.record_id);
    }
    let mut out = HashMap::new();
    for (kind, ids) in wanted {
        for chunk in ids.chunks(500) {
            let chunk = chunk.to_vec();
            match kind {
                RecordKind::Reform => reforms_now(conn, chunk, &mut out).await?,
                RecordKind::DigitalSystem => systems_now(conn, chunk, &mut out).await?,
                RecordKind::PolicyIssue => issues_now(conn, chunk, &mut out).await?,
                RecordKind::Kpi => kpis_now(conn, chunk, &mut out).await?,
                RecordKind::ProposalAssignment => assignments_now(conn, chunk, &mut out).await?,
            }
        }
    }
    Ok(out)
}

type Now = HashMap<(RecordKind, i64), RecordNow>;

async fn reforms_now<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i64>,
    out: &mut Now,
) -> Result<(), StoreError> {
    let effects = reform_effect::Entity::find()
        .filter(reform_effect::Column::ReformId.is_in(ids.clone()))
        .order_by_asc(reform_effect::Column::Position)
        .all(conn)
        .await?;
    let mut by_reform: HashMap<i64, Vec<serde_json::Value>> = HashMap::new();
    for e in effects {
        by_reform.entry(e.reform_id).or_default().push(json!({
            "kind": e.kind, "value": e.value, "unit": e.unit, "basis": e.basis,
        }));
    }
    for r in reform::Entity::find()
        .filter(reform::Column::Id.is_in(ids))
        .all(conn)
        .await?
    {
        out.insert(
            (RecordKind::Reform, r.id),
            RecordNow {
                title: r.title.clone(),
                version: r.version,
                link: format!("/reforms/{}", r.id),
                values: json!({
                    "status": r.status,
                    "period_text": r.period_text,
                    "period_start": r.period_start,
                    "period_end": r.period_end,
                    "effects": by_reform.remove(&r.id).unwrap_or_default(),
                }),
            },
        );
    }
    Ok(())
}

async fn systems_now<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i64>,
    out: &mut Now,
) -> Result<(), StoreError> {
    for d in digital_system::Entity::find()
        .filter(digital_system::Column::Id.is_in(ids))
        .all(conn)
        .await?
    {
        out.insert(
            (RecordKind::DigitalSystem, d.id),
            RecordNow {
                title: d.name.clone(),
                version: d.version,
                link: format!("/digital-systems/{}", d.id),
                values: json!({
                    "status": d.status,
                    "annual_hours_saved": d.annual_hours_saved,
                    "cost_effect_yen": d.cost_effect_yen,
                }),
            },
        );
    }
    Ok(())
}

async fn issues_now<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i64>,
    out: &mut Now,
) -> Result<(), StoreError> {
    let mut milestones: HashMap<i64, Vec<serde_json::Value>> = HashMap::new();
    for m in milestone::Entity::find()
        .filter(milestone::Column::IssueId.is_in(ids.clone()))
        .order_by_asc(milestone::Column::Quarter)
        .order_by_asc(milestone::Column::Id)
        .all(conn)
        .await?
    {
        milestones.entry(m.issue_id).or_default().push(json!({
            "id": m.id, "quarter": m.quarter, "title": m.title, "state": m.state,
            "done_on": m.done_on, "slip_reason": m.slip_reason, "version": m.version,
        }));
    }
    let mut latest_note: HashMap<i64, serde_json::Value> = HashMap::new();
    for n in progress_note::Entity::find()
        .filter(progress_note::Column::IssueId.is_in(ids.clone()))
        .order_by_asc(progress_note::Column::AsOf)
        .order_by_asc(progress_note::Column::Id)
        .all(conn)
        .await?
    {
        latest_note.insert(
            n.issue_id,
            json!({ "id": n.id, "as_of": n.as_of, "as_of_label": n.as_of_label, "body": n.body }),
        );
    }
    for i in policy_issue::Entity::find()
        .filter(policy_issue::Column::Id.is_in(ids))
        .all(conn)
        .await?
    {
        out.insert(
            (RecordKind::PolicyIssue, i.id),
            RecordNow {
                title: format!("{}({}) {}", i.area, i.number, i.title),
                version: i.version,
                link: format!("/policy-issues/{}", i.id),
                values: json!({
                    "status": i.owner_status,
                    "milestones": milestones.remove(&i.id).unwrap_or_default(),
                    "latest_progress_note": latest_note.remove(&i.id),
                }),
            },
        );
    }
    Ok(())
}

async fn kpis_now<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i64>,
    out: &mut Now,
) -> Result<(), StoreError> {
    let mut latest: HashMap<i64, serde_json::Value> = HashMap::new();
    for a in kpi_actual::Entity::find()
        .filter(kpi_actual::Column::KpiId.is_in(ids.clone()))
        .order_by_asc(kpi_actual::Column::MeasuredOn)
        .order_by_asc(kpi_actual::Column::Id)
        .all(conn)
        .await?
    {
        latest.insert(
            a.kpi_id,
            json!({ "id": a.id, "value": a.value, "measured_on": a.measured_on, "note": a.note }),
        );
    }
    for k in kpi::Entity::find()
        .filter(kpi::Column::Id.is_in(ids))
        .all(conn)
        .await?
    {
        out.insert(
            (RecordKind::Kpi, k.id),
            RecordNow {
                title: k.name.clone(),
                version: k.version,
                link: format!("/kpis/{}", k.id),
                values: json!({
                    "unit": k.unit,
                    "baseline_value": k.baseline_value,
                    "baseline_on": k.baseline_on,
                    "target_value": k.target_value,
                    "target_on": k.target_on,
                    "latest_actual": latest.remove(&k.id),
                }),
            },
        );
    }
    Ok(())
}

async fn assignments_now<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i64>,
    out: &mut Now,
) -> Result<(), StoreError> {
    let assignments = proposal_assignment::Entity::find()
        .filter(proposal_assignment::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    let proposal_ids: Vec<i64> = assignments.iter().map(|a| a.proposal_id).collect();
    let proposals: HashMap<i64, proposal::Model> = proposal::Entity::find()
        .filter(proposal::Column::Id.is_in(proposal_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for a in assignments {
        let Some(p) = proposals.get(&a.proposal_id) else {
            continue;
        };
        out.insert(
            (RecordKind::ProposalAssignment, a.id),
            RecordNow {
                title: match &p.number {
                    Some(number) if !number.is_empty() => format!("{number} {}", p.title),
                    _ => p.title.clone(),
                },
                // Stage moves and the outcome are written through the proposal.
                version: p.version,
                link: format!("/proposals/{}", p.id),
                values: json!({
                    "proposal_id": p.id,
                    "stage": a.stage,
                    "decision": a.decision,
                    "implementation_status": p.implementation_status,
                    "outcome_period_text": p.outcome_period_text,
                    "outcome_text": p.outcome_text,
                }),
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_candidates_of_a_scoped_round_bind_every_id_and_name_each_kind_once() {
        let fields = RoundFields {
            title: "照会".into(),
            as_of: NaiveDate::from_ymd_opt(2025, 11, 25).unwrap_or_default(),
            due_on: NaiveDate::from_ymd_opt(2025, 12, 5).unwrap_or_default(),
            record_kinds: vec![RecordKind::Reform, RecordKind::Kpi],
            scope: RoundScope {
                bureau_ids: vec![4],
                section_ids: vec![7, 8],
            },
            reminder_schedule: None,
        };
        let mut params = Params::new(DatabaseBackend::Postgres);
        let sql = candidates(&fields, &mut params);
        assert_eq!(params.values.len(), 4);
        assert!(sql.contains("'reform'") && sql.contains("'kpi'"));
        assert!(!sql.contains("'digital_system'"));
        assert!(sql.contains("IN ($2, $3)") && sql.contains("IN ($4)"));
    }
}

// ---------------------------------------------------------------------------------------------
// Rounds transcribed from the city's documents

/// When a transcribed round happened: the demo dataset replays a round the city held (opening,
/// answering, accepting, closing through the functions above) and then dates it to the days its
/// document implies, so the round reads as held then. The audit trail keeps the load's own time.
#[derive(Debug, Clone, Copy)]
pub struct HeldAt {
    pub opened_at: DateTime<Utc>,
    pub answered_at: DateTime<Utc>,
    pub accepted_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
}

/// Dates round #`round_id`, its requests and their answers to `held`: only the times a replay
/// stamps with the load's clock change, and only those already set. Any report kept for the
/// replayed close is dropped too: it would be what the load knew, not what was known on the day
/// the round closed, and the caller freezes that one with [`crate::as_known::store_round_report`].
/// (The replayed close's own freezing job then finds its close superseded and keeps nothing.)
pub async fn date_transcribed<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    held: HeldAt,
) -> Result<(), StoreError> {
    crate::entities::round_report::Entity::delete_many()
        .filter(crate::entities::round_report::Column::RoundId.eq(round_id))
        .exec(conn)
        .await?;
    round::Entity::update_many()
        .col_expr(round::Column::CreatedAt, Expr::value(held.opened_at))
        .col_expr(round::Column::OpenedAt, Expr::value(held.opened_at))
        .col_expr(round::Column::ClosedAt, Expr::value(held.closed_at))
        .col_expr(round::Column::UpdatedAt, Expr::value(held.closed_at))
        .filter(round::Column::Id.eq(round_id))
        .exec(conn)
        .await?;
    let request_ids: Vec<i64> = round_request::Entity::find()
        .select_only()
        .column(round_request::Column::Id)
        .filter(round_request::Column::RoundId.eq(round_id))
        .into_tuple()
        .all(conn)
        .await?;
    let requests =
        || round_request::Entity::update_many().filter(round_request::Column::RoundId.eq(round_id));
    requests()
        .col_expr(
            round_request::Column::CreatedAt,
            Expr::value(held.opened_at),
        )
        .col_expr(
            round_request::Column::UpdatedAt,
            Expr::value(held.accepted_at),
        )
        .exec(conn)
        .await?;
    requests()
        .col_expr(
            round_request::Column::SubmittedAt,
            Expr::value(held.answered_at),
        )
        .filter(round_request::Column::SubmittedAt.is_not_null())
        .exec(conn)
        .await?;
    requests()
        .col_expr(
            round_request::Column::AcceptedAt,
            Expr::value(held.accepted_at),
        )
        .filter(round_request::Column::AcceptedAt.is_not_null())
        .exec(conn)
        .await?;
    for chunk in request_ids.chunks(500) {
        round_request_item::Entity::update_many()
            .col_expr(
                round_request_item::Column::AnsweredAt,
                Expr::value(held.answered_at),
            )
            .filter(round_request_item::Column::RequestId.is_in(chunk.iter().copied()))
            .filter(round_request_item::Column::AnsweredAt.is_not_null())
            .exec(conn)
            .await?;
    }
    Ok(())
}
