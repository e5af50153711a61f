//! Running imports and answering for them. An import is a row of `import_jobs`, so any instance
//! can tell the import screen how it is going from the row, and it runs on the durable job runner
//! (an `import.run` job, [`ImportRun`]) from its stored file, on whichever instance claims it.
//! When the server stops, running imports get the shutdown timeout to finish; the rest are
//! cancelled (their transaction rolls back) and handed back to the queue, so they run again
//! after the restart; a killed server's import runs again once its job's lease has run out. An
//! import that nothing will run any more (its job dead or cancelled) shows as interrupted.

use crate::error::{ApiError, ErrorCode};
use crate::jobs::{JobError, JobHandler, JobResult, RunningJob};
use crate::tabular::dto::{
    ImportColumnOut, ImportJobOut, ImportKindDto, ImportPhaseOut, ImportRowOut, ImportStateDto,
    ImportSummaryOut, JobOutcome, Phases,
};
use crate::tabular::import::{Importer, Source, read_sheet, run};
use chrono::Utc;
use domain::{Owner, Principal, PrincipalKind, rights};
use persistence::import_jobs::{self as store, ImportJob};
use persistence::{AuditActor, ConnectionTrait, Database, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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

/// Marks interrupted the imports that nothing will run any more (their job is dead, cancelled
/// or gone, or they predate the job runner). Imports whose job is queued, or held by a worker
/// (alive, or dead and waiting for its lease to run out), run again and are left alone.
pub async fn interrupt_abandoned(db: &Database) -> Result<u64, StoreError> {
    store::interrupt_unrunnable(&db.conn, INTERRUPTED_MESSAGE, Utc::now()).await
}

/// Starts imports and answers for them. The imports themselves run on the durable job runner
/// ([`ImportRun`]), so this holds no work: only whether the server still takes new files.
#[derive(Debug, Default)]
pub struct ImportRunner {
    closed: AtomicBool,
}

impl ImportRunner {
    pub fn new() -> Self {
        ImportRunner::default()
    }

    /// Records the job with its file and queues its run, all in one transaction; the caller
    /// wakes the job runner. Refused (503) once the server is stopping.
    pub async fn start(
        &self,
        db: &Database,
        owner: &Principal,
        job: &ImportJobOut,
        file: Vec<u8>,
        actor: &AuditActor,
    ) -> Result<(), ApiError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(stopping());
        }
        if let Err(err) = store::prune(&db.conn, Utc::now() - KEPT_FOR).await {
            tracing::warn!(error = %err, "old import jobs not pruned");
        }
        store::start(db, row_of(job, owner)?, file, actor_json(actor)).await?;
        Ok(())
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
        let abandoned =
            row.state == store::RUNNING && !store::has_pending_run(&db.conn, id).await?;
        let row = if abandoned {
            store::interrupt(
                &db.conn,
                std::slice::from_ref(&row.id),
                INTERRUPTED_MESSAGE,
                Utc::now(),
            )
            .await?;
            store::find(&db.conn, id).await?.unwrap_or(row)
        } else {
            row
        };
        job_of(row).map(Some)
    }

    /// Takes no more files. Imports under way are the job runner's: its shutdown lets them
    /// finish until the deadline and hands the rest back, to run again after the restart.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }
}

/// The runner's job kind that runs an import.
pub const IMPORT_RUN: &str = store::RUN_JOB;

/// Runs one import from its stored file, as the account that started it (read afresh, so a
/// disabled account or a narrowed scope applies). Run again after a crash or a shutdown, it
/// starts over: the interrupted attempt's transaction was rolled back, so nothing is doubled.
#[derive(Debug, Clone, Copy)]
pub struct ImportRun;

#[derive(serde::Deserialize)]
struct ImportRunInput {
    import_id: String,
}

