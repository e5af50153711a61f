//! Running imports and answering for them. A job is a row of `import_jobs`, so any instance can
//! tell the import screen how it is going, and it runs on the server's own runtime rather than on
//! the HTTP worker that accepted the file: a worker's runtime ends with the worker, and work
//! still running on it is dropped outside any runtime (sqlx then panics returning its
//! connection). When the server stops, running imports get the shutdown timeout to finish; the
//! rest are cancelled (their transaction rolls back) and recorded as interrupted, which the person
//! who started them sees after the restart.

use crate::error::{ApiError, ErrorCode};
use crate::tabular::dto::{
    ImportColumnOut, ImportJobOut, ImportKindDto, ImportPhaseOut, ImportRowOut, ImportStateDto,
    ImportSummaryOut, JobOutcome, Phases,
};
use chrono::Utc;
use domain::{Owner, Principal, PrincipalKind, rights};
use persistence::import_jobs::{self as store, ImportJob};
use persistence::{ConnectionTrait, Database, StoreError};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How often a running job tells the database its server is alive (PostgreSQL; on SQLite, which
/// one server uses alone, its progress does).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// A job marked running whose server has been silent this long has lost its server.
const SILENT_AFTER: chrono::Duration = chrono::Duration::seconds(60);
/// Finished jobs are kept this long for the screen to show.
const KEPT_FOR: chrono::Duration = chrono::Duration::days(30);

pub const INTERRUPTED_MESSAGE: &str = "サーバーが停止したため、取り込みを中断しました。何も変更していません。もう一度取り込んでください。 / The import was interrupted because the server stopped; nothing was changed. Please run it again.";

/// Where a running import reports its progress and its end: its row (the server) or memory (the
/// command line, which shows a progress bar and records nothing).
#[derive(Clone)]
pub enum JobLog {
    Stored {
        id: String,
        db: Database,
        /// A progress write is under way; the next one waits for it rather than queueing up.
        writing: Arc<AtomicBool>,
    },
    Memory(Arc<Mutex<ImportJobOut>>),
}

impl JobLog {
    /// Rows checked so far, and how far each phase has got. Never waits: on SQLite a write can
    /// wait for another import's transaction, and the rows need not wait for the progress bar.
    pub fn progress(&self, processed_rows: u32, phases: &Phases) {
        match self {
            JobLog::Memory(job) => {
                if let Ok(mut job) = job.lock() {
                    job.processed_rows = processed_rows;
                    job.phase = phases.current();
                    job.phases.clone_from(&phases.0);
                }
            }
            JobLog::Stored { id, db, writing } => {
                if writing.swap(true, Ordering::AcqRel) {
                    return;
                }
                let (id, db, writing) = (id.clone(), db.clone(), Arc::clone(writing));
                let phases = serde_json::to_string(&phases.0).ok();
                tokio::spawn(async move {
                    let rows = i32::try_from(processed_rows).unwrap_or(i32::MAX);
                    let progress = store::Progress {
                        processed_rows: rows,
                        phases,
                    };
                    if let Err(err) =
                        store::record_progress(&db.conn, &id, progress, Utc::now()).await
                    {
                        tracing::warn!(error = %err, job = %id, "import progress not recorded");
                    }
                    writing.store(false, Ordering::Release);
                });
            }
        }
    }

    /// Records the end. A real import passes its transaction, so that the job reads succeeded
    /// exactly when the rows are stored; a job no longer running (marked interrupted meanwhile)
    /// makes the import fail, and its transaction roll back.
    pub async fn finish<C: ConnectionTrait>(
        &self,
        conn: &C,
        outcome: JobOutcome,
    ) -> Result<(), ApiError> {
        match self {
            JobLog::Memory(job) => {
                if let Ok(mut job) = job.lock() {
                    job.state = outcome.state;
                    job.processed_rows = outcome.processed_rows;
                    job.summary = outcome.summary;
                    job.rows = outcome.rows;
                    job.message = outcome.message;
                    job.phase = outcome.phases.current();
                    job.phases = outcome.phases.0;
                    job.finished_at = Some(Utc::now());
                }
                Ok(())
            }
            JobLog::Stored { id, .. } => {
                let s = &outcome.summary;
                let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
                let finished = store::Finished {
                    state: outcome.state.as_str().to_owned(),
                    processed_rows: count(outcome.processed_rows),
                    counts: [
                        count(s.created),
                        count(s.updated),
                        count(s.unchanged),
                        count(s.rejected),
                    ],
                    row_outcomes: serde_json::to_string(&outcome.rows)
                        .map_err(ApiError::internal)?,
                    message: outcome.message,
                    phases: serde_json::to_string(&outcome.phases.0).ok(),
                    finished_at: Utc::now(),
                };
                if store::finish(conn, id, finished).await? {
                    Ok(())
                } else {
                    Err(ApiError::internal(format!(
                        "import {id} was no longer running when it finished"
                    )))
                }
            }
        }
    }

    /// Records that something unexpected stopped the job.
    pub async fn fail(&self, message: &str) {
        match self {
            JobLog::Memory(job) => {
                if let Ok(mut job) = job.lock() {
                    job.state = ImportStateDto::Failed;
                    job.message = Some(message.to_owned());
                    job.finished_at = Some(Utc::now());
                }
            }
            JobLog::Stored { id, db, .. } => {
                let processed = store::find(&db.conn, id)
                    .await
                    .ok()
                    .flatten()
                    .map_or(0, |j| j.processed_rows);
                let failed = store::Finished {
                    state: ImportStateDto::Failed.as_str().to_owned(),
                    processed_rows: processed,
                    counts: [0; 4],
                    row_outcomes: "[]".into(),
                    message: Some(message.to_owned()),
                    phases: None,
                    finished_at: Utc::now(),
                };
                if let Err(err) = store::finish(&db.conn, id, failed).await {
                    tracing::error!(error = %err, job = %id, "the failed import could not be recorded");
                }
            }
        }
    }
}

fn owner_kind(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "user",
        PrincipalKind::ServiceAccount => "service_account",
    }
}

