//! The fit: a search over named inputs of a scenario for the values whose simulated figures are
//! closest to 2017, over the *fitted* figures of [`crate::calibration::FIGURES`] only.
//!
//! - [`INPUTS`]: the inputs a fit may move, each a scenario key with its range and first step.
//! - [`objective`]: the sum over fitted figures of the squared distance of the simulated mean
//!   from the 2017 figure, in units of the figure's tolerance (a figure at the edge of its
//!   tolerance adds 1; within tolerance, less than 1). Held-out figures are never read.
//! - [`evaluate`]: a candidate's figures, from replications `0..n` of one seed, so every
//!   candidate meets the same people with the same crises (common random numbers): differences
//!   between candidates are the inputs', not the dice's.
//! - [`coordinate_search`]: a compass search (each input up and down by its step; steps halved
//!   when no move improves), deterministic, with a budget of evaluations.
//!
//! `cargo run --release -p twin --example fit -- stoke-2017 8 40` runs it (docs/calibration.md).

use crate::calibration::{self, FigureSummary, Tolerance, Use};
use crate::run::replicate;
use crate::scenario::Scenario;
use rayon::prelude::*;

/// An input a fit may move: a scenario key, how to read and write it, its range and first step.
#[derive(Debug, Clone, Copy)]
pub struct Input {
    pub key: &'static str,
    pub get: fn(&Scenario) -> f64,
    /// Writes the value (integers are rounded).
    pub set: fn(&mut Scenario, f64),
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    /// A count (its steps stop at 1).
    pub integer: bool,
}

/// Sets the rates of the three age bands so that the 75-84 band's is `v`, their ratios kept
/// (all three `v` when that band's rate is 0, where no ratio is known).
fn scale_bands(bands: &mut [f64; 3], v: f64) {
    if bands[1] == 0.0 {
        *bands = [v; 3];
        return;
    }
    let k = v / bands[1];
    for r in bands.iter_mut() {
        *r *= k;
    }
}

/// Scales a distribution so its mean is `v`, its shape kept.
fn set_mean(d: &mut sim_kernel::Dist, v: f64) {
    *d = d.scaled(v / d.mean());
}

/// The inputs a fit may move, by key. Every one is a rate, a capacity or the probability of a
/// single decision; none is a figure. `crisis.per_year` moves the three age bands' crisis rates
/// together (their ratios kept) and is read as the 75-84 band's rate.
pub const INPUTS: [Input; 16] = [
    Input {
        key: "discharge.home_care_hours",
        get: |s| s.discharge.home_care_hours,
        set: |s, v| s.discharge.home_care_hours = v,
        lo: 20_000.0,
        hi: 45_000.0,
        step: 400.0,
        integer: false,
    },
    Input {
        key: "discharge.family_choice",
        get: |s| s.discharge.family_choice,
        set: |s, v| s.discharge.family_choice = v,
        lo: 0.0,
        hi: 1.0,
        step: 0.05,
        integer: false,
    },
    Input {
        // A CHC case's time in progress (its distribution scaled, its shape kept): with the
        // team's caseload, it sets how fast the team clears its queue.
        key: "discharge.chc_assessment_days",
        get: |s| s.discharge.chc_assessment_days.mean(),
        set: |s, v| set_mean(&mut s.discharge.chc_assessment_days, v),
        lo: 0.5,
        hi: 60.0,
        step: 0.5,
        integer: false,
    },
    Input {
        // A provider's visit to assess (its distribution scaled, its shape kept): with the
        // providers' assessors on duty, it sets how long people wait for providers to assess.
        key: "discharge.provider_assessment_hours",
        get: |s| s.discharge.provider_assessment_hours.mean(),
        set: |s, v| set_mean(&mut s.discharge.provider_assessment_hours, v),
        lo: 0.25,
        hi: 24.0,
        step: 0.25,
        integer: false,
    },
    Input {
        key: "discharge.reablement_to_care_home",
        get: |s| s.discharge.reablement_to_care_home,
        set: |s, v| s.discharge.reablement_to_care_home = v,
        lo: 0.0,
        hi: 0.8,
        step: 0.02,
        integer: false,
    },
    Input {
        // The three bands' rates move together, their ratios kept; read as the 75-84 band's.
        key: "crisis.per_year",
        get: |s| s.crisis.per_year[1],
        set: |s, v| scale_bands(&mut s.crisis.per_year, v),
        lo: 0.2,
        hi: 2.0,
        step: 0.03,
        integer: false,
    },
    Input {
        key: "crisis.care_home_per_year",
        get: |s| s.crisis.care_home_per_year,
        set: |s, v| s.crisis.care_home_per_year = v,
        lo: 0.1,
        hi: 2.0,
        step: 0.04,
        integer: false,
    },
    Input {
        key: "ae.clinicians_day",
        get: |s| f64::from(s.ae.clinicians_day),
        set: |s, v| s.ae.clinicians_day = v.round().max(1.0) as u32,
        lo: 1.0,
        hi: 100.0,
        step: 2.0,
        integer: true,
    },
    Input {
        // A reviewer's time on one review (scaled, its shape kept): with the reviewers on
        // duty, it sets how fast the list is worked through.
        key: "community.review_hours",
        get: |s| s.community.review_hours.mean(),
        set: |s, v| set_mean(&mut s.community.review_hours, v),
        lo: 0.25,
        hi: 24.0,
        step: 0.25,
        integer: false,
    },
    Input {
        key: "community.reviewers",
        get: |s| f64::from(s.community.reviewers),
        set: |s, v| s.community.reviewers = v.round().max(1.0) as u32,
        lo: 1.0,
        hi: 20.0,
        step: 1.0,
        integer: true,
    },
    Input {
        key: "discharge.reablement_share",
        get: |s| s.discharge.reablement_share,
        set: |s, v| s.discharge.reablement_share = v,
        lo: 0.0,
        hi: 0.5,
        step: 0.005,
        integer: false,
    },
    Input {
        key: "gp.in_hours_first",
        get: |s| s.gp.in_hours_first,
        set: |s, v| s.gp.in_hours_first = v,
        lo: 0.0,
        hi: 1.0,
        step: 0.02,
        integer: false,
    },
    Input {
        // The post-discharge excess hazard's size (an input by nature: a clinical hazard); the
        // three bands move together, their ratios kept; read as the 75-84 band's.
        key: "crisis.post_discharge_crises",
        get: |s| s.crisis.post_discharge_crises[1],
        set: |s, v| scale_bands(&mut s.crisis.post_discharge_crises, v),
        lo: 0.01,
        hi: 5.0,
        step: 0.05,
        integer: false,
    },
    Input {
        // The excess's factor for care home residents (part of its size).
        key: "crisis.post_discharge_care_home",
        get: |s| s.crisis.post_discharge_care_home,
        set: |s, v| s.crisis.post_discharge_care_home = v,
        lo: 0.0,
        hi: 5.0,
        step: 0.1,
        integer: false,
    },
    Input {
        // The care-need hazard's size of a care home need (`policy.care_need_hazard`; the
        // effect sizes of reablement and of waiting are assumptions, not fitted); the three
        // bands move together, their ratios kept; read as the 75-84 band's.
        key: "community.care_need_care_home",
        get: |s| s.community.care_need_care_home[1],
        set: |s, v| scale_bands(&mut s.community.care_need_care_home, v),
        lo: 0.0,
        hi: 5.0,
        step: 0.04,
        integer: false,
    },
    Input {
        key: "ae.admit_gp_referred",
        get: |s| s.ae.admit_gp_referred,
        set: |s, v| s.ae.admit_gp_referred = v,
        lo: 0.0,
        hi: 1.0,
        step: 0.02,
        integer: false,
    },
];

