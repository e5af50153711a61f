//! Search indexes for the cross-entity search, and the `source` of an audit event (the import
//! that wrote it).
//!
//! Each searchable table keeps its NFKC, lower-cased text in `search_text`. SQLite indexes it in
//! an FTS5 trigram table kept in step by triggers; PostgreSQL in a pg_trgm GIN index. Both serve
//! `LIKE '%term%'` for terms of three characters or more, so a search does not scan the tables.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables the cross-entity search reads.
pub const SEARCHABLE_TABLES: [&str; 5] = [
    "proposals",
    "reforms",
    "policy_issues",
    "digital_systems",
    "kpis",
];

fn sqlite_fts_statements(table: &str) -> Vec<String> {
    let fts = format!("{table}_fts");
    vec![
        format!(
            "CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', content_rowid='id', tokenize='trigram')"
        ),
        format!(
            "CREATE TRIGGER {fts}_after_insert AFTER INSERT ON {table} BEGIN \
             INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        ),
        format!(
            "CREATE TRIGGER {fts}_after_delete AFTER DELETE ON {table} BEGIN \
             INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
        ),
        format!(
            "CREATE TRIGGER {fts}_after_update AFTER UPDATE OF search_text ON {table} BEGIN \
             INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); \
             INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        ),
        // Rows written before this migration.
        format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for table in SEARCHABLE_TABLES {
                    for statement in sqlite_fts_statements(table) {
                        conn.execute_unprepared(&statement).await?;
                    }
                }
            }
            DatabaseBackend::Postgres => {
                conn.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                for table in SEARCHABLE_TABLES {
                    conn.execute_unprepared(&format!(
                        "CREATE INDEX ix_{table}_search_text_trgm ON {table} USING gin (search_text gin_trgm_ops)"
                    ))
                    .await?;
                }
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "unsupported database backend {other:?}"
                )));
            }
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("audit_events"))
                    .add_column(ColumnDef::new(Alias::new("source")).string_len(300).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        // Raw SQL: both SQLite (3.35+) and PostgreSQL drop a column this way.
        conn.execute_unprepared("ALTER TABLE audit_events DROP COLUMN source")
            .await?;
        for table in SEARCHABLE_TABLES {
            match manager.get_database_backend() {
                DatabaseBackend::Sqlite => {
                    for suffix in ["after_insert", "after_delete", "after_update"] {
                        conn.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_fts_{suffix}"
                        ))
                        .await?;
                    }
                    conn.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}_fts"))
                        .await?;
                }
                _ => {
                    conn.execute_unprepared(&format!(
                        "DROP INDEX IF EXISTS ix_{table}_search_text_trgm"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }
}
