//! Import jobs as rows: started, progressing, then finished with their outcome, or marked
//! interrupted when the server that ran them stopped first. Every change of state is a
//! conditional update on `state = 'running'`, so a job is finished or interrupted once, never both.

use crate::StoreError;
use crate::entities::import_job;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

pub use import_job::Model as ImportJob;

pub const RUNNING: &str = "running";
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

pub async fn heartbeat<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    import_job::Entity::update_many()
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

/// Marks interrupted every running job whose server has not been heard from since `silent_since`
/// (it stopped without saying so: killed, out of memory, power lost); the number marked.
pub async fn interrupt_silent<C: ConnectionTrait>(
    conn: &C,
    silent_since: DateTime<Utc>,
    message: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = interrupted_update(message, now)
        .filter(import_job::Column::HeartbeatAt.lt(silent_since))
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
