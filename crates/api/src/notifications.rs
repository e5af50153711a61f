//! `/me/notifications`, `/me/notification-preferences` and `/me/subscriptions`: the signed-in
//! person's in-app notifications (list, unread count with ETag, mark read), their channel for
//! each kind of event with the hour of their daily digest, and the records they follow.
//!
//! Notifications belong to people: a service account has none and is refused (403). Another
//! person's notification answers 404, as if it did not exist.

use crate::auth::Authenticated;
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::extract::{Paging, ValidJson};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::event::{self as kinds, Channel};
use domain::{Action, Principal, PrincipalKind, authorize, rights};
use persistence::notifications::{self, FOLLOWABLE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The caller, if a person: notifications, preferences and follows are kept per user.
fn person(caller: &Principal) -> Result<i64, ApiError> {
    authorize(caller, Action::ManageOwnNotifications)?;
    if caller.kind != PrincipalKind::User {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail("notifications are kept for people, not for service accounts"));
    }
    Ok(caller.id)
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Only notifications not yet read.
    pub unread: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// One notification: what happened (the event's headline, kind and link) and whether it was read.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// The event's kind, e.g. `proposal.assigned`.
    pub kind: String,
    /// The kind's name for staff, in Japanese.
    pub kind_label: &'static str,
    /// One line in Japanese.
    pub title: String,
    /// The SPA path of the record, e.g. `/proposals/12`.
    pub link: String,
    pub record_kind: String,
    pub record_id: i64,
    pub occurred_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// none, immediate or digest: how it is e-mailed.
    pub email_mode: String,
}

impl From<&notifications::Listed> for NotificationOut {
    fn from(listed: &notifications::Listed) -> Self {
        let event = &listed.event;
        NotificationOut {
            id: listed.notification.id,
            kind: event.kind.clone(),
            kind_label: kinds::find(&event.kind).map_or("", |k| k.label_ja),
            title: event.title.clone(),
            link: event.link.clone(),
            record_kind: event.record_kind.clone(),
            record_id: event.record_id,
            occurred_at: event.occurred_at,
            read_at: listed.notification.read_at,
            email_mode: listed.notification.email_mode.clone(),
        }
    }
}

/// The caller's notifications, newest first.
#[utoipa::path(
    tag = "notifications",
    params(NotificationQuery),
    responses(
        (status = 200, body = PageOut<NotificationOut>),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/me/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<NotificationQuery>,
) -> Result<web::Json<PageOut<NotificationOut>>, ApiError> {
    let user_id = person(&caller.0)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    };
    let page = notifications::list(
        &state.db.conn,
        user_id,
        query.unread.unwrap_or(false),
        paging.request()?,
    )
    .await?;
    Ok(web::Json(PageOut::from_page(page, |n| {
        NotificationOut::from(n)
    })))
}

/// How many notifications the caller has not read.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCountOut {
    pub unread: u64,
}

/// The unread count, with a weak ETag that changes whenever the count or the list does: poll it
/// with `If-None-Match` and get 304 while nothing changed.
#[utoipa::path(
    tag = "notifications",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of the count the caller holds")),
    responses(
        (status = 200, body = UnreadCountOut, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given", headers(("ETag" = String))),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/me/notifications/unread-count")]
pub async fn unread_count(
    state: web::Data<AppState>,
    caller: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let user_id = person(&caller.0)?;
    let unread = notifications::unread(&state.db.conn, user_id).await?;
    let tag = format!(
        "W/\"n{}-{}-{}-{}\"",
        user_id,
        unread.count,
        unread.newest_id,
        unread
            .last_read_at
            .map_or(0, |t| t.timestamp_nanos_opt().unwrap_or_default())
    );
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    Ok(if matches {
        response.finish()
    } else {
        response.json(UnreadCountOut {
            unread: unread.count,
        })
    })
}

/// Mark one of the caller's notifications read.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Read"),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such notification of the caller", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[post("/me/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let user_id = person(&caller.0)?;
    let found =
        notifications::mark_read(&state.db.conn, user_id, *id, persistence::clock::now()).await?;
    if !found {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// How many notifications a request marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedOut {
    pub marked: u64,
}

