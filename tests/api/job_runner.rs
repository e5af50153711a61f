//! The durable job runner, driven with job kinds that exist only here: a job is written with the
//! transaction that causes it and runs once; a failing job is retried after a growing wait and
//! ends dead with its last error; a scheduled job waits for its time; a kind never runs more
//! jobs at once than its limit; two runners on one database share a queue without running a job
//! twice; a job whose runner died is taken up by another once its lease runs out; a runner that
//! stops hands its unfinished jobs back; a dedupe key keeps one job of its kind in the queue; and
//! on SQLite a job lets a writing request have the write lock first, without being starved by
//! requests that never stop.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use api::jobs::{
    BatchJobHandler, JobError, JobHandler, JobResult, Runner, RunnerHandle, RunnerSettings,
    RunningJob,
};
use persistence::jobs::{self as queue, Job, NewJob};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

on_both_databases!(
    a_job_enqueued_in_a_rolled_back_transaction_never_runs_and_a_committed_one_runs_once,
    a_failing_job_is_retried_after_growing_waits_and_ends_dead_with_its_last_error,
    a_job_that_cannot_succeed_is_dead_after_one_attempt,
    a_job_scheduled_for_later_does_not_run_before_its_time,
    a_kind_never_runs_more_jobs_at_once_than_its_limit,
    two_runners_sharing_a_queue_run_each_of_its_jobs_exactly_once,
    a_job_whose_runner_died_is_taken_up_by_another_after_its_lease_runs_out,
    a_job_held_under_a_lapsed_lease_is_run_again_and_its_first_worker_cannot_record_it,
    a_runner_that_stops_hands_its_unfinished_jobs_back_and_they_run_again,
    a_runner_that_stops_lets_jobs_finish_within_the_deadline,
    a_dedupe_key_keeps_one_job_in_the_queue_until_it_has_run,
    a_batch_kind_runs_waiting_jobs_together_and_a_bad_job_fails_alone,
    a_job_still_runs_while_requests_keep_writing,
);

#[tokio::test]
async fn on_sqlite_a_job_waits_for_the_request_that_is_writing_and_runs_when_it_ends() {
    let app = spawn_app(Backend::Sqlite).await;
    let counting = Counting::default();
    let request = app.app_db.request_started();
    let runner =
        start(Runner::new(app.app_db.clone(), settings()).handle(COUNTED, 2, counting.clone()));
    let id = enqueue(
        &app,
        NewJob::new(COUNTED, json!({ "which": "after the request" })),
    )
    .await;
    runner.wake();
    // Well inside the runner's patience (persistence::traffic::PATIENCE), and many of its polls.
    assert!(persistence::traffic::PATIENCE > Duration::from_millis(200));
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(
        job(&app, id).await.state,
        "queued",
        "the runner lets the writing request have the lock first"
    );
    drop(request);
    until_state(&app, id, "succeeded", Duration::from_secs(10)).await;
    assert_eq!(
        counting.payloads(),
        vec![json!({ "which": "after the request" })]
    );
    runner.shutdown(tokio::time::Instant::now()).await;
}

const COUNTED: &str = "test.counted";
const FAILING: &str = "test.failing";
const SLOW: &str = "test.slow";
const BATCHED: &str = "test.batched";

/// Quick enough for tests: polls often, retries after a tenth of a second.
fn settings() -> RunnerSettings {
    RunnerSettings {
        poll_interval: Duration::from_millis(20),
        lease: Duration::from_secs(5),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_secs(10),
        ..RunnerSettings::default()
    }
}

/// Records each payload it runs, and by which runner, and succeeds.
#[derive(Clone, Default)]
struct Counting {
    runs: Arc<Mutex<Vec<(Value, String)>>>,
    runner: String,
}

impl Counting {
    fn named(runner: &str, runs: &Arc<Mutex<Vec<(Value, String)>>>) -> Self {
        Counting {
            runs: Arc::clone(runs),
            runner: runner.to_owned(),
        }
    }
    fn payloads(&self) -> Vec<Value> {
        self.runs
            .lock()
            .unwrap()
            .iter()
            .map(|(p, _)| p.clone())
            .collect()
    }
}

