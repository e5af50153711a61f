//! `round.reminder`: on one reminder date of a round, tells each owner still waiting to answer
//! (one `round.reminder` event per request, which the notification channels deliver), and after
//! an overdue reminder queues the next one. The work and its once-only check are
//! `persistence::round_reminders::send`; this handler gives it the calendar and the clock and
//! commits it together with the job's success.

use super::{JobError, JobHandler, JobResult, RunningJob};
use crate::clock::Clock;
use domain::calendar::{BusinessCalendar, ReminderSchedule};
use persistence::round_reminders::{ReminderInput, ReminderPlan};
use std::sync::Arc;

/// What reminders are planned by: the business days, the schedule of rounds that keep none, the
/// hour they go out and the clock. Built once by the server from `[calendar]` and `[clock]`.
#[derive(Debug, Clone)]
pub struct ReminderSettings {
    pub calendar: Arc<BusinessCalendar>,
    pub default_schedule: ReminderSchedule,
    pub at: chrono::NaiveTime,
    pub clock: Clock,
}

/// The handler of `round.reminder` jobs.
pub struct SendReminder {
    pub settings: ReminderSettings,
}

#[async_trait::async_trait]
impl JobHandler for SendReminder {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: ReminderInput = job.input()?;
        let plan = ReminderPlan {
            calendar: &self.settings.calendar,
            default_schedule: &self.settings.default_schedule,
            today: self.settings.clock.today_in_tokyo(),
            at: self.settings.at,
        };
        let txn = job.begin_write().await?;
        let sent = persistence::round_reminders::send(&txn, &input, &plan).await?;
        if sent.not_yet {
            return Err(JobError::retry(format!(
                "the reminder of {} is not due yet by the server's clock (today is {})",
                input.date, plan.today
            )));
        }
        job.succeed_in(&txn).await?;
        txn.commit().await.map_err(JobError::retry)?;
        tracing::info!(
            round_id = input.round_id,
            date = %input.date,
            reminded = sent.reminded,
            skipped_late = sent.skipped_late,
            nothing_to_do = sent.nothing_to_do,
            next = ?sent.next,
            "round reminder handled"
        );
        Ok(())
    }
}
