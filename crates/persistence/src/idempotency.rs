//! `Idempotency-Key` bookkeeping: claiming a key for a request, recording the response once the
//! request's write committed, releasing the key when it did not, and purging expired keys. Rows
//! live in the database, so a retry sent to another instance behind the load balancer is
//! recognised too.

use crate::StoreError;
use crate::entities::idempotency_key::{self, Column, Entity};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TryInsertResult,
};

/// Who sent a request with which key, and what the request was.
#[derive(Debug, Clone)]
pub struct KeyClaim<'a> {
    pub principal: &'a str,
    pub key: &'a str,
    pub fingerprint: &'a str,
    pub request_id: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The response a committed request gave, as a retry gets it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the key says about a new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was free: this request is now the one in flight and must be completed or released.
    Acquired,
    /// The key's first request is still being processed.
    InFlight,
    /// The key was used for a request with another method, path or body.
    Mismatch,
    /// The key's first request committed; answer with its response.
    Replay(StoredResponse),
}

/// Claims the key for this request, or tells why it cannot be claimed. An expired row counts as
/// absent. The insert is conditional, so two concurrent requests with one key end with exactly
/// one `Acquired` on both backends.
pub async fn claim<C: ConnectionTrait>(conn: &C, new: &KeyClaim<'_>) -> Result<Claim, StoreError> {
    Entity::delete_many()
        .filter(Column::Principal.eq(new.principal))
        .filter(Column::IdempotencyKey.eq(new.key))
        .filter(Column::ExpiresAt.lte(new.now))
        .exec(conn)
        .await?;
    let inserted = Entity::insert(idempotency_key::ActiveModel {
        principal: Set(new.principal.to_owned()),
        idempotency_key: Set(new.key.to_owned()),
        fingerprint: Set(new.fingerprint.to_owned()),
        request_id: Set(new.request_id.to_owned()),
        status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(new.now),
        expires_at: Set(new.expires_at),
    })
    .on_conflict_do_nothing_on([Column::Principal, Column::IdempotencyKey])
    .exec_without_returning(conn)
    .await?;
    if matches!(inserted, TryInsertResult::Inserted(1)) {
        return Ok(Claim::Acquired);
    }
    let Some(row) = Entity::find_by_id((new.principal.to_owned(), new.key.to_owned()))
        .one(conn)
        .await?
    else {
        // Released between our insert and this read: the other request failed; let the caller
        // retry rather than guess.
        return Ok(Claim::InFlight);
    };
    if row.fingerprint != new.fingerprint {
        return Ok(Claim::Mismatch);
    }
    let Some(status) = row.status else {
        return Ok(Claim::InFlight);
    };
    let headers: Vec<(String, String)> = match row.response_headers.as_deref() {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| StoreError::Corrupt(format!("idempotency response headers: {e}")))?,
        None => Vec::new(),
    };
    Ok(Claim::Replay(StoredResponse {
        status: u16::try_from(status)
            .map_err(|_| StoreError::Corrupt(format!("idempotency status {status}")))?,
        headers,
        body: row.response_body.unwrap_or_default(),
    }))
}

/// Records the response of the claimed request, whose write has committed.
pub async fn complete<C: ConnectionTrait>(
    conn: &C,
    principal: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    let headers = serde_json::to_string(&response.headers)
        .map_err(|e| StoreError::Corrupt(format!("idempotency response headers: {e}")))?;
    let status = i16::try_from(response.status)
        .map_err(|_| StoreError::Corrupt(format!("status {}", response.status)))?;
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::ResponseHeaders, Expr::value(headers))
        .col_expr(Column::ResponseBody, Expr::value(response.body.clone()))
        .filter(Column::Principal.eq(principal))
        .filter(Column::IdempotencyKey.eq(key))
        .filter(Column::Status.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Frees the key of a request that did not succeed, so that a corrected retry may use it.
pub async fn release<C: ConnectionTrait>(
    conn: &C,
    principal: &str,
    key: &str,
) -> Result<(), StoreError> {
    Entity::delete_many()
        .filter(Column::Principal.eq(principal))
        .filter(Column::IdempotencyKey.eq(key))
        .filter(Column::Status.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes every expired key; returns how many.
pub async fn purge_expired<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
