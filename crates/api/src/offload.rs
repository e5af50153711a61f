//! Work too heavy for an HTTP worker: reading an uploaded file, writing a workbook. An HTTP worker
//! is one thread serving many connections, so a second of parsing there is a second in which every
//! other request on it waits (and its keep-alive clock stops, so its connections are dropped after
//! the answer). Such work runs on the blocking pool instead, a few pieces at a time, so that it
//! neither stalls the workers nor takes every core from them.

use crate::error::ApiError;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Pieces of heavy work running at once: half the cores, at least one, so the other half keeps
/// answering requests whatever is uploaded.
pub fn slots() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores / 2).max(1)
}

fn semaphore() -> Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    Arc::clone(SLOTS.get_or_init(|| Arc::new(Semaphore::new(slots()))))
}

/// Runs `work` on the blocking pool once a slot is free. The slot goes with the work, not with
/// the caller: a client that hangs up does not free it while the work still runs.
pub async fn run<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = semaphore()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let done = work();
        drop(slot);
        done
    })
    .await
    .map_err(|e| ApiError::internal(format!("heavy work stopped: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn heavy_work_runs_off_the_calling_thread_and_returns_its_result() {
        let caller = std::thread::current().id();
        let (worker, sum) = run(|| (std::thread::current().id(), (1..=100u64).sum::<u64>()))
            .await
            .unwrap();
        assert_ne!(worker, caller);
        assert_eq!(sum, 5050);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_more_pieces_run_at_once_than_there_are_slots() {
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                run(move || {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = running.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for task in futures_util::future::join_all(tasks).await {
            task.unwrap();
        }
        let most = most.load(std::sync::atomic::Ordering::SeqCst);
        assert!(most >= 1 && most <= slots(), "{most} at once");
    }
}
