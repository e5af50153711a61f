//! Import jobs as rows: started, progressing, then finished with their outcome, or marked
//! interrupted when nothing is left to run them. Every change of state is a conditional update on
//! `state = 'running'`, so a job is finished or interrupted once, never both.
//!
//! An import is run by the durable job runner: [`start`] writes the import's row, its file
//! (`import_uploads`) and its `import.run` job in one transaction, so whichever instance claims
//! the job runs the import, and an import whose server stopped or was killed runs again from its
//! file once the job is taken up again. The file is forgotten when the import ends.

use crate::StoreError;
use crate::entities::{import_job, import_upload};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};

pub use import_job::Model as ImportJob;

pub const RUNNING: &str = "running";
/// The kind of the runner's job that runs an import; its payload is `{"import_id": id}`.
pub const RUN_JOB: &str = "import.run";
/// Attempts an import gets: a file that crashes its server every time is not tried for ever.
pub const RUN_ATTEMPTS: i32 = 3;
pub const INTERRUPTED: &str = "interrupted";

pub async fn insert<C: ConnectionTrait>(conn: &C, job: ImportJob) -> Result<(), StoreError> {
    job.into_active_model().insert(conn).await?;
    Ok(())
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<ImportJob>, StoreError> {
    Ok(import_job::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?)
}

/// How far a running job has got.
#[derive(Debug, Clone)]
pub struct Progress {
    pub processed_rows: i32,
    /// JSON: each phase's progress; none leaves the recorded phases as they are.
    pub phases: Option<String>,
}

/// Rows checked so far and each phase's progress; also proof that the job's server is alive.
pub async fn record_progress<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    progress: Progress,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut update = import_job::Entity::update_many().col_expr(
        import_job::Column::ProcessedRows,
        Expr::value(progress.processed_rows),
    );
    if let Some(phases) = progress.phases {
        update = update.col_expr(import_job::Column::Phases, Expr::value(phases));
    }
    update
        .col_expr(import_job::Column::HeartbeatAt, Expr::value(now))
        .filter(import_job::Column::Id.eq(id))
        .filter(import_job::Column::State.eq(RUNNING))
        .exec(conn)
        .await?;
    Ok(())
}

/// How a job ended.
#[derive(Debug, Clone)]
pub struct Finished {
    pub state: String,
    pub processed_rows: i32,
    /// created, updated, unchanged, rejected
    pub counts: [i32; 4],
    pub row_outcomes: String,
    pub message: Option<String>,
    /// JSON: each phase's progress at the end; none leaves the recorded phases as they are.
    pub phases: Option<String>,
    pub finished_at: DateTime<Utc>,
}

/// Records the end of a running job. A real import passes its own transaction, so the outcome is
/// stored exactly when the rows are. False when the job was no longer running.
pub async fn finish<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    finished: Finished,
) -> Result<bool, StoreError> {
    let [created, updated, unchanged, rejected] = finished.counts;
    let mut update = import_job::Entity::update_many();
    if let Some(phases) = finished.phases {
        update = update.col_expr(import_job::Column::Phases, Expr::value(phases));
    }
    let result = update
        .col_expr(import_job::Column::State, Expr::value(finished.state))
        .col_expr(
            import_job::Column::ProcessedRows,
            Expr::value(finished.processed_rows),
        )
        .col_expr(import_job::Column::Created, Expr::value(created))
        .col_expr(import_job::Column::Updated, Expr::value(updated))
        .col_expr(import_job::Column::Unchanged, Expr::value(unchanged))
        .col_expr(import_job::Column::Rejected, Expr::value(rejected))
        .col_expr(
            import_job::Column::RowOutcomes,
            Expr::value(finished.row_outcomes),
        )
        .col_expr(import_job::Column::Message, Expr::value(finished.message))
        .col_expr(
            import_job::Column::FinishedAt,
            Expr::value(finished.finished_at),
        )
        .col_expr(
            import_job::Column::HeartbeatAt,
            Expr::value(finished.finished_at),
        )
        .filter(import_job::Column::Id.eq(id))
        .filter(import_job::Column::State.eq(RUNNING))
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    // A dry run changes nothing anyone needs to hear of; a real import's end is announced with
    // its outcome, in the same transaction.
    if let Some(job) = find(conn, id).await?
        && !job.dry_run
    {
        crate::announce::import_ended(conn, &job, finished.finished_at).await?;
    }
    Ok(true)
}

