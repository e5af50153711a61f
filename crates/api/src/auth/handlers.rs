//! `/auth/*` and `/me`: sign-in for people (password, then refresh-token rotation in an HttpOnly
//! cookie) and for internal systems (client credentials).

use super::Authenticated;
use super::passwords;
use crate::dto::{RoleOut, ScopesOut, UserOut};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::{JsonOrForm, ValidJson};
use crate::state::AppState;
use crate::tokens::{CookieSecure, Subject, TokenKind};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::{Action, Email, PrincipalKind, authorize};
use persistence::refresh_tokens::{self, NewRefreshToken, Redemption};
use persistence::{accounts, throttle};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

pub const REFRESH_COOKIE: &str = "platina_refresh";
const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

fn no_control_characters(value: &str) -> Result<(), ValidationError> {
    if domain::text::has_forbidden_control(value, false) {
        let mut error = ValidationError::new("control_character");
        error.message = Some("control characters are not allowed".into());
        return Err(error);
    }
    Ok(())
}

fn email_address(value: &str) -> Result<(), ValidationError> {
    no_control_characters(value)?;
    Email::parse(value).map(|_| ()).map_err(|_| {
        let mut error = ValidationError::new("invalid_email");
        error.message = Some("must be an e-mail address such as name@city.example.jp".into());
        error
    })
}

/// A person's sign-in.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    /// Compared after NFKC normalisation and in lower case.
    #[validate(custom(function = "email_address"))]
    #[schema(example = "admin@platina.example")]
    pub email: String,
    #[validate(
        length(
            min = 1,
            max = 1024,
            code = "length",
            message = "must be 1 to 1024 characters"
        ),
        custom(function = "no_control_characters")
    )]
    #[schema(example = "platina-demo")]
    pub password: String,
}

/// A signed-in session: a short-lived access token for the `Authorization: Bearer` header. The
/// refresh token travels only in the HttpOnly cookie.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: UserOut,
}

/// The OAuth 2.0 client-credentials grant of an internal system.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientCredentialsIn {
    /// Must be `client_credentials`.
    #[validate(custom(function = "client_credentials_grant"))]
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    #[validate(
        length(
            min = 1,
            max = 64,
            code = "length",
            message = "must be 1 to 64 characters"
        ),
        custom(function = "no_control_characters")
    )]
    pub client_id: String,
    #[validate(
        length(
            min = 1,
            max = 256,
            code = "length",
            message = "must be 1 to 256 characters"
        ),
        custom(function = "no_control_characters")
    )]
    pub client_secret: String,
}

/// The one OAuth 2.0 grant the token endpoint serves.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

fn client_credentials_grant(value: &str) -> Result<(), ValidationError> {
    if value == CLIENT_CREDENTIALS {
        Ok(())
    } else {
        let mut error = ValidationError::new("unsupported_grant_type");
        error.message = Some("only client_credentials is supported".into());
        Err(error)
    }
}

/// An access token for an internal system.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceTokenOut {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    pub expires_in: u64,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKindOut {
    User,
    ServiceAccount,
}

/// The caller: a person (with an e-mail address) or an internal system.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub kind: PrincipalKindOut,
    pub id: i64,
    /// Absent for service accounts.
    pub email: Option<String>,
    pub display_name: String,
    pub role: RoleOut,
    pub scopes: ScopesOut,
}

fn client_address(req: &HttpRequest, state: &AppState) -> String {
    if state.throttle.trust_forwarded_for
        && let Some(address) = req.connection_info().realip_remote_addr()
    {
        return address.to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((until - now).num_seconds())
        .unwrap_or(0)
        .max(1)
}

/// Refuses at once when the account or the address is paused.
async fn refuse_if_paused(
    state: &AppState,
    keys: &[&str],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for key in keys {
        if let Some(until) = throttle::blocked_until(&state.db.conn, key, now).await? {
            return Err(ApiError::too_many_requests(seconds_until(until, now)));
        }
    }
    Ok(())
}

async fn count_failure(
    state: &AppState,
    account_key: &str,
    address_key: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let conn = &state.db.conn;
    throttle::record_failure(conn, account_key, state.throttle.account, now).await?;
    throttle::record_failure(conn, address_key, state.throttle.address, now).await?;
    Ok(())
}

fn secure_cookie(req: &HttpRequest, setting: CookieSecure) -> bool {
    match setting {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => {
            let info = req.connection_info();
            let host = info.host().rsplit_once(':').map_or(info.host(), |(h, _)| h);
            !matches!(host, "localhost" | "127.0.0.1" | "[::1]")
        }
    }
}

fn refresh_cookie(
    req: &HttpRequest,
    state: &AppState,
    value: String,
    max_age_seconds: i64,
) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value)
        .path(REFRESH_COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure_cookie(req, state.tokens.settings().cookie_secure))
        .max_age(CookieDuration::seconds(max_age_seconds))
        .finish()
}

