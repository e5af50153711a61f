//! The webhook jobs. An event's fan-out (`event.fan_out`, or `webhook.fan_out` for jobs queued
//! before that took it over) queues one `webhook.deliver` per enabled endpoint that wants the
//! event's kind ([`queue_deliveries`]); `webhook.deliver` POSTs the event, signed,
//! to that endpoint's registered URL and logs the attempt. A 2xx answer ends the job; anything
//! else is retried with the runner's backoff, under the same `webhook-id`, until the endpoint
//! has failed for longer than `[webhooks] disable_after_seconds`, when it is disabled and a
//! `webhook.disabled` event tells the office.

use super::WebhookSettings;
use super::signing;
use crate::jobs::{JobError, JobHandler, JobResult, RunningJob};
use chrono::{DateTime, Utc};
use persistence::events::{self, Event, NewEvent};
use persistence::jobs::{self, NewJob};
use persistence::webhooks::{self, DELIVER_JOB, Endpoint, NewDelivery, PING_TYPE};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What a `webhook.deliver` job carries: the endpoint, and the event or, for a test, the ping's
/// message id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverInput {
    pub endpoint_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<i64>,
    /// The `webhook-id` of a test ping (an event's is derived from the event and endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_id: Option<String>,
}

/// The `webhook-id` of event #`event_id` to endpoint #`endpoint_id`: the same for every attempt
/// and every redelivery, so receivers can drop what they already handled.
pub fn message_id(event_id: i64, endpoint_id: i64) -> String {
    format!("msg_{event_id}_{endpoint_id}")
}

/// A new test ping's `webhook-id`.
pub fn new_ping_id() -> String {
    let nonce = crate::auth::passwords::random_token(12).unwrap_or_else(|_| {
        persistence::clock::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_string()
    });
    format!("msg_ping_{nonce}")
}

/// The job that delivers event #`event_id` to endpoint #`endpoint_id` with `attempts` attempts.
pub fn deliver_job(event_id: i64, endpoint_id: i64, attempts: i32) -> NewJob {
    let input = DeliverInput {
        endpoint_id,
        event_id: Some(event_id),
        ping_id: None,
    };
    NewJob::new(DELIVER_JOB, json!(input))
        .attempts(attempts)
        .dedupe(format!("{DELIVER_JOB}:{event_id}:{endpoint_id}"))
}

/// The job that sends a test ping with `ping_id` to endpoint #`endpoint_id`, once.
pub fn ping_job(endpoint_id: i64, ping_id: &str) -> NewJob {
    let input = DeliverInput {
        endpoint_id,
        event_id: None,
        ping_id: Some(ping_id.to_owned()),
    };
    NewJob::new(DELIVER_JOB, json!(input))
        .attempts(1)
        .dedupe(format!("{DELIVER_JOB}:{ping_id}"))
}

/// The body receivers get for an event: `type`, `timestamp` and `data` as the Standard Webhooks
/// specification suggests, `data` naming the record and carrying what changed. `link` is the
/// record's path in the web app and `url` the same under `base_url` (`[mail] base_url`, Platina's
/// address as staff reach it), so a receiver can show a clickable link.
pub fn event_body(event: &Event, base_url: &str) -> Value {
    let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    json!({
        "type": event.kind,
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": {
            "event_id": event.id,
            "record_kind": event.record_kind,
            "record_id": event.record_id,
            "title": event.title,
            "link": event.link,
            "url": format!("{}{}", base_url.trim_end_matches('/'), event.link),
            "data": data,
        },
    })
}

fn ping_body(endpoint: &Endpoint, now: DateTime<Utc>) -> Value {
    json!({
        "type": PING_TYPE,
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": {
            "endpoint_id": endpoint.id,
            "title": "Platina からのテスト送信です",
        },
    })
}

/// The HTTP client deliveries go out with: TLS by rustls, no redirects followed (a delivery goes
/// to the registered URL and nowhere else), no proxy from the environment, and a timeout.
pub fn http_client(settings: &WebhookSettings) -> Result<reqwest::Client, reqwest::Error> {
    // rustls needs its crypto named once per process; ring is the one sqlx already brings. An
    // error only says it was named before.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("Platina-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Queues the deliveries of one event.
pub struct FanOut {
    pub settings: WebhookSettings,
}

#[derive(Debug, Deserialize)]
struct FanOutInput {
    event_id: i64,
}

#[async_trait::async_trait]
impl JobHandler for FanOut {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: FanOutInput = job.input()?;
        let txn = job.begin_write().await?;
        queue_deliveries(&txn, input.event_id, &self.settings).await?;
        job.succeed_in(&txn).await?;
        txn.commit().await.map_err(JobError::retry)?;
        Ok(())
    }
}

/// Queues one delivery of event #`event_id` to each enabled endpoint that wants its kind, on
/// `conn` (the fan-out's transaction). Returns how many.
pub async fn queue_deliveries<C: persistence::ConnectionTrait>(
    conn: &C,
    event_id: i64,
    settings: &WebhookSettings,
) -> Result<usize, JobError> {
    let Some(event) = events::find(conn, event_id).await? else {
        return Err(JobError::give_up(format!(
            "event {event_id} does not exist"
        )));
    };
    let endpoints = webhooks::wanting(conn, &event.kind).await?;
    for endpoint in &endpoints {
        jobs::enqueue(
            conn,
            deliver_job(event.id, endpoint.id, settings.max_attempts),
        )
        .await?;
    }
    Ok(endpoints.len())
}

