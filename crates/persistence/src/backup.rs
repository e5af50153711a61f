//! Full backup and restore of the database content as one JSON document, the same on both
//! backends, so a city can move its data from the embedded SQLite to PostgreSQL (and back) and
//! keep a copy it can read without Platina.
//!
//! The document is `{"format":"platina-backup","version":1,"schema":…,"exported_at":…,
//! "tables":{"bureaus":[…],…},"row_counts":{…}}`, tables in the order a restore inserts them.
//! Both directions stream: the backup writes each table in id batches, the restore parses on a
//! blocking thread and inserts batches as they arrive, so neither holds the database in memory.

use crate::Database;
use crate::entities;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, EntityTrait, IntoActiveModel, IsolationLevel, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait, Value,
};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;
use tokio::sync::mpsc;

pub const FORMAT: &str = "platina-backup";
pub const VERSION: u32 = 1;
const BATCH: usize = 500;

/// Every table a backup holds, each after the tables it refers to. Left out on purpose: sign-in
/// sessions and throttling (they belong to the running server, and restored sessions would let
/// old tokens back in), `Idempotency-Key` records (a day's retry memory of the running server),
/// the migration ledger (the restoring binary migrates), the search indexes (rebuilt by triggers
/// as rows arrive), the readiness probe's scratch row, and the job queue: its jobs belong to the
/// processes that ran them, and a restored queue would send mail and webhooks a second time.
pub const TABLES: [&str; 38] = [
    "bureaus",
    "sections",
    "section_names",
    "users",
    "notification_preferences",
    "notification_settings",
    "service_accounts",
    "audit_events",
    "project_teams",
    "proposals",
    "proposal_assignments",
    "stage_events",
    "consultations",
    "reforms",
    "reform_sections",
    "reform_tags",
    "reform_effects",
    "policies",
    "policy_issues",
    "milestones",
    "progress_notes",
    "kpis",
    "kpi_actuals",
    "digital_systems",
    "targets",
    "target_measurements",
    "links",
    "events",
    "notifications",
    "sent_mail",
    // The endpoints other systems rely on, with their secrets (a backup is as secret as the
    // database), and their delivery log.
    "webhook_endpoints",
    "webhook_deliveries",
    // Reporting rounds with their requests and items (whose answers name audit events).
    "rounds",
    "round_requests",
    "round_request_items",
    // What was known when: the versions of records, and the frozen reports of closed rounds.
    "record_history",
    "round_report_versions",
    "round_reminders",
];

