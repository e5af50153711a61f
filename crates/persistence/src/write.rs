//! The one audited write path: in one write transaction, create, change or delete a record,
//! refuse a stale version, move the dashboard tallies the record feeds, record the audit
//! event with the record before and after, and append the record's version to its history.
//! The write is acknowledged only once committed.

use crate::StoreError;
use crate::audit::{self, AuditActor, AuditRecord, AuditView};
use crate::history;
use crate::tallies::{self, Contributions};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, TransactionTrait,
};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

/// A step of a write, run inside its transaction. Boxed and `Send` so that a write can run on
/// any task (imports run theirs in the background), which an `async` closure cannot promise yet.
/// `E` is the step's error where it can fail in more ways than the store does.
pub(crate) type InTxn<'t, R, E = StoreError> =
    Pin<Box<dyn Future<Output = Result<R, E>> + Send + 't>>;

/// A record that shows itself in the audit trail.
pub(crate) trait Audited {
    /// The id the audit trail files the record under.
    fn audit_id(&self) -> i64;
    /// The record as the audit trail shows it before and after a change.
    fn snapshot(&self) -> serde_json::Value;
}

/// A record written under optimistic concurrency.
pub(crate) trait Versioned: Audited {
    fn version(&self) -> i32;
}

/// Records with an `id`, a `version` field and an `AuditView`.
macro_rules! versioned {
    ($($record:ty),* $(,)?) => {$(
        impl Audited for $record {
            fn audit_id(&self) -> i64 {
                self.id.into()
            }
            fn snapshot(&self) -> serde_json::Value {
                AuditView::audit_view(self)
            }
        }
        impl Versioned for $record {
            fn version(&self) -> i32 {
                self.version
            }
        }
    )*};
}

versioned!(
    domain::reform::Reform,
    domain::policy::Policy,
    domain::policy::Issue,
    domain::policy::Milestone,
    domain::policy::Kpi,
    domain::ledger::DigitalSystem,
    domain::ledger::Target,
    domain::organization::Bureau,
    domain::organization::Section,
    domain::proposal::ProjectTeam,
    domain::proposal::Proposal,
    crate::accounts::User,
    crate::webhooks::Endpoint,
);

impl Audited for domain::policy::ProgressNote {
    fn audit_id(&self) -> i64 {
        self.id
    }
    fn snapshot(&self) -> serde_json::Value {
        self.audit_view()
    }
}

/// The dashboard tallies a record contributes to, moved in the same transaction as the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tallied {
    Nothing,
    Reform,
    Proposal,
}

impl Tallied {
    async fn contributions(
        self,
        txn: &DatabaseTransaction,
        id: i64,
    ) -> Result<Contributions, StoreError> {
        match self {
            Tallied::Nothing => Ok(Contributions::default()),
            Tallied::Reform => tallies::reform_contributions(txn, &[id]).await,
            Tallied::Proposal => tallies::proposal_contributions(txn, &[id]).await,
        }
    }

    /// Moves the tallies from what record #`id` counted before the change to what it counts now.
    async fn recount(
        self,
        txn: &DatabaseTransaction,
        id: i64,
        counted_before: Contributions,
    ) -> Result<(), StoreError> {
        if self != Tallied::Nothing {
            let counted = self.contributions(txn, id).await?;
            tallies::apply(txn, counted_before, counted).await?;
        }
        Ok(())
    }
}

/// One change to record `entity_type` #`id`, asked for by `actor` against the version they read.
pub(crate) struct Change<'a> {
    /// The audit action, e.g. `reform.update`.
    pub action: &'static str,
    pub entity_type: &'static str,
    pub id: i64,
    pub expected_version: i32,
    pub actor: &'a AuditActor,
    pub tallied: Tallied,
}

impl<'a> Change<'a> {
    /// A change to a record that feeds no tallies.
    pub fn new(
        action: &'static str,
        entity_type: &'static str,
        id: i64,
        expected_version: i32,
        actor: &'a AuditActor,
    ) -> Self {
        Change {
            action,
            entity_type,
            id,
            expected_version,
            actor,
            tallied: Tallied::Nothing,
        }
    }

    pub fn tallied(self, tallied: Tallied) -> Self {
        Change { tallied, ..self }
    }
}

/// What the change's own step knows: when it happens and which version it writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub now: DateTime<Utc>,
    expected_version: i32,
    current_version: i32,
}

impl Step {
    /// The version the record holds after this change.
    pub fn next_version(&self) -> i32 {
        self.expected_version + 1
    }

    /// Fails with `Stale` unless the UPDATE guarded by the expected version touched exactly the
    /// one row: without a row lock, another writer may have moved the version since it was read.
    fn guarded(&self, rows_affected: u64) -> Result<(), StoreError> {
        if rows_affected == 1 {
            Ok(())
        } else {
            Err(stale(self.expected_version, self.current_version))
        }
    }
}

