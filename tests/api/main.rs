//! One integration-test binary for the whole API; each module is one area of behaviour.
// A failing unwrap is a failing test, which is what a test should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod as_known;
mod as_of_lists;
mod auth;
mod authorization;
mod backup;
mod check_ins;
mod computed_health;
mod contract;
mod dashboards;
mod data_exchange;
mod demo_data;
mod errors;
mod health;
mod hygiene;
mod idempotency;
mod import_batches;
mod import_jobs;
mod job_admin;
mod job_runner;
mod ledger;
mod links;
mod mail;
mod milestone_overdue;
mod notifications;
mod operations_by_role;
mod organization;
mod policies;
mod proposals;
mod reforms;
mod round_reminders;
mod round_report;
mod round_workbook;
mod rounds;
mod search;
mod service_accounts;
mod storage_faults;
mod throttling;
mod tokens;
mod webhooks;
mod workers;