/// Mark all the caller's notifications read.
#[utoipa::path(
    tag = "notifications",
    responses(
        (status = 200, body = MarkedOut),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[post("/me/notifications/read-all")]
pub async fn mark_all_read(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<MarkedOut>, ApiError> {
    let user_id = person(&caller.0)?;
    let marked =
        notifications::mark_all_read(&state.db.conn, user_id, persistence::clock::now()).await?;
    Ok(web::Json(MarkedOut { marked }))
}

// ---------------------------------------------------------------------------------------------
// Preferences

/// The caller's channel for one kind of event.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindPreferenceOut {
    pub kind: &'static str,
    pub label_ja: &'static str,
    pub label_en: &'static str,
    /// in_app, email (at once), digest (daily) or off.
    pub channel: &'static str,
    /// The channel when the caller chose none.
    pub default_channel: &'static str,
}

/// The caller's channel for every kind of event, and the hour of their daily digest.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesOut {
    pub kinds: Vec<KindPreferenceOut>,
    /// 0–23, Asia/Tokyo.
    pub digest_hour: i16,
}

/// A change of preferences: the kinds named get the channel given, the others keep theirs.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PreferencesIn {
    /// Event kind → `in_app`, `email`, `digest` or `off`.
    #[serde(default)]
    #[schema(schema_with = channels_schema)]
    pub channels: BTreeMap<String, String>,
    /// 0–23, Asia/Tokyo.
    #[validate(range(min = 0, max = 23, code = "out_of_range", message = "must be 0 to 23"))]
    pub digest_hour: Option<i16>,
}

/// The channels object as the document shows it: one optional property per kind Platina writes,
/// each one of the channels, and no other key, so a client (and schemathesis) knows what is valid.
fn channels_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{AdditionalProperties, Type};
    let channel_names: Vec<&str> = kinds::Channel::ALL.iter().map(|c| c.as_str()).collect();
    kinds::KINDS
        .iter()
        .fold(utoipa::openapi::ObjectBuilder::new(), |object, kind| {
            object.property(
                kind.name,
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(channel_names.clone())),
            )
        })
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .build()
}

async fn preferences_out(state: &AppState, user_id: i64) -> Result<PreferencesOut, ApiError> {
    let prefs = notifications::preferences(&state.db.conn, user_id).await?;
    Ok(PreferencesOut {
        kinds: prefs
            .channels
            .iter()
            .filter_map(|(name, channel)| {
                kinds::find(name).map(|k| KindPreferenceOut {
                    kind: k.name,
                    label_ja: k.label_ja,
                    label_en: k.label_en,
                    channel: channel.as_str(),
                    default_channel: k.default_channel.as_str(),
                })
            })
            .collect(),
        digest_hour: prefs.digest_hour,
    })
}

