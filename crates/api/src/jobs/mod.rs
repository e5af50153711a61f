//! The job runner: every server process runs one. It claims due jobs of each kind it has a
//! handler for (up to the kind's concurrency limit in this process), keeps their leases alive
//! while their handlers run, and records each attempt's end: succeeded, queued again after an
//! exponential backoff with jitter, or dead once its attempts are spent. The queue itself, and
//! the guarantees of claiming, are `persistence::jobs`.
//!
//! Handlers are registered by kind in [`handlers`]; a handler must tolerate running twice for
//! one job (a worker killed after the handler's writes but before the job was marked succeeded
//! leaves it to be run again when the lease runs out).

pub mod admin;
pub mod fan_out;
pub mod handlers;
pub mod mail;
pub mod recurring;
pub mod reminders;
pub mod round_reports;

use persistence::Database;
use persistence::jobs::{self as store, AfterFailure, Job};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

/// How the runner paces itself; `[jobs]` in the configuration.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// Off: this process claims no jobs (another instance runs them).
    pub enabled: bool,
    /// How often an idle runner looks for due jobs.
    pub poll_interval: Duration,
    /// How long a claim holds a job; renewed every third of it while the handler runs.
    pub lease: Duration,
    /// The first retry waits about this long; each later one twice as long as the one before.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Attempts before a job is dead, unless its kind says otherwise.
    pub max_attempts: i32,
    /// How long finished jobs are kept for the admin screen.
    pub keep_finished: Duration,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        RunnerSettings {
            enabled: true,
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(3600),
            max_attempts: store::DEFAULT_MAX_ATTEMPTS,
            keep_finished: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Why an attempt failed, and whether another could succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JobError {
    /// Try again after the backoff (a receiver down, the database busy).
    #[error("{0}")]
    Retry(String),
    /// Trying again cannot help (the job's record is gone, its input is malformed).
    #[error("{0}")]
    GiveUp(String),
}

impl JobError {
    pub fn retry(cause: impl std::fmt::Display) -> Self {
        JobError::Retry(cause.to_string())
    }
    pub fn give_up(cause: impl std::fmt::Display) -> Self {
        JobError::GiveUp(cause.to_string())
    }
}

impl From<persistence::StoreError> for JobError {
    fn from(err: persistence::StoreError) -> Self {
        match err {
            persistence::StoreError::NotFound | persistence::StoreError::Corrupt(_) => {
                JobError::GiveUp(err.to_string())
            }
            _ => JobError::Retry(err.to_string()),
        }
    }
}

pub type JobResult = Result<(), JobError>;

/// One claimed job, as its handler sees it.
#[derive(Debug)]
pub struct RunningJob {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    /// 1 on the first attempt.
    pub attempt: i32,
    pub db: Database,
    worker: String,
    recorded: AtomicBool,
}

impl RunningJob {
    /// Starts the job's write transaction once no request is writing (SQLite; see
    /// `persistence::traffic`), so that a job never makes a person's write wait.
    pub async fn begin_write(&self) -> Result<persistence::DatabaseTransaction, JobError> {
        self.db.let_requests_write_first().await;
        persistence::begin_write(&self.db.conn)
            .await
            .map_err(JobError::retry)
    }

    /// Marks the job succeeded on `conn`: a handler passes its own transaction, so the job reads
    /// succeeded exactly when its writes are committed and a rerun after a crash finds it done.
    /// An error means the worker lost the job to another; the handler should roll back.
    pub async fn succeed_in<C: persistence::ConnectionTrait>(&self, conn: &C) -> JobResult {
        if store::succeed(conn, self.id, &self.worker, persistence::clock::now()).await? {
            self.recorded.store(true, Ordering::Release);
            Ok(())
        } else {
            Err(JobError::GiveUp(format!(
                "job {} was taken over by another worker",
                self.id
            )))
        }
    }

    /// Marks every job of `batch` succeeded on `conn`, as [`Self::succeed_in`] does for one; an
    /// error means another worker took one of them, and the handler should roll back.
    pub async fn succeed_all_in<C: persistence::ConnectionTrait>(
        conn: &C,
        batch: &[RunningJob],
    ) -> JobResult {
        let Some(first) = batch.first() else {
            return Ok(());
        };
        let ids: Vec<i64> = batch.iter().map(|job| job.id).collect();
        let held =
            store::succeed_many(conn, &ids, &first.worker, persistence::clock::now()).await?;
        if held != ids.len() as u64 {
            return Err(JobError::GiveUp(format!(
                "{} of jobs {ids:?} were taken over by another worker",
                ids.len() as u64 - held
            )));
        }
        for job in batch {
            job.recorded.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// The payload read as `T`; a payload that does not fit is not worth retrying.
    pub fn input<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.payload.clone())
            .map_err(|e| JobError::give_up(format!("job {} payload: {e}", self.id)))
    }
}

/// What runs the jobs of one kind.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &RunningJob) -> JobResult;
}