/// Issues an access token and the next refresh token of `family`, and answers with both.
async fn open_session(
    req: &HttpRequest,
    state: &AppState,
    user: &accounts::User,
    family: &str,
    now: DateTime<Utc>,
) -> Result<HttpResponse, ApiError> {
    let access = state
        .tokens
        .issue(TokenKind::Access, Subject::User(user.id), None, now)
        .map_err(ApiError::internal)?;
    let next_refresh = state
        .tokens
        .issue(
            TokenKind::Refresh,
            Subject::User(user.id),
            Some(family),
            now,
        )
        .map_err(ApiError::internal)?;
    refresh_tokens::insert(
        &state.db.conn,
        NewRefreshToken {
            id: &next_refresh.jti,
            family_id: family,
            user_id: user.id,
            issued_at: now,
            expires_at: next_refresh.expires_at,
        },
    )
    .await?;
    let max_age = (next_refresh.expires_at - now).num_seconds();
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(req, state, next_refresh.token, max_age))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TokenOut {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: state.tokens.access_ttl().as_secs(),
            user: user.into(),
        }))
}

/// Sign in with e-mail and password.
///
/// Answers the same 401 for an unknown address and a wrong password. Repeated failures pause the
/// account and the client address for a short time (429 with `Retry-After`). Sets the refresh
/// token as an HttpOnly, SameSite=Strict cookie.
#[utoipa::path(
    tag = "auth",
    request_body = LoginIn,
    responses(
        (status = 200, description = "Signed in", body = TokenOut),
        (status = 401, description = "Wrong e-mail address or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; retry after the given seconds", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<LoginIn>,
) -> Result<HttpResponse, ApiError> {
    let LoginIn { email, password } = body.0;
    let email = Email::parse(&email).map_err(|_| ApiError::new(ErrorCode::InvalidCredentials))?;
    let now = persistence::clock::now();
    let account_key = format!("account:{email}");
    let address_key = format!("address:{}", client_address(&req, &state));
    refuse_if_paused(&state, &[&account_key, &address_key], now).await?;

    let user = accounts::find_user_by_email(&state.db.conn, &email).await?;
    // Verify against a stand-in hash when the account is unknown, so both failures take as long.
    let stored_hash = user
        .as_ref()
        .map_or_else(|| state.stand_in_hash.clone(), |u| u.password_hash.clone());
    let password_ok = passwords::verify_off_thread(password, stored_hash).await;
    let user = match user {
        Some(user) if password_ok && !user.disabled => user,
        _ => {
            count_failure(&state, &account_key, &address_key, now).await?;
            return Err(ApiError::new(ErrorCode::InvalidCredentials));
        }
    };
    throttle::clear(&state.db.conn, &account_key).await?;
    let family = uuid::Uuid::new_v4().simple().to_string();
    tracing::info!(user_id = user.id, "signed in");
    open_session(&req, &state, &user, &family, now).await
}

fn refresh_claims(
    req: &HttpRequest,
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<crate::tokens::Claims, ApiError> {
    let cookie = req.cookie(REFRESH_COOKIE).ok_or_else(|| {
        ApiError::new(ErrorCode::Unauthenticated).with_detail("no refresh cookie")
    })?;
    state
        .tokens
        .verify(cookie.value(), TokenKind::Refresh, now)
        .map_err(|e| {
            tracing::info!(reason = %e, "refresh token refused");
            ApiError::new(ErrorCode::InvalidToken)
        })
}

fn clear_cookie(req: &HttpRequest, state: &AppState, response: &mut HttpResponse) {
    let mut cookie = refresh_cookie(req, state, String::new(), 0);
    cookie.make_removal();
    // Adding a cookie to a response we built ourselves cannot fail on its value.
    let _ = response.add_cookie(&cookie);
}

/// Exchange the refresh cookie for a new access token and a new refresh cookie.
///
/// Each refresh token works once. Presenting one a second time ends the whole session family
/// (`refresh_token_reused`), since it means the token was copied.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "A new access token; the refresh cookie was rotated", body = TokenOut),
        (status = 401, description = "No, an invalid, or a reused refresh token", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = persistence::clock::now();
    let result = async {
        let claims = refresh_claims(&req, &state, now)?;
        match refresh_tokens::redeem(&state.db.conn, &claims.jti, now).await? {
            Redemption::Redeemed { family_id, user_id } => {
                let user = accounts::find_user(&state.db.conn, user_id)
                    .await?
                    .filter(|u| !u.disabled)
                    .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
                open_session(&req, &state, &user, &family_id, now).await
            }
            Redemption::Reused => {
                tracing::warn!(family = ?claims.fam, "refresh token reused; family revoked");
                Err(ApiError::new(ErrorCode::RefreshTokenReused))
            }
            Redemption::Invalid => Err(ApiError::new(ErrorCode::InvalidToken)),
        }
    }
    .await;
    result.or_else(|err| {
        let mut response = actix_web::ResponseError::error_response(&err);
        clear_cookie(&req, &state, &mut response);
        Ok(response)
    })
}

/// Sign out: ends the session family of the refresh cookie and removes the cookie.
#[utoipa::path(
    tag = "auth",
    responses((status = 204, description = "Signed out (also when there was no session)")),
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = persistence::clock::now();
    if let Ok(claims) = refresh_claims(&req, &state, now) {
        refresh_tokens::revoke_family_of(&state.db.conn, &claims.jti, now).await?;
    }
    let mut response = HttpResponse::NoContent().finish();
    clear_cookie(&req, &state, &mut response);
    Ok(response)
}

/// Token for an internal system (OAuth 2.0 client credentials).
///
/// Accepts `application/x-www-form-urlencoded` as RFC 6749 describes, or JSON. The token carries
/// the service account's role and scopes; there is no refresh token: ask again when it expires.
#[utoipa::path(
    tag = "auth",
    request_body(content(
        (ClientCredentialsIn = "application/x-www-form-urlencoded"),
        (ClientCredentialsIn = "application/json"),
    )),
    responses(
        (status = 200, description = "An access token", body = ServiceTokenOut),
        (status = 401, description = "Unknown client or wrong secret", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonOrForm<ClientCredentialsIn>,
) -> Result<HttpResponse, ApiError> {
    let ClientCredentialsIn {
        client_id,
        client_secret,
        ..
    } = body.0;
    let now = persistence::clock::now();
    let account_key = format!("client:{client_id}");
    let address_key = format!("address:{}", client_address(&req, &state));
    refuse_if_paused(&state, &[&account_key, &address_key], now).await?;

    let account = accounts::find_service_account_by_client_id(&state.db.conn, &client_id).await?;
    let stored_hash = account
        .as_ref()
        .map_or_else(|| state.stand_in_hash.clone(), |a| a.secret_hash.clone());
    let secret_ok = passwords::verify_off_thread(client_secret, stored_hash).await;
    let account = match account {
        Some(account) if secret_ok && !account.disabled => account,
        _ => {
            count_failure(&state, &account_key, &address_key, now).await?;
            return Err(ApiError::new(ErrorCode::InvalidCredentials)
                .with_detail("unknown client or wrong secret"));
        }
    };
    throttle::clear(&state.db.conn, &account_key).await?;
    let access = state
        .tokens
        .issue(
            TokenKind::Access,
            Subject::ServiceAccount(account.id),
            None,
            now,
        )
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(ServiceTokenOut {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: state.tokens.access_ttl().as_secs(),
        }))
}

/// The signed-in caller, with role and scopes as they are now.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The caller", body = MeOut)),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<MeOut>, ApiError> {
    let principal = caller.0;
    authorize(&principal, Action::ReadOwnAccount)?;
    let email = match principal.kind {
        PrincipalKind::User => accounts::find_user(&state.db.conn, principal.id)
            .await?
            .map(|u| u.email),
        PrincipalKind::ServiceAccount => None,
    };
    Ok(web::Json(MeOut {
        kind: match principal.kind {
            PrincipalKind::User => PrincipalKindOut::User,
            PrincipalKind::ServiceAccount => PrincipalKindOut::ServiceAccount,
        },
        id: principal.id,
        email,
        display_name: principal.display_name,
        role: principal.role.into(),
        scopes: (&principal.scopes).into(),
    }))
}
