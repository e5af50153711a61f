//! The table the readiness probe writes to after a storage fault, to learn whether writes commit
//! again (a full disk freed, a read-only file made writable). It holds at most one row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StorageProbes {
    Table,
    Id,
    ProbedAt,
    Ballast,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StorageProbes::Table)
                    .col(big_pk_auto(StorageProbes::Id))
                    .col(timestamp_with_time_zone(StorageProbes::ProbedAt))
                    .col(blob(StorageProbes::Ballast))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StorageProbes::Table).to_owned())
            .await
    }
}
