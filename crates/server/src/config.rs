//! Configuration: the committed defaults (built in), then `--config FILE`, then environment
//! variables `PLATINA__SECTION__KEY`. Unknown keys are refused with their name.

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");
pub const ENV_PREFIX: &str = "PLATINA__";

/// A configured secret: shown as `[redacted]` in every `Debug` output.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("[redacted]")
        }
    }
}

/// A database URL whose password is masked in `Debug` output.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn redacted(&self) -> String {
        persistence::database::redact_url(&self.0)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub log: LogConfig,
    pub demo: DemoConfig,
    pub idempotency: IdempotencyConfig,
    pub jobs: JobsConfig,
    pub mail: MailConfig,
    pub webhooks: WebhooksConfig,
    pub calendar: CalendarConfig,
    pub clock: ClockConfig,
    pub health: HealthConfig,
}

/// The thresholds computed health is judged by; see `[health]` in config/default.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    pub milestone_warning_days: u32,
    pub issue_late_share: f64,
    pub kpi_on_track_share: f64,
    pub kpi_late_share: f64,
}

impl HealthConfig {
    pub fn rules(&self) -> Result<domain::health::HealthRules, String> {
        domain::health::HealthRules::new(
            self.milestone_warning_days,
            self.issue_late_share,
            self.kpi_on_track_share,
            self.kpi_late_share,
        )
        .map_err(|err| format!("health.{err}"))
    }
}

/// The clock rounds plan reminders and count overdue answers by; see `[clock]` in
/// config/default.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    /// Empty: the system clock. Otherwise an RFC 3339 moment that stands still.
    pub fixed_now: String,
}

impl ClockConfig {
    /// The clock; the message names the setting.
    pub fn clock(&self) -> Result<api::clock::Clock, String> {
        let text = self.fixed_now.trim();
        if text.is_empty() {
            return Ok(api::clock::Clock::system());
        }
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|at| api::clock::Clock::fixed(at.with_timezone(&chrono::Utc)))
            .map_err(|err| format!("clock.fixed_now: `{text}` is not an RFC 3339 time ({err})"))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub workers: usize,
    pub web_dist: PathBuf,
    pub shutdown_timeout_seconds: u64,
    pub keep_alive_seconds: u64,
    pub json_body_limit_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    pub acquire_timeout_seconds: u64,
    pub sqlite_synchronous: persistence::SqliteSync,
    pub sqlite_max_size_mib: u32,
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum JwtAlgorithm {
    HS256,
    HS384,
    HS512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CookieSecureSetting {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub jwt_algorithm: JwtAlgorithm,
    pub jwt_secret: SecretString,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_seconds: u64,
    pub refresh_token_ttl_seconds: u64,
    pub leeway_seconds: u64,
    pub cookie_secure: CookieSecureSetting,
    pub throttle: ThrottleConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleConfig {
    pub account_max_failures: i32,
    pub address_max_failures: i32,
    pub window_seconds: i64,
    pub block_seconds: i64,
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencyConfig {
    /// Hours an `Idempotency-Key` is remembered after its first use.
    pub retention_hours: u64,
}

/// The durable job runner of this process; see `[jobs]` in config/default.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub lease_seconds: u64,
    pub backoff_base_seconds: u64,
    pub backoff_max_seconds: u64,
    pub max_attempts: i32,
    pub keep_finished_days: u64,
}

impl JobsConfig {
    pub fn runner_settings(&self) -> api::jobs::RunnerSettings {
        api::jobs::RunnerSettings {
            enabled: self.enabled,
            poll_interval: std::time::Duration::from_millis(self.poll_interval_ms.max(10)),
            lease: std::time::Duration::from_secs(self.lease_seconds.max(3)),
            backoff_base: std::time::Duration::from_secs(self.backoff_base_seconds),
            backoff_max: std::time::Duration::from_secs(self.backoff_max_seconds),
            max_attempts: self.max_attempts.max(1),
            keep_finished: std::time::Duration::from_secs(self.keep_finished_days * 24 * 3600),
        }
    }
}

/// How the SMTP connection is protected; `mail.security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    None,
    Starttls,
    Tls,
}

/// E-mail of notifications; see `[mail]` in config/default.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// Empty: mail is only recorded in the sent-mail view.
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    pub user: String,
    /// Only from `PLATINA__MAIL__PASSWORD`.
    pub password: SecretString,
    pub from: String,
    pub base_url: String,
    pub timeout_seconds: u64,
    /// A PEM file of extra root certificates (the city's own CA); empty: built-in roots only.
    pub ca_file: String,
}

/// The environment variable the SMTP password is read from.
pub const MAIL_PASSWORD_VARIABLE: &str = "PLATINA__MAIL__PASSWORD";

impl MailConfig {
    /// The job runner's mail settings; demo mode records only.
    pub fn settings(&self, demo: bool) -> api::mail::MailSettings {
        api::mail::MailSettings {
            host: self.host.trim().to_owned(),
            port: self.port,
            security: match self.security {
                MailSecurity::None => api::mail::Security::None,
                MailSecurity::Starttls => api::mail::Security::StartTls,
                MailSecurity::Tls => api::mail::Security::Tls,
            },
            user: self.user.clone(),
            password: self.password.expose().to_owned(),
            from: self.from.clone(),
            base_url: self.base_url.clone(),
            timeout: std::time::Duration::from_secs(self.timeout_seconds.max(1)),
            ca_file: self.ca_file.clone(),
            record_only: demo,
        }
    }
}

/// Webhook deliveries; see `[webhooks]` in config/default.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    pub timeout_seconds: u64,
    pub max_attempts: i32,
    pub disable_after_seconds: u64,
    pub rotation_overlap_seconds: u64,
    pub concurrency: usize,
}

