//! The embedded store: one SQLite file.
//!
//! Writers take the write lock before their first read (`BEGIN IMMEDIATE`), so what they
//! validate against is what they append to; a writer that finds the lock taken waits for it up
//! to its busy timeout. Readers never write: a reading command opened on a store it may not
//! write, or on a file that is not a store, changes nothing on disk (see [`Access::Read`]).

use crate::schema::{self, Dialect, State};
use crate::{Batch, Covers, Decision, FactsSnapshot, JourneyStore, StoreError, StoreRead};
use domain::codes::{CqcRating, OrgKind};
use domain::{AgeBand, Org, OrgRegister, Population};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How a store file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// For reading only: the file must be a store; nothing is written, no schema, no `-wal` or
    /// `-shm` file is created (when no writer has the store open, it is read as an immutable
    /// file and checked afterwards for a writer that checkpointed meanwhile).
    Read,
    /// For reading and writing an existing store.
    Write,
    /// For writing, creating the store if the file does not exist.
    Create,
}

/// How long a writer waits for another writer's lock by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A journey log store in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    busy_timeout: Duration,
    /// Opened as an immutable file: reads are checked against the file's size and time.
    immutable: bool,
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// The file's size and modification time: a checkpoint by a writer changes them.
fn file_stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// A `file:` URI for `path` (SQLite's URI syntax: `?`, `#` and `%` must be escaped).
fn file_uri(path: &Path, query: &str) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push('?');
    uri.push_str(query);
    uri
}

/// Maps a failure to take the lock to [`StoreError::Busy`].
pub(crate) fn busy_or(e: rusqlite::Error, waited: Duration) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy(waited),
        _ => e.into(),
    }
}

