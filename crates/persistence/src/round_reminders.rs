//! Reminders and 督促 (nudges) of reporting rounds.
//!
//! Opening (or reopening) a round plans its reminders as `round.reminder` jobs in the opening
//! transaction, one per date, each due at the configured hour in Asia/Tokyo and deduplicated per
//! (round, date) while queued. A job that runs claims its date in `round_reminders` (unique per
//! round and date) in the transaction that writes the `round.reminder` events, so a date is
//! handled once however many instances run and however often the round is reopened. Closing a
//! round cancels its queued reminders; one that runs anyway finds the round closed and does
//! nothing.
//!
//! A nudge (督促) is the office's own reminder to one owner or to every overdue owner of a round:
//! a `round.nudged` event per request, audited, at most one per request and hour.

use crate::StoreError;
use crate::audit::{self, AuditActor, AuditRecord, AuditView};
use crate::entities::{round, round_reminder, round_request};
use crate::events::{self, NewEvent};
use crate::jobs::{self, NewJob};
use crate::rounds::{self, Request, Round, RoundError};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use domain::calendar::{BusinessCalendar, Reminder, ReminderKind, ReminderSchedule};
use domain::round::{RequestState, RoundState};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The job that reminds a round's waiting owners on one date.
pub const REMINDER_JOB: &str = "round.reminder";

/// How long the office waits before nudging the same request again.
pub const NUDGE_COOLDOWN_MINUTES: i64 = 60;

/// What planning and sending reminders need besides the database: the business days, the
/// schedule of rounds that keep none, today, and the hour reminders go out.
#[derive(Debug, Clone, Copy)]
pub struct ReminderPlan<'a> {
    pub calendar: &'a BusinessCalendar,
    pub default_schedule: &'a ReminderSchedule,
    /// Today in Asia/Tokyo.
    pub today: NaiveDate,
    /// The time of day (Asia/Tokyo) reminders are sent at.
    pub at: NaiveTime,
}

impl ReminderPlan<'_> {
    fn schedule_of<'r>(&'r self, round: &'r Round) -> &'r ReminderSchedule {
        round
            .fields
            .reminder_schedule
            .as_ref()
            .unwrap_or(self.default_schedule)
    }

    /// The moment a reminder of `date` is due: `at` on that day in Tokyo (UTC+9, no daylight
    /// time).
    pub fn run_at(&self, date: NaiveDate) -> DateTime<Utc> {
        Utc.from_utc_datetime(&(date.and_time(self.at) - Duration::hours(9)))
    }
}

/// The payload of a `round.reminder` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReminderInput {
    pub round_id: i64,
    pub date: NaiveDate,
    #[serde(flatten)]
    pub kind: ReminderKind,
}

fn dedupe_prefix(round_id: i64) -> String {
    format!("{REMINDER_JOB}:{round_id}:")
}

async fn enqueue_reminder<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    reminder: Reminder,
    plan: &ReminderPlan<'_>,
) -> Result<bool, StoreError> {
    let input = ReminderInput {
        round_id,
        date: reminder.date,
        kind: reminder.kind,
    };
    let payload =
        serde_json::to_value(&input).map_err(|e| StoreError::Corrupt(format!("reminder: {e}")))?;
    let job = NewJob::new(REMINDER_JOB, payload)
        .at(plan.run_at(reminder.date))
        .dedupe(format!("{}{}", dedupe_prefix(round_id), reminder.date));
    Ok(jobs::enqueue(conn, job).await?.is_some())
}

