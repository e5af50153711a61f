//! The durable job runner's `jobs` table, and the domain events written with the changes that
//! cause them (`events`), with the in-app `notifications` they turn into and each user's choice of
//! how to hear of each kind of event.
//!
//! A job row is written in the same transaction as the change that asks for it (a transactional
//! outbox): a committed change always gets its job, a rolled-back one never does. Workers of
//! every server process claim due rows under a lease; a row whose lease ran out (its server was
//! killed) is claimed again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    /// What the job does, e.g. `event.fan_out`; each kind has one handler and its own limit.
    Kind,
    /// JSON: the handler's input.
    Payload,
    /// queued, running, succeeded, dead (out of attempts), cancelled
    State,
    Attempts,
    MaxAttempts,
    /// Not before this time: scheduled jobs and retries after backoff.
    RunAt,
    /// The worker that holds the job and until when; a lease that ran out is free again.
    LockedBy,
    LockedUntil,
    LastError,
    /// At most one queued or running job per key (e.g. one digest per user and day).
    DedupeKey,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    /// e.g. `proposal.assigned`
    Kind,
    OccurredAt,
    ActorUserId,
    /// The record the event concerns: its kind (`proposal`, `milestone`, …) and id.
    RecordKind,
    RecordId,
    /// JSON: the record's owner as `domain::access::Owner` sees it, so who may hear of the event
    /// is decided by the same rule as who may read the record.
    Owner,
    /// A one-line Japanese summary, and the SPA path of the record.
    Title,
    Link,
    /// JSON: what changed, as webhook receivers get it.
    Data,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    EventId,
    CreatedAt,
    ReadAt,
    /// none, immediate or digest: how the user asked to be told by e-mail of this kind.
    EmailMode,
    EmailedAt,
}

/// Per user and event kind, how they want to hear of it: `in_app` (the bell only), `email`
/// (at once) or `digest` (one e-mail a day), or `off`. No row: the kind's default.
#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    Id,
    UserId,
    EventKind,
    Channel,
}

/// Per user: the hour (0–23, Asia/Tokyo) their daily digest is sent.
#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    Id,
    UserId,
    DigestHour,
    UpdatedAt,
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
                    .table(Jobs::Table)
                    .col(big_pk_auto(Jobs::Id))
                    .col(string_len(Jobs::Kind, 64))
                    .col(text(Jobs::Payload))
                    .col(string_len(Jobs::State, 16))
                    .col(integer(Jobs::Attempts).default(0))
                    .col(integer(Jobs::MaxAttempts))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(string_len_null(Jobs::LockedBy, 80))
                    .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                    .col(text_null(Jobs::LastError))
                    .col(string_len_null(Jobs::DedupeKey, 200))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // The workers' question: which queued jobs of a kind are due, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_due")
                    .table(Jobs::Table)
                    .col(Jobs::State)
                    .col(Jobs::Kind)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_jobs_dedupe_key")
                    .table(Jobs::Table)
                    .col(Jobs::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(string_len(Events::Kind, 64))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(big_integer_null(Events::ActorUserId))
                    .col(string_len(Events::RecordKind, 32))
                    .col(big_integer(Events::RecordId))
                    .col(text(Events::Owner))
                    .col(string_len(Events::Title, 400))
                    .col(string_len(Events::Link, 200))
                    .col(text(Events::Data))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_record")
                    .table(Events::Table)
                    .col(Events::RecordKind)
                    .col(Events::RecordId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(big_pk_auto(Notifications::Id))
                    .col(big_integer(Notifications::UserId))
                    .col(big_integer(Notifications::EventId))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .col(string_len(Notifications::EmailMode, 16))
                    .col(timestamp_with_time_zone_null(Notifications::EmailedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notifications::Table, Notifications::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A user's list, newest first, and the unread count; one notification per user and event,
        // so a fan-out that runs again after a lost lease adds nothing twice.
        manager
            .create_index(
                Index::create()
                    .name("ux_notifications_user_event")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_user_unread")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::ReadAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    // An id of its own, like every table a backup pages through.
                    .col(big_pk_auto(NotificationPreferences::Id))
                    .col(big_integer(NotificationPreferences::UserId))
                    .col(string_len(NotificationPreferences::EventKind, 64))
                    .col(string_len(NotificationPreferences::Channel, 16))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                NotificationPreferences::Table,
                                NotificationPreferences::UserId,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_preferences_user_kind")
                    .table(NotificationPreferences::Table)
                    .col(NotificationPreferences::UserId)
                    .col(NotificationPreferences::EventKind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationSettings::Table)
                    .col(big_pk_auto(NotificationSettings::Id))
                    .col(big_integer(NotificationSettings::UserId).unique_key())
                    .col(small_integer(NotificationSettings::DigestHour).default(8))
                    .col(timestamp_with_time_zone(NotificationSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NotificationSettings::Table, NotificationSettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotificationSettings::Table.into_iden(),
            NotificationPreferences::Table.into_iden(),
            Notifications::Table.into_iden(),
            Events::Table.into_iden(),
            Jobs::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
