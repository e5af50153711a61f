//! What an owner says with a progress answer (issue 17): the reason a milestone slipped, kept on
//! the milestone while it stays 遅延, and the owner's own status word for a policy issue (未着手,
//! 実施中, 完了, 保留), which later stands beside the computed health and never replaces it. Both
//! columns are nullable: earlier records carry neither.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Milestones {
    Table,
    SlipReason,
}

#[derive(DeriveIden)]
enum PolicyIssues {
    Table,
    OwnerStatus,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Milestones::Table)
                    .add_column(text_null(Milestones::SlipReason))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PolicyIssues::Table)
                    .add_column(string_len_null(PolicyIssues::OwnerStatus, 16))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PolicyIssues::Table)
                    .drop_column(PolicyIssues::OwnerStatus)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Milestones::Table)
                    .drop_column(Milestones::SlipReason)
                    .to_owned(),
            )
            .await
    }
}
