//! The durable job queue: jobs are rows of `jobs`, written by [`enqueue`] in the caller's own
//! transaction (a transactional outbox), claimed by the workers of any server process under a
//! lease, and finished, retried, given up on (`dead`) or cancelled here.
//!
//! Claiming is one statement: on PostgreSQL the candidate rows are locked `FOR UPDATE SKIP
//! LOCKED`, so two processes never claim the same job; on SQLite, which one server process uses
//! alone, the statement runs under the write lock. A job whose lease ran out (its process was
//! killed) is due again. Every later change names the worker that claimed the job, so a worker
//! that lost its lease cannot overwrite what the job's new holder records.

use crate::StoreError;
use crate::entities::job;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};

pub use job::Model as Job;

/// The states a job row goes through: `queued` (due at `run_at`), `running` (held under a
/// lease), then `succeeded`, `dead` (out of attempts) or `cancelled`.
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const SUCCEEDED: &str = "succeeded";
    pub const DEAD: &str = "dead";
    pub const CANCELLED: &str = "cancelled";
    pub const ALL: [&str; 5] = [QUEUED, RUNNING, SUCCEEDED, DEAD, CANCELLED];
}

/// Attempts a job gets unless its enqueuer says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// A job to write: what it does (`kind`, whose handler runs it), its input, and when.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    /// None: as soon as a worker is free.
    pub run_at: Option<DateTime<Utc>>,
    pub max_attempts: i32,
    /// While a job with this key is queued or running, enqueueing another adds nothing.
    pub dedupe_key: Option<String>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        NewJob {
            kind: kind.into(),
            payload,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedupe_key: None,
        }
    }

    /// Not before `when`.
    pub fn at(self, when: DateTime<Utc>) -> Self {
        NewJob {
            run_at: Some(when),
            ..self
        }
    }

    pub fn attempts(self, max_attempts: i32) -> Self {
        NewJob {
            max_attempts: Ord::max(max_attempts, 1),
            ..self
        }
    }

    pub fn dedupe(self, key: impl Into<String>) -> Self {
        NewJob {
            dedupe_key: Some(key.into()),
            ..self
        }
    }
}

/// Writes `job` on `conn`: pass the transaction of the change that causes the job, so that the
/// job exists exactly when the change is committed. Returns the job's id, or `None` when a job
/// with the same dedupe key is already queued or running.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, job: NewJob) -> Result<Option<i64>, StoreError> {
    let now = crate::clock::now();
    let row = job::ActiveModel {
        kind: Set(job.kind),
        payload: Set(job.payload.to_string()),
        state: Set(state::QUEUED.to_owned()),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts),
        // At the clock's precision, so the time reads back the same from either database
        // (PostgreSQL would round a nanosecond, SQLite keep it).
        run_at: Set(job
            .run_at
            .map_or(now, |when| chrono::SubsecRound::trunc_subsecs(when, 6))),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        dedupe_key: Set(job.dedupe_key),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    };
    // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a failed statement
    // would abort the caller's transaction.
    let inserted = job::Entity::insert(row)
        .on_conflict(
            OnConflict::column(job::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(conn)
        .await?;
    Ok(match inserted {
        sea_orm::TryInsertResult::Inserted(result) => Some(result.last_insert_id),
        _ => None,
    })
}

/// The kinds that have a job due now: one read, so that an idle runner polls without taking
/// SQLite's write lock (which a long import may hold).
pub async fn due_kinds<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    use sea_orm::sea_query::Condition;
    let due = Condition::any()
        .add(
            Condition::all()
                .add(job::Column::State.eq(state::QUEUED))
                .add(job::Column::RunAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(job::Column::State.eq(state::RUNNING))
                .add(job::Column::LockedUntil.lt(now)),
        );
    let kinds: Vec<String> = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .filter(due)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(kinds)
}

/// Claims up to `limit` due jobs of `kind` for `worker` until `lease_until`: queued jobs whose
/// time has come, and running jobs whose lease ran out. Each claim counts as an attempt.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    worker: &str,
    limit: u32,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Vec<Job>, StoreError> {
    let backend = conn.get_database_backend();
    let lock = match backend {
        DatabaseBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "UPDATE jobs SET state = $1, locked_by = $2, locked_until = $3, \
         attempts = attempts + 1, updated_at = $4 \
         WHERE id IN (SELECT id FROM jobs WHERE kind = $5 AND \
           ((state = $6 AND run_at <= $4) OR (state = $1 AND locked_until < $4 AND attempts < max_attempts)) \
           ORDER BY run_at, id LIMIT $7{lock}) \
         RETURNING *"
    );
    let values = vec![
        state::RUNNING.into(),
        worker.into(),
        lease_until.into(),
        now.into(),
        kind.into(),
        state::QUEUED.into(),
        i64::from(limit).into(),
    ];
    // SQLite numbers its parameters `?N`, PostgreSQL `$N`.
    let sql = match backend {
        DatabaseBackend::Postgres => sql,
        _ => sql.replace('$', "?"),
    };
    let mut claimed = Job::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(conn)
        .await?;
    claimed.sort_by_key(|job| (job.run_at, job.id));
    Ok(claimed)
}

/// Jobs whose lease ran out on their last attempt: their worker died each time, so they are
/// given up on like a job whose handler kept failing. Returns how many.
pub async fn bury_abandoned<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::DEAD))
        .col_expr(
            job::Column::LastError,
            Expr::value("the worker stopped before the job's last attempt finished"),
        )
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::DedupeKey, Expr::value(Option::<String>::None))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::State.eq(state::RUNNING))
        .filter(job::Column::LockedUntil.lt(now))
        .filter(Expr::col(job::Column::Attempts).gte(Expr::col(job::Column::MaxAttempts)))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Extends `worker`'s lease on job #`id`; false when the worker no longer holds it.
