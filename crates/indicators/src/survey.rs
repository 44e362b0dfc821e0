//! What `joinedup metrics` notices about a log as it reads it, to warn about on stderr: the instants it
//! spans, whether each reported period holds any event, and the kinds this version does not know
//! (kept, as the format says, but counted in no indicator).
//!
//! What it gathers does not depend on the periods asked for (the earliest and latest event of
//! each hour that holds any), so a survey kept with the facts in the cache serves any period.

use crate::Period;
use domain::time::NANOS_PER_HOUR;
use domain::{Event, EventBody, Instant, Zone};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// A kind this version does not know: how many events, and where the first was (with its
/// place in the log's order, to find the first of surveys merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind {
    pub count: u64,
    pub first: String,
    pub first_order: u64,
}

/// Gathered while the log is read ([`Survey::see`] on every event handed on).
#[derive(Debug, Clone)]
pub struct Survey {
    zone: Zone,
    /// The earliest and latest event of each hour (counted from the epoch, UTC) holding any.
    /// A period holds an event when an hour inside it holds one, or when the hour of one of
    /// its ends holds one on the period's side of that end (a period of days is longer than an
    /// hour, so no hour holds both its ends).
    hours: Hours,
    unknown: BTreeMap<String, UnknownKind>,
}

/// The hours that longest a dense table covers: about 60 years (8 MB). A log's hours further
/// from the others go to a map.
const DENSE_HOURS: i64 = 1 << 19;

/// How far a dense table grows beyond the hour that made it grow: a year of hours, so a log
/// read in any order regrows it about once a year of its span.
const GROW_HOURS: i64 = 24 * 366;

/// An hour with no event: the earliest is after any instant, the latest before any.
const NO_EVENT: (Instant, Instant) = (Instant(i64::MAX), Instant(i64::MIN));

/// The earliest and latest event of each hour: a table indexed by the hour for the hours of the
/// log's span (an event's hour is in no order when a log is sorted by person, and a log of
/// ten years has 87,660 hours: indexing 1.4 MB is several times cheaper than hashing into a
/// map of them), a map for hours far outside it.
#[derive(Debug, Clone, Default)]
struct Hours {
    /// The hour of `dense[0]`.
    base: i64,
    dense: Vec<(Instant, Instant)>,
    sparse: FxHashMap<i64, (Instant, Instant)>,
}

impl Hours {
    /// Widens the hour `hour`'s entry to take in `min` and `max`.
    fn note(&mut self, hour: i64, min: Instant, max: Instant) {
        let slot = match self.slot(hour) {
            Some(i) => &mut self.dense[i],
            None => self.sparse.entry(hour).or_insert(NO_EVENT),
        };
        slot.0 = slot.0.min(min);
        slot.1 = slot.1.max(max);
    }

    /// The index of `hour` in the dense table, grown to hold it when the table's span allows.
    fn slot(&mut self, hour: i64) -> Option<usize> {
        let end = self.base + self.dense.len() as i64;
        if self.base <= hour && hour < end {
            return Some((hour - self.base) as usize);
        }
        let (lo, hi) = if self.dense.is_empty() {
            (
                hour.saturating_sub(GROW_HOURS),
                hour.saturating_add(GROW_HOURS),
            )
        } else if hour < self.base {
            (hour.saturating_sub(GROW_HOURS), end)
        } else {
            (self.base, hour.saturating_add(GROW_HOURS))
        };
        let (lo, hi) = if hi.saturating_sub(lo) <= DENSE_HOURS {
            (lo, hi)
        } else if self.dense.is_empty() {
            return None;
        } else if hour < self.base {
            // As far down as the span allows, if that reaches the hour.
            (end - DENSE_HOURS, end)
        } else {
            (self.base, self.base + DENSE_HOURS)
        };
        if hour < lo || hour >= hi {
            return None;
        }
        let mut dense = vec![NO_EVENT; (hi - lo) as usize];
        let at = (self.base - lo) as usize;
        if !self.dense.is_empty() {
            dense[at..at + self.dense.len()].copy_from_slice(&self.dense);
        }
        self.base = lo;
        self.dense = dense;
        Some((hour - lo) as usize)
    }