/// The caller's channel for each kind of event and their digest hour.
#[utoipa::path(
    tag = "notifications",
    responses(
        (status = 200, body = PreferencesOut),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/me/notification-preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<PreferencesOut>, ApiError> {
    let user_id = person(&caller.0)?;
    Ok(web::Json(preferences_out(&state, user_id).await?))
}

/// Change the caller's channels and digest hour; an unknown kind or channel, or an hour outside
/// 0–23, is 422 and changes nothing.
#[utoipa::path(
    tag = "notifications",
    request_body = PreferencesIn,
    responses(
        (status = 200, body = PreferencesOut),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown kind or channel, or hour out of range", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[put("/me/notification-preferences")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<PreferencesIn>,
) -> Result<web::Json<PreferencesOut>, ApiError> {
    let user_id = person(&caller.0)?;
    let input = body.0;
    let mut errors = Vec::new();
    let mut channels = Vec::new();
    for (name, channel) in &input.channels {
        let pointer = format!("/channels/{}", name.replace('~', "~0").replace('/', "~1"));
        let Some(kind) = kinds::find(name) else {
            errors.push(FieldError {
                pointer,
                location: FieldLocation::Body,
                code: "unknown_event_kind".into(),
                message: "no kind of event has this name".into(),
            });
            continue;
        };
        match Channel::parse(channel) {
            Some(parsed) => channels.push((kind.name, parsed)),
            None => errors.push(FieldError {
                pointer,
                location: FieldLocation::Body,
                code: "unknown_channel".into(),
                message: "must be in_app, email, digest or off".into(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let txn = persistence::begin_write(&state.db.conn)
        .await
        .map_err(persistence::StoreError::from)?;
    notifications::set_preferences(
        &txn,
        user_id,
        &channels,
        input.digest_hour,
        persistence::clock::now(),
    )
    .await?;
    txn.commit().await.map_err(persistence::StoreError::from)?;
    Ok(web::Json(preferences_out(&state, user_id).await?))
}

// ---------------------------------------------------------------------------------------------
// Follows

/// A record the caller follows or may follow.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionOut {
    /// `proposal` or `policy_issue`.
    pub record_kind: String,
    pub record_id: i64,
    /// The SPA path of the record.
    pub link: String,
    /// Whether the caller hears of the record's events.
    pub following: bool,
    /// Whether the caller would hear of them without choosing (their section's or their own).
    pub by_default: bool,
}

fn link_of(record_kind: &str, record_id: i64) -> String {
    match record_kind {
        "proposal" => format!("/proposals/{record_id}"),
        _ => format!("/policy-issues/{record_id}"),
    }
}

/// The path of one followable record.
#[derive(Debug, Deserialize)]
pub struct RecordPath {
    record_kind: String,
    record_id: i64,
}

/// The record's owner, if it exists and the caller may read it; otherwise 404.
async fn readable_record(
    state: &AppState,
    caller: &Principal,
    path: &RecordPath,
) -> Result<domain::Owner, ApiError> {
    if !FOLLOWABLE.contains(&path.record_kind.as_str()) {
        return Err(ApiError::new(ErrorCode::NotFound)
            .with_detail("only proposals and policy issues can be followed"));
    }
    let owner = notifications::followable_owner(&state.db.conn, &path.record_kind, path.record_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    if !rights(caller, &owner).read {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(owner)
}

async fn subscription_out(
    state: &AppState,
    caller: &Principal,
    path: &RecordPath,
    owner: &domain::Owner,
) -> Result<SubscriptionOut, ApiError> {
    let status = notifications::following(
        &state.db.conn,
        caller,
        &path.record_kind,
        path.record_id,
        owner,
    )
    .await?;
    Ok(SubscriptionOut {
        record_kind: path.record_kind.clone(),
        record_id: path.record_id,
        link: link_of(&path.record_kind, path.record_id),
        following: status.following,
        by_default: status.by_default,
    })
}

/// The records the caller chose to follow, newest first.
#[utoipa::path(
    tag = "notifications",
    responses(
        (status = 200, body = Vec<SubscriptionOut>),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/me/subscriptions")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<Vec<SubscriptionOut>>, ApiError> {
    let user_id = person(&caller.0)?;
    let rows = notifications::subscriptions(&state.db.conn, user_id).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|row| SubscriptionOut {
                link: link_of(&row.record_kind, row.record_id),
                record_kind: row.record_kind,
                record_id: row.record_id,
                following: true,
                by_default: false,
            })
            .collect(),
    ))
}

/// Whether the caller follows one record.
#[utoipa::path(
    tag = "notifications",
    params(("record_kind" = String, Path, description = "`proposal` or `policy_issue`"), ("record_id" = i64, Path)),
    responses(
        (status = 200, body = SubscriptionOut),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such record, or one the caller may not read", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/me/subscriptions/{record_kind}/{record_id}")]
pub async fn get_subscription(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<RecordPath>,
) -> Result<web::Json<SubscriptionOut>, ApiError> {
    let caller = caller.0;
    person(&caller)?;
    let owner = readable_record(&state, &caller, &path).await?;
    Ok(web::Json(
        subscription_out(&state, &caller, &path, &owner).await?,
    ))
}

/// Follow a record: hear of its events from now on.
#[utoipa::path(
    tag = "notifications",
    params(("record_kind" = String, Path, description = "`proposal` or `policy_issue`"), ("record_id" = i64, Path)),
    responses(
        (status = 200, body = SubscriptionOut),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such record, or one the caller may not read", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[put("/me/subscriptions/{record_kind}/{record_id}")]
pub async fn follow(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<RecordPath>,
) -> Result<web::Json<SubscriptionOut>, ApiError> {
    set_following(state, caller, path, true).await
}

/// Stop following a record, including one followed by default (of the caller's own section).
#[utoipa::path(
    tag = "notifications",
    params(("record_kind" = String, Path, description = "`proposal` or `policy_issue`"), ("record_id" = i64, Path)),
    responses(
        (status = 200, body = SubscriptionOut),
        (status = 403, description = "A service account", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such record, or one the caller may not read", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[delete("/me/subscriptions/{record_kind}/{record_id}")]
pub async fn unfollow(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<RecordPath>,
) -> Result<web::Json<SubscriptionOut>, ApiError> {
    set_following(state, caller, path, false).await
}

async fn set_following(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<RecordPath>,
    following: bool,
) -> Result<web::Json<SubscriptionOut>, ApiError> {
    let caller = caller.0;
    let user_id = person(&caller)?;
    let owner = readable_record(&state, &caller, &path).await?;
    let txn = persistence::begin_write(&state.db.conn)
        .await
        .map_err(persistence::StoreError::from)?;
    notifications::set_following(
        &txn,
        user_id,
        &path.record_kind,
        path.record_id,
        following,
        persistence::clock::now(),
    )
    .await?;
    txn.commit().await.map_err(persistence::StoreError::from)?;
    Ok(web::Json(
        subscription_out(&state, &caller, &path, &owner).await?,
    ))
}
