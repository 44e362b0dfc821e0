//! `joinedup metrics` on files: formats, periods, several files as one log, gzip.

use crate::*;
use serde_json::json;
use std::io::Write;

#[test]
fn the_spec_example_gives_four_delayed_days() {
    let dir = setup(SPEC_EXAMPLE);
    let r = metrics_json(dir.path(), &[]);
    assert_eq!(r["from"], "2017-02-01");
    assert_eq!(r["to"], "2017-03-01");
    // 4 delayed days / 28 days per 100,000 of 100,000 adults.
    let v = value(&r, "dtoc_delayed_days_per_100k").as_f64().unwrap();
    assert!((v - 4.0 / 28.0).abs() < 1e-12, "{v}");
    let care = value(&r, "dtoc_delayed_days_per_100k:care_package_home")
        .as_f64()
        .unwrap();
    assert!((care - 4.0 / 28.0).abs() < 1e-12);
    // No departure-less attendance: 5h30 in A&E is not within four hours.
    assert_eq!(value(&r, "ae_4h_pct"), json!(0.0));
    assert_eq!(value(&r, "reviews_completed_pct"), json!(null));
    let dtoc = r["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "dtoc_delayed_days_per_100k")
        .unwrap();
    assert_eq!(dtoc["numerator"], json!(4.0));
    assert_eq!(dtoc["unit"], "per day per 100k");
    assert_eq!(
        dtoc["benchmarks"],
        json!({"stoke_2017": 32.0, "england": 14.0, "comparators": 11.0, "target": null})
    );
}

#[test]
fn by_month_gives_one_object_per_calendar_month() {
    let dir = setup(SPEC_EXAMPLE);
    let out = ok(joinedup(
        dir.path(),
        &metrics_args(
            "2017-01-15",
            "2017-03-10",
            &["--by", "month", "--format", "json"],
        ),
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let periods = r["periods"].as_array().unwrap();
    let bounds: Vec<(String, String)> = periods
        .iter()
        .map(|p| {
            (
                p["from"].as_str().unwrap().into(),
                p["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        bounds,
        [
            ("2017-01-15".into(), "2017-02-01".into()),
            ("2017-02-01".into(), "2017-03-01".into()),
            ("2017-03-01".into(), "2017-03-10".into())
        ]
    );
    assert_eq!(value(&periods[0], "dtoc_delayed_days_per_100k"), json!(0.0));
}

#[test]
fn table_and_csv_show_values_beside_benchmarks() {
    let dir = setup(SPEC_EXAMPLE);
    let base = metrics_args("2017-02-01", "2017-03-01", &[]);
    let table = ok(joinedup(dir.path(), &base));
    let line = table
        .lines()
        .find(|l| l.starts_with("dtoc_delayed_days_per_100k "))
        .unwrap();
    // 0.142857 per day per 100k, Stoke 32, England 14: better than England.
    assert!(
        line.contains("0.1")
            && line.contains("32.0")
            && line.contains("14.0")
            && line.contains('▲'),
        "{line}"
    );
    let mut args = base.to_vec();
    args.extend(["--format", "csv"]);
    let csv = ok(joinedup(dir.path(), &args));
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "from,to,id,value,numerator,denominator,unit,stoke_2017,england,comparators,target,vs_england");
    // One attendance is too few to judge: no "worse" however far below England.
    let row = csv.lines().find(|l| l.contains(",ae_4h_pct,")).unwrap();
    assert_eq!(
        row,
        "2017-02-01,2017-03-01,ae_4h_pct,0,0,1,%,78.3,89.1,,95,"
    );
}

/// The table's line of indicator (or breakdown label) `start`.
fn table_line<'a>(table: &'a str, start: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line {start:?} in\n{table}"))
}

#[test]
fn the_table_shows_counts_benchmark_periods_targets_and_every_breakdown() {
    let dir = setup(SPEC_EXAMPLE);
    let table = ok(joinedup(
        dir.path(),
        &metrics_args("2017-02-01", "2017-03-01", &[]),
    ));
    // 4 delayed days over 28 days x 100,000 adults / 100,000; the profile's period beside it.
    let dtoc = table_line(&table, "dtoc_delayed_days_per_100k ");
    assert!(dtoc.contains("4 / 28"), "{dtoc}");
    assert!(dtoc.contains("▲ better"), "{dtoc}");
    assert!(dtoc.ends_with("2017-02 to 2017-04"), "{dtoc}");
    // 9 bed-nights of 10 beds x 28 days: judged against the 85% target, with no England figure.
    let beds = table_line(&table, "bed_occupancy_pct ");
    assert!(beds.contains("9 / 280"), "{beds}");
    assert!(beds.contains("▲ meets"), "{beds}");
    assert!(beds.ends_with("2016/17 Q2-Q4"), "{beds}");
    // Breakdowns at zero are shown too.
    let pneumonia = table_line(&table, "  - pneumonia ");
    assert!(pneumonia.contains("0 / "), "{pneumonia}");
    // One A&E attendance: not judged, and the legend says why.
    let ae = table_line(&table, "ae_4h_pct ");
    assert!(ae.contains("0 / 1") && ae.contains("(n<30)"), "{ae}");
    assert!(!ae.contains('▼') && !ae.contains('▲'), "{ae}");
    assert!(table.contains("(n<30): not judged"));
    let ae12 = table_line(&table, "ae_12h_pct ");
    assert!(ae12.contains("0 / 1"), "{ae12}");
}

#[test]
fn a_period_with_no_events_is_warned_about() {
    let dir = setup(SPEC_EXAMPLE);
    let o = joinedup(
        dir.path(),
        &metrics_args("2030-01-01", "2030-02-01", &["--format", "json"]),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "warning: no events in 2030-01-01 to 2030-02-01; the log spans 2016-01-01 to 2017-02-13"
        ),
        "{}",
        stderr(&o)
    );
    // The figures are still written.
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(value(&r, "ae_4h_pct"), json!(null));
    // A period holding events gives no warning.
    let o = joinedup(dir.path(), &metrics_args("2017-02-01", "2017-03-01", &[]));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    // By month, each empty month is named.
    let o = joinedup(
        dir.path(),
        &metrics_args("2017-01-01", "2017-03-01", &["--by", "month"]),
    );
    let err = stderr(&o);
    assert!(
        err.contains("warning: no events in 2017-01-01 to 2017-02-01")
            && !err.contains("no events in 2017-02-01"),
        "{err}"
    );
}

/// The spec's example with two events of a misspelt kind, at lines 8 and 9.
fn with_typos() -> String {
    let mut log = SPEC_EXAMPLE.to_string();
    for id in ["t1", "t2"] {
        log.push_str(&format!(
            r#"{{"id":"{id}","kind":"ae_arival","at":"2017-02-20T09:00:00Z","person":"9434765919","attendance":"x","org":"RJE","source":"self"}}"#
        ));
        log.push('\n');
    }
    log
}

#[test]
fn unknown_kinds_are_kept_and_warned_about_with_their_first_line() {
    let dir = setup(&with_typos());
    let o = joinedup(dir.path(), &metrics_args("2017-02-01", "2017-03-01", &[]));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("2 events of kinds this version does not know")
            && err.contains("\"ae_arival\": 2 events, the first at events.jsonl:8"),
        "{err}"
    );
    // Kept, counted in no indicator: the A&E figures are those of the example alone.
    assert!(table_line(&stdout(&o), "ae_4h_pct ").contains("0 / 1"));
}

#[test]
fn unknown_kinds_read_from_the_store_are_warned_about_too() {
    let dir = setup(&with_typos());
    ok(joinedup(
        dir.path(),
        &[
            "import",
            "--db",
            "store.db",
            "orgs.csv",
            "population.csv",
            "events.jsonl",
        ],
    ));
    let o = joinedup(
        dir.path(),
        &[
            "metrics",
            "--db",
            "store.db",
            "--from",
            "2017-02-01",
            "--to",
            "2017-03-01",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("\"ae_arival\": 2 events, the first in the store"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn several_files_are_one_log_and_gzip_is_read() {
    let dir = setup("");
    let lines: Vec<&str> = SPEC_EXAMPLE.lines().collect();
    // The admission in one file, its discharge in another (compressed).
    std::fs::write(dir.path().join("a.jsonl"), lines[..5].join("\n")).unwrap();
    let gz = std::fs::File::create(dir.path().join("b.jsonl.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::default());
    enc.write_all(lines[5..].join("\n").as_bytes()).unwrap();
    enc.finish().unwrap();
    let out = ok(joinedup(
        dir.path(),
        &[
            "metrics",
            "--events",
            "a.jsonl",
            "--events",
            "b.jsonl.gz",
            "--orgs",
            "orgs.csv",
            "--population",
            "population.csv",
            "--from",
            "2017-02-01",
            "--to",
            "2017-03-01",
            "--format",
            "json",
        ],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let v = value(&r, "dtoc_delayed_days_per_100k").as_f64().unwrap();
    assert!((v - 4.0 / 28.0).abs() < 1e-12);
}

#[test]
fn the_shipped_example_runs() {
    let dir = example();
    let out = ok(joinedup(
        &dir,
        &metrics_args("2017-02-01", "2017-05-01", &["--format", "json"]),
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    for id in [
        "dtoc_delayed_days_per_100k",
        "ae_4h_pct",
        "readmission_30d_pct_65",
        "bed_occupancy_pct",
        "reviews_completed_pct",
    ] {
        let v = value(&r, id)
            .as_f64()
            .unwrap_or_else(|| panic!("{id} has no value"));
        assert!(v > 0.0, "{id} = {v}");
    }
    assert!(r["indicators"].as_array().unwrap().len() > 40);
    // A newcomer's first table looks like a real system: no share over 100%, the trust's beds
    // neither empty nor over-full.
    for i in r["indicators"].as_array().unwrap() {
        if let (Some(v), "%") = (i["value"].as_f64(), i["unit"].as_str().unwrap()) {
            assert!((0.0..=100.0).contains(&v), "{} = {v}", i["id"]);
        }
    }
    let occupancy = value(&r, "bed_occupancy_pct").as_f64().unwrap();
    assert!(
        (60.0..=100.0).contains(&occupancy),
        "bed occupancy {occupancy}"
    );
}

#[test]
fn the_shipped_example_is_what_the_readme_command_generates() {
    // README: joinedup generate --out examples/stoke-mini --people 1500 --from 2016-10-01
    // --to 2017-10-01 --seed 2017. So the example's plausibility above is the generator's.
    let dir = tempfile::tempdir().unwrap();
    ok(joinedup(
        dir.path(),
        &[
            "generate",
            "--out",
            "stoke-mini",
            "--people",
            "1500",
            "--from",
            "2016-10-01",
            "--to",
            "2017-10-01",
            "--seed",
            "2017",
        ],
    ));
    for file in ["events.jsonl", "orgs.csv", "population.csv"] {
        let made = std::fs::read_to_string(dir.path().join("stoke-mini").join(file)).unwrap();
        let shipped = std::fs::read_to_string(example().join(file)).unwrap();
        assert!(
            made == shipped,
            "examples/stoke-mini/{file} is not what the README's command generates: regenerate it"
        );
    }
}

#[test]
fn generated_registers_fit_the_journeys_at_any_size() {
    // Beds are sized to the journeys drawn: a small and a larger system both run their acute
    // beds at a plausible occupancy once past the first month.
    for people in ["400", "3000"] {
        let dir = tempfile::tempdir().unwrap();
        ok(joinedup(
            dir.path(),
            &[
                "generate",
                "--out",
                ".",
                "--people",
                people,
                "--from",
                "2016-10-01",
                "--to",
                "2017-10-01",
                "--seed",
                "11",
            ],
        ));
        let out = ok(joinedup(
            dir.path(),
            &metrics_args("2016-11-01", "2017-10-01", &["--format", "json"]),
        ));
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        let occupancy = value(&r, "bed_occupancy_pct").as_f64().unwrap();
        assert!(
            (60.0..=100.0).contains(&occupancy),
            "{people} people: bed occupancy {occupancy}"
        );
    }
}

#[test]
fn results_go_to_a_file_when_asked() {
    let dir = setup(SPEC_EXAMPLE);
    ok(joinedup(
        dir.path(),
        &metrics_args(
            "2017-02-01",
            "2017-03-01",
            &["--format", "csv", "--out", "out.csv"],
        ),
    ));
    assert!(std::fs::read_to_string(dir.path().join("out.csv"))
        .unwrap()
        .contains("dtoc_delayed_days_per_100k"));
}

#[test]
fn scenarios_are_listed_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let list = ok(joinedup(dir.path(), &["scenarios"]));
    for name in [
        "stoke-2017",
        "d2a",
        "trusted-assessor",
        "seven-day",
        "home-care-plus-20",
        "extended-gp-access",
        "care-home-support",
        "winter-surge",
        "all-recommendations",
        "d2a-fails",
    ] {
        assert!(
            list.lines().any(|l| l.starts_with(name)),
            "{name} missing from:\n{list}"
        );
    }
    let shown = ok(joinedup(dir.path(), &["scenarios", "show", "seven-day"]));
    assert!(shown.contains("seven_day = true"));
    assert!(
        shown.contains("[hospital]"),
        "the values it extends are shown too"
    );
    let o = joinedup(dir.path(), &["scenarios", "show", "nowhere"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nowhere"));
}