#[async_trait::async_trait]
impl JobHandler for Counting {
    async fn run(&self, job: &RunningJob) -> JobResult {
        self.runs
            .lock()
            .unwrap()
            .push((job.payload.clone(), self.runner.clone()));
        Ok(())
    }
}

/// Fails its first `failures` attempts (asking to be retried), then succeeds; notes when each
/// attempt started.
#[derive(Clone)]
struct Failing {
    failures: usize,
    started: Arc<Mutex<Vec<Instant>>>,
}

#[async_trait::async_trait]
impl JobHandler for Failing {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let attempt = {
            let mut started = self.started.lock().unwrap();
            started.push(Instant::now());
            started.len()
        };
        assert_eq!(
            job.attempt as usize, attempt,
            "the attempt number counts up"
        );
        if attempt <= self.failures {
            Err(JobError::retry(format!(
                "受信側が応答しません (attempt {attempt})"
            )))
        } else {
            Ok(())
        }
    }
}

/// Gives up at once: its input can never work.
struct Hopeless;

#[async_trait::async_trait]
impl JobHandler for Hopeless {
    async fn run(&self, job: &RunningJob) -> JobResult {
        Err(JobError::give_up(format!(
            "record {} is gone",
            job.payload["id"]
        )))
    }
}

/// Sleeps for a while, counting how many of its jobs run at once; says when each starts, and
/// notes when one was stopped before it finished.
#[derive(Clone)]
struct Sleeping {
    sleep: Duration,
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    started: mpsc::UnboundedSender<i64>,
    finished: Arc<AtomicUsize>,
    interrupted: Arc<AtomicBool>,
}

impl Sleeping {
    fn new(sleep: Duration) -> (Self, mpsc::UnboundedReceiver<i64>) {
        let (started, receiver) = mpsc::unbounded_channel();
        let handler = Sleeping {
            sleep,
            now: Arc::default(),
            most: Arc::default(),
            started,
            finished: Arc::default(),
            interrupted: Arc::default(),
        };
        (handler, receiver)
    }
}

/// Marks the attempt interrupted unless it was disarmed at its end.
struct Interrupted(Arc<AtomicBool>, bool);

