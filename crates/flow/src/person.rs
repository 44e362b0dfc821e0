//! One person's events, kept in time order, with what the access rules read about them.
//!
//! The platform adds to the log's format in the way `events.md` allows (unknown kinds and
//! fields are kept): a `pathway_planned` event (`spell`, `pathway` 0-3) records the discharge
//! pathway planned before the discharge, and a `recorded_by` field names the organisation of
//! the user who recorded an event through the platform. Both are read from the event's stored
//! line; every other reader of the log keeps them unchanged and counts them in nothing.

use access::PersonFacts;
use chrono::NaiveDate;
use domain::{Event, EventBody, Instant, Text};
use serde::Deserialize;

/// The kind of the platform's "discharge pathway planned" event.
pub const PATHWAY_PLANNED: &str = "pathway_planned";
/// The field naming the organisation that recorded an event through the platform.
pub const RECORDED_BY: &str = "recorded_by";

/// What the platform adds to an event (rare: only events it recorded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extra {
    /// The organisation of the user who recorded the event.
    pub recorded_by: Option<Text>,
    /// A `pathway_planned` event: the spell and the pathway planned for it.
    pub planned: Option<(Text, u8)>,
}

/// One event about the person, with the platform's additions.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub event: Event,
    pub extra: Option<Box<Extra>>,
}

impl Recorded {
    pub fn recorded_by(&self) -> Option<&str> {
        self.extra.as_ref()?.recorded_by.as_deref()
    }

    /// The `(spell, pathway)` of a `pathway_planned` event.
    pub fn planned(&self) -> Option<(&str, u8)> {
        let (s, p) = self.extra.as_ref()?.planned.as_ref()?;
        Some((s.as_str(), *p))
    }
}

#[derive(Deserialize)]
struct ExtraFields {
    #[serde(default)]
    recorded_by: Option<serde_json::Value>,
    #[serde(default)]
    spell: Option<serde_json::Value>,
    #[serde(default)]
    pathway: Option<serde_json::Value>,
}

/// The platform's additions in `raw`, the stored line of `e` (None when it has none: the
/// line is looked at only when it could hold one).
fn extra_of(e: &Event, raw: &str) -> Option<Box<Extra>> {
    let planned_kind = matches!(&e.body, EventBody::Unknown { kind } if kind == PATHWAY_PLANNED);
    if !planned_kind && !raw.contains(RECORDED_BY) {
        return None;
    }
    let f: ExtraFields = serde_json::from_str(raw).ok()?;
    let text = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .map(Text::from)
    };
    let planned = if planned_kind {
        let pathway = f
            .pathway
            .as_ref()
            .and_then(|v| v.as_u64())
            .filter(|p| *p <= 3);
        text(&f.spell).zip(pathway.map(|p| p as u8))
    } else {
        None
    };
    let extra = Extra {
        recorded_by: text(&f.recorded_by),
        planned,
    };
    (extra != Extra::default()).then(|| Box::new(extra))
}

/// Everything the log holds about one person.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// What the access rules read.
    pub facts: PersonFacts,
    /// The birth date of the latest `person_registered` (by `at`).
    pub birth: Option<NaiveDate>,
    birth_at: Option<Instant>,
    /// In time order (events at the same instant in the order pushed).
    events: Vec<Recorded>,
}

impl Person {
    /// Folds in one event about this person; `raw` is its stored line.
    pub fn push(&mut self, e: &Event, raw: &str) {
        self.facts.push(e);
        if let EventBody::PersonRegistered { birth_date, .. } = &e.body {
            if self.birth_at.is_none_or(|t| t <= e.at) {
                self.birth = Some(*birth_date);
                self.birth_at = Some(e.at);
            }
        }
        let r = Recorded {
            event: e.clone(),
            extra: extra_of(e, raw),
        };
        let i = self.events.partition_point(|x| x.event.at <= e.at);
        if self.events.len() == self.events.capacity() {
            // A person's events are few: grow by half rather than doubling.
            self.events.reserve_exact(self.events.len() / 2 + 2);
        }
        self.events.insert(i, r);
    }

    /// Every event, in time order.
    pub fn events(&self) -> &[Recorded] {
        &self.events
    }

    /// The events at or before `now`.
    pub fn events_until(&self, now: Instant) -> &[Recorded] {
        let n = self.events.partition_point(|x| x.event.at <= now);
        &self.events[..n]
    }

    /// Age in completed years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> Option<i32> {
        self.birth.map(|b| domain::time::age_on(b, day))
    }

    /// When the person died, if the log says so.
    pub fn died(&self) -> Option<Instant> {
        self.events
            .iter()
            .find(|r| matches!(r.event.body, EventBody::Death))
            .map(|r| r.event.at)
    }

    /// Whether a hospital stay of the person is open (admitted, not discharged).
    pub fn in_hospital(&self) -> bool {
        self.facts
            .spells
            .iter()
            .any(|s| s.life.opened.is_some() && s.life.ended.is_none())
    }

    /// How many events name `spell` (its stays' steps, delay reasons, pathways): a form that
    /// was made when the spell had a different count is stale.
    pub fn spell_version(&self, spell: &str) -> u32 {
        self.events
            .iter()
            .filter(|r| crate::spell::spell_of(r) == Some(spell))
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::codes::*;

    pub(crate) fn at(s: &str) -> Instant {
        Instant::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn events_are_kept_in_time_order_and_extensions_read_from_the_line() {
        let nhs = "9434765919".parse().unwrap();
        let mut p = Person::default();
        let later = Event {
            id: "e2".into(),
            at: at("2017-02-03T10:00:00Z"),
            person: Some(nhs),
            body: EventBody::Unknown {
                kind: PATHWAY_PLANNED.into(),
            },
        };
        p.push(
            &later,
            r#"{"id":"e2","kind":"pathway_planned","at":"2017-02-03T10:00:00Z","person":"9434765919","spell":"s1","pathway":2,"recorded_by":"RJE"}"#,
        );
        let reg = Event {
            id: "e1".into(),
            at: at("2016-01-01T00:00:00Z"),
            person: Some(nhs),
            body: EventBody::PersonRegistered {
                birth_date: domain::parse_date("1936-05-02").unwrap(),
                sex: Sex::Female,
                gp: "M83001".into(),
                residence: Residence::OwnHome,
                care_home: None,
            },
        };
        p.push(&reg, "{}");
        assert_eq!(p.events()[0].event.id, "e1");
        assert_eq!(p.events()[1].planned(), Some(("s1", 2)));
        assert_eq!(p.events()[1].recorded_by(), Some("RJE"));
        assert!(p.events()[0].extra.is_none());
        assert_eq!(
            p.age_on(domain::parse_date("2017-05-01").unwrap()),
            Some(80)
        );
        assert_eq!(p.spell_version("s1"), 1);
        // A pathway out of range is no plan.
        let mut q = Person::default();
        q.push(&later, r#"{"spell":"s1","pathway":7}"#);
        assert_eq!(q.events()[0].planned(), None);
    }
}
