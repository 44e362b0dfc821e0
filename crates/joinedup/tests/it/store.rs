//! `joinedup import` and `export`: all or nothing, idempotent, lossless.

use crate::*;

fn import(dir: &Path, files: &[&str]) -> std::process::Output {
    let mut args = vec!["import", "--db", "store.db"];
    args.extend_from_slice(files);
    joinedup(dir, &args)
}

fn count_events(dir: &Path) -> usize {
    let out = dir.join("count-export");
    let _ = std::fs::remove_dir_all(&out);
    ok(joinedup(
        dir,
        &["export", "--db", "store.db", "--out", out.to_str().unwrap()],
    ));
    std::fs::read_to_string(out.join("events.jsonl"))
        .unwrap()
        .lines()
        .count()
}

#[test]
fn import_then_export_loses_nothing() {
    // Unknown fields, unknown kinds, spaces in NHS numbers, letters for reasons, offsets.
    let extra = r#"{"id":"u1","kind":"gp_appointment","at":"2017-02-02T09:00:00+00:00","slot":"am","clinician":{"role":"gp","n":1}}
{"id":"u2","kind":"delay_reason","at":"2017-02-09T11:00:00Z","person":"943 476 5919","spell":"s1","reason":"G","ward":"7B","note":null}"#;
    let dir = setup(&format!("{SPEC_EXAMPLE}{extra}\n"));
    ok(import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl"],
    ));
    ok(joinedup(
        dir.path(),
        &["export", "--db", "store.db", "--out", "out"],
    ));
    let original = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let exported = std::fs::read_to_string(dir.path().join("out/events.jsonl")).unwrap();
    assert_eq!(exported, original);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/orgs.csv")).unwrap(),
        ORGS
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/population.csv")).unwrap(),
        POPULATION
    );

    // The export imports into a new store and exports the same again.
    ok(joinedup(
        dir.path(),
        &[
            "import",
            "--db",
            "second.db",
            "out/orgs.csv",
            "out/population.csv",
            "out/events.jsonl",
        ],
    ));
    ok(joinedup(
        dir.path(),
        &["export", "--db", "second.db", "--out", "out2"],
    ));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out2/events.jsonl")).unwrap(),
        original
    );
}

#[test]
fn importing_twice_is_a_no_op_and_a_conflict_writes_nothing() {
    let dir = setup(SPEC_EXAMPLE);
    ok(import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl"],
    ));
    let o = import(dir.path(), &["events.jsonl"]);
    assert!(
        stderr(&o).contains("imported 0 events (7 already stored)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count_events(dir.path()), 7);

    // Same id as a stored event, but a different discharge time: rejected, nothing written,
    // not even the valid new event beside it.
    std::fs::write(dir.path().join("more.jsonl"), concat!(
        r#"{"id":"e8","kind":"death","at":"2017-03-01T10:00:00Z","person":"9434765919"}"#, "\n",
        r#"{"id":"e7","kind":"discharge","at":"2017-02-13T15:00:00Z","person":"9434765919","spell":"s1","destination":"usual_residence_with_support","pathway":1}"#, "\n",
    )).unwrap();
    let o = import(dir.path(), &["more.jsonl"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("more.jsonl:2: field `id`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count_events(dir.path()), 7);

    // The same event written differently (spaces, offset) is the same event.
    std::fs::write(dir.path().join("same.jsonl"),
        r#"{"pathway":1,"id":"e7","kind":"discharge","at":"2017-02-12T16:00:00+01:00","person":"943 476 5919","spell":"s1","destination":"usual_residence_with_support"}"#,
    ).unwrap();
    ok(import(dir.path(), &["same.jsonl"]));
    assert_eq!(count_events(dir.path()), 7);
}

#[test]
fn an_import_is_checked_against_the_store() {
    let dir = setup(&SPEC_EXAMPLE.lines().take(4).collect::<Vec<_>>().join("\n"));
    ok(import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl"],
    ));
    // A second admission of the stored spell is an error; its discharge is fine.
    std::fs::write(dir.path().join("next.jsonl"), concat!(
        r#"{"id":"n1","kind":"discharge","at":"2017-02-12T15:00:00Z","person":"9434765919","spell":"s1","destination":"usual_residence"}"#, "\n",
        r#"{"id":"n2","kind":"admission","at":"2017-02-13T15:00:00Z","person":"9434765919","spell":"s1","org":"RJE","method":"emergency"}"#, "\n",
    )).unwrap();
    let o = import(dir.path(), &["next.jsonl"]);
    assert!(
        stderr(&o).contains("next.jsonl:2: field `spell`: a second admission"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count_events(dir.path()), 4);
    std::fs::write(
        dir.path().join("next.jsonl"),
        SPEC_EXAMPLE.lines().nth(6).unwrap(),
    )
    .unwrap();
    ok(import(dir.path(), &["next.jsonl"]));
    assert_eq!(count_events(dir.path()), 5);
}

#[test]
fn bad_files_in_an_import_write_nothing() {
    let dir = setup(SPEC_EXAMPLE);
    std::fs::write(
        dir.path().join("bad.jsonl"),
        r#"{"id":"z","kind":"death","at":"2017-02-01T00:00:00Z","person":"1"}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let o = import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl", "bad.jsonl"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("bad.jsonl:1: field `person`"));
    let o = import(dir.path(), &["notes.txt"]);
    assert!(stderr(&o).contains("unknown file type"));
    // Nothing at all was stored, registers included.
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
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no population register"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn metrics_from_the_store_equal_metrics_from_files() {
    let dir = example();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("store.db");
    let db = db.to_str().unwrap();
    ok(joinedup(
        &dir,
        &[
            "import",
            "--db",
            db,
            "orgs.csv",
            "population.csv",
            "events.jsonl",
        ],
    ));
    let period = [
        "--from",
        "2016-12-01",
        "--to",
        "2017-06-01",
        "--format",
        "json",
        "--by",
        "month",
    ];
    let mut from_files = vec![
        "metrics",
        "--events",
        "events.jsonl",
        "--orgs",
        "orgs.csv",
        "--population",
        "population.csv",
    ];
    from_files.extend(period);
    let mut from_store = vec!["metrics", "--db", db];
    from_store.extend(period);
    assert_eq!(
        ok(joinedup(&dir, &from_files)),
        ok(joinedup(&dir, &from_store))
    );
}

#[test]
fn a_forged_event_does_not_pass_for_a_stored_one() {
    // The same id, another NHS number, 902 s earlier: a line that had the stored event's 64-bit
    // content fingerprint, and was taken as "already stored".
    let dir = setup(concat!(
        r#"{"id":"e9","kind":"death","at":"2017-02-03T14:40:00Z","person":"9995148129"}"#,
        "\n"
    ));
    ok(import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl"],
    ));
    std::fs::write(
        dir.path().join("forged.jsonl"),
        r#"{"id":"e9","kind":"death","at":"2017-02-03T14:24:57.984950811Z","person":"9990000190"}"#,
    )
    .unwrap();
    let o = import(dir.path(), &["forged.jsonl"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("forged.jsonl:1: field `id`: event id \"e9\" is already used by an event with different content"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count_events(dir.path()), 1);
}
