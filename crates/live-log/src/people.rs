//! Every person of the live log: their events and what the access rules read about them.
//!
//! [`People`] holds one [`flow::Person`] per NHS number for every event folded into the live
//! log, on the same paths that feed the indicators, and an index of the people with a hospital
//! stay open (the flow board reads only those). A view shares the records with the writer: a
//! person's record is copied only when an event about them arrives after a view was taken.

use access::{PersonFacts, Relationship, Role};
use domain::{Event, Instant, NhsNumber, Org};
use flow::Person;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The record of every person, by NHS number.
#[derive(Debug, Clone, Default)]
pub struct People {
    by_nhs: BTreeMap<NhsNumber, Arc<Person>>,
    /// People with a hospital stay admitted and not discharged.
    in_hospital: Arc<BTreeSet<NhsNumber>>,
}

impl People {
    /// Folds in one event (events about no one change nothing); `raw` is its stored line.
    pub fn push(&mut self, e: &Event, raw: &str) {
        let Some(nhs) = e.person else { return };
        let p = Arc::make_mut(self.by_nhs.entry(nhs).or_default());
        p.push(e, raw);
        let inside = p.in_hospital();
        if inside != self.in_hospital.contains(&nhs) {
            let set = Arc::make_mut(&mut self.in_hospital);
            if inside {
                set.insert(nhs);
            } else {
                set.remove(&nhs);
            }
        }
    }

    /// What the access rules know of one person.
    pub fn get(&self, nhs: NhsNumber) -> Option<&PersonFacts> {
        self.by_nhs.get(&nhs).map(|p| &p.facts)
    }

    /// The whole record of one person.
    pub fn record(&self, nhs: NhsNumber) -> Option<&Person> {
        self.by_nhs.get(&nhs).map(|p| &**p)
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

    /// Every person's record, in NHS number order.
    pub fn records(&self) -> impl Iterator<Item = (NhsNumber, &Person)> + '_ {
        self.by_nhs.iter().map(|(n, p)| (*n, &**p))
    }

    /// The people with a hospital stay open, in NHS number order.
    pub fn in_hospital(&self) -> impl Iterator<Item = (NhsNumber, &Person)> + '_ {
        self.in_hospital
            .iter()
            .filter_map(|n| self.by_nhs.get(n).map(|p| (*n, &**p)))
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