pub async fn renew_lease<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    worker: &str,
    lease_until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(lease_until))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::State.eq(state::RUNNING))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records that `worker` finished job #`id`. Pass the transaction of the job's own writes where
/// it has any, so the job reads succeeded exactly when they are stored. False when the worker
/// no longer held the job (its lease ran out and another took it).
pub async fn succeed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = finish_query(state::SUCCEEDED, now)
        .col_expr(job::Column::LastError, Expr::value(Option::<String>::None))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::State.eq(state::RUNNING))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records that `worker` finished every job of `ids`, as [`succeed`] does for one, in one
/// statement. Returns how many it still held; fewer than `ids` means another worker took some.
pub async fn succeed_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    worker: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = finish_query(state::SUCCEEDED, now)
        .col_expr(job::Column::LastError, Expr::value(Option::<String>::None))
        .filter(job::Column::Id.is_in(ids.iter().copied()))
        .filter(job::Column::State.eq(state::RUNNING))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Extends `worker`'s lease on every job of `ids` to `lease_until`; returns how many it held.
pub async fn renew_leases<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    worker: &str,
    lease_until: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(lease_until))
        .filter(job::Column::Id.is_in(ids.iter().copied()))
        .filter(job::Column::State.eq(state::RUNNING))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// What to do with a job whose attempt failed.
#[derive(Debug, Clone)]
pub enum AfterFailure {
    /// Try again at this time (when attempts remain).
    RetryAt(DateTime<Utc>),
    /// Give up now: the failure cannot go away by trying again.
    GiveUp,
}

/// Records that `worker`'s attempt at job #`id` failed with `error`: the job is queued again at
/// the retry time while attempts remain, and dead otherwise.
pub async fn fail<C: ConnectionTrait>(
    conn: &C,
    job: &Job,
    worker: &str,
    error: &str,
    after: AfterFailure,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let error: String = error.chars().take(4000).collect();
    let update = match after {
        AfterFailure::RetryAt(when) if job.attempts < job.max_attempts => {
            job::Entity::update_many()
                .col_expr(job::Column::State, Expr::value(state::QUEUED))
                .col_expr(job::Column::RunAt, Expr::value(when))
                .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
                .col_expr(
                    job::Column::LockedUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(job::Column::UpdatedAt, Expr::value(now))
        }
        _ => finish_query(state::DEAD, now),
    };
    let result = update
        .col_expr(job::Column::LastError, Expr::value(error))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::State.eq(state::RUNNING))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Hands job #`id` back to the queue without counting the attempt: its worker is stopping
/// before the job could finish.
pub async fn release<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::QUEUED))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).sub(1),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::State.eq(state::RUNNING))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Queues a dead or cancelled job #`id` again with a fresh set of attempts (an admin's retry).
/// False when the job is not dead or cancelled.
pub async fn retry<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::QUEUED))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            job::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::State.is_in([state::DEAD, state::CANCELLED]))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Cancels queued job #`id` (an admin's cancel). A running job is not interrupted: false.
pub async fn cancel<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = finish_query(state::CANCELLED, now)
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::State.eq(state::QUEUED))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Cancels the queued jobs of `kind` whose dedupe key starts with `prefix`, in the caller's
/// transaction (e.g. a closed round's reminders). Running jobs are left to finish. Answers how
/// many were cancelled.
pub async fn cancel_queued_by_key_prefix<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = finish_query(state::CANCELLED, now)
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::State.eq(state::QUEUED))
        .filter(job::Column::DedupeKey.starts_with(prefix))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Job>, StoreError> {
    Ok(job::Entity::find_by_id(id).one(conn).await?)
}

