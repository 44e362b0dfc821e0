//! A view of the live log at one version: the indicators of any period, from memory.

use crate::{Held, LiveError, People};
use access::{PersonFacts, Relationship, Role};
use chrono::{Datelike, NaiveDate};
use domain::{Instant, NhsNumber, Org, OrgRegister, Population, Zone};
use indicators::{BenchmarkSet, Context, Journeys, Period, Report};
use journey_log::bytes::{Damaged, In, Out};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// When the events held happened: the first and last `at`, and how many fell on each local day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Span {
    pub first: Option<Instant>,
    pub last: Option<Instant>,
    days: std::collections::BTreeMap<NaiveDate, u32>,
}

impl Span {
    pub(crate) fn include(&mut self, t: Instant) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        *self.days.entry(Zone::default().local_date(t)).or_default() += 1;
    }

    pub(crate) fn put(&self, o: &mut Out) {
        o.opt(self.first, |o, t| o.i64(t.0));
        o.opt(self.last, |o, t| o.i64(t.0));
        o.len(self.days.len());
        for (d, n) in &self.days {
            o.u32(d.num_days_from_ce() as u32);
            o.u32(*n);
        }
    }

    pub(crate) fn get(i: &mut In<'_>) -> Result<Span, Damaged> {
        let first = i.opt(|i| i.i64().map(Instant))?;
        let last = i.opt(|i| i.i64().map(Instant))?;
        let n = i.len(8)?;
        let mut days = std::collections::BTreeMap::new();
        for _ in 0..n {
            let d = i32::try_from(i.u32()?)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .ok_or_else(|| Damaged("the span's days".into()))?;
            days.insert(d, i.u32()?);
        }
        Ok(Span { first, last, days })
    }

    /// Whether the log covers `[from, to)`: its events there come, day for day, at a quarter or
    /// more of the log's usual daily rate (the rate of the day of a typical event: half of all
    /// events fall on days at least that busy). A period the log does not cover (before it
    /// starts, after it ends, in a gap, or holding only a few events dated back, such as the
    /// registrations of people who were there before) has no value on a chart, never a zero.
    pub fn covers(&self, from: NaiveDate, to: NaiveDate) -> bool {
        if self.days.is_empty() || to <= from {
            return false;
        }
        let mut rates: Vec<u32> = self.days.values().copied().collect();
        rates.sort_unstable_by(|a, b| b.cmp(a));
        let total: u64 = rates.iter().map(|n| u64::from(*n)).sum();
        let mut seen = 0u64;
        let mut usual = 0u32;
        for r in rates {
            seen += u64::from(r);
            usual = r;
            if seen * 2 >= total {
                break;
            }
        }
        let days = (to - from).num_days() as f64;
        let held: u64 = self.days.range(from..to).map(|(_, n)| u64::from(*n)).sum();
        held as f64 / days >= 0.25 * f64::from(usual)
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
    people: People,
    /// Where people's records are read from (the writer's store).
    source: Arc<Mutex<Held>>,
    reports: Mutex<HashMap<(NaiveDate, NaiveDate), Arc<Report>>>,
    /// What callers derived from this view (a rendered answer ...), by their own key.
    memo: Mutex<HashMap<String, Arc<dyn std::any::Any + Send + Sync>>>,
}

/// Reports kept per view: a dashboard asks for a handful of periods.
const MAX_CACHED_REPORTS: usize = 512;

impl View {
    pub(crate) fn build(held: &Held, source: Arc<Mutex<Held>>) -> View {
        View {
            version: held.version,
            events: held.kept.events(),
            span: held.live().span.clone(),
            orgs: held.orgs.clone(),
            population: held.population,
            journeys: held.kept.facts.clone().finish(),
            people: held.live().people.clone(),
            source,
            reports: Mutex::new(HashMap::new()),
            memo: Mutex::new(HashMap::new()),
        }
    }

    /// What the access rules know of one person, if any event names them.
    pub fn person(&self, nhs: NhsNumber) -> Option<&PersonFacts> {
        self.people.get(nhs)
    }

    /// Everything the log holds about one person (`None`: no event names them), as of this
    /// view: read from the store the first time it is asked for, then kept.
    pub fn record(&self, nhs: NhsNumber) -> Result<Option<Arc<flow::Person>>, LiveError> {
        Ok(self.records_of([nhs])?.pop().map(|(_, p)| p))
    }

