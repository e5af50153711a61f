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
    pub summary: ImportSummaryOut,
    pub columns: Vec<ImportColumnOut>,
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
