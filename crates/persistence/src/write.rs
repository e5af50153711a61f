//! The one versioned, audited write path: in one write transaction, read the record, refuse a
//! stale version, apply the change, move the dashboard tallies the record feeds, and record the
//! audit event with the record before and after. The write is acknowledged only once committed.

use crate::StoreError;
use crate::audit::{self, AuditActor, AuditRecord};
use crate::tallies::{self, Contributions};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

/// A step of a write, run inside its transaction. Boxed and `Send` so that a write can run on
/// any task (imports run theirs in the background), which an `async` closure cannot promise yet.
pub(crate) type InTxn<'t, R> = Pin<Box<dyn Future<Output = Result<R, StoreError>> + Send + 't>>;

/// A record written under optimistic concurrency that shows itself in the audit trail.
pub(crate) trait Versioned {
    fn version(&self) -> i32;
    /// The record as the audit trail shows it before and after a change.
    fn snapshot(&self) -> serde_json::Value;
}

/// Records with a `version` field and an inherent `audit_view`.
macro_rules! versioned {
    ($($record:ty),* $(,)?) => {$(
        impl Versioned for $record {
            fn version(&self) -> i32 {
                self.version
            }
            fn snapshot(&self) -> serde_json::Value {
                self.audit_view()
            }
        }
    )*};
}

versioned!(
    crate::reforms::Reform,
    crate::policies::Policy,
    crate::policies::Issue,
    crate::policies::Milestone,
    crate::policies::Kpi,
    crate::ledger::DigitalSystem,
    crate::ledger::Target,
    crate::organization::Bureau,
    crate::organization::Section,
    crate::proposals::ProjectTeam,
    crate::proposals::Proposal,
);

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

    /// The version the caller read; a guarded UPDATE filters on it.
    pub fn expected_version(&self) -> i32 {
        self.expected_version
    }

    /// Fails with `Stale` unless the UPDATE guarded by the expected version touched exactly the
    /// one row: without a row lock, another writer may have moved the version since it was read.
    pub fn guarded(&self, rows_affected: u64) -> Result<(), StoreError> {
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
    let column = |name: &str| {
        <<A::Entity as EntityTrait>::Column as FromStr>::from_str(name)
            .map_err(|_| StoreError::Corrupt(format!("no column {name}")))
    };
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
    if change.tallied != Tallied::Nothing {
        let counted = change.tallied.contributions(&txn, change.id).await?;
        tallies::apply(&txn, counted_before, counted).await?;
    }
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

async fn record<T: Versioned>(
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
            before.map(Versioned::snapshot),
            after.map(Versioned::snapshot),
        ),
        now,
    )
    .await
}
