//! Bureaus and sections. A section's names live in their own table with the date each took
//! effect, so a rename keeps the section's identity and history.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Bureaus {
    Table,
    Id,
    Name,
    Kind,
    SortOrder,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sections {
    Table,
    Id,
    BureauId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SectionNames {
    Table,
    Id,
    SectionId,
    Name,
    EffectiveFrom,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Bureaus::Table)
                    .col(big_pk_auto(Bureaus::Id))
                    .col(string_len_uniq(Bureaus::Name, 100))
                    .col(string_len(Bureaus::Kind, 20))
                    .col(integer(Bureaus::SortOrder).default(0))
                    .col(integer(Bureaus::Version).default(1))
                    .col(timestamp_with_time_zone(Bureaus::CreatedAt))
                    .col(timestamp_with_time_zone(Bureaus::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sections::Table)
                    .col(big_pk_auto(Sections::Id))
                    .col(big_integer(Sections::BureauId))
                    .col(integer(Sections::Version).default(1))
                    .col(timestamp_with_time_zone(Sections::CreatedAt))
                    .col(timestamp_with_time_zone(Sections::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sections::Table, Sections::BureauId)
                            .to(Bureaus::Table, Bureaus::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sections_bureau")
                    .table(Sections::Table)
                    .col(Sections::BureauId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SectionNames::Table)
                    .col(big_pk_auto(SectionNames::Id))
                    .col(big_integer(SectionNames::SectionId))
                    .col(string_len(SectionNames::Name, 100))
                    .col(date(SectionNames::EffectiveFrom))
                    .col(timestamp_with_time_zone(SectionNames::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SectionNames::Table, SectionNames::SectionId)
                            .to(Sections::Table, Sections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_section_names_section_date")
                    .table(SectionNames::Table)
                    .col(SectionNames::SectionId)
                    .col(SectionNames::EffectiveFrom)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SectionNames::Table.into_iden(),
            Sections::Table.into_iden(),
            Bureaus::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
