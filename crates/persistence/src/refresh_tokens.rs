//! Refresh-token families: each token is used once; using one twice revokes its whole family.

use crate::StoreError;
use crate::entities::refresh_token;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

pub struct NewRefreshToken<'a> {
    pub id: &'a str,
    pub family_id: &'a str,
    pub user_id: i64,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewRefreshToken<'_>,
) -> Result<(), StoreError> {
    refresh_token::ActiveModel {
        id: Set(new.id.to_owned()),
        family_id: Set(new.family_id.to_owned()),
        user_id: Set(new.user_id),
        issued_at: Set(new.issued_at),
        expires_at: Set(new.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What happened when a presented refresh token was redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// First use of a live token: the caller may issue the next token of `family_id`.
    Redeemed { family_id: String, user_id: i64 },
    /// Already used or revoked: the family has now been revoked.
    Reused,
    /// Unknown or expired.
    Invalid,
}

/// Marks the token used if, and only if, nobody used it before. The conditional update makes two
/// concurrent redemptions of one token end with exactly one winner on both backends.
pub async fn redeem<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Redemption, StoreError> {
    let Some(token) = refresh_token::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(Redemption::Invalid);
    };
    if token.expires_at <= now {
        return Ok(Redemption::Invalid);
    }
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    if claimed.rows_affected == 1 {
        Ok(Redemption::Redeemed {
            family_id: token.family_id,
            user_id: token.user_id,
        })
    } else {
        revoke_family(conn, &token.family_id, now).await?;
        Ok(Redemption::Reused)
    }
}

pub async fn revoke_family<C: ConnectionTrait>(
    conn: &C,
    family_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes the family of the given token, whatever state it is in (sign-out).
pub async fn revoke_family_of<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(token) = refresh_token::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
    {
        revoke_family(conn, &token.family_id, now).await?;
    }
    Ok(())
}

pub async fn revoke_all_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
