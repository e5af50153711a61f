use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dashboard_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fiscal_year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bureau_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub figure: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub delta: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
