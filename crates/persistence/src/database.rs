//! Connecting to SQLite or PostgreSQL, migrating, telling whether the schema is current, and
//! keeping connections that a failed transaction left behind out of the pool.

use crate::faults::StorageHealth;
use crate::traffic::{self, RequestInFlight, WriteTraffic};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::pool::PoolConnectionMetadata;
use sea_orm::sqlx::sqlite::{SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, Connection as _, PgConnection};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
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
    /// A cap on the SQLite file in MiB (SQLite's `max_page_count`); 0 leaves it to the disk.
    pub sqlite_max_size_mib: u32,
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("sqlite_max_size_mib", &self.sqlite_max_size_mib)
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

/// The migrations that add derived tables (`dashboard_tallies` and `stale_tallies`; the stage and
/// bureau spans of proposals), which are counted from the records once they exist.
const DERIVED_MIGRATIONS: [&str; 2] = [
    "m20261121_000007_dashboard_tallies",
    "m20261205_000015_proposal_spans",
];

/// The migration that adds the record history, whose first versions are written from the
/// records already there.
const HISTORY_MIGRATION: &str = "m20261207_000024_record_history";

/// SQLite's page size for the files Platina creates (the default), to turn MiB into pages.
const SQLITE_PAGE_BYTES: u32 = 4096;

/// The connection pool and the backend it speaks to.
#[derive(Clone, Debug)]
pub struct Database {
    pub conn: DatabaseConnection,
    /// The last storage fault requests ran into, for the readiness probe.
    storage: Arc<StorageHealth>,
    /// The writing requests running in this process, which background writes let go first.
    traffic: Arc<WriteTraffic>,
}

type ReleaseCheck<'c> = Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + 'c>>;

/// Whether a SQLite connection that a request hands back may serve the next one: neither sqlx nor
/// SQLite itself may be inside a transaction. After SQLITE_FULL or an I/O error, SQLite may roll a
/// transaction back on its own; sqlx's ROLLBACK then fails and its transaction depth stays above
/// zero, so the next `begin` on that connection opens a SAVEPOINT and its "commit" only releases
/// it, leaving every later write of that connection uncommitted (acknowledged, then lost) while
/// it holds the write lock ("database is locked" for everyone else). Such a connection is closed,
/// which rolls back whatever it still holds; the pool opens a fresh one.
fn sqlite_connection_is_idle(
    conn: &mut SqliteConnection,
    _: PoolConnectionMetadata,
) -> ReleaseCheck<'_> {
    Box::pin(async move {
        // Runs after the ROLLBACK a dropped transaction queued: the connection's worker executes
        // its commands in order. SQLite refuses BEGIN inside a transaction.
        if sqlx::raw_sql("BEGIN").execute(&mut *conn).await.is_err() {
            tracing::warn!("closing a SQLite connection left inside a transaction");
            return Ok(false);
        }
        if sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err() {
            return Ok(false);
        }
        if conn.is_in_transaction() {
            tracing::warn!("closing a SQLite connection whose transaction depth is out of step");
            return Ok(false);
        }
        Ok(true)
    })
}

