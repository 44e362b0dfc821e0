//! What `metrics` notices about a log as it reads it, to warn about on stderr: the instants it
//! spans, whether each reported period holds any event, and the kinds this version does not know
//! (kept, as the format says, but counted in no indicator).

use domain::{Event, EventBody, Instant, Zone};
use indicators::Period;
use std::collections::BTreeMap;

/// A kind this version does not know: how many events, and where the first was (with its
/// place in the log's order, to find the first of surveys merged).
#[derive(Debug, Clone, PartialEq, Eq)]
struct UnknownKind {
    count: u64,
    first: String,
    first_order: u64,
}

/// Gathered while the log is read ([`Survey::see`] on every event handed on).
#[derive(Debug)]
pub struct Survey {
    zone: Zone,
    /// The reported periods as instants `[start, end)`, with the events each holds.
    periods: Vec<(Period, Instant, Instant, u64)>,
    span: Option<(Instant, Instant)>,
    unknown: BTreeMap<String, UnknownKind>,
}

impl Survey {
    pub fn new(periods: &[Period], zone: Zone) -> Self {
        Survey {
            zone,
            periods: periods
                .iter()
                .map(|p| (*p, zone.midnight(p.from), zone.midnight(p.to), 0))
                .collect(),
            span: None,
            unknown: BTreeMap::new(),
        }
    }

    /// Notes one event; `order` is its place in the log (increasing in file order), `place`
    /// says where it is (`at events.jsonl:3`, `in the store`), asked only for the first event
    /// of an unknown kind.
    pub fn see(&mut self, e: &Event, order: u64, place: impl FnOnce() -> String) {
        let t = e.at;
        self.span = Some(match self.span {
            None => (t, t),
            Some((a, b)) => (a.min(t), b.max(t)),
        });
        for (_, start, end, n) in &mut self.periods {
            if *start <= t && t < *end {
                *n += 1;
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

    /// A survey of nothing yet, over the same periods (for part of a log, to [`merge`](Self::merge)).
    pub fn fresh(&self) -> Survey {
        Survey {
            zone: self.zone,
            periods: self.periods.iter().map(|p| (p.0, p.1, p.2, 0)).collect(),
            span: None,
            unknown: BTreeMap::new(),
        }
    }

    /// Adds what `other` saw (of other events of the same log, over the same periods).
    pub fn merge(&mut self, other: Survey) {
        self.span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (s, None) | (None, s) => s,
        };
        for (mine, theirs) in self.periods.iter_mut().zip(other.periods) {
            mine.3 += theirs.3;
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

    /// The warnings to print, one string each (possibly of several lines).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let span = match self.span {
            None => "the log holds no events".to_string(),
            Some((a, b)) => format!(
                "the log spans {} to {}",
                self.zone.local_date(a),
                self.zone.local_date(b) + chrono::Duration::days(1)
            ),
        };
        for (p, _, _, n) in &self.periods {
            if *n == 0 {
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
        let mut s = Survey::new(&[period("2030-01-01", "2030-02-01")], Zone::default());
        s.see(&event("2016-10-01T08:00:00Z", unknown("x")), 1, || {
            "at a:1".into()
        });
        s.see(&event("2017-09-30T22:00:00Z", EventBody::Death), 2, || {
            unreachable!("asked only for unknown kinds")
        });
        let w = s.warnings();
        // 22:00 UTC on 30 September is 23:00 in London: the log's last day is the 30th.
        assert_eq!(
            w[0],
            "warning: no events in 2030-01-01 to 2030-02-01; the log spans 2016-10-01 to 2017-10-01"
        );
    }

    #[test]
    fn a_period_holding_an_event_gives_no_warning() {
        let feb = period("2017-02-01", "2017-03-01");
        let mut s = Survey::new(&[feb], Zone::default());
        // The last instant of February holds; 1 March 00:00 would not.
        s.see(
            &event("2017-02-28T23:59:59Z", EventBody::Death),
            1,
            String::new,
        );
        assert!(s.warnings().is_empty());
        let mut s = Survey::new(&[feb], Zone::default());
        s.see(
            &event("2017-03-01T00:00:00Z", EventBody::Death),
            1,
            String::new,
        );
        assert_eq!(s.warnings().len(), 1);
        let s = Survey::new(&[feb], Zone::default());
        assert!(s.warnings()[0].ends_with("the log holds no events"));
    }

    #[test]
    fn unknown_kinds_are_listed_with_counts_and_first_place() {
        let mut s = Survey::new(&[period("2017-02-01", "2017-03-01")], Zone::default());
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
            s.warnings(),
            ["warning: 4 events of kinds this version does not know, kept but counted in no indicator (a typo?):\n  \"ae_arival\": 3 events, the first at events.jsonl:3\n  \"dischage\": 1 event, the first in the store"]
        );
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
        let mut whole = Survey::new(&periods, Zone::default());
        let mut parts = [
            Survey::new(&periods, Zone::default()),
            Survey::new(&periods, Zone::default()),
        ];
        for (i, (e, order)) in events.iter().enumerate() {
            let place = || format!("at a:{order}");
            whole.see(e, *order, place);
            parts[i % 2].see(e, *order, place);
        }
        let [mut merged, other] = parts;
        merged.merge(other);
        assert_eq!(merged.warnings(), whole.warnings());
        assert!(whole.warnings()[1].contains("\"ae_arival\": 2 events, the first at a:4"));
    }
}
