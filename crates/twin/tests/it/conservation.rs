//! Conservation: on every built-in scenario, at every midnight of a whole run (warm-up,
//! measured year, follow-up), every unit of every resource is free or held by someone alive in a
//! state that holds it.

use twin::{Scenario, BUILT_IN};

#[test]
fn no_resource_leaks_in_any_built_in_scenario() {
    for (name, _) in BUILT_IN {
        let s = Scenario::load(name).unwrap();
        let found = twin::run::audit(&s, 2017, 0);
        assert!(
            found.is_empty(),
            "{name}: {} findings, the first: {:?}",
            found.len(),
            &found[..found.len().min(5)]
        );
    }
}