fn not_a_store(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotAStore(path.display().to_string()),
        _ => e.into(),
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Access::Create)
    }

    /// Opens an existing store for reading and writing, failing if the file does not exist.
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Access::Write)
    }

    /// Opens an existing store for reading only: nothing is written to the file or beside it.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Access::Read)
    }

    pub fn open_with(path: &Path, access: Access) -> Result<Self, StoreError> {
        let exists = path.exists();
        if !exists && access != Access::Create {
            return Err(StoreError::NotFound(path.display().to_string()));
        }
        if exists && path.is_dir() {
            return Err(StoreError::NotAStore(path.display().to_string()));
        }
        let (conn, immutable) = match access {
            Access::Read => {
                let immutable = !wal_path(path).exists();
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let query = if immutable { "immutable=1" } else { "mode=ro" };
                (
                    Connection::open_with_flags(file_uri(path, query), flags)?,
                    immutable,
                )
            }
            Access::Write | Access::Create => (Connection::open(path)?, false),
        };
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            immutable,
        };
        store.conn.busy_timeout(store.busy_timeout)?;
        let shown = path.display().to_string();
        let version = Self::schema_version(&store.conn, path, store.busy_timeout)?;
        match (schema::state(version), access) {
            (State::Ahead(v), _) => {
                return Err(StoreError::Version(schema::ahead_message(&shown, v)))
            }
            (State::Legacy(v), _) => {
                return Err(StoreError::SchemaVersion {
                    found: v.to_string(),
                })
            }
            (State::Empty, Access::Read | Access::Write) => {
                return Err(StoreError::NotAStore(shown))
            }
            (State::Behind(v), Access::Read) if v < schema::READS_FROM => {
                return Err(StoreError::NeedsMigration {
                    store: shown,
                    version: v,
                })
            }
            (State::Current | State::Behind(_), Access::Read) => {}
            (State::Empty | State::Behind(_), _) => store.migrate()?,
            (State::Current, _) => {}
        }
        if access != Access::Read {
            store
                .conn
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| busy_or(e, store.busy_timeout))?;
            // Durable once acknowledged: every commit reaches the disk.
            store.conn.pragma_update(None, "synchronous", "FULL")?;
        }
        Ok(store)
    }

    /// The schema version the file holds (`None`: no tables at all, a new store); errors when
    /// it holds another schema.
    fn schema_version(
        conn: &Connection,
        path: &Path,
        wait: Duration,
    ) -> Result<Option<u32>, StoreError> {
        let tables: Vec<String> = (|| {
            let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
            let names = stmt.query_map([], |r| r.get(0))?;
            names.collect::<Result<Vec<String>, _>>()
        })()
        .map_err(|e| not_a_store(path, e))
        .map_err(|e| match e {
            StoreError::Sqlite(e) => busy_or(e, wait),
            e => e,
        })?;
        if tables.is_empty() {
            return Ok(None);
        }
        // A store of an old layout is named as such, whatever tables that layout had.
        if tables.iter().any(|t| t == "meta") {
            let old: Option<u32> = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .and_then(|v| v.parse().ok());
            if let Some(v) = old.filter(|v| (1..schema::FIRST).contains(v)) {
                return Ok(Some(v));
            }
        }
        if !["meta", "events", "orgs", "population"]
            .iter()
            .all(|t| tables.iter().any(|n| n == t))
        {
            return Err(StoreError::NotAStore(path.display().to_string()));
        }
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match version.and_then(|v| v.parse::<u32>().ok()) {
            Some(v) if v > 0 => Ok(Some(v)),
            _ => Err(StoreError::NotAStore(path.display().to_string())),
        }
    }

    /// Applies the migrations the store lacks, in one transaction holding the write lock.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy_or(e, self.busy_timeout))?;
        // Another writer may have migrated it meanwhile.
        let version = Self::schema_version(&tx, &self.path, self.busy_timeout)?;
        match schema::state(version) {
            State::Current => return Ok(()),
            State::Ahead(v) => {
                return Err(StoreError::Version(schema::ahead_message(
                    &self.path.display().to_string(),
                    v,
                )))
            }
            State::Legacy(v) => {
                return Err(StoreError::SchemaVersion {
                    found: v.to_string(),
                })
            }
            State::Empty | State::Behind(_) => {}
        }
        for m in schema::pending(version.unwrap_or(0)) {
            tx.execute_batch(&m.sql(Dialect::Sqlite))?;
        }
        tx.execute(schema::RECORD_VERSION, [schema::LATEST.to_string()])?;
        tx.commit().map_err(|e| busy_or(e, self.busy_timeout))?;
        Ok(())
    }

    /// The connection (for the other tables of the store file).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The stored content digest of an event id, if stored.
    pub fn content_digest(
        &self,
        id: &str,
    ) -> Result<Option<journey_log::ContentDigest>, StoreError> {
        self.conn
            .query_row(
                "SELECT content_digest FROM events WHERE id = ?1",
                [id],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()?
            .map(|d| {
                d.try_into()
                    .map_err(|_| corrupt(format!("event {id:?} has no 32-byte content digest")))
            })
            .transpose()
    }

    /// Closes the connection, so that SQLite checkpoints and removes its `-wal` and `-shm`.
    pub fn close(self) -> Result<(), StoreError> {
        self.conn.close().map_err(|(_, e)| e.into())
    }
}

/// Reads through one connection (the store's, or its open transaction's).
struct Reader<'c>(&'c Connection);

impl Reader<'_> {
    /// Hands `f` each `(seq, raw)` row of `sql` (one parameter), and counts them.
    fn each_line(
        &self,
        sql: &str,
        param: impl rusqlite::ToSql,
        f: &mut dyn FnMut(i64, &str),
    ) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let mut rows = stmt.query([param])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let raw = row.get_ref(1)?.as_str().map_err(corrupt)?;
            f(seq, raw);
            n += 1;
        }
        Ok(n)
    }
}

