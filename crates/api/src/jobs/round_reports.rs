//! `round.freeze_report`: freezes a closed round's report when the request that closed it did
//! not get to (it was cut off after the close committed). The close writes this job, due a
//! minute later; the work and its once-per-close check are `persistence::rounds::freeze_report`.

use super::{JobHandler, JobResult, RunningJob};
use chrono::{DateTime, Utc};
use persistence::rounds::{self, Freezing};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Input {
    round_id: i64,
    known_at: DateTime<Utc>,
}

/// The handler of `round.freeze_report` jobs.
pub struct FreezeRoundReport;

#[async_trait::async_trait]
impl JobHandler for FreezeRoundReport {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: Input = job.input()?;
        let done = rounds::freeze_report(&job.db.conn, input.round_id, input.known_at).await?;
        if let Freezing::Frozen(version) = done {
            tracing::info!(
                round_id = input.round_id,
                version,
                "a round's report was frozen by its job, not by the close's request"
            );
        }
        Ok(())
    }
}