/// The input named `key`.
pub fn input(key: &str) -> Option<&'static Input> {
    INPUTS.iter().find(|i| i.key == key)
}

/// What a fitted figure with no value (its denominator zero, or its period outside the run)
/// adds to the objective: more than any figure within a hundred tolerances.
pub const MISSING: f64 = 1.0e4;

/// The objective: over fitted figures only, `((mean - 2017) / tolerance)^2`; for a one-sided
/// threshold ("above"), the shortfall in units of 1% of the threshold, squared.
pub fn objective(figures: &[FigureSummary]) -> f64 {
    figures
        .iter()
        .filter(|f| f.figure.use_ == Use::Fitted)
        .map(|f| match (f.mean, f.target) {
            (Some(m), Some(t)) => match f.figure.tolerance.half_width(t) {
                Some(h) if h > 0.0 => ((m - t) / h).powi(2),
                _ if f.figure.tolerance == Tolerance::Above && m <= t => {
                    ((t - m) / (0.01 * t.abs().max(1.0))).powi(2)
                }
                _ => 0.0,
            },
            (_, None) => 0.0,
            (None, Some(_)) => MISSING,
        })
        .sum()
}

/// The figures of `s` over replications `0..replications` of `seed` (in parallel; the result
/// does not depend on the number of threads).
pub fn evaluate(s: &Scenario, seed: u64, replications: u64) -> Vec<FigureSummary> {
    let measured: Vec<Vec<Option<f64>>> = (0..replications)
        .into_par_iter()
        .map(|r| replicate(s, seed, r, None).calibration)
        .collect();
    calibration::summarise(&measured)
}

/// The result of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub x: Vec<f64>,
    pub value: f64,
    pub evaluations: usize,
}

