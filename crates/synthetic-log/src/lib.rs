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

/// An instant `days` (fractional) after `t`, to the whole second.
fn after(t: Instant, days: f64) -> Instant {
    const SECOND: i64 = 1_000_000_000;
    let t = t.0 + (days * domain::time::NANOS_PER_DAY as f64) as i64;
    Instant(t.div_euclid(SECOND) * SECOND)
}
