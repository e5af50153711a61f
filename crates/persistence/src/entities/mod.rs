//! sea-orm entities: the database model, never sent over the wire as is.

pub mod audit_event;
pub mod bureau;
pub mod consultation;
pub mod login_throttle;
pub mod project_team;
pub mod proposal;
pub mod proposal_assignment;
pub mod refresh_token;
pub mod section;
pub mod section_name;
pub mod service_account;
pub mod stage_event;
pub mod user;
