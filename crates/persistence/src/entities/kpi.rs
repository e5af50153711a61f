use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "kpis")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issue_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline_value: f64,
    pub baseline_on: Date,
    pub target_value: Option<f64>,
    pub target_on: Option<Date>,
    pub note: Option<String>,
    pub direction: Option<String>,
    pub tolerance: Option<f64>,
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
