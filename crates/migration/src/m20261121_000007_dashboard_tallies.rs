//! Running tallies behind the dashboards. A dashboard as of a day sums the deltas dated on or
//! before it instead of replaying every stage event, so it stays fast at a million events. The
//! rows are derived: the repositories keep them in the transaction of each write, and
//! `persistence::tallies::rebuild` recomputes them from the records (after this migration, after
//! a restore). Also indexes for the first spelling of a tag and for the proposal list's year and
//! theme.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn n(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // (fiscal year, scope, figure, key): how many rows the figure counts changes by `delta`
        // on `day`. Scope 0 is the whole city, else a bureau id.
        manager
            .create_table(
                Table::create()
                    .table(n("dashboard_tallies"))
                    .col(integer(n("fiscal_year")))
                    .col(big_integer(n("bureau_id")))
                    .col(text(n("figure")))
                    .col(text(n("key")))
                    .col(date(n("day")))
                    .col(big_integer(n("delta")))
                    .primary_key(
                        Index::create()
                            .col(n("fiscal_year"))
                            .col(n("bureau_id"))
                            .col(n("figure"))
                            .col(n("key"))
                            .col(n("day")),
                    )
                    .to_owned(),
            )
            .await?;
        // Proposals awaiting a decision whose last activity was `since`, from `day` on.
        manager
            .create_table(
                Table::create()
                    .table(n("stale_tallies"))
                    .col(integer(n("fiscal_year")))
                    .col(big_integer(n("bureau_id")))
                    .col(date(n("since")))
                    .col(date(n("day")))
                    .col(big_integer(n("delta")))
                    .primary_key(
                        Index::create()
                            .col(n("fiscal_year"))
                            .col(n("bureau_id"))
                            .col(n("since"))
                            .col(n("day")),
                    )
                    .to_owned(),
            )
            .await?;
        // The proposal list filters by year and theme; with the search narrowed by the trigram
        // index, this index answers the rest without reading the rows.
        manager
            .create_index(
                Index::create()
                    .name("ix_proposals_year_theme")
                    .table(n("proposals"))
                    .col(n("fiscal_year"))
                    .col(n("theme"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reform_tags_key_first")
                    .table(n("reform_tags"))
                    .col(n("tag_key"))
                    .col(n("id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_proposals_year_theme")
                    .table(n("proposals"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_reform_tags_key_first")
                    .table(n("reform_tags"))
                    .to_owned(),
            )
            .await?;
        for name in ["stale_tallies", "dashboard_tallies"] {
            manager
                .drop_table(Table::drop().table(n(name)).to_owned())
                .await?;
        }
        Ok(())
    }
}
