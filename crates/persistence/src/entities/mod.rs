//! sea-orm entities: the database model, never sent over the wire as is.

pub mod audit_event;
pub mod bureau;
pub mod login_throttle;
pub mod refresh_token;
pub mod section;
pub mod section_name;
pub mod service_account;
pub mod user;
