use sea_orm::entity::prelude::*;

/// A stretch of days over which a section of the bureau held the proposal. `to_day` is
/// exclusive.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_bureau_spans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bureau_id: i64,
    pub fiscal_year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_day: Date,
    pub to_day: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
