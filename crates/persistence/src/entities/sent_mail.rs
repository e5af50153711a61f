use sea_orm::entity::prelude::*;

/// One e-mail as it was sent over SMTP or only recorded; see `crate::mail`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "sent_mail")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub to_address: String,
    pub user_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub kind: String,
    /// JSON array of notification ids.
    pub notification_ids: String,
    pub transport: String,
    pub message_id: String,
    pub sent_at: DateTimeUtc,
    pub smtp_reply: Option<String>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