/// Writes `row` over record #`id` if it is still at the version the step expects, moving its
/// `version` and `updated_at` on; fails with `Stale` when another writer got there first, and
/// with `Duplicate` when the row would break a unique key.
pub(crate) async fn replace_row<A>(
    txn: &DatabaseTransaction,
    step: Step,
    id: i64,
    mut row: A,
) -> Result<(), StoreError>
where
    A: ActiveModelTrait + Send,
{
    let column = column::<A::Entity>;
    row.set(column("version")?, step.next_version().into());
    row.set(column("updated_at")?, step.now.into());
    let result = <A::Entity as EntityTrait>::update_many()
        .set(row)
        .filter(column("id")?.eq(id))
        .filter(column("version")?.eq(step.expected_version))
        .exec(txn)
        .await
        .map_err(StoreError::from_write)?;
    step.guarded(result.rows_affected)
}

/// Replaces the written fields of record #`id` with `row` if it is still at the version the
/// change expects: an update that checks nothing else and writes one row.
pub(crate) async fn replace<Db, T, A>(
    db: &Db,
    change: Change<'_>,
    find: impl for<'t> Fn(&'t DatabaseTransaction) -> InTxn<'t, Option<T>> + Send,
    row: A,
) -> Result<T, StoreError>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Versioned + Send + Sync,
    A: ActiveModelTrait + Send + 'static,
{
    let id = change.id;
    update(
        db,
        change,
        find,
        |_, _| Box::pin(async { Ok(()) }),
        move |txn, _, step| Box::pin(replace_row(txn, step, id, row)),
    )
    .await
}

fn stale(expected: i32, current: i32) -> StoreError {
    StoreError::Stale { expected, current }
}

/// Updates a versioned record. `find` reads it (taking the row lock where the entity has one;
/// it is called again for the record as it is after); `check` refuses the request before the
/// version is compared (the checks that answered first so far); `apply` writes the change,
/// guarding its UPDATE with [`Step::guarded`].
pub(crate) async fn update<Db, T>(
    db: &Db,
    change: Change<'_>,
    find: impl for<'t> Fn(&'t DatabaseTransaction) -> InTxn<'t, Option<T>> + Send,
    check: impl for<'t> FnOnce(&'t DatabaseTransaction, &'t T) -> InTxn<'t, ()> + Send,
    apply: impl for<'t> FnOnce(&'t DatabaseTransaction, &'t T, Step) -> InTxn<'t, ()> + Send,
) -> Result<T, StoreError>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Versioned + Send + Sync,
{
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let before = find(&txn).await?.ok_or(StoreError::NotFound)?;
    check(&txn, &before).await?;
    let step = expect_version(&change, &before, now)?;
    let counted_before = change.tallied.contributions(&txn, change.id).await?;
    apply(&txn, &before, step).await?;
    change
        .tallied
        .recount(&txn, change.id, counted_before)
        .await?;
    let after = find(&txn).await?.ok_or(StoreError::NotFound)?;
    record(&txn, &change, Some(&before), Some(&after), now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Deletes a versioned record: `find` reads it, `apply` removes it and what hangs on it.
pub(crate) async fn delete<Db, T>(
    db: &Db,
    change: Change<'_>,
    find: impl for<'t> FnOnce(&'t DatabaseTransaction) -> InTxn<'t, Option<T>> + Send,
    apply: impl for<'t> FnOnce(&'t DatabaseTransaction, &'t T, Step) -> InTxn<'t, ()> + Send,
) -> Result<(), StoreError>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Versioned + Send + Sync,
{
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let before = find(&txn).await?.ok_or(StoreError::NotFound)?;
    let step = expect_version(&change, &before, now)?;
    let counted_before = change.tallied.contributions(&txn, change.id).await?;
    apply(&txn, &before, step).await?;
    if change.tallied != Tallied::Nothing {
        tallies::apply(&txn, counted_before, Contributions::default()).await?;
    }
    record(&txn, &change, Some(&before), None, now).await?;
    txn.commit().await?;
    Ok(())
}

/// What a write that names no version does, asked for by `actor`: an audit action such as
/// `reform.create`, the kind of record the event is filed under, and the tallies it moves.
pub(crate) struct Write<'a> {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub actor: &'a AuditActor,
    pub tallied: Tallied,
}

impl<'a> Write<'a> {
    /// A write to records that feed no tallies.
    pub fn new(action: &'static str, entity_type: &'static str, actor: &'a AuditActor) -> Self {
        Write {
            action,
            entity_type,
            actor,
            tallied: Tallied::Nothing,
        }
    }

