//! Instants, local calendar dates and ages.
//!
//! An [`Instant`] is a point in time (nanoseconds since 1970-01-01T00:00:00Z). Days, midnights
//! and months are counted in the system's time zone ([`Zone`], `Europe/London` by default).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;
use std::fmt;

/// A point in time, nanoseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Instant(pub i64);

pub const NANOS_PER_HOUR: i64 = 3_600_000_000_000;
pub const NANOS_PER_DAY: i64 = 24 * NANOS_PER_HOUR;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("{0:?} is not an RFC 3339 timestamp (like 2017-02-03T14:05:00Z)")]
    Timestamp(String),
    #[error("{0:?} is outside the years 1678 to 2261")]
    OutOfRange(String),
    #[error("{0:?} is not a date (YYYY-MM-DD)")]
    Date(String),
}

impl Instant {
    /// Parses an RFC 3339 timestamp; offsets are allowed.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimeError> {
        if let Some(t) = Self::parse_utc_seconds(s) {
            return Ok(t);
        }
        let t = DateTime::parse_from_rfc3339(s).map_err(|_| TimeError::Timestamp(s.to_string()))?;
        t.timestamp_nanos_opt()
            .map(Instant)
            .ok_or_else(|| TimeError::OutOfRange(s.to_string()))
    }

    /// The common form `YYYY-MM-DDTHH:MM:SSZ`, read without a general parser (a log holds
    /// millions of them). Anything else, leap seconds included, is left to chrono.
    fn parse_utc_seconds(s: &str) -> Option<Instant> {
        let b = s.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let (y, mo, d) = ymd(b)?;
        let (h, mi, sec) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if h > 23 || mi > 59 || sec > 59 {
            return None;
        }
        let days = days_from_civil(y, mo, d)?;
        let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + sec);
        secs.checked_mul(1_000_000_000).map(Instant)
    }

    /// `n` whole hours later.
    pub fn plus_hours(self, n: i64) -> Instant {
        Instant(self.0 + n * NANOS_PER_HOUR)
    }

    /// `n` times 24 hours later.
    pub fn plus_days(self, n: i64) -> Instant {
        Instant(self.0 + n * NANOS_PER_DAY)
    }

    pub fn to_utc(self) -> DateTime<chrono::Utc> {
        DateTime::from_timestamp_nanos(self.0)
    }
}

/// Writes the canonical form: UTC, `Z`, fractional seconds only when present.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.to_utc();
        if self.0.rem_euclid(1_000_000_000) == 0 {
            write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ"))
        } else {
            write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%.fZ"))
        }
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, TimeError> {
    if s.len() != 10 {
        return Err(TimeError::Date(s.to_string()));
    }
    // `YYYY-MM-DD` read directly; anything else (an error) by chrono.
    if let Some(d) = ymd(s.as_bytes()).and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y as i32, m, d))
    {
        return Ok(d);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| TimeError::Date(s.to_string()))
}

/// The year, month and day of `YYYY-MM-DD...` as numbers (not checked as a date).
fn ymd(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?))
}

/// Decimal digits as a number (at most 9 of them).
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Days from 1970-01-01 to the date `y-m-d` of the proleptic Gregorian calendar (as chrono
/// counts them), if it is one; years 0 to 9999.
fn days_from_civil(y: u32, m: u32, d: u32) -> Option<i64> {
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if y > 9999 || d == 0 || d > month_days {
        return None;
    }
    // Howard Hinnant's days_from_civil: years counted from March, in eras of 400 years.
    let (y, m, d) = (i64::from(y) - i64::from(m <= 2), i64::from(m), i64::from(d));
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Completed years on `on` of someone born on `birth`. A 29 February birthday is reached on
/// 1 March in other years.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if day_in_leap_year(on) < day_in_leap_year(birth) {
        age -= 1;
    }
    age
}

