//! Access and refresh tokens as JWTs, following RFC 8725: the algorithm comes from configuration
//! and never from the token, `iss`, `aud`, `exp`, `iat` and `sub` are required, `nbf` is honoured
//! when present, a `typ` claim keeps the two kinds apart, and clock leeway is at most 30 seconds.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Key material that must never reach a log line or a `Debug` dump.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Secret(bytes.into())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecure {
    /// Secure unless the request came to localhost, where browsers accept it over plain HTTP.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub algorithm: Algorithm,
    pub secret: Secret,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub leeway: Duration,
    pub cookie_secure: CookieSecure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Access,
    Refresh,
}

/// The claims of both kinds of token. `fam` is the refresh-token family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub typ: TokenKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
}

/// Who a token's `sub` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    User(i64),
    ServiceAccount(i64),
}

impl Subject {
    pub fn encode(self) -> String {
        match self {
            Subject::User(id) => format!("user:{id}"),
            Subject::ServiceAccount(id) => format!("service_account:{id}"),
        }
    }

    pub fn decode(sub: &str) -> Option<Self> {
        let (kind, id) = sub.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "user" => Some(Subject::User(id)),
            "service_account" => Some(Subject::ServiceAccount(id)),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token rejected: {0}")]
    Rejected(String),
    #[error("token is of the wrong kind")]
    WrongKind,
    #[error("token could not be signed: {0}")]
    Signing(String),
}

pub struct TokenService {
    settings: AuthSettings,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for TokenService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenService")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A freshly signed token and the moment it stops working.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

impl TokenService {
    pub const MAX_ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
    pub const MAX_LEEWAY: Duration = Duration::from_secs(30);

    pub fn new(settings: AuthSettings) -> Self {
        let mut validation = Validation::new(settings.algorithm);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        // Off by default in jsonwebtoken: a token that is not valid yet must not work early.
        validation.validate_nbf = true;
        validation.leeway = settings.leeway.min(Self::MAX_LEEWAY).as_secs();
        TokenService {
            encoding: EncodingKey::from_secret(settings.secret.expose()),
            decoding: DecodingKey::from_secret(settings.secret.expose()),
            validation,
            settings,
        }
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    pub fn access_ttl(&self) -> Duration {
        self.settings.access_ttl.min(Self::MAX_ACCESS_TTL)
    }

    pub fn issue(
        &self,
        kind: TokenKind,
        subject: Subject,
        family: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, TokenError> {
        let ttl = match kind {
            TokenKind::Access => self.access_ttl(),
            TokenKind::Refresh => self.settings.refresh_ttl,
        };
        let ttl =
            chrono::Duration::from_std(ttl).map_err(|e| TokenError::Signing(e.to_string()))?;
        let expires_at = now + ttl;
        let jti = uuid::Uuid::new_v4().simple().to_string();
        let claims = Claims {
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            sub: subject.encode(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            jti: jti.clone(),
            typ: kind,
            fam: family.map(str::to_owned),
        };
        let token = jsonwebtoken::encode(
            &Header::new(self.settings.algorithm),
            &claims,
            &self.encoding,
        )
        .map_err(|e| TokenError::Signing(e.to_string()))?;
        Ok(IssuedToken {
            token,
            jti,
            expires_at,
        })
    }

    /// Checks signature, algorithm, issuer, audience, expiry, not-before, issue time and kind.
    pub fn verify(
        &self,
        token: &str,
        expected: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| TokenError::Rejected(e.to_string()))?;
        let claims = data.claims;
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        if claims.iat > now.timestamp() + leeway {
            return Err(TokenError::Rejected("issued in the future".into()));
        }
        if claims.typ != expected {
            return Err(TokenError::WrongKind);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(secret: &str) -> TokenService {
        TokenService::new(AuthSettings {
            algorithm: Algorithm::HS256,
            secret: Secret::new(secret.as_bytes().to_vec()),
            issuer: "platina".into(),
            audience: "platina-api".into(),
            access_ttl: Duration::from_secs(600),
            refresh_ttl: Duration::from_secs(3600),
            leeway: Duration::from_secs(5),
            cookie_secure: CookieSecure::Auto,
        })
    }

    #[test]
    fn an_access_token_verifies_as_access_and_not_as_refresh() -> Result<(), TokenError> {
        let tokens = service("0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let issued = tokens.issue(TokenKind::Access, Subject::User(7), None, now)?;
        let claims = tokens.verify(&issued.token, TokenKind::Access, now)?;
        assert_eq!(Subject::decode(&claims.sub), Some(Subject::User(7)));
        assert!(matches!(
            tokens.verify(&issued.token, TokenKind::Refresh, now),
            Err(TokenError::WrongKind)
        ));
        Ok(())
    }

    #[test]
    fn a_token_signed_with_another_key_is_rejected() -> Result<(), TokenError> {
        let now = Utc::now();
        let forged = service("another-key-another-key-another-k").issue(
            TokenKind::Access,
            Subject::User(1),
            None,
            now,
        )?;
        let result = service("0123456789abcdef0123456789abcdef").verify(
            &forged.token,
            TokenKind::Access,
            now,
        );
        assert!(matches!(result, Err(TokenError::Rejected(_))));
        Ok(())
    }

    fn sign_raw(claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap_or_default()
    }

    #[test]
    fn a_token_that_is_not_valid_yet_is_rejected_until_its_nbf() -> Result<(), TokenError> {
        let tokens = service("0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let claims = |nbf: i64| {
            serde_json::json!({
                "iss": "platina", "aud": "platina-api", "sub": "user:1", "jti": "j",
                "typ": "access", "iat": now.timestamp(), "exp": now.timestamp() + 600,
                "nbf": nbf,
            })
        };
        let later = sign_raw(&claims(now.timestamp() + 300));
        assert!(matches!(
            tokens.verify(&later, TokenKind::Access, now),
            Err(TokenError::Rejected(_))
        ));
        let already = sign_raw(&claims(now.timestamp() - 1));
        tokens.verify(&already, TokenKind::Access, now)?;
        Ok(())
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let text = format!("{:?}", service("0123456789abcdef0123456789abcdef"));
        assert!(!text.contains("0123456789abcdef"));
        assert!(text.contains("redacted"));
    }

    #[test]
    fn subjects_round_trip_and_reject_unknown_kinds() {
        for subject in [Subject::User(3), Subject::ServiceAccount(9)] {
            assert_eq!(Subject::decode(&subject.encode()), Some(subject));
        }
        assert_eq!(Subject::decode("robot:1"), None);
        assert_eq!(Subject::decode("user:x"), None);
    }
}
