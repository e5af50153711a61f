//! Work that repeats on the clock (the daily sweep for overdue milestones, and others): each run
//! queues the next one in its own transaction, keyed by the time it is due, and the server queues
//! a first run when it starts. Two instances starting together queue one run, and a run that is
//! repeated (after a lost lease, or a restart) changes nothing, since every recurring handler
//! is idempotent.

use super::{JobHandler, JobResult, RunningJob};
use crate::clock::next_tokyo_time;
use chrono::{DateTime, NaiveTime, Utc};
use persistence::jobs::{self, NewJob};
use persistence::{ConnectionTrait, Database, StoreError};

/// The daily sweep that announces milestones whose quarter ended undone.
pub const MILESTONE_OVERDUE_SWEEP: &str = "milestone.overdue_sweep";

/// Queues a run of `kind` at `at`, unless one for that time is already queued.
pub async fn queue_run<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let key = format!("{kind}@{}", at.format("%Y-%m-%dT%H:%M"));
    jobs::enqueue(
        conn,
        NewJob::new(kind, serde_json::json!({})).at(at).dedupe(key),
    )
    .await?;
    Ok(())
}

/// Queues a first run of every recurring kind now: at start-up, so that a server that was down
/// when a run was due catches up.
pub async fn queue_first_runs(db: &Database) -> Result<(), StoreError> {
    let now = persistence::clock::now();
    for kind in [MILESTONE_OVERDUE_SWEEP, persistence::mail::DIGEST_JOB] {
        let key = format!("{kind}@start");
        jobs::enqueue(
            &db.conn,
            NewJob::new(kind, serde_json::json!({})).at(now).dedupe(key),
        )
        .await?;
    }
    Ok(())
}

/// Announces overdue milestones (see `persistence::milestone_watch`), daily at 00:10 in Tokyo.
pub struct MilestoneOverdueSweep;

#[async_trait::async_trait]
impl JobHandler for MilestoneOverdueSweep {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let txn = job.begin_write().await?;
        let announced =
            persistence::milestone_watch::announce_overdue(&txn, crate::clock::today_in_tokyo())
                .await?;
        let at = NaiveTime::from_hms_opt(0, 10, 0).unwrap_or_default();
        queue_run(
            &txn,
            MILESTONE_OVERDUE_SWEEP,
            next_tokyo_time(persistence::clock::now(), at),
        )
        .await?;
        job.succeed_in(&txn).await?;
        txn.commit().await.map_err(super::JobError::retry)?;
        if announced > 0 {
            tracing::info!(announced, "overdue milestones announced");
        }
        Ok(())
    }
}
