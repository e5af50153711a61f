//! A project team's stated headcount: the annual report gives the R6 team as 29 members without
//! naming them, so the size cannot always be counted from the member list.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProjectTeams {
    Table,
    Headcount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectTeams::Table)
                    .add_column(ColumnDef::new(ProjectTeams::Headcount).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectTeams::Table)
                    .drop_column(ProjectTeams::Headcount)
                    .to_owned(),
            )
            .await
    }
}
