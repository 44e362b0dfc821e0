//! Synthetic journey logs: people aged 65+ (and some younger adults) whose journeys through GP,
//! A&E, hospital, discharge, reablement, home care, reviews and care homes are drawn at random
//! from simple, plausible rates.
//!
//! This is test and benchmark data, not the digital twin: nothing here queues for capacity.
//! Every person is drawn from their own seeded stream, so a log is the same for a seed on any
//! machine and however many threads draw it. NHS numbers start with 999 and pass the
//! modulus-11 check; no real person is in it.

mod capacity;
mod journey;
mod registers;

pub use capacity::{Occupancy, Places, Stay, TARGET_OCCUPANCY};
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
    /// Beds and places sized to what the journeys used (see [`orgs_sized`]).
    pub places: Places,
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
    let mut occupancy = Occupancy::new(config.from, config.to, zone);
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
            // Younger adults drawn after the last older person are not added either (a third as
            // many as the older people, not the rest of the chunk).
            let over = if config.target_events > 0 {
                stats.events >= config.target_events
            } else {
                stats.people65 >= config.people65
            };
            if over {
                continue;
            }
            out.write_all(d.text.as_bytes())?;
            for stay in &d.stays {
                occupancy.add(stay);
            }
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
    stats.places = size_places(&occupancy);
    Ok(stats)
}

/// The acute trust's beds hold its mean occupancy at nine in ten; step-down beds and care home
/// places too, never fewer than their most occupants at a midnight.
fn size_places(o: &Occupancy) -> Places {
    let mut places = Places::default();
    places
        .0
        .insert(ACUTE_TRUST.into(), o.beds_for_mean(ACUTE_TRUST));
    let homes = (0..RESIDENTIAL_HOMES)
        .map(residential_code)
        .chain((0..NURSING_HOMES).map(nursing_code))
        .chain([COMMUNITY_TRUST.to_string()]);
    for code in homes {
        let n = o.places_for_peak(&code);
        places.0.insert(code, n);
    }
    places
}

/// An instant `days` (fractional) after `t`, to the whole second. A draw centuries away (a
/// young adult's death) saturates at the end of time rather than wrapping round to the past.
fn after(t: Instant, days: f64) -> Instant {
    const SECOND: i64 = 1_000_000_000;
    let t =
        t.0.saturating_add((days * domain::time::NANOS_PER_DAY as f64) as i64);
    Instant(t.div_euclid(SECOND) * SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draw_centuries_away_stays_in_the_future() {
        let from = Instant::parse_rfc3339("2016-10-01T00:00:00Z").unwrap();
        // 300 years (a young adult's death at 0.3% a year is often further): not before `from`.
        assert!(after(from, 300.0 * 365.0) > from);
        assert!(after(from, 1e12) > from);
        assert!(after(from, -1e12) < from);
        assert_eq!(
            after(from, 1.5).0 - from.0,
            domain::time::NANOS_PER_DAY * 3 / 2
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

    #[test]
    fn older_people_die_at_about_the_rates_drawn() {
        let mut out = Vec::new();
        let s = generate(&config(2000), &mut out, &|_| {}).unwrap();
        let text = String::from_utf8(out).unwrap();
        let deaths = text.matches(r#""kind":"death""#).count() as f64;
        // Yearly rates 2%, 5%, 14% by band (doubled in care homes) and 6% of emergency stays:
        // some 5% to 7% of older people die in a year. Postponing deaths to a next crisis that
        // never comes halved it.
        let share = deaths / f64::from(s.people65);
        assert!((0.04..=0.09).contains(&share), "{share}");
    }

    fn config(people65: u32) -> Config {
        Config {
            people65,
            target_events: 0,
            from: domain::parse_date("2016-10-01").unwrap(),
            to: domain::parse_date("2017-10-01").unwrap(),
            seed: 7,
        }
    }

    #[test]
    fn about_a_third_as_many_younger_adults_are_added() {
        let mut out = Vec::new();
        let s = generate(&config(300), &mut out, &|_| {}).unwrap();
        assert_eq!(s.people65, 300);
        // Each person is older with probability 3/4: about 100 younger adults, not the rest of
        // a chunk of 4,096 draws.
        let younger = s.people - s.people65;
        assert!((50..=160).contains(&younger), "{younger} younger adults");
    }

    #[test]
    fn young_adults_do_not_die_of_arithmetic() {
        let mut out = Vec::new();
        generate(&config(300), &mut out, &|_| {}).unwrap();
        let text = String::from_utf8(out).unwrap();
        let field = |line: &str, name: &str| -> String {
            let key = format!(r#""{name}":""#);
            let at = line.find(&key).map(|i| i + key.len()).unwrap_or(line.len());
            line[at..].chars().take_while(|c| *c != '"').collect()
        };
        // People born from 1955 on are under 62 for the whole year.
        let young: std::collections::HashSet<String> = text
            .lines()
            .filter(|l| l.contains(r#""kind":"person_registered""#))
            .filter(|l| field(l, "birth_date")[..4].parse::<i32>().unwrap() >= 1955)
            .map(|l| field(l, "person"))
            .collect();
        assert!(young.len() > 50, "{} young adults", young.len());
        let deaths = text
            .lines()
            .filter(|l| l.contains(r#""kind":"death""#) && young.contains(&field(l, "person")))
            .count();
        // At 0.3% a year (and 6% of their rare admissions), a death or two at most.
        assert!(
            deaths <= 3,
            "{deaths} deaths of {} young adults",
            young.len()
        );
    }
}
