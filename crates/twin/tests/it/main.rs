//! Scenarios: every built-in loads; `extends` overrides only what changes; bad files name the key.

use twin::{Scenario, ScenarioError, BUILT_IN};

#[test]
fn every_built_in_scenario_loads() {
    for (name, _) in BUILT_IN {
        let s = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.name, *name);
        assert!(!s.description.is_empty());
    }
}

#[test]
fn extends_overrides_only_what_changes() {
    let base = Scenario::load("stoke-2017").unwrap();
    let more = Scenario::load("home-care-plus-20").unwrap();
    assert_eq!(
        more.discharge.home_care_hours,
        base.discharge.home_care_hours * 1.2
    );
    assert_eq!(more.discharge.social_workers, base.discharge.social_workers);
    assert_eq!(more.crisis.per_year, base.crisis.per_year);
    let all = Scenario::load("all-recommendations").unwrap();
    assert!(all.policy.d2a && all.policy.trusted_assessor && all.policy.seven_day);
    assert!(!base.policy.d2a);
}

fn load_text(text: &str) -> Result<Scenario, ScenarioError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    Scenario::load(path.to_str().unwrap())
}

#[test]
fn a_file_can_extend_a_built_in() {
    let s = load_text("extends = \"stoke-2017\"\nname = \"mine\"\ndescription = \"more beds\"\n[hospital]\nbeds = 1200\n").unwrap();
    assert_eq!(s.hospital.beds, 1200);
    assert_eq!(s.name, "mine");
}

#[test]
fn bad_scenarios_name_the_key() {
    let err = |text: &str| load_text(text).unwrap_err().to_string();
    let e = err("extends = \"stoke-2017\"\n[hospital]\nbedz = 1200\n");
    assert!(e.contains("bedz"), "{e}");
    let e = err("extends = \"stoke-2017\"\n[hospital]\nbeds = -3\n");
    assert!(e.contains("beds"), "{e}");
    let e = err("extends = \"stoke-2017\"\n[hospital]\nbeds = \"many\"\n");
    assert!(e.contains("beds"), "{e}");
    let e = err("extends = \"stoke-2017\"\n[discharge]\nfamily_choice = 1.5\n");
    assert!(
        e.contains("`discharge.family_choice` must be a probability"),
        "{e}"
    );
    let e = err("extends = \"stoke-2017\"\n[discharge]\npackage_days = { dist = \"exponential\", mean = 0 }\n");
    assert!(e.contains("`discharge.package_days.mean`"), "{e}");
    let e = err("extends = \"nowhere\"\n");
    assert!(e.contains("nowhere"), "{e}");
}

#[test]
fn circular_extends_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, format!("extends = {:?}\n", b.to_str().unwrap())).unwrap();
    std::fs::write(&b, format!("extends = {:?}\n", a.to_str().unwrap())).unwrap();
    let e = Scenario::load(a.to_str().unwrap()).unwrap_err();
    assert!(matches!(e, ScenarioError::Circular(..)), "{e}");
}
