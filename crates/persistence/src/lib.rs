//! Platina's storage: the sea-orm entities and the repositories that map the records of `domain`
//! to and from them (organisation, proposals, reforms, X policies, the system ledger and
//! targets, links), the same on SQLite (embedded, the default) and PostgreSQL. Accounts
//! (`User`, `ServiceAccount`) are defined here, since they hold password and secret hashes.
//!
//! Every write that changes what staff see records an audit event in the same transaction, so the
//! trail can never disagree with the data.

pub mod accounts;
pub mod announce;
pub mod as_known;
pub mod audit;
pub mod backup;
pub mod clock;
pub mod corrections;
pub mod dashboard;
pub mod database;
pub mod entities;
pub mod events;
pub mod faults;
pub mod history;
pub mod idempotency;
pub mod import_jobs;
pub mod jobs;
pub mod ledger;
pub mod links;
pub mod mail;
pub mod milestone_watch;
pub mod notifications;
pub mod organization;
pub mod page;
pub mod policies;
pub mod proposals;
pub mod reforms;
pub mod refresh_tokens;
pub mod round_reminders;
pub mod rounds;
mod rows;
pub mod search;
pub mod synth;
pub mod tallies;
pub mod throttle;
pub mod traffic;
pub(crate) mod unlink;
pub mod webhooks;
mod write;

pub use audit::{AuditActor, AuditRecord};
pub use database::{Database, DatabaseSettings, SqliteSync};
pub use faults::{StorageFault, storage_fault};
pub use page::{Page, PageRequest};
pub use sea_orm::{ConnectionTrait, DatabaseExecutor, DatabaseTransaction, DbErr};

/// Starts a transaction that writes. On SQLite it takes the write lock at `BEGIN IMMEDIATE`, so
/// concurrent writers queue behind each other (up to the busy timeout) instead of one failing with
/// "database is locked" when it upgrades from reading to writing; PostgreSQL ignores the mode.
pub async fn begin_write<C: sea_orm::TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Starts a transaction for reads that should see one state of the records on one connection.
/// On SQLite it is deferred, so it takes no write lock as long as it writes nothing.
pub async fn begin_read<C: sea_orm::TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin().await
}

/// Why a repository call failed, in terms the HTTP layer can answer with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a record with the same unique key already exists")]
    Duplicate,
    #[error("record not found")]
    NotFound,
    /// The caller's copy is out of date: someone else wrote since it was read.
    #[error("version {expected} is stale; the record is at version {current}")]
    Stale { expected: i32, current: i32 },
    /// A referenced record (e.g. the bureau of a new section) does not exist.
    #[error("{0} does not exist")]
    MissingReference(&'static str),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl StoreError {
    /// The storage fault behind this error, when the storage and not the request is to blame.
    pub fn storage_fault(&self) -> Option<StorageFault> {
        match self {
            StoreError::Db(err) => storage_fault(err),
            _ => None,
        }
    }
}

impl StoreError {
    /// Maps unique-key violations, which both backends report differently, to `Duplicate`.
    pub fn from_write(err: sea_orm::DbErr) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::Duplicate,
            _ => StoreError::Db(err),
        }
    }
}