    /// Widens each hour's entry to take in `other`'s. Into no hours yet, `other`'s are taken
    /// as they are (noted one by one, the table would grow a year at a time, copied each time).
    fn merge(&mut self, other: Hours) {
        if self.dense.is_empty() && self.sparse.is_empty() {
            *self = other;
            return;
        }
        for (h, min, max) in other.iter() {
            self.note(h, min, max);
        }
    }

    /// Reads the entry of `hour` when the dense table holds it (the map's are rare).
    fn prefetch(&self, hour: i64) {
        let i = hour.wrapping_sub(self.base);
        if let Some(e) = usize::try_from(i).ok().and_then(|i| self.dense.get(i)) {
            std::hint::black_box(*e);
        }
    }

    /// The hours holding an event, each with its earliest and latest event, in no order.
    fn iter(&self) -> impl Iterator<Item = (i64, Instant, Instant)> + '_ {
        let base = self.base;
        self.dense
            .iter()
            .enumerate()
            .filter(|(_, e)| e.0 <= e.1)
            .map(move |(i, &(min, max))| (base + i as i64, min, max))
            .chain(self.sparse.iter().map(|(&h, &(min, max))| (h, min, max)))
    }
}

impl Survey {
    pub fn new(zone: Zone) -> Self {
        Survey {
            zone,
            hours: Hours::default(),
            unknown: BTreeMap::new(),
        }
    }

    /// Notes one event; `order` is its place in the log (increasing in file order), `place`
    /// says where it is (`at events.jsonl:3`, `in the store`), asked only for the first event
    /// of an unknown kind.
    pub fn see(&mut self, e: &Event, order: u64, place: impl FnOnce() -> String) {
        let t = e.at;
        self.hours.note(t.0.div_euclid(NANOS_PER_HOUR), t, t);
        if let EventBody::Unknown { kind } = &e.body {
            match self.unknown.get_mut(kind.as_str()) {
                Some(u) => {
                    u.count += 1;
                    if order < u.first_order {
                        u.first = place();
                        u.first_order = order;
                    }
                }
                None => {
                    self.unknown.insert(
                        kind.to_string(),
                        UnknownKind {
                            count: 1,
                            first: place(),
                            first_order: order,
                        },
                    );
                }
            }
        }
    }

    /// Reads the entry [`see`](Self::see) will update for `e`, to bring it into the cache a
    /// few events ahead (`journey_log::LogReader::read_parts`); changes nothing.
    pub fn prefetch(&self, e: &Event) {
        self.hours.prefetch(e.at.0.div_euclid(NANOS_PER_HOUR));
    }

    /// The time zone the survey names dates in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// A survey of nothing yet (for part of a log, to [`merge`](Self::merge)).
    pub fn fresh(&self) -> Survey {
        Survey::new(self.zone)
    }

