//! Outgoing e-mail as jobs: [`enqueue_send`] is how a notification that its user wants by e-mail
//! at once becomes a `mail.send` job, in the transaction that wrote the notification, so a
//! notification is mailed once and only if it was committed. Also the record of what was sent
//! (`sent_mail`), and the queries of the daily digest: who is due at an hour, and what waits for
//! them.

use crate::entities::{event, notification, notification_setting, sent_mail, user};
use crate::jobs::{self, NewJob};
use crate::{Page, PageRequest, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The job that sends one notification to its user by e-mail.
pub const SEND_JOB: &str = "mail.send";

/// Queues the e-mail of notification `notification_id`; queueing it twice adds nothing.
pub async fn enqueue_send<C: ConnectionTrait>(
    conn: &C,
    notification_id: i64,
) -> Result<(), StoreError> {
    let job = NewJob::new(
        SEND_JOB,
        serde_json::json!({ "notification_id": notification_id }),
    )
    .dedupe(format!("{SEND_JOB}:{notification_id}"));
    jobs::enqueue(conn, job).await?;
    Ok(())
}

/// The hourly job that queues the daily digest of each user whose digest hour it is.
pub const DIGEST_JOB: &str = "mail.digest";
/// The job that sends one user their digest of the notifications not yet e-mailed.
pub const DIGEST_USER_JOB: &str = "mail.digest_user";
/// The digest hour (Asia/Tokyo) of a user who has not chosen one.
pub const DEFAULT_DIGEST_HOUR: i16 = 8;

/// The values of `sent_mail.kind` and `sent_mail.transport`.
pub mod kind {
    pub const IMMEDIATE: &str = "immediate";
    pub const DIGEST: &str = "digest";
}
pub mod transport {
    pub const SMTP: &str = "smtp";
    pub const RECORDED: &str = "recorded";
}

/// The e-mail modes of a notification (`notifications.email_mode`).
pub mod email_mode {
    pub const NONE: &str = "none";
    pub const IMMEDIATE: &str = "immediate";
    pub const DIGEST: &str = "digest";
}

pub use crate::entities::sent_mail::Model as SentMail;

/// A mail to record in `sent_mail`.
#[derive(Debug, Clone)]
pub struct NewSentMail {
    pub to_address: String,
    pub user_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub kind: &'static str,
    pub notification_ids: Vec<i64>,
    pub transport: &'static str,
    pub message_id: String,
    pub smtp_reply: Option<String>,
    pub error: Option<String>,
}

/// Records `mail` as sent at `now`; pass the transaction that also marks its notifications.
pub async fn record_sent<C: ConnectionTrait>(
    conn: &C,
    mail: NewSentMail,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let ids = serde_json::to_string(&mail.notification_ids)
        .map_err(|e| StoreError::Corrupt(format!("notification ids: {e}")))?;
    let row = sent_mail::ActiveModel {
        to_address: Set(mail.to_address),
        user_id: Set(mail.user_id),
        subject: Set(mail.subject),
        body: Set(mail.body),
        kind: Set(mail.kind.to_owned()),
        notification_ids: Set(ids),
        transport: Set(mail.transport.to_owned()),
        message_id: Set(mail.message_id),
        sent_at: Set(now),
        smtp_reply: Set(mail.smtp_reply),
        error: Set(mail.error),
        ..Default::default()
    };
    Ok(sent_mail::Entity::insert(row)
        .exec(conn)
        .await?
        .last_insert_id)
}

/// Marks the notifications `ids` e-mailed at `now`, those not marked already; returns how many.
pub async fn mark_emailed<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::EmailedAt, Expr::value(Some(now)))
        .filter(notification::Column::Id.is_in(ids.iter().copied()))
        .filter(notification::Column::EmailedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Sent and recorded mail, newest first.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    page: PageRequest,
) -> Result<Page<SentMail>, StoreError> {
    let query = sent_mail::Entity::find();
    let total = query.clone().count(conn).await?;
    let items = query
        .order_by_desc(sent_mail::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<SentMail>, StoreError> {
    Ok(sent_mail::Entity::find_by_id(id).one(conn).await?)
}

/// The notification ids a recorded mail told of.
pub fn notification_ids_of(mail: &SentMail) -> Vec<i64> {
    serde_json::from_str(&mail.notification_ids).unwrap_or_default()
}

/// The users who have notifications waiting for their digest and whose digest hour is `hour`.
pub async fn digest_recipients_at<C: ConnectionTrait>(
    conn: &C,
    hour: i16,
) -> Result<Vec<i64>, StoreError> {
    let waiting: Vec<i64> = notification::Entity::find()
        .select_only()
        .column(notification::Column::UserId)
        .filter(notification::Column::EmailMode.eq(email_mode::DIGEST))
        .filter(notification::Column::EmailedAt.is_null())
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let chosen: Vec<(i64, i16)> = notification_setting::Entity::find()
        .select_only()
        .column(notification_setting::Column::UserId)
        .column(notification_setting::Column::DigestHour)
        .filter(notification_setting::Column::UserId.is_in(waiting.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut due: Vec<i64> = waiting
        .into_iter()
        .filter(|user| {
            let their_hour = chosen
                .iter()
                .find(|(u, _)| u == user)
                .map_or(DEFAULT_DIGEST_HOUR, |(_, h)| *h);
            their_hour == hour
        })
        .collect();
    due.sort_unstable();
    Ok(due)
}

/// Queues the digest of `user_id` for the hour `slot` (e.g. `2026-12-07T08`), once per slot.
pub async fn enqueue_digest<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    slot: &str,
) -> Result<(), StoreError> {
    let job = NewJob::new(DIGEST_USER_JOB, serde_json::json!({ "user_id": user_id }))
        .dedupe(format!("{DIGEST_USER_JOB}:{user_id}@{slot}"));
    jobs::enqueue(conn, job).await?;
    Ok(())
}

/// A user's notifications waiting for their digest, oldest first, each with its event.
pub async fn waiting_for_digest<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> Result<Vec<(notification::Model, event::Model)>, StoreError> {
    let waiting = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::EmailMode.eq(email_mode::DIGEST))
        .filter(notification::Column::EmailedAt.is_null())
        .order_by_asc(notification::Column::Id)
        .all(conn)
        .await?;
    let events = event::Entity::find()
        .filter(event::Column::Id.is_in(waiting.iter().map(|n| n.event_id)))
        .all(conn)
        .await?;
    Ok(waiting
        .into_iter()
        .filter_map(|n| {
            let event = events.iter().find(|e| e.id == n.event_id)?.clone();
            Some((n, event))
        })
        .collect())
}

/// Notification `id` with its event and its user, if all three still exist.
pub async fn notification_with_event_and_user<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<(notification::Model, event::Model, user::Model)>, StoreError> {
    let Some(notification) = notification::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let Some(event) = event::Entity::find_by_id(notification.event_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = user::Entity::find_by_id(notification.user_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((notification, event, user)))
}

/// The account a digest goes to.
pub async fn recipient<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find_by_id(user_id).one(conn).await?)
}
