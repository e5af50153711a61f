use sea_orm::entity::prelude::*;

/// A stretch of days over which a proposal stood at one stage (rule ※1; 0 before any section
/// had it) and did or did not await a decision. `to_day` is exclusive.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_stage_spans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: i64,
    pub fiscal_year: i32,
    pub stage: i16,
    pub awaiting_decision: bool,
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_day: Date,
    pub to_day: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
