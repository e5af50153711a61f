//! Who goes first at SQLite's one write lock: the writes people are waiting for. Requests that
//! may write say so while they run ([`WriteTraffic::request_started`]); the background work of
//! the job runner asks for a quiet moment ([`WriteTraffic::quiet_moment`]) before each of its
//! transactions, so that it takes the lock in the gaps between requests instead of in front of
//! them.
//!
//! Why it matters: a SQLite writer that finds the lock taken does not queue. It sleeps and tries
//! again, for 1, 2, 5, 10, 15, 20 ms and longer, so a request that met the fan-out's transaction
//! a few times in a row waited tens of milliseconds for a lock that was free most of that time
//! (issue 16's write path: a p99 of 44 ms with the runner on, 7 ms with it off). PostgreSQL
//! writers do not share one lock, so there a quiet moment is not waited for.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// The longest background work waits for requests to finish before it writes anyway: under an
/// unbroken stream of writes, notifications are late by this much per transaction, not forever.
pub const PATIENCE: Duration = Duration::from_millis(250);

/// The writing requests now running in this process, and a signal for when there are none.
#[derive(Debug, Default)]
pub struct WriteTraffic {
    requests: AtomicUsize,
    quiet: Notify,
}

/// Held while a request that may write runs; dropping it ends the request's share of traffic.
#[derive(Debug)]
pub struct RequestInFlight(Arc<WriteTraffic>);

impl Drop for RequestInFlight {
    fn drop(&mut self) {
        if self.0.requests.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.quiet.notify_waiters();
        }
    }
}

impl WriteTraffic {
    /// Counts a request that may write until the returned guard is dropped.
    pub fn request_started(self: &Arc<Self>) -> RequestInFlight {
        self.requests.fetch_add(1, Ordering::AcqRel);
        RequestInFlight(Arc::clone(self))
    }

    /// How many writing requests are running now.
    pub fn requests_in_flight(&self) -> usize {
        self.requests.load(Ordering::Acquire)
    }

    /// Returns once no writing request is running, or after `patience` at the latest. Says
    /// whether the moment was quiet.
    pub async fn quiet_moment(&self, patience: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            // Registered before the count is read, so a request ending in between still wakes us.
            let ended = self.quiet.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            if self.requests_in_flight() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_quiet_moment_comes_at_once_when_no_request_is_writing() {
        let traffic = Arc::new(WriteTraffic::default());
        assert!(traffic.quiet_moment(Duration::from_secs(5)).await);
    }

    #[tokio::test]
    async fn a_quiet_moment_comes_when_the_last_writing_request_ends() {
        let traffic = Arc::new(WriteTraffic::default());
        let first = traffic.request_started();
        let second = traffic.request_started();
        let waiting = tokio::spawn({
            let traffic = Arc::clone(&traffic);
            async move {
                let started = tokio::time::Instant::now();
                let quiet = traffic.quiet_moment(Duration::from_secs(5)).await;
                (quiet, started.elapsed())
            }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        drop(first);
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished(), "one request is still writing");
        drop(second);
        let Ok((quiet, waited)) = waiting.await else {
            panic!("the waiting task failed");
        };
        assert!(quiet);
        assert!(waited >= Duration::from_millis(60));
        assert_eq!(traffic.requests_in_flight(), 0);
    }

    #[tokio::test]
    async fn background_work_stops_waiting_after_its_patience_under_unbroken_traffic() {
        let traffic = Arc::new(WriteTraffic::default());
        let _writing = traffic.request_started();
        let quiet = traffic.quiet_moment(Duration::from_millis(20)).await;
        assert!(!quiet);
        assert_eq!(traffic.requests_in_flight(), 1);
    }
}
