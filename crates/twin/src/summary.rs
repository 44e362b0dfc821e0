//! Summaries over replications: each indicator's mean, standard deviation and 95% confidence
//! interval; daily series with their 95% band; paired differences between scenarios run with
//! common random numbers.

use crate::model::Day;
use crate::run::Replication;
use chrono::NaiveDate;
use indicators::{Benchmarks, Unit};
use serde_json::{json, Value};
use sim_kernel::stats::{summarise, t975};

/// One indicator over the replications.
#[derive(Debug, Clone)]
pub struct IndicatorSummary {
    pub id: String,
    pub unit: Unit,
    /// One value per replication (`None` where its denominator was zero).
    pub values: Vec<Option<f64>>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    pub benchmarks: Benchmarks,
}

/// A level's 95% interval kept within what the quantity can be: every indicator is a count, a
/// rate or a percentage, never below 0, and a percentage never above 100. (A t interval of a
/// figure near its bound would otherwise cross it.) Differences between scenarios are not
/// bounded.
pub fn bounded((lo, hi): (f64, f64), percent: bool) -> (f64, f64) {
    let top = if percent { 100.0 } else { f64::INFINITY };
    (lo.clamp(0.0, top), hi.clamp(0.0, top))
}

/// Summarises every indicator of the runs, in the engine's order.
pub fn indicators(runs: &[Replication]) -> Vec<IndicatorSummary> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .report
        .indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let values: Vec<Option<f64>> =
                runs.iter().map(|r| r.report.indicators[i].value).collect();
            let present: Vec<f64> = values.iter().flatten().copied().collect();
            let (mean, sd, ci95) = if present.is_empty() {
                (None, None, None)
            } else {
                let s = summarise(&present);
                let ci = if present.len() > 1 {
                    Some(bounded(s.ci95, ind.unit == Unit::Percent))
                } else {
                    None
                };
                (Some(s.mean), Some(s.sd), ci)
            };
            IndicatorSummary {
                id: ind.id.clone(),
                unit: ind.unit,
                values,
                mean,
                sd,
                ci95,
                benchmarks: ind.benchmarks.clone(),
            }
        })
        .collect()
}

/// A difference between scenarios: mean and 95% interval (`None` when no replication has both).
pub type Difference = Option<(f64, f64, f64)>;

/// The mean difference `b - a` over replications where both have a value, with its 95% CI.
pub fn paired_difference(a: &[Option<f64>], b: &[Option<f64>]) -> Difference {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some((*y)? - (*x)?))
        .collect();
    if d.is_empty() {
        return None;
    }
    let s = summarise(&d);
    if d.len() < 2 {
        return Some((s.mean, f64::NEG_INFINITY, f64::INFINITY));
    }
    let half = t975(d.len() - 1) * s.sd / (d.len() as f64).sqrt();
    Some((s.mean, s.mean - half, s.mean + half))
}

fn benchmarks_json(b: &Benchmarks) -> Value {
    let mut v = json!({"stoke_2017": b.stoke_2017, "england": b.england, "comparators": b.comparators, "target": b.target});
    for (k, x) in &b.other {
        v[k] = json!(x);
    }
    v
}

/// `summary.json`.
pub fn summary_json(
    scenario: &str,
    seed: u64,
    replications: usize,
    days: u32,
    from: NaiveDate,
    to: NaiveDate,
    s: &[IndicatorSummary],
) -> Value {
    json!({
        "scenario": scenario,
        "seed": seed,
        "replications": replications,
        "days": days,
        "from": from.to_string(),
        "to": to.to_string(),
        "indicators": s.iter().map(|i| json!({
            "id": i.id,
            "unit": i.unit.as_str(),
            "mean": i.mean,
            "sd": i.sd,
            "ci95": i.ci95.map(|(lo, hi)| vec![lo, hi]),
            "benchmarks": benchmarks_json(&i.benchmarks),
        })).collect::<Vec<_>>(),
    })
}

/// A daily series: its column name, its title, and how to read it from a [`Day`].
pub type Series = (&'static str, &'static str, fn(&Day) -> f64);

/// How many daily series there are.
pub const SERIES_N: usize = 13;

/// The daily series: names and how to read each from a [`Day`].
pub const SERIES: [Series; SERIES_N] = [
    ("beds_occupied", "Acute beds occupied at midnight", |d| {
        d.beds_occupied
    }),
    (
        "people_delayed",
        "People medically optimised still in hospital",
        |d| d.delayed,
    ),
    ("ae_over_4h", "A&E attendances over 4 hours that day", |d| {
        d.ae_over_4h
    }),
    (
        "home_care_queue",
        "People waiting for home care hours",
        |d| d.home_care_queue,
    ),
    ("people_85_plus", "People aged 85 and over", |d| {
        d.people_85_plus
    }),
    (
        "reviews_waiting",
        "Reviews due and waiting for a reviewer",
        |d| d.reviews_waiting,
    ),
    (
        "ae_waiting_for_bed",
        "Admitted patients waiting in A&E for a bed at midnight",
        |d| d.ae_waiting_for_bed,
    ),
    ("escalation_beds", "Escalation beds open at midnight", |d| {
        d.escalation_beds
    }),
    (
        "care_home_places_used",
        "Care home places occupied or held at midnight",
        |d| d.care_home_places_used,
    ),
    (
        "care_home_queue",
        "Patients in hospital waiting for a care home place",
        |d| d.care_home_queue,
    ),
    (
        "beds_open",
        "Acute beds open at midnight (winter and escalation beds included)",
        |d| d.beds_open,
    ),
    (
        "home_care_hours_used",
        "Home care hours a week in use at midnight (packages running and starting)",
        |d| d.home_care_hours_used,
    ),
    (
        "chc_waiting",
        "Cases waiting for the CHC team at midnight",
        |d| d.chc_waiting,
    ),
];

/// Mean and 95% band (2.5th and 97.5th percentiles over replications) of each series, per day.
pub fn daily(runs: &[Replication]) -> Vec<[(f64, f64, f64); SERIES_N]> {
    let days = runs.iter().map(|r| r.days.len()).min().unwrap_or(0);
    (0..days)
        .map(|d| {
            let mut out = [(0.0, 0.0, 0.0); SERIES_N];
            for (k, (_, _, get)) in SERIES.iter().enumerate() {
                let mut v: Vec<f64> = runs.iter().map(|r| get(&r.days[d])).collect();
                v.sort_by(f64::total_cmp);
                let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                out[k] = (mean, q(0.025), q(0.975));
            }
            out
        })
        .collect()
}

/// `daily.csv`.
pub fn daily_csv(from: NaiveDate, daily: &[[(f64, f64, f64); SERIES_N]]) -> String {
    let mut s = String::from("date");
    for (name, _, _) in SERIES {
        s.push_str(&format!(",{name}_mean,{name}_lo95,{name}_hi95"));
    }
    s.push('\n');
    for (i, row) in daily.iter().enumerate() {
        s.push_str(&(from + chrono::Duration::days(i as i64)).to_string());
        for (m, lo, hi) in row {
            s.push_str(&format!(",{m:.3},{lo:.3},{hi:.3}"));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_interval_stays_within_what_the_quantity_can_be() {
        assert_eq!(bounded((-0.4, 1.2), false), (0.0, 1.2));
        assert_eq!(bounded((98.5, 101.0), true), (98.5, 100.0));
        assert_eq!(bounded((3.0, 250.0), false), (3.0, 250.0));
    }
}
