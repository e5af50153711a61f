//! The e-mail jobs: `mail.send` mails one notification at once; `mail.digest` runs at the top of
//! every hour (Asia/Tokyo) and queues a `mail.digest_user` job for each user whose digest hour it
//! is, which mails them their waiting notifications grouped by record.
//!
//! A mail is handed to the SMTP server before the transaction that records it (`sent_mail`),
//! marks its notifications e-mailed and ends the job commits: a worker killed in between sends
//! the mail again when the job is taken up (at least once, never lost). Each mail carries a
//! Message-ID made of its notification, so such a repeat is recognisable.

use super::{JobError, JobHandler, JobResult, RunningJob, recurring};
use crate::mail::{Delivery, Mailer, Outgoing, SendFailure, compose};
use chrono::{DurationRound, Timelike};
use persistence::mail::{self as store, NewSentMail, kind, transport};
use serde::Deserialize;

pub use persistence::mail::{DIGEST_JOB, DIGEST_USER_JOB, SEND_JOB};

/// Mails one notification to its user.
pub struct SendNotification {
    pub mailer: Mailer,
}

#[derive(Debug, Deserialize)]
struct SendInput {
    notification_id: i64,
}

#[async_trait::async_trait]
impl JobHandler for SendNotification {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: SendInput = job.input()?;
        let found =
            store::notification_with_event_and_user(&job.db.conn, input.notification_id).await?;
        // Gone (the user or the event was deleted), mailed already, not wanted at once (the
        // digest mails it, or the user wants no mail), or nobody to mail: done.
        let Some((notification, event, user)) = found else {
            return Ok(());
        };
        if notification.emailed_at.is_some()
            || notification.email_mode != store::email_mode::IMMEDIATE
            || user.disabled
            || user.email.trim().is_empty()
        {
            return Ok(());
        }
        let mail = compose::immediate(&self.mailer, &user, &notification, &event);
        deliver(
            &self.mailer,
            job,
            mail,
            Some(user.id),
            kind::IMMEDIATE,
            vec![notification.id],
        )
        .await
    }
}

/// Sends `mail`, then records it and marks `notification_ids` e-mailed in the transaction that
/// ends `job`. A permanent refusal is recorded too (with its reason), and ends the job as given up.
async fn deliver(
    mailer: &Mailer,
    job: &RunningJob,
    mail: Outgoing,
    user_id: Option<i64>,
    mail_kind: &'static str,
    notification_ids: Vec<i64>,
) -> JobResult {
    let sent = mailer.send(&mail).await;
    let (used_transport, smtp_reply, error) = match &sent {
        Ok(Delivery::Smtp { reply }) => (transport::SMTP, Some(reply.clone()), None),
        Ok(Delivery::Recorded) => (transport::RECORDED, None, None),
        Err(SendFailure::Transient(reason)) => return Err(JobError::Retry(reason.clone())),
        Err(SendFailure::Permanent(reason)) => (transport::SMTP, None, Some(reason.clone())),
    };
    let now = persistence::clock::now();
    let txn = job.begin_write().await?;
    store::record_sent(
        &txn,
        NewSentMail {
            to_address: mail.to_address,
            user_id,
            subject: mail.subject,
            body: mail.body,
            kind: mail_kind,
            notification_ids: notification_ids.clone(),
            transport: used_transport,
            message_id: mail.message_id,
            smtp_reply,
            error: error.clone(),
        },
        now,
    )
    .await?;
    if let Some(reason) = error {
        txn.commit().await.map_err(JobError::retry)?;
        return Err(JobError::GiveUp(reason));
    }
    store::mark_emailed(&txn, &notification_ids, now).await?;
    job.succeed_in(&txn).await?;
    txn.commit().await.map_err(JobError::retry)?;
    Ok(())
}

/// Every hour on the hour: queues the digest of each user whose digest hour it now is in Tokyo,
/// and the next run.
pub struct QueueDigests;

#[async_trait::async_trait]
impl JobHandler for QueueDigests {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let now = persistence::clock::now();
        let tokyo = now.naive_utc() + chrono::Duration::hours(9);
        let hour = i16::try_from(tokyo.hour()).unwrap_or_default();
        let slot = tokyo.format("%Y-%m-%dT%H").to_string();
        let txn = job.begin_write().await?;
        let due = store::digest_recipients_at(&txn, hour).await?;
        for user_id in &due {
            store::enqueue_digest(&txn, *user_id, &slot).await?;
        }
        recurring::queue_run(&txn, DIGEST_JOB, next_hour(now)).await?;
        job.succeed_in(&txn).await?;
        txn.commit().await.map_err(JobError::retry)?;
        if !due.is_empty() {
            tracing::info!(users = due.len(), hour, "daily digests queued");
        }
        Ok(())
    }
}

/// The next top of an hour after `now` (Tokyo's hours begin when UTC's do).
pub fn next_hour(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let this_hour = now
        .duration_trunc(chrono::Duration::hours(1))
        .unwrap_or(now);
    this_hour + chrono::Duration::hours(1)
}

/// Mails one user the digest of their notifications waiting for it.
pub struct SendDigest {
    pub mailer: Mailer,
}

#[derive(Debug, Deserialize)]
struct DigestInput {
    user_id: i64,
}

#[async_trait::async_trait]
impl JobHandler for SendDigest {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: DigestInput = job.input()?;
        let Some(user) = store::recipient(&job.db.conn, input.user_id).await? else {
            return Ok(());
        };
        if user.disabled || user.email.trim().is_empty() {
            return Ok(());
        }
        let waiting = store::waiting_for_digest(&job.db.conn, user.id).await?;
        if waiting.is_empty() {
            return Ok(());
        }
        let mail = compose::digest(&self.mailer, &user, &waiting, persistence::clock::now());
        let ids = waiting.iter().map(|(n, _)| n.id).collect();
        deliver(&self.mailer, job, mail, Some(user.id), kind::DIGEST, ids).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_next_digest_run_is_at_the_top_of_the_next_hour() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 23, 0, 0).single();
        let mid = chrono::Utc
            .with_ymd_and_hms(2026, 12, 6, 22, 59, 59)
            .single();
        assert_eq!(mid.map(next_hour), at);
        let next = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).single();
        assert_eq!(at.map(next_hour), next);
    }
}
