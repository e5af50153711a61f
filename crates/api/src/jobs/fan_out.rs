//! `event.fan_out`: turns events into the notifications of those who hear of them (see
//! `persistence::notifications::fan_out_to`) and queues their webhook deliveries, a batch of
//! events at a time. Each transaction records the success of the jobs whose writes it holds, so
//! a fan-out that is cut off and run again writes each notification and queues each delivery once.
//!
//! Batches matter because every write that announces an event pays for its fan-out: run one by
//! one, each event cost a claim and a transaction of its own, and on SQLite every one of them
//! queued behind the single write lock the requests wait for too.

use super::{BatchJobHandler, JobError, JobResult, RunningJob};
use crate::webhooks::{WebhookSettings, delivery};
use serde::Deserialize;
use std::time::Duration;

/// How many batches run at once in one process.
pub const CONCURRENCY: usize = 2;
/// The most events one batch takes.
pub const BATCH_SIZE: u32 = 100;
/// How long a process waits after claiming before it claims again: the most a notification is
/// delayed by batching, and what lets a stream of writes collect into batches.
pub const LINGER: Duration = Duration::from_millis(200);
/// About how many rows (notifications and queued deliveries) one transaction of a batch writes.
pub const ROWS_PER_COMMIT: usize = 1_000;

#[derive(Debug, Deserialize)]
struct Input {
    event_id: i64,
}

/// The handler of `event.fan_out` jobs.
pub struct EventFanOut {
    pub webhooks: WebhookSettings,
}

#[async_trait::async_trait]
impl BatchJobHandler for EventFanOut {
    async fn run_batch(&self, batch: &[RunningJob]) -> JobResult {
        let Some(first) = batch.first() else {
            return Ok(());
        };
        let inputs = batch
            .iter()
            .map(RunningJob::input::<Input>)
            .collect::<Result<Vec<_>, _>>()?;
        let now = persistence::clock::now();
        let mut audience = persistence::notifications::Audience::default();
        let (mut notified, mut mailed, mut deliveries) = (0, 0, 0);
        // A batch commits in parts of about `ROWS_PER_COMMIT` notifications, so that an event
        // a thousand people follow does not hold SQLite's one write lock (which every request's
        // write waits for) through a hundred such events.
        let mut start = 0;
        while start < batch.len() {
            let txn = persistence::begin_write(&first.db.conn)
                .await
                .map_err(JobError::retry)?;
            let mut end = start;
            let mut rows = 0;
            while end < batch.len() && (end == start || rows < ROWS_PER_COMMIT) {
                let event_id = inputs[end].event_id;
                let written =
                    persistence::notifications::fan_out_to(&txn, event_id, now, &mut audience)
                        .await?;
                let queued = delivery::queue_deliveries(&txn, event_id, &self.webhooks).await?;
                rows += written.notified as usize + queued;
                notified += written.notified;
                mailed += written.mailed;
                deliveries += queued;
                end += 1;
            }
            RunningJob::succeed_all_in(&txn, &batch[start..end]).await?;
            txn.commit().await.map_err(JobError::retry)?;
            start = end;
        }
        tracing::debug!(
            events = inputs.len(),
            notified,
            mailed,
            deliveries,
            "events fanned out"
        );
        Ok(())
    }
}
