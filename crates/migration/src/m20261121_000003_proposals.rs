//! PT proposals: project teams with themes and members, proposals, their responsible sections
//! (assignments), every stage change as a dated event, and consultation records.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProjectTeams {
    Table,
    Id,
    FiscalYear,
    Name,
    Themes,
    Members,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
    FiscalYear,
    Number,
    Theme,
    Scene,
    Viewpoint,
    Title,
    PainPoint,
    ProposedSolution,
    ImplementationStatus,
    OutcomePeriodText,
    OutcomeText,
    ContinuesProposalId,
    CreatedByUserId,
    Stage,
    SearchText,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProposalAssignments {
    Table,
    Id,
    ProposalId,
    SectionId,
    Stage,
    Decision,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StageEvents {
    Table,
    Id,
    ProposalId,
    AssignmentId,
    ToStage,
    Decision,
    EffectiveOn,
    RecordedAt,
    ActorId,
    ActorLabel,
    Note,
}

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    ProposalId,
    HeldOn,
    Participants,
    Note,
    RecordedAt,
    ActorLabel,
}

#[derive(DeriveIden)]
enum Sections {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProjectTeams::Table)
                    .col(big_pk_auto(ProjectTeams::Id))
                    .col(integer_uniq(ProjectTeams::FiscalYear))
                    .col(string_len(ProjectTeams::Name, 200))
                    // JSON arrays: the team's themes, and members as {name, bureau}.
                    .col(text(ProjectTeams::Themes))
                    .col(text(ProjectTeams::Members))
                    .col(integer(ProjectTeams::Version).default(1))
                    .col(timestamp_with_time_zone(ProjectTeams::CreatedAt))
                    .col(timestamp_with_time_zone(ProjectTeams::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Proposals::Table)
                    .col(big_pk_auto(Proposals::Id))
                    .col(integer(Proposals::FiscalYear))
                    .col(string_len_null(Proposals::Number, 20))
                    .col(string_len(Proposals::Theme, 100))
                    .col(string_len_null(Proposals::Scene, 100))
                    .col(string_len_null(Proposals::Viewpoint, 100))
                    .col(string_len(Proposals::Title, 300))
                    .col(text_null(Proposals::PainPoint))
                    .col(text_null(Proposals::ProposedSolution))
                    .col(string_len_null(Proposals::ImplementationStatus, 30))
                    .col(string_len_null(Proposals::OutcomePeriodText, 200))
                    .col(text_null(Proposals::OutcomeText))
                    .col(big_integer_null(Proposals::ContinuesProposalId))
                    .col(big_integer_null(Proposals::CreatedByUserId))
                    // The derived stage (rule ※1) as of now, kept in step with the events.
                    .col(small_integer_null(Proposals::Stage))
                    // NFKC-normalised, lower-cased text of the searchable fields.
                    .col(text(Proposals::SearchText))
                    .col(integer(Proposals::Version).default(1))
                    .col(timestamp_with_time_zone(Proposals::CreatedAt))
                    .col(timestamp_with_time_zone(Proposals::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Proposals::Table, Proposals::ContinuesProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_proposals_fiscal_year_stage")
                    .table(Proposals::Table)
                    .col(Proposals::FiscalYear)
                    .col(Proposals::Stage)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProposalAssignments::Table)
                    .col(big_pk_auto(ProposalAssignments::Id))
                    .col(big_integer(ProposalAssignments::ProposalId))
                    .col(big_integer(ProposalAssignments::SectionId))
                    .col(small_integer_null(ProposalAssignments::Stage))
                    .col(string_len_null(ProposalAssignments::Decision, 20))
                    .col(timestamp_with_time_zone(ProposalAssignments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProposalAssignments::Table, ProposalAssignments::ProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProposalAssignments::Table, ProposalAssignments::SectionId)
                            .to(Sections::Table, Sections::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_proposal_assignments_section")
                    .table(ProposalAssignments::Table)
                    .col(ProposalAssignments::ProposalId)
                    .col(ProposalAssignments::SectionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_proposal_assignments_section")
                    .table(ProposalAssignments::Table)
                    .col(ProposalAssignments::SectionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StageEvents::Table)
                    .col(big_pk_auto(StageEvents::Id))
                    .col(big_integer(StageEvents::ProposalId))
                    .col(big_integer(StageEvents::AssignmentId))
                    .col(small_integer(StageEvents::ToStage))
                    .col(string_len_null(StageEvents::Decision, 20))
                    .col(date(StageEvents::EffectiveOn))
                    .col(timestamp_with_time_zone(StageEvents::RecordedAt))
                    .col(big_integer_null(StageEvents::ActorId))
                    .col(string_len(StageEvents::ActorLabel, 300))
                    .col(text_null(StageEvents::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StageEvents::Table, StageEvents::AssignmentId)
                            .to(ProposalAssignments::Table, ProposalAssignments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StageEvents::Table, StageEvents::ProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_stage_events_proposal_effective")
                    .table(StageEvents::Table)
                    .col(StageEvents::ProposalId)
                    .col(StageEvents::EffectiveOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Consultations::Table)
                    .col(big_pk_auto(Consultations::Id))
                    .col(big_integer(Consultations::ProposalId))
                    .col(date(Consultations::HeldOn))
                    .col(text(Consultations::Participants))
                    .col(text(Consultations::Note))
                    .col(timestamp_with_time_zone(Consultations::RecordedAt))
                    .col(string_len(Consultations::ActorLabel, 300))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Consultations::Table, Consultations::ProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Consultations::Table.into_iden(),
            StageEvents::Table.into_iden(),
            ProposalAssignments::Table.into_iden(),
            Proposals::Table.into_iden(),
            ProjectTeams::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