/// POSTs one event (or a test ping) to one endpoint and logs the attempt.
pub struct Deliver {
    pub settings: WebhookSettings,
    pub client: reqwest::Client,
    /// Platina's address as staff reach it, for the record's `url` in the body.
    pub base_url: String,
}

/// How one POST ended.
struct Attempt {
    status: Option<u16>,
    elapsed: Duration,
    error: Option<String>,
}

impl Attempt {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

impl Deliver {
    async fn post(&self, endpoint: &Endpoint, message_id: &str, body: &[u8]) -> Attempt {
        let now = persistence::clock::now();
        let timestamp = now.timestamp();
        let signature =
            signing::signature_header(&endpoint.signing_secrets(now), message_id, timestamp, body);
        let started = Instant::now();
        let sent = self
            .client
            .post(&endpoint.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .send()
            .await;
        let elapsed = started.elapsed();
        match sent {
            Ok(response) => {
                let status = response.status();
                let error = if status.is_success() {
                    None
                } else if status.is_redirection() {
                    let location = response
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    Some(format!(
                        "answered {status} (redirects are not followed; register the final URL) {location}"
                    ))
                } else {
                    Some(format!("answered {status}"))
                };
                Attempt {
                    status: Some(status.as_u16()),
                    elapsed,
                    error,
                }
            }
            Err(err) => Attempt {
                status: None,
                elapsed,
                error: Some(describe(&err, self.settings.timeout)),
            },
        }
    }
}

/// A failed request in words staff can act on, with the causes reqwest chains beneath it.
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs_f32());
    }
    let mut text = if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[async_trait::async_trait]
impl JobHandler for Deliver {
    async fn run(&self, job: &RunningJob) -> JobResult {
        let input: DeliverInput = job.input()?;
        let Some(endpoint) = webhooks::find(&job.db.conn, input.endpoint_id).await? else {
            tracing::info!(
                endpoint = input.endpoint_id,
                "webhook endpoint removed; delivery dropped"
            );
            return Ok(());
        };
        if !endpoint.enabled {
            return Err(JobError::give_up(format!(
                "webhook endpoint {} is disabled",
                endpoint.id
            )));
        }
        let now = persistence::clock::now();
        let (message_id, body) = match (&input.event_id, &input.ping_id) {
            (Some(event_id), _) => {
                let Some(event) = events::find(&job.db.conn, *event_id).await? else {
                    return Err(JobError::give_up(format!(
                        "event {event_id} does not exist"
                    )));
                };
                (
                    message_id(event.id, endpoint.id),
                    event_body(&event, &self.base_url),
                )
            }
            (None, Some(ping_id)) => (ping_id.clone(), ping_body(&endpoint, now)),
            (None, None) => {
                return Err(JobError::give_up("neither an event nor a ping to deliver"));
            }
        };
        let body = serde_json::to_vec(&body).map_err(JobError::give_up)?;
        let attempt = self.post(&endpoint, &message_id, &body).await;

        let at = persistence::clock::now();
        let txn = job.begin_write().await?;
        webhooks::record_delivery(
            &txn,
            NewDelivery {
                endpoint_id: endpoint.id,
                event_id: input.event_id,
                message_id: message_id.clone(),
                attempt: job.attempt,
                status_code: attempt.status.map(i32::from),
                response_time_ms: Some(
                    i32::try_from(attempt.elapsed.as_millis()).unwrap_or(i32::MAX),
                ),
                error: attempt.error.clone(),
                at,
            },
        )
        .await?;
        if attempt.succeeded() {
            webhooks::mark_answering(&txn, endpoint.id).await?;
            job.succeed_in(&txn).await?;
            txn.commit().await.map_err(JobError::retry)?;
            return Ok(());
        }
        let error = attempt.error.unwrap_or_default();
        // A test ping that fails says nothing about deliveries, and disables nothing.
        let disabled = if input.event_id.is_some() {
            let disable_before = at
                - chrono::Duration::from_std(self.settings.disable_after)
                    .unwrap_or(chrono::Duration::MAX);
            webhooks::mark_failing(&txn, endpoint.id, at, disable_before).await?
        } else {
            None
        };
        if let Some(disabled) = &disabled {
            announce_disabled(&txn, disabled, at).await?;
        }
        txn.commit().await.map_err(JobError::retry)?;
        match disabled {
            Some(disabled) => Err(JobError::give_up(format!(
                "{error}; endpoint disabled: {}",
                disabled.disabled_reason.unwrap_or_default()
            ))),
            None => Err(JobError::retry(error)),
        }
    }
}

/// Writes the `webhook.disabled` event of an endpoint disabled for failing: it belongs to the
/// office (no bureau, no account), so the admins hear of it.
async fn announce_disabled<C: persistence::ConnectionTrait>(
    conn: &C,
    endpoint: &Endpoint,
    now: DateTime<Utc>,
) -> Result<i64, persistence::StoreError> {
    let since = endpoint
        .failing_since
        .map(|s| s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    events::record(
        conn,
        NewEvent {
            kind: domain::event::WEBHOOK_DISABLED,
            actor_user_id: None,
            record_kind: "webhook_endpoint",
            record_id: endpoint.id,
            owner: domain::Owner::Account(None),
            title: format!(
                "Webhook 送信先 {} への配信が失敗し続けたため、送信を停止しました",
                endpoint.url
            ),
            link: format!("/admin/webhooks?endpoint={}", endpoint.id),
            data: json!({
                "endpoint_id": endpoint.id,
                "url": endpoint.url,
                "failing_since": since,
                "reason": endpoint.disabled_reason,
            }),
        },
        now,
    )
    .await
}
