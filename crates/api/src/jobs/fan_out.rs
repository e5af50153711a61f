//! `event.fan_out`: turns one event into the notifications of those who hear of it (see
//! `persistence::notifications::fan_out`), in one transaction with the job's success, so a
//! fan-out that is cut off and run again writes each notification once.

use super::{JobError, JobHandler, JobResult, RunningJob};
use serde::Deserialize;

/// How many fan-outs run at once in one process.
pub const CONCURRENCY: usize = 4;

#[derive(Debug, Deserialize)]
struct Input {
    event_id: i64,
}

/// The handler of `event.fan_out` jobs.
pub struct EventFanOut;

#[async_trait::async_trait]
impl JobHandler for EventFanOut {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: Input = job.input()?;
        let txn = persistence::begin_write(&job.db.conn)
            .await
            .map_err(JobError::retry)?;
        let written =
            persistence::notifications::fan_out(&txn, input.event_id, persistence::clock::now())
                .await?;
        job.succeed_in(&txn).await?;
        txn.commit().await.map_err(JobError::retry)?;
        tracing::debug!(
            event_id = input.event_id,
            notified = written.notified,
            mailed = written.mailed,
            "event fanned out"
        );
        Ok(())
    }
}
