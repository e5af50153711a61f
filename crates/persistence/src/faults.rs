//! Storage trouble told apart from other database errors (a full disk, a read-only or failing
//! file, a busy SQLite, a PostgreSQL connection that was terminated), the state that remembers it
//! for the readiness probe, and the write probe that finds out whether writes commit again.

use crate::entities::storage_probe;
use sea_orm::sqlx;
use sea_orm::sqlx::postgres::PgDatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, RuntimeErr,
};
use std::fmt;
use std::sync::Mutex;
use std::time::Instant;

/// Why the storage could not take a request's work, when the cause is the storage itself and not
/// the request: the same request may well succeed once the operator has fixed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// SQLITE_FULL, or PostgreSQL's disk_full (SQLSTATE 53100).
    DiskFull,
    /// PostgreSQL ran out of memory, connections or another resource (the rest of 53xxx).
    OutOfResources,
    /// SQLITE_READONLY, or a PostgreSQL standby (read_only_sql_transaction).
    ReadOnly,
    /// SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_NOMEM, or a worker thread that died.
    Io,
    /// SQLITE_BUSY / SQLITE_LOCKED after the busy timeout.
    Busy,
    /// The connection broke or the server ended it (SQLSTATE 08xxx, 57P01–57P03, a closed
    /// socket).
    ConnectionLost,
}

impl fmt::Display for StorageFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StorageFault::DiskFull => "the disk or the database is full",
            StorageFault::OutOfResources => "the database server ran out of memory or connections",
            StorageFault::ReadOnly => "the database is read-only",
            StorageFault::Io => "the database file cannot be read or written",
            StorageFault::Busy => "the database stayed locked by another writer",
            StorageFault::ConnectionLost => "the database connection was lost",
        })
    }
}

// SQLite primary result codes (the low byte of an extended code).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_NOMEM: i32 = 7;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

/// The storage fault behind a database error, if it is one.
pub fn storage_fault(err: &DbErr) -> Option<StorageFault> {
    let runtime = match err {
        DbErr::Conn(e) | DbErr::Exec(e) | DbErr::Query(e) => e,
        _ => return None,
    };
    match runtime {
        RuntimeErr::SqlxError(e) => sqlx_fault(e),
        RuntimeErr::Internal(_) => None,
    }
}

fn sqlx_fault(err: &sqlx::Error) -> Option<StorageFault> {
    match err {
        sqlx::Error::Database(db) => {
            if let Some(sqlite) = db.try_downcast_ref::<SqliteError>() {
                sqlite_fault(sqlite)
            } else if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
                postgres_fault(pg.code())
            } else {
                None
            }
        }
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => Some(StorageFault::ConnectionLost),
        sqlx::Error::WorkerCrashed => Some(StorageFault::Io),
        _ => None,
    }
}

fn sqlite_fault(err: &SqliteError) -> Option<StorageFault> {
    use sea_orm::sqlx::error::DatabaseError;
    let extended: i32 = err.code()?.parse().ok()?;
    match extended & 0xff {
        SQLITE_FULL => Some(StorageFault::DiskFull),
        SQLITE_READONLY => Some(StorageFault::ReadOnly),
        SQLITE_IOERR | SQLITE_CANTOPEN | SQLITE_NOMEM => Some(StorageFault::Io),
        SQLITE_BUSY | SQLITE_LOCKED => Some(StorageFault::Busy),
        _ => None,
    }
}

fn postgres_fault(sqlstate: &str) -> Option<StorageFault> {
    match sqlstate {
        // admin_shutdown, crash_shutdown, cannot_connect_now
        "57P01" | "57P02" | "57P03" => Some(StorageFault::ConnectionLost),
        // read_only_sql_transaction: a standby, or default_transaction_read_only
        "25006" => Some(StorageFault::ReadOnly),
        code if code.starts_with("08") => Some(StorageFault::ConnectionLost),
        "53100" => Some(StorageFault::DiskFull),
        // insufficient_resources: out_of_memory, too_many_connections, …
        code if code.starts_with("53") => Some(StorageFault::OutOfResources),
        _ => None,
    }
}

/// The last storage fault a request ran into and when, until a write probe commits again. Shared
/// by every worker of a server through its `Database`.
#[derive(Debug, Default)]
pub struct StorageHealth {
    last: Mutex<Option<(StorageFault, Instant)>>,
}

impl StorageHealth {
    pub fn record(&self, fault: StorageFault) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some((fault, Instant::now()));
        }
    }

    /// Forgets the recorded fault unless another was recorded after `probe_started`.
    pub fn clear_unless_recorded_after(&self, probe_started: Instant) {
        if let Ok(mut last) = self.last.lock()
            && last.is_some_and(|(_, at)| at <= probe_started)
        {
            *last = None;
        }
    }

    /// The fault recorded since the last successful probe, and when.
    pub fn last_fault(&self) -> Option<(StorageFault, Instant)> {
        // A poisoned lock means a panic while holding it, which the code above cannot do;
        // reporting a fault is the safe reading either way.
        self.last
            .lock()
            .map_or(Some((StorageFault::Io, Instant::now())), |last| *last)
    }
}

