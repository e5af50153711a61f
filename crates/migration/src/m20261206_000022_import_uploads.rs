//! `import_uploads`: the file of an import that the job runner has yet to finish, with who
//! started it, so that any instance can run the import (its `import.run` job) and an import that
//! a stopped or killed server was running starts again from its file. Removed when the import
//! ends, and with its job row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportUploads {
    Table,
    /// The `import_jobs` row.
    ImportId,
    /// The uploaded file as it was sent.
    Bytes,
    /// JSON: the audit actor the import writes as (who, request id, the import as its source).
    Actor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportUploads::Table)
                    .col(string_len(ImportUploads::ImportId, 36).primary_key())
                    .col(blob(ImportUploads::Bytes))
                    .col(text(ImportUploads::Actor))
                    .col(timestamp_with_time_zone(ImportUploads::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_uploads_import")
                            .from(ImportUploads::Table, ImportUploads::ImportId)
                            .to(ImportJobs::Table, ImportJobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportUploads::Table).to_owned())
            .await
    }
}