impl StoreRead for Reader<'_> {
    fn orgs(&self) -> Result<OrgRegister, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT code, name, kind, cqc_rating, beds, extended_access FROM orgs ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<bool>>(5)?,
            ))
        })?;
        let mut register = OrgRegister::default();
        for row in rows {
            let (code, name, kind, rating, beds, extended_access) = row?;
            register.upsert(Org {
                kind: OrgKind::parse(&kind).map_err(corrupt)?,
                cqc_rating: rating
                    .map(|r| CqcRating::parse(&r))
                    .transpose()
                    .map_err(corrupt)?,
                beds: beds
                    .map(|b| u32::try_from(b).map_err(corrupt))
                    .transpose()?,
                extended_access,
                code,
                name,
            });
        }
        Ok(register)
    }

    fn population(&self) -> Result<Option<Population>, StoreError> {
        let mut stmt = self.0.prepare("SELECT band, count FROM population")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut pop = Population::default();
        let mut any = false;
        for row in rows {
            let (band, count) = row?;
            let band =
                AgeBand::parse(&band).ok_or_else(|| corrupt(format!("unknown band {band}")))?;
            pop.set(band, u64::try_from(count).map_err(corrupt)?);
            any = true;
        }
        Ok(any.then_some(pop))
    }

    fn event_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .0
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn facts_snapshot(&self) -> Result<Option<FactsSnapshot>, StoreError> {
        // A store of a version before them, read as it stands (`schema::READS_FROM`).
        let table: Option<i64> = self
            .0
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'facts_snapshot'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if table.is_none() {
            return Ok(None);
        }
        let row = self
            .0
            .query_row(
                "SELECT covers, format, bytes FROM facts_snapshot WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(covers, format, bytes)| {
            Ok(FactsSnapshot {
                covers,
                format: u32::try_from(format).map_err(corrupt)?,
                bytes,
            })
        })
        .transpose()
    }

    fn last_seq(&self) -> Result<i64, StoreError> {
        Ok(self
            .0
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?)
    }

    fn scan_since(&self, after: i64, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        self.each_line(
            "SELECT seq, raw FROM events WHERE seq > ?1 ORDER BY seq",
            after,
            f,
        )
    }

    fn scan_person(&self, person: &str, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        self.each_line(
            "SELECT seq, raw FROM events WHERE person = ?1 ORDER BY seq",
            person,
            f,
        )
    }

    fn stored_digests(
        &self,
        ids: &[&str],
        f: &mut dyn FnMut(&str, journey_log::ContentDigest),
    ) -> Result<(), StoreError> {
        // SQLite binds a bounded number of parameters a statement: the ids in chunks, each
        // size's statement prepared once.
        const CHUNK: usize = 256;
        for chunk in ids.chunks(CHUNK) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut stmt = self.0.prepare_cached(&format!(
                "SELECT id, content_digest FROM events WHERE id IN ({marks})"
            ))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(chunk.iter()))?;
            while let Some(row) = rows.next()? {
                let id = row.get_ref(0)?.as_str().map_err(corrupt)?;
                let digest = row.get_ref(1)?.as_blob().map_err(corrupt)?;
                let digest = digest
                    .try_into()
                    .map_err(|_| corrupt(format!("event {id:?} has no 32-byte content digest")))?;
                f(id, digest);
            }
        }
        Ok(())
    }

    fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare("SELECT raw FROM events ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let raw = row.get_ref(0)?.as_str().map_err(corrupt)?;
            f(raw);
            n += 1;
        }
        Ok(n)
    }
}