impl Drop for Interrupted {
    fn drop(&mut self) {
        if !self.1 {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

#[async_trait::async_trait]
impl JobHandler for Sleeping {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let mut guard = Interrupted(Arc::clone(&self.interrupted), false);
        let at_once = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(at_once, Ordering::SeqCst);
        let _ = self.started.send(job.id);
        tokio::time::sleep(self.sleep).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        self.finished.fetch_add(1, Ordering::SeqCst);
        guard.1 = true;
        Ok(())
    }
}

async fn enqueue(app: &TestApp, job: NewJob) -> i64 {
    queue::enqueue(&app.app_db.conn, job)
        .await
        .unwrap()
        .unwrap()
}

async fn job(app: &TestApp, id: i64) -> Job {
    queue::find(&app.app_db.conn, id).await.unwrap().unwrap()
}

/// Waits until job #`id` is in `state`; fails after `within`.
async fn until_state(app: &TestApp, id: i64, state: &str, within: Duration) -> Job {
    let deadline = Instant::now() + within;
    loop {
        let current = job(app, id).await;
        if current.state == state {
            return current;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} is not {state} after {within:?}: {current:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn start(runner: Runner) -> RunnerHandle {
    let handle = runner.start();
    handle.wake();
    handle
}

async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs_and_a_committed_one_runs_once(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let counting = Counting::default();
    let runner =
        start(Runner::new(app.app_db.clone(), settings()).handle(COUNTED, 2, counting.clone()));

    let txn = app.app_db.begin().await.unwrap();
    queue::enqueue(
        &txn,
        NewJob::new(COUNTED, json!({ "which": "rolled back" })),
    )
    .await
    .unwrap()
    .unwrap();
    sea_orm::TransactionSession::rollback(txn).await.unwrap();
    let txn = app.app_db.begin().await.unwrap();
    let committed = queue::enqueue(&txn, NewJob::new(COUNTED, json!({ "which": "committed" })))
        .await
        .unwrap()
        .unwrap();
    persistence::Database::commit(txn).await.unwrap();
    runner.wake();

    let done = until_state(&app, committed, "succeeded", Duration::from_secs(10)).await;
    assert_eq!(done.attempts, 1);
    assert!(
        done.finished_at.is_some() && done.locked_by.is_none(),
        "{done:?}"
    );
    // Several polls more, in which a second run or the rolled-back job would show.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(counting.payloads(), vec![json!({ "which": "committed" })]);
    let page = queue::list(
        &app.app_db.conn,
        Some(COUNTED),
        None,
        persistence::PageRequest {
            page: 1,
            per_page: 50,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        page.total, 1,
        "the rolled-back job left no row: {:?}",
        page.items
    );
    runner.shutdown(tokio::time::Instant::now()).await;
}

async fn a_failing_job_is_retried_after_growing_waits_and_ends_dead_with_its_last_error(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let failing = Failing {
        failures: usize::MAX,
        started: Arc::default(),
    };
    let runner =
        start(Runner::new(app.app_db.clone(), settings()).handle(FAILING, 1, failing.clone()));
    let id = enqueue(&app, NewJob::new(FAILING, json!({})).attempts(4)).await;
    runner.wake();

    let dead = until_state(&app, id, "dead", Duration::from_secs(20)).await;
    assert_eq!(dead.attempts, 4);
    assert_eq!(
        dead.last_error.as_deref(),
        Some("受信側が応答しません (attempt 4)"),
        "the last attempt's error is kept"
    );
    assert!(
        dead.finished_at.is_some() && dead.locked_by.is_none(),
        "{dead:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = failing.started.lock().unwrap().clone();
    assert_eq!(started.len(), 4, "a dead job is not tried again");

    // Retry n waits base × 2^(n−1) times a factor between ½ and 1.
    let waits: Vec<Duration> = started.windows(2).map(|w| w[1] - w[0]).collect();
    for (n, wait) in waits.iter().enumerate() {
        let least = Duration::from_millis(100 * (1 << n) / 2);
        assert!(
            *wait >= least,
            "retry {} came after {wait:?}, before {least:?}",
            n + 1
        );
    }
    assert!(waits[2] > waits[0], "the waits grow: {waits:?}");
    runner.shutdown(tokio::time::Instant::now()).await;
}

async fn a_job_that_cannot_succeed_is_dead_after_one_attempt(backend: Backend) {
    let app = spawn_app(backend).await;
    let runner = start(Runner::new(app.app_db.clone(), settings()).handle(FAILING, 1, Hopeless));
    let id = enqueue(&app, NewJob::new(FAILING, json!({ "id": 42 }))).await;
    runner.wake();
    let dead = until_state(&app, id, "dead", Duration::from_secs(10)).await;
    assert_eq!(dead.attempts, 1);
    assert_eq!(dead.last_error.as_deref(), Some("record 42 is gone"));
    runner.shutdown(tokio::time::Instant::now()).await;
}

async fn a_job_scheduled_for_later_does_not_run_before_its_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let runs = Arc::new(Mutex::new(Vec::new()));
    let ran_at = Arc::new(Mutex::new(Vec::new()));
    struct Timed(Arc<Mutex<Vec<chrono::DateTime<chrono::Utc>>>>);
    #[async_trait::async_trait]
    impl JobHandler for Timed {
        async fn run(&self, _job: &RunningJob) -> JobResult {
            self.0.lock().unwrap().push(chrono::Utc::now());
            Ok(())
        }
    }
    let runner = start(
        Runner::new(app.app_db.clone(), settings())
            .handle(SLOW, 1, Timed(Arc::clone(&ran_at)))
            .handle(COUNTED, 1, Counting::named("one", &runs)),
    );
    let when = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let later = enqueue(&app, NewJob::new(SLOW, json!({})).at(when)).await;
    let now = enqueue(&app, NewJob::new(COUNTED, json!({ "due": "now" }))).await;
    runner.wake();

    until_state(&app, now, "succeeded", Duration::from_secs(10)).await;
    assert_eq!(job(&app, later).await.state, "queued", "not yet due");
    assert!(ran_at.lock().unwrap().is_empty());
    let done = until_state(&app, later, "succeeded", Duration::from_secs(10)).await;
    let ran = ran_at.lock().unwrap().clone();
    assert_eq!(ran.len(), 1);
    assert!(ran[0] >= when, "ran at {} before {when}", ran[0]);
    assert_eq!(done.run_at, when.trunc_subsecs_micros());
    runner.shutdown(tokio::time::Instant::now()).await;
}

trait Micros {
    fn trunc_subsecs_micros(self) -> Self;
}

impl Micros for chrono::DateTime<chrono::Utc> {
    fn trunc_subsecs_micros(self) -> Self {
        chrono::SubsecRound::trunc_subsecs(self, 6)
    }
}

async fn a_kind_never_runs_more_jobs_at_once_than_its_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let (sleeping, _started) = Sleeping::new(Duration::from_millis(150));
    let runner =
        start(Runner::new(app.app_db.clone(), settings()).handle(SLOW, 3, sleeping.clone()));
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(enqueue(&app, NewJob::new(SLOW, json!({ "n": n }))).await);
    }
    runner.wake();
    for id in ids {
        until_state(&app, id, "succeeded", Duration::from_secs(20)).await;
    }
    assert_eq!(sleeping.finished.load(Ordering::SeqCst), 12);
    assert_eq!(
        sleeping.most.load(Ordering::SeqCst),
        3,
        "three at once, never more"
    );
    runner.shutdown(tokio::time::Instant::now()).await;
}

async fn a_job_still_runs_while_requests_keep_writing(backend: Backend) {
    let app = spawn_app(backend).await;
    let counting = Counting::default();
    let _unending = app.app_db.request_started();
    let runner =
        start(Runner::new(app.app_db.clone(), settings()).handle(COUNTED, 2, counting.clone()));
    let id = enqueue(
        &app,
        NewJob::new(COUNTED, json!({ "which": "under traffic" })),
    )
    .await;
    runner.wake();
    let done = until_state(&app, id, "succeeded", Duration::from_secs(10)).await;
    assert_eq!(done.attempts, 1);
    assert_eq!(
        counting.payloads(),
        vec![json!({ "which": "under traffic" })]
    );
    runner.shutdown(tokio::time::Instant::now()).await;
}

/// A connection pool of its own, as another server process would have.
async fn own_connection(app: &TestApp) -> persistence::Database {
    persistence::Database::connect(&persistence::DatabaseSettings {
        url: app.database_url.clone(),
        max_connections: 3,
        acquire_timeout: Duration::from_secs(10),
        sqlite_synchronous: persistence::SqliteSync::Normal,
        sqlite_max_size_mib: 0,
    })
    .await
    .unwrap()
}

async fn two_runners_sharing_a_queue_run_each_of_its_jobs_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let runs = Arc::new(Mutex::new(Vec::new()));
    let first = start(Runner::new(own_connection(&app).await, settings()).handle(
        COUNTED,
        4,
        Counting::named("first", &runs),
    ));
    let second = start(Runner::new(own_connection(&app).await, settings()).handle(
        COUNTED,
        4,
        Counting::named("second", &runs),
    ));
    assert_ne!(
        first.worker(),
        second.worker(),
        "each runner has its own worker id"
    );
    let mut ids = Vec::new();
    for n in 0..200 {
        ids.push(enqueue(&app, NewJob::new(COUNTED, json!({ "n": n }))).await);
        if n % 20 == 0 {
            first.wake();
            second.wake();
        }
    }
    first.wake();
    second.wake();
    for id in &ids {
        let done = until_state(&app, *id, "succeeded", Duration::from_secs(60)).await;
        assert_eq!(done.attempts, 1, "{done:?}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let runs = runs.lock().unwrap().clone();
    let mut ran: Vec<i64> = runs.iter().map(|(p, _)| p["n"].as_i64().unwrap()).collect();
    ran.sort_unstable();
    assert_eq!(
        ran,
        (0..200).collect::<Vec<_>>(),
        "each job ran exactly once"
    );
    let by_first = runs.iter().filter(|(_, r)| r == "first").count();
    assert!(
        by_first > 0 && by_first < 200,
        "both runners took jobs (the first ran {by_first} of 200)"
    );
    first.shutdown(tokio::time::Instant::now()).await;
    second.shutdown(tokio::time::Instant::now()).await;
}

async fn a_job_whose_runner_died_is_taken_up_by_another_after_its_lease_runs_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = enqueue(&app, NewJob::new(SLOW, json!({}))).await;

    // The doomed runner lives on a runtime of its own, which is torn down mid-job the way a
    // killed process stops: no handing back, no further lease renewals.
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let (die_tx, die_rx) = std::sync::mpsc::channel::<()>();
    let url = app.database_url.clone();
    let doomed = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (sleeping, mut started) = Sleeping::new(Duration::from_secs(3600));
        let handle = runtime.block_on(async move {
            let db = persistence::Database::connect(&persistence::DatabaseSettings {
                url,
                max_connections: 2,
                acquire_timeout: Duration::from_secs(10),
                sqlite_synchronous: persistence::SqliteSync::Normal,
                sqlite_max_size_mib: 0,
            })
            .await
            .unwrap();
            let short_lease = RunnerSettings {
                lease: Duration::from_millis(900),
                ..settings()
            };
            let handle = start(Runner::new(db, short_lease).handle(SLOW, 1, sleeping));
            let job = started.recv().await.unwrap();
            started_tx.send((job, handle.worker().to_owned())).unwrap();
            handle
        });
        die_rx.recv().unwrap();
        runtime.shutdown_background();
        drop(handle);
    });
    let (started_job, doomed_worker) =
        tokio::time::timeout(Duration::from_secs(10), started_rx.recv())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(started_job, id);
    // Long enough for the doomed runner to have renewed its lease at least once.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let held = job(&app, id).await;
    assert_eq!(held.state, "running");
    assert_eq!(held.locked_by.as_deref(), Some(doomed_worker.as_str()));
    die_tx.send(()).unwrap();
    tokio::task::spawn_blocking(move || doomed.join().unwrap())
        .await
        .unwrap();
    let died_at = Instant::now();

    let runs = Arc::new(Mutex::new(Vec::new()));
    let survivor = start(Runner::new(app.app_db.clone(), settings()).handle(
        SLOW,
        1,
        Counting::named("survivor", &runs),
    ));
    let done = until_state(&app, id, "succeeded", Duration::from_secs(15)).await;
    assert_eq!(
        done.attempts, 2,
        "the dead runner's claim counted as an attempt"
    );
    assert_eq!(runs.lock().unwrap().len(), 1);
    assert!(
        died_at.elapsed() < Duration::from_secs(10),
        "taken up soon after the lease ran out"
    );
    survivor.shutdown(tokio::time::Instant::now()).await;
}

async fn a_job_held_under_a_lapsed_lease_is_run_again_and_its_first_worker_cannot_record_it(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let id = enqueue(&app, NewJob::new(COUNTED, json!({}))).await;
    let now = persistence::clock::now();
    let claimed = queue::claim(
        &app.app_db.conn,
        COUNTED,
        "vanished-worker",
        10,
        now,
        now + chrono::Duration::milliseconds(600),
    )
    .await
    .unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);

    let runs = Arc::new(Mutex::new(Vec::new()));
    let runner = start(Runner::new(app.app_db.clone(), settings()).handle(
        COUNTED,
        1,
        Counting::named("second", &runs),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(runs.lock().unwrap().is_empty(), "not while the lease holds");
    assert_eq!(
        job(&app, id).await.locked_by.as_deref(),
        Some("vanished-worker")
    );

    let done = until_state(&app, id, "succeeded", Duration::from_secs(10)).await;
    assert_eq!(done.attempts, 2);
    assert_eq!(runs.lock().unwrap().len(), 1);
    let late = queue::succeed(
        &app.app_db.conn,
        id,
        "vanished-worker",
        persistence::clock::now(),
    )
    .await
    .unwrap();
    assert!(!late, "the worker that lost the job cannot record its end");
    let late_failure = queue::fail(
        &app.app_db.conn,
        &claimed[0],
        "vanished-worker",
        "too late",
        queue::AfterFailure::GiveUp,
        persistence::clock::now(),
    )
    .await
    .unwrap();
    assert!(!late_failure);
    assert_eq!(job(&app, id).await.state, "succeeded");
    runner.shutdown(tokio::time::Instant::now()).await;
}

async fn a_runner_that_stops_hands_its_unfinished_jobs_back_and_they_run_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let (sleeping, mut started) = Sleeping::new(Duration::from_secs(3600));
    let runner =
        start(Runner::new(app.app_db.clone(), settings()).handle(SLOW, 2, sleeping.clone()));
    let first = enqueue(&app, NewJob::new(SLOW, json!({ "n": 1 }))).await;
    let second = enqueue(&app, NewJob::new(SLOW, json!({ "n": 2 }))).await;
    runner.wake();
    for _ in 0..2 {
        tokio::time::timeout(Duration::from_secs(10), started.recv())
            .await
            .unwrap()
            .unwrap();
    }
    runner
        .shutdown(tokio::time::Instant::now() + Duration::from_millis(200))
        .await;
    for id in [first, second] {
        let handed_back = job(&app, id).await;
        assert_eq!(handed_back.state, "queued", "{handed_back:?}");
        assert_eq!(
            handed_back.attempts, 0,
            "the interrupted attempt does not count"
        );
        assert!(handed_back.locked_by.is_none());
    }
    assert!(
        sleeping.interrupted.load(Ordering::SeqCst),
        "the handlers were stopped, not left running"
    );
    assert_eq!(sleeping.finished.load(Ordering::SeqCst), 0);

    let runs = Arc::new(Mutex::new(Vec::new()));
    let next = start(Runner::new(app.app_db.clone(), settings()).handle(
        SLOW,
        2,
        Counting::named("next", &runs),
    ));
    for id in [first, second] {
        let done = until_state(&app, id, "succeeded", Duration::from_secs(10)).await;
        assert_eq!(done.attempts, 1);
    }
    assert_eq!(runs.lock().unwrap().len(), 2);
    next.shutdown(tokio::time::Instant::now()).await;
}

async fn a_runner_that_stops_lets_jobs_finish_within_the_deadline(backend: Backend) {
    let app = spawn_app(backend).await;
    let (sleeping, mut started) = Sleeping::new(Duration::from_millis(300));
    let runner =
        start(Runner::new(app.app_db.clone(), settings()).handle(SLOW, 1, sleeping.clone()));
    let id = enqueue(&app, NewJob::new(SLOW, json!({}))).await;
    runner.wake();
    tokio::time::timeout(Duration::from_secs(10), started.recv())
        .await
        .unwrap()
        .unwrap();
    runner
        .shutdown(tokio::time::Instant::now() + Duration::from_secs(10))
        .await;
    assert_eq!(job(&app, id).await.state, "succeeded");
    assert!(!sleeping.interrupted.load(Ordering::SeqCst));
    let later = enqueue(&app, NewJob::new(SLOW, json!({}))).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        job(&app, later).await.state,
        "queued",
        "a stopped runner claims nothing"
    );
}

async fn a_dedupe_key_keeps_one_job_in_the_queue_until_it_has_run(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = "test.counted:record-7";
    let first = queue::enqueue(
        &app.app_db.conn,
        NewJob::new(COUNTED, json!({ "n": 1 })).dedupe(key),
    )
    .await
    .unwrap();
    assert!(first.is_some());
    let txn = app.app_db.begin().await.unwrap();
    let again = queue::enqueue(&txn, NewJob::new(COUNTED, json!({ "n": 2 })).dedupe(key))
        .await
        .unwrap();
    assert_eq!(again, None, "the same key adds nothing while queued");
    // The caller's transaction survives the conflict (PostgreSQL aborts on a failed statement).
    let other = queue::enqueue(
        &txn,
        NewJob::new(COUNTED, json!({ "n": 3 })).dedupe("another key"),
    )
    .await
    .unwrap();
    assert!(other.is_some());
    persistence::Database::commit(txn).await.unwrap();

    let runs = Arc::new(Mutex::new(Vec::new()));
    let runner = start(Runner::new(app.app_db.clone(), settings()).handle(
        COUNTED,
        1,
        Counting::named("one", &runs),
    ));
    until_state(&app, first.unwrap(), "succeeded", Duration::from_secs(10)).await;
    until_state(&app, other.unwrap(), "succeeded", Duration::from_secs(10)).await;
    let mut ran: Vec<i64> = runs
        .lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p["n"].as_i64().unwrap())
        .collect();
    ran.sort_unstable();
    assert_eq!(ran, vec![1, 3]);

