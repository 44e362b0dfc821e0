//! The embedded store: one SQLite file.

use crate::{Batch, JourneyStore, StoreError};
use domain::codes::{CqcRating, OrgKind};
use domain::{AgeBand, Org, OrgRegister, Population};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at_ns INTEGER NOT NULL,
    person TEXT,
    content_digest BLOB NOT NULL CHECK (length(content_digest) = 32),
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_person ON events (person, at_ns);
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE IF NOT EXISTS orgs (
    seq INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    cqc_rating TEXT,
    beds INTEGER,
    extended_access INTEGER
);
CREATE TABLE IF NOT EXISTS population (band TEXT PRIMARY KEY, count INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '2');
";

/// The layout of the store this version writes and reads. Version 2 keeps each event's content
/// as a 32-byte BLAKE3 digest (version 1 kept a 64-bit hash, which could be forged).
pub const SCHEMA_VERSION: u32 = 2;

/// A journey log store in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens the store at `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Durable once acknowledged: every commit reaches the disk.
        conn.pragma_update(None, "synchronous", "FULL")?;
        check_schema_version(&conn)?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore { conn })
    }

    /// Opens an existing store, failing if the file does not exist.
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no store at {}", path.display()),
            )));
        }
        Self::open(path)
    }

    /// Number of stored events.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))?
            as u64)
    }
}

/// Refuses a store written in another layout (before anything is created in it).
fn check_schema_version(conn: &Connection) -> Result<(), StoreError> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(());
    }
    let found: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        Some(v) if v == SCHEMA_VERSION.to_string() => Ok(()),
        Some(found) => Err(StoreError::SchemaVersion { found }),
        None => Err(corrupt("it has no schema_version")),
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

impl JourneyStore for SqliteStore {
    fn orgs(&self) -> Result<OrgRegister, StoreError> {
        let mut stmt = self.conn.prepare(
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
        let mut stmt = self.conn.prepare("SELECT band, count FROM population")?;
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

    fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare("SELECT raw FROM events ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let raw = row.get_ref(0)?.as_str().map_err(corrupt)?;
            f(raw);
            n += 1;
        }
        Ok(n)
    }

    fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut org = tx.prepare(
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
                let mut ins = tx.prepare("INSERT INTO population (band, count) VALUES (?1, ?2)")?;
                for b in AgeBand::ALL {
                    ins.execute(params![b.as_str(), pop.count(b) as i64])?;
                }
            }
            let mut ins = tx.prepare(
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
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

impl SqliteStore {
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

    /// Tries to change a stored event (for tests of the append-only invariant).
    #[doc(hidden)]
    pub fn try_rewrite(&self, id: &str, raw: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("UPDATE events SET raw = ?2 WHERE id = ?1", [id, raw])?)
    }
}