    pub fn tallied(self, tallied: Tallied) -> Self {
        Write { tallied, ..self }
    }

    fn change(&self, id: i64) -> Change<'a> {
        Change {
            action: self.action,
            entity_type: self.entity_type,
            id,
            expected_version: 0,
            actor: self.actor,
            tallied: self.tallied,
        }
    }
}

/// Creates a record: `insert` checks what the record refers to, writes it with what hangs on it
/// and reads it back; the tallies it feeds move from nothing, and the audit event shows it after.
/// When `db` is itself a transaction (an import writing its rows), the record is written in it.
pub(crate) async fn create<Db, T>(
    db: &Db,
    write: Write<'_>,
    insert: impl for<'t> FnOnce(&'t DatabaseTransaction, DateTime<Utc>) -> InTxn<'t, T> + Send,
) -> Result<T, StoreError>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Audited + Send + Sync,
{
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let created = insert(&txn, now).await?;
    let change = write.change(created.audit_id());
    change
        .tallied
        .recount(&txn, change.id, Contributions::default())
        .await?;
    record(&txn, &change, None, Some(&created), now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Files the creation of records already inserted in `txn` (a batch of an import) the way
/// [`create`] files one: what the records add to the tallies is counted once for the whole
/// batch and added to `pending` (the caller applies it, once per import, with
/// [`tallies::apply`]), and one audit event per record shows it after, in multi-row inserts.
pub(crate) async fn created_many<T: Audited>(
    txn: &DatabaseTransaction,
    write: Write<'_>,
    created: &[T],
    now: DateTime<Utc>,
    pending: &mut Contributions,
) -> Result<(), StoreError> {
    let ids: Vec<i64> = created.iter().map(Audited::audit_id).collect();
    let counted = match write.tallied {
        Tallied::Nothing => None,
        Tallied::Reform => Some(tallies::reform_contributions(txn, &ids).await?),
        Tallied::Proposal => Some(tallies::proposal_contributions(txn, &ids).await?),
    };
    if let Some(counted) = counted {
        pending.add(counted);
    }
    if let Some(kind) = history::Kind::of_entity_type(write.entity_type) {
        history::capture(txn, kind, &ids, now).await?;
    }
    let events = created
        .iter()
        .map(|record| {
            AuditRecord::of(
                write.action,
                write.entity_type,
                record.audit_id(),
                None,
                Some(record.snapshot()),
            )
        })
        .collect();
    audit::record_many(txn, write.actor, events, now).await
}

/// Adds a part that the audit trail files under record #`record_id` with no before (a
/// consultation under its proposal): `check` takes the record's row lock and fails when there is
/// no record, before its tallies are counted; `insert` writes the part. The record's tallies move
/// from what they were, and the audit event shows the part after.
pub(crate) async fn add_part<Db, T>(
    db: &Db,
    write: Write<'_>,
    record_id: i64,
    check: impl for<'t> FnOnce(&'t DatabaseTransaction) -> InTxn<'t, ()> + Send,
    insert: impl for<'t> FnOnce(&'t DatabaseTransaction, DateTime<Utc>) -> InTxn<'t, T> + Send,
) -> Result<T, StoreError>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Audited + Send + Sync,
{
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    check(&txn).await?;
    let change = write.change(record_id);
    let counted_before = change.tallied.contributions(&txn, record_id).await?;
    let added = insert(&txn, now).await?;
    change
        .tallied
        .recount(&txn, record_id, counted_before)
        .await?;
    // A part (a consultation) is not in its record's versioned snapshot: the record's history
    // would gain a version identical to the last one, so only the audit event is written.
    audit_event(&txn, &change, None, Some(&added), now).await?;
    txn.commit().await?;
    Ok(added)
}

/// Inserts the first version of a versioned record, stamped `now`; fails with `Duplicate` when
/// the row would break a unique key.
pub(crate) async fn insert_row<A>(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    mut row: A,
) -> Result<<A::Entity as EntityTrait>::Model, StoreError>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    row.set(column::<A::Entity>("version")?, 1.into());
    row.set(column::<A::Entity>("created_at")?, now.into());
    row.set(column::<A::Entity>("updated_at")?, now.into());
    row.insert(txn).await.map_err(StoreError::from_write)
}

