//! The `unconstrained` scenario lifts every capacity a medically optimised patient can wait
//! for (social workers, the CHC team, brokers, providers' assessors, home care hours,
//! reablement, step-down beds, care home places): total delays fall by at least three quarters
//! over the measured year, paired replication by replication with the baseline; what remains
//! comes from rules and process durations, which `docs/calibration.md` lists with the rule
//! that causes each.

use rayon::prelude::*;
use twin::{replicate, Scenario};

fn figures(s: &Scenario, n: u64, id: &str) -> Vec<f64> {
    (0..n)
        .into_par_iter()
        .map(|r| {
            replicate(s, 2017, r, None)
                .report
                .value(id)
                .unwrap_or_else(|| panic!("{id} is measured"))
        })
        .collect()
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

#[test]
fn lifting_every_capacity_cuts_delays_by_three_quarters() {
    let base = Scenario::load("stoke-2017").unwrap();
    let free = Scenario::load("unconstrained").unwrap();
    let total = "dtoc_delayed_days_per_100k";
    let (b, f) = (figures(&base, 10, total), figures(&free, 10, total));
    assert!(
        mean(&f) <= 0.25 * mean(&b),
        "delays {:.2} -> {:.2}: a fall of {:.0}%, not three quarters",
        mean(&b),
        mean(&f),
        100.0 * (1.0 - mean(&f) / mean(&b))
    );
    // Paired: lower in every replication.
    assert!(b.iter().zip(&f).all(|(b, f)| f < b), "{b:?} {f:?}");
}

#[test]
fn waiting_for_the_named_care_home_is_capacity_not_choice() {
    // Family choice is a wait for a vacancy in the home the family named: with places
    // unlimited, it goes.
    let mut base = Scenario::load("stoke-2017").unwrap();
    let mut free = Scenario::load("unconstrained").unwrap();
    for s in [&mut base, &mut free] {
        s.run.days = 182;
    }
    let choice = "dtoc_delayed_days_per_100k:patient_family_choice";
    let (b, f) = (figures(&base, 2, choice), figures(&free, 2, choice));
    assert!(mean(&b) > 1.0, "the baseline's family choice {b:?}");
    assert!(mean(&f) < 1e-9, "family choice with places unlimited {f:?}");
    let step_down = "dtoc_delayed_days_per_100k:non_acute_nhs_care";
    let (b, f) = (figures(&base, 2, step_down), figures(&free, 2, step_down));
    assert!(mean(&f) < 0.2 * mean(&b), "step-down delays {b:?} -> {f:?}");
}
