//! Indexes that keep the reform list and a reform's detail as cheap at 100,000 reforms as at 100:
//!
//! - `ix_reforms_bureau_year_number` (bureau, fiscal year, report No., id) numbers a reform within
//!   its bureau's year by counting the reforms before it in the index, without reading rows;
//! - `ix_reforms_bureau_status_updated` (bureau, status, updated_at, id) answers a bureau's list
//!   of one status, newest first, by walking the index from its end and stopping after the page,
//!   and counts that list from the index alone.
//!
//! Both begin with the bureau, so the old `ix_reforms_bureau` (bureau, report No.) serves no query
//! that they do not serve better, and is dropped.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn n(name: &str) -> Alias {
    Alias::new(name)
}

fn reform_index(name: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(n("reforms"));
    for column in columns {
        index.col(n(column));
    }
    index.to_owned()
}

fn drop_reform_index(name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(n("reforms")).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(reform_index(
                "ix_reforms_bureau_year_number",
                &["bureau_id", "fiscal_year", "report_number", "id"],
            ))
            .await?;
        manager
            .create_index(reform_index(
                "ix_reforms_bureau_status_updated",
                &["bureau_id", "status", "updated_at", "id"],
            ))
            .await?;
        manager
            .drop_index(drop_reform_index("ix_reforms_bureau"))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(reform_index(
                "ix_reforms_bureau",
                &["bureau_id", "report_number"],
            ))
            .await?;
        manager
            .drop_index(drop_reform_index("ix_reforms_bureau_status_updated"))
            .await?;
        manager
            .drop_index(drop_reform_index("ix_reforms_bureau_year_number"))
            .await
    }
}
