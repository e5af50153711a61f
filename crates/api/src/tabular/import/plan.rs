//! Running an import: each row read into the API's request body, checked by the API's own rules
//! and the importer's scope, matched to the record it updates, and then, when no row is
//! rejected and it is not a dry run, every row written in one transaction.

use crate::department::Directory;
use crate::error::ApiError;
use crate::ledger::{DigitalSystemIn, system_fields};
use crate::proposals::records::{ProposalIn, proposal_fields};
use crate::reforms::{ReformIn, reform_fields};
use crate::tabular::dto::{
    ImportCellErrorOut, ImportColumnOut, ImportJobOut, ImportKindDto, ImportOutcomeDto,
    ImportRowOut, ImportStateDto, ImportSummaryOut, JobOutcome,
};
use crate::tabular::import::fields::{
    CellErrors, Names, Row, Values, api_errors, columns_of, map_columns, parsed, read_row,
};
use crate::tabular::import::sheet::Sheet;
use crate::tabular::jobs::JobLog;
use chrono::Utc;
use domain::Principal;
use domain::ids::{ProposalId, ReformId};
use domain::ledger::DigitalSystem;
use domain::proposal::Proposal;
use domain::reform::Reform;
use persistence::AuditActor;
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

struct Context<'a> {
    db: &'a persistence::Database,
    dir: &'a Directory,
    names: &'a Names,
    importer: &'a Importer,
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