impl WebhooksConfig {
    pub fn settings(&self) -> api::webhooks::WebhookSettings {
        api::webhooks::WebhookSettings {
            timeout: std::time::Duration::from_secs(self.timeout_seconds.max(1)),
            max_attempts: self.max_attempts.max(1),
            disable_after: std::time::Duration::from_secs(self.disable_after_seconds),
            rotation_overlap: std::time::Duration::from_secs(
                self.rotation_overlap_seconds
                    .min(u64::from(api::webhooks::MAX_OVERLAP_SECONDS)),
            ),
            concurrency: self.concurrency.max(1),
        }
    }
}

/// The business-day calendar and the default reminder schedule of rounds; see `[calendar]` in
/// config/default.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    pub closed_days: Vec<String>,
    pub reminder_days_before: Vec<i64>,
    pub remind_on_due_date: bool,
    pub overdue_every_business_days: i64,
    pub reminder_hour: u32,
}

impl CalendarConfig {
    /// The closed-day ranges, each checked; the message names the setting and the text.
    pub fn closed_days(&self) -> Result<Vec<domain::calendar::ClosedDays>, String> {
        self.closed_days
            .iter()
            .map(|text| {
                text.parse()
                    .map_err(|err| format!("calendar.closed_days: {err}"))
            })
            .collect()
    }

    /// The default reminder schedule; the message names the setting.
    pub fn reminder_schedule(&self) -> Result<domain::calendar::ReminderSchedule, String> {
        domain::calendar::ReminderSchedule::new(
            &self.reminder_days_before,
            self.remind_on_due_date,
            self.overdue_every_business_days,
        )
        .map_err(|err| format!("calendar.{err}"))
    }

    /// The time of day (Asia/Tokyo) reminders go out; the message names the setting.
    pub fn reminder_time(&self) -> Result<chrono::NaiveTime, String> {
        chrono::NaiveTime::from_hms_opt(self.reminder_hour, 0, 0).ok_or_else(|| {
            format!(
                "calendar.reminder_hour: {} is not an hour between 0 and 23",
                self.reminder_hour
            )
        })
    }

