//! Sizing the registers to the journeys drawn: the beds and places each organisation needs so
//! the people of the log fill them about as full as a real system runs (nine in ten).
//!
//! Nothing queues for capacity in a synthetic log, so the registers are sized afterwards from
//! what the journeys used: the occupancy at each midnight of the period, counted the way
//! `bed_occupancy_pct` counts it (a stay from `s` to `e` holds at midnight `m` when
//! `s < m <= e`; an open stay holds at every midnight after `s`).

use domain::{Instant, Zone};
use std::collections::BTreeMap;

/// The share of beds or places occupied on average once the system is running.
pub const TARGET_OCCUPANCY: f64 = 0.9;

/// One stay in a bed or a place: the organisation's code, its start, its end (`None`: open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub org: String,
    pub start: Instant,
    pub end: Option<Instant>,
}

/// Beds and places by organisation code, sized to the journeys drawn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places(pub BTreeMap<String, u32>);

impl Places {
    pub fn get(&self, code: &str) -> Option<u32> {
        self.0.get(code).copied()
    }
}

/// Stays counted at the midnights of a period, by organisation.
#[derive(Debug, Clone)]
pub struct Occupancy {
    midnights: Vec<Instant>,
    /// Per organisation, a difference array over the midnights (one more entry than midnights).
    deltas: BTreeMap<String, Vec<i64>>,
}

impl Occupancy {
    /// The midnights of the local days from `from` to the day before `to`.
    pub fn new(from: chrono::NaiveDate, to: chrono::NaiveDate, zone: Zone) -> Self {
        let days = (to - from).num_days().max(0);
        Occupancy {
            midnights: (0..days)
                .map(|k| zone.midnight(from + chrono::Duration::days(k)))
                .collect(),
            deltas: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, stay: &Stay) {
        let lo = self.midnights.partition_point(|m| *m <= stay.start);
        let hi = match stay.end {
            Some(e) => self.midnights.partition_point(|m| *m <= e),
            None => self.midnights.len(),
        };
        if hi <= lo {
            return;
        }
        let n = self.midnights.len();
        let d = self
            .deltas
            .entry(stay.org.clone())
            .or_insert_with(|| vec![0; n + 1]);
        d[lo] += 1;
        d[hi] -= 1;
    }

    /// Occupied at each midnight, for `org` (all zeros if it had no stays).
    pub fn by_midnight(&self, org: &str) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.midnights.len());
        let mut level = 0i64;
        if let Some(d) = self.deltas.get(org) {
            for x in &d[..self.midnights.len()] {
                level += x;
                out.push(level.max(0) as u64);
            }
        } else {
            out.resize(self.midnights.len(), 0);
        }
        out
    }

    /// Beds so that the mean occupancy after the warm-up is [`TARGET_OCCUPANCY`] (at least 1).
    ///
    /// The log starts with nobody in hospital, so the first 30 days (or the first half of a
    /// shorter period) fill up and are left out of the mean.
    pub fn beds_for_mean(&self, org: &str) -> u32 {
        let occ = self.by_midnight(org);
        let warmup = 30.min(occ.len() / 2);
        let steady = &occ[warmup..];
        if steady.is_empty() {
            return 1;
        }
        let mean = steady.iter().sum::<u64>() as f64 / steady.len() as f64;
        ((mean / TARGET_OCCUPANCY).round() as u32).max(1)
    }

    /// Places so that the mean occupancy is [`TARGET_OCCUPANCY`], but never fewer than the most
    /// residents at any midnight (a home is not over-full), and at least 1.
    pub fn places_for_peak(&self, org: &str) -> u32 {
        let occ = self.by_midnight(org);
        let peak = occ.iter().copied().max().unwrap_or(0);
        let mean = occ.iter().sum::<u64>() as f64 / occ.len().max(1) as f64;
        let sized = (mean / TARGET_OCCUPANCY).round() as u64;
        sized.max(peak).max(1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::parse_date;

    fn at(s: &str) -> Instant {
        Instant::parse_rfc3339(s).unwrap()
    }

    fn stay(org: &str, start: &str, end: Option<&str>) -> Stay {
        Stay {
            org: org.into(),
            start: at(start),
            end: end.map(at),
        }
    }

    fn feb() -> Occupancy {
        Occupancy::new(
            parse_date("2017-02-01").unwrap(),
            parse_date("2017-03-01").unwrap(),
            Zone::default(),
        )
    }

    #[test]
    fn stays_hold_at_the_midnights_bed_occupancy_counts() {
        let mut o = feb();
        // Admitted at 10:00 on the 1st, out at 10:00 on the 3rd: midnights of the 2nd and 3rd.
        o.add(&stay(
            "RJE",
            "2017-02-01T10:00:00Z",
            Some("2017-02-03T10:00:00Z"),
        ));
        // In at midnight of the 10th (not counted), out at midnight of the 12th (counted).
        o.add(&stay(
            "RJE",
            "2017-02-10T00:00:00Z",
            Some("2017-02-12T00:00:00Z"),
        ));
        // Open from noon on the 27th: the 28th only.
        o.add(&stay("RJE", "2017-02-27T12:00:00Z", None));
        // Before the period, and another organisation: not RJE's.
        o.add(&stay(
            "RJE",
            "2017-01-01T10:00:00Z",
            Some("2017-01-31T10:00:00Z"),
        ));
        o.add(&stay("NH001", "2017-01-01T10:00:00Z", None));
        let occ = o.by_midnight("RJE");
        let held: Vec<usize> = (0..28).filter(|&k| occ[k] > 0).collect();
        assert_eq!(held, [1, 2, 10, 11, 27]);
        assert_eq!(o.by_midnight("NH001"), vec![1; 28]);
        assert_eq!(o.by_midnight("nowhere"), vec![0; 28]);
    }

    #[test]
    fn beds_hold_the_mean_at_nine_in_ten() {
        let mut o = feb();
        // 18 people in from before the period to its end: 18 occupied at every midnight.
        for _ in 0..18 {
            o.add(&stay("RJE", "2017-01-01T10:00:00Z", None));
        }
        assert_eq!(o.beds_for_mean("RJE"), 20);
        // The first half of a 28-day period is warm-up: the mean is over the midnights of the
        // 15th to the 28th, and 9 people in from the 20th hold 8 of those 14.
        let mut o = feb();
        for _ in 0..9 {
            o.add(&stay("RJE", "2017-02-20T10:00:00Z", None));
        }
        assert_eq!(
            o.beds_for_mean("RJE"),
            ((9.0 * 8.0 / 14.0) / TARGET_OCCUPANCY).round() as u32
        );
        assert_eq!(feb().beds_for_mean("RJE"), 1);
    }

    #[test]
    fn places_are_never_fewer_than_the_residents() {
        let mut o = feb();
        // 3 residents for a single midnight (the 15th), none otherwise: the peak decides.
        for _ in 0..3 {
            o.add(&stay(
                "RH001",
                "2017-02-14T10:00:00Z",
                Some("2017-02-15T10:00:00Z"),
            ));
        }
        assert_eq!(o.places_for_peak("RH001"), 3);
        // 9 residents all period: 10 places.
        for _ in 0..9 {
            o.add(&stay("NH001", "2016-01-01T10:00:00Z", None));
        }
        assert_eq!(o.places_for_peak("NH001"), 10);
        assert_eq!(o.places_for_peak("empty"), 1);
    }
}
