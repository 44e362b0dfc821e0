//! `joinedup audit verify` and `joinedup audit list` on a store whose audit log the store
//! library wrote.

use crate::{joinedup, ok, stderr, stdout};
use store::{Access, Action, AuditEntry, Location};

fn entry(n: i64, user: &str, action: Action, person: Option<&str>) -> AuditEntry {
    AuditEntry {
        // 2017-03-01T00:00:00Z plus n hours.
        at: 1_488_326_400 + n * 3600,
        username: user.into(),
        org: "RJE".into(),
        action,
        person: person.map(str::to_string),
        reason: (action == Action::Append).then(|| "3 events".to_string()),
        client: Some("127.0.0.1".into()),
    }
}

/// A store holding three audit entries.
fn store_with_entries(location: &Location) {
    drop(store::open(location, Access::Create).unwrap());
    let mut log = store::open_audit(location).unwrap();
    log.append(&entry(1, "dc1", Action::SignIn, None)).unwrap();
    log.append(&entry(2, "dc1", Action::ViewPerson, Some("9434765919")))
        .unwrap();
    log.append(&entry(30, "sw1", Action::Append, None)).unwrap();
}

#[test]
fn verify_passes_a_sound_chain_and_names_the_altered_entry_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    store_with_entries(&Location::Sqlite(db.clone()));
    let out = ok(joinedup(
        dir.path(),
        &["audit", "verify", "--db", "store.db"],
    ));
    assert_eq!(out, "the audit chain of 3 entries verifies\n");

    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_append_only_update;
         UPDATE audit SET username = 'someone_else' WHERE seq = 2;",
    )
    .unwrap();
    drop(c);
    let o = joinedup(dir.path(), &["audit", "verify", "--db", "store.db"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.contains("does not verify"), "{err}");
    assert!(err.contains("audit entry 2 was altered"), "{err}");
}

#[test]
fn verify_names_a_removed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    store_with_entries(&Location::Sqlite(db.clone()));
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("DROP TRIGGER audit_append_only_delete; DELETE FROM audit WHERE seq = 1;")
        .unwrap();
    drop(c);
    let o = joinedup(dir.path(), &["audit", "verify", "--db", "store.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("audit entry 1 was removed"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn list_filters_by_user_person_action_and_date() {
    let dir = tempfile::tempdir().unwrap();
    store_with_entries(&Location::Sqlite(dir.path().join("store.db")));
    let list = |extra: &[&str]| {
        let mut args = vec!["audit", "list", "--db", "store.db"];
        args.extend_from_slice(extra);
        ok(joinedup(dir.path(), &args))
    };
    let all = list(&[]);
    assert_eq!(all.lines().count(), 3, "{all}");
    assert_eq!(
        all.lines().nth(1).unwrap(),
        "2\t2017-03-01T02:00:00Z\tdc1\tRJE\tview_person\t9434765919\t\t127.0.0.1"
    );
    assert_eq!(list(&["--user", "sw1"]).lines().count(), 1);
    let by_person = list(&["--person", "943 476 5919"]);
    assert!(by_person.starts_with("2\t"), "{by_person}");
    assert_eq!(by_person.lines().count(), 1);
    assert_eq!(list(&["--action", "sign_in"]).lines().count(), 1);
    // Entry 3 is on 2 March (30 hours in).
    assert_eq!(list(&["--from", "2017-03-02"]).lines().count(), 1);
    assert_eq!(list(&["--to", "2017-03-01"]).lines().count(), 2);
    let json = list(&["--format", "json", "--action", "append"]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["username"], "sw1");
    assert_eq!(v["reason"], "3 events");
    assert_eq!(v["hash"].as_str().unwrap().len(), 64);

    let bad = joinedup(
        dir.path(),
        &["audit", "list", "--db", "store.db", "--action", "peek"],
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("not an audit action"),
        "{}",
        stderr(&bad)
    );
    let bad = joinedup(
        dir.path(),
        &[
            "audit",
            "list",
            "--db",
            "store.db",
            "--person",
            "9434765918",
        ],
    );
    assert!(!bad.status.success());
}

#[test]
fn verify_on_postgres() {
    let Some((url, _db)) = store::testing::fresh_postgres() else {
        return;
    };
    let location = Location::parse(&url).unwrap();
    store_with_entries(&location);
    let dir = tempfile::tempdir().unwrap();
    let out = ok(joinedup(dir.path(), &["audit", "verify", "--db", &url]));
    assert_eq!(out, "the audit chain of 3 entries verifies\n");
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute("DROP TRIGGER audit_append_only ON audit; DELETE FROM audit WHERE seq = 3;")
        .unwrap();
    drop(c);
    let o = joinedup(dir.path(), &["audit", "verify", "--db", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("audit entry 3 was removed from the end"),
        "{}",
        stderr(&o)
    );
}
