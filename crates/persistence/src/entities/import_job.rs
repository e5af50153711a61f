use sea_orm::entity::prelude::*;

/// An import started over the API: its progress while it runs and its outcome once finished.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub dry_run: bool,
    pub file_name: String,
    pub format: String,
    pub encoding: Option<String>,
    pub owner_kind: Option<String>,
    pub owner_id: Option<i64>,
    pub state: String,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub rejected: i32,
    pub column_mapping: String,
    pub row_outcomes: Option<String>,
    pub message: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub heartbeat_at: DateTimeUtc,
    /// JSON: the progress of each phase (reading, checking, writing, indexing).
    pub phases: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