fn row_of(job: &ImportJobOut, owner: &Principal) -> Result<ImportJob, ApiError> {
    Ok(ImportJob {
        id: job.id.clone(),
        kind: job.kind.as_str().to_owned(),
        dry_run: job.dry_run,
        file_name: job.file_name.clone(),
        format: job.format.clone(),
        encoding: job.encoding.clone(),
        owner_kind: Some(owner_kind(owner.kind).to_owned()),
        owner_id: Some(owner.id),
        state: job.state.as_str().to_owned(),
        total_rows: i32::try_from(job.total_rows).unwrap_or(i32::MAX),
        processed_rows: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        column_mapping: serde_json::to_string(&job.columns).map_err(ApiError::internal)?,
        row_outcomes: None,
        message: None,
        created_at: job.created_at,
        finished_at: None,
        heartbeat_at: job.created_at,
        phases: Some(serde_json::to_string(&job.phases).map_err(ApiError::internal)?),
    })
}

fn job_of(row: ImportJob) -> Result<ImportJobOut, ApiError> {
    let count = |n: i32| u32::try_from(n).unwrap_or(0);
    let corrupt = |what: &str| ApiError::internal(format!("import job {}: {what}", row.id));
    let columns: Vec<ImportColumnOut> =
        serde_json::from_str(&row.column_mapping).map_err(|e| corrupt(&e.to_string()))?;
    let rows: Vec<ImportRowOut> = match &row.row_outcomes {
        Some(json) => serde_json::from_str(json).map_err(|e| corrupt(&e.to_string()))?,
        None => Vec::new(),
    };
    // Jobs recorded before phases were kept have none.
    let phases: Vec<ImportPhaseOut> = match &row.phases {
        Some(json) => serde_json::from_str(json).map_err(|e| corrupt(&e.to_string()))?,
        None => Vec::new(),
    };
    let running = row.state == store::RUNNING;
    let phase = running.then(|| Phases(phases.clone()).current()).flatten();
    Ok(ImportJobOut {
        kind: ImportKindDto::parse(&row.kind).ok_or_else(|| corrupt("unknown kind"))?,
        state: ImportStateDto::parse(&row.state).ok_or_else(|| corrupt("unknown state"))?,
        dry_run: row.dry_run,
        file_name: row.file_name,
        format: row.format,
        encoding: row.encoding,
        total_rows: count(row.total_rows),
        processed_rows: count(row.processed_rows),
        phase,
        phases,
        summary: ImportSummaryOut {
            created: count(row.created),
            updated: count(row.updated),
            unchanged: count(row.unchanged),
            rejected: count(row.rejected),
        },
        columns,
        rows,
        message: row.message,
        created_at: row.created_at,
        finished_at: row.finished_at,
        id: row.id,
    })
}

