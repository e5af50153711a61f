//! `AppState`, what every handler shares: the database, the token service, sign-in throttling,
//! idempotency settings, the import runner, the job runner, the business-day calendar and the
//! live views of round reports. Handlers import it from here, not from the crate
//! root, so that no handler depends on the module that registers every handler.

use crate::tabular::jobs::ImportRunner;
use crate::tokens::TokenService;
use persistence::throttle::ThrottlePolicy;
use std::sync::Arc;
use std::time::Duration;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    pub db: persistence::Database,
    pub tokens: TokenService,
    pub throttle: ThrottleSettings,
    /// A hash of a random secret, verified against when an account is unknown so that an unknown
    /// e-mail address costs as much time as a wrong password.
    pub stand_in_hash: String,
    /// How long `Idempotency-Key`s are remembered.
    pub idempotency: IdempotencySettings,
    /// The imports this server runs (their progress and outcome are in the database).
    pub imports: Arc<ImportRunner>,
    /// This process's job runner: handlers wake it after committing jobs that should not wait
    /// for its next poll.
    pub jobs: Arc<crate::jobs::RunnerHandle>,
    /// How webhook deliveries are made (the rotation overlap is read by the admin API).
    pub webhooks: crate::webhooks::WebhookSettings,
    /// The city's business days (national holidays and the configured closed days), which round
    /// due dates and reminders are counted on.
    pub calendar: Arc<domain::calendar::BusinessCalendar>,
    /// The reminder schedule a round gets when it sets none of its own (`[calendar]`).
    pub reminder_schedule: domain::calendar::ReminderSchedule,
    /// The time of day (Asia/Tokyo) round reminders go out (`[calendar] reminder_hour`).
    pub reminder_time: chrono::NaiveTime,
    /// The clock rounds count overdue answers and plan reminders by.
    pub clock: crate::clock::Clock,
    /// The live views of round reports this process computed, reused while nothing is written.
    pub live_reports: crate::round_report::LiveReports,
    /// The thresholds computed health is judged by (`[health]`).
    pub health_rules: domain::health::HealthRules,
}

impl AppState {
    /// What planning a round's reminders needs, as of the clock's today.
    pub fn reminder_plan(&self) -> persistence::round_reminders::ReminderPlan<'_> {
        persistence::round_reminders::ReminderPlan {
            calendar: &self.calendar,
            default_schedule: &self.reminder_schedule,
            today: self.clock.today_in_tokyo(),
            at: self.reminder_time,
        }
    }
}

/// Limits on failed sign-ins, per account and per client address.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleSettings {
    pub account: ThrottlePolicy,
    pub address: ThrottlePolicy,
    pub trust_forwarded_for: bool,
}

/// How the `Idempotency-Key` middleware remembers requests.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencySettings {
    /// How long a key is remembered after its first use.
    pub retention: Duration,
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        IdempotencySettings {
            retention: Duration::from_secs(24 * 3600),
        }
    }
}
