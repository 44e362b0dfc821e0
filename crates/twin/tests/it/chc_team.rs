//! The CHC team's caseload and the assessors bought in while its list is long
//! (`discharge.chc_surge_*`).

use twin::costs::Item;
use twin::{replicate, Scenario};

/// Two years from the starting state, the team's own two case slots with a longer case (6
/// days: fewer cases than come) with and without the bought-in help, the same
/// people (common random numbers).
fn two_years(surge: u32) -> Vec<twin::Replication> {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.warmup_days = 0;
    s.run.days = 730;
    s.run.cooldown_days = 0;
    s.discharge.chc_assessment_days = sim_kernel::Dist::Gamma {
        mean: 6.0,
        shape: 3.0,
    };
    s.discharge.chc_surge_cases = surge;
    (0..3).map(|r| replicate(&s, 2017, r, None)).collect()
}

fn mean(runs: &[twin::Replication], get: impl Fn(&twin::model::Day) -> f64) -> f64 {
    let n: usize = runs.iter().map(|r| r.days.len()).sum();
    runs.iter()
        .map(|r| r.days.iter().map(&get).sum::<f64>())
        .sum::<f64>()
        / n as f64
}

#[test]
fn bought_in_assessors_work_only_while_the_list_is_long_and_bound_it() {
    let s = Scenario::load("stoke-2017").unwrap();
    let (open_at, close_at) = (
        f64::from(s.discharge.chc_surge_open_at),
        f64::from(s.discharge.chc_surge_close_at),
    );
    let without = two_years(0);
    let with = two_years(s.discharge.chc_surge_cases);
    // Without help the list has no bound: it averages more than the level help starts at.
    let (list_without, list_with) = (
        mean(&without, |d| d.chc_waiting),
        mean(&with, |d| d.chc_waiting),
    );
    assert!(list_without > open_at, "{list_without:.1}");
    assert!(list_with < open_at, "{list_with:.1}");
    assert!(mean(&without, |d| d.chc_bought_in) == 0.0);
    let share = mean(&with, |d| d.chc_bought_in);
    assert!(
        share > 0.0 && share < 0.5,
        "bought in on {share:.2} of days"
    );
    for r in &with {
        for w in r.days.windows(2) {
            // Help starts only once the list is long and stops only once it is short: at the
            // midnight it starts, the cases it took at once leave at least open_at minus its
            // slots waiting; while it works, the list never fell to close_at at a look.
            if w[0].chc_bought_in == 0.0 && w[1].chc_bought_in == 1.0 {
                let slots = f64::from(s.discharge.chc_surge_cases);
                assert!(
                    w[1].chc_waiting >= open_at - slots,
                    "{:?}",
                    w[1].chc_waiting
                );
            }
            if w[0].chc_bought_in == 1.0 && w[1].chc_bought_in == 1.0 {
                assert!(w[1].chc_waiting > close_at, "{:?}", w[1].chc_waiting);
            }
        }
    }
    // The bought-in slots are paid for: more CHC case-days costed with help than without.
    let slot_days = |runs: &[twin::Replication]| {
        runs.iter()
            .map(|r| r.usage.quantity(Item::ChcAssessors))
            .sum::<f64>()
    };
    assert!(slot_days(&with) > slot_days(&without));
    // And the report says so.
    let said = |runs: &[twin::Replication]| {
        twin::warnings::warnings(runs, &twin::summary::indicators(runs)).join("\n")
    };
    assert!(
        said(&with).contains("bought in extra assessors on"),
        "{}",
        said(&with)
    );
    assert!(!said(&without).contains("bought in"));
    assert!(
        said(&without).contains("cases waiting for the chc team at midnight grew"),
        "{}",
        said(&without)
    );
}
