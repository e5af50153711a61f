//! Sign-in: passwords, throttling, the sign-in handlers and the extractor that hands handlers the
//! caller. The tokens themselves are `crate::tokens`, which `AppState` holds without depending on
//! the handlers here.

pub mod handlers;
pub mod passwords;
pub mod principal;

pub use crate::state::ThrottleSettings;
pub use crate::tokens::{AuthSettings, CookieSecure, Secret, TokenKind, TokenService};
pub use principal::Authenticated;
