//! Many `joinedup import` processes writing one store at once keep every rule of the log.

use crate::*;
use std::process::{Command, Stdio};

/// NHS numbers in the 999 range, each passing the modulus-11 check.
fn people(n: usize) -> Vec<String> {
    (0..)
        .filter_map(|i: u64| {
            let body = format!("999{:06}", 100_000 + i);
            let sum: u32 = body
                .bytes()
                .zip((2..=10).rev())
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum();
            let check = 11 - sum % 11;
            match check {
                11 => Some(format!("{body}0")),
                10 => None,
                c => Some(format!("{body}{c}")),
            }
        })
        .take(n)
        .collect()
}

fn registration(id: &str, person: &str) -> String {
    format!(
        r#"{{"id":"{id}","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"{person}","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}}"#
    )
}

fn death(id: &str, person: &str, minute: usize) -> String {
    format!(
        r#"{{"id":"{id}","kind":"death","at":"2017-03-01T10:{minute:02}:00Z","person":"{person}"}}"#
    )
}

fn spawn_import(dir: &Path, file: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(["import", "--db", "store.db", file])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

#[test]
fn concurrent_writers_keep_every_rule_of_the_log() {
    const RUNS: usize = 10;
    const WRITERS: usize = 10;
    let persons = people(RUNS);
    let registrations: String = persons
        .iter()
        .enumerate()
        .map(|(i, p)| registration(&format!("reg{i}"), p) + "\n")
        .collect();
    let dir = setup(&registrations);
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
    for (run, person) in persons.iter().enumerate() {
        // Half the writers each record a death of the same person under its own id (only one
        // may land); the other half all import one identical file (it lands once, the rest are
        // no-ops).
        let mut children = Vec::new();
        for w in 0..WRITERS {
            let file = if w % 2 == 0 {
                let name = format!("death-{run}-{w}.jsonl");
                std::fs::write(
                    dir.path().join(&name),
                    death(&format!("d{run}-{w}"), person, w) + "\n",
                )
                .unwrap();
                name
            } else {
                let name = format!("same-{run}-{w}.jsonl");
                std::fs::write(
                    dir.path().join(&name),
                    format!(
                        r#"{{"id":"same{run}","kind":"residence_changed","at":"2016-06-01T00:00:00Z","person":"{person}","residence":"extra_care"}}"#
                    ) + "\n",
                )
                .unwrap();
                name
            };
            children.push((w, spawn_import(dir.path(), &file)));
        }
        let mut deaths_accepted = 0;
        for (w, child) in children {
            let o = child.wait_with_output().unwrap();
            let err = stderr(&o);
            assert!(
                !err.contains("UNIQUE") && !err.contains("damaged") && !err.contains("panicked"),
                "run {run} writer {w}: {err}"
            );
            if w % 2 == 0 {
                if o.status.success() {
                    deaths_accepted += 1;
                } else {
                    assert_eq!(o.status.code(), Some(1), "{err}");
                    assert!(
                        err.contains("a second death"),
                        "run {run} writer {w}: {err}"
                    );
                }
            } else {
                assert!(o.status.success(), "run {run} writer {w}: {err}");
            }
        }
        assert_eq!(deaths_accepted, 1, "run {run}");

        // The stored log, exported and read back as files, keeps every rule of the format.
        let out = format!("check-{run}");
        ok(joinedup(
            dir.path(),
            &["export", "--db", "store.db", "--out", &out],
        ));
        let events = std::fs::read_to_string(dir.path().join(&out).join("events.jsonl")).unwrap();
        let of_person: Vec<&str> = events.lines().filter(|l| l.contains(person)).collect();
        assert_eq!(
            of_person
                .iter()
                .filter(|l| l.contains(r#""kind":"death""#))
                .count(),
            1,
            "run {run}"
        );
        assert_eq!(
            of_person.iter().filter(|l| l.contains("\"same")).count(),
            1,
            "run {run}"
        );
        let events_path = format!("{out}/events.jsonl");
        ok(joinedup(
            dir.path(),
            &[
                "metrics",
                "--events",
                &events_path,
                "--orgs",
                "orgs.csv",
                "--population",
                "population.csv",
                "--from",
                "2017-02-01",
                "--to",
                "2017-03-01",
            ],
        ));
    }
}

#[test]
fn a_busy_store_is_waited_for_then_reported() {
    let dir = setup(SPEC_EXAMPLE);
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
    std::fs::write(
        dir.path().join("more.jsonl"),
        death("d1", "9434765919", 0) + "\n",
    )
    .unwrap();
    // Another writer holds the write lock throughout.
    let holder = rusqlite::Connection::open(dir.path().join("store.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let o = joinedup(
        dir.path(),
        &["import", "--db", "store.db", "--wait", "1", "more.jsonl"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("the store is busy"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    holder.execute_batch("ROLLBACK").unwrap();
    // Once the lock is free the same import goes through.
    ok(joinedup(
        dir.path(),
        &["import", "--db", "store.db", "--wait", "1", "more.jsonl"],
    ));
}
