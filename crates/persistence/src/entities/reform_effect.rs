use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "reform_effects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reform_id: i64,
    pub position: i32,
    pub kind: String,
    pub value: f64,
    pub unit: String,
    pub basis: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
