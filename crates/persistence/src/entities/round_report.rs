use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "round_report_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    /// 1 for the first close, one more per close after a reopen; backups made before versions
    /// existed held one report per round.
    #[serde(default = "first_version")]
    pub version: i32,
    pub as_of: Date,
    pub known_at: DateTimeUtc,
    pub bureau_id: Option<i64>,
    pub report: String,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn first_version() -> i32 {
    1
}