/// Calls `$call::<Entity>($args…)` for the entity behind a table name.
macro_rules! per_table {
    ($table:expr, $call:ident($($arg:expr),*)) => {
        match $table {
            "bureaus" => $call::<entities::bureau::Entity>($($arg),*).await,
            "sections" => $call::<entities::section::Entity>($($arg),*).await,
            "section_names" => $call::<entities::section_name::Entity>($($arg),*).await,
            "users" => $call::<entities::user::Entity>($($arg),*).await,
            "service_accounts" => $call::<entities::service_account::Entity>($($arg),*).await,
            "audit_events" => $call::<entities::audit_event::Entity>($($arg),*).await,
            "project_teams" => $call::<entities::project_team::Entity>($($arg),*).await,
            "proposals" => $call::<entities::proposal::Entity>($($arg),*).await,
            "proposal_assignments" => {
                $call::<entities::proposal_assignment::Entity>($($arg),*).await
            }
            "stage_events" => $call::<entities::stage_event::Entity>($($arg),*).await,
            "consultations" => $call::<entities::consultation::Entity>($($arg),*).await,
            "reforms" => $call::<entities::reform::Entity>($($arg),*).await,
            "reform_sections" => $call::<entities::reform_section::Entity>($($arg),*).await,
            "reform_tags" => $call::<entities::reform_tag::Entity>($($arg),*).await,
            "reform_effects" => $call::<entities::reform_effect::Entity>($($arg),*).await,
            "policies" => $call::<entities::policy::Entity>($($arg),*).await,
            "policy_issues" => $call::<entities::policy_issue::Entity>($($arg),*).await,
            "milestones" => $call::<entities::milestone::Entity>($($arg),*).await,
            "progress_notes" => $call::<entities::progress_note::Entity>($($arg),*).await,
            "kpis" => $call::<entities::kpi::Entity>($($arg),*).await,
            "kpi_actuals" => $call::<entities::kpi_actual::Entity>($($arg),*).await,
            "digital_systems" => $call::<entities::digital_system::Entity>($($arg),*).await,
            "targets" => $call::<entities::target::Entity>($($arg),*).await,
            "target_measurements" => {
                $call::<entities::target_measurement::Entity>($($arg),*).await
            }
            "links" => $call::<entities::link::Entity>($($arg),*).await,
            "events" => $call::<entities::event::Entity>($($arg),*).await,
            "notifications" => $call::<entities::notification::Entity>($($arg),*).await,
            "sent_mail" => $call::<entities::sent_mail::Entity>($($arg),*).await,
            "webhook_endpoints" => $call::<entities::webhook_endpoint::Entity>($($arg),*).await,
            "webhook_deliveries" => {
                $call::<entities::webhook_delivery::Entity>($($arg),*).await
            }
            "rounds" => $call::<entities::round::Entity>($($arg),*).await,
            "round_requests" => $call::<entities::round_request::Entity>($($arg),*).await,
            "round_request_items" => {
                $call::<entities::round_request_item::Entity>($($arg),*).await
            }
            "round_reminders" => $call::<entities::round_reminder::Entity>($($arg),*).await,
            "notification_preferences" => {
                $call::<entities::notification_preference::Entity>($($arg),*).await
            }
            "record_history" => $call::<entities::record_history::Entity>($($arg),*).await,
            // `round_reports` is how backups made before report versions name the table.
            "round_report_versions" | "round_reports" => {
                $call::<entities::round_report::Entity>($($arg),*).await
            }
            "notification_settings" => {
                $call::<entities::notification_setting::Entity>($($arg),*).await
            }
            other => Err(BackupError::UnknownTable(other.to_owned())),
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("not a Platina backup: {0}")]
    NotABackup(String),
    #[error(
        "backup format version {0} is not one this version of Platina reads (it reads {VERSION})"
    )]
    UnsupportedVersion(u32),
    #[error(
        "the backup was written at schema {0}, which this version of Platina does not know; restore it with the version that wrote it"
    )]
    UnknownSchema(String),
    #[error("the backup names a table Platina does not have: {0}")]
    UnknownTable(String),
    #[error("the database already holds data (table {0}); a restore needs an empty database")]
    NotEmpty(&'static str),
    #[error("table {table}, row {row}: {message}")]
    BadRow {
        table: String,
        row: usize,
        message: String,
    },
    #[error("table {table} holds {found} rows, but the backup says {expected}")]
    CountMismatch {
        table: String,
        expected: u64,
        found: u64,
    },
    #[error("the backup file could not be read: {0}")]
    Parse(String),
    #[error("writing the backup failed: {0}")]
    Write(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// How many rows each table held, in backup order.
pub type RowCounts = Vec<(String, u64)>;

/// Writes every table to `out`. The reads share one snapshot, so a backup taken while the server
/// runs is consistent.
pub async fn write_backup(db: &Database, out: &mut dyn Write) -> Result<RowCounts, BackupError> {
    let txn = match db.backend() {
        DatabaseBackend::Postgres => {
            db.conn
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
        }
        // A read transaction in WAL mode already sees one snapshot.
        _ => db.conn.begin().await?,
    };
    let schema = current_schema(&txn).await?;
    write!(
        out,
        "{{\"format\":{},\"version\":{VERSION},\"schema\":{},\"exported_at\":{},\"tables\":{{",
        json(&FORMAT)?,
        json(&schema)?,
        json(&crate::clock::now())?
    )?;
    let mut counts = Vec::new();
    for (i, table) in TABLES.iter().enumerate() {
        let separator = if i == 0 { "" } else { "," };
        write!(out, "{separator}\n{}:[", json(table)?)?;
        let rows = per_table!(*table, write_table(&txn, &mut *out))?;
        write!(out, "]")?;
        counts.push(((*table).to_owned(), rows));
    }
    let summary: BTreeMap<&str, u64> = counts.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    writeln!(out, "\n}},\"row_counts\":{}}}", json(&summary)?)?;
    out.flush()?;
    txn.commit().await?;
    Ok(counts)
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, BackupError> {
    serde_json::to_string(value).map_err(|e| BackupError::Write(std::io::Error::other(e)))
}

/// The newest applied migration. Read directly: the migrator's own query would try to create
/// its table, which a read-only transaction refuses.
async fn current_schema(conn: &DatabaseTransaction) -> Result<String, BackupError> {
    let newest = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        ))
        .await?;
    Ok(match newest {
        Some(row) => row.try_get::<String>("", "version")?,
        None => String::new(),
    })
}

fn id_column<E: EntityTrait>() -> Result<E::Column, BackupError> {
    E::Column::from_str("id").map_err(|_| BackupError::UnknownTable(table_name::<E>()))
}

fn table_name<E: EntityTrait>() -> String {
    E::default().table_name().to_owned()
}

async fn write_table<E>(txn: &DatabaseTransaction, out: &mut dyn Write) -> Result<u64, BackupError>
where
    E: EntityTrait,
    E::Model: Serialize,
{
    let id = id_column::<E>()?;
    let mut after = i64::MIN;
    let mut written = 0u64;
    loop {
        let rows = E::find()
            .filter(id.gt(after))
            .order_by_asc(id)
            .limit(BATCH as u64)
            .all(txn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = match last.get(id) {
            Value::BigInt(Some(v)) => v,
            other => {
                return Err(BackupError::BadRow {
                    table: table_name::<E>(),
                    row: written as usize,
                    message: format!("id is {other:?}, not a 64-bit integer"),
                });
            }
        };
        for row in &rows {
            out.write_all(if written == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut *out, row)
                .map_err(|e| BackupError::Write(std::io::Error::other(e)))?;
            written += 1;
        }
    }
    Ok(written)
}

/// What a restore put back, table by table.
#[derive(Debug, Default)]
pub struct Restored {
    pub schema: String,
    pub counts: RowCounts,
}

/// Reads a backup into an empty, migrated database in one transaction: all of it or nothing.
/// Ids are kept, so links between records survive; PostgreSQL's id sequences are moved past them.
pub async fn restore_backup(
    db: &Database,
    input: Box<dyn Read + Send>,
) -> Result<Restored, BackupError> {
    for table in TABLES {
        if per_table!(table, row_count(&db.conn))? > 0 {
            return Err(BackupError::NotEmpty(table));
        }
    }
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let (sender, mut receiver) = mpsc::channel::<Parsed>(4);
    let parser = tokio::task::spawn_blocking(move || parse(input, sender));

    let txn = crate::begin_write(&db.conn).await?;
    let mut restored = Restored::default();
    let mut inserted: BTreeMap<String, u64> = BTreeMap::new();
    let mut declared: Option<BTreeMap<String, u64>> = None;
    let outcome: Result<(), BackupError> = async {
        while let Some(item) = receiver.recv().await {
            match item {
                Parsed::Header {
                    format,
                    version,
                    schema,
                } => {
                    if format.as_deref() != Some(FORMAT) {
                        return Err(BackupError::NotABackup(format!(
                            "\"format\" is {format:?}, not \"{FORMAT}\""
                        )));
                    }
                    match version {
                        Some(VERSION) => {}
                        Some(other) => return Err(BackupError::UnsupportedVersion(other)),
                        None => return Err(BackupError::NotABackup("no \"version\"".into())),
                    }
                    let schema = schema.unwrap_or_default();
                    if !known.contains(&schema) {
                        return Err(BackupError::UnknownSchema(schema));
                    }
                    restored.schema = schema;
                }
                Parsed::Rows { table, first, rows } => {
                    if !TABLES.contains(&table.as_str()) {
                        return Err(BackupError::UnknownTable(table));
                    }
                    let count = rows.len() as u64;
                    per_table!(table.as_str(), insert_rows(&txn, &table, first, rows))?;
                    *inserted.entry(table).or_default() += count;
                }
                Parsed::RowCounts(counts) => declared = Some(counts),
            }
        }
        Ok(())
    }
    .await;
    // Dropping the receiver stops a parser still reading after an error.
    drop(receiver);
    let parsed = parser
        .await
        .map_err(|e| BackupError::Parse(e.to_string()))?;
    outcome?;
    parsed?;
    if restored.schema.is_empty() {
        return Err(BackupError::NotABackup(
            "no header before \"tables\"".into(),
        ));
    }
    if let Some(declared) = declared {
        for (table, expected) in declared {
            let found = inserted.get(&table).copied().unwrap_or(0);
            if found != expected {
                return Err(BackupError::CountMismatch {
                    table,
                    expected,
                    found,
                });
            }
        }
    }
    // The dashboard tallies are derived, so a backup leaves them out and a restore recounts them.
    crate::tallies::rebuild(&txn)
        .await
        .map_err(|e| BackupError::Parse(format!("recounting the dashboard figures: {e}")))?;
    // A backup made before the record history existed holds none: the records' first versions
    // are those they hold.
    crate::history::backfill(&txn)
        .await
        .map_err(|e| BackupError::Parse(format!("writing the first record versions: {e}")))?;
    if db.backend() == DatabaseBackend::Postgres {
        for table in TABLES {
            // The next id continues after the restored ones instead of colliding with them.
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 1), \
                 (SELECT MAX(id) FROM {table}) IS NOT NULL)"
            ))
            .await?;
        }
    }
    txn.commit().await?;
    db.refresh_statistics().await?;
    restored.counts = TABLES
        .iter()
        .map(|t| ((*t).to_owned(), inserted.get(*t).copied().unwrap_or(0)))
        .collect();
    Ok(restored)
}

