//! The moment a write happens, at the precision both databases keep.

use chrono::{DateTime, SubsecRound, Utc};

/// Now, truncated to microseconds: PostgreSQL keeps no more, and a timestamp that SQLite stored
/// with nanoseconds would otherwise change when a backup moves it to PostgreSQL.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
