//! Which handler runs each kind of job, and what those handlers need besides the database: the
//! one list every feature adds its job kinds to.

use super::{Runner, RunnerSettings, fan_out, recurring};
use persistence::Database;

/// What job handlers need besides the database, built once by the server from its
/// configuration.
#[derive(Debug, Clone, Default)]
pub struct JobServices {}

/// A runner with a handler for every kind of job Platina writes.
pub fn runner(db: Database, settings: RunnerSettings, services: &JobServices) -> Runner {
    let _ = services;
    Runner::new(db, settings)
        .handle(
            recurring::MILESTONE_OVERDUE_SWEEP,
            1,
            recurring::MilestoneOverdueSweep,
        )
        .handle(
            persistence::events::FAN_OUT_JOB,
            fan_out::CONCURRENCY,
            fan_out::EventFanOut,
        )
}
