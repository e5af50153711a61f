//! An import job keeps the progress of each of its phases (reading, checking, writing, indexing)
//! as JSON, so the import screen can draw a bar and an estimate of the time left for each, on
//! whichever instance it asks.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("import_jobs"))
                    .add_column(ColumnDef::new(Alias::new("phases")).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("import_jobs"))
                    .drop_column(Alias::new("phases"))
                    .to_owned(),
            )
            .await
    }
}
