//! The `Authenticated` extractor: verifies the bearer token and reads the account afresh, so a
//! disabled account or a changed role takes effect on the very next request.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::tokens::{Subject, TokenKind};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use domain::Principal;
use persistence::accounts;
use std::future::Future;
use std::pin::Pin;

#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state
        .tokens
        .verify(token, TokenKind::Access, chrono::Utc::now())
        .map_err(|e| {
            tracing::info!(reason = %e, "bearer token refused");
            ApiError::new(ErrorCode::InvalidToken)
        })?;
    let subject =
        Subject::decode(&claims.sub).ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
    let conn = &state.db.conn;
    let principal = match subject {
        Subject::User(id) => accounts::find_user(conn, id)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| u.principal()),
        Subject::ServiceAccount(id) => accounts::find_service_account(conn, id)
            .await?
            .filter(|a| !a.disabled)
            .map(|a| a.principal()),
    };
    principal.ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidToken).with_detail("the account is disabled or gone")
    })
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // The operation gate has already authenticated the caller of any operation with roles.
        if let Some(admitted) = req.extensions().get::<Authenticated>().cloned() {
            return Box::pin(async move { Ok(admitted) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
            authenticate(&state, &token).await.map(Authenticated)
        })
    }
}
