//! The `joinedup` binary driven as a user would: files in a temporary folder, the real binary.

mod audit;
mod bad_input;
mod browser;
mod command_line;
mod concurrent;
mod initial_state;
mod metrics;
mod metrics_cache;
mod metrics_store;
mod postgres;
mod property;
mod serve;
mod serve_demo;
mod store;
mod sweep;
mod twin;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `joinedup` with `args` in `dir`; `metrics` caches its facts in a folder of the tests'
/// own (never the user's).
pub fn joinedup(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(args)
        .current_dir(dir)
        .env("JOINEDUP_CACHE_DIR", cache_dir())
        .env_remove("JOINEDUP_CACHE_TRACE")
        .output()
        .expect("the binary runs")
}

/// The folder where the tests' runs of `metrics` cache their facts (never the user's).
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("metrics-cache")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns standard output.
#[track_caller]
pub fn ok(o: Output) -> String {
    assert!(o.status.success(), "failed: {}\n{}", stderr(&o), stdout(&o));
    stdout(&o)
}

/// The example log shipped with the repository.
pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/stoke-mini")
        .canonicalize()
        .unwrap()
}

pub const ORGS: &str = "code,name,kind,cqc_rating,beds,extended_access
RJE,Acute trust,acute_trust,requires_improvement,10,
M83001,Surgery,gp_practice,good,,true
RH1,Residential home,residential_home,good,30,
";

pub const POPULATION: &str =
    "band,count\n0-17,30000\n18-64,80000\n65-74,10000\n75-84,6000\n85+,4000\n";

/// A folder with orgs.csv, population.csv and events.jsonl holding `events`.
pub fn setup(events: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), ORGS).unwrap();
    std::fs::write(dir.path().join("population.csv"), POPULATION).unwrap();
    std::fs::write(dir.path().join("events.jsonl"), events).unwrap();
    dir
}

/// The spec's example journey (valid, with the NHS number written with spaces in one line).
pub const SPEC_EXAMPLE: &str = r#"{"id":"e1","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9434765919","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}
{"id":"e2","kind":"ae_arrival","at":"2017-02-03T09:10:00Z","person":"943 476 5919","attendance":"a1","org":"RJE","source":"ambulance"}
{"id":"e3","kind":"ae_departure","at":"2017-02-03T14:40:00Z","person":"9434765919","attendance":"a1","outcome":"admitted"}
{"id":"e4","kind":"admission","at":"2017-02-03T14:40:00Z","person":"9434765919","spell":"s1","org":"RJE","method":"emergency","attendance":"a1","cause":"fall_injury"}
{"id":"e5","kind":"ready_for_discharge","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1"}
{"id":"e6","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1","reason":"care_package_home","responsible":"social_care"}
{"id":"e7","kind":"discharge","at":"2017-02-12T15:00:00Z","person":"9434765919","spell":"s1","destination":"usual_residence_with_support","pathway":1}
"#;

/// The arguments of `metrics` on the files of a [`setup`] folder for `[from, to)`, then `extra`.
pub fn metrics_args<'a>(from: &'a str, to: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "metrics",
        "--events",
        "events.jsonl",
        "--orgs",
        "orgs.csv",
        "--population",
        "population.csv",
        "--from",
        from,
        "--to",
        to,
    ];
    args.extend_from_slice(extra);
    args
}

/// Runs `metrics` on the files of `dir` for February 2017 and returns the JSON.
pub fn metrics_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = metrics_args("2017-02-01", "2017-03-01", &["--format", "json"]);
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(joinedup(dir, &args))).unwrap()
}

/// The value of indicator `id` in a report's JSON.
pub fn value(report: &serde_json::Value, id: &str) -> serde_json::Value {
    report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))["value"]
        .clone()
}