    /// The hours holding events, each with its earliest and latest event, in no order.
    pub fn hours(&self) -> impl Iterator<Item = (i64, Instant, Instant)> + '_ {
        self.hours.iter()
    }

    /// The kinds this version does not know, by kind.
    pub fn unknown(&self) -> &BTreeMap<String, UnknownKind> {
        &self.unknown
    }

    /// A survey made of what [`hours`](Self::hours) and [`unknown`](Self::unknown) gave.
    pub fn from_parts(
        zone: Zone,
        hours: impl IntoIterator<Item = (i64, Instant, Instant)>,
        unknown: BTreeMap<String, UnknownKind>,
    ) -> Survey {
        let mut s = Survey::new(zone);
        for (h, min, max) in hours {
            s.note_hour(h, min, max);
        }
        s.unknown = unknown;
        s
    }

    fn note_hour(&mut self, hour: i64, min: Instant, max: Instant) {
        self.hours.note(hour, min, max);
    }

    /// Adds what `other` saw (of other events of the same log).
    pub fn merge(&mut self, other: Survey) {
        self.hours.merge(other.hours);
        for (kind, u) in other.unknown {
            match self.unknown.get_mut(&kind) {
                Some(m) => {
                    m.count += u.count;
                    if u.first_order < m.first_order {
                        m.first = u.first;
                        m.first_order = u.first_order;
                    }
                }
                None => {
                    self.unknown.insert(kind, u);
                }
            }
        }
    }

    /// Whether any event is at or after `start` and before `end`.
    fn holds_any(&self, start: Instant, end: Instant) -> bool {
        self.hours().any(|(h, min, max)| {
            let (from, to) = (
                Instant(h * NANOS_PER_HOUR),
                Instant((h + 1) * NANOS_PER_HOUR),
            );
            if start <= from && to <= end {
                true
            } else if from < start && start < to {
                // The hour of the start: an event at or after it (and before the end, when the
                // end is in this hour too, as for a period shorter than an hour).
                (start <= max && max < end) || (start <= min && min < end)
            } else if from < end && end < to {
                min < end && start <= min
            } else {
                false
            }
        })
    }

    /// The earliest and latest event.
    fn span(&self) -> Option<(Instant, Instant)> {
        self.hours()
            .map(|(_, min, max)| (min, max))
            .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
    }

    /// The warnings to print, one string each (possibly of several lines).
    pub fn warnings(&self, periods: &[Period]) -> Vec<String> {
        let mut out = Vec::new();
        let span = match self.span() {
            None => "the log holds no events".to_string(),
            Some((a, b)) => format!(
                "the log spans {} to {}",
                self.zone.local_date(a),
                self.zone.local_date(b) + chrono::Duration::days(1)
            ),
        };
        for p in periods {
            if !self.holds_any(self.zone.midnight(p.from), self.zone.midnight(p.to)) {
                out.push(format!(
                    "warning: no events in {} to {}; {span}",
                    p.from, p.to
                ));
            }
        }
        if !self.unknown.is_empty() {
            let total: u64 = self.unknown.values().map(|u| u.count).sum();
            let mut w = format!(
                "warning: {total} {} of kinds this version does not know, kept but counted in no indicator (a typo?):",
                if total == 1 { "event" } else { "events" }
            );
            for (kind, u) in &self.unknown {
                w.push_str(&format!(
                    "\n  {kind:?}: {} {}, the first {}",
                    u.count,
                    if u.count == 1 { "event" } else { "events" },
                    u.first
                ));
            }
            out.push(w);
        }
        out
    }
}

