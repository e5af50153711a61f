//! Reporting rounds (照会): `rounds` (what the office asks, as of which 基準日, by which 回答期限,
//! of which bureaus and sections), `round_requests` (one per owning section or bureau, with its
//! state and the counts of its items) and `round_request_items` (one per record a request must
//! answer for, with how it was answered and the audit events of the writes that answered it,
//! which tie those writes to the round).
//!
//! Opening a round over the synthetic city writes hundreds of thousands of items in one
//! statement; the indexes are those the inbox, the office's lists and the answer check read by.
//! Reminders, the compliance view and the frozen report of a closed round come later and read
//! these tables; they add their own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    Title,
    /// 基準日: the day the answers describe; its fiscal year picks the records.
    AsOf,
    /// 回答期限.
    DueOn,
    /// `draft`, `open` or `closed` (`domain::round::RoundState`).
    State,
    /// JSON array of `domain::round::RecordKind` names.
    RecordKinds,
    /// JSON arrays of ids; both empty: every bureau and section.
    ScopeBureauIds,
    ScopeSectionIds,
    /// When it was first opened: answers count writes from then on.
    OpenedAt,
    /// When it was last closed; null while open or after a reopen.
    ClosedAt,
    /// Why it was last reopened (the audit trail keeps every reason).
    ReopenReason,
    CreatedByUserId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoundRequests {
    Table,
    Id,
    RoundId,
    /// `section` or `bureau`.
    OwnerKind,
    /// The section's or the bureau's id.
    OwnerId,
    /// The owner's bureau (the bureau itself for a bureau's request), for filtering.
    BureauId,
    /// `domain::round::RequestState`.
    State,
    ItemCount,
    AnsweredCount,
    /// The office's comment when it last returned the request (差戻し).
    ReturnComment,
    SubmittedAt,
    ReturnedAt,
    AcceptedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoundRequestItems {
    Table,
    Id,
    RequestId,
    /// `domain::round::RecordKind`.
    RecordKind,
    RecordId,
    /// `none`, `changed` or `unchanged`.
    Outcome,
    AnsweredAt,
    AnsweredByUserId,
    AnsweredByLabel,
    Comment,
    /// JSON array of the `audit_events` ids of the writes that answered a `changed` item.
    AuditEventIds,
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
                    .table(Rounds::Table)
                    .col(big_pk_auto(Rounds::Id))
                    .col(string_len(Rounds::Title, 200))
                    .col(date(Rounds::AsOf))
                    .col(date(Rounds::DueOn))
                    .col(string_len(Rounds::State, 16))
                    .col(text(Rounds::RecordKinds))
                    .col(text(Rounds::ScopeBureauIds))
                    .col(text(Rounds::ScopeSectionIds))
                    .col(timestamp_with_time_zone_null(Rounds::OpenedAt))
                    .col(timestamp_with_time_zone_null(Rounds::ClosedAt))
                    .col(string_len_null(Rounds::ReopenReason, 1000))
                    .col(big_integer_null(Rounds::CreatedByUserId))
                    .col(integer(Rounds::Version).default(1))
                    .col(timestamp_with_time_zone(Rounds::CreatedAt))
                    .col(timestamp_with_time_zone(Rounds::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Rounds::Table, Rounds::CreatedByUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The office's list: newest first, by state.
        manager
            .create_index(
                Index::create()
                    .name("ix_rounds_state")
                    .table(Rounds::Table)
                    .col(Rounds::State)
                    .col(Rounds::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoundRequests::Table)
                    .col(big_pk_auto(RoundRequests::Id))
                    .col(big_integer(RoundRequests::RoundId))
                    .col(string_len(RoundRequests::OwnerKind, 16))
                    .col(big_integer(RoundRequests::OwnerId))
                    .col(big_integer(RoundRequests::BureauId))
                    .col(string_len(RoundRequests::State, 16))
                    .col(integer(RoundRequests::ItemCount).default(0))
                    .col(integer(RoundRequests::AnsweredCount).default(0))
                    .col(string_len_null(RoundRequests::ReturnComment, 2000))
                    .col(timestamp_with_time_zone_null(RoundRequests::SubmittedAt))
                    .col(timestamp_with_time_zone_null(RoundRequests::ReturnedAt))
                    .col(timestamp_with_time_zone_null(RoundRequests::AcceptedAt))
                    .col(integer(RoundRequests::Version).default(1))
                    .col(timestamp_with_time_zone(RoundRequests::CreatedAt))
                    .col(timestamp_with_time_zone(RoundRequests::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoundRequests::Table, RoundRequests::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One request per owner and round; also the office's list of a round's requests.
        manager
            .create_index(
                Index::create()
                    .name("ux_round_requests_owner")
                    .table(RoundRequests::Table)
                    .col(RoundRequests::RoundId)
                    .col(RoundRequests::OwnerKind)
                    .col(RoundRequests::OwnerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A round's requests by state (the counts per state, the filter).
        manager
            .create_index(
                Index::create()
                    .name("ix_round_requests_round_state")
                    .table(RoundRequests::Table)
                    .col(RoundRequests::RoundId)
                    .col(RoundRequests::State)
                    .to_owned(),
            )
            .await?;
        // The inbox: an owner's requests, across rounds.
        manager
            .create_index(
                Index::create()
                    .name("ix_round_requests_owner_state")
                    .table(RoundRequests::Table)
                    .col(RoundRequests::OwnerKind)
                    .col(RoundRequests::OwnerId)
                    .col(RoundRequests::State)
                    .to_owned(),
            )
            .await?;
        // The bureau filter of the office's list, and an editor scoped to a whole bureau.
        manager
            .create_index(
                Index::create()
                    .name("ix_round_requests_bureau")
                    .table(RoundRequests::Table)
                    .col(RoundRequests::BureauId)
                    .col(RoundRequests::State)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoundRequestItems::Table)
                    .col(big_pk_auto(RoundRequestItems::Id))
                    .col(big_integer(RoundRequestItems::RequestId))
                    .col(string_len(RoundRequestItems::RecordKind, 32))
                    .col(big_integer(RoundRequestItems::RecordId))
                    .col(string_len(RoundRequestItems::Outcome, 16).default("none"))
                    .col(timestamp_with_time_zone_null(RoundRequestItems::AnsweredAt))
                    .col(big_integer_null(RoundRequestItems::AnsweredByUserId))
                    .col(string_len_null(RoundRequestItems::AnsweredByLabel, 200))
                    .col(string_len_null(RoundRequestItems::Comment, 2000))
                    .col(text_null(RoundRequestItems::AuditEventIds))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoundRequestItems::Table, RoundRequestItems::RequestId)
                            .to(RoundRequests::Table, RoundRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RoundRequestItems::Table,
                                RoundRequestItems::AnsweredByUserId,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // A request's items in order; one item per record and request.
        manager
            .create_index(
                Index::create()
                    .name("ux_round_request_items_record")
                    .table(RoundRequestItems::Table)
                    .col(RoundRequestItems::RequestId)
                    .col(RoundRequestItems::RecordKind)
                    .col(RoundRequestItems::RecordId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Which rounds asked about a record: the tag read from the record's side.
        manager
            .create_index(
                Index::create()
                    .name("ix_round_request_items_record")
                    .table(RoundRequestItems::Table)
                    .col(RoundRequestItems::RecordKind)
                    .col(RoundRequestItems::RecordId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoundRequestItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RoundRequests::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Rounds::Table).to_owned())
            .await
    }
}
