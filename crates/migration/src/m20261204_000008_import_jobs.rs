//! `import_jobs`: each import started over the API, with its progress and, once finished, its
//! outcome row by row, so that the import screen can be answered by any instance and a job that a
//! stopping server could not finish shows as interrupted instead of vanishing.
//!
//! A general durable job runner is to fold this table in later; it is named for imports alone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Id,
    Kind,
    DryRun,
    FileName,
    Format,
    Encoding,
    /// `user` or `service_account`: both kinds of account number their ids from 1.
    OwnerKind,
    OwnerId,
    State,
    TotalRows,
    ProcessedRows,
    Created,
    Updated,
    Unchanged,
    Rejected,
    /// JSON: the file's columns and the field each is read into.
    ColumnMapping,
    /// JSON: each row's outcome, written when the job finishes.
    RowOutcomes,
    Message,
    CreatedAt,
    FinishedAt,
    /// Refreshed while the job runs, so another instance can tell a job whose server died.
    HeartbeatAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportJobs::Table)
                    .col(string_len(ImportJobs::Id, 36).primary_key())
                    .col(string_len(ImportJobs::Kind, 32))
                    .col(boolean(ImportJobs::DryRun))
                    .col(string_len(ImportJobs::FileName, 300))
                    .col(string_len(ImportJobs::Format, 16))
                    .col(string_len_null(ImportJobs::Encoding, 32))
                    .col(string_len_null(ImportJobs::OwnerKind, 32))
                    .col(big_integer_null(ImportJobs::OwnerId))
                    .col(string_len(ImportJobs::State, 16))
                    .col(integer(ImportJobs::TotalRows))
                    .col(integer(ImportJobs::ProcessedRows).default(0))
                    .col(integer(ImportJobs::Created).default(0))
                    .col(integer(ImportJobs::Updated).default(0))
                    .col(integer(ImportJobs::Unchanged).default(0))
                    .col(integer(ImportJobs::Rejected).default(0))
                    .col(text(ImportJobs::ColumnMapping))
                    .col(text_null(ImportJobs::RowOutcomes))
                    .col(text_null(ImportJobs::Message))
                    .col(timestamp_with_time_zone(ImportJobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(ImportJobs::FinishedAt))
                    .col(timestamp_with_time_zone(ImportJobs::HeartbeatAt))
                    .to_owned(),
            )
            .await?;
        // Finding the jobs still marked running (at start-up, and when a server stops) and the
        // finished ones old enough to forget.
        manager
            .create_index(
                Index::create()
                    .name("ix_import_jobs_state")
                    .table(ImportJobs::Table)
                    .col(ImportJobs::State)
                    .col(ImportJobs::HeartbeatAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportJobs::Table).to_owned())
            .await
    }
}
