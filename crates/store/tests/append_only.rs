//! The store's invariants, checked on a real SQLite file.

use store::{Batch, JourneyStore, NewEvent, SqliteStore, StoreRead};

fn event(id: &str) -> NewEvent {
    NewEvent {
        id: id.into(),
        kind: "death".into(),
        at: 0,
        person: Some("9434765919".into()),
        content_hash: 1,
        raw: format!(
            r#"{{"id":"{id}","kind":"death","at":"1970-01-01T00:00:00Z","person":"9434765919"}}"#
        ),
    }
}

#[test]
fn events_cannot_be_changed_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("j.db")).unwrap();
    s.append(&Batch {
        events: vec![event("a")],
        ..Default::default()
    })
    .unwrap();
    let e = s.try_rewrite("a", "{}").unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let mut lines = Vec::new();
    s.scan(&mut |l| lines.push(l.to_string())).unwrap();
    assert_eq!(lines, [event("a").raw]);
}

#[test]
fn a_failed_append_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mut s = SqliteStore::open(&path).unwrap();
    s.append(&Batch {
        events: vec![event("a")],
        ..Default::default()
    })
    .unwrap();
    // The second event repeats a stored id: the whole batch is refused.
    let err = s.append(&Batch {
        events: vec![event("b"), event("a")],
        ..Default::default()
    });
    assert!(err.is_err());
    drop(s);
    let s = SqliteStore::open_existing(&path).unwrap();
    assert_eq!(s.event_count().unwrap(), 1);
}
