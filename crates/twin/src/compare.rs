//! Scenarios compared with common random numbers: each scenario run with the same seed and
//! replication numbers, every indicator summarised, the paired differences from the first
//! scenario, costs and their differences, and the warnings (a scenario far worse than the
//! first is marked as a jam). One code path for `joinedup compare` and the service's plans:
//! [`compare`] computes a [`Comparison`]; [`Comparison::csv`], [`Comparison::html`],
//! [`Comparison::html_body`] and [`Comparison::json`] render it.
//!
//! A comparison starts each replication from the scenario's own warm-up. Where it is to start
//! from another state (a journey log read at a date), the caller passes its own
//! [`Replicator`] to [`compare_with`]: nothing else changes.

use crate::costs::{self, CostDifference, CostSummary, Estimate, LINES};
use crate::run::Replication;
use crate::scenario::limits::MAX_REPLICATIONS;
use crate::summary::{self, Difference, IndicatorSummary};
use crate::Scenario;
use indicators::Period;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Why scenarios cannot be compared (nothing has run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    #[error("compare needs at least two scenarios, got {0}")]
    TooFew(usize),
    #[error("replications must be from 1 to {MAX_REPLICATIONS}, got {0}")]
    Replications(u64),
    /// The first scenario and one that measures another period.
    #[error("{first} measures {first_from} to {first_to}, {other} measures {other_from} to {other_to}: compare needs one period")]
    Periods {
        first: String,
        first_from: chrono::NaiveDate,
        first_to: chrono::NaiveDate,
        other: String,
        other_from: chrono::NaiveDate,
        other_to: chrono::NaiveDate,
    },
    /// The run stopped before it finished (the caller's progress said stop).
    #[error("the comparison was stopped before it finished")]
    Stopped,
}

/// How far a comparison has got: replications done of all scenarios, and their total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Runs replication `r` of a scenario with `seed` (by default [`crate::replicate`], each from
/// the scenario's own warm-up).
pub type Replicator<'a> = &'a (dyn Fn(&Scenario, u64, u64) -> Replication + Sync);

/// Scenarios side by side: everything `compare.csv`, `compare.html` and a plan's result show.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub names: Vec<String>,
    pub seed: u64,
    pub replications: u64,
    /// The measured period, one for all.
    pub period: Period,
    /// Each scenario's indicators, in the engine's order.
    pub summaries: Vec<Vec<IndicatorSummary>>,
    /// Each scenario's paired differences from the first (the first's own: from itself).
    pub diffs: Vec<Vec<Difference>>,
    pub warnings: Vec<Vec<String>>,
    pub costs: Vec<CostSummary>,
    /// The costs of the second scenario on, against the first's.
    pub cost_diffs: Vec<CostDifference>,
    /// Each scenario's daily series (its charts).
    pub daily: Vec<Vec<crate::html::Daily>>,
    /// Each scenario's TOML as written, top first, for "Assumptions and sources" (empty: not
    /// shown; the caller knows where its scenarios came from).
    pub sources: Vec<Vec<(String, String)>>,
    /// The recorded state every scenario started from, in words (`None`: each from its own
    /// warm-up), said at the top of `compare.html`.
    pub started_from: Option<String>,
}

/// Checks that `scenarios` can be compared: at least two, replications in range, one measured
/// period. The period.
pub fn check(scenarios: &[Scenario], replications: u64) -> Result<Period, CompareError> {
    if scenarios.len() < 2 {
        return Err(CompareError::TooFew(scenarios.len()));
    }
    if replications == 0 || replications > MAX_REPLICATIONS {
        return Err(CompareError::Replications(replications));
    }
    let period = crate::period(&scenarios[0]);
    for s in &scenarios[1..] {
        let p = crate::period(s);
        if p != period {
            return Err(CompareError::Periods {
                first: scenarios[0].name.clone(),
                first_from: period.from,
                first_to: period.to,
                other: s.name.clone(),
                other_from: p.from,
                other_to: p.to,
            });
        }
    }
    Ok(period)
}

/// Compares `scenarios` (differences from the first) over `replications` replications each,
/// with common random numbers, on `pool`. `progress` is told after each replication; when it
/// answers `false` the comparison stops ([`CompareError::Stopped`]) once the replications
/// under way have finished.
pub fn compare(
    scenarios: &[Scenario],
    seed: u64,
    replications: u64,
    pool: &rayon::ThreadPool,
    progress: &(dyn Fn(Progress) -> bool + Sync),
) -> Result<Comparison, CompareError> {
    let default = |s: &Scenario, seed: u64, r: u64| crate::replicate(s, seed, r, None);
    compare_with(scenarios, seed, replications, pool, progress, &default)
}