async fn row_count<E>(conn: &sea_orm::DatabaseConnection) -> Result<u64, BackupError>
where
    E: EntityTrait,
    E::Model: Sync,
{
    Ok(E::find().count(conn).await?)
}

async fn insert_rows<E>(
    txn: &DatabaseTransaction,
    table: &str,
    first: usize,
    rows: Vec<serde_json::Value>,
) -> Result<(), BackupError>
where
    E: EntityTrait,
    E::Model: serde::de::DeserializeOwned + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let mut models = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        let model: E::Model = serde_json::from_value(row).map_err(|e| BackupError::BadRow {
            table: table.to_owned(),
            row: first + i + 1,
            message: e.to_string(),
        })?;
        // Every column, the id included, is written as the backup has it.
        models.push(model.into_active_model().reset_all());
    }
    if !models.is_empty() {
        E::insert_many(models).exec(txn).await?;
    }
    Ok(())
}

enum Parsed {
    Header {
        format: Option<String>,
        version: Option<u32>,
        schema: Option<String>,
    },
    Rows {
        table: String,
        /// How many rows of the table came before this batch.
        first: usize,
        rows: Vec<serde_json::Value>,
    },
    RowCounts(BTreeMap<String, u64>),
}

fn parse(input: Box<dyn Read + Send>, sender: mpsc::Sender<Parsed>) -> Result<(), BackupError> {
    let mut deserializer = serde_json::Deserializer::from_reader(std::io::BufReader::new(input));
    Document { sender: &sender }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|e| BackupError::Parse(e.to_string()))
}

