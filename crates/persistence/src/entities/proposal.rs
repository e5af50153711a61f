use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "proposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub fiscal_year: i32,
    pub number: Option<String>,
    pub theme: String,
    pub scene: Option<String>,
    pub viewpoint: Option<String>,
    pub title: String,
    pub pain_point: Option<String>,
    pub proposed_solution: Option<String>,
    pub implementation_status: Option<String>,
    pub outcome_period_text: Option<String>,
    pub outcome_text: Option<String>,
    pub continues_proposal_id: Option<i64>,
    pub created_by_user_id: Option<i64>,
    pub stage: Option<i16>,
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
