//! Department work: self-initiated reforms with their sections, tags and quantified effects;
//! bureau X policies with issues, quarterly milestones, progress notes and KPIs; the digital
//! system ledger; city-wide targets with dated measurements; and the links between them all.
//!
//! Columns are named with `Alias` rather than an `Iden` enum per table: fourteen tables of
//! enums would bury the schema; the integration tests write and read every column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn n(name: &str) -> Alias {
    Alias::new(name)
}

/// A new table with the usual big integer primary key `id`.
fn table(name: &str) -> TableCreateStatement {
    Table::create()
        .table(n(name))
        .col(big_pk_auto(n("id")))
        .to_owned()
}

/// Version and timestamps, as every record people edit carries them.
fn versioned(mut table: TableCreateStatement) -> TableCreateStatement {
    table
        .col(integer(n("version")).default(1))
        .col(timestamp_with_time_zone(n("created_at")))
        .col(timestamp_with_time_zone(n("updated_at")))
        .to_owned()
}

fn foreign_key(
    from_table: &str,
    column: &str,
    to_table: &str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(n(from_table), n(column))
        .to(n(to_table), n("id"))
        .on_delete(on_delete)
        .to_owned()
}

fn index(name: &str, table: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(n(table));
    for column in columns {
        index.col(n(column));
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

const TABLES: [&str; 14] = [
    "links",
    "target_measurements",
    "targets",
    "digital_systems",
    "kpi_actuals",
    "kpis",
    "progress_notes",
    "milestones",
    "policy_issues",
    "policies",
    "reform_effects",
    "reform_tags",
    "reform_sections",
    "reforms",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        let tables = [
            versioned(
                table("reforms")
                    .col(integer(n("fiscal_year")))
                    .col(big_integer(n("bureau_id")))
                    // The reform's No. in the annual report's list.
                    .col(integer_null(n("report_number")))
                    .col(string_len_null(n("classification"), 4))
                    .col(big_integer_null(n("source_proposal_id")))
                    .col(string_len(n("title"), 300))
                    .col(text_null(n("problem")))
                    .col(text_null(n("action")))
                    .col(text_null(n("effect")))
                    .col(string_len_null(n("period_text"), 200))
                    // The parsed period's bounds, for overlap filters; an open end has no end.
                    .col(date_null(n("period_start")))
                    .col(date_null(n("period_end")))
                    .col(string_len(n("status"), 30))
                    .col(boolean(n("featured")).default(false))
                    .col(text(n("search_text")))
                    .col(big_integer_null(n("created_by_user_id")))
                    .foreign_key(&mut foreign_key(
                        "reforms",
                        "bureau_id",
                        "bureaus",
                        Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        "reforms",
                        "source_proposal_id",
                        "proposals",
                        SetNull,
                    ))
                    .to_owned(),
            ),
            table("reform_sections")
                .col(big_integer(n("reform_id")))
                .col(big_integer(n("section_id")))
                .foreign_key(&mut foreign_key(
                    "reform_sections",
                    "reform_id",
                    "reforms",
                    Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    "reform_sections",
                    "section_id",
                    "sections",
                    Restrict,
                ))
                .to_owned(),
            table("reform_tags")
                .col(big_integer(n("reform_id")))
                .col(string_len(n("tag"), 50))
                // The tag in search form (NFKC, lower case): what filters compare.
                .col(string_len(n("tag_key"), 50))
                .foreign_key(&mut foreign_key(
                    "reform_tags",
                    "reform_id",
                    "reforms",
                    Cascade,
                ))
                .to_owned(),
            table("reform_effects")
                .col(big_integer(n("reform_id")))
                .col(integer(n("position")))
                .col(string_len(n("kind"), 30))
                .col(double(n("value")))
                .col(string_len(n("unit"), 30))
                .col(string_len_null(n("basis"), 500))
                .foreign_key(&mut foreign_key(
                    "reform_effects",
                    "reform_id",
                    "reforms",
                    Cascade,
                ))
                .to_owned(),
            versioned(
                table("policies")
                    .col(big_integer(n("bureau_id")))
                    .col(integer(n("fiscal_year")))
                    .col(text_null(n("mission")))
                    .col(text_null(n("basic_information")))
                    .col(text_null(n("review_summary")))
                    .col(text_null(n("review_achieved")))
                    .col(text_null(n("review_not_achieved")))
                    .col(text_null(n("direction")))
                    .col(text(n("search_text")))
                    .foreign_key(&mut foreign_key(
                        "policies",
                        "bureau_id",
                        "bureaus",
                        Restrict,
                    ))
                    .to_owned(),
            ),
            versioned(
                table("policy_issues")
                    .col(big_integer(n("policy_id")))
                    .col(string_len(n("area"), 1))
                    .col(integer(n("number")))
                    .col(string_len_null(n("policy_field"), 100))
                    .col(string_len_null(n("impact"), 10))
                    .col(string_len_null(n("urgency"), 10))
                    .col(string_len(n("title"), 300))
                    .col(text_null(n("content")))
                    .col(text_null(n("background")))
                    .col(text_null(n("target_outcome")))
                    .col(text_null(n("actions")))
                    .col(text(n("search_text")))
                    .foreign_key(&mut foreign_key(
                        "policy_issues",
                        "policy_id",
                        "policies",
                        Cascade,
                    ))
                    .to_owned(),
            ),
            versioned(
                table("milestones")
                    .col(big_integer(n("issue_id")))
                    .col(string_len_null(n("workstream"), 200))
                    .col(small_integer(n("quarter")))
                    .col(string_len(n("title"), 300))
                    .col(string_len(n("state"), 10))
                    .col(date_null(n("done_on")))
                    .foreign_key(&mut foreign_key(
                        "milestones",
                        "issue_id",
                        "policy_issues",
                        Cascade,
                    ))
                    .to_owned(),
            ),
            table("progress_notes")
                .col(big_integer(n("issue_id")))
                .col(date(n("as_of")))
                .col(string_len(n("as_of_label"), 100))
                .col(text(n("body")))
                .col(timestamp_with_time_zone(n("recorded_at")))
                .col(string_len(n("actor_label"), 300))
                .foreign_key(&mut foreign_key(
                    "progress_notes",
                    "issue_id",
                    "policy_issues",
                    Cascade,
                ))
                .to_owned(),
            versioned(
                table("kpis")
                    .col(big_integer(n("issue_id")))
                    .col(string_len(n("name"), 200))
                    .col(string_len(n("unit"), 30))
                    .col(double(n("baseline_value")))
                    .col(date(n("baseline_on")))
                    .col(double_null(n("target_value")))
                    .col(date_null(n("target_on")))
                    .col(text_null(n("note")))
                    .col(text(n("search_text")))
                    .foreign_key(&mut foreign_key(
                        "kpis",
                        "issue_id",
                        "policy_issues",
                        Cascade,
                    ))
                    .to_owned(),
            ),
            table("kpi_actuals")
                .col(big_integer(n("kpi_id")))
                .col(double(n("value")))
                .col(date(n("measured_on")))
                .col(string_len_null(n("note"), 500))
                .col(timestamp_with_time_zone(n("recorded_at")))
                .foreign_key(&mut foreign_key("kpi_actuals", "kpi_id", "kpis", Cascade))
                .to_owned(),
            versioned(
                table("digital_systems")
                    .col(string_len(n("name"), 200))
                    .col(big_integer(n("section_id")))
                    .col(string_len(n("platform"), 20))
                    .col(boolean(n("built_in_house")))
                    .col(string_len(n("status"), 20))
                    .col(date_null(n("trial_started_on")))
                    .col(date_null(n("production_started_on")))
                    .col(date_null(n("retired_on")))
                    .col(text_null(n("workflow_before")))
                    .col(text_null(n("workflow_after")))
                    .col(double_null(n("annual_hours_saved")))
                    .col(text_null(n("hours_basis")))
                    .col(big_integer_null(n("cost_effect_yen")))
                    .col(text_null(n("note")))
                    .col(text(n("search_text")))
                    .foreign_key(&mut foreign_key(
                        "digital_systems",
                        "section_id",
                        "sections",
                        Restrict,
                    ))
                    .to_owned(),
            ),
            versioned(
                table("targets")
                    .col(string_len_uniq(n("code"), 50))
                    .col(string_len(n("name"), 200))
                    .col(string_len(n("metric"), 30))
                    .col(string_len(n("unit"), 30))
                    .col(double_null(n("target_value")))
                    .col(date_null(n("due_on")))
                    .col(text_null(n("description")))
                    .to_owned(),
            ),
            table("target_measurements")
                .col(big_integer(n("target_id")))
                .col(double(n("value")))
                .col(date(n("measured_on")))
                .col(integer_null(n("fiscal_year")))
                .col(string_len_null(n("source"), 500))
                .col(text_null(n("note")))
                .col(timestamp_with_time_zone(n("recorded_at")))
                .foreign_key(&mut foreign_key(
                    "target_measurements",
                    "target_id",
                    "targets",
                    Cascade,
                ))
                .to_owned(),
            // Links point at rows of several tables, so they carry no foreign keys; the
            // repositories delete a record's links in the same transaction as the record.
            table("links")
                .col(string_len(n("from_kind"), 20))
                .col(big_integer(n("from_id")))
                .col(string_len(n("to_kind"), 20))
                .col(big_integer(n("to_id")))
                .col(string_len_null(n("note"), 500))
                .col(timestamp_with_time_zone(n("created_at")))
                .to_owned(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        let indexes = [
            index(
                "ix_reforms_bureau",
                "reforms",
                &["bureau_id", "report_number"],
                false,
            ),
            index(
                "ux_reforms_report_number",
                "reforms",
                &["fiscal_year", "report_number"],
                true,
            ),
            index(
                "ux_reform_sections",
                "reform_sections",
                &["reform_id", "section_id"],
                true,
            ),
            index(
                "ix_reform_sections_section",
                "reform_sections",
                &["section_id"],
                false,
            ),
            index(
                "ux_reform_tags",
                "reform_tags",
                &["reform_id", "tag_key"],
                true,
            ),
            index("ix_reform_tags_key", "reform_tags", &["tag_key"], false),
            index(
                "ix_reform_effects_reform",
                "reform_effects",
                &["reform_id"],
                false,
            ),
            index(
                "ux_policies_bureau_year",
                "policies",
                &["bureau_id", "fiscal_year"],
                true,
            ),
            index(
                "ux_policy_issues_code",
                "policy_issues",
                &["policy_id", "area", "number"],
                true,
            ),
            index("ix_milestones_issue", "milestones", &["issue_id"], false),
            index(
                "ix_progress_notes_issue",
                "progress_notes",
                &["issue_id"],
                false,
            ),
            index("ix_kpis_issue", "kpis", &["issue_id"], false),
            index("ix_kpi_actuals_kpi", "kpi_actuals", &["kpi_id"], false),
            index(
                "ix_digital_systems_section",
                "digital_systems",
                &["section_id"],
                false,
            ),
            index(
                "ix_target_measurements_target",
                "target_measurements",
                &["target_id"],
                false,
            ),
            index(
                "ux_links",
                "links",
                &["from_kind", "from_id", "to_kind", "to_id"],
                true,
            ),
            index("ix_links_to", "links", &["to_kind", "to_id"], false),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in TABLES {
            manager
                .drop_table(Table::drop().table(n(name)).to_owned())
                .await?;
        }
        Ok(())
    }
}
