//! Running an import: each row read into the API's request body, checked by the API's own rules
//! and the importer's scope, matched to the record it updates, and, when it is not a dry run,
//! written in one transaction that commits only if no row is rejected. Rows go through in
//! batches of [`BATCH_ROWS`]: a batch's records are looked up in a few queries, and its new
//! reforms written with multi-row statements, so the cost of an import grows with its rows, not
//! with their square.
//!
//! Memory stays flat however long the file: a batch is read from the file, checked, written and
//! dropped before the next is read; of the rows before it the import keeps only the keys they
//! named (to find a record named twice, however far apart) and the outcomes it reports, at
//! most [`REPORTED_ROWS`] of each kind.

use crate::department::Directory;
use crate::error::ApiError;
use crate::ledger::{DigitalSystemIn, system_fields};
use crate::proposals::records::{ProposalIn, proposal_fields};
use crate::reforms::{ReformIn, reform_fields};
use crate::tabular::dto::{
    ImportCellErrorOut, ImportColumnOut, ImportJobOut, ImportKindDto, ImportOutcomeDto,
    ImportPhaseDto, ImportRowOut, ImportStateDto, ImportSummaryOut, JobOutcome, Phases,
};
use crate::tabular::import::fields::{
    CellErrors, Names, Row, Values, api_errors, columns_of, map_columns, parsed, read_row,
};
use crate::tabular::import::sheet::{Sheet, SheetRow};
use crate::tabular::jobs::JobLog;
use chrono::Utc;
use domain::Principal;
use domain::ids::{ProposalId, ReformId};
use domain::ledger::DigitalSystem;
use domain::proposal::Proposal;
use domain::reform::Reform;
use persistence::{AuditActor, ConnectionTrait};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// How often a running import writes its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// A stored record an import may update.
trait Stored {
    type Fields: PartialEq + Clone;
    fn id(&self) -> i64;
    fn version(&self) -> i32;
    fn fields(&self) -> &Self::Fields;
}

macro_rules! stored {
    ($record:ty, $fields:ty) => {
        impl Stored for $record {
            type Fields = $fields;
            fn id(&self) -> i64 {
                self.id.into()
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn fields(&self) -> &Self::Fields {
                &self.fields
            }
        }
    };
}

stored!(Reform, domain::reform::ReformFields);
stored!(Proposal, domain::proposal::ProposalFields);
stored!(DigitalSystem, domain::ledger::SystemFields);

/// A valid row: the record it updates (none: it creates one) and the fields it writes.
struct Plan<R: Stored> {
    existing: Option<R>,
    fields: R::Fields,
}

/// What writing a plan does.
enum Change<'a, F> {
    Create(&'a F),
    Update {
        id: i64,
        version: i32,
        fields: &'a F,
    },
    Keep(i64),
}

impl<R: Stored> Plan<R> {
    /// Writes the plan with its kind's own create and update; the id of the record.
    async fn write<C, U>(
        &self,
        create: impl FnOnce(R::Fields) -> C,
        update: impl FnOnce(i64, i32, R::Fields) -> U,
    ) -> Result<i64, persistence::StoreError>
    where
        C: Future<Output = Result<R, persistence::StoreError>>,
        U: Future<Output = Result<R, persistence::StoreError>>,
    {
        Ok(match self.change() {
            Change::Create(fields) => create(fields.clone()).await?.id(),
            Change::Update {
                id,
                version,
                fields,
            } => update(id, version, fields.clone()).await?.id(),
            Change::Keep(id) => id,
        })
    }

    fn change(&self) -> Change<'_, R::Fields> {
        match &self.existing {
            None => Change::Create(&self.fields),
            Some(e) if e.fields() == &self.fields => Change::Keep(e.id()),
            Some(e) => Change::Update {
                id: e.id(),
                version: e.version(),
                fields: &self.fields,
            },
        }
    }
}

/// What a valid row will do.
enum Planned {
    Reform(Plan<Reform>),
    Proposal(Plan<Proposal>),
    System(Plan<DigitalSystem>),
}

impl Planned {
    /// (the record it matched, whether it changes it)
    fn target(&self) -> (Option<i64>, bool) {
        fn of<R: Stored>(plan: &Plan<R>) -> (Option<i64>, bool) {
            match plan.change() {
                Change::Create(_) => (None, true),
                Change::Update { id, .. } => (Some(id), true),
                Change::Keep(id) => (Some(id), false),
            }
        }
        match self {
            Planned::Reform(p) => of(p),
            Planned::Proposal(p) => of(p),
            Planned::System(p) => of(p),
        }
    }

