//! The store's behaviour, one function per behaviour, run on SQLite and on PostgreSQL.
//!
//! The PostgreSQL runs need `JOINEDUP_TEST_DATABASE_URL` (`scripts/pg-test-cluster.sh start`):
//! without it they print a notice and skip.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::Duration;
use store::schema::{self, Dialect};
use store::testing::{fresh_postgres, PgTestDatabase};
use store::{import_into, open, Access, Batch, Location, NewEvent, StoreError, StoreRead};

/// One back end holding one fresh store location, and a raw connection to it.
trait Backend {
    fn location(&self) -> Location;
    fn dialect(&self) -> Dialect;
    /// Runs `sql` on a connection of its own, outside the store's code.
    fn raw(&self, sql: &str) -> Result<(), String>;
    /// A working folder for files.
    fn dir(&self) -> &Path;
}

struct Sqlite {
    dir: tempfile::TempDir,
}

impl Sqlite {
    fn new() -> Self {
        Sqlite {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self) -> PathBuf {
        self.dir.path().join("store.db")
    }
}

impl Backend for Sqlite {
    fn location(&self) -> Location {
        Location::Sqlite(self.path())
    }
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn raw(&self, sql: &str) -> Result<(), String> {
        let c = rusqlite::Connection::open(self.path()).map_err(|e| e.to_string())?;
        c.execute_batch(sql).map_err(|e| e.to_string())
    }
    fn dir(&self) -> &Path {
        self.dir.path()
    }
}

struct Pg {
    url: String,
    _db: PgTestDatabase,
    dir: tempfile::TempDir,
}

impl Pg {
    fn new() -> Option<Self> {
        let (url, db) = fresh_postgres()?;
        Some(Pg {
            url,
            _db: db,
            dir: tempfile::tempdir().unwrap(),
        })
    }
}

impl Backend for Pg {
    fn location(&self) -> Location {
        Location::parse(&self.url).unwrap()
    }
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn raw(&self, sql: &str) -> Result<(), String> {
        let mut c =
            postgres::Client::connect(&self.url, postgres::NoTls).map_err(|e| e.to_string())?;
        c.batch_execute(sql).map_err(|e| match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => e.to_string(),
        })
    }
    fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Each behaviour as a test on SQLite and one on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { super::$name(&super::Sqlite::new()) })*
        }
        mod on_postgres {
            $(#[test] fn $name() {
                if let Some(b) = super::Pg::new() { super::$name(&b) }
            })*
        }
    };
}

on_both!(
    append_only_refuses_update_and_delete,
    a_failed_append_writes_nothing,
    a_read_is_one_snapshot,
    the_write_lock_serialises_writers,
    a_writer_that_waits_too_long_is_busy,
    migrations_are_applied_once_on_open_for_writing,
    a_reader_refuses_a_store_needing_migrations_or_of_a_newer_version,
    a_reader_writes_nothing,
    no_store_no_schema,
    import_and_export_round_trip_through_a_location,
    a_failed_first_import_leaves_no_store,
    facts_are_kept_with_the_import_that_folds_them,
    facts_brought_up_to_date_never_replace_newer_ones,
    a_store_of_the_version_before_the_kept_facts_is_read_as_it_stands,
    a_person_s_events_and_stored_digests_are_read_by_their_indexes,
);

fn event(id: &str) -> NewEvent {
    NewEvent {
        id: id.into(),
        kind: "death".into(),
        at: 0,
        person: Some("9434765919".into()),
        content_digest: [0xfe; 32],
        raw: format!(
            r#"{{"id":"{id}","kind":"death","at":"1970-01-01T00:00:00Z","person":"9434765919"}}"#
        ),
    }
}

fn batch(ids: &[&str]) -> Batch {
    Batch {
        events: ids.iter().map(|id| event(id)).collect(),
        ..Default::default()
    }
}

/// A blob literal of `hex` in the back end's SQL.
fn blob(b: &dyn Backend, hex: &str) -> String {
    match b.dialect() {
        Dialect::Sqlite => format!("X'{hex}'"),
        Dialect::Postgres => format!("'\\x{hex}'::bytea"),
    }
}

