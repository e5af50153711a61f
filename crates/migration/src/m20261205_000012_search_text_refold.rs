//! Stored `search_text` refolded to the one search-text rule (`domain::search::search_form`).
//! Rows written before it kept tabs, carriage returns and the zero-width joiner of emoji
//! sequences, which the rule drops and a query never holds, so a query that crossed one found
//! nothing. Those three are the only characters the two rules folded differently that stored text
//! may hold (the text rules refuse every other control and invisible character), so dropping them
//! here gives exactly what the rule would write. On SQLite the update trigger of each search table
//! refreshes its trigram index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SEARCHED_TABLES: [&str; 6] = [
    "proposals",
    "reforms",
    "policies",
    "policy_issues",
    "digital_systems",
    "kpis",
];

/// Tab, carriage return and zero-width joiner.
const DROPPED: [&str; 3] = ["\t", "\r", "\u{200D}"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let refolded = DROPPED.iter().fold("search_text".to_owned(), |expr, c| {
            format!("REPLACE({expr}, '{c}', '')")
        });
        for table in SEARCHED_TABLES {
            conn.execute_unprepared(&format!(
                "UPDATE {table} SET search_text = {refolded} WHERE search_text <> {refolded}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The characters dropped cannot be put back, and the text as refolded is what the
        // earlier code would match as well, apart from terms crossing a dropped character.
        Ok(())
    }
}