    /// The calendar of the Cabinet Office's holiday list (compiled in) and these closed days.
    pub fn business_calendar(&self) -> Result<domain::calendar::BusinessCalendar, String> {
        let holidays = domain::calendar::HolidayList::official()
            .map_err(|err| format!("the built-in holiday list: {err}"))?;
        Ok(domain::calendar::BusinessCalendar::new(
            holidays,
            self.closed_days()?,
        ))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    pub enabled: bool,
    /// Load the demo dataset (data/demo) into an empty database on start, in demo mode.
    pub load_dataset: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(Box<figment::Error>),
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads the layers in order; `file` is the `--config` argument.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::Invalid(format!(
                    "the file {} given with --config does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__"));
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        config.check()?;
        // A password in a file ends up in backups and repositories; the environment is the one
        // place it is taken from.
        let from_environment = std::env::var(MAIL_PASSWORD_VARIABLE)
            .is_ok_and(|value| value == config.mail.password.expose());
        if !config.mail.password.expose().is_empty() && !from_environment {
            return Err(ConfigError::Invalid(format!(
                "mail.password may only be set through the environment ({MAIL_PASSWORD_VARIABLE}), not in a configuration file"
            )));
        }
        Ok(config)
    }

    /// The built-in defaults with TOML `layers` on top, ignoring the environment: for tests and
    /// tools that must not pick up an operator's settings.
    pub fn from_defaults_and(layers: &[&str]) -> Result<Config, ConfigError> {
        let figment = layers.iter().fold(
            Figment::from(Toml::string(DEFAULT_TOML)),
            |figment, layer| figment.merge(Toml::string(layer)),
        );
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let auth = &self.auth;
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if !self.demo.enabled && auth.jwt_secret.expose().len() < 32 {
            return invalid(
                "auth.jwt_secret must be at least 32 bytes (set PLATINA__AUTH__JWT_SECRET); only demo mode may leave it empty",
            );
        }
        if auth.access_token_ttl_seconds == 0 || auth.access_token_ttl_seconds > 900 {
            return invalid("auth.access_token_ttl_seconds must be between 1 and 900");
        }
        if auth.leeway_seconds > 30 {
            return invalid("auth.leeway_seconds must be at most 30");
        }
        if auth.refresh_token_ttl_seconds < auth.access_token_ttl_seconds {
            return invalid(
                "auth.refresh_token_ttl_seconds must not be shorter than the access token's",
            );
        }
        let throttle = &auth.throttle;
        if throttle.account_max_failures < 1
            || throttle.address_max_failures < 1
            || throttle.window_seconds < 1
            || throttle.block_seconds < 1
        {
            return invalid("auth.throttle values must all be at least 1");
        }
        if !(1..=720).contains(&self.idempotency.retention_hours) {
            return invalid("idempotency.retention_hours must be between 1 and 720 (30 days)");
        }
        if let Err(reason) = api::mail::Mailer::new(&self.mail.settings(true)) {
            return Err(ConfigError::Invalid(reason));
        }
        if !self.mail.host.trim().is_empty() && self.mail.port == 0 {
            return invalid("mail.port must be set when mail.host is");
        }
        if self.server.json_body_limit_bytes < 1024 {
            return invalid("server.json_body_limit_bytes must be at least 1024");
        }
        self.calendar
            .business_calendar()
            .and(self.calendar.reminder_schedule())
            .and(self.calendar.reminder_time().map(|_| ()))
            .and(self.clock.clock().map(|_| ()))
            .and(self.health.rules().map(|_| ()))
            .map_err(ConfigError::Invalid)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_committed_defaults_load_in_demo_mode() -> Result<(), Box<dyn std::error::Error>> {
        let mut file = tempfile_in_target("demo.toml")?;
        writeln!(file.1, "[demo]\nenabled = true")?;
        let config = Config::load(Some(&file.0))?;
        assert_eq!(config.server.bind.port(), 8080);
        assert!(config.demo.enabled);
        Ok(())
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() -> Result<(), Box<dyn std::error::Error>> {
        let mut file = tempfile_in_target("unknown.toml")?;
        writeln!(
            file.1,
            "[demo]\nenabled = true\n[server]\nbindd = \"0.0.0.0:1\""
        )?;
        let err = Config::load(Some(&file.0))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("bindd"), "{err}");
        Ok(())
    }

    #[test]
    fn an_smtp_password_in_a_configuration_file_is_refused()
    -> Result<(), Box<dyn std::error::Error>> {
        let mut file = tempfile_in_target("mail-password.toml")?;
        writeln!(
            file.1,
            "[demo]\nenabled = true\n[mail]\nhost = \"smtp.city.example.jp\"\npassword = \"in-a-file\""
        )?;
        let err = Config::load(Some(&file.0))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(MAIL_PASSWORD_VARIABLE), "{err}");
        Ok(())
    }