    /// The records of `people` (those no event names left out), in the order given; those not
    /// kept are read in one read of the store.
    pub fn records_of(
        &self,
        people: impl IntoIterator<Item = NhsNumber>,
    ) -> Result<Vec<(NhsNumber, Arc<flow::Person>)>, LiveError> {
        let mut out: Vec<(NhsNumber, Option<Arc<flow::Person>>)> = Vec::new();
        let mut missing = 0usize;
        for nhs in people {
            let n = self.people.events_of(nhs);
            if n == 0 {
                continue;
            }
            let kept = self.people.kept(nhs, n);
            missing += usize::from(kept.is_none());
            out.push((nhs, kept));
        }
        if missing > 0 {
            let held = self.source.lock().expect("not poisoned");
            let mut failed = None;
            held.store.read(&mut |r| {
                for (nhs, p) in out.iter_mut().filter(|(_, p)| p.is_none()) {
                    match self.people.record(*nhs, r, &self.orgs) {
                        Ok(r) => *p = r,
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                Ok(())
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
        Ok(out
            .into_iter()
            .filter_map(|(n, p)| p.map(|p| (n, p)))
            .collect())
    }

    /// The records of the people with a hospital stay open, in NHS number order.
    pub fn records_in_hospital(&self) -> Result<Vec<(NhsNumber, Arc<flow::Person>)>, LiveError> {
        self.records_of(self.people.in_hospital())
    }

    /// The records of the people whose facts `keep` keeps, in NHS number order.
    pub fn records_where(
        &self,
        keep: impl Fn(&PersonFacts) -> bool,
    ) -> Result<Vec<(NhsNumber, Arc<flow::Person>)>, LiveError> {
        let people: Vec<NhsNumber> = self
            .people
            .iter()
            .filter(|(_, f)| keep(f))
            .map(|(n, _)| n)
            .collect();
        self.records_of(people)
    }

    /// Every person of the log, with their facts.
    pub fn people(&self) -> &People {
        &self.people
    }

    /// The people a user with `roles` of `org` sees by legitimate relationship at `now` (see
    /// [`People::visible_to`]): the set a flow board or a search iterates, the rule evaluated as
    /// each person is read.
    pub fn people_visible_to<'a>(
        &'a self,
        org: &'a Org,
        roles: &[Role],
        now: Instant,
        window_days: u32,
    ) -> impl Iterator<Item = (NhsNumber, &'a PersonFacts, Relationship)> + 'a {
        self.people.visible_to(org, roles, now, window_days)
    }

    /// The text `make` derives from this view, made once per view and `key` (the view never
    /// changes, so neither does what is derived from it).
    pub fn memo<E>(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        self.memo_value(key, || make().map(Arc::<str>::from))
            .map(|t| (*t).clone())
    }

    /// The value `make` derives from this view, made once per view and `key`, as
    /// [`View::memo`] does for text. A key names one type of value: asked for as another type,
    /// the value is made again and replaces it.
    pub fn memo_value<T: Send + Sync + 'static, E>(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some(t) = self.memo.lock().expect("not poisoned").get(key) {
            if let Ok(t) = t.clone().downcast::<T>() {
                return Ok(t);
            }
        }
        let value = Arc::new(make()?);
        let mut memo = self.memo.lock().expect("not poisoned");
        if memo.len() >= MAX_CACHED_REPORTS {
            memo.clear();
        }
        memo.insert(key.to_string(), value.clone());
        Ok(value)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_covered_only_at_the_log_s_usual_rate() {
        let zone = Zone::default();
        let d = |s: &str| domain::parse_date(s).unwrap();
        let mut span = Span::default();
        // February and March 2017: 100 events a day; a few registrations dated years before.
        let mut day = d("2017-02-01");
        while day < d("2017-04-01") {
            for h in 0..100 {
                span.include(zone.midnight(day).plus_hours(h % 24));
            }
            day = day.succ_opt().unwrap();
        }
        // Registrations of people who were there before, 2 a day over the six years before:
        // far more days than the log's own, at a fraction of its rate.
        let mut old = d("2011-02-01");
        while old < d("2017-02-01") {
            span.include(zone.midnight(old));
            span.include(zone.midnight(old).plus_hours(1));
            old = old.succ_opt().unwrap();
        }
        assert!(span.covers(d("2017-02-01"), d("2017-03-01")));
        assert!(span.covers(d("2017-03-01"), d("2017-04-01")));
        assert!(
            !span.covers(d("2015-06-01"), d("2015-07-01")),
            "a month of old registrations"
        );
        assert!(
            !span.covers(d("2017-04-01"), d("2017-05-01")),
            "after the log"
        );
        // Half a month of data is half the usual rate: still covered.
        assert!(span.covers(d("2017-03-15"), d("2017-04-15")));
        assert!(!span.covers(d("2017-03-01"), d("2017-03-01")));
    }
}
