//! Every person of the live log: what the access rules read about them, and their records.
//!
//! [`People`] holds, for every NHS number the log names, the facts the access rules read
//! ([`PersonFacts`]) and how many events name them, on the same paths that feed the indicators,
//! and an index of the people with a hospital stay open (the flow board reads only those). A
//! view shares the entries with the writer: an entry is copied only when an event about them
//! arrives after a view was taken.
//!
//! A person's whole record ([`flow::Person`]: every event, in time order) is not held for
//! everyone: it is read from the store when asked for ([`Records`]), through its person index,
//! and kept while the service runs, folded on as events about the person arrive. The record of
//! a view is the person's first `n` stored events in the order stored, `n` being what the view
//! counted: events are never changed or deleted, and the live log folds them in the order the
//! store gives them, so that is exactly what the view has seen.

use crate::facts_bytes::{get_facts, get_nhs, put_facts, put_nhs};
use crate::LiveError;
use access::{PersonFacts, Relationship, Role};
use domain::{Event, Instant, NhsNumber, Org, OrgRegister};
use flow::Person;
use journey_log::bytes::{Damaged, In, Out};
use journey_log::parse_line;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use store::StoreRead;

/// What is held of one person for every person.
#[derive(Debug, Clone, Default)]
struct Entry {
    facts: PersonFacts,
    /// Events about the person folded in.
    events: u32,
}

/// The facts of every person, by NHS number, and the records read so far.
#[derive(Debug, Clone, Default)]
pub struct People {
    by_nhs: BTreeMap<NhsNumber, Arc<Entry>>,
    /// People with a hospital stay admitted and not discharged.
    in_hospital: Arc<BTreeSet<NhsNumber>>,
    /// The records read, shared by the writer and every view.
    records: Records,
}

/// The records read from the store, shared by the writer and every view. A record of `n`
/// events is always the person's first `n` events; the writer folds an event into a record
/// only if it holds every event before it (otherwise it drops the record, which a later read
/// replaces), so a record read for an older view is never folded on wrongly.
#[derive(Debug, Clone, Default)]
struct Records(Arc<RecordsInner>);

#[derive(Debug, Default)]
struct RecordsInner {
    kept: Mutex<HashMap<NhsNumber, Arc<Person>>>,
    /// Whether any record is kept: until one is, folding an event takes no lock (a whole log
    /// read at start, an import's fold).
    any: std::sync::atomic::AtomicBool,
}

fn in_hospital(facts: &PersonFacts) -> bool {
    facts
        .spells
        .iter()
        .any(|s| s.life.opened.is_some() && s.life.ended.is_none())
}

impl People {
    /// Folds in one event (events about no one change nothing); `raw` is its stored line.
    pub fn push(&mut self, e: &Event, raw: &str) {
        let Some(nhs) = e.person else { return };
        let entry = Arc::make_mut(self.by_nhs.entry(nhs).or_default());
        entry.facts.push(e);
        entry.events += 1;
        let inside = in_hospital(&entry.facts);
        if inside != self.in_hospital.contains(&nhs) {
            let set = Arc::make_mut(&mut self.in_hospital);
            if inside {
                set.insert(nhs);
            } else {
                set.remove(&nhs);
            }
        }
        let before = entry.events - 1;
        if self
            .records
            .0
            .any
            .load(std::sync::atomic::Ordering::Acquire)
        {
            let mut kept = self.records.0.kept.lock().expect("not poisoned");
            if let Some(r) = kept.get_mut(&nhs) {
                if r.events().len() as u32 == before {
                    Arc::make_mut(r).push(e, raw);
                } else {
                    kept.remove(&nhs);
                }
            }
        }
    }

    /// What the access rules know of one person.
    pub fn get(&self, nhs: NhsNumber) -> Option<&PersonFacts> {
        self.by_nhs.get(&nhs).map(|p| &p.facts)
    }

    /// How many events name `nhs`.
    pub fn events_of(&self, nhs: NhsNumber) -> u32 {
        self.by_nhs.get(&nhs).map_or(0, |p| p.events)
    }

    pub fn len(&self) -> usize {
        self.by_nhs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_nhs.is_empty()
    }