    let after = queue::enqueue(
        &app.app_db.conn,
        NewJob::new(COUNTED, json!({ "n": 4 })).dedupe(key),
    )
    .await
    .unwrap();
    assert!(
        after.is_some(),
        "once the job has run, the key is free again"
    );
    runner.wake();
    until_state(&app, after.unwrap(), "succeeded", Duration::from_secs(10)).await;
    assert_eq!(runs.lock().unwrap().len(), 3);
    runner.shutdown(tokio::time::Instant::now()).await;
}

#[test]
fn retry_waits_double_up_to_the_cap_with_a_jitter_between_half_and_all_of_it() {
    let settings = RunnerSettings {
        backoff_base: Duration::from_secs(5),
        backoff_max: Duration::from_secs(60),
        ..RunnerSettings::default()
    };
    for attempt in 1..=12 {
        let full = Duration::from_secs(5 * (1 << (attempt - 1))).min(Duration::from_secs(60));
        let mut seen = Vec::new();
        for _ in 0..50 {
            let wait = api::jobs::backoff(&settings, attempt);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?} for {full:?}"
            );
            seen.push(wait);
        }
        seen.dedup();
        assert!(
            seen.len() > 1,
            "attempt {attempt}: the wait is spread, not fixed"
        );
    }
}

/// Runs a batch in one transaction that records every job succeeded, and notes the size of
/// each batch; a job whose payload says `bad` spoils the batch it is in.
#[derive(Clone, Default)]
struct Batching {
    sizes: Arc<Mutex<Vec<usize>>>,
}