/// What runs the jobs of a kind that is much cheaper to run many at a time than one by one (a
/// fan-out: one transaction and one look at the audience for a whole batch of events).
#[async_trait::async_trait]
pub trait BatchJobHandler: Send + Sync + 'static {
    /// Runs the jobs of `batch`, recording each one succeeded ([`RunningJob::succeed_all_in`]) in
    /// the transaction that holds its writes (one for the batch, or one per part of it). When a
    /// batch fails, the runner runs the jobs not yet recorded again one at a time, so one bad job
    /// fails alone.
    async fn run_batch(&self, batch: &[RunningJob]) -> JobResult;
}

/// How the jobs of a kind are run.
enum Work {
    One(Arc<dyn JobHandler>),
    /// Up to `size` jobs per run; after a claim the kind waits `linger` before claiming again,
    /// so that under a stream of events each claim finds a batch rather than a single job.
    Batch {
        handler: Arc<dyn BatchJobHandler>,
        size: u32,
        linger: Duration,
    },
}

/// A kind the runner claims, with its handler and limits.
struct Kind {
    name: &'static str,
    work: Work,
    slots: Arc<Semaphore>,
    max_attempts: i32,
    /// When this process last claimed jobs of the kind.
    last_claim: Option<tokio::time::Instant>,
}

/// The runner before it starts: its settings and the handlers it has.
pub struct Runner {
    db: Database,
    settings: RunnerSettings,
    worker: String,
    kinds: Vec<Kind>,
}

impl Runner {
    pub fn new(db: Database, settings: RunnerSettings) -> Self {
        let worker = format!(
            "{}:{}:{}",
            hostname(),
            std::process::id(),
            crate::auth::passwords::random_token(6).unwrap_or_default()
        );
        Runner {
            db,
            settings,
            worker,
            kinds: Vec::new(),
        }
    }

    /// Runs jobs of `kind` with `handler`, at most `concurrency` at once in this process.
    pub fn handle(self, kind: &'static str, concurrency: usize, handler: impl JobHandler) -> Self {
        self.add(kind, concurrency, Work::One(Arc::new(handler)))
    }

    /// Runs jobs of `kind` in batches of up to `size` with `handler`, at most `concurrency`
    /// batches at once in this process, claiming at most once per `linger`.
    pub fn handle_batches(
        self,
        kind: &'static str,
        concurrency: usize,
        size: u32,
        linger: Duration,
        handler: impl BatchJobHandler,
    ) -> Self {
        let work = Work::Batch {
            handler: Arc::new(handler),
            size: size.max(1),
            linger,
        };
        self.add(kind, concurrency, work)
    }

    fn add(mut self, kind: &'static str, concurrency: usize, work: Work) -> Self {
        let max_attempts = self.settings.max_attempts;
        self.kinds.push(Kind {
            name: kind,
            work,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            max_attempts,
            last_claim: None,
        });
        self
    }

    /// Gives jobs of `kind` at most `attempts` attempts (the configured default otherwise).
    pub fn attempts(mut self, kind: &str, attempts: i32) -> Self {
        for k in &mut self.kinds {
            if k.name == kind {
                k.max_attempts = attempts.max(1);
            }
        }
        self
    }

    /// The kinds this runner has handlers for.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|k| k.name).collect()
    }

    /// Starts claiming on the current runtime, which must outlive the HTTP workers' own.
    pub fn start(self) -> RunnerHandle {
        // A disabled runner starts stopped, so its loop cannot claim once before it is told.
        let (stop_tx, stop_rx) = watch::channel(!self.settings.enabled);
        let wake = Arc::new(Notify::new());
        let held = Arc::new(Mutex::new(HashSet::new()));
        let shared = Arc::new(Shared {
            db: self.db,
            settings: self.settings,
            worker: self.worker,
            held: Arc::clone(&held),
        });
        let task = tokio::spawn(claim_loop(
            Arc::clone(&shared),
            self.kinds,
            stop_rx,
            Arc::clone(&wake),
        ));
        RunnerHandle {
            stop: stop_tx,
            wake,
            task: Mutex::new(Some(task)),
            shared,
        }
    }
}

