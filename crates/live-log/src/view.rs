//! A view of the live log at one version: the indicators of any period, from memory.

use crate::Held;
use chrono::NaiveDate;
use domain::{Instant, OrgRegister, Population, Zone};
use indicators::{BenchmarkSet, Context, Journeys, Period, Report};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The first and last `at` of the events held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub first: Option<Instant>,
    pub last: Option<Instant>,
}

impl Span {
    pub(crate) fn include(&mut self, t: Instant) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
    }
    pub(crate) fn merge(&mut self, other: Span) {
        for t in [other.first, other.last].into_iter().flatten() {
            self.include(t);
        }
    }
}

/// The log at one version: registers, indicator facts, and the reports computed so far.
pub struct View {
    pub version: u64,
    pub events: u64,
    pub span: Span,
    pub orgs: OrgRegister,
    pub population: Option<Population>,
    journeys: Journeys,
    reports: Mutex<HashMap<(NaiveDate, NaiveDate), Arc<Report>>>,
}

/// Reports kept per view: a dashboard asks for a handful of periods.
const MAX_CACHED_REPORTS: usize = 512;

impl View {
    pub(crate) fn build(held: &Held) -> View {
        View {
            version: held.version,
            events: held.events,
            span: held.span,
            orgs: held.orgs.clone(),
            population: held.population,
            journeys: held.facts.clone().finish(),
            reports: Mutex::new(HashMap::new()),
        }
    }

    /// Every indicator for `period` (computed once per view and period); `None` when the
    /// store has no population register yet.
    pub fn report(
        &self,
        period: Period,
        benchmarks: &BenchmarkSet,
        zone: Zone,
    ) -> Option<Arc<Report>> {
        let population = self.population.as_ref()?;
        let key = (period.from, period.to);
        if let Some(r) = self.reports.lock().expect("not poisoned").get(&key) {
            return Some(r.clone());
        }
        let ctx = Context {
            orgs: &self.orgs,
            population,
            benchmarks,
            zone,
        };
        let report = Arc::new(self.journeys.report(period, &ctx));
        let mut cache = self.reports.lock().expect("not poisoned");
        if cache.len() >= MAX_CACHED_REPORTS {
            cache.clear();
        }
        cache.insert(key, report.clone());
        Some(report)
    }
}
