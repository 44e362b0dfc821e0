//! The SQLite store's layout: content digests kept whole, an old layout refused (the rules both
//! back ends share are in `backends.rs`).

use store::{Batch, JourneyStore, NewEvent, SqliteStore};

fn event(id: &str) -> NewEvent {
    NewEvent {
        id: id.into(),
        kind: "death".into(),
        at: 0,
        person: Some("9434765919".into()),
        content_digest: [1; 32],
        raw: format!(
            r#"{{"id":"{id}","kind":"death","at":"1970-01-01T00:00:00Z","person":"9434765919"}}"#
        ),
    }
}

#[test]
fn a_version_1_store_is_refused_with_a_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // The layout of version 1: content kept as a 64-bit hash.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
                 at_ns INTEGER NOT NULL, person TEXT, content_hash INTEGER NOT NULL, raw TEXT NOT NULL);
             INSERT INTO meta (key, value) VALUES ('schema_version', '1');",
        )
        .unwrap();
    }
    let e = SqliteStore::open_existing(&path).err().expect("refused");
    let text = e.to_string();
    assert!(text.contains("schema version 1"), "{text}");
    assert!(text.contains("re-import"), "{text}");
    // Nothing of the new layout was written into it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 2);
}

#[test]
fn the_content_digest_is_stored_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("j.db")).unwrap();
    let mut e = event("a");
    e.content_digest = std::array::from_fn(|i| i as u8);
    s.append(&Batch {
        events: vec![e.clone()],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.content_digest("a").unwrap(), Some(e.content_digest));
    assert_eq!(s.content_digest("b").unwrap(), None);
}
