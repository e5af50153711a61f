//! Platina's database schema. Every DDL statement lives here, as ordered migrations that run the
//! same on SQLite and PostgreSQL; nothing else in the workspace creates or alters a table.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_accounts_and_audit;
mod m20261121_000002_organization;
mod m20261121_000003_proposals;
mod m20261121_000004_department_work;
mod m20261121_000005_search_and_imports;
mod m20261121_000006_team_headcount;
mod m20261121_000007_dashboard_tallies;
mod m20261204_000008_import_jobs;
mod m20261204_000009_idempotency_keys;
mod m20261204_000010_storage_probe;
mod m20261205_000011_name_lengths;
mod m20261205_000012_search_text_refold;
mod m20261205_000013_import_phases;
mod m20261205_000014_reform_read_indexes;
mod m20261205_000015_proposal_spans;
mod m20261206_000017_as_of_speed;
mod m20261206_000018_jobs_and_events;
mod m20261206_000019_subscriptions;
mod m20261206_000020_mail;
mod m20261206_000021_webhooks;
mod m20261206_000022_import_uploads;
mod m20261207_000023_rounds;
mod m20261207_000024_record_history;
mod m20261208_000030_round_reminders;
mod m20261208_000040_round_report_versions;
mod m20261209_000050_owner_answers;
mod m20261210_000060_kpi_direction;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_accounts_and_audit::Migration),
            Box::new(m20261121_000002_organization::Migration),
            Box::new(m20261121_000003_proposals::Migration),
            Box::new(m20261121_000004_department_work::Migration),
            Box::new(m20261121_000005_search_and_imports::Migration),
            Box::new(m20261121_000006_team_headcount::Migration),
            Box::new(m20261121_000007_dashboard_tallies::Migration),
            Box::new(m20261204_000008_import_jobs::Migration),
            Box::new(m20261204_000009_idempotency_keys::Migration),
            Box::new(m20261204_000010_storage_probe::Migration),
            Box::new(m20261205_000011_name_lengths::Migration),
            Box::new(m20261205_000012_search_text_refold::Migration),
            Box::new(m20261205_000013_import_phases::Migration),
            Box::new(m20261205_000014_reform_read_indexes::Migration),
            Box::new(m20261205_000015_proposal_spans::Migration),
            Box::new(m20261206_000017_as_of_speed::Migration),
            Box::new(m20261206_000018_jobs_and_events::Migration),
            Box::new(m20261206_000019_subscriptions::Migration),
            Box::new(m20261206_000020_mail::Migration),
            Box::new(m20261206_000021_webhooks::Migration),
            Box::new(m20261206_000022_import_uploads::Migration),
            Box::new(m20261207_000023_rounds::Migration),
            Box::new(m20261207_000024_record_history::Migration),
            Box::new(m20261208_000030_round_reminders::Migration),
            Box::new(m20261208_000040_round_report_versions::Migration),
            Box::new(m20261209_000050_owner_answers::Migration),
            Box::new(m20261210_000060_kpi_direction::Migration),
        ]
    }
}
