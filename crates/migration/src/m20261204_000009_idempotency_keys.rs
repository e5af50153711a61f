//! `Idempotency-Key` records: for each caller and key, the fingerprint of the request that first
//! used it and, once that request's write committed, the response a retry is answered with.
//! A row without a status is a request still in flight.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    /// `user:<id>` or `service_account:<id>`: keys are the caller's own.
    Principal,
    IdempotencyKey,
    /// SHA-256 of method, path with query, and body.
    Fingerprint,
    /// The request id of the first request, for the logs of a conflict.
    RequestId,
    /// Null while the first request is in flight.
    Status,
    /// JSON object of the response headers that are replayed (Location, ETag, Content-Type).
    ResponseHeaders,
    ResponseBody,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(string_len(IdempotencyKeys::Principal, 100))
                    .col(string_len(IdempotencyKeys::IdempotencyKey, 255))
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(string_len(IdempotencyKeys::RequestId, 100))
                    .col(small_integer_null(IdempotencyKeys::Status))
                    .col(text_null(IdempotencyKeys::ResponseHeaders))
                    .col(blob_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone(IdempotencyKeys::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::Principal)
                            .col(IdempotencyKeys::IdempotencyKey),
                    )
                    .to_owned(),
            )
            .await?;
        // Expired rows are purged by this column.
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_keys_expires_at")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}
