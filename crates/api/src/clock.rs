//! The calendar of the city: today as Japan counts it.

use chrono::{FixedOffset, NaiveDate, Utc};

/// Today in Japan, where every date of the city's records is meant (Japan has no daylight time).
pub fn today_in_tokyo() -> NaiveDate {
    let now = Utc::now();
    match FixedOffset::east_opt(9 * 3600) {
        Some(tokyo) => now.with_timezone(&tokyo).date_naive(),
        None => now.date_naive(),
    }
}