/// Compass search: from `start`, try each coordinate up and down by its step (within
/// `[lo, hi]`), move to the first that improves; when none does, halve every step. Stops when
/// every step is below `min_step` (per coordinate) or after `budget` evaluations.
pub fn coordinate_search(
    mut f: impl FnMut(&[f64]) -> f64,
    start: &[f64],
    steps: &[f64],
    bounds: &[(f64, f64)],
    min_step: &[f64],
    budget: usize,
) -> Found {
    let mut x = start.to_vec();
    let mut steps = steps.to_vec();
    // Every point evaluated, by its bits: the compass comes back to points it has tried (after
    // a move, the way back; after halving, the same neighbours), and a candidate is costly.
    let mut seen: std::collections::HashMap<Vec<u64>, f64> = std::collections::HashMap::new();
    let key = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
    let mut best = f(&x);
    seen.insert(key(&x), best);
    let mut evaluations = 1;
    'search: while evaluations < budget {
        let mut moved = false;
        for k in 0..x.len() {
            for dir in [1.0, -1.0] {
                if evaluations >= budget {
                    break 'search;
                }
                let (lo, hi) = bounds[k];
                let candidate = (x[k] + dir * steps[k]).clamp(lo, hi);
                if candidate == x[k] {
                    continue;
                }
                let mut y = x.clone();
                y[k] = candidate;
                let v = match seen.get(&key(&y)) {
                    Some(&v) => v,
                    None => {
                        let v = f(&y);
                        evaluations += 1;
                        seen.insert(key(&y), v);
                        v
                    }
                };
                if v < best {
                    best = v;
                    x = y;
                    moved = true;
                    break;
                }
            }
        }
        if !moved {
            for (s, m) in steps.iter_mut().zip(min_step) {
                *s /= 2.0;
                if *s < *m {
                    *s = 0.0;
                }
            }
            if steps.iter().all(|s| *s == 0.0) {
                break;
            }
        }
    }
    Found {
        x,
        value: best,
        evaluations,
    }
}

/// Fits `inputs` of `s`: a compass search from the scenario's values, each candidate run for
/// `replications` of `seed` (common random numbers across candidates), minimising
/// [`objective`]. `report` hears every candidate and its objective. Integer inputs stop at
/// steps below one.
pub fn fit(
    s: &Scenario,
    inputs: &[&Input],
    seed: u64,
    replications: u64,
    budget: usize,
    mut report: impl FnMut(&[f64], f64),
) -> (Scenario, Found) {
    let start: Vec<f64> = inputs.iter().map(|i| (i.get)(s)).collect();
    let steps: Vec<f64> = inputs.iter().map(|i| i.step).collect();
    let bounds: Vec<(f64, f64)> = inputs.iter().map(|i| (i.lo, i.hi)).collect();
    let min_step: Vec<f64> = inputs
        .iter()
        .map(|i| if i.integer { 1.0 } else { i.step / 8.0 })
        .collect();
    let with = |x: &[f64]| {
        let mut c = s.clone();
        for (i, v) in inputs.iter().zip(x) {
            (i.set)(&mut c, *v);
        }
        c
    };
    let found = coordinate_search(
        |x| {
            let v = objective(&evaluate(&with(x), seed, replications));
            report(x, v);
            v
        },
        &start,
        &steps,
        &bounds,
        &min_step,
        budget,
    );
    (with(&found.x), found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compass_search_never_evaluates_a_point_twice() {
        let mut calls = Vec::new();
        let found = coordinate_search(
            |x: &[f64]| {
                calls.push(x.to_vec());
                (x[0] - 3.0).powi(2) + (x[1] - 1.0).powi(2)
            },
            &[0.0, 0.0],
            &[1.0, 1.0],
            &[(-10.0, 10.0), (-10.0, 10.0)],
            &[0.1, 0.1],
            200,
        );
        assert_eq!(found.x, vec![3.0, 1.0]);
        assert_eq!(found.evaluations, calls.len());
        let mut distinct = calls.clone();
        distinct.sort_by(|a, b| a.partial_cmp(b).unwrap());
        distinct.dedup();
        assert_eq!(distinct.len(), calls.len(), "{calls:?}");
    }

    #[test]
    fn compass_search_finds_the_minimum_of_a_bowl() {
        let f = |x: &[f64]| (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2);
        let found = coordinate_search(
            f,
            &[0.0, 0.0],
            &[1.0, 1.0],
            &[(-10.0, 10.0), (-10.0, 10.0)],
            &[1e-4, 1e-4],
            10_000,
        );
        assert!((found.x[0] - 3.0).abs() < 1e-3, "{found:?}");
        assert!((found.x[1] + 1.0).abs() < 1e-3, "{found:?}");
        assert!(found.evaluations < 10_000);
    }

    #[test]
    fn compass_search_keeps_to_its_bounds_and_budget() {
        let f = |x: &[f64]| (x[0] - 30.0).powi(2);
        let found = coordinate_search(f, &[0.0], &[4.0], &[(0.0, 10.0)], &[0.01], 1000);
        assert_eq!(found.x, vec![10.0]);
        let found = coordinate_search(f, &[0.0], &[1.0], &[(0.0, 100.0)], &[0.01], 5);
        assert_eq!(found.evaluations, 5);
    }

    #[test]
    fn every_input_reads_back_what_it_wrote() {
        let mut s = Scenario::load("stoke-2017").unwrap();
        for i in INPUTS {
            let v = ((i.get)(&s) + i.step).min(i.hi);
            (i.set)(&mut s, v);
            assert!(((i.get)(&s) - v).abs() < 1e-12, "{}", i.key);
            assert!(i.lo <= v && v <= i.hi, "{}", i.key);
        }
        s.validate().unwrap();
    }
}
