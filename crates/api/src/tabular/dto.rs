//! The wire types of imports: the kinds, a job with its progress and its outcome row by row, and
//! the columns each kind reads. Shared by the handlers and the job runner.

use crate::tabular::cells::CellKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKindDto {
    Reforms,
    Proposals,
    DigitalSystems,
}

impl ImportKindDto {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKindDto::Reforms => "reforms",
            ImportKindDto::Proposals => "proposals",
            ImportKindDto::DigitalSystems => "digital_systems",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ImportKindDto::Reforms,
            ImportKindDto::Proposals,
            ImportKindDto::DigitalSystems,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStateDto {
    Running,
    /// The dry run finished, or the import was committed.
    Succeeded,
    /// A real import found rejected rows and changed nothing.
    Rejected,
    /// Something unexpected stopped it; nothing was changed.
    Failed,
    /// The server stopped (or was stopped) before the import finished; nothing was changed.
    Interrupted,
}

impl ImportStateDto {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStateDto::Running => "running",
            ImportStateDto::Succeeded => "succeeded",
            ImportStateDto::Rejected => "rejected",
            ImportStateDto::Failed => "failed",
            ImportStateDto::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ImportStateDto::Running,
            ImportStateDto::Succeeded,
            ImportStateDto::Rejected,
            ImportStateDto::Failed,
            ImportStateDto::Interrupted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcomeDto {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportCellErrorOut {
    /// The column as headed in the file.
    pub column: Option<String>,
    /// The API field it feeds.
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportRowOut {
    /// The spreadsheet row: the header is row 1, the first record row 2.
    pub row: u32,
    /// What the row was matched by, e.g. `ID 14` or `2025 No.12`.
    pub key: Option<String>,
    pub outcome: ImportOutcomeDto,
    /// The record written or matched (none for a dry run's new record).
    pub record_id: Option<i64>,
    pub title: Option<String>,
    /// Present exactly when the row is rejected.
    pub errors: Vec<ImportCellErrorOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportColumnOut {
    pub header: String,
    /// The field it is read into; null for a column that is not imported.
    pub field: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportSummaryOut {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub rejected: u32,
}

/// The phases of an import, in the order they run. Reading happens as the file arrives, before
/// the job starts; a real import checks and writes batch by batch, so checking and writing move
/// together; indexing brings the derived figures up to date and commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhaseDto {
    /// The file read into rows.
    Reading,
    /// Each row checked by the API's rules and matched to the record it updates.
    Checking,
    /// The records written, in batches, in the import's one transaction.
    Writing,
    /// The dashboard tallies moved for the written records, the outcome recorded, the
    /// transaction committed.
    Indexing,
}

impl ImportPhaseDto {
    pub const ALL: [ImportPhaseDto; 4] = [
        ImportPhaseDto::Reading,
        ImportPhaseDto::Checking,
        ImportPhaseDto::Writing,
        ImportPhaseDto::Indexing,
    ];
}

/// How far one phase has got.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportPhaseOut {
    pub phase: ImportPhaseDto,
    /// Rows done so far (indexing: tally rows written).
    pub done: u32,
    pub total: u32,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Seconds left at the pace so far; null until the phase has a pace, and once it is finished.
    pub eta_seconds: Option<u32>,
}

/// The phases of a job as it runs.
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<ImportPhaseOut>);

impl Phases {
    /// Every phase waiting, `total` rows each; reading already done (the file was read before
    /// the job started, at `read_since`).
    pub fn read(total: u32, read_since: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Phases(
            ImportPhaseDto::ALL
                .into_iter()
                .map(|phase| {
                    let reading = phase == ImportPhaseDto::Reading;
                    ImportPhaseOut {
                        phase,
                        done: if reading { total } else { 0 },
                        total,
                        started_at: reading.then_some(read_since),
                        finished_at: reading.then_some(now),
                        eta_seconds: None,
                    }
                })
                .collect(),
        )
    }

    fn get(&mut self, phase: ImportPhaseDto) -> Option<&mut ImportPhaseOut> {
        self.0.iter_mut().find(|p| p.phase == phase)
    }

    /// The phase has begun, with `total` units to do.
    pub fn start(&mut self, phase: ImportPhaseDto, total: u32, now: DateTime<Utc>) {
        if let Some(p) = self.get(phase) {
            p.total = total;
            p.done = 0;
            p.started_at.get_or_insert(now);
        }
    }

    /// `done` of the phase's units are done; the estimate follows the pace since it began.
    pub fn advance(&mut self, phase: ImportPhaseDto, done: u32, now: DateTime<Utc>) {
        if let Some(p) = self.get(phase) {
            p.done = done.min(p.total);
            let started = *p.started_at.get_or_insert(now);
            let elapsed = (now - started).num_milliseconds().max(0) as f64 / 1000.0;
            p.eta_seconds = (p.done > 0).then(|| {
                let left = f64::from(p.total - p.done) * elapsed / f64::from(p.done);
                left.ceil() as u32
            });
        }
    }

    /// The phase is over: all it had to do is done (a total that turned out smaller, such as the
    /// rows left to write once unchanged ones are skipped, becomes what was done).
    pub fn finish(&mut self, phase: ImportPhaseDto, now: DateTime<Utc>) {
        if let Some(p) = self.get(phase) {
            p.total = p.done;
            p.started_at.get_or_insert(now);
            p.finished_at = Some(now);
            p.eta_seconds = None;
        }
    }

    /// The phase under way: the last one started and not finished.
    pub fn current(&self) -> Option<ImportPhaseDto> {
        self.0
            .iter()
            .rev()
            .find(|p| p.started_at.is_some() && p.finished_at.is_none())
            .map(|p| p.phase)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportJobOut {
    pub id: String,
    pub kind: ImportKindDto,
    pub dry_run: bool,
    pub file_name: String,
    /// csv, xlsx or json
    pub format: String,
    /// CSV only: UTF-8, UTF-8 (BOM) or Shift_JIS.
    pub encoding: Option<String>,
    pub state: ImportStateDto,
    pub total_rows: u32,
    pub processed_rows: u32,
    /// The phase under way; null when none is (not yet started, or finished).
    pub phase: Option<ImportPhaseDto>,
    /// Every phase with its progress and estimate, in the order they run.
    pub phases: Vec<ImportPhaseOut>,
    pub summary: ImportSummaryOut,
    pub columns: Vec<ImportColumnOut>,
    /// The outcome row by row, in the order of the file: the first 1,000 rows that were
    /// accepted and the first 1,000 that were rejected (a rejected row is listed however late in
    /// the file it comes). `summary` counts every row.
    pub rows: Vec<ImportRowOut>,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// How a job ended, as `JobLog::finish` records it.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    pub state: ImportStateDto,
    pub processed_rows: u32,
    pub summary: ImportSummaryOut,
    pub rows: Vec<ImportRowOut>,
    pub message: Option<String>,
    pub phases: Phases,
}

/// A column an import of one kind reads, in the order the export writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportableColumnOut {
    /// The Japanese header the export writes.
    pub header_ja: String,
    /// The English header, also the JSON key; the field the column is read into.
    pub key: String,
    pub kind: CellKind,
    /// A file without this column is refused.
    pub required: bool,
}

/// The columns each kind of import reads. The export of the same list writes them, under the same
/// headers and in the same order, among columns written for reading only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportableColumnsOut {
    pub reforms: Vec<ImportableColumnOut>,
    pub proposals: Vec<ImportableColumnOut>,
    pub digital_systems: Vec<ImportableColumnOut>,
}
