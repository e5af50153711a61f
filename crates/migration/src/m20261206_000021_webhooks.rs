//! Webhook endpoints that internal systems register to hear of events, and the log of every
//! attempt to deliver one to them.
//!
//! An endpoint keeps its current signing secret and, during a rotation, the one before it with
//! the time it stops signing, so receivers can switch without missing a delivery. `failing_since`
//! is when its current run of failed attempts began: an endpoint failing for too long is
//! disabled, with the reason kept for the admin screen.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    /// Where deliveries are POSTed; only http(s), and only this URL (no redirects followed).
    Url,
    Description,
    /// JSON array of the event kinds (`domain::event::KINDS`) the endpoint wants.
    EventKinds,
    /// `whsec_<base64>`: the key deliveries are signed with.
    Secret,
    /// The secret before the last rotation, which also signs until `previous_secret_expires_at`.
    PreviousSecret,
    PreviousSecretExpiresAt,
    Enabled,
    /// Why the endpoint was disabled automatically, e.g. failing since a given time.
    DisabledReason,
    /// When the current run of failed attempts began; null after a success.
    FailingSince,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    /// The event delivered; null for a test ping.
    EventId,
    /// The `webhook-id` header: the same for every attempt of one event to one endpoint.
    MessageId,
    /// 1 for the first attempt of the job that sent it.
    Attempt,
    /// The receiver's answer; null when none came (refused connection, timeout).
    StatusCode,
    ResponseTimeMs,
    /// What went wrong, in words; null for a 2xx.
    Error,
    At,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(big_pk_auto(WebhookEndpoints::Id))
                    .col(string_len(WebhookEndpoints::Url, 2000))
                    .col(string_len(WebhookEndpoints::Description, 400).default(""))
                    .col(text(WebhookEndpoints::EventKinds))
                    .col(string_len(WebhookEndpoints::Secret, 200))
                    .col(string_len_null(WebhookEndpoints::PreviousSecret, 200))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::PreviousSecretExpiresAt,
                    ))
                    .col(boolean(WebhookEndpoints::Enabled).default(true))
                    .col(string_len_null(WebhookEndpoints::DisabledReason, 400))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::FailingSince,
                    ))
                    .col(integer(WebhookEndpoints::Version).default(1))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(big_pk_auto(WebhookDeliveries::Id))
                    .col(big_integer(WebhookDeliveries::EndpointId))
                    .col(big_integer_null(WebhookDeliveries::EventId))
                    .col(string_len(WebhookDeliveries::MessageId, 100))
                    .col(integer(WebhookDeliveries::Attempt))
                    .col(integer_null(WebhookDeliveries::StatusCode))
                    .col(integer_null(WebhookDeliveries::ResponseTimeMs))
                    .col(string_len_null(WebhookDeliveries::Error, 1000))
                    .col(timestamp_with_time_zone(WebhookDeliveries::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The admin screen's question: an endpoint's deliveries, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_endpoint")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EndpointId)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookEndpoints::Table).to_owned())
            .await
    }
}
