//! `round_report_versions` replaces `round_reports` and keeps every version of a round's report:
//! a round closed, reopened and closed again has one report per close (`version` 1, 2, …; the
//! highest is the round's report), so the figures a close published stay readable after the next
//! one. A new table because SQLite cannot drop the unique constraint on `round_id` (and renaming
//! a rebuilt table back proved racy on a pooled SQLite connection); it references `rounds`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoundReports {
    Table,
}

#[derive(DeriveIden)]
enum RoundReportVersions {
    Table,
    Id,
    RoundId,
    /// 1 for a round's first close, then one more per close after a reopen.
    Version,
    AsOf,
    KnownAt,
    BureauId,
    Report,
    ComputedAt,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
}

const COLUMNS: &str = "round_id, as_of, known_at, bureau_id, report, computed_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoundReportVersions::Table)
                    .col(big_pk_auto(RoundReportVersions::Id))
                    .col(big_integer(RoundReportVersions::RoundId))
                    .col(integer(RoundReportVersions::Version))
                    .col(date(RoundReportVersions::AsOf))
                    .col(timestamp_with_time_zone(RoundReportVersions::KnownAt))
                    .col(big_integer_null(RoundReportVersions::BureauId))
                    .col(text(RoundReportVersions::Report))
                    .col(timestamp_with_time_zone(RoundReportVersions::ComputedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-round_report_versions-round_id")
                            .from(RoundReportVersions::Table, RoundReportVersions::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        // Reports kept before versions existed were each a round's only one; a report of a round
        // that no longer exists has nothing left to belong to.
        conn.execute_unprepared(&format!(
            "INSERT INTO round_report_versions ({COLUMNS}, version) \
             SELECT {COLUMNS}, 1 FROM round_reports WHERE round_id IN (SELECT id FROM rounds)"
        ))
        .await?;
        manager
            .drop_table(Table::drop().table(RoundReports::Table).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux-round_report_versions-round_id-version")
                    .table(RoundReportVersions::Table)
                    .col(RoundReportVersions::RoundId)
                    .col(RoundReportVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Back to one report per round: the latest version of each.
        manager
            .create_table(
                Table::create()
                    .table(RoundReports::Table)
                    .col(big_pk_auto(RoundReportVersions::Id))
                    .col(big_integer(RoundReportVersions::RoundId).unique_key())
                    .col(date(RoundReportVersions::AsOf))
                    .col(timestamp_with_time_zone(RoundReportVersions::KnownAt))
                    .col(big_integer_null(RoundReportVersions::BureauId))
                    .col(text(RoundReportVersions::Report))
                    .col(timestamp_with_time_zone(RoundReportVersions::ComputedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO round_reports ({COLUMNS}) SELECT {COLUMNS} FROM round_report_versions v \
                 WHERE v.version = (SELECT MAX(w.version) FROM round_report_versions w \
                 WHERE w.round_id = v.round_id)"
            ))
            .await?;
        manager
            .drop_table(Table::drop().table(RoundReportVersions::Table).to_owned())
            .await
    }
}
