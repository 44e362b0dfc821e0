//! What `metrics` notices about a log as it reads it, to warn about on stderr: the instants it
//! spans, whether each reported period holds any event, and the kinds this version does not know
//! (kept, as the format says, but counted in no indicator).
//!
//! What it gathers does not depend on the periods asked for (the earliest and latest event of
//! each hour that holds any), so a survey kept with the facts in the cache serves any period.

use domain::time::NANOS_PER_HOUR;
use domain::{Event, EventBody, Instant, Zone};
use indicators::Period;
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
    hours: FxHashMap<i64, (Instant, Instant)>,
    /// The last hour seen and its entry, as a shortcut (events of one hour often come together).
    last: Option<(i64, Instant, Instant)>,
    unknown: BTreeMap<String, UnknownKind>,
}

impl Survey {
    pub fn new(zone: Zone) -> Self {
        Survey {
            zone,
            hours: FxHashMap::default(),
            last: None,
            unknown: BTreeMap::new(),
        }
    }

    /// Notes one event; `order` is its place in the log (increasing in file order), `place`
    /// says where it is (`at events.jsonl:3`, `in the store`), asked only for the first event
    /// of an unknown kind.
    pub fn see(&mut self, e: &Event, order: u64, place: impl FnOnce() -> String) {
        let t = e.at;
        let hour = t.0.div_euclid(NANOS_PER_HOUR);
        match &mut self.last {
            Some((h, min, max)) if *h == hour => {
                *min = (*min).min(t);
                *max = (*max).max(t);
            }
            last => {
                if let Some((h, min, max)) = last.take() {
                    self.hours.insert(h, (min, max));
                }
                let (min, max) = self.hours.get(&hour).copied().unwrap_or((t, t));
                *last = Some((hour, min.min(t), max.max(t)));
            }
        }
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
        let last = self
            .last
            .filter(|(h, _, _)| !self.hours.contains_key(h))
            .into_iter();
        self.hours
            .iter()
            .map(|(&h, &(min, max))| match self.last {
                Some((lh, lmin, lmax)) if lh == h => (h, min.min(lmin), max.max(lmax)),
                _ => (h, min, max),
            })
            .chain(last)
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
        let e = self.hours.entry(hour).or_insert((min, max));
        e.0 = e.0.min(min);
        e.1 = e.1.max(max);
    }

    /// Adds what `other` saw (of other events of the same log).
    pub fn merge(&mut self, other: Survey) {
        for (h, min, max) in other.hours() {
            self.note_hour(h, min, max);
        }
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
    }
}
