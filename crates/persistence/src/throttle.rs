//! Counting failed sign-ins per account and per client address, in the database so that every
//! instance behind a load balancer throttles alike.

use crate::StoreError;
use crate::entities::login_throttle;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: i32,
    pub window: Duration,
    pub block: Duration,
}

/// When the key is paused, until when.
pub async fn blocked_until<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = login_throttle::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?;
    Ok(row
        .and_then(|r| r.blocked_until)
        .filter(|until| *until > now))
}

/// Counts one failure; returns the pause it starts, if this failure crossed the limit.
pub async fn record_failure<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    policy: ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    // Make sure a row exists without racing another instance inserting the same key.
    login_throttle::Entity::insert(login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        window_started_at: Set(now),
        blocked_until: Set(None),
    })
    .on_conflict_do_nothing_on([login_throttle::Column::Key])
    .exec(conn)
    .await?;
    let row = login_throttle::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let window_over = row.window_started_at + policy.window <= now;
    let failures = if window_over { 1 } else { row.failures + 1 };
    let window_started_at = if window_over {
        now
    } else {
        row.window_started_at
    };
    let blocked_until = (failures >= policy.max_failures).then(|| now + policy.block);
    let mut active = row.into_active_model();
    active.failures = Set(if blocked_until.is_some() { 0 } else { failures });
    active.window_started_at = Set(if blocked_until.is_some() {
        now
    } else {
        window_started_at
    });
    active.blocked_until = Set(blocked_until);
    active.update(conn).await?;
    Ok(blocked_until)
}

/// A successful sign-in clears the account's count.
pub async fn clear<C: ConnectionTrait>(conn: &C, key: &str) -> Result<(), StoreError> {
    login_throttle::Entity::delete_by_id(key.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}
