//! Scenarios: every built-in loads; `extends` overrides only what changes; bad files name the key.

mod calibration;
mod care_need;
mod chc_team;
mod conservation;
mod costs;
mod decomposition;
mod directions;
mod escalation;
mod extends;
mod home_care_areas;
mod hostile;
mod pairing;
mod queue;
mod readmission;
mod restart;
mod steady;
mod unconstrained;

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
    assert_eq!(more.discharge.home_care_factor, 1.2);
    assert_eq!(base.discharge.home_care_factor, 1.0);
    assert_eq!(
        more.discharge.home_care_hours,
        base.discharge.home_care_hours
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

/// A short run of the baseline (for tests in debug builds).
fn short(name: &str) -> Scenario {
    let mut s = Scenario::load(name).unwrap();
    s.run.warmup_days = 20;
    s.run.days = 40;
    s.run.cooldown_days = 10;
    s
}

#[test]
fn the_log_of_a_run_is_valid_and_gives_the_same_indicators() {
    let s = short("stoke-2017");
    let mut lines = Vec::new();
    let mut keep = |e: &domain::Event| lines.push(journey_log::event_json(e, &[]));
    let run = twin::replicate(&s, 7, 0, Some(&mut keep));
    assert!(run.events > 10_000, "{} events", run.events);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (orgs, population) = twin::registers_with_beds(&s, run.beds_open);
    let mut facts = indicators::JourneyFacts::new();
    journey_log::LogReader::new(&orgs)
        .read(&[path], |l| facts.push(&l.parsed.event))
        .unwrap_or_else(|e| panic!("the simulated log is not valid:\n{e}"));
    let benchmarks = indicators::BenchmarkSet::stoke_2017();
    let ctx = indicators::Context {
        orgs: &orgs,
        population: &population,
        benchmarks: &benchmarks,
        zone: Default::default(),
    };
    let again = facts.finish().report(twin::period(&s), &ctx);
    assert_eq!(again, run.report);
    // Without a log no id is built: the same run, the same figures.
    let without = twin::replicate(&s, 7, 0, None);
    assert_eq!(without.report, run.report);
    assert_eq!(without.calibration, run.calibration);
    assert_eq!(without.events, run.events);
    // Something happened in every part of the system.
    for id in [
        "emergency_admissions_65_per_100k",
        "ae_4h_pct",
        "bed_occupancy_pct",
        "dtoc_delayed_days_per_100k",
        "reviews_completed_pct",
    ] {
        assert!(run.report.value(id).unwrap_or(0.0) > 0.0, "{id}");
    }
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let s = short("stoke-2017");
    let a = twin::replicate(&s, 11, 2, None);
    let b = std::thread::spawn(move || twin::replicate(&s, 11, 2, None))
        .join()
        .unwrap();
    assert_eq!(a.report, b.report);
    assert_eq!(a.events, b.events);
}

#[test]
fn a_distribution_is_replaced_whole() {
    let s = load_text("extends = \"stoke-2017\"\nname = \"exp-los\"\n[hospital]\nmedical_los = { dist = \"exponential\", mean = 3.0 }\n").unwrap();
    assert_eq!(
        s.hospital.medical_los,
        sim_kernel::Dist::Exponential { mean: 3.0 }
    );
}

#[test]
fn a_longer_warm_up_ends_on_the_same_day() {
    let s = Scenario::load("stoke-2017").unwrap();
    let long = s.clone().with_warmup(1100);
    assert_eq!(twin::period(&long), twin::period(&s));
    assert_eq!(long.run.warmup_days, 1100);
    assert_eq!(long.run.start, "2013-09-27");
    long.validate().unwrap();
}
