//! Outgoing e-mail as jobs: [`enqueue_send`] is how a notification that its user wants by e-mail
//! at once becomes a `mail.send` job, in the transaction that wrote the notification, so a
//! notification is mailed once and only if it was committed.

use crate::StoreError;
use crate::jobs::{self, NewJob};
use sea_orm::ConnectionTrait;

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
