//! Names that the API accepts up to 300 characters (a KPI's, a digital system's, a target's, and
//! a milestone's workstream) get columns of that width. They were created 200 wide, which
//! PostgreSQL enforced with an error on the write; SQLite does not enforce a declared width.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const WIDENED: [(&str, &str); 4] = [
    ("kpis", "name"),
    ("digital_systems", "name"),
    ("targets", "name"),
    ("milestones", "workstream"),
];

async fn set_width(manager: &SchemaManager<'_>, width: u32) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let conn = manager.get_connection();
    for (table, column) in WIDENED {
        conn.execute_unprepared(&format!(
            "ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({width})"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_width(manager, 300).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_width(manager, 200).await
    }
}