/// The same rule for PostgreSQL, where the server ends a failed transaction itself: a connection
/// sqlx still counts inside a transaction is closed rather than reused.
fn postgres_connection_is_idle(
    conn: &mut PgConnection,
    _: PoolConnectionMetadata,
) -> ReleaseCheck<'_> {
    Box::pin(async move {
        // The ping sends any ROLLBACK a dropped transaction queued.
        conn.ping().await?;
        Ok(!conn.is_in_transaction())
    })
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
            let max_pages = u64::from(settings.sqlite_max_size_mib) * 1024 * 1024
                / u64::from(SQLITE_PAGE_BYTES);
            options.map_sqlx_sqlite_opts(move |opts| {
                let opts = opts
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                if max_pages > 0 {
                    opts.pragma("max_page_count", max_pages.to_string())
                } else {
                    opts
                }
            });
            options.map_sqlx_sqlite_pool_opts(|pool| pool.after_release(sqlite_connection_is_idle));
        } else {
            // Platina's statements are short look-ups; once a page's numbering pushes a plan's
            // estimated cost past `jit_above_cost`, PostgreSQL spent 30 ms compiling it to answer
            // a 4 ms query (issue 15's W1). JIT pays off for analytics, not for this server.
            options.map_sqlx_postgres_opts(|opts| opts.options([("jit", "off")]));
            options.map_sqlx_postgres_pool_opts(|pool| {
                pool.after_release(postgres_connection_is_idle)
            });
        }
        let conn = sea_orm::Database::connect(options).await?;
        Ok(Database {
            conn,
            storage: Arc::default(),
            traffic: Arc::default(),
        })
    }

    /// Counts a request that may write while it runs (see [`crate::traffic`]).
    pub fn request_started(&self) -> RequestInFlight {
        self.traffic.request_started()
    }

    /// Waits, on SQLite, until no writing request is running (at most [`traffic::PATIENCE`]), so
    /// that the background write that follows does not make a request wait for the lock.
    /// PostgreSQL writers do not share a lock, so there it returns at once.
    pub async fn let_requests_write_first(&self) {
        if self.is_sqlite() {
            self.traffic.quiet_moment(traffic::PATIENCE).await;
        }
    }

    /// What requests have learnt about the storage since the last successful write probe.
    pub fn storage_health(&self) -> &StorageHealth {
        &self.storage
    }

    /// Commits a small write; on success forgets the recorded fault (unless a request met a new
    /// one meanwhile). See `faults::probe_writes`.
    pub async fn probe_writes(&self) -> Result<(), DbErr> {
        let started = std::time::Instant::now();
        crate::faults::probe_writes(&self.conn).await?;
        self.storage.clear_unless_recorded_after(started);
        Ok(())
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend() == DatabaseBackend::Sqlite
    }

    /// Applies pending migrations; when one of them adds the dashboard tallies or the proposal
    /// spans, counts them from the records already there, and when one adds the record history,
    /// writes the first version of each record already there.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        let pending = Migrator::get_pending_migrations(&self.conn).await?;
        let adds_tallies = pending
            .iter()
            .any(|m| DERIVED_MIGRATIONS.contains(&m.name()));
        let adds_history = pending.iter().any(|m| m.name() == HISTORY_MIGRATION);
        Migrator::up(&self.conn, None).await?;
        if adds_tallies {
            let txn = crate::begin_write(&self.conn).await?;
            crate::tallies::rebuild(&txn)
                .await
                .map_err(|e| DbErr::Custom(format!("counting the dashboard tallies: {e}")))?;
            sea_orm::TransactionSession::commit(txn).await?;
        }
        if adds_history {
            let txn = crate::begin_write(&self.conn).await?;
            crate::history::backfill(&txn)
                .await
                .map_err(|e| DbErr::Custom(format!("writing the first record versions: {e}")))?;
            sea_orm::TransactionSession::commit(txn).await?;
        }
        Ok(())
    }

    /// Migrations this binary knows that the database has not applied yet.
    pub async fn pending_migrations(&self) -> Result<usize, DbErr> {
        Ok(Migrator::get_pending_migrations(&self.conn).await?.len())
    }

    /// Brings the planner's statistics (and PostgreSQL's visibility map) up to date after a bulk
    /// write such as a restore or a large import. Until then PostgreSQL plans the new rows as if
    /// the tables were empty and its index-only scans visit the heap for every row: a list of 50
    /// took 135 ms instead of 4 ms after a 100,000-row restore on a server whose autovacuum had not
    /// run yet (issue 15). VACUUM runs outside any transaction, after the write has committed.
    pub async fn refresh_statistics(&self) -> Result<(), DbErr> {
        let statement = match self.backend() {
            DatabaseBackend::Postgres => "VACUUM (ANALYZE)",
            _ => "ANALYZE",
        };
        self.conn.execute_unprepared(statement).await.map(|_| ())
    }

    /// For a transaction that grows its tables batch by batch (an import): PostgreSQL plans each
    /// statement for the tables as they are now. By default it settles, after five executions of
    /// a prepared statement, on a generic plan made while the table was still small, and the
    /// import's look-up of existing records then scanned the whole growing table for every
    /// batch: 160-250 ms a batch at 20,000 rows, growing with the square of the file.
    pub async fn plan_each_statement_afresh(
        txn: &sea_orm::DatabaseTransaction,
    ) -> Result<(), DbErr> {
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
                .await?;
        }
        Ok(())
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
    use super::*;

    /// SQLite rolls a transaction back by itself after SQLITE_FULL or an I/O error; `INSERT OR
    /// ROLLBACK` makes it do the same on demand. A COMMIT refused for a deferred foreign key
    /// leaves the transaction open, as a COMMIT refused for a full disk can.
    #[tokio::test]
    async fn a_write_acknowledged_after_sqlite_rolled_back_on_its_own_is_committed()
    -> Result<(), DbErr> {
        let file = crate::faults::tests::ScratchFile::new("self-rollback");
        let settings = DatabaseSettings {
            url: file.url("rwc"),
            // One connection, so every step runs on the connection the step before left behind.
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            sqlite_synchronous: SqliteSync::Normal,
            sqlite_max_size_mib: 0,
        };
        let db = Database::connect(&settings).await?;
        db.conn
            .execute_unprepared(
                "CREATE TABLE parents (id INTEGER PRIMARY KEY);
                 CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL
                     REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
                 CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
                 INSERT INTO notes VALUES (1, 'first');",
            )
            .await?;

        // SQLite ends the transaction itself; the ROLLBACK sqlx sends on drop then fails.
        let txn = crate::begin_write(&db.conn).await?;
        let duplicate = txn
            .execute_unprepared("INSERT OR ROLLBACK INTO notes VALUES (1, 'again')")
            .await;
        assert!(duplicate.is_err());
        drop(txn);

        // A commit refused while the transaction stays open; it is dropped, as a handler does.
        let txn = crate::begin_write(&db.conn).await?;
        txn.execute_unprepared("INSERT INTO children VALUES (1, 99)")
            .await?;
        assert!(txn.commit().await.is_err());

        // An ordinary write, acknowledged.
        let txn = crate::begin_write(&db.conn).await?;
        txn.execute_unprepared("INSERT INTO notes VALUES (2, 'acknowledged')")
            .await?;
        txn.commit().await?;

        // Another connection, as after a restart, must see it.
        let other = Database::connect(&settings).await?;
        let found = other
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                other.backend(),
                "SELECT count(*) FROM notes WHERE id = 2",
            ))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?;
        other.close().await?;
        db.close().await?;
        assert_eq!(found, Some(1), "the acknowledged write was not committed");
        Ok(())
    }

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