fn stopped<E: de::Error>() -> E {
    E::custom("restore stopped")
}

struct Document<'a> {
    sender: &'a mpsc::Sender<Parsed>,
}

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Platina backup object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut format, mut version, mut schema) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => format = Some(map.next_value::<String>()?),
                "version" => version = Some(map.next_value::<u32>()?),
                "schema" => schema = Some(map.next_value::<String>()?),
                "tables" => {
                    let header = Parsed::Header {
                        format: format.take(),
                        version: version.take(),
                        schema: schema.take(),
                    };
                    self.sender.blocking_send(header).map_err(|_| stopped())?;
                    map.next_value_seed(Tables {
                        sender: self.sender,
                    })?;
                }
                "row_counts" => {
                    let counts = map.next_value::<BTreeMap<String, u64>>()?;
                    self.sender
                        .blocking_send(Parsed::RowCounts(counts))
                        .map_err(|_| stopped())?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Tables<'a> {
    sender: &'a mpsc::Sender<Parsed>,
}

impl<'de> DeserializeSeed<'de> for Tables<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Tables<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of tables")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(table) = map.next_key::<String>()? {
            map.next_value_seed(Rows {
                table,
                sender: self.sender,
            })?;
        }
        Ok(())
    }
}

struct Rows<'a> {
    table: String,
    sender: &'a mpsc::Sender<Parsed>,
}

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut first = 0;
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let row = seq.next_element::<serde_json::Value>()?;
            let done = row.is_none();
            batch.extend(row);
            if batch.len() == BATCH || (done && !batch.is_empty()) {
                let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                let count = rows.len();
                let parsed = Parsed::Rows {
                    table: self.table.clone(),
                    first,
                    rows,
                };
                self.sender.blocking_send(parsed).map_err(|_| stopped())?;
                first += count;
            }
            if done {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn name_of<E: EntityTrait>() -> Result<String, BackupError> {
        Ok(table_name::<E>())
    }

    #[tokio::test]
    async fn every_listed_table_reaches_the_entity_of_the_same_name() {
        for table in TABLES {
            let name = per_table!(table, name_of()).ok();
            assert_eq!(name.as_deref(), Some(table));
        }
    }
}
