//! People and internal systems that may sign in.

use crate::StoreError;
use crate::audit::{AuditActor, AuditView};
use crate::entities::{service_account, user};
use crate::page::{Page, PageRequest};
use crate::rows;
use crate::write::{self, Audited, FiledUnder, Write};
use chrono::{DateTime, Utc};
use domain::{Email, Principal, PrincipalKind, Role, Scopes};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

/// A stored user, decoded from its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub scopes: Scopes,
    pub password_hash: String,
    pub disabled: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn principal(&self) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            id: self.id,
            display_name: self.display_name.clone(),
            role: self.role,
            scopes: self.scopes.clone(),
        }
    }
}

impl AuditView for User {
    /// What the audit trail keeps of a user: never the password hash.
    fn audit_view(&self) -> serde_json::Value {
        let User {
            id,
            email,
            display_name,
            role,
            scopes,
            password_hash: _,
            disabled,
            version,
            created_at: _,
            updated_at: _,
        } = self;
        json!({
            "id": id,
            "email": email,
            "display_name": display_name,
            "role": role,
            "scopes": scopes,
            "disabled": disabled,
            "version": version,
        })
    }
}

fn decode_role(raw: &str) -> Result<Role, StoreError> {
    raw.parse()
        .map_err(|e: domain::access::UnknownRole| StoreError::Corrupt(e.to_string()))
}

fn decode_scopes(raw: &str) -> Result<Scopes, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("scopes: {e}")))
}

fn encode_scopes(scopes: &Scopes) -> String {
    // Serialising two Vec<i64> cannot fail.
    serde_json::to_string(scopes).unwrap_or_else(|_| "{}".into())
}

impl TryFrom<user::Model> for User {
    type Error = StoreError;

    fn try_from(row: user::Model) -> Result<Self, Self::Error> {
        Ok(User {
            role: decode_role(&row.role)?,
            scopes: decode_scopes(&row.scopes)?,
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            disabled: row.disabled,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub scopes: Scopes,
    pub password_hash: String,
}

pub async fn create_user(
    db: &DatabaseConnection,
    new: NewUser,
    actor: &AuditActor,
) -> Result<User, StoreError> {
    let announcer = actor.clone();
    write::create(
        db,
        Write::new("user.create", "user", actor),
        move |txn, now| {
            Box::pin(async move {
                let row = user::ActiveModel {
                    email: Set(new.email.as_str().to_owned()),
                    display_name: Set(new.display_name),
                    role: Set(new.role.as_str().to_owned()),
                    scopes: Set(encode_scopes(&new.scopes)),
                    password_hash: Set(new.password_hash),
                    disabled: Set(false),
                    ..Default::default()
                };
                let created = User::try_from(write::insert_row(txn, now, row).await?)?;
                crate::announce::account_created(
                    txn,
                    created.id,
                    &created.display_name,
                    &announcer,
                    now,
                )
                .await?;
                Ok(created)
            })
        },
    )
    .await
}

pub async fn find_user_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &Email,
) -> Result<Option<User>, StoreError> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?
        .map(User::try_from)
        .transpose()
}

pub async fn find_user<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<User>, StoreError> {
    rows::find_decoded::<user::Entity, _>(conn, id, User::try_from).await
}

/// Disables the account at once: its access tokens stop working on their next request and its
/// refresh tokens are revoked.
pub async fn disable_user(
    db: &DatabaseConnection,
    email: &Email,
    actor: &AuditActor,
) -> Result<User, StoreError> {
    let email = email.clone();
    let (after, _) = write::amend(
        db,
        Write::new("user.disable", "user", actor),
        FiledUnder::Record,
        move |txn| {
            let email = email.clone();
            Box::pin(async move { find_user_by_email(txn, &email).await })
        },
        move |txn, before, now| {
            Box::pin(async move {
                user::Entity::update_many()
                    .col_expr(user::Column::Disabled, Expr::value(true))
                    .filter(user::Column::Id.eq(before.id))
                    .exec(txn)
                    .await?;
                write::move_on::<user::Entity>(txn, before.id, now).await?;
                crate::refresh_tokens::revoke_all_for_user(txn, before.id, now).await?;
                Ok(before.id)
            })
        },
    )
    .await?;
    Ok(after)
}

pub async fn list_users<C: ConnectionTrait>(
    conn: &C,
    page: PageRequest,
) -> Result<Page<User>, StoreError> {
    let query = user::Entity::find();
    let total = query.clone().count(conn).await?;
    let items = query
        .order_by_asc(user::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?
        .into_iter()
        .map(User::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// An internal system that signs in with a client id and secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub role: Role,
    pub scopes: Scopes,
    pub secret_hash: String,
    pub disabled: bool,
}

impl ServiceAccount {
    pub fn principal(&self) -> Principal {
        Principal {
            kind: PrincipalKind::ServiceAccount,
            id: self.id,
            display_name: self.name.clone(),
            role: self.role,
            scopes: self.scopes.clone(),
        }
    }
}

impl TryFrom<service_account::Model> for ServiceAccount {
    type Error = StoreError;

    fn try_from(row: service_account::Model) -> Result<Self, Self::Error> {
        Ok(ServiceAccount {
            role: decode_role(&row.role)?,
            scopes: decode_scopes(&row.scopes)?,
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            secret_hash: row.secret_hash,
            disabled: row.disabled,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    pub client_id: String,
    pub name: String,
    pub role: Role,
    pub scopes: Scopes,
    pub secret_hash: String,
}

impl Audited for ServiceAccount {
    fn audit_id(&self) -> i64 {
        self.id
    }

    /// Never the secret's hash.
    fn snapshot(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "client_id": self.client_id,
            "name": self.name,
            "role": self.role,
            "scopes": self.scopes,
        })
    }
}

pub async fn create_service_account(
    db: &DatabaseConnection,
    new: NewServiceAccount,
    actor: &AuditActor,
) -> Result<ServiceAccount, StoreError> {
    write::create(
        db,
        Write::new("service_account.create", "service_account", actor),
        move |txn, now| {
            Box::pin(async move {
                let row = service_account::ActiveModel {
                    client_id: Set(new.client_id),
                    name: Set(new.name),
                    role: Set(new.role.as_str().to_owned()),
                    scopes: Set(encode_scopes(&new.scopes)),
                    secret_hash: Set(new.secret_hash),
                    disabled: Set(false),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(StoreError::from_write)?;
                ServiceAccount::try_from(row)
            })
        },
    )
    .await
}

pub async fn find_service_account_by_client_id<C: ConnectionTrait>(
    conn: &C,
    client_id: &str,
) -> Result<Option<ServiceAccount>, StoreError> {
    service_account::Entity::find()
        .filter(service_account::Column::ClientId.eq(client_id))
        .one(conn)
        .await?
        .map(ServiceAccount::try_from)
        .transpose()
}

pub async fn find_service_account<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<ServiceAccount>, StoreError> {
    rows::find_decoded::<service_account::Entity, _>(conn, id, ServiceAccount::try_from).await
}
