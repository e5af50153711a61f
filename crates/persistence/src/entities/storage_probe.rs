use sea_orm::entity::prelude::*;

/// A write the readiness probe committed after a storage fault; only the latest row is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "storage_probes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub probed_at: DateTimeUtc,
    pub ballast: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
