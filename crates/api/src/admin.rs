//! Reading the accounts and the audit trail: for the reform office (admins) only.

use crate::auth::Authenticated;
use crate::dto::{PageOut, UserOut};
use crate::error::ApiError;
use crate::extract::Paging;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::{Action, authorize};
use persistence::accounts;
use persistence::audit::{self, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

/// The user list's parameters: paging only, and nothing it does not know.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Accounts of people, oldest first.
#[utoipa::path(
    tag = "admin",
    params(UserQuery),
    responses((status = 200, body = PageOut<UserOut>)),
    security(("bearer" = ["admin"])),
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<UserQuery>,
) -> Result<web::Json<PageOut<UserOut>>, ApiError> {
    authorize(&caller.0, Action::ListUsers)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    };
    let page = accounts::list_users(&state.db.conn, paging.request()?).await?;
    Ok(web::Json(PageOut::from_page(page, |u| UserOut::from(u))))
}

fn display_name_rule(value: &str) -> Result<(), ValidationError> {
    if let Some(fault @ domain::text::TextFault::Invisible) = domain::text::text_fault(value, false)
    {
        let mut e = ValidationError::new(fault.code());
        e.message = Some(fault.message().into());
        return Err(e);
    }
    let trimmed = value.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > 200
        || domain::text::has_forbidden_control(value, false)
    {
        let mut e = ValidationError::new("invalid_value");
        e.message = Some("1 to 200 characters without control characters".into());
        return Err(e);
    }
    Ok(())
}

fn email_rule(value: &str) -> Result<(), ValidationError> {
    domain::Email::parse(value).map(|_| ()).map_err(|_| {
        let mut e = ValidationError::new("invalid_email");
        e.message = Some("must be an e-mail address".into());
        e
    })
}

fn password_rule(value: &str) -> Result<(), ValidationError> {
    if value.chars().count() < 12
        || value.chars().count() > 1024
        || domain::text::has_forbidden_control(value, false)
    {
        let mut e = ValidationError::new("weak_password");
        e.message = Some("12 to 1024 characters without control characters".into());
        return Err(e);
    }
    Ok(())
}

/// A new account for a person. Editors need at least one section or bureau; other roles none.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    #[validate(custom(function = "email_rule"))]
    #[schema(example = "hanako@city.kitakyushu.lg.jp")]
    pub email: String,
    #[validate(custom(function = "display_name_rule"))]
    #[schema(example = "北九州 花子")]
    pub display_name: String,
    pub role: crate::dto::RoleIn,
    #[serde(default)]
    #[validate(length(max = 100, code = "length", message = "at most 100 sections"))]
    pub section_ids: Vec<i64>,
    #[serde(default)]
    #[validate(length(max = 100, code = "length", message = "at most 100 bureaus"))]
    pub bureau_ids: Vec<i64>,
    /// The initial password, at least 12 characters; never stored or logged in clear.
    #[validate(custom(function = "password_rule"))]
    pub password: String,
}

/// Create an account (an editor is scoped to sections or bureaus).
#[utoipa::path(
    tag = "admin",
    request_body = UserIn,
    responses(
        (status = 201, body = UserOut),
        (status = 409, description = "An account with this e-mail address exists", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: crate::extract::ValidJson<UserIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageUsers)?;
    let input = body.0;
    let role: domain::Role = input.role.into();
    let scoped = !input.section_ids.is_empty() || !input.bureau_ids.is_empty();
    if role.is_scoped() != scoped {
        return Err(ApiError::validation(vec![crate::error::FieldError {
            pointer: "/section_ids".into(),
            location: crate::error::FieldLocation::Body,
            code: "scope".into(),
            message: "editors need at least one section or bureau; other roles take none".into(),
        }]));
    }
    let email = domain::Email::parse(&input.email)
        .map_err(|_| ApiError::new(crate::error::ErrorCode::ValidationFailed))?;
    let password_hash = crate::auth::passwords::hash_off_thread(input.password)
        .await
        .map_err(ApiError::internal)?;
    let user = accounts::create_user(
        &state.db.conn,
        accounts::NewUser {
            email,
            display_name: input.display_name.trim().to_owned(),
            role,
            scopes: domain::Scopes {
                section_ids: input.section_ids,
                bureau_ids: input.bureau_ids,
            },
            password_hash,
        },
        &crate::context::actor(&caller.0),
    )
    .await
    .map_err(|e| match e {
        persistence::StoreError::Duplicate => ApiError::new(crate::error::ErrorCode::Conflict)
            .with_detail("an account with this e-mail address exists"),
        other => other.into(),
    })?;
    Ok(HttpResponse::Created().json(UserOut::from(&user)))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only events about this kind of record, e.g. `user`.
    #[validate(length(max = 60, code = "length", message = "at most 60 characters"))]
    pub entity_type: Option<String>,
    /// Only events about this record.
    #[validate(length(max = 64, code = "length", message = "at most 64 characters"))]
    pub entity_id: Option<String>,
    /// Only events by this account.
    pub actor_id: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// One recorded write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// `user`, `service_account`, `command_line`, or `system` for what the server does by itself
    /// (disabling a webhook endpoint that kept failing).
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    /// The import or restore the write came through, e.g. `import 3f2a… 自主改革.csv`.
    pub source: Option<String>,
}

impl From<&persistence::entities::audit_event::Model> for AuditEventOut {
    fn from(row: &persistence::entities::audit_event::Model) -> Self {
        let parse =
            |text: &Option<String>| text.as_deref().and_then(|t| serde_json::from_str(t).ok());
        AuditEventOut {
            id: row.id,
            occurred_at: row.occurred_at,
            actor_kind: row.actor_kind.clone(),
            actor_id: row.actor_id,
            actor_label: row.actor_label.clone(),
            action: row.action.clone(),
            entity_type: row.entity_type.clone(),
            entity_id: row.entity_id.clone(),
            before: parse(&row.before),
            after: parse(&row.after),
            request_id: row.request_id.clone(),
            source: row.source.clone(),
        }
    }
}

pub(crate) fn audit_filter(query: &AuditQuery) -> AuditFilter {
    AuditFilter {
        entity_type: query.entity_type.clone(),
        entity_id: query.entity_id.clone(),
        actor_id: query.actor_id,
    }
}

/// The audit trail, newest first.
#[utoipa::path(
    tag = "admin",
    params(AuditQuery),
    responses((status = 200, body = PageOut<AuditEventOut>)),
    security(("bearer" = ["admin"])),
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<PageOut<AuditEventOut>>, ApiError> {
    authorize(&caller.0, Action::ReadAuditEvents)?;
    crate::extract::validate(&*query, crate::error::FieldLocation::Query)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    };
    let filter = audit_filter(&query);
    let page = audit::list(&state.db.conn, &filter, paging.request()?).await?;
    Ok(web::Json(PageOut::from_page(page, |e| {
        AuditEventOut::from(e)
    })))
}