/// Marks these jobs interrupted if they are still running; the number marked.
pub async fn interrupt<C: ConnectionTrait>(
    conn: &C,
    ids: &[String],
    message: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = interrupted_update(message, now)
        .filter(import_job::Column::Id.is_in(ids.iter().cloned()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

fn interrupted_update(
    message: &str,
    now: DateTime<Utc>,
) -> sea_orm::UpdateMany<import_job::Entity> {
    import_job::Entity::update_many()
        .col_expr(import_job::Column::State, Expr::value(INTERRUPTED))
        .col_expr(import_job::Column::Message, Expr::value(message))
        .col_expr(import_job::Column::FinishedAt, Expr::value(now))
        .filter(import_job::Column::State.eq(RUNNING))
}

/// Forgets finished jobs that ended before `finished_before`; the number removed.
pub async fn prune<C: ConnectionTrait>(
    conn: &C,
    finished_before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = import_job::Entity::delete_many()
        .filter(import_job::Column::State.ne(RUNNING))
        .filter(import_job::Column::FinishedAt.lt(finished_before))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The dedupe key of import `id`'s run: present on its job while the job is queued or running.
fn run_key(id: &str) -> String {
    format!("{RUN_JOB}:{id}")
}

/// Records a new import, keeps its file with the audit actor it writes as (JSON), and queues the
/// job that runs it: one transaction, so there is never an import without its job or the reverse.
pub async fn start(
    db: &crate::Database,
    job: ImportJob,
    file: Vec<u8>,
    actor: String,
) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    let id = job.id.clone();
    let now = job.created_at;
    job.into_active_model().insert(&txn).await?;
    import_upload::ActiveModel {
        import_id: Set(id.clone()),
        bytes: Set(file),
        actor: Set(actor),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    crate::jobs::enqueue(
        &txn,
        crate::jobs::NewJob::new(RUN_JOB, serde_json::json!({ "import_id": id }))
            .attempts(RUN_ATTEMPTS)
            .dedupe(run_key(&id)),
    )
    .await?;
    crate::Database::commit(txn).await?;
    Ok(())
}

/// The file of import `id`, while its import has not ended.
pub async fn upload<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<import_upload::Model>, StoreError> {
    Ok(import_upload::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?)
}

/// Forgets the file of import `id` (it has ended).
pub async fn forget_upload<C: ConnectionTrait>(conn: &C, id: &str) -> Result<(), StoreError> {
    import_upload::Entity::delete_by_id(id.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

/// Whether import `id` has a run queued or under way (held by a live worker, or by a dead one
/// whose lease will run out): if so, it will run, and is not abandoned.
pub async fn has_pending_run<C: ConnectionTrait>(conn: &C, id: &str) -> Result<bool, StoreError> {
    let pending = crate::entities::job::Entity::find()
        .filter(crate::entities::job::Column::DedupeKey.eq(run_key(id)))
        .filter(
            crate::entities::job::Column::State
                .is_in([crate::jobs::state::QUEUED, crate::jobs::state::RUNNING]),
        )
        .count(conn)
        .await?;
    Ok(pending > 0)
}

/// Marks interrupted every running import that nothing will run any more: its job is gone, dead
/// or cancelled (or it predates the runner). The number marked.
pub async fn interrupt_unrunnable(
    conn: &impl ConnectionTrait,
    message: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let running: Vec<String> = import_job::Entity::find()
        .select_only()
        .column(import_job::Column::Id)
        .filter(import_job::Column::State.eq(RUNNING))
        .into_tuple()
        .all(conn)
        .await?;
    let mut abandoned = Vec::new();
    for id in running {
        if !has_pending_run(conn, &id).await? {
            abandoned.push(id);
        }
    }
    interrupt(conn, &abandoned, message, now).await
}