fn a_person_s_events_and_stored_digests_are_read_by_their_indexes(b: &dyn Backend) {
    let mut s = open(&b.location(), Access::Create).unwrap();
    let mut other = event("x");
    other.person = Some("9990000018".into());
    other.content_digest = [0x01; 32];
    let mut b1 = batch(&["a", "b"]);
    b1.events.insert(1, other);
    s.append(&b1).unwrap();
    s.append(&batch(&["c"])).unwrap();
    let mut seen = Vec::new();
    let n = s
        .scan_person("9434765919", &mut |seq, raw| {
            seen.push((seq, raw.to_string()))
        })
        .unwrap();
    assert_eq!(n, 3);
    let ids: Vec<&str> = seen.iter().map(|(_, raw)| &raw[7..8]).collect();
    assert_eq!(ids, ["a", "b", "c"], "in the order stored");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(s.scan_person("9990000026", &mut |_, _| {}).unwrap(), 0);
    // Digests of the ids stored, whatever the others; many at once (more than one chunk).
    let many: Vec<String> = (0..600).map(|i| format!("none{i}")).collect();
    let mut asked: Vec<&str> = many.iter().map(String::as_str).collect();
    asked.extend(["x", "c", "nowhere"]);
    let mut found = std::collections::BTreeMap::new();
    s.stored_digests(&asked, &mut |id, d| {
        found.insert(id.to_string(), d);
    })
    .unwrap();
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        [("c".to_string(), [0xfe; 32]), ("x".to_string(), [0x01; 32])]
    );
    s.stored_digests(&[], &mut |_, _| panic!("nothing asked"))
        .unwrap();
}

fn lines(s: &dyn StoreRead) -> Vec<String> {
    let mut out = Vec::new();
    s.scan(&mut |l| out.push(l.to_string())).unwrap();
    out
}