    fn outcome(&self) -> ImportOutcomeDto {
        match self.target() {
            (None, _) => ImportOutcomeDto::Created,
            (Some(_), false) => ImportOutcomeDto::Unchanged,
            (Some(_), true) => ImportOutcomeDto::Updated,
        }
    }

    fn existing_id(&self) -> Option<i64> {
        self.target().0
    }
}

/// Who runs the import: a signed-in person (rows outside their scope are rejected) or the
/// operator at the command line.
#[derive(Debug, Clone)]
pub enum Importer {
    Person(Principal),
    Operator,
}

impl Importer {
    fn may_edit(&self, dir: &Directory, bureau_id: i64, section_ids: &[i64]) -> bool {
        match self {
            Importer::Operator => true,
            Importer::Person(p) => dir.rights_over(p, bureau_id, section_ids).edit,
        }
    }
}

/// What planning reads through: the pool for a dry run, the import's transaction for a real
/// one, so a batch sees the records the batches before it wrote.
struct Context<'a, C> {
    conn: &'a C,
    dir: &'a Directory,
    importer: &'a Importer,
    prefetched: &'a Prefetched,
}

/// The records a batch of reform rows names, fetched for the whole batch before its rows are
/// planned: a few queries per batch instead of two per row.
#[derive(Default)]
struct Prefetched {
    /// (fiscal year, report No.) → reform id
    reform_numbers: HashMap<(i32, i32), i64>,
    reforms: HashMap<i64, Reform>,
}

impl Prefetched {
    async fn reforms<C: ConnectionTrait>(
        conn: &C,
        rows: &[ReadRow],
    ) -> Result<Prefetched, persistence::StoreError> {
        let mut keys = Vec::new();
        let mut ids = Vec::new();
        for read in rows {
            if let Ok((_, values)) = &read.read {
                match (values.integer("id"), natural_reform_key(values)) {
                    (Some(id), _) => ids.push(id),
                    (None, Some(key)) => keys.push(key),
                    (None, None) => {}
                }
            }
        }
        let reform_numbers = persistence::reforms::reform_ids_by_numbers(conn, &keys).await?;
        ids.extend(reform_numbers.values().copied());
        ids.sort_unstable();
        ids.dedup();
        let reforms = persistence::reforms::find_reforms(conn, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id.get(), r))
            .collect();
        Ok(Prefetched {
            reform_numbers,
            reforms,
        })
    }
}

fn natural_reform_key(values: &Values) -> Option<(i32, i32)> {
    values
        .integer("fiscal_year")
        .zip(values.integer("report_number"))
        .map(|(year, no)| {
            (
                i32::try_from(year).unwrap_or(0),
                i32::try_from(no).unwrap_or(0),
            )
        })
}

fn store_error(e: persistence::StoreError) -> CellErrors {
    vec![ImportCellErrorOut {
        column: None,
        field: None,
        code: "internal_error".into(),
        message: e.to_string(),
    }]
}

/// The record a row names, by its ID or else by its natural key (`natural`, looked up by
/// `lookup`), fetched with `find`; a row naming an ID that does not exist is rejected.
async fn matched<K, R, L, F>(
    row: &Row<'_>,
    id: Option<i64>,
    natural: Option<K>,
    lookup: impl FnOnce(K) -> L,
    find: impl FnOnce(i64) -> F,
    what: &str,
) -> Result<Option<R>, CellErrors>
where
    L: Future<Output = Result<Option<i64>, persistence::StoreError>>,
    F: Future<Output = Result<Option<R>, persistence::StoreError>>,
{
    let found = match (id, natural) {
        (Some(id), _) => Some(id),
        (None, Some(key)) => lookup(key).await.map_err(store_error)?,
        (None, None) => None,
    };
    let Some(found) = found else {
        return Ok(None);
    };
    find(found)
        .await
        .map_err(store_error)?
        .map(Some)
        .ok_or_else(|| {
            vec![row.error(
                "id",
                "not_found",
                format!("ID {found} の{what}はありません"),
            )]
        })
}