#[async_trait::async_trait]
impl BatchJobHandler for Batching {
    async fn run_batch(&self, batch: &[RunningJob]) -> JobResult {
        self.sizes.lock().unwrap().push(batch.len());
        if batch.iter().any(|job| job.payload["bad"] == json!(true)) {
            return Err(JobError::give_up("この行は読めません"));
        }
        let txn = batch[0].db.begin().await.map_err(JobError::retry)?;
        RunningJob::succeed_all_in(&txn, batch).await?;
        persistence::Database::commit(txn)
            .await
            .map_err(JobError::retry)?;
        Ok(())
    }
}

async fn a_batch_kind_runs_waiting_jobs_together_and_a_bad_job_fails_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(
            enqueue(
                &app,
                NewJob::new(BATCHED, json!({ "n": n, "bad": n == 17 })),
            )
            .await,
        );
    }
    let batching = Batching::default();
    let runner = start(Runner::new(app.app_db.clone(), settings()).handle_batches(
        BATCHED,
        1,
        25,
        Duration::from_millis(50),
        batching.clone(),
    ));

    let bad = until_state(&app, ids[17], "dead", Duration::from_secs(10)).await;
    assert_eq!(bad.last_error.as_deref(), Some("この行は読めません"));
    assert_eq!(
        bad.attempts, 1,
        "failing with its batch spent no extra attempt"
    );
    for (n, id) in ids.iter().enumerate().filter(|(n, _)| *n != 17) {
        let done = until_state(&app, *id, "succeeded", Duration::from_secs(10)).await;
        assert_eq!(done.attempts, 1, "job {n} ran in one attempt");
    }
    let sizes = batching.sizes.lock().unwrap().clone();
    assert_eq!(
        sizes[0], 25,
        "the first claim took a full batch of the waiting jobs: {sizes:?}"
    );
    assert!(
        sizes.contains(&5),
        "the remaining five ran together: {sizes:?}"
    );
    assert_eq!(
        sizes.iter().filter(|size| **size == 1).count(),
        25,
        "the spoilt batch ran again one job at a time: {sizes:?}"
    );
    runner
        .shutdown(tokio::time::Instant::now() + Duration::from_secs(5))
        .await;
}