/// Plans `round`'s reminders from today on as jobs, in the caller's (opening) transaction:
/// before and on the due date, and the first overdue one (see `ReminderSchedule::plan_from`).
/// Dates already handled are skipped. Answers how many jobs were queued.
pub async fn plan<C: ConnectionTrait>(
    conn: &C,
    round: &Round,
    plan: &ReminderPlan<'_>,
) -> Result<usize, StoreError> {
    let handled: Vec<NaiveDate> = round_reminder::Entity::find()
        .select_only()
        .column(round_reminder::Column::OnDate)
        .filter(round_reminder::Column::RoundId.eq(round.id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut queued = 0;
    for reminder in
        plan.schedule_of(round)
            .plan_from(plan.calendar, round.fields.due_on, plan.today)
    {
        if !handled.contains(&reminder.date)
            && enqueue_reminder(conn, round.id, reminder, plan).await?
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Cancels `round_id`'s queued reminders, in the caller's (closing) transaction.
pub async fn cancel<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    jobs::cancel_queued_by_key_prefix(conn, REMINDER_JOB, &dedupe_prefix(round_id), now).await
}

/// What one reminder job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sent {
    /// Requests reminded (one event each).
    pub reminded: u32,
    /// The date had been handled already, or the round is not open: nothing was done.
    pub nothing_to_do: bool,
    /// The date had passed when the job ran: nothing was sent late.
    pub skipped_late: bool,
    /// The next overdue reminder was queued for this date.
    pub next: Option<NaiveDate>,
    /// The reminder's day has not come by the clock: nothing was done, the job should be run
    /// again later. (The runner does not claim a job before its time, so this happens only when
    /// the clock is fixed, in tests and rehearsals.)
    pub not_yet: bool,
}

fn kind_name(kind: ReminderKind) -> &'static str {
    match kind {
        ReminderKind::BeforeDue { .. } => "before_due",
        ReminderKind::OnDueDate => "on_due_date",
        ReminderKind::Overdue { .. } => "overdue",
    }
}

/// Runs one reminder in `txn` (the job's transaction, which the caller commits with the job's
/// success): claims the date for the round, writes a `round.reminder` event for each request
/// still waiting for its owner (未回答, 回答中, 差戻し), and after an overdue reminder queues the
/// next one while some request is still waiting.
pub async fn send(
    txn: &DatabaseTransaction,
    input: &ReminderInput,
    plan: &ReminderPlan<'_>,
) -> Result<Sent, StoreError> {
    let nothing = Sent {
        nothing_to_do: true,
        ..Sent::default()
    };
    let Some(row) = round::Entity::find_by_id(input.round_id).one(txn).await? else {
        return Ok(nothing);
    };
    let round = rounds::round_of(row)?;
    if round.state != RoundState::Open {
        return Ok(nothing);
    }
    if input.date > plan.today {
        return Ok(Sent {
            not_yet: true,
            ..Sent::default()
        });
    }
    let now = crate::clock::now();
    let skipped_late = input.date < plan.today;
    let claim = round_reminder::ActiveModel {
        round_id: Set(round.id),
        on_date: Set(input.date),
        kind: Set(kind_name(input.kind).to_owned()),
        handled_at: Set(now),
        reminded: Set(0),
        skipped: Set(skipped_late),
        ..Default::default()
    };
    let claimed = round_reminder::Entity::insert(claim)
        .on_conflict(
            OnConflict::columns([
                round_reminder::Column::RoundId,
                round_reminder::Column::OnDate,
            ])
            .do_nothing()
            .to_owned(),
        )
        .try_insert()
        .exec(txn)
        .await?;
    let sea_orm::TryInsertResult::Inserted(claimed) = claimed else {
        return Ok(nothing);
    };
    let waiting = waiting_requests(txn, round.id).await?;
    let mut reminded = 0;
    if !skipped_late {
        for request in &waiting {
            remind(txn, &round, request, input, now).await?;
            reminded += 1;
        }
        round_reminder::Entity::update_many()
            .col_expr(
                round_reminder::Column::Reminded,
                sea_orm::sea_query::Expr::value(i32::try_from(reminded).unwrap_or(i32::MAX)),
            )
            .filter(round_reminder::Column::Id.eq(claimed.last_insert_id))
            .exec(txn)
            .await?;
    }
    let mut next = None;
    if matches!(input.kind, ReminderKind::Overdue { .. }) && !waiting.is_empty() {
        let schedule = plan.schedule_of(&round);
        if let Some(following) =
            schedule.next_overdue(plan.calendar, round.fields.due_on, input.date, plan.today)
            && enqueue_reminder(txn, round.id, following, plan).await?
        {
            next = Some(following.date);
        }
    }
    Ok(Sent {
        reminded,
        nothing_to_do: false,
        skipped_late,
        next,
        not_yet: false,
    })
}

/// A round's requests still waiting for their owners, in id order.
async fn waiting_requests<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
) -> Result<Vec<Request>, StoreError> {
    let waiting: Vec<&str> = RequestState::ALL
        .into_iter()
        .filter(|s| s.awaits_owner())
        .map(|s| s.as_str())
        .collect();
    round_request::Entity::find()
        .filter(round_request::Column::RoundId.eq(round_id))
        .filter(round_request::Column::State.is_in(waiting))
        .order_by_asc(round_request::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(rounds::request_of)
        .collect()
}

/// How many of a request's items are still to answer, in the words of a headline.
fn still_open(request: &Request) -> String {
    let left = (request.item_count - request.answered_count).max(0);
    match request.state {
        RequestState::Returned if left == 0 => "差戻し対応中".to_owned(),
        _ => format!("未回答 {left} 件／全 {} 件", request.item_count),
    }
}

async fn remind<C: ConnectionTrait>(
    conn: &C,
    round: &Round,
    request: &Request,
    input: &ReminderInput,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let owner = rounds::owner_of(conn, request).await?;
    let label = rounds::owner_label(conn, request).await?;
    let due = round.fields.due_on;
    let title = match input.kind {
        ReminderKind::BeforeDue { .. } => format!(
            "照会「{}」の回答期限は {} です（{}・{}）",
            round.fields.title,
            due,
            label,
            still_open(request)
        ),
        ReminderKind::OnDueDate => format!(
            "照会「{}」の回答期限（{}）が来ました（{}・{}）",
            round.fields.title,
            due,
            label,
            still_open(request)
        ),
        ReminderKind::Overdue { .. } => format!(
            "照会「{}」の回答期限 {} を過ぎています（{}・{}）",
            round.fields.title,
            due,
            label,
            still_open(request)
        ),
    };
    events::record(
        conn,
        NewEvent {
            kind: domain::event::ROUND_REMINDER,
            actor_user_id: None,
            record_kind: "round_request",
            record_id: request.id,
            owner,
            title,
            link: format!("/inbox/requests/{}", request.id),
            data: json!({
                "round_id": round.id,
                "round_request_id": request.id,
                "reminder": input.kind,
                "reminder_date": input.date,
                "due_on": due,
                "state": request.state.as_str(),
                "items": request.item_count,
                "answered": request.answered_count,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The reminder dates of a round handled so far, oldest first: (date, kind, reminded, skipped).
pub async fn handled<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
) -> Result<Vec<round_reminder::Model>, StoreError> {
    Ok(round_reminder::Entity::find()
        .filter(round_reminder::Column::RoundId.eq(round_id))
        .order_by_asc(round_reminder::Column::OnDate)
        .all(conn)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// 督促

/// Why a nudge was refused, beyond the round's own errors.
#[derive(Debug, thiserror::Error)]
pub enum NudgeError {
    #[error(transparent)]
    Round(#[from] RoundError),
    /// The request is not waiting for its owner (回答済 or 受理).
    #[error("the request is {0:?}: nothing to chase")]
    NotWaiting(RequestState),
    /// The request was nudged less than an hour ago; retry after this many seconds.
    #[error("nudged recently; retry after {0} s")]
    TooSoon(i64),
}

impl From<StoreError> for NudgeError {
    fn from(err: StoreError) -> Self {
        NudgeError::Round(RoundError::Store(err))
    }
}

impl From<sea_orm::DbErr> for NudgeError {
    fn from(err: sea_orm::DbErr) -> Self {
        NudgeError::Round(RoundError::Store(StoreError::Db(err)))
    }
}

/// Seconds until `request` may be nudged again, or `None` when it may be now.
fn cooldown_left(request: &Request, now: DateTime<Utc>) -> Option<i64> {
    let last = request.nudged_at?;
    let free = last + Duration::minutes(NUDGE_COOLDOWN_MINUTES);
    (free > now).then(|| (free - now).num_seconds().max(1))
}

async fn open_round(txn: &DatabaseTransaction, round_id: i64) -> Result<Round, NudgeError> {
    // Locked, so that two nudges of the same round (one owner, all overdue) queue one behind
    // the other and the hour between nudges holds.
    let row = round::Entity::find_by_id(round_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let round = rounds::round_of(row)?;
    if round.state != RoundState::Open {
        return Err(RoundError::NotOpen(round.state).into());
    }
    Ok(round)
}

/// Records one nudge of `request`: its `nudged_at`, the `round.nudged` event and the audit
/// event `round_request.nudge`. The request's version is left alone: a nudge must not make the
/// owner's pending submit stale.
async fn nudge_one(
    txn: &DatabaseTransaction,
    round: &Round,
    request: &Request,
    today: NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Request, StoreError> {
    round_request::Entity::update_many()
        .col_expr(
            round_request::Column::NudgedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(round_request::Column::Id.eq(request.id))
        .exec(txn)
        .await?;
    let after = rounds::find_request(txn, request.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let owner = rounds::owner_of(txn, request).await?;
    let label = rounds::owner_label(txn, request).await?;
    let due = round.fields.due_on;
    let when = if due < today {
        format!("回答期限 {due} を過ぎています")
    } else {
        format!("回答期限は {due} です")
    };
    events::record(
        txn,
        NewEvent {
            kind: domain::event::ROUND_NUDGED,
            actor_user_id: crate::announce::actor_user(actor),
            record_kind: "round_request",
            record_id: request.id,
            owner,
            title: format!(
                "【督促】照会「{}」への回答をお願いします。{}（{}・{}）",
                round.fields.title,
                when,
                label,
                still_open(request)
            ),
            link: format!("/inbox/requests/{}", request.id),
            data: json!({
                "round_id": round.id,
                "round_request_id": request.id,
                "due_on": due,
                "overdue": due < today,
                "state": request.state.as_str(),
                "items": request.item_count,
                "answered": request.answered_count,
            }),
        },
        now,
    )
    .await?;
    audit::record(
        txn,
        actor,
        AuditRecord::of(
            "round_request.nudge",
            "round_request",
            request.id,
            Some(request.audit_view()),
            Some(after.audit_view()),
        ),
        now,
    )
    .await?;
    Ok(after)
}

/// 督促 of one request: the round open, the request waiting for its owner, and not nudged in
/// the last hour.
pub async fn nudge(
    db: &DatabaseConnection,
    request_id: i64,
    today: NaiveDate,
    actor: &AuditActor,
) -> Result<Request, NudgeError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let round_id = rounds::find_request(&txn, request_id)
        .await?
        .ok_or(StoreError::NotFound)?
        .round_id;
    let round = open_round(&txn, round_id).await?;
    let request = rounds::find_request(&txn, request_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !request.state.awaits_owner() {
        return Err(NudgeError::NotWaiting(request.state));
    }
    if let Some(seconds) = cooldown_left(&request, now) {
        return Err(NudgeError::TooSoon(seconds));
    }
    let after = nudge_one(&txn, &round, &request, today, actor, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// What nudging a round's overdue owners did.
#[derive(Debug, Clone, Default)]
pub struct NudgedOverdue {
    /// The requests nudged now.
    pub nudged: Vec<i64>,
    /// Overdue requests left alone because they were nudged in the last hour.
    pub recently_nudged: Vec<i64>,
}

/// 督促 of every overdue request of an open round (past its due date on `today` and waiting for
/// the owner), except those nudged in the last hour.
pub async fn nudge_overdue(
    db: &DatabaseConnection,
    round_id: i64,
    today: NaiveDate,
    actor: &AuditActor,
) -> Result<NudgedOverdue, NudgeError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let round = open_round(&txn, round_id).await?;
    let mut outcome = NudgedOverdue::default();
    if round.fields.due_on < today {
        for request in waiting_requests(&txn, round.id).await? {
            if cooldown_left(&request, now).is_some() {
                outcome.recently_nudged.push(request.id);
            } else {
                nudge_one(&txn, &round, &request, today, actor, now).await?;
                outcome.nudged.push(request.id);
            }
        }
    }
    txn.commit().await?;
    Ok(outcome)
}
