//! The sample's calendar: its fixed date range, weekdays, and fast ISO 8601
//! formatting of UTC seconds (written for every one of millions of rows).

use crate::date::{civil_from_days, days_from_civil};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// First day of user activity (logins, page visits): 2025-07-01.
pub const START_DAY: i32 = 20_270;
/// First entity-count snapshot: 2025-11-01.
pub const ENTITY_START_DAY: i32 = 20_393;
/// Last day of every table: 2026-11-25.
pub const END_DAY: i32 = 20_782;
/// The moment the export was taken (midnight after the last day): runs that
/// would end later are still `in_progress`.
pub const EXPORT_AT: i64 = (END_DAY as i64 + 1) * DAY;

/// Days since 1970-01-01 of a civil date.
pub fn day(year: i64, month: u32, day: u32) -> i32 {
    days_from_civil(year, month, day) as i32
}

/// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: i32) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// `(year, month)` of a day.
pub fn year_month(day: i32) -> (i64, u32) {
    let (y, m, _) = civil_from_days(i64::from(day));
    (y, m)
}

/// A UTC second formatted as `YYYY-MM-DDTHH:MM:SSZ`, kept on the stack.
pub struct Stamp([u8; 20]);

impl Stamp {
    /// Formats `secs` since 1970-01-01T00:00:00Z (years 1000–9999).
    pub fn new(secs: i64) -> Stamp {
        let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
        let t = secs.rem_euclid(DAY);
        let mut b = *b"0000-00-00T00:00:00Z";
        let put = |b: &mut [u8; 20], at: usize, width: usize, mut v: i64| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(&mut b, 0, 4, y);
        put(&mut b, 5, 2, i64::from(m));
        put(&mut b, 8, 2, i64::from(d));
        put(&mut b, 11, 2, t / 3600);
        put(&mut b, 14, 2, t / 60 % 60);
        put(&mut b, 17, 2, t % 60);
        Stamp(b)
    }

    /// The formatted text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators were written.
        std::str::from_utf8(&self.0).expect("ASCII timestamp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_date(day: i32) -> String {
        Stamp::new(i64::from(day) * DAY).as_str()[..10].to_string()
    }

    #[test]
    fn fixed_days_are_the_dates_they_name() {
        assert_eq!(format_date(START_DAY), "2025-07-01");
        assert_eq!(format_date(ENTITY_START_DAY), "2025-11-01");
        assert_eq!(format_date(END_DAY), "2026-11-25");
        assert_eq!(day(2025, 7, 1), START_DAY);
        assert_eq!(Stamp::new(EXPORT_AT).as_str(), "2026-11-26T00:00:00Z");
    }

    #[test]
    fn weekdays_follow_the_calendar() {
        // 2025-07-01 was a Tuesday, 2026-11-25 a Wednesday, 2026-02-01 a Sunday.
        assert_eq!(weekday(START_DAY), 1);
        assert_eq!(weekday(END_DAY), 2);
        assert_eq!(weekday(day(2026, 2, 1)), 6);
        assert_eq!(weekday(day(2026, 2, 2)), 0);
    }

    #[test]
    fn stamps_match_the_reference_formatter() {
        // 2025-07-01T09:14:03Z = 20270 days + 9h 14m 3s.
        assert_eq!(Stamp::new(20_270 * DAY + 9 * 3600 + 14 * 60 + 3).as_str(), "2025-07-01T09:14:03Z");
        let mut secs = 1_700_000_000;
        while secs < 1_800_000_000 {
            assert_eq!(Stamp::new(secs).as_str(), crate::date::format_timestamp(secs * 1_000_000));
            secs += 7_777;
        }
        assert_eq!(year_month(day(2026, 1, 31)), (2026, 1));
    }
}