struct Shared {
    db: Database,
    settings: RunnerSettings,
    worker: String,
    /// Jobs this process holds right now.
    held: Arc<Mutex<HashSet<i64>>>,
}

/// A started runner: wake it when jobs were just committed, and stop it at shutdown.
pub struct RunnerHandle {
    stop: watch::Sender<bool>,
    wake: Arc<Notify>,
    task: Mutex<Option<tokio::task::JoinHandle<JoinSet<()>>>>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for RunnerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerHandle")
            .field("worker", &self.shared.worker)
            .finish_non_exhaustive()
    }
}

impl RunnerHandle {
    /// Looks for due jobs now rather than at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// This process's worker name, as `locked_by` shows it.
    pub fn worker(&self) -> &str {
        &self.shared.worker
    }

    /// Stops claiming, lets running jobs finish until `deadline`, then cancels the rest and hands
    /// them back to the queue without counting the attempt.
    pub async fn shutdown(&self, deadline: tokio::time::Instant) {
        let _ = self.stop.send(true);
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        let Some(task) = task else { return };
        let mut running = match task.await {
            Ok(running) => running,
            Err(err) => {
                tracing::error!(error = %err, "the job runner stopped unexpectedly");
                return;
            }
        };
        let finished = tokio::time::timeout_at(deadline, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            running.shutdown().await;
            let held: Vec<i64> = self
                .shared
                .held
                .lock()
                .map(|h| h.iter().copied().collect())
                .unwrap_or_default();
            for id in held {
                let now = persistence::clock::now();
                match store::release(&self.shared.db.conn, id, &self.shared.worker, now).await {
                    Ok(_) => tracing::info!(job = id, "job handed back to the queue at shutdown"),
                    Err(err) => tracing::warn!(job = id, error = %err, "job not handed back"),
                }
            }
        }
    }
}

/// Claims and starts jobs until told to stop; returns the jobs still running.
async fn claim_loop(
    shared: Arc<Shared>,
    mut kinds: Vec<Kind>,
    mut stop: watch::Receiver<bool>,
    wake: Arc<Notify>,
) -> JoinSet<()> {
    let mut running = JoinSet::new();
    let mut last_sweep = tokio::time::Instant::now();
    let sweep_every = Duration::from_secs(30);
    loop {
        if *stop.borrow() {
            return running;
        }
        while running.try_join_next().is_some() {}
        let mut claimed_any = false;
        let mut pause = shared.settings.poll_interval;
        let due = match store::due_kinds(&shared.db.conn, persistence::clock::now()).await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "due jobs could not be looked up");
                Vec::new()
            }
        };
        for kind in kinds.iter_mut().filter(|k| due.iter().any(|d| d == k.name)) {
            let free = kind.slots.available_permits();
            if free == 0 {
                continue;
            }
            let limit = match &kind.work {
                Work::One(_) => u32::try_from(free).unwrap_or(u32::MAX),
                Work::Batch { size, linger, .. } => {
                    let waited = kind.last_claim.map(|at| at.elapsed());
                    if let Some(waited) = waited
                        && waited < *linger
                    {
                        pause = pause.min(*linger - waited);
                        continue;
                    }
                    *size
                }
            };
            shared.db.let_requests_write_first().await;
            let now = persistence::clock::now();
            let lease_until = now + to_chrono(shared.settings.lease);
            let claimed = store::claim(
                &shared.db.conn,
                kind.name,
                &shared.worker,
                limit,
                now,
                lease_until,
            )
            .await;
            let jobs = match claimed {
                Ok(jobs) => jobs,
                Err(err) => {
                    tracing::warn!(kind = kind.name, error = %err, "jobs could not be claimed");
                    continue;
                }
            };
            if jobs.is_empty() {
                continue;
            }
            claimed_any = true;
            kind.last_claim = Some(tokio::time::Instant::now());
            if let Ok(mut held) = shared.held.lock() {
                held.extend(jobs.iter().map(|job| job.id));
            }
            let max_attempts = kind.max_attempts;
            match &kind.work {
                Work::One(handler) => {
                    for job in jobs {
                        let Ok(permit) = Arc::clone(&kind.slots).try_acquire_owned() else {
                            // Cannot happen (the claim took no more than the free slots).
                            let _ =
                                store::release(&shared.db.conn, job.id, &shared.worker, now).await;
                            forget_held(&shared, &[job.id]);
                            continue;
                        };
                        let shared = Arc::clone(&shared);
                        let handler = Arc::clone(handler);
                        running.spawn(async move {
                            run_one(&shared, handler, job, max_attempts).await;
                            drop(permit);
                        });
                    }
                }
                Work::Batch { handler, .. } => {
                    let Ok(permit) = Arc::clone(&kind.slots).try_acquire_owned() else {
                        for job in &jobs {
                            let _ =
                                store::release(&shared.db.conn, job.id, &shared.worker, now).await;
                        }
                        forget_held(&shared, &jobs.iter().map(|j| j.id).collect::<Vec<_>>());
                        continue;
                    };
                    let shared = Arc::clone(&shared);
                    let handler = Arc::clone(handler);
                    running.spawn(async move {
                        run_batch(&shared, handler, jobs, max_attempts).await;
                        drop(permit);
                    });
                }
            }
        }
        if last_sweep.elapsed() >= sweep_every {
            last_sweep = tokio::time::Instant::now();
            sweep(&shared).await;
        }
        if !claimed_any {
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = wake.notified() => {}
                _ = stop.changed() => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
    }
}