fn append_only_refuses_update_and_delete(b: &dyn Backend) {
    let mut s = open(&b.location(), Access::Create).unwrap();
    s.append(&batch(&["a"])).unwrap();
    for sql in [
        "UPDATE events SET raw = '{}' WHERE id = 'a'",
        "DELETE FROM events WHERE id = 'a'",
        "DELETE FROM events",
    ] {
        let e = b.raw(sql).unwrap_err();
        assert!(e.contains("events are append-only"), "{sql}: {e}");
    }
    b.raw(&format!(
        "INSERT INTO audit (at, username, org, action, prev_hash, hash)
         VALUES (1, 'u', 'RJE', 'viewed', {}, {})",
        blob(b, "00"),
        blob(b, "01")
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    for sql in ["UPDATE audit SET action = 'none'", "DELETE FROM audit"] {
        let e = b.raw(sql).unwrap_err();
        assert!(e.contains("audit entries are append-only"), "{sql}: {e}");
    }
    if b.dialect() == Dialect::Postgres {
        for t in ["events", "audit"] {
            let e = b.raw(&format!("TRUNCATE {t}")).unwrap_err();
            assert!(e.contains("append-only"), "{t}: {e}");
        }
    }
    assert_eq!(lines(&*s), [event("a").raw]);
}

fn a_failed_append_writes_nothing(b: &dyn Backend) {
    let mut s = open(&b.location(), Access::Create).unwrap();
    s.append(&batch(&["a"])).unwrap();
    // The last event repeats a stored id: the whole batch is refused, its orgs too.
    let mut refused = batch(&["b", "c", "a"]);
    refused.orgs.push(domain::Org {
        code: "RJE".into(),
        name: "Acute trust".into(),
        kind: domain::codes::OrgKind::parse("acute_trust").unwrap(),
        cqc_rating: None,
        beds: Some(10),
        extended_access: None,
    });
    let e = s.append(&refused).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
    drop(s);
    let s = open(&b.location(), Access::Write).unwrap();
    assert_eq!(s.event_count().unwrap(), 1);
    assert_eq!(lines(&*s), [event("a").raw]);
    assert!(s.orgs().unwrap().is_empty());
}

fn a_read_is_one_snapshot(b: &dyn Backend) {
    let mut writer = open(&b.location(), Access::Create).unwrap();
    writer.append(&batch(&["a"])).unwrap();
    let reader = open(&b.location(), Access::Write).unwrap();
    let mut seen = Vec::new();
    reader
        .read(&mut |r| {
            seen.push(r.event_count()?);
            // Another connection appends in the middle of the read.
            writer.append(&batch(&["b"]))?;
            seen.push(r.event_count()?);
            seen.push(lines(r).len() as u64);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, [1, 1, 1]);
    assert_eq!(reader.event_count().unwrap(), 2);
}

fn the_write_lock_serialises_writers(b: &dyn Backend) {
    drop(open(&b.location(), Access::Create).unwrap());
    const WRITERS: usize = 8;
    let start = Arc::new(Barrier::new(WRITERS));
    let results: Vec<Result<bool, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|_| {
                let location = b.location();
                let start = start.clone();
                scope.spawn(move || {
                    let opened = open(&location, Access::Write);
                    start.wait();
                    // Read, check, append: without the lock two writers would read the same
                    // count and both append the event of that number.
                    opened?.write(&mut |held| {
                        let n = held.event_count()?;
                        std::thread::sleep(Duration::from_millis(20));
                        Ok(Some(batch(&[&format!("n{n}")])))
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results {
        assert!(matches!(r, Ok(true)), "{r:?}");
    }
    let s = open(&b.location(), Access::Read).unwrap();
    let expected: Vec<String> = (0..WRITERS).map(|n| event(&format!("n{n}")).raw).collect();
    assert_eq!(lines(&*s), expected);
}

fn a_writer_that_waits_too_long_is_busy(b: &dyn Backend) {
    let mut first = open(&b.location(), Access::Create).unwrap();
    let mut second = open(&b.location(), Access::Write).unwrap();
    second.set_busy_timeout(Duration::from_millis(200)).unwrap();
    let mut inner = None;
    first
        .write(&mut |_| {
            inner = Some(second.append(&batch(&["late"])));
            Ok(Some(batch(&["first"])))
        })
        .unwrap();
    let inner = inner.unwrap();
    assert!(matches!(inner, Err(StoreError::Busy(_))), "{inner:?}");
    let msg = inner.unwrap_err().to_string();
    assert!(
        msg.contains("busy") && msg.contains("nothing was written"),
        "{msg}"
    );
    assert_eq!(lines(&*first), [event("first").raw]);
    // Once the lock is free the second writer gets through.
    second.append(&batch(&["late"])).unwrap();
    assert_eq!(first.event_count().unwrap(), 2);
}

/// Makes the location a store of schema version 1, as the first joinedup wrote it.
/// A store with only the first migration this joinedup knows (version 2).
fn first_version_store(b: &dyn Backend) {
    b.raw(&format!(
        "{}\nINSERT INTO meta (key, value) VALUES ('schema_version', '{}');
         INSERT INTO events (id, kind, at_ns, person, content_digest, raw) VALUES ('old', 'death', 0, NULL, {}, 'old line');",
        schema::MIGRATIONS[0].sql(b.dialect()),
        schema::FIRST,
        blob(b, "07")
    ))
    .unwrap();
}

const ADD_USER: &str = "INSERT INTO users (username, org, roles, password_hash, created_at) VALUES ('u', 'RJE', 'analyst', 'x', 0)";

fn migrations_are_applied_once_on_open_for_writing(b: &dyn Backend) {
    first_version_store(b);
    {
        let s = open(&b.location(), Access::Write).unwrap();
        assert_eq!(lines(&*s), ["old line"]);
    }
    // Migration 5's table is there, and holds no facts yet.
    b.raw("SELECT covers, format, bytes FROM facts_snapshot")
        .unwrap();
    assert_eq!(
        open(&b.location(), Access::Read)
            .unwrap()
            .facts_snapshot()
            .unwrap(),
        None
    );
    // Migration 3's tables are there.
    b.raw(ADD_USER).unwrap();
    b.raw(ADD_USER).expect_err("user names are unique");
    b.raw(&format!(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at)
         SELECT {}, id, 't', 0, 1, 0 FROM users;
         INSERT INTO sign_in_attempts (key, at) VALUES ('u', 0);",
        blob(b, "0102")
    ))
    .unwrap();
    // Opening again applies nothing again (it would fail: the tables exist) and keeps all.
    for access in [Access::Write, Access::Create, Access::Read] {
        let s = open(&b.location(), access).unwrap();
        assert_eq!(lines(&*s), ["old line"], "{access:?}");
    }
    // The version recorded is the latest.
    b.raw(&format!(
        "DELETE FROM meta WHERE key = 'schema_version' AND value = '{}'",
        schema::LATEST
    ))
    .unwrap();
    let e = open(&b.location(), Access::Read).err().unwrap();
    assert!(matches!(e, StoreError::NotAStore(_)), "{e}");
}

fn a_reader_refuses_a_store_needing_migrations_or_of_a_newer_version(b: &dyn Backend) {
    first_version_store(b);
    let e = open(&b.location(), Access::Read).err().unwrap();
    assert!(
        matches!(e, StoreError::NeedsMigration { version: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("open it for writing once"), "{e}");
    // The reader migrated nothing.
    b.raw("SELECT * FROM users").unwrap_err();
    b.raw("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    for access in [Access::Read, Access::Write, Access::Create] {
        let e = open(&b.location(), access).err().unwrap();
        assert!(matches!(e, StoreError::Version(_)), "{access:?}: {e}");
        assert!(e.to_string().contains("schema version 99"), "{e}");
    }
    // A store of version 1 (a forgeable 64-bit content hash) is re-imported, not migrated.
    b.raw("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        .unwrap();
    for access in [Access::Read, Access::Write, Access::Create] {
        let e = open(&b.location(), access).err().unwrap();
        assert!(
            matches!(e, StoreError::SchemaVersion { .. }),
            "{access:?}: {e}"
        );
        assert!(e.to_string().contains("re-import"), "{e}");
    }
}

fn a_reader_writes_nothing(b: &dyn Backend) {
    open(&b.location(), Access::Create)
        .unwrap()
        .append(&batch(&["a"]))
        .unwrap();
    let mut r = open(&b.location(), Access::Read).unwrap();
    assert!(r.append(&batch(&["b"])).is_err());
    drop(r);
    let s = open(&b.location(), Access::Read).unwrap();
    assert_eq!(lines(&*s), [event("a").raw]);
}

fn no_store_no_schema(b: &dyn Backend) {
    if b.dialect() == Dialect::Sqlite {
        let e = open(&b.location(), Access::Read).err().unwrap();
        assert!(matches!(e, StoreError::NotFound(_)), "{e}");
        // An empty file.
        b.raw("").unwrap();
    } else {
        let Location::Postgres(url) = b.location() else {
            unreachable!("a PostgreSQL back end")
        };
        let missing = format!("{url}_missing");
        let e = open(&Location::parse(&missing).unwrap(), Access::Create)
            .err()
            .unwrap();
        assert!(matches!(e, StoreError::NotFound(_)), "{e}");
        assert!(e.to_string().contains("does not exist"), "{e}");
    }
    // An empty database is not a store for reading or writing, and is left empty.
    for access in [Access::Read, Access::Write] {
        let e = open(&b.location(), access).err().unwrap();
        assert!(matches!(e, StoreError::NotAStore(_)), "{access:?}: {e}");
    }
    b.raw("SELECT * FROM events").unwrap_err();
    // Another application's tables: not a store, and nothing is added.
    b.raw("CREATE TABLE events (x INTEGER)").unwrap();
    for access in [Access::Read, Access::Write, Access::Create] {
        let e = open(&b.location(), access).err().unwrap();
        assert!(matches!(e, StoreError::NotAStore(_)), "{access:?}: {e}");
    }
    b.raw("SELECT * FROM meta").unwrap_err();
}

const ORGS: &str = "code,name,kind,cqc_rating,beds,extended_access
RJE,Acute trust,acute_trust,requires_improvement,10,
M83001,Surgery,gp_practice,good,,true
RH1,Residential home,residential_home,good,30,
";

const POPULATION: &str = "band,count\n0-17,30000\n18-64,80000\n65-74,10000\n75-84,6000\n85+,4000\n";

const EVENTS: &str = r#"{"id":"e1","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9434765919","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}
{"id":"e2","kind":"ae_arrival","at":"2017-02-03T09:10:00Z","person":"943 476 5919","attendance":"a1","org":"RJE","source":"ambulance","note":{"free":"kept"}}
{"id":"e3","kind":"ae_departure","at":"2017-02-03T14:40:00Z","person":"9434765919","attendance":"a1","outcome":"admitted"}
"#;

fn files(b: &dyn Backend, events: &str) -> Vec<PathBuf> {
    let d = b.dir();
    std::fs::write(d.join("orgs.csv"), ORGS).unwrap();
    std::fs::write(d.join("population.csv"), POPULATION).unwrap();
    std::fs::write(d.join("events.jsonl"), events).unwrap();
    ["orgs.csv", "population.csv", "events.jsonl"]
        .iter()
        .map(|f| d.join(f))
        .collect()
}

fn import_and_export_round_trip_through_a_location(b: &dyn Backend) {
    let files = files(b, EVENTS);
    let loc = b.location();
    let wait = Duration::from_secs(5);
    let s = import_into(&loc, &files, wait, &|_| {}).unwrap();
    assert_eq!((s.events_added, s.orgs, s.population), (3, 3, true));
    let again = import_into(&loc, &files, wait, &|_| {}).unwrap();
    assert_eq!((again.events_added, again.events_already_stored), (0, 3));
    let store = open(&loc, Access::Read).unwrap();
    let out = b.dir().join("out");
    let e = store::export(&*store, &out, false).unwrap();
    assert_eq!(e.events, 3);
    assert_eq!(
        std::fs::read_to_string(out.join("events.jsonl")).unwrap(),
        EVENTS
    );
    assert_eq!(std::fs::read_to_string(out.join("orgs.csv")).unwrap(), ORGS);
    assert_eq!(
        std::fs::read_to_string(out.join("population.csv")).unwrap(),
        POPULATION
    );
}

fn a_failed_first_import_leaves_no_store(b: &dyn Backend) {
    let bad = EVENTS.replace("9434765919\",\"birth", "9434765918\",\"birth");
    let files = files(b, &bad);
    let loc = b.location();
    let e = import_into(&loc, &files, Duration::from_secs(5), &|_| {}).unwrap_err();
    assert!(e.to_string().contains("modulus-11"), "{e}");
    match b.dialect() {
        Dialect::Sqlite => assert!(!b.dir().join("store.db").exists()),
        // The schema was created inside the import's transaction, and rolled back with it.
        Dialect::Postgres => {
            b.raw("SELECT * FROM meta").unwrap_err();
        }
    }
    let e = open(&loc, Access::Read).err().unwrap();
    assert!(
        matches!(e, StoreError::NotFound(_) | StoreError::NotAStore(_)),
        "{e}"
    );
}

/// Folds by counting: the bytes are the events' ids, one a line.
struct Ids(Vec<String>);

impl store::Fold for Ids {
    fn push(&mut self, p: &journey_log::ParsedEvent, _: &str) {
        self.0.push(p.event.id.to_string());
    }
    fn finish(&mut self) -> Option<(u32, Vec<u8>)> {
        Some((7, self.0.join("\n").into_bytes()))
    }
}

fn facts_are_kept_with_the_import_that_folds_them(b: &dyn Backend) {
    let files = files(b, EVENTS);
    let loc = b.location();
    let wait = Duration::from_secs(5);
    let fold = || Box::new(Ids(Vec::new())) as Box<dyn store::Fold + Send>;
    store::import_into_folding(&loc, &files, wait, &|_| {}, Some(&fold)).unwrap();
    let s = open(&loc, Access::Read).unwrap();
    let kept = s.facts_snapshot().unwrap().unwrap();
    assert_eq!((kept.covers, kept.format), (s.last_seq().unwrap(), 7));
    assert_eq!(kept.bytes, b"e1\ne2\ne3");
    drop(s);
    // An import without a fold leaves them as they were: they cover what they covered.
    let more = b.dir().join("more.jsonl");
    std::fs::write(
        &more,
        r#"{"id":"e4","kind":"death","at":"2017-03-01T00:00:00Z","person":"9434765919"}
"#,
    )
    .unwrap();
    import_into(&loc, std::slice::from_ref(&more), wait, &|_| {}).unwrap();
    let s = open(&loc, Access::Read).unwrap();
    assert_eq!(s.facts_snapshot().unwrap().unwrap(), kept);
    let mut tail = Vec::new();
    s.scan_since(kept.covers, &mut |_, raw| tail.push(raw.to_string()))
        .unwrap();
    assert_eq!(tail.len(), 1);
    assert!(tail[0].contains("\"e4\""));
    drop(s);
    // A folding import of nothing new folds the whole log again, stored before it.
    store::import_into_folding(&loc, &[more], wait, &|_| {}, Some(&fold)).unwrap();
    let s = open(&loc, Access::Read).unwrap();
    let now = s.facts_snapshot().unwrap().unwrap();
    assert_eq!(
        (now.covers, now.bytes),
        (s.last_seq().unwrap(), b"e1\ne2\ne3\ne4".to_vec())
    );
}

fn facts_brought_up_to_date_never_replace_newer_ones(b: &dyn Backend) {
    let mut s = open(&b.location(), Access::Create).unwrap();
    s.append(&batch(&["a", "b"])).unwrap();
    let put = |covers, format, bytes: &[u8]| Batch {
        facts: Some(store::NewFacts {
            covers,
            format,
            bytes: bytes.to_vec(),
        }),
        ..Batch::default()
    };
    let last = s.last_seq().unwrap();
    s.append(&put(store::Covers::Through(last), 1, b"new"))
        .unwrap();
    // A refresh that read less comes too late: the newer facts stay.
    s.append(&put(store::Covers::Through(last - 1), 1, b"old"))
        .unwrap();
    let kept = s.facts_snapshot().unwrap().unwrap();
    assert_eq!((kept.covers, kept.bytes.as_slice()), (last, &b"new"[..]));
    // Facts of another format replace them whatever they cover (their writer cannot read
    // these).
    s.append(&put(store::Covers::Through(last - 1), 2, b"other"))
        .unwrap();
    let kept = s.facts_snapshot().unwrap().unwrap();
    assert_eq!((kept.covers, kept.format), (last - 1, 2));
    // A batch's facts cover its events.
    let mut with_events = put(store::Covers::Batch, 2, b"all");
    with_events.events = vec![event("c")];
    s.append(&with_events).unwrap();
    let kept = s.facts_snapshot().unwrap().unwrap();
    assert!(kept.covers > last);
    assert_eq!(kept.covers, s.last_seq().unwrap());
    // Facts are not events: they may be replaced.
    b.raw("UPDATE facts_snapshot SET bytes = bytes").unwrap();
}

fn a_store_of_the_version_before_the_kept_facts_is_read_as_it_stands(b: &dyn Backend) {
    let before: String = schema::MIGRATIONS
        .iter()
        .filter(|m| m.version <= schema::READS_FROM)
        .map(|m| m.sql(b.dialect()))
        .collect();
    b.raw(&format!(
        "{before}\nINSERT INTO meta (key, value) VALUES ('schema_version', '{}');
         INSERT INTO events (id, kind, at_ns, person, content_digest, raw) VALUES ('old', 'death', 0, NULL, {}, 'old line');",
        schema::READS_FROM,
        blob(b, "07")
    ))
    .unwrap();
    let s = open(&b.location(), Access::Read).unwrap();
    assert_eq!(lines(&*s), ["old line"]);
    assert_eq!(s.facts_snapshot().unwrap(), None);
    drop(s);
    // The reader migrated nothing; a writer does.
    b.raw("SELECT * FROM facts_snapshot").unwrap_err();
    drop(open(&b.location(), Access::Write).unwrap());
    b.raw("SELECT * FROM facts_snapshot").unwrap();
}