fn insert(tx: &Connection, batch: &Batch) -> Result<(), StoreError> {
    let mut org = tx.prepare_cached(
        "INSERT INTO orgs (code, name, kind, cqc_rating, beds, extended_access) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
         cqc_rating = excluded.cqc_rating, beds = excluded.beds, extended_access = excluded.extended_access",
    )?;
    for o in &batch.orgs {
        org.execute(params![
            o.code,
            o.name,
            o.kind.as_str(),
            o.cqc_rating.map(|r| r.as_str()),
            o.beds,
            o.extended_access
        ])?;
    }
    if let Some(pop) = &batch.population {
        tx.execute("DELETE FROM population", [])?;
        let mut ins = tx.prepare_cached("INSERT INTO population (band, count) VALUES (?1, ?2)")?;
        for b in AgeBand::ALL {
            ins.execute(params![b.as_str(), pop.count(b) as i64])?;
        }
    }
    let mut ins = tx.prepare_cached(
        "INSERT INTO events (id, kind, at_ns, person, content_digest, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for e in &batch.events {
        ins.execute(params![
            e.id,
            e.kind,
            e.at,
            e.person,
            &e.content_digest[..],
            e.raw
        ])
        .map_err(|err| match err.sqlite_error_code() {
            Some(ErrorCode::ConstraintViolation) => StoreError::Corrupt(format!(
                "event id {:?} is already stored: the batch was not validated against the store",
                e.id
            )),
            _ => err.into(),
        })?;
    }
    if !batch.audit.is_empty() {
        crate::audit::sqlite_chain_in(tx, &batch.audit)?;
    }
    if let Some(facts) = &batch.facts {
        let covers = match facts.covers {
            Covers::Batch => Reader(tx).last_seq()?,
            Covers::Through(seq) => seq,
        };
        tx.execute(
            "INSERT INTO facts_snapshot (id, covers, format, bytes) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET covers = excluded.covers, format = excluded.format,
             bytes = excluded.bytes
             WHERE facts_snapshot.covers <= excluded.covers OR facts_snapshot.format <> excluded.format",
            params![covers, i64::from(facts.format), facts.bytes],
        )?;
    }
    Ok(())
}

impl StoreRead for SqliteStore {
    fn orgs(&self) -> Result<OrgRegister, StoreError> {
        Reader(&self.conn).orgs()
    }
    fn population(&self) -> Result<Option<Population>, StoreError> {
        Reader(&self.conn).population()
    }
    fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError> {
        Reader(&self.conn).scan(f)
    }
    fn scan_since(&self, after: i64, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        Reader(&self.conn).scan_since(after, f)
    }
    fn scan_person(&self, person: &str, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        Reader(&self.conn).scan_person(person, f)
    }
    fn stored_digests(
        &self,
        ids: &[&str],
        f: &mut dyn FnMut(&str, journey_log::ContentDigest),
    ) -> Result<(), StoreError> {
        Reader(&self.conn).stored_digests(ids, f)
    }
    fn event_count(&self) -> Result<u64, StoreError> {
        Reader(&self.conn).event_count()
    }
    fn facts_snapshot(&self) -> Result<Option<FactsSnapshot>, StoreError> {
        Reader(&self.conn).facts_snapshot()
    }
    fn last_seq(&self) -> Result<i64, StoreError> {
        Reader(&self.conn).last_seq()
    }
}

impl JourneyStore for SqliteStore {
    fn set_busy_timeout(&mut self, wait: Duration) -> Result<(), StoreError> {
        self.busy_timeout = wait;
        self.conn.busy_timeout(wait)?;
        Ok(())
    }

    fn read(
        &self,
        f: &mut dyn FnMut(&dyn StoreRead) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if self.immutable {
            // Read as an immutable file: a writer that checkpointed into it meanwhile would
            // have changed its size or time, and the read is then not trusted.
            let before = file_stamp(&self.path);
            let result = f(&Reader(&self.conn));
            if file_stamp(&self.path) != before {
                return Err(StoreError::ChangedWhileReading);
            }
            return result;
        }
        // One read transaction: every statement sees the same snapshot.
        let tx = self.conn.unchecked_transaction()?;
        f(&Reader(&tx))?;
        tx.finish()?;
        Ok(())
    }

    fn write(
        &mut self,
        decide: &mut dyn FnMut(&dyn StoreRead) -> Decision,
    ) -> Result<bool, StoreError> {
        if self.immutable {
            return Err(StoreError::Io(std::io::Error::other(
                "the store was opened for reading only",
            )));
        }
        let waited = self.busy_timeout;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy_or(e, waited))?;
        let Some(batch) = decide(&Reader(&tx))? else {
            return Ok(false);
        };
        insert(&tx, &batch)?;
        tx.commit().map_err(|e| busy_or(e, waited))?;
        Ok(true)
    }
}
