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
    // Nothing at all was stored, registers included: the new store was never created.
    assert_eq!(
        files_in(dir.path())
            .iter()
            .filter(|f| f.contains("store"))
            .count(),
        0,
        "{:?}",
        files_in(dir.path())
    );
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
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read store.db: "),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).matches("store.db").count(), 1, "{}", stderr(&o));
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn metrics_db(dir: &Path, db: &str) -> std::process::Output {
    joinedup(
        dir,
        &[
            "metrics",
            "--db",
            db,
            "--from",
            "2017-02-01",
            "--to",
            "2017-03-01",
        ],
    )
}

#[test]
fn reading_commands_write_nothing_to_the_store() {
    let dir = setup(SPEC_EXAMPLE);
    ok(import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl"],
    ));
    let before = std::fs::read(dir.path().join("store.db")).unwrap();
    let listing = files_in(dir.path());
    assert!(
        !listing
            .iter()
            .any(|f| f.ends_with("-wal") || f.ends_with("-shm")),
        "{listing:?}"
    );
    ok(metrics_db(dir.path(), "store.db"));
    ok(joinedup(
        dir.path(),
        &["export", "--db", "store.db", "--out", "out"],
    ));
    assert_eq!(std::fs::read(dir.path().join("store.db")).unwrap(), before);
    let mut expected = listing.clone();
    expected.push("out".into());
    expected.sort();
    assert_eq!(files_in(dir.path()), expected);
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_left_alone() {
    let dir = setup(SPEC_EXAMPLE);
    std::fs::write(dir.path().join("empty.db"), "").unwrap();
    std::fs::write(
        dir.path().join("notes.db"),
        "not a database at all, just some text to read",
    )
    .unwrap();
    for db in ["empty.db", "notes.db"] {
        let o = metrics_db(dir.path(), db);
        assert_eq!(o.status.code(), Some(1), "{db}");
        assert!(
            stderr(&o).contains(&format!("{db} is not a joinedup store")),
            "{db}: {}",
            stderr(&o)
        );
        let o = joinedup(dir.path(), &["export", "--db", db, "--out", "out"]);
        assert!(
            stderr(&o).contains("is not a joinedup store"),
            "{db}: {}",
            stderr(&o)
        );
    }
    assert_eq!(std::fs::read(dir.path().join("empty.db")).unwrap(), b"");
    assert!(files_in(dir.path())
        .iter()
        .all(|f| !f.ends_with("-wal") && !f.ends_with("-shm") && f != "out"));
    // An import does not take over a file that is not a store either.
    let o = joinedup(dir.path(), &["import", "--db", "notes.db", "events.jsonl"]);
    assert!(
        stderr(&o).contains("notes.db is not a joinedup store"),
        "{}",
        stderr(&o)
    );
}

/// A store owned by another user, read by one who may not write it or its folder.
#[test]
fn a_store_the_user_cannot_write_can_still_be_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = setup(SPEC_EXAMPLE);
    ok(import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl"],
    ));
    let out = tempfile::tempdir().unwrap();
    std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(
        dir.path().join("store.db"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| stdout(&o).trim() == "0")
        .unwrap_or(false);
    let run = |args: &[&str]| {
        let mut c = if is_root {
            // Root may write anything: read as `nobody` instead.
            let mut c = std::process::Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_joinedup"),
            ]);
            c
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_joinedup"))
        };
        c.args(args).current_dir(dir.path()).output().unwrap()
    };
    let exported = out.path().join("e");
    let m = run(&[
        "metrics",
        "--db",
        "store.db",
        "--from",
        "2017-02-01",
        "--to",
        "2017-03-01",
    ]);
    let e = run(&[
        "export",
        "--db",
        "store.db",
        "--out",
        exported.to_str().unwrap(),
    ]);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    if is_root && stderr(&m).contains("setpriv") {
        eprintln!("notice: setpriv cannot switch user here; skipped");
        return;
    }
    ok(m);
    ok(e);
    assert!(files_in(dir.path())
        .iter()
        .all(|f| !f.ends_with("-wal") && !f.ends_with("-shm")));
    // The owner can still write.
    std::fs::set_permissions(
        dir.path().join("store.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("more.jsonl"),
        r#"{"id":"x1","kind":"death","at":"2017-03-01T10:00:00Z","person":"9434765919"}"#,
    )
    .unwrap();
    ok(import(dir.path(), &["more.jsonl"]));
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

/// A store of the spec's example in a [`setup`] folder.
fn imported() -> tempfile::TempDir {
    let dir = setup(SPEC_EXAMPLE);
    ok(import(
        dir.path(),
        &["orgs.csv", "population.csv", "events.jsonl"],
    ));
    dir
}

#[test]
fn an_earlier_export_is_replaced_only_with_force() {
    let dir = imported();
    let export = |extra: &[&str]| {
        let mut args = vec!["export", "--db", "store.db", "--out", "out"];
        args.extend_from_slice(extra);
        joinedup(dir.path(), &args)
    };
    ok(export(&[]));
    // Something the second export would change, to see whether it did.
    std::fs::write(dir.path().join("out/events.jsonl"), "old\n").unwrap();
    let o = export(&[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("out/events.jsonl already exists"), "{err}");
    assert!(
        err.contains("nothing was written") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/events.jsonl")).unwrap(),
        "old\n"
    );
    ok(export(&["--force"]));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/events.jsonl")).unwrap(),
        SPEC_EXAMPLE
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["events.jsonl", "orgs.csv", "population.csv"]);
}

#[cfg(unix)]
#[test]
fn export_refuses_a_symbolic_link_and_leaves_its_target() {
    let dir = imported();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("precious.txt"),
        dir.path().join("out/events.jsonl"),
    )
    .unwrap();
    for force in [false, true] {
        let mut args = vec!["export", "--db", "store.db", "--out", "out"];
        if force {
            args.push("--force");
        }
        let o = joinedup(dir.path(), &args);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.contains("out/events.jsonl is a symbolic link")
                && err.contains("nothing was written"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("precious.txt")).unwrap(),
            "keep me"
        );
        assert!(!dir.path().join("out/orgs.csv").exists());
    }
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
