//! `metrics --db` from the facts the store keeps (`live_log::stored_facts`): the figures and
//! warnings of every event stored, byte for byte those of reading the whole log (`--no-cache`)
//! and of `metrics` over the same files, whether the kept facts cover every event, are
//! followed by events another writer stored, or are absent, stale, of another format or
//! damaged. On an SQLite file, and on PostgreSQL with `JOINEDUP_TEST_DATABASE_URL`.

use crate::*;
use ::store::{open, Access, Batch, Covers, Location, NewFacts};
use live_log::stored_facts::FORMAT;

/// The example log cut by time into three parts (an admission in one, its discharge in the
/// next), the second with an event of a kind this version does not know; with the registers.
fn parts() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ex = example();
    for f in ["orgs.csv", "population.csv"] {
        std::fs::copy(ex.join(f), dir.path().join(f)).unwrap();
    }
    let all = std::fs::read_to_string(ex.join("events.jsonl")).unwrap();
    let mut parts = [String::new(), String::new(), String::new()];
    for line in all.lines() {
        let at = &line[line.find("\"at\":\"").unwrap() + 6..][..10];
        let i = if at < "2017-03-01" {
            0
        } else if at < "2017-06-01" {
            1
        } else {
            2
        };
        parts[i] += line;
        parts[i] += "\n";
    }
    parts[1] += r#"{"id":"zz-unknown","kind":"hospital_transfer","at":"2017-04-02T10:00:00Z","person":"9990000018"}"#;
    parts[1] += "\n";
    for (i, p) in parts.iter().enumerate() {
        std::fs::write(dir.path().join(format!("part{}.jsonl", i + 1)), p).unwrap();
    }
    dir
}

const PERIOD: [&str; 6] = [
    "--from",
    "2016-12-01",
    "--to",
    "2017-10-01",
    "--format",
    "json",
];

