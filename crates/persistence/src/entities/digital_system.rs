use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "digital_systems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub section_id: i64,
    pub platform: String,
    pub built_in_house: bool,
    pub status: String,
    pub trial_started_on: Option<Date>,
    pub production_started_on: Option<Date>,
    pub retired_on: Option<Date>,
    pub workflow_before: Option<String>,
    pub workflow_after: Option<String>,
    pub annual_hours_saved: Option<f64>,
    pub hours_basis: Option<String>,
    pub cost_effect_yen: Option<i64>,
    pub note: Option<String>,
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
