//! `joinedup simulate --initial-state`: a run from the state of a journey log at a date, read
//! from files or from a store, as a planner would start one.

use crate::*;
use serde_json::Value;

/// A short baseline whose replication 1's log is the state's source; its run spans
/// 2016-07-01 to 2016-08-04.
fn source(dir: &Path) {
    std::fs::write(
        dir.join("short.toml"),
        "extends = \"stoke-2017\"\nname = \"short\"\ndescription = \"a short baseline\"\n\
         [run]\nwarmup_days = 10\ndays = 14\ncooldown_days = 5\n",
    )
    .unwrap();
    ok(joinedup(
        dir,
        &[
            "simulate",
            "--scenario",
            "short.toml",
            "--replications",
            "1",
            "--out",
            "base",
            "--events-out",
            "log",
        ],
    ));
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn from_files<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "simulate",
        "--scenario",
        "short.toml",
        "--replications",
        "2",
        "--initial-state",
        "--events",
        "log/events.jsonl",
        "--orgs",
        "log/orgs.csv",
        "--population",
        "log/population.csv",
        "--start",
        "2016-07-20",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_run_starts_from_the_state_of_a_log_in_files_or_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    source(d);
    ok(joinedup(d, &from_files("files", &["--events-out", "next"])));
    let s = json(&d.join("files/summary.json"));
    // The measured period starts on the state's date, without warm-up.
    assert_eq!(s["from"], "2016-07-20");
    assert_eq!(s["to"], "2016-08-03");
    let census = &s["initial_state"]["census"];
    assert!(census["in_hospital"].as_u64().unwrap() > 300, "{census}");
    assert!(
        census["care_home_residents"].as_u64().unwrap() > 1000,
        "{census}"
    );
    assert_eq!(s["initial_state"]["date"], "2016-07-20");
    // The run's own log (the state's open lifecycles, then what followed) is a valid journey
    // log and gives replication 1's figures.
    let m: Value = serde_json::from_str(&ok(joinedup(
        &d.join("next"),
        &metrics_args("2016-07-20", "2016-08-03", &["--format", "json"]),
    )))
    .unwrap();
    assert!(m["indicators"].as_array().unwrap().len() > 40);
    // The same log in a store gives the same state and, with the same seed, the same run.
    ok(joinedup(
        d,
        &[
            "import",
            "--db",
            "s.db",
            "log/events.jsonl",
            "log/orgs.csv",
            "log/population.csv",
        ],
    ));
    ok(joinedup(
        d,
        &[
            "simulate",
            "--scenario",
            "short.toml",
            "--replications",
            "2",
            "--initial-state",
            "--db",
            "s.db",
            "--start",
            "2016-07-20",
            "--out",
            "store",
        ],
    ));
    // Compared from the same state: both scenarios start on its date.
    let o = joinedup(
        d,
        &[
            "compare",
            "--scenario",
            "short.toml",
            "--scenario",
            "d2a",
            "--days",
            "14",
            "--replications",
            "2",
            "--initial-state",
            "--db",
            "s.db",
            "--start",
            "2016-07-20",
            "--out",
            "cmp",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("at the start of 2016-07-20"),
        "{}",
        stderr(&o)
    );
    let csv = std::fs::read_to_string(d.join("cmp/compare.csv")).unwrap();
    assert!(csv.starts_with("id,short_mean"), "{csv}");
    let page = std::fs::read_to_string(d.join("cmp/compare.html")).unwrap();
    assert!(
        page.contains("Every scenario started from the state of s.db at the start of 2016-07-20"),
        "{page}"
    );
    let t = json(&d.join("store/summary.json"));
    assert_eq!(t["initial_state"]["census"], s["initial_state"]["census"]);
    assert_eq!(t["indicators"], s["indicators"]);
    // A date before anyone in the log was registered holds no one.
    let o = joinedup(
        d,
        &from_files("early", &[])
            .iter()
            .map(|a| if *a == "2016-07-20" { "2001-01-01" } else { a })
            .collect::<Vec<_>>(),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("holds no one"), "{}", stderr(&o));
}

#[test]
fn a_state_from_a_bad_log_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    source(d);
    let mut log = std::fs::read_to_string(d.join("log/events.jsonl")).unwrap();
    log.push_str("{\"id\":\"bad\",\"kind\":\"admission\",\"at\":\"2016-07-02T10:00:00Z\",\"person\":\"9990000000\"}\n");
    std::fs::write(d.join("log/events.jsonl"), log).unwrap();
    let o = joinedup(d, &from_files("bad", &[]));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("events.jsonl:") && err.contains("person"),
        "{err}"
    );
    assert!(!d.join("bad").exists(), "nothing is written");
    // The state's options need --initial-state, and it needs a log and a date.
    let o = joinedup(d, &["simulate", "--start", "2016-07-20"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = joinedup(d, &["simulate", "--initial-state", "--start", "2016-07-20"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--db, or --events"), "{}", stderr(&o));
    let o = joinedup(
        d,
        &[
            "simulate",
            "--initial-state",
            "--db",
            "s.db",
            "--events",
            "log/events.jsonl",
            "--start",
            "2016-07-20",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
