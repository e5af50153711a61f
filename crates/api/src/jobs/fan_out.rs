//! `event.fan_out`: turns events into the notifications of those who hear of them and queues
//! their webhook deliveries, a batch of events at a time. Who hears of each event is decided by
//! reads first (`persistence::notifications::who_hears`), and only then does a write transaction
//! insert the notifications (`write_notifications`) and the deliveries. Each transaction records
//! the success of the jobs whose writes it holds, so a fan-out that is cut off and run again
//! writes each notification and queues each delivery once.
//!
//! Batches matter because every write that announces an event pays for its fan-out: run one by
//! one, each event cost a claim and a transaction of its own, and on SQLite every one of them
//! queued behind the single write lock the requests wait for too. Reading before writing matters
//! for the same lock: a request that meets the fan-out's transaction waits only for its inserts.

use super::{BatchJobHandler, JobError, JobResult, RunningJob};
use crate::webhooks::{WebhookSettings, delivery};
use serde::Deserialize;
use std::collections::HashMap;
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
        // Who hears of each event and which endpoints want it, decided by reads before any write
        // transaction begins: on SQLite the write lock is then held for the inserts alone. The
        // reads share one transaction that writes nothing, so that they use one pooled connection
        // (SQLite takes no write lock for it) and see one state of the records.
        let reading = persistence::begin_read(&first.db.conn)
            .await
            .map_err(JobError::retry)?;
        let conn = &reading;
        let mut audience = persistence::notifications::Audience::default();
        let mut endpoints_by_kind: HashMap<String, Vec<i64>> = HashMap::new();
        let mut plans = Vec::with_capacity(inputs.len());
        for input in &inputs {
            let hearing =
                persistence::notifications::who_hears(conn, input.event_id, &mut audience).await?;
            let endpoints = match endpoints_by_kind.get(&hearing.event_kind) {
                Some(known) => known.clone(),
                None => {
                    let wanting = persistence::webhooks::wanting(conn, &hearing.event_kind)
                        .await?
                        .into_iter()
                        .map(|endpoint| endpoint.id)
                        .collect::<Vec<_>>();
                    endpoints_by_kind.insert(hearing.event_kind.clone(), wanting.clone());
                    wanting
                }
            };
            plans.push((hearing, endpoints));
        }
        reading.rollback().await.map_err(JobError::retry)?;
        let now = persistence::clock::now();
        let (mut notified, mut mailed, mut deliveries) = (0, 0, 0);
        // A batch commits in parts of about `ROWS_PER_COMMIT` rows, so that an event a thousand
        // people follow does not hold SQLite's one write lock through a hundred such events.
        let mut start = 0;
        while start < plans.len() {
            let mut end = start;
            let mut rows = 0;
            while end < plans.len() && (end == start || rows < ROWS_PER_COMMIT) {
                rows += plans[end].0.hearers.len() + plans[end].1.len();
                end += 1;
            }
            let part = &plans[start..end];
            let hearings: Vec<_> = part.iter().map(|(hearing, _)| hearing.clone()).collect();
            let txn = first.begin_write().await?;
            let written =
                persistence::notifications::write_notifications(&txn, &hearings, now).await?;
            for (hearing, endpoints) in part {
                for endpoint_id in endpoints {
                    persistence::jobs::enqueue(
                        &txn,
                        delivery::deliver_job(
                            hearing.event_id,
                            *endpoint_id,
                            self.webhooks.max_attempts,
                        ),
                    )
                    .await?;
                }
                deliveries += endpoints.len();
            }
            RunningJob::succeed_all_in(&txn, &batch[start..end]).await?;
            txn.commit().await.map_err(JobError::retry)?;
            notified += written.notified;
            mailed += written.mailed;
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