#[async_trait::async_trait]
impl JobHandler for ImportRun {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: ImportRunInput = job.input()?;
        let db = &job.db;
        let id = input.import_id;
        let Some(row) = store::find(&db.conn, &id).await? else {
            return Ok(());
        };
        if row.state != store::RUNNING {
            // Ended already (its end was committed just before a crash, or it was interrupted).
            store::forget_upload(&db.conn, &id).await?;
            return Ok(());
        }
        let log = JobLog::Stored {
            id: id.clone(),
            db: db.clone(),
            writing: Arc::new(AtomicBool::new(false)),
        };
        let Some(upload) = store::upload(&db.conn, &id).await? else {
            log.fail(FILE_GONE_MESSAGE).await;
            return Ok(());
        };
        let (Some(kind), Some(importer)) = (
            ImportKindDto::parse(&row.kind),
            importer_of(db, &row).await?,
        ) else {
            log.fail(ACCOUNT_GONE_MESSAGE).await;
            store::forget_upload(&db.conn, &id).await?;
            return Ok(());
        };
        let actor = actor_of(&upload.actor).unwrap_or_else(|| {
            AuditActor::command_line("import").via(format!("import {id} {}", row.file_name))
        });
        // A rerun starts from the first row.
        store::record_progress(
            &db.conn,
            &id,
            store::Progress {
                processed_rows: 0,
                phases: None,
            },
            Utc::now(),
        )
        .await?;
        let file_name = row.file_name.clone();
        let bytes = upload.bytes;
        let read = crate::offload::run(move || read_sheet(&file_name, Source::from(bytes)))
            .await
            .map_err(|e| JobError::retry(format!("the file could not be read now: {e:?}")))?;
        let sheet = match read {
            Ok(sheet) => sheet,
            Err(err) => {
                tracing::warn!(import = %id, error = ?err, "the stored import file could not be read again");
                log.fail(FILE_GONE_MESSAGE).await;
                store::forget_upload(&db.conn, &id).await?;
                return Ok(());
            }
        };
        // The job's lease, renewed by the runner, says the import's worker is alive.
        run(db, kind, sheet, row.dry_run, importer, actor, log).await;
        store::forget_upload(&db.conn, &id).await?;
        Ok(())
    }
}

const FILE_GONE_MESSAGE: &str = "取り込むファイルを読み直せなかったため、取り込みを中止しました。何も変更していません。もう一度取り込んでください。 / The import was stopped because its file could not be read again; nothing was changed. Please run it again.";
const ACCOUNT_GONE_MESSAGE: &str = "取り込みを始めたアカウントが使えなくなったため、取り込みを中止しました。何も変更していません。 / The import was stopped because the account that started it can no longer be used; nothing was changed.";

/// The account that started the import, as it is now; `None` when it is gone or disabled.
async fn importer_of(db: &Database, row: &ImportJob) -> Result<Option<Importer>, StoreError> {
    let Some(owner_id) = row.owner_id else {
        return Ok(None);
    };
    let principal = match row.owner_kind.as_deref() {
        Some("user") => persistence::accounts::find_user(&db.conn, owner_id)
            .await?
            .filter(|user| !user.disabled)
            .map(|user| user.principal()),
        Some("service_account") => persistence::accounts::find_service_account(&db.conn, owner_id)
            .await?
            .filter(|account| !account.disabled)
            .map(|account| account.principal()),
        _ => None,
    };
    Ok(principal.map(Importer::Person))
}

fn actor_json(actor: &AuditActor) -> String {
    serde_json::json!({
        "kind": actor.kind,
        "id": actor.id,
        "label": actor.label,
        "request_id": actor.request_id,
        "source": actor.source,
    })
    .to_string()
}

fn actor_of(json: &str) -> Option<AuditActor> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let text = |key: &str| value[key].as_str().map(str::to_owned);
    Some(AuditActor {
        kind: text("kind")?,
        id: value["id"].as_i64(),
        label: text("label")?,
        request_id: text("request_id"),
        source: text("source"),
    })
}

fn stopping() -> ApiError {
    ApiError {
        retry_after_seconds: Some(30),
        ..ApiError::new(ErrorCode::ServiceUnavailable)
            .with_detail("the server is stopping; send the file again in a moment")
    }
}
