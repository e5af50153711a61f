//! The calendar of the city: today as Japan counts it, and the clock that reporting rounds plan
//! their reminders and count overdue answers by.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Today in Japan, where every date of the city's records is meant (Japan has no daylight time).
pub fn today_in_tokyo() -> NaiveDate {
    tokyo_date(Utc::now())
}

fn tokyo_date(now: DateTime<Utc>) -> NaiveDate {
    match FixedOffset::east_opt(9 * 3600) {
        Some(tokyo) => now.with_timezone(&tokyo).date_naive(),
        None => now.date_naive(),
    }
}

/// The moment a figure "as known" is read at: the end of `on` in Japan, or the instant `at`;
/// `None` (the live view) when neither is given. Both at once is refused, naming `as_known_at`.
pub fn known_at(
    on: Option<NaiveDate>,
    at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, crate::error::ApiError> {
    match (on, at) {
        (Some(_), Some(_)) => Err(crate::error::ApiError::validation(vec![
            crate::error::FieldError {
                pointer: "/as_known_at".into(),
                location: crate::error::FieldLocation::Query,
                code: "conflict".into(),
                message: "give as_known_on or as_known_at, not both".into(),
            },
        ])),
        (Some(day), None) => Ok(Some(persistence::as_known::end_of_tokyo_day(day))),
        (None, at) => Ok(at),
    }
}

/// The time rounds plan their reminders from and count overdue answers by: the system's, or a
/// fixed moment (`[clock] fixed_now`) so that tests and rehearsals can stand on a chosen day,
/// such as the weeks before Golden Week, whatever the date really is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock { fixed: Some(at) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(persistence::clock::now)
    }

    pub fn today_in_tokyo(&self) -> NaiveDate {
        tokyo_date(self.now())
    }
}

/// The next moment after `now` at which clocks in Tokyo show `time` (Japan is always UTC+9).
pub fn next_tokyo_time(now: DateTime<Utc>, time: NaiveTime) -> DateTime<Utc> {
    let offset = Duration::hours(9);
    let today_there = (now.naive_utc() + offset).date().and_time(time);
    let candidate = Utc.from_utc_datetime(&(today_there - offset));
    if candidate > now {
        candidate
    } else {
        candidate + Duration::days(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_tokyo_time_is_today_when_it_is_still_ahead_and_tomorrow_otherwise() {
        let at = NaiveTime::from_hms_opt(0, 10, 0).unwrap_or_default();
        // 14:00 UTC on the 6th is 23:00 in Tokyo: 00:10 on the 7th there is 15:10 UTC.
        let evening = Utc.with_ymd_and_hms(2026, 12, 6, 14, 0, 0).single();
        let next = evening.map(|now| next_tokyo_time(now, at));
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 12, 6, 15, 10, 0).single());
        // 15:30 UTC is 00:30 on the 7th in Tokyo: the next 00:10 there is on the 8th.
        let after = Utc.with_ymd_and_hms(2026, 12, 6, 15, 30, 0).single();
        let next = after.map(|now| next_tokyo_time(now, at));
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 12, 7, 15, 10, 0).single());
    }
}
