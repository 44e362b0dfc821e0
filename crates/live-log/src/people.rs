//! What the access rules need about each person, kept beside the indicator facts.
//!
//! [`People`] holds one [`access::PersonFacts`] per NHS number (small records, not events) for
//! every event folded into the live log, on the same paths that feed the indicators. A view
//! shares the records with the writer: a person's record is copied only when an event about
//! them arrives after a view was taken.

use access::{PersonFacts, Relationship, Role};
use domain::{Event, Instant, NhsNumber, Org};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The facts of every person, by NHS number.
#[derive(Debug, Clone, Default)]
pub struct People {
    by_nhs: BTreeMap<NhsNumber, Arc<PersonFacts>>,
}

impl People {
    /// Folds in one event (events about no one change nothing).
    pub fn push(&mut self, e: &Event) {
        if let Some(nhs) = e.person {
            Arc::make_mut(self.by_nhs.entry(nhs).or_default()).push(e);
        }
    }

    pub fn get(&self, nhs: NhsNumber) -> Option<&PersonFacts> {
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
        self.by_nhs.iter().map(|(n, p)| (*n, &**p))
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
                access::relationship(org, p, now, window_days).map(|r| (*n, &**p, r))
            })
    }
}
