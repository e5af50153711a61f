use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "policy_issues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub policy_id: i64,
    pub area: String,
    pub number: i32,
    pub policy_field: Option<String>,
    pub impact: Option<String>,
    pub urgency: Option<String>,
    pub title: String,
    pub content: Option<String>,
    pub background: Option<String>,
    pub target_outcome: Option<String>,
    pub actions: Option<String>,
    pub owner_status: Option<String>,
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