    /// Every person, in NHS number order.
    pub fn iter(&self) -> impl Iterator<Item = (NhsNumber, &PersonFacts)> + '_ {
        self.by_nhs.iter().map(|(n, p)| (*n, &p.facts))
    }

    /// The people with a hospital stay open, in NHS number order.
    pub fn in_hospital(&self) -> impl Iterator<Item = NhsNumber> + '_ {
        self.in_hospital.iter().copied()
    }

    /// The record of `nhs` as these people have it (`None`: no event names them), read from
    /// `store` unless kept; lines are parsed against `orgs`.
    pub fn record(
        &self,
        nhs: NhsNumber,
        store: &dyn StoreRead,
        orgs: &OrgRegister,
    ) -> Result<Option<Arc<Person>>, LiveError> {
        let n = self.events_of(nhs);
        if n == 0 {
            return Ok(None);
        }
        if let Some(r) = self.kept(nhs, n) {
            return Ok(Some(r));
        }
        let person = Arc::new(read_record(store, nhs, n, orgs)?);
        let mut kept = self.records.0.kept.lock().expect("not poisoned");
        // Never in place of a longer one (of a later view).
        if kept.get(&nhs).is_none_or(|r| r.events().len() < n as usize) {
            kept.insert(nhs, person.clone());
            self.records
                .0
                .any
                .store(true, std::sync::atomic::Ordering::Release);
        }
        Ok(Some(person))
    }

    /// The kept record of `nhs`, if it holds exactly `n` events.
    pub(crate) fn kept(&self, nhs: NhsNumber, n: u32) -> Option<Arc<Person>> {
        let kept = self.records.0.kept.lock().expect("not poisoned");
        kept.get(&nhs)
            .filter(|r| r.events().len() as u32 == n)
            .cloned()
    }

    /// How many records are kept (read and folded on).
    pub fn records_kept(&self) -> usize {
        self.records.0.kept.lock().expect("not poisoned").len()
    }

    /// The people a user with `roles` of `org` sees by legitimate relationship at `now`, in NHS
    /// number order, each with the relationship: the rule is evaluated as each person is read
    /// (a caller paging or counting sees only these). None for roles that see no identifiable
    /// people. Break-glass grants are the caller's to add (they are per user and person).
    pub fn visible_to<'a>(
        &'a self,
        org: &'a Org,
        roles: &[Role],
        now: Instant,
        window_days: u32,
    ) -> impl Iterator<Item = (NhsNumber, &'a PersonFacts, Relationship)> + 'a {
        let sees = roles.iter().any(|r| r.sees_identifiable_people());
        self.by_nhs
            .iter()
            .take_while(move |_| sees)
            .filter_map(move |(n, p)| {
                access::relationship(org, &p.facts, now, window_days).map(|r| (*n, &p.facts, r))
            })
    }
}

impl People {
    /// Every person's facts and count of events, in NHS number order (the records read are
    /// not written: they are read again when asked for).
    pub(crate) fn write_to(&self, o: &mut Out) {
        o.len(self.by_nhs.len());
        for (nhs, e) in &self.by_nhs {
            put_nhs(o, *nhs);
            o.u32(e.events);
            put_facts(o, &e.facts);
        }
    }

    pub(crate) fn read_from(i: &mut In<'_>) -> Result<People, Damaged> {
        let n = i.len(8 + 4 + 6)?;
        let mut people = People::default();
        for _ in 0..n {
            let nhs = get_nhs(i)?;
            let events = i.u32()?;
            let facts = get_facts(i)?;
            if in_hospital(&facts) {
                Arc::make_mut(&mut people.in_hospital).insert(nhs);
            }
            people.by_nhs.insert(nhs, Arc::new(Entry { facts, events }));
        }
        if people.by_nhs.len() != n {
            return Err(Damaged("a person twice".into()));
        }
        Ok(people)
    }
}

/// The record of `nhs`: their first `n` events stored, in the order stored (see the module).
pub fn read_record(
    store: &dyn StoreRead,
    nhs: NhsNumber,
    n: u32,
    orgs: &OrgRegister,
) -> Result<Person, LiveError> {
    let mut person = Person::default();
    let (mut taken, mut bad) = (0u32, 0usize);
    store.scan_person(&nhs.digits(), &mut |_, raw| {
        if taken == n {
            return;
        }
        match parse_line(raw, orgs) {
            Ok(p) if p.event.person == Some(nhs) => {
                person.push(&p.event, raw);
                taken += 1;
            }
            _ => bad += 1,
        }
    })?;
    if bad > 0 || taken < n {
        return Err(LiveError::Damaged(bad.max(1)));
    }
    Ok(person)
}
