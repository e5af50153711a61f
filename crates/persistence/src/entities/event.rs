use sea_orm::entity::prelude::*;

/// Something that happened to a record, written with the change; see `crate::events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub actor_user_id: Option<i64>,
    pub record_kind: String,
    pub record_id: i64,
    pub owner: String,
    pub title: String,
    pub link: String,
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