/// How the result names the row: `ID 14`, or its natural key.
fn key_of<K>(
    id: Option<i64>,
    natural: Option<K>,
    label: impl FnOnce(K) -> String,
) -> Option<String> {
    match (id, natural) {
        (Some(id), _) => Some(format!("ID {id}")),
        (None, Some(key)) => Some(label(key)),
        (None, None) => None,
    }
}

fn forbidden(row: &Row<'_>, column: &str, message: &str) -> CellErrors {
    vec![row.error(column, "forbidden", message)]
}

async fn plan_reform<C: ConnectionTrait>(
    ctx: &Context<'_, C>,
    row: &Row<'_>,
    body: Value,
    values: &Values,
) -> Result<(Planned, Option<String>), CellErrors> {
    let input: ReformIn = parsed(row, body)?;
    let fields = reform_fields(ctx.dir, input).map_err(|e| api_errors(row, e))?;
    let id = values.integer("id");
    let natural = values
        .integer("fiscal_year")
        .zip(values.integer("report_number"));
    let known = ctx.prefetched;
    let existing = matched(
        row,
        id,
        natural_reform_key(values),
        |key| std::future::ready(Ok(known.reform_numbers.get(&key).copied())),
        |found| std::future::ready(Ok(known.reforms.get(&found).cloned())),
        "自主改革",
    )
    .await?;
    let may_edit = |f: &domain::reform::ReformFields| {
        ctx.importer.may_edit(ctx.dir, f.bureau_id, &f.section_ids)
    };
    if !may_edit(&fields) || existing.as_ref().is_some_and(|e| !may_edit(&e.fields)) {
        return Err(forbidden(
            row,
            "bureau",
            "この局・区の記録を変更する権限がありません",
        ));
    }
    let key = key_of(id, natural, |(year, no)| format!("{year} No.{no}"));
    Ok((Planned::Reform(Plan { existing, fields }), key))
}

async fn plan_proposal<C: ConnectionTrait>(
    ctx: &Context<'_, C>,
    row: &Row<'_>,
    body: Value,
    values: &Values,
) -> Result<(Planned, Option<String>), CellErrors> {
    let input: ProposalIn = parsed(row, body)?;
    let fields = proposal_fields(ctx.conn, input)
        .await
        .map_err(|e| api_errors(row, e))?;
    let id = values.integer("id");
    let natural = values.integer("fiscal_year").zip(values.text("number"));
    let conn = ctx.conn;
    let existing = matched(
        row,
        id,
        natural.clone(),
        |(year, no): (i64, String)| async move {
            persistence::proposals::find_proposal_id_by_number(
                conn,
                i32::try_from(year).unwrap_or(0),
                &no,
            )
            .await
        },
        |found| persistence::proposals::find_proposal(conn, ProposalId::new(found)),
        "提案",
    )
    .await?;
    let key = key_of(id, natural, |(year, no)| format!("{year} 番号{no}"));
    Ok((Planned::Proposal(Plan { existing, fields }), key))
}

async fn plan_system<C: ConnectionTrait>(
    ctx: &Context<'_, C>,
    row: &Row<'_>,
    body: Value,
    values: &Values,
) -> Result<(Planned, Option<String>), CellErrors> {
    let input: DigitalSystemIn = parsed(row, body)?;
    let fields = system_fields(ctx.dir, input).map_err(|e| api_errors(row, e))?;
    let id = values.integer("id");
    let natural = values.integer("bureau").zip(values.text("name"));
    let conn = ctx.conn;
    let existing = matched(
        row,
        id,
        natural.clone(),
        |(bureau_id, name): (i64, String)| async move {
            persistence::ledger::find_system_id_by_name(conn, bureau_id, &name).await
        },
        |found| persistence::ledger::find_system(conn, found),
        "システム",
    )
    .await?;
    let may_edit = |section: i64| {
        let bureau = ctx.dir.bureau_of_section(section).unwrap_or(0);
        ctx.importer.may_edit(ctx.dir, bureau, &[section])
    };
    if !may_edit(fields.section_id)
        || existing
            .as_ref()
            .is_some_and(|e| !may_edit(e.fields.section_id))
    {
        return Err(forbidden(
            row,
            "section",
            "この課の記録を変更する権限がありません",
        ));
    }
    let key = key_of(id, natural, |(_, name)| name);
    Ok((Planned::System(Plan { existing, fields }), key))
}

