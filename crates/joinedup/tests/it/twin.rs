//! `joinedup simulate` and `joinedup compare` driven as a planner would.

use crate::*;
use serde_json::Value;

/// A short version of the baseline so tests run quickly.
fn short_scenario(dir: &Path) -> String {
    let path = dir.join("short.toml");
    std::fs::write(&path, "extends = \"stoke-2017\"\nname = \"short\"\ndescription = \"a short baseline\"\n[run]\nwarmup_days = 10\ndays = 14\ncooldown_days = 5\n").unwrap();
    path.to_str().unwrap().to_string()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn simulate_writes_summary_daily_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let sc = short_scenario(dir.path());
    let out = ok(joinedup(
        dir.path(),
        &[
            "simulate",
            "--scenario",
            &sc,
            "--replications",
            "3",
            "--seed",
            "5",
            "--out",
            "run",
        ],
    ));
    assert!(out.contains("dtoc_delayed_days_per_100k"), "{out}");
    let s = json(&dir.path().join("run/summary.json"));
    assert_eq!(s["scenario"], "short");
    assert_eq!(s["seed"], 5);
    assert_eq!(s["replications"], 3);
    assert_eq!(s["days"], 14);
    assert_eq!(
        (s["from"].as_str().unwrap(), s["to"].as_str().unwrap()),
        ("2016-07-11", "2016-07-25")
    );
    let ind = s["indicators"].as_array().unwrap();
    assert!(ind.len() > 40);
    let dtoc = ind
        .iter()
        .find(|i| i["id"] == "dtoc_delayed_days_per_100k")
        .unwrap();
    assert!(dtoc["mean"].as_f64().unwrap() > 0.0);
    let ci = dtoc["ci95"].as_array().unwrap();
    assert!(
        ci[0].as_f64().unwrap() <= dtoc["mean"].as_f64().unwrap()
            && dtoc["mean"].as_f64().unwrap() <= ci[1].as_f64().unwrap()
    );
    assert_eq!(dtoc["benchmarks"]["stoke_2017"], 32.0);
    let daily = std::fs::read_to_string(dir.path().join("run/daily.csv")).unwrap();
    assert_eq!(daily.lines().count(), 15);
    assert!(daily.starts_with("date,beds_occupied_mean,beds_occupied_lo95,beds_occupied_hi95"));
    let html = std::fs::read_to_string(dir.path().join("run/report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Delayed transfers of care"));
}

#[test]
fn the_exported_log_gives_replication_ones_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let sc = short_scenario(dir.path());
    ok(joinedup(
        dir.path(),
        &[
            "simulate",
            "--scenario",
            &sc,
            "--replications",
            "1",
            "--out",
            "run",
            "--events-out",
            "log",
        ],
    ));
    let s = json(&dir.path().join("run/summary.json"));
    let (from, to) = (s["from"].as_str().unwrap(), s["to"].as_str().unwrap());
    let m: Value = serde_json::from_str(&ok(joinedup(
        &dir.path().join("log"),
        &metrics_args(from, to, &["--format", "json"]),
    )))
    .unwrap();
    let simulated = s["indicators"].as_array().unwrap();
    let measured = m["indicators"].as_array().unwrap();
    assert_eq!(simulated.len(), measured.len());
    for (a, b) in simulated.iter().zip(measured) {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["mean"], b["value"], "{}", a["id"]);
    }
}

#[test]
fn the_same_seed_gives_the_same_summary_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let sc = short_scenario(dir.path());
    ok(joinedup(
        dir.path(),
        &[
            "simulate",
            "--scenario",
            &sc,
            "--replications",
            "3",
            "--threads",
            "1",
            "--out",
            "one",
        ],
    ));
    ok(joinedup(
        dir.path(),
        &[
            "simulate",
            "--scenario",
            &sc,
            "--replications",
            "3",
            "--threads",
            "2",
            "--out",
            "two",
        ],
    ));
    let one = std::fs::read(dir.path().join("one/summary.json")).unwrap();
    let two = std::fs::read(dir.path().join("two/summary.json")).unwrap();
    assert_eq!(one, two);
    ok(joinedup(
        dir.path(),
        &[
            "simulate",
            "--scenario",
            &sc,
            "--replications",
            "3",
            "--seed",
            "9",
            "--out",
            "other",
        ],
    ));
    assert_ne!(
        one,
        std::fs::read(dir.path().join("other/summary.json")).unwrap()
    );
}

#[test]
fn compare_runs_scenarios_with_common_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let sc = short_scenario(dir.path());
    let seven = dir.path().join("seven.toml");
    std::fs::write(&seven, format!("extends = {sc:?}\nname = \"short-seven-day\"\ndescription = \"seven days\"\n[policy]\nseven_day = true\n")).unwrap();
    let out = ok(joinedup(
        dir.path(),
        &[
            "compare",
            "--scenario",
            &sc,
            "--scenario",
            &sc,
            "--scenario",
            seven.to_str().unwrap(),
            "--replications",
            "3",
            "--out",
            "cmp",
        ],
    ));
    assert!(out.contains("short-seven-day"), "{out}");
    let csv = std::fs::read_to_string(dir.path().join("cmp/compare.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(
        header[..4],
        ["id", "short_mean", "short_lo95", "short_hi95"]
    );
    // The same scenario twice, with common random numbers, differs by exactly nothing.
    let row = csv
        .lines()
        .find(|l| l.starts_with("dtoc_delayed_days_per_100k,"))
        .unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[7], "0.000000", "{row}");
    assert!(std::fs::read_to_string(dir.path().join("cmp/compare.html"))
        .unwrap()
        .contains("short-seven-day"));
}

#[test]
fn bad_scenarios_and_arguments_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "extends = \"stoke-2017\"\n[discharge]\nsocial_workerz = 3\n",
    )
    .unwrap();
    let o = joinedup(
        dir.path(),
        &["simulate", "--scenario", "bad.toml", "--replications", "1"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("social_workerz"), "{}", stderr(&o));
    let o = joinedup(dir.path(), &["simulate", "--scenario", "no-such-scenario"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no-such-scenario"));
    let o = joinedup(dir.path(), &["simulate", "--replications", "0"]);
    assert!(!o.status.success());
    let o = joinedup(dir.path(), &["compare", "--scenario", "stoke-2017"]);
    assert!(!o.status.success());
    assert!(
        !dir.path().join("runs").exists(),
        "nothing written for bad input"
    );
}