fn forget_held(shared: &Shared, ids: &[i64]) {
    if let Ok(mut held) = shared.held.lock() {
        for id in ids {
            held.remove(id);
        }
    }
}

/// Buries jobs whose last attempt's worker died, and forgets old finished jobs.
async fn sweep(shared: &Shared) {
    let now = persistence::clock::now();
    match store::bury_abandoned(&shared.db.conn, now).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            jobs = n,
            "jobs whose worker died on their last attempt are dead"
        ),
        Err(err) => tracing::warn!(error = %err, "abandoned jobs could not be buried"),
    }
    let before = now - to_chrono(shared.settings.keep_finished);
    if let Err(err) = store::forget_finished(&shared.db.conn, before).await {
        tracing::warn!(error = %err, "old jobs could not be forgotten");
    }
}

fn running_job(shared: &Shared, job: &Job) -> RunningJob {
    RunningJob {
        id: job.id,
        kind: job.kind.clone(),
        payload: serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null),
        attempt: job.attempts,
        db: shared.db.clone(),
        worker: shared.worker.clone(),
        recorded: AtomicBool::new(false),
    }
}

/// Runs one claimed job to the end of its attempt, renewing its lease meanwhile.
async fn run_one(shared: &Shared, handler: Arc<dyn JobHandler>, job: Job, max_attempts: i32) {
    let running = Arc::new(running_job(shared, &job));
    let outcome = under_lease(shared, &[job.id], {
        let running = Arc::clone(&running);
        async move { handler.run(&running).await }
    })
    .await;
    record_end(shared, &job, &running, outcome, max_attempts).await;
    forget_held(shared, &[job.id]);
}

/// Runs a claimed batch; when it fails as a whole, runs its jobs again one at a time so that
/// each records its own end and a bad job cannot hold back the others.
async fn run_batch(
    shared: &Shared,
    handler: Arc<dyn BatchJobHandler>,
    jobs: Vec<Job>,
    max_attempts: i32,
) {
    let ids: Vec<i64> = jobs.iter().map(|job| job.id).collect();
    let batch = Arc::new(
        jobs.iter()
            .map(|job| running_job(shared, job))
            .collect::<Vec<_>>(),
    );
    let outcome = under_lease(shared, &ids, {
        let batch = Arc::clone(&batch);
        let handler = Arc::clone(&handler);
        async move { handler.run_batch(&batch).await }
    })
    .await;
    match outcome {
        Err(err) if jobs.len() > 1 => {
            tracing::info!(jobs = jobs.len(), error = %err, "a batch failed; its jobs run one at a time");
            for (job, ran) in jobs.iter().zip(batch.iter()) {
                // A part of the batch that committed before the failure is done.
                if ran.recorded.load(Ordering::Acquire) {
                    continue;
                }
                let single = Arc::new(vec![running_job(shared, job)]);
                let outcome = under_lease(shared, &[job.id], {
                    let single = Arc::clone(&single);
                    let handler = Arc::clone(&handler);
                    async move { handler.run_batch(&single).await }
                })
                .await;
                record_end(shared, job, &single[0], outcome, max_attempts).await;
            }
        }
        outcome => {
            for (job, running) in jobs.iter().zip(batch.iter()) {
                record_end(shared, job, running, outcome.clone(), max_attempts).await;
            }
        }
    }
    forget_held(shared, &ids);
}

