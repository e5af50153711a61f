//! Webhook endpoints and their delivery log: the URLs admins register for internal systems, with
//! the event kinds each wants and the secret its deliveries are signed with, and one row per
//! attempt to deliver an event to one of them.
//!
//! Registering, changing, rotating and removing an endpoint are audited writes like any other
//! record's; the audit trail never shows a secret. What deliveries learn about an endpoint (that it
//! is failing, since when, and that it was disabled for it) is written by the delivery job in its
//! own transaction.

use crate::StoreError;
use crate::audit::{self, AuditActor, AuditRecord, AuditView};
use crate::entities::{event, webhook_delivery, webhook_endpoint};
use crate::jobs::{self, NewJob};
use crate::page::{Page, PageRequest};
use crate::write::{self, Change, FiledUnder, Write};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

/// The job that queues an event's deliveries (see `crate::events::WEBHOOK_FAN_OUT_JOB`).
pub const FAN_OUT_JOB: &str = crate::events::WEBHOOK_FAN_OUT_JOB;
/// The job that POSTs one event, or a test ping, to one endpoint.
pub const DELIVER_JOB: &str = "webhook.deliver";
/// The `type` of a test delivery, which no event has.
pub const PING_TYPE: &str = "webhook.ping";

/// A registered endpoint, decoded from its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// The event kinds it wants, as `domain::event` names them.
    pub event_kinds: Vec<String>,
    /// `whsec_<base64>`.
    pub secret: String,
    /// The secret before the last rotation and when it stops signing.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Endpoint {
    /// Whether the endpoint wants events of `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.event_kinds.iter().any(|k| k == kind)
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one while its
    /// rotation's overlap lasts.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&self.previous_secret, self.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }

    /// When the previous secret stops signing, if a rotation's overlap is still running.
    pub fn rotation_ends_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.previous_secret_expires_at
            .filter(|until| *until > now && self.previous_secret.is_some())
    }
}

impl AuditView for Endpoint {
    /// What the audit trail keeps of an endpoint: never a secret, only when a rotation ends.
    fn audit_view(&self) -> serde_json::Value {
        let Endpoint {
            id,
            url,
            description,
            event_kinds,
            secret: _,
            previous_secret: _,
            previous_secret_expires_at,
            enabled,
            disabled_reason,
            // Moves with every failed delivery; the delivery log shows those.
            failing_since: _,
            version,
            created_at: _,
            updated_at: _,
        } = self;
        json!({
            "id": id,
            "url": url,
            "description": description,
            "event_kinds": event_kinds,
            "previous_secret_expires_at": previous_secret_expires_at,
            "enabled": enabled,
            "disabled_reason": disabled_reason,
            "version": version,
        })
    }
}

