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
    // Each delay reason's delayed days, split into queues and processes, adding up.
    assert!(html.contains("Where the delays come from"));
    let parts = &s["delay_decomposition"];
    assert_eq!(parts["check"]["holds"], true);
    let sum: f64 = parts["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["indicator"].as_f64().unwrap())
        .sum();
    assert!((sum - dtoc["mean"].as_f64().unwrap()).abs() < 1e-9);
    // Two weeks in July 2016 reach none of the 2017 figures' periods: each is there, unmeasured.
    let cal = s["calibration"]["figures"].as_array().unwrap();
    assert_eq!(cal.len(), 15);
    let dtoc = &cal[0];
    assert_eq!(dtoc["id"], "dtoc_delayed_days_per_100k");
    assert_eq!(
        (&dtoc["period"]["from"], &dtoc["period"]["to"]),
        (&Value::from("2017-02-01"), &Value::from("2017-05-01"))
    );
    assert_eq!(dtoc["target"], 32.0);
    assert_eq!(dtoc["use"], "held_out");
    assert!(cal
        .iter()
        .all(|f| f["mean"].is_null() && f["met"].is_null()));
    assert!(html.contains("Calibration to 2017") && html.contains("not measured"));
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

/// Runs `joinedup` and asserts it failed as bad input does: exit code 1 (not a panic's 101),
/// and a message; returns the message.
#[track_caller]
fn refused(dir: &Path, args: &[&str]) -> String {
    let o = joinedup(dir, args);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
    stderr(&o)
}

#[test]
fn sizes_beyond_the_limits_are_errors_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    for days in ["100000", "4294967295", "0"] {
        let e = refused(dir.path(), &["simulate", "--days", days]);
        assert!(e.contains("--days must be from 1 to 3650"), "{e}");
    }
    let e = refused(dir.path(), &["simulate", "--replications", "1000000000"]);
    assert!(e.contains("--replications must be from 1 to 10000"), "{e}");
    let e = refused(
        dir.path(),
        &[
            "compare",
            "--scenario",
            "stoke-2017",
            "--scenario",
            "d2a",
            "--replications",
            "10001",
        ],
    );
    assert!(e.contains("--replications"), "{e}");
    // A wrong --threads is a wrong command line (exit 2), checked by clap.
    let o = joinedup(dir.path(), &["simulate", "--threads", "100000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("from 1 to 1024"), "{}", stderr(&o));
    std::fs::write(
        dir.path().join("big.toml"),
        "extends = \"stoke-2017\"\nname = \"big\"\n[population]\naged_85_plus = 9500000\n",
    )
    .unwrap();
    let e = refused(dir.path(), &["simulate", "--scenario", "big.toml"]);
    assert!(
        e.contains("`population.aged_85_plus` must be a whole number of at most 500000"),
        "{e}"
    );
    // Within each key's range, but too much over ten years.
    std::fs::write(
        dir.path().join("long.toml"),
        "extends = \"stoke-2017\"\nname = \"long\"\n[ae]\nbackground_per_day = 5000\n",
    )
    .unwrap();
    let e = refused(
        dir.path(),
        &["simulate", "--scenario", "long.toml", "--days", "3650"],
    );
    assert!(
        e.contains("long.toml with --days 3650") && e.contains("too large to simulate"),
        "{e}"
    );
    assert!(!dir.path().join("runs").exists(), "nothing written");
}

#[test]
fn nonsense_scenarios_are_explained_by_key() {
    let dir = tempfile::tempdir().unwrap();
    for (table, line, message) in [
        (
            "discharge",
            "pathway = [0.5, 0.5, 0.5, 0.5]",
            "`discharge.pathway` shares must add up to 1; they add up to 2.0",
        ),
        (
            "discharge",
            "social_workers = \"many\"",
            "`discharge.social_workers` must be a whole number of 0 or more, got \"many\"",
        ),
        (
            "hospital",
            "beds = 0",
            "`hospital.beds` must be a whole number of 1 or more, got 0",
        ),
        (
            "crisis",
            "hourly = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]",
            "`crisis.hourly` must not be all 0",
        ),
        (
            "ae",
            "assessment_hours = { dist = \"lognormal\", median = 1.6, sigma = 1e10 }",
            "`ae.assessment_hours.sigma`",
        ),
        (
            "run",
            "days = 100000000",
            "`run.days` must be a whole number of at most 3650",
        ),
        (
            "gp",
            "resolves = nan",
            "`gp.resolves` must be a probability between 0 and 1, got nan",
        ),
    ] {
        std::fs::write(
            dir.path().join("s.toml"),
            format!("extends = \"stoke-2017\"\nname = \"s\"\n[{table}]\n{line}\n"),
        )
        .unwrap();
        let e = refused(dir.path(), &["simulate", "--scenario", "s.toml"]);
        assert!(e.contains(message), "{line}: {e}");
        assert!(e.contains("s.toml"), "names the file: {e}");
    }
    assert!(!dir.path().join("runs").exists(), "nothing written");
}

#[test]
fn names_cannot_write_outside_runs() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    for name in ["/tmp/joinedup-escape", "../../escape", "..", ".hidden", ""] {
        std::fs::write(
            work.join("s.toml"),
            format!("extends = \"stoke-2017\"\nname = {name:?}\n[run]\ndays = 1\n"),
        )
        .unwrap();
        let e = refused(
            &work,
            &["simulate", "--scenario", "s.toml", "--replications", "1"],
        );
        assert!(
            e.contains("`name` must be 1 to 64 letters"),
            "{name:?}: {e}"
        );
    }
    std::fs::write(
        work.join("s.toml"),
        "extends = \"stoke-2017\"\nname = \"d2a\"\n",
    )
    .unwrap();
    let e = refused(&work, &["simulate", "--scenario", "s.toml"]);
    assert!(e.contains("is a built-in scenario's name"), "{e}");
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 1, "only s.toml");
    assert!(!dir.path().join("escape").exists());
    assert!(!Path::new("/tmp/joinedup-escape").exists());
}