/// The survey as bytes ([`Survey::to_bytes`]): its hours (in order) and unknown kinds with the
/// place in the log of their first event (named again by the reader, from where the log is).
impl Survey {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut hours: Vec<_> = self.hours().collect();
        hours.sort_unstable_by_key(|h| h.0);
        let mut out = Vec::with_capacity(hours.len() * 24 + 64);
        put_u64(&mut out, hours.len() as u64);
        for (h, min, max) in hours {
            out.extend_from_slice(&h.to_le_bytes());
            out.extend_from_slice(&min.0.to_le_bytes());
            out.extend_from_slice(&max.0.to_le_bytes());
        }
        put_u64(&mut out, self.unknown().len() as u64);
        for (kind, u) in self.unknown() {
            put_u64(&mut out, kind.len() as u64);
            out.extend_from_slice(kind.as_bytes());
            put_u64(&mut out, u.count);
            put_u64(&mut out, u.first_order);
        }
        out
    }

    /// A survey read back from [`to_bytes`](Self::to_bytes), each unknown kind's first place
    /// named by `place` from its order; `None` when the bytes are not a whole survey.
    pub fn from_bytes(bytes: &[u8], zone: Zone, place: impl Fn(u64) -> String) -> Option<Survey> {
        let mut r = Bytes(bytes);
        let n = usize::try_from(r.u64()?).ok()?;
        if n > r.0.len() / 24 {
            return None;
        }
        let mut hours = Vec::with_capacity(n);
        for _ in 0..n {
            let (h, min, max) = (r.i64()?, Instant(r.i64()?), Instant(r.i64()?));
            if min > max {
                return None;
            }
            hours.push((h, min, max));
        }
        let n = r.u64()?;
        let mut unknown = BTreeMap::new();
        for _ in 0..n {
            let len = usize::try_from(r.u64()?).ok()?;
            let kind = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            let count = r.u64()?;
            let first_order = r.u64()?;
            unknown.insert(
                kind,
                UnknownKind {
                    count,
                    first: place(first_order),
                    first_order,
                },
            );
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(Survey::from_parts(zone, hours, unknown))
    }
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A cursor over bytes; `None` past their end.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take(8)?.try_into().ok().map(i64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::parse_date;

    fn event(at: &str, body: EventBody) -> Event {
        Event {
            id: "e1".into(),
            at: Instant::parse_rfc3339(at).unwrap(),
            person: None,
            body,
        }
    }

    fn unknown(kind: &str) -> EventBody {
        EventBody::Unknown { kind: kind.into() }
    }

    fn period(from: &str, to: &str) -> Period {
        Period::new(parse_date(from).unwrap(), parse_date(to).unwrap()).unwrap()
    }

    #[test]
    fn an_empty_period_is_named_with_the_logs_span() {
        let periods = [period("2030-01-01", "2030-02-01")];
        let mut s = Survey::new(Zone::default());
        s.see(&event("2016-10-01T08:00:00Z", unknown("x")), 1, || {
            "at a:1".into()
        });
        s.see(&event("2017-09-30T22:00:00Z", EventBody::Death), 2, || {
            unreachable!("asked only for unknown kinds")
        });
        let w = s.warnings(&periods);
        // 22:00 UTC on 30 September is 23:00 in London: the log's last day is the 30th.
        assert_eq!(
            w[0],
            "warning: no events in 2030-01-01 to 2030-02-01; the log spans 2016-10-01 to 2017-10-01"
        );
    }

    #[test]
    fn a_period_holding_an_event_gives_no_warning() {
        let feb = period("2017-02-01", "2017-03-01");
        let mut s = Survey::new(Zone::default());
        // The last instant of February holds; 1 March 00:00 would not.
        s.see(
            &event("2017-02-28T23:59:59Z", EventBody::Death),
            1,
            String::new,
        );
        assert!(s.warnings(&[feb]).is_empty());
        let mut s = Survey::new(Zone::default());
        s.see(
            &event("2017-03-01T00:00:00Z", EventBody::Death),
            1,
            String::new,
        );
        assert_eq!(s.warnings(&[feb]).len(), 1);
        let s = Survey::new(Zone::default());
        assert!(s.warnings(&[feb])[0].ends_with("the log holds no events"));
    }

    #[test]
    fn unknown_kinds_are_listed_with_counts_and_first_place() {
        let periods = [period("2017-02-01", "2017-03-01")];
        let mut s = Survey::new(Zone::default());
        for line in [3u64, 5, 9] {
            s.see(
                &event("2017-02-03T09:00:00Z", unknown("ae_arival")),
                line,
                || format!("at events.jsonl:{line}"),
            );
        }
        s.see(
            &event("2017-02-03T09:00:00Z", unknown("dischage")),
            10,
            || "in the store".into(),
        );
        assert_eq!(
            s.warnings(&periods),
            ["warning: 4 events of kinds this version does not know, kept but counted in no indicator (a typo?):\n  \"ae_arival\": 3 events, the first at events.jsonl:3\n  \"dischage\": 1 event, the first in the store"]
        );
    }
}

#[cfg(test)]
mod hour_tests {
    use super::*;

    #[test]
    fn a_period_holds_an_event_exactly_when_one_is_inside_it() {
        // Events a few minutes either side of local midnights, summer and winter, and in the
        // middle of hours; periods of one day and more, each end a local midnight.
        let zone = Zone::default();
        let day = |d: u32| {
            chrono::NaiveDate::from_ymd_opt(2017, 3, 1).unwrap() + chrono::Duration::days(d.into())
        };
        let mut events = Vec::new();
        for d in [0u32, 3, 25, 26, 27, 40] {
            let m = zone.midnight(day(d));
            for minutes in [-61i64, -30, -1, 0, 1, 29, 59, 60, 61] {
                events.push(Instant(m.0 + minutes * 60_000_000_000 + 7));
            }
        }
        for keep in 0..events.len() {
            // One event at a time, then all of them.
            let chosen: Vec<Instant> = if keep == 0 {
                events.clone()
            } else {
                vec![events[keep]]
            };
            let mut s = Survey::new(zone);
            for &t in &chosen {
                let e = Event {
                    id: "e".into(),
                    at: t,
                    person: None,
                    body: EventBody::Death,
                };
                s.see(&e, 0, String::new);
            }
            for a in 0..42 {
                for len in [1u32, 2, 31] {
                    let (start, end) = (zone.midnight(day(a)), zone.midnight(day(a + len)));
                    let inside = chosen.iter().any(|&t| start <= t && t < end);
                    assert_eq!(s.holds_any(start, end), inside, "{a} {len} {chosen:?}");
                }
            }
        }
    }
}

#[cfg(test)]
mod dense_tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_hour_table_keeps_every_hour_near_or_far() {
        // Hours in no order: close together, a few years apart, and centuries away (the map).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut hours = Hours::default();
        let mut model: BTreeMap<i64, (Instant, Instant)> = BTreeMap::new();
        for k in 0..20_000 {
            let r = next();
            let hour = match k % 5 {
                0 => 400_000 + (r % 100) as i64,
                1 => 400_000 - (r % 200_000) as i64,
                2 => 400_000 + (r % 2_000_000) as i64,
                3 => -((r % 2_000_000) as i64),
                _ => 400_000 + (r % 90_000) as i64,
            };
            let t = Instant(hour * NANOS_PER_HOUR + (next() % NANOS_PER_HOUR as u64) as i64);
            hours.note(hour, t, t);
            let e = model.entry(hour).or_insert((t, t));
            e.0 = e.0.min(t);
            e.1 = e.1.max(t);
        }
        let mut got: Vec<_> = hours.iter().collect();
        got.sort_unstable_by_key(|h| h.0);
        let want: Vec<_> = model.into_iter().map(|(h, (a, b))| (h, a, b)).collect();
        assert_eq!(got, want);
        assert!(hours.dense.len() as i64 <= DENSE_HOURS);
        assert!(!hours.sparse.is_empty());
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use domain::parse_date;

    #[test]
    fn merged_surveys_are_the_survey_of_the_whole() {
        let periods = [
            Period::new(
                parse_date("2017-02-01").unwrap(),
                parse_date("2017-03-01").unwrap(),
            )
            .unwrap(),
            Period::new(
                parse_date("2030-01-01").unwrap(),
                parse_date("2030-02-01").unwrap(),
            )
            .unwrap(),
        ];
        let events: Vec<(Event, u64)> = [
            ("2017-02-03T09:00:00Z", "ae_arival", 7),
            ("2016-12-03T09:00:00Z", "ae_arival", 4),
            ("2017-05-03T09:00:00Z", "dischage", 9),
            ("2017-02-04T09:00:00Z", "", 2),
        ]
        .into_iter()
        .map(|(at, kind, order)| {
            let body = if kind.is_empty() {
                EventBody::Death
            } else {
                EventBody::Unknown { kind: kind.into() }
            };
            let at = Instant::parse_rfc3339(at).unwrap();
            let e = Event {
                id: "e".into(),
                at,
                person: None,
                body,
            };
            (e, order)
        })
        .collect();
        let mut whole = Survey::new(Zone::default());
        let mut parts = [Survey::new(Zone::default()), Survey::new(Zone::default())];
        for (i, (e, order)) in events.iter().enumerate() {
            let place = || format!("at a:{order}");
            whole.see(e, *order, place);
            parts[i % 2].see(e, *order, place);
        }
        let [mut merged, other] = parts;
        merged.merge(other);
        assert_eq!(merged.warnings(&periods), whole.warnings(&periods));
        assert!(whole.warnings(&periods)[1].contains("\"ae_arival\": 2 events, the first at a:4"));
        // Merged into a survey of nothing yet, and into one of other hours: the same hours.
        let sorted = |s: &Survey| {
            let mut h: Vec<_> = s.hours().collect();
            h.sort();
            h
        };
        let mut fresh = Survey::new(Zone::default());
        fresh.merge(merged.clone());
        assert_eq!(sorted(&fresh), sorted(&whole));
        assert_eq!(fresh.warnings(&periods), whole.warnings(&periods));
        let mut later = Survey::new(Zone::default());
        let (e, order) = &events[0];
        let far = Event {
            at: Instant(e.at.0 + 3 * 365 * 24 * NANOS_PER_HOUR),
            ..e.clone()
        };
        later.see(&far, *order, String::new);
        let mut both = later.clone();
        both.merge(merged.clone());
        let mut expected = sorted(&whole);
        expected.extend(sorted(&later));
        expected.sort();
        assert_eq!(sorted(&both), expected);
    }
}
