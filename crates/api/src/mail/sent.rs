//! The 送信済みメール view: every e-mail Platina sent over SMTP or only recorded, for the reform
//! office (admins), newest first.

use crate::auth::Authenticated;
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Paging;
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use domain::{Action, authorize};
use persistence::mail::{self as store, SentMail};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The sent-mail list's parameters: paging only.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SentMailQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// One mail in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentMailSummaryOut {
    pub id: i64,
    pub to_address: String,
    pub user_id: Option<i64>,
    pub subject: String,
    /// `immediate` (one notification) or `digest` (the day's notifications of one user).
    pub kind: String,
    /// `smtp` (handed to the SMTP server) or `recorded` (no SMTP server configured, or demo mode).
    pub transport: String,
    pub sent_at: DateTime<Utc>,
    /// Why the SMTP server refused the mail for good; absent when it was accepted.
    pub error: Option<String>,
    pub notification_count: usize,
}

/// One mail with its text, as sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentMailOut {
    pub id: i64,
    pub to_address: String,
    pub user_id: Option<i64>,
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    pub kind: String,
    pub transport: String,
    /// The Message-ID header, without angle brackets.
    pub message_id: String,
    pub notification_ids: Vec<i64>,
    pub sent_at: DateTime<Utc>,
    /// The SMTP server's reply when it accepted the mail, e.g. `250 OK`.
    pub smtp_reply: Option<String>,
    pub error: Option<String>,
}

impl From<&SentMail> for SentMailSummaryOut {
    fn from(mail: &SentMail) -> Self {
        SentMailSummaryOut {
            id: mail.id,
            to_address: mail.to_address.clone(),
            user_id: mail.user_id,
            subject: mail.subject.clone(),
            kind: mail.kind.clone(),
            transport: mail.transport.clone(),
            sent_at: mail.sent_at,
            error: mail.error.clone(),
            notification_count: store::notification_ids_of(mail).len(),
        }
    }
}

impl From<&SentMail> for SentMailOut {
    fn from(mail: &SentMail) -> Self {
        SentMailOut {
            id: mail.id,
            to_address: mail.to_address.clone(),
            user_id: mail.user_id,
            subject: mail.subject.clone(),
            body: mail.body.clone(),
            kind: mail.kind.clone(),
            transport: mail.transport.clone(),
            message_id: mail.message_id.clone(),
            notification_ids: store::notification_ids_of(mail),
            sent_at: mail.sent_at,
            smtp_reply: mail.smtp_reply.clone(),
            error: mail.error.clone(),
        }
    }
}

/// Sent and recorded e-mail, newest first.
#[utoipa::path(
    tag = "admin",
    params(SentMailQuery),
    responses((status = 200, body = PageOut<SentMailSummaryOut>)),
    security(("bearer" = ["admin"])),
)]
#[get("/admin/sent-mail")]
pub async fn list_sent_mail(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SentMailQuery>,
) -> Result<web::Json<PageOut<SentMailSummaryOut>>, ApiError> {
    authorize(&caller.0, Action::ReadSentMail)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    };
    let page = store::list(&state.db.conn, paging.request()?).await?;
    Ok(web::Json(PageOut::from_page(page, |m| {
        SentMailSummaryOut::from(m)
    })))
}

/// One sent or recorded e-mail with its text.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "Sent mail id")),
    responses(
        (status = 200, body = SentMailOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[get("/admin/sent-mail/{id}")]
pub async fn get_sent_mail(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<SentMailOut>, ApiError> {
    authorize(&caller.0, Action::ReadSentMail)?;
    let mail = store::find(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(web::Json(SentMailOut::from(&mail)))
}
