//! Sign-in: passwords, tokens, throttling and the extractor that hands handlers the caller.

pub mod handlers;
pub mod passwords;
pub mod principal;
pub mod tokens;

pub use principal::Authenticated;
pub use tokens::{AuthSettings, CookieSecure, Secret, TokenKind, TokenService};

use persistence::throttle::ThrottlePolicy;

/// Limits on failed sign-ins, per account and per client address.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleSettings {
    pub account: ThrottlePolicy,
    pub address: ThrottlePolicy,
    pub trust_forwarded_for: bool,
}