    #[test]
    fn a_sender_that_is_not_an_address_is_refused_by_its_setting() {
        let err = Config::from_defaults_and(&[
            "[demo]\nenabled = true\n[mail]\nfrom = \"市政変革推進室\"",
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("mail.from"), "{err}");
    }

    #[test]
    fn a_private_ca_file_that_is_missing_or_not_pem_certificates_stops_start_up_by_its_setting()
    -> Result<(), Box<dyn std::error::Error>> {
        let not_pem = tempfile_in_target("not-pem.pem")?;
        writeln!(&not_pem.1, "市の認証局の証明書ではありません")?;
        let bad_certificate = tempfile_in_target("bad-certificate.pem")?;
        write!(
            &bad_certificate.1,
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
        )?;
        let missing = not_pem.0.with_file_name("missing-ca.pem");
        for (file, says) in [
            (&missing, "cannot read"),
            (&not_pem.0, "no PEM certificate"),
            (&bad_certificate.0, "cannot be a root"),
        ] {
            let err = Config::from_defaults_and(&[&format!(
                "[demo]\nenabled = true\n[mail]\nca_file = {:?}",
                file.display().to_string()
            )])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
            assert!(err.contains("mail.ca_file"), "{err}");
            assert!(err.contains(says), "{says}: {err}");
            assert!(err.contains(&file.display().to_string()), "{err}");
        }
        Ok(())
    }

    #[test]
    fn the_default_calendar_closes_the_year_end_and_reminds_seven_and_two_business_days_before()
    -> Result<(), Box<dyn std::error::Error>> {
        let config = Config::from_defaults_and(&["[demo]\nenabled = true"])?;
        let calendar = config.calendar.business_calendar()?;
        assert_eq!(
            calendar.closed_days(),
            [domain::calendar::ClosedDays::year_end()]
        );
        assert_eq!(
            config.calendar.reminder_schedule()?,
            domain::calendar::ReminderSchedule::default()
        );
        Ok(())
    }

    #[test]
    fn a_closed_day_range_that_is_not_a_date_range_stops_start_up_by_its_setting() {
        let err = Config::from_defaults_and(&[
            "[demo]\nenabled = true\n[calendar]\nclosed_days = [\"12-29..01-03\", \"12/31\"]",
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("calendar.closed_days"), "{err}");
        assert!(err.contains("12/31"), "{err}");
    }

    #[test]
    fn a_negative_or_absurd_reminder_schedule_stops_start_up_by_its_setting() {
        for (layer, setting) in [
            (
                "reminder_days_before = [7, -2]",
                "calendar.reminder_days_before",
            ),
            (
                "reminder_days_before = [400]",
                "calendar.reminder_days_before",
            ),
            (
                "overdue_every_business_days = -3",
                "calendar.overdue_every_business_days",
            ),
        ] {
            let err = Config::from_defaults_and(&[&format!(
                "[demo]\nenabled = true\n[calendar]\n{layer}"
            )])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
            assert!(err.contains(setting), "{layer}: {err}");
        }
    }

    #[test]
    fn closed_days_can_be_switched_off() -> Result<(), Box<dyn std::error::Error>> {
        let config = Config::from_defaults_and(&[
            "[demo]\nenabled = true\n[calendar]\nclosed_days = []\noverdue_every_business_days = 0",
        ])?;
        assert!(
            config
                .calendar
                .business_calendar()?
                .closed_days()
                .is_empty()
        );
        assert_eq!(config.calendar.reminder_schedule()?.overdue_every(), None);
        Ok(())
    }

    #[test]
    fn production_needs_a_long_jwt_secret() {
        let err = Config::load(None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("jwt_secret"), "{err}");
    }

    #[test]
    fn secrets_and_database_passwords_never_show_in_debug_output() {
        let secret = SecretString("super-secret-value".into());
        let url = DatabaseUrl::new("postgres://platina:hunter2@db/platina");
        let shown = format!("{secret:?} {url:?}");
        assert!(!shown.contains("super-secret-value"));
        assert!(!shown.contains("hunter2"));
    }

    fn tempfile_in_target(name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
        let dir = std::env::temp_dir().join(format!("platina-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(name);
        let file = std::fs::File::create(&path)?;
        Ok((path, file))
    }
}
