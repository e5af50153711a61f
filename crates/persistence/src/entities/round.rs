use sea_orm::entity::prelude::*;

/// A reporting round (照会); see `crate::rounds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub as_of: Date,
    pub due_on: Date,
    pub state: String,
    /// JSON array of record kinds.
    pub record_kinds: String,
    /// JSON arrays of ids.
    pub scope_bureau_ids: String,
    pub scope_section_ids: String,
    pub opened_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub reopen_reason: Option<String>,
    /// JSON `domain::calendar::ScheduleFields`; null: the configured default.
    pub reminder_schedule: Option<String>,
    pub created_by_user_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
