use sea_orm::entity::prelude::*;

/// One user's copy of an event they hear of: read or not, e-mailed or not.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub event_id: i64,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    pub email_mode: String,
    pub emailed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