/// Jobs of `kind` (all kinds when none) in `state`, newest first.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    kind: Option<&str>,
    in_state: Option<&str>,
    page: crate::PageRequest,
) -> Result<crate::Page<Job>, StoreError> {
    let mut query = job::Entity::find();
    if let Some(kind) = kind {
        query = query.filter(job::Column::Kind.eq(kind));
    }
    if let Some(in_state) = in_state {
        query = query.filter(job::Column::State.eq(in_state));
    }
    let total = query.clone().count(conn).await?;
    let items = query
        .order_by_desc(job::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(crate::Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// How many jobs there are of each kind in each state.
pub async fn counts<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    #[derive(FromQueryResult)]
    struct Count {
        kind: String,
        state: String,
        n: i64,
    }
    let rows = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .column(job::Column::State)
        .column_as(job::Column::Id.count(), "n")
        .group_by(job::Column::Kind)
        .group_by(job::Column::State)
        .into_model::<Count>()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|c| (c.kind, c.state, c.n)).collect())
}

/// Forgets finished jobs (succeeded or cancelled) older than `before`; dead ones stay until an
/// admin retries or they are as old, so failures remain visible.
pub async fn forget_finished<C: ConnectionTrait>(
    conn: &C,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = job::Entity::delete_many()
        .filter(job::Column::State.is_in([state::SUCCEEDED, state::CANCELLED, state::DEAD]))
        .filter(job::Column::FinishedAt.lt(before))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The update that ends a job in `final_state`, freeing its dedupe key for the next one.
fn finish_query(final_state: &'static str, now: DateTime<Utc>) -> sea_orm::UpdateMany<job::Entity> {
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(final_state))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::DedupeKey, Expr::value(Option::<String>::None))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
}

/// What an admin's retry or cancel found.
#[derive(Debug, Clone)]
pub enum AdminOutcome {
    /// Done: the job as it is now.
    Changed(Job),
    /// The job is not in a state the request applies to; as it is.
    Unchanged(Job),
    NotFound,
}

/// An admin's retry of a dead or cancelled job #`id`, audited as `retry` in the same transaction.
pub async fn retry_by(
    db: &crate::Database,
    id: i64,
    actor: &crate::AuditActor,
) -> Result<AdminOutcome, StoreError> {
    change_by(db, id, actor, AdminChange::Retry).await
}

/// An admin's cancel of queued job #`id`, audited as `cancel` in the same transaction.
pub async fn cancel_by(
    db: &crate::Database,
    id: i64,
    actor: &crate::AuditActor,
) -> Result<AdminOutcome, StoreError> {
    change_by(db, id, actor, AdminChange::Cancel).await
}

#[derive(Debug, Clone, Copy)]
enum AdminChange {
    Retry,
    Cancel,
}

async fn change_by(
    db: &crate::Database,
    id: i64,
    actor: &crate::AuditActor,
    change: AdminChange,
) -> Result<AdminOutcome, StoreError> {
    use crate::audit::AuditView;
    let txn = db.begin().await?;
    let Some(before) = find(&txn, id).await? else {
        return Ok(AdminOutcome::NotFound);
    };
    let now = crate::clock::now();
    let (changed, action) = match change {
        AdminChange::Retry => (retry(&txn, id, now).await?, "retry"),
        AdminChange::Cancel => (cancel(&txn, id, now).await?, "cancel"),
    };
    if !changed {
        return Ok(AdminOutcome::Unchanged(before));
    }
    let after = find(&txn, id).await?.ok_or(StoreError::NotFound)?;
    crate::audit::record(
        &txn,
        actor,
        crate::AuditRecord::of(
            action,
            "job",
            id,
            Some(before.audit_view()),
            Some(after.audit_view()),
        ),
        now,
    )
    .await?;
    crate::Database::commit(txn).await?;
    Ok(AdminOutcome::Changed(after))
}