/// A row read into the API's request body, or the errors of its cells.
struct ReadRow {
    number: u32,
    title: Option<String>,
    read: Result<(Value, Values), CellErrors>,
}

/// Checks one read row and works out what it would do. A row is a duplicate when an earlier
/// row named the same record, by the same key or by the record it matched: a row naming what
/// an earlier row of the same import created is one too, found by its key.
async fn plan_row<C: ConnectionTrait>(
    ctx: &Context<'_, C>,
    kind: ImportKindDto,
    row: &Row<'_>,
    read: (Value, Values),
    seen: &mut HashMap<String, u32>,
    number: u32,
) -> Result<(Planned, Option<String>), CellErrors> {
    let (body, values) = read;
    let (planned, key) = match kind {
        ImportKindDto::Reforms => plan_reform(ctx, row, body, &values).await?,
        ImportKindDto::Proposals => plan_proposal(ctx, row, body, &values).await?,
        ImportKindDto::DigitalSystems => plan_system(ctx, row, body, &values).await?,
    };
    let identities: Vec<String> = planned
        .existing_id()
        .map(|id| format!("#{id}"))
        .into_iter()
        .chain(key.clone())
        .collect();
    if let Some(first) = identities.iter().find_map(|i| seen.get(i)) {
        return Err(vec![ImportCellErrorOut {
            column: None,
            field: None,
            code: "duplicate_row".into(),
            message: format!("{first}行目と同じ記録を指しています"),
        }]);
    }
    for identity in identities {
        seen.insert(identity, number);
    }
    Ok((planned, key))
}

fn title_of(kind: ImportKindDto, row: &Row) -> Option<String> {
    match kind {
        ImportKindDto::DigitalSystems => row.get("name"),
        _ => row.get("title"),
    }
}

/// Where the writes of a real import go.
struct Writer<'a> {
    txn: &'a persistence::DatabaseTransaction,
    actor: AuditActor,
    created_by: Option<i64>,
    /// What the batches written so far add to the dashboard tallies, applied once at the end.
    tallies: persistence::tallies::Contributions,
}

impl Writer<'_> {
    /// Writes a batch's planned rows in the order of the file: runs of new reforms in multi-row
    /// statements, every other row with its kind's own create or update. The ids of the records
    /// written, row by row, beside where each row's reported outcome is (if it is reported).
    async fn write(
        &mut self,
        planned: Vec<(Option<usize>, Planned)>,
    ) -> Result<Vec<(Option<usize>, i64)>, persistence::StoreError> {
        let mut written = Vec::with_capacity(planned.len());
        let mut new_reforms: Vec<(Option<usize>, domain::reform::ReformFields)> = Vec::new();
        for (index, plan) in planned {
            match plan {
                Planned::Reform(Plan {
                    existing: None,
                    fields,
                }) => new_reforms.push((index, fields)),
                other => {
                    self.create_reforms(&mut new_reforms, &mut written).await?;
                    written.push((index, self.write_one(&other).await?));
                }
            }
        }
        self.create_reforms(&mut new_reforms, &mut written).await?;
        Ok(written)
    }

    async fn create_reforms(
        &mut self,
        new_reforms: &mut Vec<(Option<usize>, domain::reform::ReformFields)>,
        written: &mut Vec<(Option<usize>, i64)>,
    ) -> Result<(), persistence::StoreError> {
        if new_reforms.is_empty() {
            return Ok(());
        }
        let (indexes, fields): (Vec<Option<usize>>, Vec<_>) = new_reforms.drain(..).unzip();
        let ids = persistence::reforms::create_reforms(
            self.txn,
            &fields,
            self.created_by,
            &self.actor,
            &mut self.tallies,
        )
        .await?;
        written.extend(indexes.into_iter().zip(ids));
        Ok(())
    }

    async fn write_one(&self, plan: &Planned) -> Result<i64, persistence::StoreError> {
        use persistence::{ledger, proposals, reforms};
        let (txn, actor, created_by) = (self.txn, &self.actor, self.created_by);
        match plan {
            Planned::Reform(p) => {
                p.write(
                    |f| reforms::create_reform(txn, f, created_by, actor),
                    |id, version, f| {
                        reforms::replace_reform(txn, ReformId::new(id), version, f, actor)
                    },
                )
                .await
            }
            Planned::Proposal(p) => {
                p.write(
                    |f| proposals::create_proposal(txn, f, created_by, actor),
                    |id, version, f| {
                        proposals::update_proposal(txn, ProposalId::new(id), version, f, actor)
                    },
                )
                .await
            }
            Planned::System(p) => {
                p.write(
                    |f| ledger::create_system(txn, f, actor),
                    |id, version, f| ledger::replace_system(txn, id, version, f, actor),
                )
                .await
            }
        }
    }
}

