//! The command line says what it does: exit codes, plain messages, no panics, no partial files.

use crate::*;
use std::process::Stdio;

fn no_panic(o: &Output) {
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

/// The names in `dir`, sorted (temporary files included).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn dates_beyond_what_an_instant_holds_are_a_wrong_command_line() {
    let dir = setup(SPEC_EXAMPLE);
    for (from, to) in [
        ("1600-01-01", "2017-03-01"),
        ("2017-02-01", "9999-12-31"),
        ("1677-09-21", "2017-03-01"),
        ("2017-02-01", "2262-04-11"),
    ] {
        let o = joinedup(dir.path(), &metrics_args(from, to, &[]));
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{from} {to}: {}", stderr(&o));
        assert!(stderr(&o).contains("outside the dates"), "{}", stderr(&o));
    }
    // The ends of the range are taken.
    ok(joinedup(
        dir.path(),
        &metrics_args("1900-01-01", "2199-12-31", &["--format", "json"]),
    ));
}

#[test]
fn generate_with_a_bad_date_or_too_many_people_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = joinedup(
        dir.path(),
        &["generate", "--out", "g", "--to", "9999-01-01"],
    );
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = joinedup(
        dir.path(),
        &[
            "generate",
            "--out",
            "g",
            "--from",
            "2017-01-01",
            "--to",
            "2017-01-01",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("must be after"), "{}", stderr(&o));
    assert!(!dir.path().join("g").exists());

    let o = joinedup(
        dir.path(),
        &["generate", "--out", "g", "--people", "4294967295"],
    );
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("synthetic NHS numbers"),
        "{}",
        stderr(&o)
    );
    assert_eq!(listing(&dir.path().join("g")), Vec::<String>::new());
}

#[test]
fn generate_puts_whole_files_in_place_and_an_error_keeps_the_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let gen = |people: &str| {
        joinedup(
            dir.path(),
            &[
                "generate",
                "--out",
                "g",
                "--people",
                people,
                "--from",
                "2017-01-01",
                "--to",
                "2017-02-01",
            ],
        )
    };
    ok(gen("20"));
    assert_eq!(
        listing(&dir.path().join("g")),
        vec!["events.jsonl", "orgs.csv", "population.csv"]
    );
    let before = std::fs::read_to_string(dir.path().join("g/events.jsonl")).unwrap();
    // The generated log is a valid journey log.
    ok(joinedup(
        &dir.path().join("g"),
        &metrics_args("2017-01-01", "2017-02-01", &[]),
    ));
    let o = gen("4000000000");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("g/events.jsonl")).unwrap(),
        before
    );
    assert_eq!(
        listing(&dir.path().join("g")),
        vec!["events.jsonl", "orgs.csv", "population.csv"]
    );
}

#[test]
fn a_missing_file_or_store_is_said_once_and_plainly() {
    let dir = setup(SPEC_EXAMPLE);
    std::fs::remove_file(dir.path().join("orgs.csv")).unwrap();
    let o = joinedup(dir.path(), &metrics_args("2017-02-01", "2017-03-01", &[]));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: cannot read orgs.csv: No such file or directory\n"
    );
    for args in [
        &[
            "metrics",
            "--db",
            "nothere.db",
            "--from",
            "2017-02-01",
            "--to",
            "2017-03-01",
        ][..],
        &["export", "--db", "nothere.db", "--out", "out"][..],
    ] {
        let o = joinedup(dir.path(), args);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert_eq!(err.matches("nothere.db").count(), 1, "{err}");
        assert_eq!(
            err,
            "error: cannot read nothere.db: No such file or directory\n"
        );
    }
    assert!(!dir.path().join("out").exists());
    let o = joinedup(dir.path(), &["import", "--db", "s.db", "nothere.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: cannot read nothere.jsonl: No such file or directory\n"
    );
    assert!(!dir.path().join("s.db").exists());
}

#[test]
fn threads_out_of_range_are_a_wrong_command_line() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["0", "1025", "-1", "99999999999999999999", ""] {
        let threads = format!("--threads={n}");
        let o = joinedup(dir.path(), &["simulate", "--days", "1", &threads]);
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{n}: {}", stderr(&o));
        assert!(stderr(&o).contains("--threads"), "{}", stderr(&o));
    }
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

/// Runs `joinedup` with its standard output a pipe whose reader has already gone.
fn into_closed_pipe(dir: &Path, args: &[&str]) -> Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(args)
        .current_dir(dir)
        .env("JOINEDUP_CACHE_DIR", crate::cache_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    child.wait_with_output().expect("the binary ends")
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = setup(SPEC_EXAMPLE);
    let metrics = metrics_args("2017-02-01", "2017-03-01", &[]);
    let runs: Vec<Vec<&str>> = vec![
        vec!["scenarios"],
        vec!["scenarios", "show", "d2a"],
        metrics,
        vec![
            "simulate",
            "--replications",
            "1",
            "--days",
            "1",
            "--out",
            "s",
        ],
        vec![
            "compare",
            "--scenario",
            "stoke-2017",
            "--scenario",
            "d2a",
            "--replications",
            "1",
            "--days",
            "1",
            "--out",
            "c",
        ],
    ];
    for args in runs {
        let o = into_closed_pipe(dir.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}
