//! The `platina` binary's library half: turning configuration into a running server (database,
//! migrations, demo accounts, HTTP workers) and the operator commands. Tests start the same
//! `Application` on port 0.

pub mod commands;
pub mod config;
pub mod demo;
pub mod demo_data;
pub mod telemetry;

use actix_web::{HttpServer, web};
use api::auth::{AuthSettings, CookieSecure, Secret, ThrottleSettings, TokenService};
use api::{AppState, HttpSettings};
use config::{Config, CookieSecureSetting, JwtAlgorithm};
use persistence::throttle::ThrottlePolicy;
use persistence::{Database, DatabaseSettings};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("database {url}: {source}")]
    Database {
        url: String,
        source: persistence::DbErr,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

pub fn database_settings(config: &Config) -> DatabaseSettings {
    DatabaseSettings {
        url: config.database.url.expose().to_owned(),
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_seconds),
        sqlite_synchronous: config.database.sqlite_synchronous,
        sqlite_max_size_mib: config.database.sqlite_max_size_mib,
    }
}

/// Connects, creating the directory of a SQLite file when it does not exist yet.
pub async fn connect(config: &Config) -> Result<Database, StartError> {
    let url = config.database.url.expose();
    let sqlite_dir = sqlite_file(url).and_then(|path| {
        std::path::Path::new(&path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(std::path::Path::to_path_buf)
    });
    if let Some(dir) = sqlite_dir {
        std::fs::create_dir_all(&dir)
            .map_err(|e| StartError::Setup(format!("cannot create {}: {e}", dir.display())))?;
    }
    Database::connect(&database_settings(config))
        .await
        .map_err(|source| StartError::Database {
            url: config.database.url.redacted(),
            source,
        })
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

fn auth_settings(config: &Config) -> Result<AuthSettings, StartError> {
    let auth = &config.auth;
    let secret = if auth.jwt_secret.expose().is_empty() {
        // Demo mode only (checked when the configuration loaded): a key for this process alone.
        let random =
            api::auth::passwords::random_token(48).map_err(|e| StartError::Setup(e.to_string()))?;
        Secret::new(random.into_bytes())
    } else {
        Secret::new(auth.jwt_secret.expose().as_bytes().to_vec())
    };
    Ok(AuthSettings {
        algorithm: match auth.jwt_algorithm {
            JwtAlgorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            JwtAlgorithm::HS384 => jsonwebtoken::Algorithm::HS384,
            JwtAlgorithm::HS512 => jsonwebtoken::Algorithm::HS512,
        },
        secret,
        issuer: auth.issuer.clone(),
        audience: auth.audience.clone(),
        access_ttl: Duration::from_secs(auth.access_token_ttl_seconds),
        refresh_ttl: Duration::from_secs(auth.refresh_token_ttl_seconds),
        leeway: Duration::from_secs(auth.leeway_seconds),
        cookie_secure: match auth.cookie_secure {
            CookieSecureSetting::Auto => CookieSecure::Auto,
            CookieSecureSetting::Always => CookieSecure::Always,
            CookieSecureSetting::Never => CookieSecure::Never,
        },
    })
}

fn throttle_settings(config: &Config) -> ThrottleSettings {
    let t = &config.auth.throttle;
    let policy = |max_failures| ThrottlePolicy {
        max_failures,
        window: chrono::Duration::seconds(t.window_seconds),
        block: chrono::Duration::seconds(t.block_seconds),
    };
    ThrottleSettings {
        account: policy(t.account_max_failures),
        address: policy(t.address_max_failures),
        trust_forwarded_for: t.trust_forwarded_for,
    }
}

/// Logs a warning at start when the built-in holiday list does not reach half a year ahead:
/// rounds due beyond its last year would count national holidays as business days. The Cabinet
/// Office publishes the next year's list early in the year before, so by July the update of
/// docs/calendar.md can be made.
fn warn_when_holidays_run_out(
    calendar: &domain::calendar::BusinessCalendar,
    today: chrono::NaiveDate,
) {
    if holidays_run_out_soon(calendar, today) {
        let years = calendar.holidays().years();
        tracing::warn!(
            first_year = years.start(),
            last_year = years.end(),
            "the built-in list of national holidays ends within half a year; dates after it count holidays as business days until it is updated (docs/calendar.md)"
        );
    }
}

fn holidays_run_out_soon(
    calendar: &domain::calendar::BusinessCalendar,
    today: chrono::NaiveDate,
) -> bool {
    today
        .checked_add_days(chrono::Days::new(183))
        .is_none_or(|date| !calendar.covers(date))
}

/// A configured server bound to its port, not yet serving.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    state: web::Data<AppState>,
    shutdown_timeout: Duration,
    stop: Arc<Notify>,
}

/// Asks a running server to stop as SIGTERM does (the tests use it).
#[derive(Clone)]
pub struct Stopper(Arc<Notify>);

impl Stopper {
    pub fn stop(&self) {
        self.0.notify_one();
    }
}

/// Resolves on SIGTERM, Ctrl-C (SIGINT) or a `Stopper`.
async fn stop_requested(stop: &Notify) {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "Ctrl-C cannot be caught");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "SIGTERM cannot be caught");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
        () = stop.notified() => {}
    }
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let db = connect(&config).await?;
        if config.database.migrate_on_start {
            db.migrate().await.map_err(|source| StartError::Database {
                url: config.database.url.redacted(),
                source,
            })?;
        }
        if config.demo.enabled {
            demo::ensure_demo_accounts(&db).await?;
            if config.demo.load_dataset
                && let Some(loaded) = demo_data::load_into_empty(&db).await?
            {
                tracing::info!(?loaded, "demo dataset loaded");
            }
            demo::ensure_demo_editor(&db).await?;
        }
        match api::tabular::jobs::interrupt_abandoned(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                jobs = n,
                "imports left running that nothing will run any more marked interrupted"
            ),
            Err(err) => tracing::error!(error = %err, "imports left running could not be marked"),
        }
        if let Err(err) = api::jobs::recurring::queue_first_runs(&db).await {
            tracing::error!(error = %err, "the first runs of recurring jobs could not be queued");
        }
        let stand_in_hash = api::auth::passwords::hash_off_thread(
            api::auth::passwords::random_token(24).map_err(|e| StartError::Setup(e.to_string()))?,
        )
        .await
        .map_err(|e| StartError::Setup(e.to_string()))?;
        let mailer = api::mail::Mailer::new(&config.mail.settings(config.demo.enabled))
            .map_err(StartError::Setup)?;
        if !mailer.sends() {
            tracing::info!(
                "no SMTP server configured (or demo mode): e-mail is only recorded in the sent-mail view"
            );
        }
        let calendar = Arc::new(
            config
                .calendar
                .business_calendar()
                .map_err(StartError::Setup)?,
        );
        let reminder_schedule = config
            .calendar
            .reminder_schedule()
            .map_err(StartError::Setup)?;
        let reminder_time = config.calendar.reminder_time().map_err(StartError::Setup)?;
        let clock = config.clock.clock().map_err(StartError::Setup)?;
        let reminders = api::jobs::reminders::ReminderSettings {
            calendar: Arc::clone(&calendar),
            default_schedule: reminder_schedule.clone(),
            at: reminder_time,
            clock,
        };
        let services =
            api::jobs::handlers::JobServices::new(mailer, config.webhooks.settings(), reminders)
                .map_err(StartError::Setup)?;
        let jobs =
            api::jobs::handlers::runner(db.clone(), config.jobs.runner_settings(), &services)
                .start();
        warn_when_holidays_run_out(&calendar, api::clock::today_in_tokyo());
        let state = web::Data::new(AppState {
            jobs: Arc::new(jobs),
            db,
            tokens: TokenService::new(auth_settings(&config)?),
            throttle: throttle_settings(&config),
            stand_in_hash,
            imports: Arc::new(api::tabular::jobs::ImportRunner::new()),
            idempotency: api::idempotency::IdempotencySettings {
                retention: Duration::from_secs(config.idempotency.retention_hours * 3600),
            },
            webhooks: services.webhooks.clone(),
            calendar,
            reminder_schedule,
            reminder_time,
            clock,
            live_reports: Default::default(),
            health_rules: config.health.rules().map_err(StartError::Setup)?,
        });

        let listener =
            TcpListener::bind(config.server.bind).map_err(|source| StartError::Bind {
                addr: config.server.bind.to_string(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartError::Setup(e.to_string()))?
            .port();

        let openapi = api::openapi::document();
        let routes = web::Data::new(api::routing::RouteTable::from_openapi(&openapi));
        let openapi_json = Arc::new(api::openapi::document_json());
        let http = HttpSettings {
            json_body_limit: config.server.json_body_limit_bytes,
            web_dist: Some(config.server.web_dist.clone()),
        };
        if !config.server.web_dist.join("index.html").is_file() {
            tracing::warn!(
                web_dist = %config.server.web_dist.display(),
                "no built web app found; serving the API only (run `npm run build` in web/)"
            );
        }
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            api::build_app(
                app_state.clone(),
                http.clone(),
                Arc::clone(&openapi_json),
                routes.clone(),
            )
        })
        .shutdown_timeout(config.server.shutdown_timeout_seconds)
        .keep_alive(Duration::from_secs(config.server.keep_alive_seconds))
        // SIGTERM and Ctrl-C are handled in `run_until_stopped`, which stops the imports too.
        .disable_signals()
        // A response written in two segments would otherwise wait for the client's delayed ACK
        // (40 ms on Linux) before its second half leaves: the benchmark saw one list in eight
        // take 44 ms for that alone.
        .tcp_nodelay(true);
        if config.server.workers > 0 {
            server = server.workers(config.server.workers);
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartError::Bind {
                addr: config.server.bind.to_string(),
                source,
            })?
            .run();
        Ok(Application {
            port,
            server,
            state,
            shutdown_timeout: Duration::from_secs(config.server.shutdown_timeout_seconds),
            stop: Arc::new(Notify::new()),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The pool the server uses (tests close it to simulate an unreachable database).
    pub fn database(&self) -> Database {
        self.state.db.clone()
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// A handle that stops the server as SIGTERM does.
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.stop))
    }

    /// Serves until SIGTERM or Ctrl-C. Then no new connection is accepted; within
    /// `server.shutdown_timeout_seconds` running jobs (imports among them) finish, while requests
    /// in flight are answered; jobs still running at the deadline are cancelled and handed back
    /// to the queue, to run again after the restart. The HTTP workers stop after the jobs (a
    /// request still running then gets the same timeout once more). The database is closed last,
    /// while the runtime still runs, so nothing is dropped outside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            state,
            shutdown_timeout,
            stop,
            ..
        } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        let served = tokio::select! {
            served = &mut server => {
                // Stopped through its handle: the jobs (imports too) get the same time to finish.
                let deadline = tokio::time::Instant::now() + shutdown_timeout;
                state.imports.close();
                state.jobs.shutdown(deadline).await;
                served
            }
            () = stop_requested(&stop) => {
                tracing::info!("stopping: answering requests in flight and finishing imports");
                let deadline = tokio::time::Instant::now() + shutdown_timeout;
                state.imports.close();
                // No new connection is accepted while the jobs finish, and the HTTP workers stop
                // only after them: a pooled PostgreSQL connection belongs to the runtime that
                // opened it, often a worker's, and a job using it once that runtime has shut
                // down fails ("Tokio context is being shutdown"). Requests in flight go on
                // meanwhile; the server future carries out both commands, so it is polled
                // alongside.
                let drain_then_stop = async {
                    handle.pause().await;
                    state.jobs.shutdown(deadline).await;
                    tracing::info!("jobs stopped");
                    handle.stop(true).await;
                };
                let ((), served) = tokio::join!(drain_then_stop, &mut server);
                served
            }
        };
        if let Err(err) = state.db.close().await {
            tracing::warn!(error = %err, "the database pool did not close cleanly");
        }
        served
    }
}

#[cfg(test)]
mod tests {
    use super::{holidays_run_out_soon, sqlite_file};

    #[test]
    fn the_holiday_list_is_reported_as_running_out_half_a_year_before_its_end()
    -> Result<(), domain::calendar::HolidayListError> {
        let calendar = domain::calendar::BusinessCalendar::official()?;
        let last_year = *calendar.holidays().years().end();
        let day = |month, day| chrono::NaiveDate::from_ymd_opt(last_year, month, day);
        assert_eq!(
            day(6, 1).map(|d| holidays_run_out_soon(&calendar, d)),
            Some(false)
        );
        assert_eq!(
            day(7, 31).map(|d| holidays_run_out_soon(&calendar, d)),
            Some(true)
        );
        Ok(())
    }

    #[test]
    fn the_sqlite_file_is_found_in_both_url_spellings() {
        assert_eq!(
            sqlite_file("sqlite://data/platina.db?mode=rwc").as_deref(),
            Some("data/platina.db")
        );
        assert_eq!(
            sqlite_file("sqlite:/tmp/x.db").as_deref(),
            Some("/tmp/x.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
    }
}
