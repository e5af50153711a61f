//! Domain events: what happened to which record, written by [`record`] in the transaction of the
//! change itself, together with the job that tells people and systems about it. A committed change
//! always has its event and its jobs; a rolled-back one has neither.
//!
//! Each event carries the record's owner as `domain::access` sees it, so that who hears of an
//! event is decided by the same rule as who may read the record.

use crate::StoreError;
use crate::entities::{event, notification};
use crate::jobs::{self, NewJob};
use chrono::{DateTime, Utc};
use domain::Owner;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, EntityTrait};

pub use event::Model as Event;
pub use notification::Model as Notification;

/// The job that decides who hears of an event, writes their notifications and queues its
/// deliveries to the webhook endpoints that asked for its kind.
pub const FAN_OUT_JOB: &str = "event.fan_out";
/// The job that queued one event's webhook deliveries before `event.fan_out` took that over;
/// still run for jobs a database queued before then.
pub const WEBHOOK_FAN_OUT_JOB: &str = "webhook.fan_out";

/// Something that happened to one record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// e.g. `proposal.assigned`; see the kinds in `domain::event` when they are listed there.
    pub kind: &'static str,
    pub actor_user_id: Option<i64>,
    /// The record's kind (`proposal`, `milestone`, …) and id.
    pub record_kind: &'static str,
    pub record_id: i64,
    /// Who owns the record, for deciding who may hear of it.
    pub owner: Owner,
    /// One line in Japanese, as a notification's headline.
    pub title: String,
    /// The SPA path of the record, e.g. `/proposals/12`.
    pub link: String,
    /// What changed, for webhook receivers.
    pub data: serde_json::Value,
}

/// Writes `event` and its fan-out job on `conn`, which should be the change's own transaction.
/// One job per event, not one per channel: every extra row here is paid by every write.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    event: NewEvent,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let owner = serde_json::to_string(&event.owner)
        .map_err(|e| StoreError::Corrupt(format!("event owner: {e}")))?;
    let title: String = event.title.chars().take(400).collect();
    let row = event::ActiveModel {
        kind: Set(event.kind.to_owned()),
        occurred_at: Set(now),
        actor_user_id: Set(event.actor_user_id),
        record_kind: Set(event.record_kind.to_owned()),
        record_id: Set(event.record_id),
        owner: Set(owner),
        title: Set(title),
        link: Set(event.link),
        data: Set(event.data.to_string()),
        ..Default::default()
    };
    let id = event::Entity::insert(row).exec(conn).await?.last_insert_id;
    let payload = serde_json::json!({ "event_id": id });
    jobs::enqueue(conn, NewJob::new(FAN_OUT_JOB, payload)).await?;
    Ok(id)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Event>, StoreError> {
    Ok(event::Entity::find_by_id(id).one(conn).await?)
}

/// The owner stored with `event`.
pub fn owner_of(event: &Event) -> Result<Owner, StoreError> {
    serde_json::from_str(&event.owner)
        .map_err(|e| StoreError::Corrupt(format!("owner of event {}: {e}", event.id)))
}