/// Runs `attempt` in its own task while renewing the lease of `ids`, and says how it ended.
async fn under_lease<F>(shared: &Shared, ids: &[i64], attempt: F) -> JobResult
where
    F: std::future::Future<Output = JobResult> + Send + 'static,
{
    // Its own task, so that a panicking handler fails this attempt instead of the runner; aborted
    // with this one, so that a job handed back at shutdown is not still being worked on.
    let mut attempt = AbortOnDrop(tokio::spawn(attempt));
    let renew = async {
        let mut every = tokio::time::interval(shared.settings.lease / 3);
        every.tick().await;
        loop {
            every.tick().await;
            shared.db.let_requests_write_first().await;
            let until = persistence::clock::now() + to_chrono(shared.settings.lease);
            match store::renew_leases(&shared.db.conn, ids, &shared.worker, until).await {
                Ok(held) if held == ids.len() as u64 => {}
                Ok(_) => tracing::warn!(jobs = ?ids, "lease lost while the job ran"),
                Err(err) => tracing::warn!(jobs = ?ids, error = %err, "lease not renewed"),
            }
        }
    };
    let outcome = tokio::select! {
        joined = &mut attempt.0 => joined,
        () = renew => unreachable_renewal(),
    };
    match outcome {
        Ok(result) => result,
        Err(err) if err.is_panic() => Err(JobError::Retry("the handler panicked".to_owned())),
        Err(err) => Err(JobError::Retry(format!("the handler was cancelled: {err}"))),
    }
}

/// Records how one attempt at `job` ended: succeeded (unless the handler recorded it already),
/// queued again after the backoff, or dead.
async fn record_end(
    shared: &Shared,
    job: &Job,
    running: &RunningJob,
    outcome: JobResult,
    max_attempts: i32,
) {
    shared.db.let_requests_write_first().await;
    let now = persistence::clock::now();
    let recorded = match outcome {
        Ok(()) if running.recorded.load(Ordering::Acquire) => Ok(true),
        Ok(()) => store::succeed(&shared.db.conn, job.id, &shared.worker, now).await,
        Err(err) => {
            let (message, after) = match &err {
                JobError::GiveUp(m) => (m.clone(), AfterFailure::GiveUp),
                JobError::Retry(m) if job.attempts >= max_attempts => {
                    (m.clone(), AfterFailure::GiveUp)
                }
                JobError::Retry(m) => (
                    m.clone(),
                    AfterFailure::RetryAt(now + to_chrono(backoff(&shared.settings, job.attempts))),
                ),
            };
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %message, "job attempt failed");
            store::fail(&shared.db.conn, job, &shared.worker, &message, after, now).await
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            job = job.id,
            "job's end not recorded: another worker holds it"
        ),
        Err(err) => tracing::error!(job = job.id, error = %err, "job's end not recorded"),
    }
}

/// A spawned task that ends when its handle is dropped (tokio's own handle lets it run on).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn unreachable_renewal() -> Result<JobResult, tokio::task::JoinError> {
    Ok(Err(JobError::Retry("lease renewal stopped".to_owned())))
}

/// The wait before retry number `attempt` (1 after the first failure): exponential, capped, and
/// spread by a random factor between ½ and 1 so that jobs that failed together do not retry
/// together.
pub fn backoff(settings: &RunnerSettings, attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let full = settings
        .backoff_base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(settings.backoff_max);
    let mut byte = [0u8; 1];
    let spread = if getrandom::fill(&mut byte).is_ok() {
        0.5 + f64::from(byte[0]) / 510.0
    } else {
        0.75
    };
    full.mul_f64(spread)
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned())
}