const FAILED_MESSAGE: &str = "取り込み中に予期しないエラーが起きました。何も変更していません。 / The import stopped on an unexpected error; nothing was changed.";

/// Rows checked, then written, together: large enough for multi-row statements to pay, small
/// enough that a batch's plans take little memory.
pub const BATCH_ROWS: usize = 500;

/// Only one import writes at a time: on SQLite a second would wait for the first's transaction
/// and give up after the busy timeout, failing an import that only had to queue.
fn write_turn() -> &'static tokio::sync::Semaphore {
    static TURN: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURN.get_or_init(|| tokio::sync::Semaphore::new(1))
}

/// Runs the import to its end; the log shows the progress and then the result.
pub async fn run(
    db: &persistence::Database,
    kind: ImportKindDto,
    sheet: Sheet,
    dry_run: bool,
    importer: Importer,
    actor: AuditActor,
    log: JobLog,
) {
    if let Err(err) = run_to_end(db, kind, sheet, dry_run, &importer, &actor, &log).await {
        tracing::error!(error = ?err, "import failed");
        log.fail(FAILED_MESSAGE).await;
    }
}

/// How many accepted rows, and separately how many rejected rows, a job reports row by row. The
/// summary counts every row; the outcomes of 100,000 rows would take tens of megabytes to hold,
/// store and send, and nobody reads them row by row.
pub const REPORTED_ROWS: usize = 1_000;

/// The outcomes a job reports, in the order of the file: every row up to REPORTED_ROWS accepted
/// ones, and every rejected row up to REPORTED_ROWS of them, so a rejected row is reported
/// however late in the file it comes.
#[derive(Default)]
struct Reported {
    rows: Vec<ImportRowOut>,
    accepted: usize,
    rejected: usize,
}

impl Reported {
    /// Keeps the outcome if its kind has room left; where it is kept.
    fn keep(&mut self, row: ImportRowOut) -> Option<usize> {
        let kept = if row.outcome == ImportOutcomeDto::Rejected {
            &mut self.rejected
        } else {
            &mut self.accepted
        };
        if *kept >= REPORTED_ROWS {
            return None;
        }
        *kept += 1;
        self.rows.push(row);
        Some(self.rows.len() - 1)
    }
}

/// What the rows came to.
struct Tally {
    summary: ImportSummaryOut,
    rows: Reported,
    phases: Phases,
    processed_rows: u32,
}

