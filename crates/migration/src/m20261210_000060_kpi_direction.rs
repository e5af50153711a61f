//! Which way a KPI should move (issue 18's computed health): 増やす, 減らす or 維持する, and for a
//! KPI kept at its target the band around it that still counts as kept. Both columns are
//! nullable: without a direction it is read from the baseline and the target, without a band a
//! kept KPI must sit on its target.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Kpis {
    Table,
    Direction,
    Tolerance,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Kpis::Table)
                    .add_column(string_len_null(Kpis::Direction, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Kpis::Table)
                    .add_column(double_null(Kpis::Tolerance))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Kpis::Table)
                    .drop_column(Kpis::Tolerance)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Kpis::Table)
                    .drop_column(Kpis::Direction)
                    .to_owned(),
            )
            .await
    }
}