/// `metrics` by month over `head` (a store or files): standard output and error.
fn metrics(dir: &Path, head: &[&str]) -> (String, String) {
    let mut args = vec!["metrics"];
    args.extend_from_slice(head);
    args.extend(PERIOD);
    args.extend(["--by", "month"]);
    let o = joinedup(dir, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    (stdout(&o), stderr(&o))
}

/// What `metrics --db` says of the kept facts (`JOINEDUP_CACHE_TRACE=1`).
fn trace(dir: &Path, db: &str) -> String {
    let mut args = vec!["metrics", "--db", db];
    args.extend(PERIOD);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(&args)
        .current_dir(dir)
        .env("JOINEDUP_CACHE_TRACE", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stderr(&o)
        .lines()
        .filter(|l| l.starts_with("store: "))
        .collect()
}

/// `metrics --db` from the kept facts equals `metrics --db --no-cache` (warnings too), and
/// `metrics` over `files`; the figures are returned.
#[track_caller]
fn same_as_the_whole_log(dir: &Path, db: &str, files: &[&str]) -> String {
    let kept = metrics(dir, &["--db", db]);
    let whole = metrics(dir, &["--db", db, "--no-cache"]);
    assert_eq!(kept, whole);
    let mut head = vec!["--orgs", "orgs.csv", "--population", "population.csv"];
    for f in files {
        head.extend(["--events", f]);
    }
    head.push("--no-cache");
    assert_eq!(kept.0, metrics(dir, &head).0);
    kept.0
}

fn import(dir: &Path, db: &str, files: &[&str]) {
    let mut args = vec!["import", "--db", db];
    args.extend_from_slice(files);
    ok(joinedup(dir, &args));
}

/// The store at `db` (a file in `dir`, or a URL).
fn location(dir: &Path, db: &str) -> Location {
    if db.starts_with("postgres") {
        Location::parse(db).unwrap()
    } else {
        Location::Sqlite(dir.join(db))
    }
}

fn kept_and_tail(dir: &Path, db: &str) {
    let d = dir;
    import(d, db, &["orgs.csv", "population.csv", "part1.jsonl"]);
    let t = trace(d, db);
    assert!(
        t.contains("kept facts of 4055 events, and 0 events after"),
        "{t}"
    );
    same_as_the_whole_log(d, db, &["part1.jsonl"]);

    // Another writer that keeps no facts (an older joinedup): its events are the tail.
    ::store::import_into(
        &location(d, db),
        &[d.join("part2.jsonl")],
        std::time::Duration::from_secs(30),
        &|_| {},
    )
    .unwrap();
    let t = trace(d, db);
    assert!(
        t.contains("kept facts of 4055 events, and 1129 events after"),
        "{t}"
    );
    let (_, warned) = metrics(d, &["--db", db]);
    assert!(warned.contains("\"hospital_transfer\": 1 event, the first in the store"));
    same_as_the_whole_log(d, db, &["part1.jsonl", "part2.jsonl"]);

    // An import keeps the facts of the whole log, the tail folded in.
    import(d, db, &["part3.jsonl"]);
    let t = trace(d, db);
    assert!(
        t.contains("kept facts of 6584 events, and 0 events after"),
        "{t}"
    );
    let all = same_as_the_whole_log(d, db, &["part1.jsonl", "part2.jsonl", "part3.jsonl"]);
    assert!(all.contains("dtoc_delayed_days_per_100k"));
}

fn unusable_kept_facts_are_never_served(dir: &Path, db: &str) {
    let d = dir;
    let files = ["part1.jsonl", "part2.jsonl", "part3.jsonl"];
    import(d, db, &["orgs.csv", "population.csv", "part1.jsonl"]);
    let loc = location(d, db);
    let of_part1 = open(&loc, Access::Read)
        .unwrap()
        .facts_snapshot()
        .unwrap()
        .unwrap();
    import(d, db, &files[1..]);
    let good = same_as_the_whole_log(d, db, &files);
    let kept = open(&loc, Access::Read)
        .unwrap()
        .facts_snapshot()
        .unwrap()
        .unwrap();
    let put = |format: u32, bytes: Vec<u8>| {
        let mut s = open(&loc, Access::Write).unwrap();
        s.append(&Batch {
            facts: Some(NewFacts {
                covers: Covers::Through(kept.covers),
                format,
                bytes,
            }),
            ..Batch::default()
        })
        .unwrap();
    };
    let mut flipped = kept.bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    let cases: Vec<(&str, u32, Vec<u8>)> = vec![
        ("another format", FORMAT + 1, kept.bytes.clone()),
        ("checksum does not match", FORMAT, flipped),
        ("too short", FORMAT, kept.bytes[..10].to_vec()),
        (
            "checksum does not match",
            FORMAT,
            kept.bytes[..kept.bytes.len() - 1].to_vec(),
        ),
        // Facts of fewer events than they claim to cover (stale facts written over).
        (
            "they cover 4055 events, the store holds 6584",
            FORMAT,
            of_part1.bytes.clone(),
        ),
    ];
    for (why, format, bytes) in cases {
        put(format, bytes);
        let t = trace(d, db);
        assert!(
            t.contains("kept facts not used") && t.contains(why),
            "{why}: {t}"
        );
        assert_eq!(same_as_the_whole_log(d, db, &files), good, "{why}");
    }
    // Absent: none kept.
    ::store::testing::raw_sql(&loc, "DELETE FROM facts_snapshot").unwrap();
    let t = trace(d, db);
    assert!(t.contains("none kept"), "{t}");
    assert_eq!(same_as_the_whole_log(d, db, &files), good);
    // The next import (of nothing new) keeps them again.
    import(d, db, &["part3.jsonl"]);
    let t = trace(d, db);
    assert!(
        t.contains("kept facts of 6584 events, and 0 events after"),
        "{t}"
    );
    assert_eq!(same_as_the_whole_log(d, db, &files), good);
    // A store of the version before them: read whole, until a writer migrates it.
    ::store::testing::raw_sql(
        &loc,
        "DROP TABLE facts_snapshot; UPDATE meta SET value = '4' WHERE key = 'schema_version'",
    )
    .unwrap();
    let t = trace(d, db);
    assert!(t.contains("none kept"), "{t}");
    assert_eq!(same_as_the_whole_log(d, db, &files), good);
    import(d, db, &["part3.jsonl"]);
    let t = trace(d, db);
    assert!(
        t.contains("kept facts of 6584 events, and 0 events after"),
        "{t}"
    );
}

fn a_damaged_tail_is_reported_as_without_kept_facts(dir: &Path, db: &str) {
    let d = dir;
    import(d, db, &["orgs.csv", "population.csv", "part1.jsonl"]);
    let loc = location(d, db);
    ::store::import_into(
        &loc,
        &[d.join("part2.jsonl")],
        std::time::Duration::from_secs(30),
        &|_| {},
    )
    .unwrap();
    // Two lines damaged behind the store's back: one the kept facts cover, one after them.
    let damage = "UPDATE events SET raw = '{\"id\":' WHERE id IN ('p0e1', 'zz-unknown')";
    let sql = if db.starts_with("postgres") {
        format!(
            "ALTER TABLE events DISABLE TRIGGER events_append_only; {damage}; \
             ALTER TABLE events ENABLE TRIGGER events_append_only;"
        )
    } else {
        format!(
            "DROP TRIGGER events_append_only_update; {damage}; \
             CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events \
             BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
        )
    };
    ::store::testing::raw_sql(&loc, &sql).unwrap();
    for extra in [&[][..], &["--no-cache"][..]] {
        let mut args = vec!["metrics", "--db", db];
        args.extend(PERIOD);
        args.extend_from_slice(extra);
        let o = joinedup(d, &args);
        assert!(!o.status.success());
        assert!(stdout(&o).is_empty());
        assert!(
            stderr(&o).contains("is damaged: 2 events no longer parse"),
            "{extra:?}: {}",
            stderr(&o)
        );
    }
}

/// Each behaviour on an SQLite file and, with `JOINEDUP_TEST_DATABASE_URL`, on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() {
                let dir = super::parts();
                super::$name(dir.path(), "store.db")
            })*
        }
        mod on_postgres {
            $(#[test] fn $name() {
                let Some((url, _db)) = ::store::testing::fresh_postgres() else { return };
                let dir = super::parts();
                super::$name(dir.path(), &url)
            })*
        }
    };
}

on_both!(
    kept_and_tail,
    unusable_kept_facts_are_never_served,
    a_damaged_tail_is_reported_as_without_kept_facts,
);