fn endpoint_of(row: webhook_endpoint::Model) -> Result<Endpoint, StoreError> {
    let event_kinds: Vec<String> = serde_json::from_str(&row.event_kinds)
        .map_err(|e| StoreError::Corrupt(format!("event kinds of webhook {}: {e}", row.id)))?;
    Ok(Endpoint {
        id: row.id,
        url: row.url,
        description: row.description,
        event_kinds,
        secret: row.secret,
        previous_secret: row.previous_secret,
        previous_secret_expires_at: row.previous_secret_expires_at,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// What an admin sets on an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointFields {
    pub url: String,
    pub description: String,
    pub event_kinds: Vec<String>,
    pub enabled: bool,
}

fn kinds_json(kinds: &[String]) -> String {
    serde_json::Value::from(kinds.to_vec()).to_string()
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Endpoint>, StoreError> {
    webhook_endpoint::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(endpoint_of)
        .transpose()
}

/// Endpoints, oldest first.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    page: PageRequest,
) -> Result<Page<Endpoint>, StoreError> {
    let query = webhook_endpoint::Entity::find();
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(webhook_endpoint::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(endpoint_of)
            .collect::<Result<_, _>>()?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// The enabled endpoints that want events of `kind`.
pub async fn wanting<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
) -> Result<Vec<Endpoint>, StoreError> {
    // Few endpoints, each with a short list: filtered here rather than by JSON functions, which
    // the two databases spell differently.
    let rows = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(conn)
        .await?;
    let mut wanting = Vec::new();
    for row in rows {
        let endpoint = endpoint_of(row)?;
        if endpoint.wants(kind) {
            wanting.push(endpoint);
        }
    }
    Ok(wanting)
}

/// Registers an endpoint signed with `secret`.
pub async fn create(
    db: &DatabaseConnection,
    fields: EndpointFields,
    secret: String,
    actor: &AuditActor,
) -> Result<Endpoint, StoreError> {
    write::create(
        db,
        Write::new("webhook.create", "webhook_endpoint", actor),
        move |txn, now| {
            Box::pin(async move {
                let row = webhook_endpoint::ActiveModel {
                    url: Set(fields.url),
                    description: Set(fields.description),
                    event_kinds: Set(kinds_json(&fields.event_kinds)),
                    secret: Set(secret),
                    previous_secret: Set(None),
                    previous_secret_expires_at: Set(None),
                    enabled: Set(fields.enabled),
                    disabled_reason: Set(None),
                    failing_since: Set(None),
                    ..Default::default()
                };
                endpoint_of(write::insert_row(txn, now, row).await?)
            })
        },
    )
    .await
}

/// Changes what an admin sets on endpoint #`id`, if it is still at `expected_version`. Enabling
/// a disabled endpoint forgets why it was disabled and that it was failing: it starts afresh.
pub async fn replace(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    fields: EndpointFields,
    actor: &AuditActor,
) -> Result<Endpoint, StoreError> {
    write::update(
        db,
        Change::new(
            "webhook.update",
            "webhook_endpoint",
            id,
            expected_version,
            actor,
        ),
        move |txn| Box::pin(find(txn, id)),
        |_, _| Box::pin(async { Ok(()) }),
        move |txn, before, step| {
            let enabling = fields.enabled && !before.enabled;
            Box::pin(async move {
                let mut row = webhook_endpoint::ActiveModel {
                    url: Set(fields.url),
                    description: Set(fields.description),
                    event_kinds: Set(kinds_json(&fields.event_kinds)),
                    enabled: Set(fields.enabled),
                    ..Default::default()
                };
                if enabling {
                    row.disabled_reason = Set(None);
                    row.failing_since = Set(None);
                }
                write::replace_row(txn, step, id, row).await
            })
        },
    )
    .await
}

/// Removes endpoint #`id` and its delivery log, if it is still at `expected_version`.
pub async fn delete(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    write::delete(
        db,
        Change::new(
            "webhook.delete",
            "webhook_endpoint",
            id,
            expected_version,
            actor,
        ),
        move |txn| Box::pin(find(txn, id)),
        move |txn, _, _| {
            Box::pin(async move {
                webhook_delivery::Entity::delete_many()
                    .filter(webhook_delivery::Column::EndpointId.eq(id))
                    .exec(txn)
                    .await?;
                webhook_endpoint::Entity::delete_by_id(id).exec(txn).await?;
                Ok(())
            })
        },
    )
    .await
}

/// Makes `new_secret` endpoint #`id`'s signing secret; the secret it replaces keeps signing
/// beside it until `old_signs_until` (a rotation's overlap), so receivers can switch without
/// missing a delivery. A rotation during another's overlap ends the older secret at once.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    id: i64,
    new_secret: String,
    old_signs_until: DateTime<Utc>,
    actor: &AuditActor,
) -> Result<Endpoint, StoreError> {
    let (after, _) = write::amend(
        db,
        Write::new("webhook.rotate_secret", "webhook_endpoint", actor),
        FiledUnder::Record,
        move |txn| Box::pin(find(txn, id)),
        move |txn, before, now| {
            let old = before.secret.clone();
            let keep_old = old_signs_until > now;
            Box::pin(async move {
                webhook_endpoint::Entity::update_many()
                    .col_expr(webhook_endpoint::Column::Secret, Expr::value(new_secret))
                    .col_expr(
                        webhook_endpoint::Column::PreviousSecret,
                        Expr::value(keep_old.then_some(old)),
                    )
                    .col_expr(
                        webhook_endpoint::Column::PreviousSecretExpiresAt,
                        Expr::value(keep_old.then_some(old_signs_until)),
                    )
                    .filter(webhook_endpoint::Column::Id.eq(id))
                    .exec(txn)
                    .await?;
                write::move_on::<webhook_endpoint::Entity>(txn, id, now).await?;
                Ok(id)
            })
        },
    )
    .await?;
    Ok(after)
}

/// Records that an admin asked for a delivery by hand (a test ping or a redelivery) of
/// `message_id` to endpoint #`id`, and queues it; in one transaction.
pub async fn queue_manual_delivery(
    db: &DatabaseConnection,
    action: &'static str,
    id: i64,
    job: NewJob,
    message_id: &str,
    actor: &AuditActor,
) -> Result<Option<i64>, StoreError> {
    let now = crate::clock::now();
    let txn = crate::begin_write(db).await?;
    let queued = jobs::enqueue(&txn, job).await?;
    audit::record(
        &txn,
        actor,
        AuditRecord::of(
            action,
            "webhook_endpoint",
            id,
            None,
            Some(json!({ "message_id": message_id })),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(queued)
}

/// One attempt to deliver, as the log keeps it.
pub type Delivery = webhook_delivery::Model;

/// An attempt to write to the log.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub endpoint_id: i64,
    pub event_id: Option<i64>,
    pub message_id: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub response_time_ms: Option<i32>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn record_delivery<C: ConnectionTrait>(
    conn: &C,
    delivery: NewDelivery,
) -> Result<i64, StoreError> {
    let error = delivery.error.map(|e| e.chars().take(1000).collect());
    let row = webhook_delivery::ActiveModel {
        endpoint_id: Set(delivery.endpoint_id),
        event_id: Set(delivery.event_id),
        message_id: Set(delivery.message_id.chars().take(100).collect()),
        attempt: Set(delivery.attempt),
        status_code: Set(delivery.status_code),
        response_time_ms: Set(delivery.response_time_ms),
        error: Set(error),
        at: Set(delivery.at),
        ..Default::default()
    };
    Ok(webhook_delivery::Entity::insert(row)
        .exec(conn)
        .await?
        .last_insert_id)
}

pub async fn find_delivery<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Delivery>, StoreError> {
    Ok(webhook_delivery::Entity::find_by_id(id).one(conn).await?)
}

/// One logged attempt with the kind of the event it delivered (`webhook.ping` for a test).
#[derive(Debug, Clone)]
pub struct LoggedDelivery {
    pub delivery: Delivery,
    pub event_kind: String,
}

/// Endpoint #`endpoint_id`'s delivery log, newest first.
pub async fn deliveries<C: ConnectionTrait>(
    conn: &C,
    endpoint_id: i64,
    page: PageRequest,
) -> Result<Page<LoggedDelivery>, StoreError> {
    let query = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(webhook_delivery::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    let event_ids: Vec<i64> = rows.iter().filter_map(|d| d.event_id).collect();
    let kinds: Vec<(i64, String)> = if event_ids.is_empty() {
        Vec::new()
    } else {
        event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .column(event::Column::Kind)
            .filter(event::Column::Id.is_in(event_ids))
            .into_tuple()
            .all(conn)
            .await?
    };
    let items = rows
        .into_iter()
        .map(|delivery| {
            let event_kind = match delivery.event_id {
                None => PING_TYPE.to_owned(),
                Some(id) => kinds
                    .iter()
                    .find(|(event, _)| *event == id)
                    .map(|(_, kind)| kind.clone())
                    .unwrap_or_default(),
            };
            LoggedDelivery {
                delivery,
                event_kind,
            }
        })
        .collect();
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Endpoint #`id` answered an attempt with success: it is no longer failing.
pub async fn mark_answering<C: ConnectionTrait>(conn: &C, id: i64) -> Result<(), StoreError> {
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::FailingSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::FailingSince.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Endpoint #`id` failed an attempt at `now`. It is failing from now on, unless it already was;
/// and when it has been failing since `disable_before` or earlier, it is disabled with a reason,
/// its version moving on (an admin's open form is stale). Answers the endpoint as it is after
/// when this attempt disabled it.
pub async fn mark_failing<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    now: DateTime<Utc>,
    disable_before: DateTime<Utc>,
) -> Result<Option<Endpoint>, StoreError> {
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::FailingSince.is_null())
        .exec(conn)
        .await?;
    let Some(endpoint) = find(conn, id).await? else {
        return Ok(None);
    };
    let Some(since) = endpoint
        .failing_since
        .filter(|since| *since <= disable_before)
    else {
        return Ok(None);
    };
    if !endpoint.enabled {
        return Ok(None);
    }
    let reason = format!(
        "deliveries have failed since {}",
        since.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let disabled = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(reason),
        )
        .col_expr(
            webhook_endpoint::Column::Version,
            Expr::col(webhook_endpoint::Column::Version).add(1),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .exec(conn)
        .await?;
    if disabled.rows_affected == 0 {
        // Another attempt disabled it first.
        return Ok(None);
    }
    let after = find(conn, id).await?.ok_or(StoreError::NotFound)?;
    audit::record(
        conn,
        &AuditActor {
            kind: "system".into(),
            id: None,
            label: "Webhook 配信".into(),
            request_id: None,
            source: None,
        },
        AuditRecord::of(
            "webhook.disable",
            "webhook_endpoint",
            id,
            Some(endpoint.audit_view()),
            Some(after.audit_view()),
        ),
        now,
    )
    .await?;
    Ok(Some(after))
}
