use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "reforms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub fiscal_year: i32,
    pub bureau_id: i64,
    pub report_number: Option<i32>,
    pub classification: Option<String>,
    pub source_proposal_id: Option<i64>,
    pub title: String,
    pub problem: Option<String>,
    pub action: Option<String>,
    pub effect: Option<String>,
    pub period_text: Option<String>,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
    pub status: String,
    pub featured: bool,
    pub search_text: String,
    pub created_by_user_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
