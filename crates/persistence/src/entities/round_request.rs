use sea_orm::entity::prelude::*;

/// One owner's request of a round; see `crate::rounds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "round_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub bureau_id: i64,
    pub state: String,
    pub item_count: i32,
    pub answered_count: i32,
    pub return_comment: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub returned_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    /// When the office last nudged the owner (督促).
    pub nudged_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