/// The day of the year a date's month and day have in a leap year (1 January is 1, 29
/// February 60, 1 March 61): ordered as (month, day) are, from the year and day of the year
/// a date holds, without working out its month (the age checks of every report use it).
fn day_in_leap_year(d: NaiveDate) -> u32 {
    let day = d.ordinal();
    if !d.leap_year() && day > 59 {
        day + 1
    } else {
        day
    }
}

/// The system's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone(pub Tz);

impl Default for Zone {
    fn default() -> Self {
        Zone(chrono_tz::Europe::London)
    }
}

impl Zone {
    /// Parses an IANA name such as `Europe/London`.
    pub fn parse(name: &str) -> Option<Zone> {
        name.parse::<Tz>().ok().map(Zone)
    }

    /// The local calendar date of an instant.
    pub fn local_date(self, t: Instant) -> NaiveDate {
        t.to_utc().with_timezone(&self.0).date_naive()
    }

    /// The local day of the week of an instant.
    pub fn weekday(self, t: Instant) -> Weekday {
        self.local_date(t).weekday()
    }

    /// 00:00 local time on `date`. Where a zone skips midnight, the first instant of the day.
    pub fn midnight(self, date: NaiveDate) -> Instant {
        let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let t = match self.0.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => t,
            chrono::LocalResult::Ambiguous(first, _) => first,
            chrono::LocalResult::None => {
                // The clock jumped over midnight: take the first local instant of the day, or,
                // where the whole day was skipped (Kiribati's 31 December 1994, Samoa's
                // 30 December 2011), the instant the next day began.
                (1..=4 * 48)
                    .find_map(|q| {
                        let later = naive + chrono::Duration::minutes(15 * q);
                        self.0.from_local_datetime(&later).earliest()
                    })
                    .expect("no zone skips two days")
            }
        };
        Instant(t.timestamp_nanos_opt().expect("date in range"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn age_on_counts_completed_years_by_month_and_day() {
        use super::age_on;
        use chrono::{Datelike, NaiveDate};
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // Against (month, day) compared as such: births over two leap cycles, each day of
        // the years about their 65th birthday.
        let by_month_day = |birth: NaiveDate, on: NaiveDate| {
            on.year()
                - birth.year()
                - i32::from((on.month(), on.day()) < (birth.month(), birth.day()))
        };
        let mut birth = day(1948, 1, 1);
        while birth < day(1956, 1, 1) {
            let mut on = day(birth.year() + 64, 12, 1);
            while on < day(birth.year() + 66, 1, 31) {
                assert_eq!(age_on(birth, on), by_month_day(birth, on), "{birth} {on}");
                on = on.succ_opt().unwrap();
            }
            birth += chrono::Duration::days(3);
        }
        // A 29 February birthday: reached on 1 March in other years, on the day in leap ones.
        let leapling = day(1952, 2, 29);
        assert_eq!(age_on(leapling, day(2017, 2, 28)), 64);
        assert_eq!(age_on(leapling, day(2017, 3, 1)), 65);
        assert_eq!(age_on(leapling, day(2016, 2, 28)), 63);
        assert_eq!(age_on(leapling, day(2016, 2, 29)), 64);
        // Born on 1 March: a leap year's 29 February is before it.
        assert_eq!(age_on(day(1951, 3, 1), day(2016, 2, 29)), 64);
        assert_eq!(age_on(day(1951, 3, 1), day(2016, 3, 1)), 65);
    }

    use super::*;

    #[test]
    fn dates_and_instants_read_directly_as_chrono_reads_them() {
        let years = (1890..=2110).chain([
            0, 1, 4, 99, 100, 200, 400, 1000, 1600, 1677, 1678, 1700, 1800, 2261, 2262, 2400, 9996,
            9999,
        ]);
        for y in years {
            for m in 0..=13 {
                for day in 0..=32 {
                    let date = format!("{y:04}-{m:02}-{day:02}");
                    let chrono_date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok();
                    assert_eq!(parse_date(&date).ok(), chrono_date, "{date}");
                    let at = format!("{date}T23:59:59Z");
                    let by_chrono = DateTime::parse_from_rfc3339(&at)
                        .ok()
                        .and_then(|t| t.timestamp_nanos_opt());
                    assert_eq!(
                        Instant::parse_rfc3339(&at).ok().map(|i| i.0),
                        by_chrono,
                        "{at}"
                    );
                }
            }
        }
        for at in [
            "2017-02-03T24:00:00Z",
            "2017-02-03T23:60:00Z",
            "2017-02-03T23:59:60Z",
            "2017-02-03T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            let by_chrono = DateTime::parse_from_rfc3339(at)
                .ok()
                .and_then(|t| t.timestamp_nanos_opt());
            assert_eq!(
                Instant::parse_rfc3339(at).ok().map(|i| i.0),
                by_chrono,
                "{at}"
            );
        }
    }

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn a_skipped_day_begins_where_the_next_day_does() {
        let kiribati = Zone::parse("Pacific/Kiritimati").unwrap();
        assert_eq!(
            kiribati.midnight(d("1994-12-31")),
            kiribati.midnight(d("1995-01-01"))
        );
        let samoa = Zone::parse("Pacific/Apia").unwrap();
        assert_eq!(
            samoa.midnight(d("2011-12-30")),
            samoa.midnight(d("2011-12-31"))
        );
    }

    #[test]
    fn parses_offsets_as_instants() {
        let a = Instant::parse_rfc3339("2017-02-03T14:05:00Z").unwrap();
        let b = Instant::parse_rfc3339("2017-02-03T15:05:00+01:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2017-02-03T14:05:00Z");
        assert!(Instant::parse_rfc3339("2017-02-03 14:05").is_err());
        assert!(Instant::parse_rfc3339("2017-02-30T00:00:00Z").is_err());
    }

    #[test]
    fn the_fast_path_agrees_with_chrono() {
        for s in [
            "2017-02-03T14:05:00Z",
            "1936-05-02T00:00:00Z",
            "2016-02-29T23:59:59Z",
            "2262-01-01T00:00:00Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(s)
                .ok()
                .and_then(|t| t.timestamp_nanos_opt())
                .map(Instant);
            assert_eq!(Instant::parse_rfc3339(s).ok(), chrono, "{s}");
        }
        for bad in [
            "2017-02-30T00:00:00Z",
            "2017-13-01T00:00:00Z",
            "2017-02-03T24:00:00Z",
            "2017-02-03T14:05:0aZ",
            "1600-01-01T00:00:00Z",
        ] {
            assert!(Instant::parse_rfc3339(bad).is_err(), "{bad}");
        }
        // A leap second goes to chrono, which reads it as the last second of the minute.
        assert!(Instant::parse_rfc3339("2016-12-31T23:59:60Z").is_ok());
    }

    #[test]
    fn london_midnights_follow_summer_time() {
        let z = Zone::default();
        assert_eq!(
            z.midnight(d("2017-01-10")).to_string(),
            "2017-01-10T00:00:00Z"
        );
        assert_eq!(
            z.midnight(d("2017-07-10")).to_string(),
            "2017-07-09T23:00:00Z"
        );
        let t = Instant::parse_rfc3339("2017-07-09T23:30:00Z").unwrap();
        assert_eq!(z.local_date(t), d("2017-07-10"));
    }

    #[test]
    fn ages_in_completed_years() {
        assert_eq!(age_on(d("1952-03-01"), d("2017-02-28")), 64);
        assert_eq!(age_on(d("1952-03-01"), d("2017-03-01")), 65);
        // 29 February birthday reached on 1 March in a non-leap year.
        assert_eq!(age_on(d("1952-02-29"), d("2017-02-28")), 64);
        assert_eq!(age_on(d("1952-02-29"), d("2017-03-01")), 65);
        assert_eq!(age_on(d("1952-02-29"), d("2016-02-29")), 64);
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2017-1-01").is_err());
        assert!(parse_date("2017-02-29").is_err());
        assert!(parse_date("2016-02-29").is_ok());
    }
}
