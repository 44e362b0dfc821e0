//! The `unconstrained` scenario lifts every discharge capacity: the delays that queue for
//! capacity (home care hours, step-down beds) all but vanish, paired replication by
//! replication with the baseline; what remains comes from rules and process durations
//! (docs/calibration.md lists them; the goal of a three-quarter fall is not met yet).

use twin::{replicate, Scenario};

fn figure(s: &Scenario, r: u64, id: &str) -> f64 {
    replicate(s, 2017, r, None)
        .report
        .indicators
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.value)
        .unwrap_or_else(|| panic!("{id} is measured"))
}

#[test]
fn lifting_capacity_removes_the_queues_not_the_rules() {
    let mut base = Scenario::load("stoke-2017").unwrap();
    let mut free = Scenario::load("unconstrained").unwrap();
    for s in [&mut base, &mut free] {
        s.run.days = 182;
    }
    for r in 0..2 {
        let queue = "dtoc_delayed_days_per_100k:non_acute_nhs_care";
        let (b, f) = (figure(&base, r, queue), figure(&free, r, queue));
        assert!(
            f < 0.2 * b,
            "replication {r}: step-down delays {b:.2} -> {f:.2}"
        );
        let total = "dtoc_delayed_days_per_100k";
        let (b, f) = (figure(&base, r, total), figure(&free, r, total));
        assert!(f < b, "replication {r}: delays {b:.2} -> {f:.2}");
        // Family choice is a rule, not a capacity: it stays.
        let rule = "dtoc_delayed_days_per_100k:patient_family_choice";
        let (b, f) = (figure(&base, r, rule), figure(&free, r, rule));
        assert!(
            (f - b).abs() < 0.25 * b,
            "replication {r}: family choice {b:.2} -> {f:.2}"
        );
    }
}
