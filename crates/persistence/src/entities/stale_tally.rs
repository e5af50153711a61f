use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stale_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fiscal_year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bureau_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub since: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub delta: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