async fn plan_reform(
    ctx: &Context<'_>,
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
    let conn = &ctx.db.conn;
    let existing = matched(
        row,
        id,
        natural,
        |(year, no)| {
            persistence::reforms::find_reform_id_by_number(
                conn,
                i32::try_from(year).unwrap_or(0),
                i32::try_from(no).unwrap_or(0),
            )
        },
        |found| persistence::reforms::find_reform(conn, ReformId::new(found)),
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

async fn plan_proposal(
    ctx: &Context<'_>,
    row: &Row<'_>,
    body: Value,
    values: &Values,
) -> Result<(Planned, Option<String>), CellErrors> {
    let input: ProposalIn = parsed(row, body)?;
    let fields = proposal_fields(ctx.db, input)
        .await
        .map_err(|e| api_errors(row, e))?;
    let id = values.integer("id");
    let natural = values.integer("fiscal_year").zip(values.text("number"));
    let conn = &ctx.db.conn;
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

async fn plan_system(
    ctx: &Context<'_>,
    row: &Row<'_>,
    body: Value,
    values: &Values,
) -> Result<(Planned, Option<String>), CellErrors> {
    let input: DigitalSystemIn = parsed(row, body)?;
    let fields = system_fields(ctx.dir, input).map_err(|e| api_errors(row, e))?;
    let id = values.integer("id");
    let natural = values.integer("bureau").zip(values.text("name"));
    let conn = &ctx.db.conn;
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

/// Checks one row and works out what it would do.
async fn plan_row(
    ctx: &Context<'_>,
    kind: ImportKindDto,
    row: &Row<'_>,
    seen: &mut HashMap<String, u32>,
    number: u32,
) -> Result<(Planned, Option<String>), CellErrors> {
    let mut errors = CellErrors::new();
    let (body, values) = read_row(row, ctx.names, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let (planned, key) = match kind {
        ImportKindDto::Reforms => plan_reform(ctx, row, body, &values).await?,
        ImportKindDto::Proposals => plan_proposal(ctx, row, body, &values).await?,
        ImportKindDto::DigitalSystems => plan_system(ctx, row, body, &values).await?,
    };
    let identity = planned
        .existing_id()
        .map(|id| format!("#{id}"))
        .or_else(|| key.clone());
    if let Some(identity) = identity {
        if let Some(first) = seen.get(&identity) {
            return Err(vec![ImportCellErrorOut {
                column: None,
                field: None,
                code: "duplicate_row".into(),
                message: format!("{first}行目と同じ記録を指しています"),
            }]);
        }
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

/// Writes the planned rows in the import's transaction; the ids of the records written, row by
/// row.
async fn write_rows(
    txn: &persistence::DatabaseTransaction,
    planned: &[(usize, Planned)],
    actor: &AuditActor,
    created_by: Option<i64>,
) -> Result<Vec<(usize, i64)>, persistence::StoreError> {
    use persistence::{ledger, proposals, reforms};
    let mut written = Vec::new();
    for (index, plan) in planned {
        let id = match plan {
            Planned::Reform(p) => {
                p.write(
                    |f| reforms::create_reform(txn, f, created_by, actor),
                    |id, version, f| {
                        reforms::replace_reform(txn, ReformId::new(id), version, f, actor)
                    },
                )
                .await?
            }
            Planned::Proposal(p) => {
                p.write(
                    |f| proposals::create_proposal(txn, f, created_by, actor),
                    |id, version, f| {
                        proposals::update_proposal(txn, ProposalId::new(id), version, f, actor)
                    },
                )
                .await?
            }
            Planned::System(p) => {
                p.write(
                    |f| ledger::create_system(txn, f, actor),
                    |id, version, f| ledger::replace_system(txn, id, version, f, actor),
                )
                .await?
            }
        };
        written.push((*index, id));
    }
    Ok(written)
}

const FAILED_MESSAGE: &str = "取り込み中に予期しないエラーが起きました。何も変更していません。 / The import stopped on an unexpected error; nothing was changed.";

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
    if let Err(err) = run_to_end(db, kind, &sheet, dry_run, &importer, &actor, &log).await {
        tracing::error!(error = ?err, "import failed");
        log.fail(FAILED_MESSAGE).await;
    }
}

async fn run_to_end(
    db: &persistence::Database,
    kind: ImportKindDto,
    sheet: &Sheet,
    dry_run: bool,
    importer: &Importer,
    actor: &AuditActor,
    log: &JobLog,
) -> Result<(), ApiError> {
    let dir = Directory::load_from(db).await?;
    let names = Names::load(db).await?;
    let columns = columns_of(kind);
    let fields = map_columns(&columns, &sheet.headers);
    let ctx = Context {
        db,
        dir: &dir,
        names: &names,
        importer,
    };
    let mut seen = HashMap::new();
    let mut plans = Vec::new();
    let mut rows = Vec::new();
    let mut summary = ImportSummaryOut::default();
    let mut reported = Instant::now();
    for (index, (number, cells)) in sheet.rows.iter().enumerate() {
        let row = Row {
            headers: &sheet.headers,
            fields: &fields,
            cells,
            columns: &columns,
        };
        let title = title_of(kind, &row);
        match plan_row(&ctx, kind, &row, &mut seen, *number).await {
            Ok((plan, key)) => {
                let outcome = plan.outcome();
                match outcome {
                    ImportOutcomeDto::Created => summary.created += 1,
                    ImportOutcomeDto::Updated => summary.updated += 1,
                    ImportOutcomeDto::Unchanged => summary.unchanged += 1,
                    ImportOutcomeDto::Rejected => summary.rejected += 1,
                }
                rows.push(ImportRowOut {
                    row: *number,
                    key,
                    outcome,
                    record_id: plan.existing_id(),
                    title,
                    errors: Vec::new(),
                });
                plans.push((index, plan));
            }
            Err(errors) => {
                summary.rejected += 1;
                rows.push(ImportRowOut {
                    row: *number,
                    key: None,
                    outcome: ImportOutcomeDto::Rejected,
                    record_id: None,
                    title,
                    errors,
                });
            }
        }
        if reported.elapsed() >= PROGRESS_EVERY {
            log.progress(u32::try_from(index + 1).unwrap_or(u32::MAX));
            reported = Instant::now();
        }
    }
    let processed_rows = u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX);
    if dry_run || summary.rejected > 0 {
        let message = (!dry_run).then(|| format!(
            "{}行にエラーがあるため、何も取り込んでいません。 / {} rows were rejected, so nothing was imported.",
            summary.rejected, summary.rejected
        ));
        let state = if dry_run {
            ImportStateDto::Succeeded
        } else {
            ImportStateDto::Rejected
        };
        let outcome = JobOutcome {
            state,
            processed_rows,
            summary,
            rows,
            message,
        };
        log.finish(&db.conn, outcome).await?;
        return Ok(());
    }
    let created_by = match importer {
        Importer::Person(p) if p.kind == domain::PrincipalKind::User => Some(p.id),
        _ => None,
    };
    let _turn = write_turn().acquire().await.map_err(ApiError::internal)?;
    let txn = db.begin().await.map_err(persistence::StoreError::from)?;
    for (index, id) in write_rows(&txn, &plans, actor, created_by).await? {
        if let Some(row) = rows.get_mut(index) {
            row.record_id = Some(id);
        }
    }
    let outcome = JobOutcome {
        state: ImportStateDto::Succeeded,
        processed_rows,
        summary,
        rows,
        message: None,
    };
    // In the same transaction as the rows: the job reads succeeded exactly when they are stored.
    log.finish(&txn, outcome).await?;
    persistence::Database::commit(txn)
        .await
        .map_err(persistence::StoreError::from)?;
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
    ImportJobOut {
        id: uuid::Uuid::new_v4().to_string(),
        kind,
        dry_run,
        file_name: file_name.to_owned(),
        format: sheet.format.to_owned(),
        encoding: sheet.encoding.map(str::to_owned),
        state: ImportStateDto::Running,
        total_rows: u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX),
        processed_rows: 0,
        summary: ImportSummaryOut::default(),
        columns,
        rows: Vec::new(),
        message: None,
        created_at: Utc::now(),
        finished_at: None,
    }
}