/// What a probe writes besides its timestamp: the size of an ordinary record with its search
/// index, so that a probe does not squeeze into the last free page where real writes fail.
const PROBE_BALLAST_BYTES: usize = 16 * 1024;

/// Commits one small write of the size of an ordinary record, and removes the earlier probe rows
/// in the same transaction (so the table holds one row). `Ok` means writes commit again.
pub async fn probe_writes(conn: &sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    let txn = crate::begin_write(conn).await?;
    let inserted = storage_probe::ActiveModel {
        probed_at: Set(chrono::Utc::now()),
        ballast: Set(vec![0; PROBE_BALLAST_BYTES]),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    storage_probe::Entity::delete_many()
        .filter(storage_probe::Column::Id.ne(inserted.id))
        .exec(&txn)
        .await?;
    sea_orm::TransactionSession::commit(txn).await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::database::{Database, DatabaseSettings, SqliteSync};
    use sea_orm::ConnectionTrait;
    use std::time::Duration;

    fn settings(url: String, max_size_mib: u32) -> DatabaseSettings {
        DatabaseSettings {
            url,
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            sqlite_synchronous: SqliteSync::Normal,
            sqlite_max_size_mib: max_size_mib,
        }
    }

    /// A SQLite file for one test, removed with its WAL when the test ends.
    pub(crate) struct ScratchFile(std::path::PathBuf);

    impl ScratchFile {
        pub(crate) fn new(name: &str) -> ScratchFile {
            let dir = std::env::temp_dir().join("platina-persistence-tests");
            let _ = std::fs::create_dir_all(&dir);
            let file = ScratchFile(dir.join(format!("{name}-{}.db", std::process::id())));
            file.remove();
            file
        }

        pub(crate) fn url(&self, mode: &str) -> String {
            format!("sqlite://{}?mode={mode}", self.0.display())
        }

        fn remove(&self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    impl Drop for ScratchFile {
        fn drop(&mut self) {
            self.remove();
        }
    }

    #[tokio::test]
    async fn a_database_at_its_size_cap_is_a_full_disk() -> Result<(), DbErr> {
        let file = ScratchFile::new("size-cap");
        let db = Database::connect(&settings(file.url("rwc"), 1)).await?;
        db.conn
            .execute_unprepared("CREATE TABLE ballast (b BLOB)")
            .await?;
        let mut fault = None;
        for _ in 0..64 {
            if let Err(err) = db
                .conn
                .execute_unprepared("INSERT INTO ballast VALUES (zeroblob(65536))")
                .await
            {
                fault = Some(storage_fault(&err));
                break;
            }
        }
        db.close().await?;
        assert_eq!(fault, Some(Some(StorageFault::DiskFull)));
        Ok(())
    }

    #[tokio::test]
    async fn writing_to_a_read_only_database_is_a_storage_fault() -> Result<(), DbErr> {
        let file = ScratchFile::new("read-only");
        let writable = Database::connect(&settings(file.url("rwc"), 0)).await?;
        writable
            .conn
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await?;
        writable.close().await?;
        let read_only = Database::connect(&settings(file.url("ro"), 0)).await?;
        let err = read_only
            .conn
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .err();
        read_only.close().await?;
        assert_eq!(
            err.as_ref().and_then(storage_fault),
            Some(StorageFault::ReadOnly)
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_constraint_violation_is_not_a_storage_fault() -> Result<(), DbErr> {
        let db = Database::connect(&settings("sqlite::memory:".into(), 0)).await?;
        db.conn
            .execute_unprepared("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .await?;
        db.conn
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await?;
        let err = db
            .conn
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .err();
        assert!(err.is_some());
        assert_eq!(err.as_ref().and_then(storage_fault), None);
        Ok(())
    }

    #[test]
    fn terminated_and_broken_postgres_connections_are_storage_faults() {
        for code in ["57P01", "57P02", "57P03", "08006", "08003"] {
            assert_eq!(
                postgres_fault(code),
                Some(StorageFault::ConnectionLost),
                "{code}"
            );
        }
        assert_eq!(postgres_fault("53100"), Some(StorageFault::DiskFull));
        assert_eq!(postgres_fault("53200"), Some(StorageFault::OutOfResources));
        assert_eq!(postgres_fault("25006"), Some(StorageFault::ReadOnly));
        assert_eq!(postgres_fault("23505"), None, "unique violation");
        assert_eq!(postgres_fault("40001"), None, "serialization failure");
    }
}