/// [`compare`], each replication made by `replicate`.
pub fn compare_with(
    scenarios: &[Scenario],
    seed: u64,
    replications: u64,
    pool: &rayon::ThreadPool,
    progress: &(dyn Fn(Progress) -> bool + Sync),
    replicate: Replicator<'_>,
) -> Result<Comparison, CompareError> {
    let period = check(scenarios, replications)?;
    let total = replications * scenarios.len() as u64;
    let done = AtomicU64::new(0);
    let stopped = AtomicBool::new(false);
    let mut summaries = Vec::with_capacity(scenarios.len());
    let mut costs = Vec::with_capacity(scenarios.len());
    let mut warnings = Vec::with_capacity(scenarios.len());
    let mut daily = Vec::with_capacity(scenarios.len());
    for s in scenarios {
        // The same seed and replication numbers: common random numbers across scenarios.
        let runs: Vec<Option<Replication>> = pool.install(|| {
            (0..replications)
                .into_par_iter()
                .map(|r| {
                    // Once told to stop, no replication starts.
                    if stopped.load(Ordering::Relaxed) {
                        return None;
                    }
                    let run = replicate(s, seed, r);
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    let go_on = progress(Progress { done: d, total });
                    if !go_on {
                        stopped.store(true, Ordering::Relaxed);
                    }
                    go_on.then_some(run)
                })
                .collect()
        });
        let runs: Vec<Replication> = runs
            .into_iter()
            .collect::<Option<_>>()
            .ok_or(CompareError::Stopped)?;
        let s_summaries = summary::indicators(&runs);
        warnings.push(crate::warnings::warnings(&runs, &s_summaries));
        costs.push(costs::summarise_runs(&runs, &s.costs));
        daily.push(summary::daily(&runs));
        summaries.push(s_summaries);
    }
    let diffs: Vec<Vec<Difference>> = summaries
        .iter()
        .map(|s| {
            s.iter()
                .zip(&summaries[0])
                .map(|(x, base)| summary::paired_difference(&base.values, &x.values))
                .collect()
        })
        .collect();
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let cost_diffs: Vec<CostDifference> = costs[1..]
        .iter()
        .map(|c| costs::difference(&costs[0], c))
        .collect();
    for k in 1..summaries.len() {
        if let Some(w) = crate::warnings::against(&names[0], &summaries[0], &diffs[k]) {
            warnings[k].push(w);
        }
    }
    Ok(Comparison {
        names,
        seed,
        replications,
        period,
        summaries,
        diffs,
        warnings,
        costs,
        cost_diffs,
        daily,
        sources: Vec::new(),
        started_from: None,
    })
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

fn diff_cells(d: Difference) -> String {
    format!(
        ",{},{},{}",
        cell(d.map(|d| d.0)),
        cell(d.map(|d| d.1)),
        cell(d.map(|d| d.2))
    )
}

impl Comparison {
    /// `compare.csv`: per indicator, each scenario's mean and 95% interval and, from the second
    /// on, the difference from the first; then the cost rows ([`Self::cost_csv`]).
    pub fn csv(&self) -> String {
        let names = &self.names;
        let all = &self.summaries;
        let mut csv = String::from("id");
        for (k, n) in names.iter().enumerate() {
            csv.push_str(&format!(",{n}_mean,{n}_lo95,{n}_hi95"));
            if k > 0 {
                csv.push_str(&format!(",{n}_diff,{n}_diff_lo95,{n}_diff_hi95"));
            }
        }
        csv.push('\n');
        for (i, base) in all[0].iter().enumerate() {
            csv.push_str(&base.id);
            for (k, s) in all.iter().enumerate() {
                let (lo, hi) = s[i]
                    .ci95
                    .map(|(l, h)| (Some(l), Some(h)))
                    .unwrap_or((None, None));
                csv.push_str(&format!(",{},{},{}", cell(s[i].mean), cell(lo), cell(hi)));
                if k > 0 {
                    csv.push_str(&diff_cells(self.diffs[k][i]));
                }
            }
            csv.push('\n');
        }
        self.cost_csv(&mut csv);
        csv
    }

    /// The cost rows of `compare.csv`: `cost:total`, `cost:<line>`, `cost:delayed_days`, and
    /// `cost:per_delayed_day_avoided` (its difference column only; empty where not defined).
    fn cost_csv(&self, csv: &mut String) {
        let (costs, diffs) = (&self.costs, &self.cost_diffs);
        let est = |e: &Estimate| {
            format!(
                ",{},{},{}",
                cell(Some(e.mean)),
                cell(e.ci95.map(|c| c.0)),
                cell(e.ci95.map(|c| c.1))
            )
        };
        let mut row = |id: &str,
                       get: &dyn Fn(&CostSummary) -> &Estimate,
                       d: &dyn Fn(&CostDifference) -> Difference| {
            csv.push_str(id);
            for (k, c) in costs.iter().enumerate() {
                csv.push_str(&est(get(c)));
                if k > 0 {
                    csv.push_str(&diff_cells(d(&diffs[k - 1])));
                }
            }
            csv.push('\n');
        };
        row("cost:total", &|c| &c.total, &|d| d.total);
        for (i, l) in LINES.iter().enumerate() {
            row(&format!("cost:{}", l.key), &|c| &c.lines[i].cost, &|d| {
                d.lines[i]
            });
        }
        row("cost:delayed_days", &|c| c.delayed_days(), &|d| {
            d.delayed_days_avoided.map(|(m, lo, hi)| (-m, -hi, -lo))
        });
        csv.push_str("cost:per_delayed_day_avoided");
        for k in 0..self.names.len() {
            csv.push_str(",,,");
            if k > 0 {
                csv.push_str(&format!(
                    ",{},,",
                    cell(diffs[k - 1].per_delayed_day_avoided)
                ));
            }
        }
        csv.push('\n');
    }

    /// `compare.html`, a page of its own.
    pub fn html(&self) -> String {
        crate::html::compare_page(&self.html_body())
    }

    /// What `compare.html` holds inside its body (indicators by their plain names), for a page
    /// with its own frame.
    pub fn html_body(&self) -> String {
        crate::html::compare_body(
            &self.names,
            self.replications as usize,
            self.period.from,
            self.period.to,
            &self.summaries,
            &self.diffs,
            &self.warnings,
            (&self.costs, &self.cost_diffs),
            &self.daily,
            &self.sources,
            self.started_from.as_deref(),
        )
    }

    /// The comparison as JSON: the scenarios, each indicator's mean and 95% interval and its
    /// difference from the first, the costs and their differences, the warnings.
    pub fn json(&self) -> Value {
        let pair = |c: Option<(f64, f64)>| c.map(|(lo, hi)| json!([lo, hi]));
        let diff = |d: Difference| d.map(|(m, lo, hi)| json!({"mean": m, "ci95": [lo, hi]}));
        let scenarios: Vec<Value> = self
            .names
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let indicators: Vec<Value> = self.summaries[k]
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let mut v = json!({"id": s.id, "mean": s.mean, "ci95": pair(s.ci95)});
                        if k > 0 {
                            v["difference"] = json!(diff(self.diffs[k][i]));
                        }
                        v
                    })
                    .collect();
                let mut v = json!({
                    "name": n,
                    "indicators": indicators,
                    "costs": costs::json(&self.costs[k]),
                    "warnings": self.warnings[k],
                });
                if k > 0 {
                    v["cost_difference"] = costs::difference_json(&self.cost_diffs[k - 1]);
                }
                v
            })
            .collect();
        json!({
            "seed": self.seed,
            "replications": self.replications,
            "from": self.period.from.to_string(),
            "to": self.period.to.to_string(),
            "scenarios": scenarios,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(name: &str) -> Scenario {
        let mut s = Scenario::load(name).unwrap();
        s.run.days = 20;
        s.run.warmup_days = 10;
        s.run.cooldown_days = 0;
        s.validate().unwrap();
        s
    }

    fn pool(n: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    }

    #[test]
    fn what_cannot_be_compared_is_refused_before_anything_runs() {
        let a = short("stoke-2017");
        assert_eq!(
            check(std::slice::from_ref(&a), 2),
            Err(CompareError::TooFew(1))
        );
        let two = [a.clone(), short("d2a")];
        assert_eq!(check(&two, 0), Err(CompareError::Replications(0)));
        let mut longer = short("d2a");
        longer.run.days = 21;
        let e = check(&[a, longer], 2).unwrap_err();
        assert!(e.to_string().contains("compare needs one period"), "{e}");
    }

    #[test]
    fn progress_counts_every_replication_and_can_stop_the_run() {
        let two = [short("stoke-2017"), short("d2a")];
        let seen = std::sync::Mutex::new(Vec::new());
        let c = compare(&two, 7, 2, &pool(1), &|p| {
            seen.lock().unwrap().push(p);
            true
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 4);
        assert_eq!(seen.last(), Some(&Progress { done: 4, total: 4 }));
        assert_eq!(c.names, ["stoke-2017", "d2a"]);
        assert_eq!(c.cost_diffs.len(), 1);
        // The first scenario's difference from itself is zero where defined.
        assert!(c.diffs[0].iter().flatten().all(|d| d.0 == 0.0));
        let j = c.json();
        assert_eq!(j["scenarios"][1]["name"], "d2a");
        assert!(j["scenarios"][1]["cost_difference"].get("total").is_some());
        assert!(c.html().starts_with("<!doctype html>"));
        assert!(c.html().contains(&c.html_body()));
        assert!(c.csv().starts_with("id,stoke-2017_mean,"));
        let asked = std::sync::atomic::AtomicU64::new(0);
        let stopped = compare(&two, 7, 2, &pool(1), &|_| {
            asked.fetch_add(1, Ordering::Relaxed);
            false
        })
        .unwrap_err();
        assert_eq!(stopped, CompareError::Stopped);
        // On one thread, nothing runs after the first replication said stop.
        assert_eq!(asked.into_inner(), 1);
    }

    #[test]
    fn the_same_on_one_thread_and_on_two() {
        let two = [short("stoke-2017"), short("seven-day")];
        let one = compare(&two, 3, 3, &pool(1), &|_| true).unwrap();
        let more = compare(&two, 3, 3, &pool(2), &|_| true).unwrap();
        assert_eq!(one.csv(), more.csv());
    }
}