async fn run_to_end(
    db: &persistence::Database,
    kind: ImportKindDto,
    sheet: Sheet,
    dry_run: bool,
    importer: &Importer,
    actor: &AuditActor,
    log: &JobLog,
) -> Result<(), ApiError> {
    let dir = Directory::load_from(db).await?;
    let names = Names::load(db).await?;
    let total_rows = sheet.total_rows;
    let mut tally = Tally {
        summary: ImportSummaryOut::default(),
        rows: Reported::default(),
        phases: Phases::read(total_rows, sheet.read_started, sheet.read_finished),
        processed_rows: total_rows,
    };
    if dry_run {
        let conn = persistence::DatabaseExecutor::from(&db.conn);
        check_rows(
            &conn, kind, sheet, importer, &dir, &names, None, &mut tally, log,
        )
        .await?;
        return finish_unwritten(db, dry_run, tally, log).await;
    }
    let created_by = match importer {
        Importer::Person(p) if p.kind == domain::PrincipalKind::User => Some(p.id),
        _ => None,
    };
    let _turn = write_turn().acquire().await.map_err(ApiError::internal)?;
    let txn = db.begin().await.map_err(persistence::StoreError::from)?;
    persistence::Database::plan_each_statement_afresh(&txn)
        .await
        .map_err(persistence::StoreError::from)?;
    let mut writer = Writer {
        txn: &txn,
        actor: actor.clone(),
        created_by,
        tallies: persistence::tallies::Contributions::default(),
    };
    check_rows(
        &persistence::DatabaseExecutor::from(&txn),
        kind,
        sheet,
        importer,
        &dir,
        &names,
        Some(&mut writer),
        &mut tally,
        log,
    )
    .await?;
    if tally.summary.rejected > 0 {
        // Dropped unfinished, the transaction rolls back what the batches before wrote.
        drop(txn);
        return finish_unwritten(db, dry_run, tally, log).await;
    }
    let pending = std::mem::take(&mut writer.tallies);
    let now = Utc::now();
    let tally_rows = u32::try_from(pending.len()).unwrap_or(u32::MAX);
    tally
        .phases
        .start(ImportPhaseDto::Indexing, tally_rows, now);
    log.progress(tally.processed_rows, &tally.phases);
    persistence::tallies::apply(
        &txn,
        persistence::tallies::Contributions::default(),
        pending,
    )
    .await?;
    let now = Utc::now();
    tally
        .phases
        .advance(ImportPhaseDto::Indexing, tally_rows, now);
    tally.phases.finish(ImportPhaseDto::Indexing, now);
    let outcome = JobOutcome {
        state: ImportStateDto::Succeeded,
        processed_rows: tally.processed_rows,
        summary: tally.summary,
        rows: tally.rows.rows,
        message: None,
        phases: tally.phases,
    };
    let written = outcome.summary.created + outcome.summary.updated;
    // In the same transaction as the rows: the job reads succeeded exactly when they are stored.
    log.finish(&txn, outcome).await?;
    persistence::Database::commit(txn)
        .await
        .map_err(persistence::StoreError::from)?;
    if written >= REFRESH_STATISTICS_AFTER_ROWS {
        // The rows are committed and the job says so; stale statistics only cost speed, so a
        // failure here is logged, not reported as the import's.
        if let Err(err) = db.refresh_statistics().await {
            tracing::warn!(error = %err, "refreshing the planner's statistics after an import");
        }
    }
    Ok(())
}

/// An import that writes this many records leaves the planner's statistics behind the tables
/// (PostgreSQL's autovacuum catches up only later, or never where it is off), so it refreshes them.
const REFRESH_STATISTICS_AFTER_ROWS: u32 = 10_000;

/// Records the end of a dry run, or of an import with rejected rows that wrote nothing.
async fn finish_unwritten(
    db: &persistence::Database,
    dry_run: bool,
    tally: Tally,
    log: &JobLog,
) -> Result<(), ApiError> {
    let rejected = tally.summary.rejected;
    let message = (!dry_run).then(|| format!(
        "{rejected}行にエラーがあるため、何も取り込んでいません。 / {rejected} rows were rejected, so nothing was imported."
    ));
    let state = if dry_run {
        ImportStateDto::Succeeded
    } else {
        ImportStateDto::Rejected
    };
    let outcome = JobOutcome {
        state,
        processed_rows: tally.processed_rows,
        summary: tally.summary,
        rows: tally.rows.rows,
        message,
        phases: tally.phases,
    };
    log.finish(&db.conn, outcome).await
}

