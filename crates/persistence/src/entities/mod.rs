//! sea-orm entities: the database model, never sent over the wire as is.

pub mod audit_event;
pub mod login_throttle;
pub mod refresh_token;
pub mod service_account;
pub mod user;
