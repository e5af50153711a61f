//! Which handler runs each kind of job, and what those handlers need besides the database: the
//! one list every feature adds its job kinds to.

use super::{Runner, RunnerSettings, recurring};
use persistence::Database;

/// What job handlers need besides the database, built once by the server from its
/// configuration.
#[derive(Debug, Clone, Default)]
pub struct JobServices {}

/// A runner with a handler for every kind of job Platina writes.
pub fn runner(db: Database, settings: RunnerSettings, services: &JobServices) -> Runner {
    let _ = services;
    use crate::tabular::jobs::{IMPORT_RUN, ImportRun};
    Runner::new(db, settings)
        .handle(
            recurring::MILESTONE_OVERDUE_SWEEP,
            1,
            recurring::MilestoneOverdueSweep,
        )
        // One import at a time per process: each holds the write transaction of its rows.
        .handle(IMPORT_RUN, 1, ImportRun)
        .attempts(IMPORT_RUN, persistence::import_jobs::RUN_ATTEMPTS)
}