/// Reads and checks the rows batch by batch, reading records through `conn`; with a writer,
/// writes each batch once it is checked, until a row is rejected (the import then writes
/// nothing, but the rest are still checked, so the result lists the rejected rows). A batch's
/// rows, plans and cells are dropped before the next batch is read from the file.
#[allow(clippy::too_many_arguments)]
async fn check_rows(
    conn: &persistence::DatabaseExecutor<'_>,
    kind: ImportKindDto,
    mut sheet: Sheet,
    importer: &Importer,
    dir: &Directory,
    names: &Names,
    mut writer: Option<&mut Writer<'_>>,
    tally: &mut Tally,
    log: &JobLog,
) -> Result<(), ApiError> {
    let columns = columns_of(kind);
    let fields = map_columns(&columns, &sheet.headers);
    let total = tally.processed_rows;
    let now = Utc::now();
    tally.phases.start(ImportPhaseDto::Checking, total, now);
    if writer.is_some() {
        tally.phases.start(ImportPhaseDto::Writing, total, now);
    }
    let mut seen = HashMap::new();
    let mut reported = Instant::now();
    let mut checked: u32 = 0;
    let mut written: u32 = 0;
    let headers = std::mem::take(&mut sheet.headers);
    loop {
        let batch: Vec<SheetRow> = sheet.next_batch(BATCH_ROWS)?;
        if batch.is_empty() {
            break;
        }
        let read: Vec<ReadRow> = batch
            .iter()
            .map(|(number, cells)| {
                let row = Row {
                    headers: &headers,
                    fields: &fields,
                    cells,
                    columns: &columns,
                };
                let mut errors = CellErrors::new();
                let (body, values) = read_row(&row, names, &mut errors);
                ReadRow {
                    number: *number,
                    title: title_of(kind, &row),
                    read: if errors.is_empty() {
                        Ok((body, values))
                    } else {
                        Err(errors)
                    },
                }
            })
            .collect();
        let prefetched = match kind {
            ImportKindDto::Reforms => Prefetched::reforms(conn, &read).await?,
            _ => Prefetched::default(),
        };
        let ctx = Context {
            conn,
            dir,
            importer,
            prefetched: &prefetched,
        };
        let mut plans = Vec::new();
        for ((_, cells), read) in batch.iter().zip(read) {
            let row = Row {
                headers: &headers,
                fields: &fields,
                cells,
                columns: &columns,
            };
            let planned = match read.read {
                Ok(read_row) => plan_row(&ctx, kind, &row, read_row, &mut seen, read.number).await,
                Err(errors) => Err(errors),
            };
            match planned {
                Ok((plan, key)) => {
                    let outcome = plan.outcome();
                    match outcome {
                        ImportOutcomeDto::Created => tally.summary.created += 1,
                        ImportOutcomeDto::Updated => tally.summary.updated += 1,
                        ImportOutcomeDto::Unchanged => tally.summary.unchanged += 1,
                        ImportOutcomeDto::Rejected => tally.summary.rejected += 1,
                    }
                    let at = tally.rows.keep(ImportRowOut {
                        row: read.number,
                        key,
                        outcome,
                        record_id: plan.existing_id(),
                        title: read.title,
                        errors: Vec::new(),
                    });
                    plans.push((at, plan));
                }
                Err(errors) => {
                    tally.summary.rejected += 1;
                    tally.rows.keep(ImportRowOut {
                        row: read.number,
                        key: None,
                        outcome: ImportOutcomeDto::Rejected,
                        record_id: None,
                        title: read.title,
                        errors,
                    });
                }
            }
        }
        checked += u32::try_from(batch.len()).unwrap_or(u32::MAX);
        let now = Utc::now();
        tally.phases.advance(ImportPhaseDto::Checking, checked, now);
        if let Some(writer) = writer.as_deref_mut()
            && tally.summary.rejected == 0
        {
            written += u32::try_from(plans.len()).unwrap_or(u32::MAX);
            for (at, id) in writer.write(plans).await? {
                if let Some(row) = at.and_then(|at| tally.rows.rows.get_mut(at)) {
                    row.record_id = Some(id);
                }
            }
            tally
                .phases
                .advance(ImportPhaseDto::Writing, written, Utc::now());
        }
        if reported.elapsed() >= PROGRESS_EVERY {
            log.progress(checked, &tally.phases);
            reported = Instant::now();
        }
    }
    let now = Utc::now();
    tally.phases.finish(ImportPhaseDto::Checking, now);
    if writer.is_some() {
        tally.phases.finish(ImportPhaseDto::Writing, now);
    }
    log.progress(checked, &tally.phases);
    Ok(())
}

/// A new job for a file that has been read and whose columns are known.
pub fn new_job(
    kind: ImportKindDto,
    dry_run: bool,
    file_name: &str,
    sheet: &Sheet,
    columns: Vec<ImportColumnOut>,
) -> ImportJobOut {
    let total_rows = sheet.total_rows;
    let phases = Phases::read(total_rows, sheet.read_started, sheet.read_finished);
    ImportJobOut {
        id: uuid::Uuid::new_v4().to_string(),
        kind,
        dry_run,
        file_name: file_name.to_owned(),
        format: sheet.format.to_owned(),
        encoding: sheet.encoding.map(str::to_owned),
        state: ImportStateDto::Running,
        total_rows,
        processed_rows: 0,
        phase: phases.current(),
        phases: phases.0,
        summary: ImportSummaryOut::default(),
        columns,
        rows: Vec::new(),
        message: None,
        created_at: Utc::now(),
        finished_at: None,
    }
}
