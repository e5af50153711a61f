//! Who follows which record beyond the defaults: `subscriptions` holds one row per user and record
//! that the user chose to follow (or to stop following, when the record is one they would hear of
//! by default, such as a proposal of their own section).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    UserId,
    /// The record followed: its kind (`proposal`, `policy_issue`, …) and id, as events name it.
    RecordKind,
    RecordId,
    /// True: the user follows the record. False: the user stopped following a record they would
    /// follow by default, and hears of it no more.
    Following,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(big_pk_auto(Subscriptions::Id))
                    .col(big_integer(Subscriptions::UserId))
                    .col(string_len(Subscriptions::RecordKind, 32))
                    .col(big_integer(Subscriptions::RecordId))
                    .col(boolean(Subscriptions::Following))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One choice per user and record.
        manager
            .create_index(
                Index::create()
                    .name("ux_subscriptions_user_record")
                    .table(Subscriptions::Table)
                    .col(Subscriptions::UserId)
                    .col(Subscriptions::RecordKind)
                    .col(Subscriptions::RecordId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The fan-out's question: who chose something about this record.
        manager
            .create_index(
                Index::create()
                    .name("ix_subscriptions_record")
                    .table(Subscriptions::Table)
                    .col(Subscriptions::RecordKind)
                    .col(Subscriptions::RecordId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Subscriptions::Table).to_owned())
            .await
    }
}
