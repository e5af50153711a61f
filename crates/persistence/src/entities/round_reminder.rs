use sea_orm::entity::prelude::*;

/// One reminder date of a round, written when its job handled it; see `crate::round_reminders`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "round_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub on_date: Date,
    pub kind: String,
    pub handled_at: DateTimeUtc,
    pub reminded: i32,
    pub skipped: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