/// Deletes a record written without versions (a progress note, a link): `find` reads it,
/// `apply` removes it.
pub(crate) async fn remove<Db, T>(
    db: &Db,
    write: Write<'_>,
    find: impl for<'t> FnOnce(&'t DatabaseTransaction) -> InTxn<'t, Option<T>> + Send,
    apply: impl for<'t> FnOnce(&'t DatabaseTransaction, &'t T) -> InTxn<'t, ()> + Send,
) -> Result<(), StoreError>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Audited + Send + Sync,
{
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let before = find(&txn).await?.ok_or(StoreError::NotFound)?;
    apply(&txn, &before).await?;
    record(
        &txn,
        &write.change(before.audit_id()),
        Some(&before),
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Which id an amendment's audit event is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FiledUnder {
    /// The record whose parts changed (`proposal.assign` under the proposal).
    Record,
    /// The part the change touched (`kpi_actual.create` under the new measured value).
    Part,
}

/// Changes the parts of a record that are added and removed but never overwritten (a KPI's
/// measured values, a target's measurements, a proposal's sections and their stages), so the
/// caller names no version; the record's version still moves on. `find` reads the record (taking
/// its row lock where it has one; it is called again for the record after); `apply` changes the
/// parts and answers the id of the part it touched. The audit event shows the record before and
/// after and is filed under `filed_under`. Answers the record after and the part's id.
pub(crate) async fn amend<Db, T>(
    db: &Db,
    write: Write<'_>,
    filed_under: FiledUnder,
    find: impl for<'t> Fn(&'t DatabaseTransaction) -> InTxn<'t, Option<T>> + Send,
    apply: impl for<'t> FnOnce(&'t DatabaseTransaction, &'t T, DateTime<Utc>) -> InTxn<'t, i64> + Send,
) -> Result<(T, i64), StoreError>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Audited + Send + Sync,
{
    amend_or(db, write, filed_under, find, apply).await
}

/// [`amend`] for a step that can be refused for reasons of its own (`E`), such as a stage
/// transition the rules do not allow.
pub(crate) async fn amend_or<Db, T, E>(
    db: &Db,
    write: Write<'_>,
    filed_under: FiledUnder,
    find: impl for<'t> Fn(&'t DatabaseTransaction) -> InTxn<'t, Option<T>> + Send,
    apply: impl for<'t> FnOnce(&'t DatabaseTransaction, &'t T, DateTime<Utc>) -> InTxn<'t, i64, E>
    + Send,
) -> Result<(T, i64), E>
where
    Db: TransactionTrait<Transaction = DatabaseTransaction>,
    T: Audited + Send + Sync,
    E: From<StoreError> + From<sea_orm::DbErr>,
{
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let before = find(&txn).await?.ok_or(StoreError::NotFound)?;
    let record_id = before.audit_id();
    let counted_before = write.tallied.contributions(&txn, record_id).await?;
    let part_id = apply(&txn, &before, now).await?;
    write
        .tallied
        .recount(&txn, record_id, counted_before)
        .await?;
    let after = find(&txn).await?.ok_or(StoreError::NotFound)?;
    let filed_id = match filed_under {
        FiledUnder::Record => record_id,
        FiledUnder::Part => part_id,
    };
    record(
        &txn,
        &write.change(filed_id),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((after, part_id))
}

/// Moves the version and `updated_at` of record #`id` on, for a change to its parts.
pub(crate) async fn move_on<E: EntityTrait>(
    txn: &DatabaseTransaction,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let version = column::<E>("version")?;
    E::update_many()
        .col_expr(version, Expr::col(version).add(1))
        .col_expr(column::<E>("updated_at")?, Expr::value(now))
        .filter(column::<E>("id")?.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

fn column<E: EntityTrait>(name: &str) -> Result<E::Column, StoreError> {
    <E::Column as FromStr>::from_str(name)
        .map_err(|_| StoreError::Corrupt(format!("no column {name}")))
}

fn expect_version<T: Versioned>(
    change: &Change<'_>,
    before: &T,
    now: DateTime<Utc>,
) -> Result<Step, StoreError> {
    if before.version() != change.expected_version {
        return Err(stale(change.expected_version, before.version()));
    }
    Ok(Step {
        now,
        expected_version: change.expected_version,
        current_version: before.version(),
    })
}

/// Files the change in the audit trail and, for a record that keeps versions, appends its
/// version as it stands after the change (its deletion when it is gone).
async fn record<T: Audited>(
    txn: &DatabaseTransaction,
    change: &Change<'_>,
    before: Option<&T>,
    after: Option<&T>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(kind) = history::Kind::of_entity_type(change.entity_type) {
        history::capture(txn, kind, &[change.id], now).await?;
    }
    audit_event(txn, change, before, after, now).await
}

/// The audit event of `change` alone, for a write that leaves its record's versioned snapshot as
/// it was (and so adds no version to its history).
async fn audit_event<T: Audited>(
    txn: &DatabaseTransaction,
    change: &Change<'_>,
    before: Option<&T>,
    after: Option<&T>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    audit::record(
        txn,
        change.actor,
        AuditRecord::of(
            change.action,
            change.entity_type,
            change.id,
            before.map(Audited::snapshot),
            after.map(Audited::snapshot),
        ),
        now,
    )
    .await
}
