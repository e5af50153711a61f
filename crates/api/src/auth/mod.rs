//! Sign-in: passwords, tokens, throttling and the extractor that hands handlers the caller.

pub mod handlers;
pub mod passwords;
pub mod principal;

pub use crate::state::ThrottleSettings;
pub use crate::tokens::{AuthSettings, CookieSecure, Secret, TokenKind, TokenService};
pub use principal::Authenticated;
