//! An index for the stale lists as of a day: the stage spans of a year over which some section
//! still awaited a decision, by the day they began, with their end and proposal, so that "awaiting
//! on the day" is read from the index alone instead of from every span of the year begun by then
//! and its row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_proposal_stage_spans_year_awaiting_day";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Alias::new("proposal_stage_spans"))
                    .col(Alias::new("fiscal_year"))
                    .col(Alias::new("awaiting_decision"))
                    .col(Alias::new("from_day"))
                    .col(Alias::new("to_day"))
                    .col(Alias::new("proposal_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Alias::new("proposal_stage_spans"))
                    .to_owned(),
            )
            .await
    }
}
