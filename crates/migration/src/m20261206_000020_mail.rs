//! The record of every e-mail Platina sent or, with no SMTP server configured (and in demo mode),
//! only recorded: `sent_mail`, which admins read on the 送信済みメール screen.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SentMail {
    Table,
    Id,
    ToAddress,
    /// The recipient's account; null once the account is deleted (the record of the mail stays).
    UserId,
    Subject,
    /// The plain-text body as sent.
    Body,
    /// immediate (one notification) or digest (the day's notifications of one user).
    Kind,
    /// JSON array of the notification ids the mail told of.
    NotificationIds,
    /// smtp (handed to the SMTP server) or recorded (no server configured, or demo mode).
    Transport,
    /// The Message-ID header, so a mail can be found in the SMTP server's logs.
    MessageId,
    SentAt,
    /// The SMTP server's reply on acceptance.
    SmtpReply,
    /// Why the SMTP server refused the mail for good; null for a mail that was accepted.
    Error,
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
                    .table(SentMail::Table)
                    .col(big_pk_auto(SentMail::Id))
                    .col(string_len(SentMail::ToAddress, 320))
                    .col(big_integer_null(SentMail::UserId))
                    .col(text(SentMail::Subject))
                    .col(text(SentMail::Body))
                    .col(string_len(SentMail::Kind, 16))
                    .col(text(SentMail::NotificationIds))
                    .col(string_len(SentMail::Transport, 16))
                    .col(string_len(SentMail::MessageId, 200))
                    .col(timestamp_with_time_zone(SentMail::SentAt))
                    .col(text_null(SentMail::SmtpReply))
                    .col(text_null(SentMail::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SentMail::Table, SentMail::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The admin list reads newest first by id; a user's mail is looked up by recipient.
        manager
            .create_index(
                Index::create()
                    .name("ix_sent_mail_user")
                    .table(SentMail::Table)
                    .col(SentMail::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SentMail::Table).to_owned())
            .await
    }
}
