//! `joinedup sweep`, and the costs of `simulate` and `compare`, driven as a planner would.

use crate::*;
use serde_json::Value;

/// The system built to have a known cheapest number of social workers (its comments say why).
fn known_minimum() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../twin/tests/data/sw-known-minimum.toml")
        .canonicalize()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn sweep_finds_the_cheapest_number_of_social_workers() {
    let dir = tempfile::tempdir().unwrap();
    let sc = known_minimum();
    let args = |threads: &'static str, out: &'static str| {
        vec![
            "sweep".to_string(),
            "--scenario".into(),
            sc.clone(),
            "--param".into(),
            "discharge.social_workers".into(),
            "--values".into(),
            "3..9".into(),
            "--replications".into(),
            "4".into(),
            "--threads".into(),
            threads.into(),
            "--out".into(),
            out.into(),
        ]
    };
    let a: Vec<String> = args("2", "sw");
    let out = ok(joinedup(
        dir.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let marked: Vec<&str> = out.lines().filter(|l| l.contains("lowest cost")).collect();
    assert_eq!(marked.len(), 1, "{out}");
    let lowest: f64 = marked[0]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((5.0..=8.0).contains(&lowest), "{out}");
    let j = json(&dir.path().join("sw/sweep.json"));
    assert_eq!(j["param"], "discharge.social_workers");
    assert_eq!(j["lowest"].as_f64().unwrap(), lowest);
    assert_eq!(j["points"].as_array().unwrap().len(), 7);
    let csv = std::fs::read_to_string(dir.path().join("sw/sweep.csv")).unwrap();
    assert!(
        csv.starts_with("discharge.social_workers,total_cost_mean"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 8);
    assert_eq!(csv.lines().filter(|l| l.contains(",true,")).count(), 1);
    let html = std::fs::read_to_string(dir.path().join("sw/sweep.html")).unwrap();
    assert!(html.contains("lowest cost"));

    // The same seed on one thread: the same sweep, byte for byte.
    let a: Vec<String> = args("1", "sw1");
    ok(joinedup(
        dir.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert_eq!(
        std::fs::read(dir.path().join("sw/sweep.csv")).unwrap(),
        std::fs::read(dir.path().join("sw1/sweep.csv")).unwrap()
    );

    // A list of values, and an earlier sweep not overwritten without --force.
    let list = [
        "sweep",
        "--scenario",
        &sc,
        "--param",
        "discharge.social_workers",
        "--values",
        "4,6,8",
        "--replications",
        "2",
        "--out",
        "sw",
    ];
    let o = joinedup(dir.path(), &list);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("already holds output"),
        "{}",
        stderr(&o)
    );
    let mut forced = list.to_vec();
    forced.push("--force");
    let out = ok(joinedup(dir.path(), &forced));
    assert_eq!(
        out.lines()
            .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            .count(),
        3,
        "{out}"
    );
}

#[test]
fn sweep_refuses_bad_parameters_and_values_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let check = |param: &str, values: &str, expected: &str| {
        let o = joinedup(
            dir.path(),
            &[
                "sweep",
                "--param",
                param,
                "--values",
                values,
                "--replications",
                "1",
            ],
        );
        assert!(!o.status.success(), "{param} {values}");
        let e = stderr(&o);
        assert!(e.contains(expected), "{param} {values}: {e}");
    };
    check(
        "discharge.social_workerz",
        "14..24",
        "unknown key `discharge.social_workerz` (did you mean `discharge.social_workers`?)",
    );
    check("nosuch", "1..2", "unknown key `nosuch`");
    check(
        "discharge.social_workers",
        "24..14",
        "give the smaller end first",
    );
    check(
        "discharge.social_workers",
        "14..x",
        "\"x\" is not a whole number",
    );
    check("discharge.social_workers", "fourteen", "is not a number");
    check("discharge.social_workers", "1..500", "at most 101 values");
    check(
        "discharge.social_workers",
        "-2..3",
        "`discharge.social_workers` must be a whole number of 0 or more, got -2",
    );
    check(
        "discharge.social_workers",
        "2.5,3",
        "must be a whole number",
    );
    check(
        "discharge.family_choice",
        "0.5,2",
        "`discharge.family_choice` must be a probability between 0 and 1, got 2.0",
    );
    check("policy.d2a", "0,1", "is not a single number");
    check(
        "costs.delayed_bed_day",
        "-5,10",
        "`costs.delayed_bed_day` must be a number from 0.0 to 1000000.0, got -5.0",
    );
    assert!(
        !dir.path().join("runs").exists(),
        "nothing written for bad input"
    );
    // The contract's own command line parses (checked up to its first replication's input).
    let o = joinedup(
        dir.path(),
        &[
            "sweep",
            "--scenario",
            "stoke-2017",
            "--param",
            "discharge.social_workers",
            "--values",
            "14..24",
            "--replications",
            "0",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("--replications must be from 1"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn simulate_and_compare_show_costs() {
    let dir = tempfile::tempdir().unwrap();
    let sc = known_minimum();
    let more = dir.path().join("more.toml");
    std::fs::write(
        &more,
        format!(
            "extends = {sc:?}\nname = \"more-social-workers\"\ndescription = \"more\"\n\
[discharge]\nsocial_workers = 7\n"
        ),
    )
    .unwrap();
    let fewer = dir.path().join("fewer.toml");
    std::fs::write(
        &fewer,
        format!(
            "extends = {sc:?}\nname = \"fewer-social-workers\"\ndescription = \"fewer\"\n\
[discharge]\nsocial_workers = 4\n"
        ),
    )
    .unwrap();
    ok(joinedup(
        dir.path(),
        &[
            "simulate",
            "--scenario",
            fewer.to_str().unwrap(),
            "--replications",
            "3",
            "--out",
            "run",
        ],
    ));
    let s = json(&dir.path().join("run/summary.json"));
    let c = &s["costs"];
    let total = c["total"]["mean"].as_f64().unwrap();
    let lines = c["lines"].as_array().unwrap();
    let sum: f64 = lines
        .iter()
        .map(|l| l["cost"]["mean"].as_f64().unwrap())
        .sum();
    assert!((total - sum).abs() < 1e-3 * total, "{total} {sum}");
    let sw = lines.iter().find(|l| l["key"] == "social_workers").unwrap();
    assert_eq!(sw["quantity"]["mean"].as_f64().unwrap(), 4.0 * 8.0 * 120.0);
    assert_eq!(sw["unit_cost"].as_f64().unwrap(), 45.0);
    assert!(c["total"]["ci95"].as_array().unwrap().len() == 2);
    let report = std::fs::read_to_string(dir.path().join("run/report.html")).unwrap();
    assert!(
        report.contains("<h2 id=costs>Costs</h2>") && report.contains("Hospital social workers")
    );

    ok(joinedup(
        dir.path(),
        &[
            "compare",
            "--scenario",
            fewer.to_str().unwrap(),
            "--scenario",
            more.to_str().unwrap(),
            "--scenario",
            fewer.to_str().unwrap(),
            "--replications",
            "3",
            "--out",
            "cmp",
        ],
    ));
    let page = std::fs::read_to_string(dir.path().join("cmp/compare.html")).unwrap();
    let row = |label: &str| {
        page.lines()
            .find(|l| l.contains(&format!("<td>{label}</td>")))
            .unwrap_or_else(|| panic!("no row {label}"))
            .to_string()
    };
    // More social workers: delays avoided, cheaper in total, a cost per delayed day avoided.
    let total = row("<b>Total</b>");
    assert!(total.contains("cheaper"), "{total}");
    let per = row("Cost per delayed bed day avoided");
    assert!(per.contains("£"), "{per}");
    // The same scenario again: no delays avoided, so not defined.
    assert!(per.contains("not defined"), "{per}");
    let csv = std::fs::read_to_string(dir.path().join("cmp/compare.csv")).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("cost:total,")), "{csv}");
    assert!(csv
        .lines()
        .any(|l| l.starts_with("cost:per_delayed_day_avoided,")));
}
