//! The audit trail: who changed what, when, and how it looked before and after.

use crate::StoreError;
use crate::entities::audit_event;
use crate::page::{Page, PageRequest};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

mod views;

/// A record as the audit trail shows it before and after a change. Each record's view lives in
/// `audit/views.rs` and destructures the record without `..`, so a field added to the record
/// does not compile until its view shows it or says why not.
pub trait AuditView {
    fn audit_view(&self) -> serde_json::Value;
}

/// Who made a write: a person, an internal system, or the command line of an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    pub kind: String,
    pub id: Option<i64>,
    pub label: String,
    pub request_id: Option<String>,
    /// What the write came through when not a single request, e.g. `import 3f2a… reforms.csv`.
    pub source: Option<String>,
}

impl AuditActor {
    /// An operator acting through `platina` subcommands on the server itself.
    pub fn command_line(label: &str) -> Self {
        AuditActor {
            kind: "command_line".into(),
            id: None,
            label: label.into(),
            request_id: None,
            source: None,
        }
    }

    /// The same actor, writing through `source` (an import, a restore).
    pub fn via(&self, source: impl Into<String>) -> Self {
        AuditActor {
            source: Some(source.into()),
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> AuditRecord<'a> {
    /// An event about the record `entity_type` #`entity_id`.
    pub fn of(
        action: &'a str,
        entity_type: &'a str,
        entity_id: i64,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Self {
        AuditRecord {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            before,
            after,
        }
    }
}

/// The row one event is stored as: the same for a single write and for an import's batch.
fn event_row(
    actor: &AuditActor,
    event: AuditRecord<'_>,
    at: DateTime<Utc>,
) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        occurred_at: Set(at),
        actor_kind: Set(actor.kind.clone()),
        actor_id: Set(actor.id),
        actor_label: Set(actor.label.clone()),
        action: Set(event.action.into()),
        entity_type: Set(event.entity_type.into()),
        entity_id: Set(event.entity_id),
        before: Set(event.before.map(|v| v.to_string())),
        after: Set(event.after.map(|v| v.to_string())),
        request_id: Set(actor.request_id.clone()),
        source: Set(actor.source.clone()),
        ..Default::default()
    }
}

/// Records one event; call it with the transaction that performs the write.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &AuditActor,
    event: AuditRecord<'_>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    event_row(actor, event, at).insert(conn).await?;
    Ok(())
}

/// Records many events of one actor at one time in multi-row inserts: how a batch of an import
/// files the events of its records. Call it with the transaction that performs the writes.
pub async fn record_many<C: ConnectionTrait>(
    conn: &C,
    actor: &AuditActor,
    events: Vec<AuditRecord<'_>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Collected first: an iterator with a closure, held across the awaits below, would make the
    // future's `Send` depend on the closure's lifetimes, which the compiler cannot prove for a
    // future spawned on the runtime (an import's).
    let rows: Vec<audit_event::ActiveModel> = events
        .into_iter()
        .map(|event| event_row(actor, event, at))
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        // 11 values a row: well under both databases' limit on the values of one statement.
        let batch: Vec<_> = rows.by_ref().take(1000).collect();
        audit_event::Entity::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<i64>,
}

fn audit_query(filter: &AuditFilter) -> sea_orm::Select<audit_event::Entity> {
    let mut query = audit_event::Entity::find();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_event::Column::EntityType.eq(entity_type.as_str()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_event::Column::EntityId.eq(entity_id.as_str()));
    }
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_event::Column::ActorId.eq(actor_id));
    }
    query
}

/// The id of the newest audit event, 0 before the first: every audited write moves it on, so a
/// figure computed from the records stays right while it has not moved.
pub async fn latest_event_id<C: ConnectionTrait>(conn: &C) -> Result<i64, StoreError> {
    Ok(audit_event::Entity::find()
        .select_only()
        .column_as(audit_event::Column::Id.max(), "latest")
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Up to `limit` events the filter selects with ids above `after_id`, oldest first: how an export
/// walks the whole trail in constant memory.
pub async fn events_after<C: ConnectionTrait>(
    conn: &C,
    filter: &AuditFilter,
    after_id: i64,
    limit: u64,
) -> Result<Vec<audit_event::Model>, StoreError> {
    Ok(audit_query(filter)
        .filter(audit_event::Column::Id.gt(after_id))
        .order_by_asc(audit_event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Newest first.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<audit_event::Model>, StoreError> {
    let query = audit_query(filter);
    let total = query.clone().count(conn).await?;
    let items = query
        .order_by_desc(audit_event::Column::Id)
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