#[test]
fn extends_is_found_beside_the_file_and_circles_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let neighbour =
        "extends = \"stoke-2017\"\nname = \"neighbour\"\ndescription = \"the wrong one\"\n";
    std::fs::write(dir.path().join("chain.toml"), neighbour).unwrap();
    std::fs::create_dir(dir.path().join("plans")).unwrap();
    std::fs::write(
        dir.path().join("plans/chain.toml"),
        "extends = \"stoke-2017\"\nname = \"intended\"\ndescription = \"the right one\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("plans/top.toml"),
        "extends = \"chain.toml\"\nname = \"top\"\n",
    )
    .unwrap();
    let shown = ok(joinedup(
        dir.path(),
        &["scenarios", "show", "plans/top.toml"],
    ));
    assert!(shown.contains("the right one"), "{shown}");
    assert!(!shown.contains("the wrong one"), "{shown}");
    assert!(shown.contains("name = \"stoke-2017\""), "the built-in too");
    std::fs::write(dir.path().join("a.toml"), "extends = \"b.toml\"\n").unwrap();
    std::fs::write(dir.path().join("b.toml"), "extends = \"a.toml\"\n").unwrap();
    let e = refused(dir.path(), &["simulate", "--scenario", "a.toml"]);
    assert!(
        e.contains("goes round in a circle: a.toml -> b.toml -> a.toml"),
        "{e}"
    );
}

#[test]
fn earlier_output_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let sc = short_scenario(dir.path());
    let args = [
        "simulate",
        "--scenario",
        &sc,
        "--replications",
        "1",
        "--days",
        "2",
    ];
    let first = joinedup(dir.path(), &args);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("written to runs/short"),
        "{}",
        stderr(&first)
    );
    let summary = dir.path().join("runs/short/summary.json");
    let before = std::fs::read(&summary).unwrap();
    let e = refused(dir.path(), &args);
    assert!(
        e.contains("runs/short already holds output (summary.json, daily.csv, report.html)")
            && e.contains("--out")
            && e.contains("--force"),
        "{e}"
    );
    assert_eq!(std::fs::read(&summary).unwrap(), before, "left as it was");
    let mut forced = args.to_vec();
    forced.extend(["--seed", "3", "--force"]);
    ok(joinedup(dir.path(), &forced));
    assert_ne!(std::fs::read(&summary).unwrap(), before, "replaced");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("runs/short"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    // The log folder too.
    let log = ["--out", "other", "--events-out", "log"];
    ok(joinedup(dir.path(), &[&args[..], &log[..]].concat()));
    let e = refused(
        dir.path(),
        &[&args[..], &["--out", "third", "--events-out", "log"]].concat(),
    );
    assert!(
        e.contains("log already holds output (events.jsonl") && e.contains("--events-out"),
        "{e}"
    );
    assert!(
        !dir.path().join("third").exists(),
        "refused before any work"
    );
    // compare: the README's two examples both write runs/compare.
    let cmp = [
        "compare",
        "--scenario",
        &sc,
        "--scenario",
        &sc,
        "--replications",
        "2",
        "--days",
        "2",
    ];
    let o = joinedup(dir.path(), &cmp);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("written to runs/compare"),
        "{}",
        stderr(&o)
    );
    let e = refused(dir.path(), &cmp);
    assert!(
        e.contains("runs/compare already holds output (compare.csv, compare.html)"),
        "{e}"
    );
    ok(joinedup(dir.path(), &[&cmp[..], &["--force"]].concat()));
}

#[test]
fn a_jam_is_warned_about_not_shown_as_an_improvement() {
    let dir = tempfile::tempdir().unwrap();
    let run = |scenario: &str, out: &str| {
        ok(joinedup(
            dir.path(),
            &[
                "simulate",
                "--scenario",
                scenario,
                "--replications",
                "2",
                "--days",
                "120",
                "--out",
                out,
            ],
        ))
    };
    run("d2a-fails", "fails");
    let s = json(&dir.path().join("fails/summary.json"));
    let warnings: Vec<&str> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    // Its A&E harm and full beds are named (occupancy is read against the beds open, escalation
    // beds included, so a full hospital reads about 100%).
    for words in [
        "waited over 12 hours",
        "every bed open was occupied",
        "escalation beds open on",
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(words)),
            "no {words:?} in {warnings:?}"
        );
    }
    let report = std::fs::read_to_string(dir.path().join("fails/report.html")).unwrap();
    let top = report.find("<div class=warnings>").expect("warnings shown");
    assert!(top < report.find("<h2 id=indicators>Indicators</h2>").unwrap());
    // The baseline has no jam: no occupancy warning.
    run("stoke-2017", "base");
    let s = json(&dir.path().join("base/summary.json"));
    assert!(
        !s["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("bed occupancy")),
        "{s}"
    );
}
