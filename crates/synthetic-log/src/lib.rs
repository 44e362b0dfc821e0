//! Synthetic journey logs: people aged 65+ (and some younger adults) whose journeys through GP,
//! A&E, hospital, discharge, reablement, home care, reviews and care homes are drawn at random
//! from simple, plausible rates.
//!
//! This is test and benchmark data, not the digital twin: nothing here queues for capacity.
//! Every person is drawn from their own seeded stream, so a log is the same for a seed on any
//! machine and however many threads draw it. NHS numbers start with 999 and pass the
//! modulus-11 check; no real person is in it.

mod journey;
mod registers;

pub use registers::*;

use chrono::NaiveDate;
use domain::{Instant, NhsNumber, Zone};
use rayon::prelude::*;
use std::io::Write;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// People aged 65+ (a third as many younger adults are added).
    pub people65: u32,
    /// Keep adding people until about this many events are written (0: `people65` decides).
    pub target_events: u64,
    /// Journeys run over `[from, to)`.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub people: u32,
    pub people65: u32,
    pub events: u64,
    /// People aged 65-74, 75-84 and 85+ at `from`.
    pub bands65: [u64; 3],
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0} people is more than the 999 range of synthetic NHS numbers holds")]
    TooManyPeople(u32),
}

/// The synthetic NHS numbers, in order: every valid number starting 999.
pub fn nhs_numbers() -> impl Iterator<Item = NhsNumber> {
    (999_000_000u32..=999_999_999).filter_map(NhsNumber::from_stem)
}

/// Writes the log to `out`; `progress` is told the events written so far.
pub fn generate(
    config: &Config,
    out: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<Stats, GenerateError> {
    // More older people than there are synthetic numbers can never be reached: say so before
    // writing anything rather than after writing all the others.
    if config.target_events == 0 && config.people65 as usize > nhs_numbers().count() {
        return Err(GenerateError::TooManyPeople(config.people65));
    }
    let zone = Zone::default();
    let from = zone.midnight(config.from);
    let to = zone.midnight(config.to);
    let mut numbers = nhs_numbers();
    let mut stats = Stats::default();
    let chunk = 4096u32;
    let mut next = 0u32;
    loop {
        let done = if config.target_events > 0 {
            stats.events >= config.target_events
        } else {
            stats.people65 >= config.people65
        };
        if done {
            break;
        }
        let ids: Vec<(u32, NhsNumber)> = (next..next + chunk)
            .map(|k| {
                numbers
                    .next()
                    .map(|n| (k, n))
                    .ok_or(GenerateError::TooManyPeople(k))
            })
            .collect::<Result<_, _>>()?;
        let drawn: Vec<journey::Drawn> = ids
            .par_iter()
            .map(|&(k, n)| journey::person(config.seed, k, n, from, to, zone))
            .collect();
        for d in drawn {
            let over = if config.target_events > 0 {
                stats.events >= config.target_events
            } else {
                d.older && stats.people65 >= config.people65
            };
            if over {
                continue;
            }
            out.write_all(d.text.as_bytes())?;
            stats.people += 1;
            stats.events += d.events;
            if d.older {
                stats.people65 += 1;
                stats.bands65[d.band65] += 1;
            }
        }
        next += chunk;
        progress(stats.events);
    }
    Ok(stats)
}

/// An instant `days` (fractional) after `t`, to the whole second. A draw beyond the last
/// representable instant (a long life drawn from a low death rate) stays at that end of time:
/// it is after any period, which is all that such a draw means.
fn after(t: Instant, days: f64) -> Instant {
    const SECOND: i64 = 1_000_000_000;
    // `as` saturates a float out of range; the sum saturates too rather than wrap round.
    let t =
        t.0.saturating_add((days * domain::time::NANOS_PER_DAY as f64) as i64);
    Instant(t.div_euclid(SECOND) * SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draw_past_the_end_of_time_stays_after_every_period() {
        let from = Zone::default().midnight(NaiveDate::from_ymd_opt(2016, 10, 1).unwrap());
        // 300 years: past 2262, the last instant an i64 of nanoseconds holds.
        let t = after(from, 300.0 * 365.0);
        assert!(t > from.plus_days(365 * 200), "{t:?}");
        assert!(after(from, f64::INFINITY) > from);
        assert!(after(from, -300.0 * 365.0) < from);
    }

    #[test]
    fn young_adults_do_not_all_die_in_the_period() {
        // With a wrapped sum, about half of the younger adults (death rate 0.3% a year) died
        // within the year; a few in a thousand should.
        let config = Config {
            people65: 3000,
            target_events: 0,
            from: NaiveDate::from_ymd_opt(2016, 10, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2017, 10, 1).unwrap(),
            seed: 7,
        };
        let mut out = Vec::new();
        let stats = generate(&config, &mut out, &|_| {}).unwrap();
        let text = String::from_utf8(out).unwrap();
        let deaths = text.matches(r#""kind":"death""#).count() as u32;
        // Deaths among the older people alone run at about 5 to 10 in a hundred a year.
        assert!(
            deaths * 100 < stats.people * 12,
            "{deaths} deaths of {} people",
            stats.people
        );
    }

    #[test]
    fn more_people_than_numbers_is_an_error_before_anything_is_written() {
        let config = Config {
            people65: u32::MAX,
            target_events: 0,
            from: NaiveDate::from_ymd_opt(2016, 10, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2017, 10, 1).unwrap(),
            seed: 7,
        };
        let mut out = Vec::new();
        let e = generate(&config, &mut out, &|_| {}).unwrap_err();
        assert!(matches!(e, GenerateError::TooManyPeople(_)), "{e}");
        assert!(out.is_empty());
    }
}
