//! Connecting to SQLite or PostgreSQL, migrating, and telling whether the schema is current.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr};
use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqliteSync {
    Full,
    Normal,
}

/// What `persistence` needs to know to connect. The URL may hold a password, so `Debug` masks it.
#[derive(Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub sqlite_synchronous: SqliteSync,
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .finish()
    }
}

/// The URL with any password replaced, fit for logs: `postgres://platina:***@db/platina`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// The migration that adds `dashboard_tallies` and `stale_tallies`.
const TALLIES_MIGRATION: &str = "m20261121_000007_dashboard_tallies";

/// The connection pool and the backend it speaks to.
#[derive(Clone, Debug)]
pub struct Database {
    pub conn: DatabaseConnection,
}

impl Database {
    /// A transaction for writes that must land together (an import), handed to the
    /// repositories, which nest their own work in it.
    pub async fn begin(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        crate::begin_write(&self.conn).await
    }

    pub async fn commit(transaction: sea_orm::DatabaseTransaction) -> Result<(), DbErr> {
        sea_orm::TransactionSession::commit(transaction).await
    }

    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, DbErr> {
        let mut options = ConnectOptions::new(settings.url.clone());
        options
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(settings.acquire_timeout)
            .connect_timeout(settings.acquire_timeout)
            .sqlx_logging(false);
        if settings.url.starts_with("sqlite:") {
            let synchronous = match settings.sqlite_synchronous {
                SqliteSync::Full => SqliteSynchronous::Full,
                SqliteSync::Normal => SqliteSynchronous::Normal,
            };
            options.map_sqlx_sqlite_opts(move |opts| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        }
        let conn = sea_orm::Database::connect(options).await?;
        Ok(Database { conn })
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend() == DatabaseBackend::Sqlite
    }

    /// Applies pending migrations; when one of them adds the dashboard tallies, counts them from
    /// the records already there.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        let adds_tallies = Migrator::get_pending_migrations(&self.conn)
            .await?
            .iter()
            .any(|m| m.name() == TALLIES_MIGRATION);
        Migrator::up(&self.conn, None).await?;
        if adds_tallies {
            crate::tallies::rebuild(&self.conn)
                .await
                .map_err(|e| DbErr::Custom(format!("counting the dashboard tallies: {e}")))?;
        }
        Ok(())
    }

    /// Migrations this binary knows that the database has not applied yet.
    pub async fn pending_migrations(&self) -> Result<usize, DbErr> {
        Ok(Migrator::get_pending_migrations(&self.conn).await?.len())
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    pub async fn close(&self) -> Result<(), DbErr> {
        self.conn.close_by_ref().await
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_in_database_urls_never_reach_the_logs() {
        assert_eq!(
            redact_url("postgres://platina:s3cret@db:5432/platina"),
            "postgres://platina:***@db:5432/platina"
        );
        assert_eq!(
            redact_url("sqlite://data/platina.db?mode=rwc"),
            "sqlite://data/platina.db?mode=rwc"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
    }
}
