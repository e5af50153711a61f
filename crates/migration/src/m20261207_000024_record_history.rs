//! The second time axis. `record_history` keeps every version of the records that otherwise hold
//! only their current state (proposals, reforms, digital systems, policy issues, milestones,
//! KPIs), and of the parts that are added and removed (KPI actuals, progress notes), each stamped
//! with the moment it was recorded; a deletion is a version too. A figure "as known at T" reads,
//! for each record, its latest version recorded at or before T. The repositories append a row in
//! the transaction of every write; `persistence::history::backfill` writes the first version of
//! the rows that exist when this migration runs, as recorded when each was last changed.
//!
//! `round_reports`: a closed round's report, computed once "as of 基準日, as known at closing" and
//! kept as JSON, so it is served without recomputing and never changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecordHistory {
    Table,
    Id,
    /// `proposal`, `reform`, `digital_system`, `policy_issue`, `milestone`, `kpi`, `kpi_actual`,
    /// `progress_note`.
    Kind,
    RecordId,
    RecordedAt,
    /// The record was deleted at `recorded_at`; `snapshot` is then NULL.
    Deleted,
    /// JSON: the fields the reports read, as they stood after the write.
    Snapshot,
}

#[derive(DeriveIden)]
enum RoundReports {
    Table,
    Id,
    /// The round the report belongs to (`rounds.id`).
    RoundId,
    /// 基準日.
    AsOf,
    /// The moment the report is "as known at" (the round's close).
    KnownAt,
    /// Set when the report covers one bureau only.
    BureauId,
    /// JSON: the report.
    Report,
    ComputedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RecordHistory::Table)
                    .col(big_pk_auto(RecordHistory::Id))
                    .col(string_len(RecordHistory::Kind, 32))
                    .col(big_integer(RecordHistory::RecordId))
                    .col(timestamp_with_time_zone(RecordHistory::RecordedAt))
                    .col(boolean(RecordHistory::Deleted))
                    .col(text_null(RecordHistory::Snapshot))
                    .to_owned(),
            )
            .await?;
        // "The latest version of each record of a kind recorded by T": one range scan of the
        // kind in record order, versions of a record in the order they were recorded.
        manager
            .create_index(
                Index::create()
                    .name("ix_record_history_kind_record_recorded")
                    .table(RecordHistory::Table)
                    .col(RecordHistory::Kind)
                    .col(RecordHistory::RecordId)
                    .col(RecordHistory::RecordedAt)
                    .col(RecordHistory::Id)
                    .to_owned(),
            )
            .await?;
        // "What changed after the close": the versions of a kind recorded since T.
        manager
            .create_index(
                Index::create()
                    .name("ix_record_history_kind_recorded")
                    .table(RecordHistory::Table)
                    .col(RecordHistory::Kind)
                    .col(RecordHistory::RecordedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoundReports::Table)
                    .col(big_pk_auto(RoundReports::Id))
                    .col(big_integer(RoundReports::RoundId).unique_key())
                    .col(date(RoundReports::AsOf))
                    .col(timestamp_with_time_zone(RoundReports::KnownAt))
                    .col(big_integer_null(RoundReports::BureauId))
                    .col(text(RoundReports::Report))
                    .col(timestamp_with_time_zone(RoundReports::ComputedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoundReports::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RecordHistory::Table).to_owned())
            .await
    }
}