/// Marks interrupted the jobs a previous run of the server left running. SQLite is served by one
/// server, so every running job there is abandoned; on PostgreSQL other instances may be running
/// theirs, so only jobs silent for a minute are (the others are caught when next read).
pub async fn interrupt_abandoned(db: &Database) -> Result<u64, StoreError> {
    let now = Utc::now();
    let silent_since = if db.is_sqlite() {
        now + chrono::Duration::seconds(1)
    } else {
        now - SILENT_AFTER
    };
    store::interrupt_silent(&db.conn, silent_since, INTERRUPTED_MESSAGE, now).await
}

/// What `ImportRunner::shutdown` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Jobs still running when the server began to stop, which finished in time.
    pub finished: usize,
    /// Jobs cancelled at the deadline and recorded as interrupted.
    pub interrupted: Vec<String>,
}

/// The imports this server runs, on the runtime it was built on.
pub struct ImportRunner {
    runtime: tokio::runtime::Handle,
    jobs: Mutex<HashMap<String, JoinHandle<()>>>,
    ended: Notify,
    closed: AtomicBool,
}

impl std::fmt::Debug for ImportRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportRunner")
            .field("running", &self.running())
            .finish_non_exhaustive()
    }
}

impl ImportRunner {
    /// Jobs run on `runtime`, which must outlive the HTTP workers: the server's own.
    pub fn new(runtime: tokio::runtime::Handle) -> Self {
        ImportRunner {
            runtime,
            jobs: Mutex::new(HashMap::new()),
            ended: Notify::new(),
            closed: AtomicBool::new(false),
        }
    }

