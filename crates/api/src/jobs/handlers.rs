//! Which handler runs each kind of job, and what those handlers need besides the database: the
//! one list every feature adds its job kinds to.

use super::{Runner, RunnerSettings, fan_out, mail, recurring, round_reports};
use crate::webhooks::{WebhookSettings, delivery};
use persistence::Database;
use persistence::webhooks::{DELIVER_JOB, FAN_OUT_JOB};

/// What job handlers need besides the database, built once by the server from its
/// configuration.
#[derive(Debug, Clone)]
pub struct JobServices {
    /// The SMTP connection (or the recorder, with no SMTP host) of the e-mail jobs.
    pub mailer: crate::mail::Mailer,
    /// `[webhooks]`: how deliveries are made.
    pub webhooks: WebhookSettings,
    /// The client webhook deliveries go out with (see `delivery::http_client`).
    pub webhook_client: reqwest::Client,
    /// The calendar, default schedule, hour and clock of round reminders.
    pub reminders: super::reminders::ReminderSettings,
}

impl JobServices {
    pub fn new(
        mailer: crate::mail::Mailer,
        webhooks: WebhookSettings,
        reminders: super::reminders::ReminderSettings,
    ) -> Result<Self, String> {
        let webhook_client = delivery::http_client(&webhooks)
            .map_err(|e| format!("the webhook HTTP client could not be built: {e}"))?;
        Ok(JobServices {
            mailer,
            webhooks,
            webhook_client,
            reminders,
        })
    }
}

/// A runner with a handler for every kind of job Platina writes.
pub fn runner(db: Database, settings: RunnerSettings, services: &JobServices) -> Runner {
    use crate::tabular::jobs::{IMPORT_RUN, ImportRun};
    let webhooks = services.webhooks.clone();
    Runner::new(db, settings)
        .handle(
            recurring::MILESTONE_OVERDUE_SWEEP,
            1,
            recurring::MilestoneOverdueSweep,
        )
        .handle_batches(
            persistence::events::FAN_OUT_JOB,
            fan_out::CONCURRENCY,
            fan_out::BATCH_SIZE,
            fan_out::LINGER,
            fan_out::EventFanOut {
                webhooks: webhooks.clone(),
            },
        )
        .handle(
            mail::SEND_JOB,
            4,
            mail::SendNotification {
                mailer: services.mailer.clone(),
            },
        )
        .handle(
            persistence::round_reminders::REMINDER_JOB,
            1,
            super::reminders::SendReminder {
                settings: services.reminders.clone(),
            },
        )
        .handle(
            persistence::rounds::FREEZE_REPORT_JOB,
            1,
            round_reports::FreezeRoundReport,
        )
        .handle(mail::DIGEST_JOB, 1, mail::QueueDigests)
        .handle(
            mail::DIGEST_USER_JOB,
            2,
            mail::SendDigest {
                mailer: services.mailer.clone(),
            },
        )
        // One import at a time per process: each holds the write transaction of its rows.
        .handle(IMPORT_RUN, 1, ImportRun)
        .attempts(IMPORT_RUN, persistence::import_jobs::RUN_ATTEMPTS)
        .handle(
            FAN_OUT_JOB,
            1,
            delivery::FanOut {
                settings: webhooks.clone(),
            },
        )
        .handle(
            DELIVER_JOB,
            webhooks.concurrency,
            delivery::Deliver {
                settings: webhooks.clone(),
                client: services.webhook_client.clone(),
                base_url: services.mailer.base_url().to_owned(),
            },
        )
        .attempts(DELIVER_JOB, webhooks.max_attempts)
}
