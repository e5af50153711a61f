//! Stage and bureau spans of proposals: for each proposal, from which day until which day it
//! stood at a stage (rule ※1, with whether a section still awaited a decision), and from which day
//! until which day a section of a bureau held it. A list "as of" a day then selects the spans
//! covering that day with an index instead of replaying every stage event of the year. The rows
//! are derived, kept like the dashboard tallies in the transaction of each write, and
//! `persistence::tallies::rebuild` recounts them from the events (after this migration, after a
//! restore). Also an index for the consultations of a proposal by date, which the stale lists
//! look up.

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
        // One row per stretch of days over which the proposal's derived stage (0: it existed but
        // no section had it yet) and `awaiting_decision` stayed the same. `to_day` is exclusive;
        // the last stretch of a proposal runs to 9999-12-31. The stretches of a proposal cover
        // every day from the one it came to exist, without gaps or overlaps.
        manager
            .create_table(
                Table::create()
                    .table(n("proposal_stage_spans"))
                    .col(big_integer(n("proposal_id")))
                    .col(integer(n("fiscal_year")))
                    .col(small_integer(n("stage")))
                    .col(boolean(n("awaiting_decision")))
                    .col(date(n("from_day")))
                    .col(date(n("to_day")))
                    .primary_key(Index::create().col(n("proposal_id")).col(n("from_day")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(n("proposal_stage_spans"), n("proposal_id"))
                            .to(n("proposals"), n("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A list of one stage (or all) of a year on a day reads the stretches of that stage
        // that began by the day and checks their end in the index itself.
        manager
            .create_index(
                Index::create()
                    .name("ix_proposal_stage_spans_year_stage_day")
                    .table(n("proposal_stage_spans"))
                    .col(n("fiscal_year"))
                    .col(n("stage"))
                    .col(n("from_day"))
                    .col(n("to_day"))
                    .col(n("proposal_id"))
                    .to_owned(),
            )
            .await?;
        // One row per stretch over which a section of the bureau held the proposal.
        manager
            .create_table(
                Table::create()
                    .table(n("proposal_bureau_spans"))
                    .col(big_integer(n("proposal_id")))
                    .col(big_integer(n("bureau_id")))
                    .col(integer(n("fiscal_year")))
                    .col(date(n("from_day")))
                    .col(date(n("to_day")))
                    .primary_key(
                        Index::create()
                            .col(n("proposal_id"))
                            .col(n("bureau_id"))
                            .col(n("from_day")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(n("proposal_bureau_spans"), n("proposal_id"))
                            .to(n("proposals"), n("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_proposal_bureau_spans_bureau_day")
                    .table(n("proposal_bureau_spans"))
                    .col(n("bureau_id"))
                    .col(n("fiscal_year"))
                    .col(n("from_day"))
                    .col(n("to_day"))
                    .col(n("proposal_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_consultations_proposal_held")
                    .table(n("consultations"))
                    .col(n("proposal_id"))
                    .col(n("held_on"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_consultations_proposal_held")
                    .table(n("consultations"))
                    .to_owned(),
            )
            .await?;
        for name in ["proposal_bureau_spans", "proposal_stage_spans"] {
            manager
                .drop_table(Table::drop().table(n(name)).to_owned())
                .await?;
        }
        Ok(())
    }
}
