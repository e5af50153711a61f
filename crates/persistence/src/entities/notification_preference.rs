use sea_orm::entity::prelude::*;

/// A user's choice of channel for one kind of event: `in_app`, `email`, `digest` or `off`.
/// A kind without a row uses the default channel of `domain::event`.
/// One row per user and kind (unique together).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "notification_preferences")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub event_kind: String,
    pub channel: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
