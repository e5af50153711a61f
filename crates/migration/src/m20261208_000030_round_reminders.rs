//! Reminders and 督促 of reporting rounds: each round keeps its reminder schedule (JSON, filled
//! from `[calendar]` when the round is drafted), each request the time it was last nudged (the
//! office may nudge an owner once an hour), and `round_reminders` records each reminder date of a
//! round once it was handled, so that neither a second instance nor a reopened round sends the
//! same day's reminder twice (the job queue's dedupe key only holds while a job is queued).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    /// JSON `domain::calendar::ScheduleFields`; null on rounds drafted before this migration,
    /// which follow the configured default.
    ReminderSchedule,
}

#[derive(DeriveIden)]
enum RoundRequests {
    Table,
    /// When the office last nudged the owner (督促).
    NudgedAt,
}

#[derive(DeriveIden)]
enum RoundReminders {
    Table,
    Id,
    RoundId,
    /// The date the reminder is for (Asia/Tokyo).
    OnDate,
    /// `before_due`, `on_due_date` or `overdue`.
    Kind,
    /// When the job handled it.
    HandledAt,
    /// How many requests were reminded (0 when none was waiting or the day had passed).
    Reminded,
    /// The day had passed when the job ran (the server was down): nothing was sent late.
    Skipped,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .add_column(ColumnDef::new(Rounds::ReminderSchedule).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RoundRequests::Table)
                    .add_column(
                        ColumnDef::new(RoundRequests::NudgedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoundReminders::Table)
                    .col(big_pk_auto(RoundReminders::Id))
                    .col(big_integer(RoundReminders::RoundId))
                    .col(date(RoundReminders::OnDate))
                    .col(string_len(RoundReminders::Kind, 16))
                    .col(timestamp_with_time_zone(RoundReminders::HandledAt))
                    .col(integer(RoundReminders::Reminded).default(0))
                    .col(boolean(RoundReminders::Skipped).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoundReminders::Table, RoundReminders::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One reminder per round and date: the insert that claims a date is the once-only check.
        manager
            .create_index(
                Index::create()
                    .name("ux_round_reminders_round_date")
                    .table(RoundReminders::Table)
                    .col(RoundReminders::RoundId)
                    .col(RoundReminders::OnDate)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoundReminders::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RoundRequests::Table)
                    .drop_column(RoundRequests::NudgedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .drop_column(Rounds::ReminderSchedule)
                    .to_owned(),
            )
            .await
    }
}