    fn running(&self) -> Vec<String> {
        self.jobs
            .lock()
            .map(|jobs| jobs.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn runs(&self, id: &str) -> bool {
        self.jobs.lock().is_ok_and(|jobs| jobs.contains_key(id))
    }

    /// Records the job and starts `work` with the log it reports to. Refused (503) once the
    /// server is stopping.
    pub async fn start<W, F>(
        self: &Arc<Self>,
        db: &Database,
        owner: &Principal,
        job: &ImportJobOut,
        work: W,
    ) -> Result<(), ApiError>
    where
        W: FnOnce(JobLog) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        if self.closed.load(Ordering::Acquire) {
            return Err(stopping());
        }
        if let Err(err) = store::prune(&db.conn, Utc::now() - KEPT_FOR).await {
            tracing::warn!(error = %err, "old import jobs not pruned");
        }
        store::insert(&db.conn, row_of(job, owner)?).await?;
        let id = job.id.clone();
        let work = work(JobLog::Stored {
            id: id.clone(),
            db: db.clone(),
            writing: Arc::new(AtomicBool::new(false)),
        });
        let beats = !db.is_sqlite();
        let heartbeat = heartbeat(db.clone(), id.clone());
        let runner = Arc::clone(self);
        let ended = id.clone();
        let Ok(mut jobs) = self.jobs.lock() else {
            return Err(ApiError::internal("the import runner's lock is poisoned"));
        };
        // Registered under the lock, so the job cannot end before it is listed.
        let handle = self.runtime.spawn(async move {
            if beats {
                tokio::select! {
                    () = work => {}
                    () = heartbeat => {}
                }
            } else {
                work.await;
            }
            runner.end(&ended);
        });
        jobs.insert(id, handle);
        Ok(())
    }

    fn end(&self, id: &str) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.remove(id);
        }
        self.ended.notify_waiters();
    }

    /// The job, if `caller` may see it: the person or system that started it, and admins.
    pub async fn find(
        &self,
        db: &Database,
        id: &str,
        caller: &Principal,
    ) -> Result<Option<ImportJobOut>, ApiError> {
        let Some(row) = store::find(&db.conn, id).await? else {
            return Ok(None);
        };
        let started_by = [PrincipalKind::User, PrincipalKind::ServiceAccount]
            .into_iter()
            .find(|kind| row.owner_kind.as_deref() == Some(owner_kind(*kind)))
            .zip(row.owner_id);
        if !rights(caller, &Owner::Account(started_by)).read {
            return Ok(None);
        }
        let now = Utc::now();
        let abandoned =
            row.state == store::RUNNING && !self.runs(id) && row.heartbeat_at < now - SILENT_AFTER;
        let row = if abandoned {
            store::interrupt(
                &db.conn,
                std::slice::from_ref(&row.id),
                INTERRUPTED_MESSAGE,
                now,
            )
            .await?;
            store::find(&db.conn, id).await?.unwrap_or(row)
        } else {
            row
        };
        job_of(row).map(Some)
    }

    /// Stops taking jobs, waits for the running ones until `deadline`, then cancels the rest and
    /// records them as interrupted.
    pub async fn shutdown(&self, db: &Database, deadline: tokio::time::Instant) -> Stopped {
        self.closed.store(true, Ordering::Release);
        let at_start = self.running().len();
        loop {
            let ended = self.ended.notified();
            if self.running().is_empty() || tokio::time::timeout_at(deadline, ended).await.is_err()
            {
                break;
            }
        }
        let left: Vec<(String, JoinHandle<()>)> = self
            .jobs
            .lock()
            .map(|mut jobs| jobs.drain().collect())
            .unwrap_or_default();
        for (_, handle) in &left {
            handle.abort();
        }
        let mut interrupted = Vec::new();
        for (id, handle) in left {
            // Cancelled here, while the runtime runs: the transaction is dropped and rolls back.
            let _ = handle.await;
            interrupted.push(id);
        }
        if !interrupted.is_empty() {
            if let Err(err) =
                store::interrupt(&db.conn, &interrupted, INTERRUPTED_MESSAGE, Utc::now()).await
            {
                tracing::error!(error = %err, jobs = ?interrupted, "interrupted imports not recorded");
            }
            tracing::warn!(jobs = ?interrupted, "imports interrupted by the shutdown");
        }
        Stopped {
            finished: at_start.saturating_sub(interrupted.len()),
            interrupted,
        }
    }
}

fn stopping() -> ApiError {
    ApiError {
        retry_after_seconds: Some(30),
        ..ApiError::new(ErrorCode::ServiceUnavailable)
            .with_detail("the server is stopping; send the file again in a moment")
    }
}

/// Tells the database, every few seconds, that this job's server is alive.
async fn heartbeat(db: Database, id: String) {
    let mut every = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        every.tick().await;
        if let Err(err) = store::heartbeat(&db.conn, &id, Utc::now()).await {
            tracing::warn!(error = %err, job = %id, "import heartbeat not recorded");
        }
    }
}
