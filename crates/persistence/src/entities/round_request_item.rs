use sea_orm::entity::prelude::*;

/// One record a request must answer for; see `crate::rounds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "round_request_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub record_kind: String,
    pub record_id: i64,
    pub outcome: String,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by_user_id: Option<i64>,
    pub answered_by_label: Option<String>,
    pub comment: Option<String>,
    /// JSON array of audit event ids.
    pub audit_event_ids: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
