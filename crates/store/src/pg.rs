//! The store on PostgreSQL: the same schema ([`crate::schema`]) and the same semantics as
//! [`crate::SqliteStore`].
//!
//! - [`JourneyStore::read`] runs in one `REPEATABLE READ READ ONLY` transaction: one snapshot.
//! - [`JourneyStore::write`] takes the store's write lock (a transaction-level advisory lock)
//!   before its first read, waiting for another writer up to the busy timeout (`lock_timeout`,
//!   then [`StoreError::Busy`]), lets `decide` read under the lock, appends the batch (events by
//!   `COPY ... BINARY`) and commits. After any error the transaction is rolled back.
//! - [`Access::Read`] connects with `default_transaction_read_only = on`: nothing is written.
//!
//! Connections are made without TLS (`NoTls`): a server on this machine or a trusted network.
//!
//! The `postgres` client is synchronous and runs its own small runtime: it must not be called
//! from inside a tokio runtime's async context (it would panic). Async callers (the web service)
//! call the store from `tokio::task::spawn_blocking`.

use crate::location::mask_password;
use crate::schema::{self, Dialect, State};
use crate::{
    Access, Batch, Covers, Decision, FactsSnapshot, JourneyStore, StoreError, StoreRead,
    DEFAULT_BUSY_TIMEOUT,
};
use domain::codes::{CqcRating, OrgKind};
use domain::{AgeBand, Org, OrgRegister, Population};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::types::Type;
use postgres::{Client, GenericClient, IsolationLevel, NoTls, Transaction};
use std::cell::RefCell;
use std::time::Duration;

/// The advisory lock every writer of a database takes ("joinedup" in ASCII).
const WRITE_LOCK: i64 = 0x6a6f_696e_6564_7570;

/// Events read from the server per round trip while scanning.
const SCAN_BATCH: i32 = 10_000;

/// The column type of `events.content_digest`.
const CONTENT_DIGEST_TYPE: Type = Type::BYTEA;

/// A journey log store in a PostgreSQL database.
pub struct PgStore {
    client: RefCell<Client>,
    /// The URL with its password masked, for messages.
    shown: String,
    busy_timeout: Duration,
    read_only: bool,
}

/// A PostgreSQL error as a sentence: the server's message and detail, or the client's.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        },
        // The client's error and its causes, each once.
        None => {
            let mut parts: Vec<String> = Vec::new();
            let mut cause: Option<&dyn std::error::Error> = Some(e);
            while let Some(c) = cause {
                let text = c.to_string();
                if !parts.iter().any(|p| p.contains(&text)) {
                    parts.push(text);
                }
                cause = c.source();
            }
            parts.join(": ")
        }
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// Maps a lock wait that ran out to [`StoreError::Busy`].
fn busy_or(e: postgres::Error, waited: Duration) -> StoreError {
    match e.code() {
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE => StoreError::Busy(waited),
        _ => e.into(),
    }
}

fn nested() -> StoreError {
    StoreError::Io(std::io::Error::other(
        "the PostgreSQL store was called while one of its reads was running",
    ))
}

/// Connects to `url`; read-only connections refuse every write on the server's side.
pub(crate) fn connect(url: &str, read_only: bool) -> Result<Client, StoreError> {
    let shown = mask_password(url);
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::BadLocation(format!("{shown}: not a PostgreSQL URL: {e}")))?;
    if read_only {
        let options = match config.get_options() {
            Some(o) => format!("{o} -c default_transaction_read_only=on"),
            None => "-c default_transaction_read_only=on".to_string(),
        };
        config.options(&options);
    }
    if config.get_application_name().is_none() {
        config.application_name("joinedup");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.connect(NoTls).map_err(|e| match e.code() {
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => StoreError::NotFound(format!(
            "{shown}: the database does not exist (create it first, for example with createdb)"
        )),
        _ => StoreError::Connect {
            store: shown.clone(),
            message: describe(&e),
        },
    })
}

/// The schema version the database holds (`None`: none of joinedup's tables, a new store).
fn schema_version(c: &mut impl GenericClient, shown: &str) -> Result<Option<u32>, StoreError> {
    let row = c.query_one(
        "SELECT to_regclass('meta') IS NOT NULL, to_regclass('events') IS NOT NULL,
                to_regclass('orgs') IS NOT NULL, to_regclass('population') IS NOT NULL",
        &[],
    )?;
    let present: Vec<bool> = (0..4).map(|i| row.get(i)).collect();
    if present.iter().all(|p| !p) {
        return Ok(None);
    }
    if !present.iter().all(|p| *p) {
        return Err(StoreError::NotAStore(shown.to_string()));
    }
    let version: Option<String> = c
        .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
        .map(|r| r.get(0));
    match version.and_then(|v| v.parse::<u32>().ok()) {
        Some(v) if v > 0 => Ok(Some(v)),
        _ => Err(StoreError::NotAStore(shown.to_string())),
    }
}

/// Takes the write lock for the rest of the transaction, waiting up to `wait`.
fn lock(tx: &mut Transaction<'_>, wait: Duration) -> Result<(), StoreError> {
    // 0 would mean "wait for ever".
    let ms = wait.as_millis().clamp(1, i32::MAX as u128);
    tx.batch_execute(&format!("SET LOCAL lock_timeout = {ms}"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
        .map_err(|e| busy_or(e, wait))?;
    Ok(())
}

/// Applies the migrations the database lacks, inside `tx` (which holds the write lock).
fn migrate_in(tx: &mut Transaction<'_>, shown: &str) -> Result<(), StoreError> {
    let version = schema_version(tx, shown)?;
    match schema::state(version) {
        State::Current => Ok(()),
        State::Ahead(v) => Err(StoreError::Version(schema::ahead_message(shown, v))),
        State::Legacy(v) => Err(StoreError::SchemaVersion {
            found: v.to_string(),
        }),
        State::Empty | State::Behind(_) => {
            for m in schema::pending(version.unwrap_or(0)) {
                tx.batch_execute(&m.sql(Dialect::Postgres))?;
            }
            tx.execute(schema::RECORD_VERSION, &[&schema::LATEST.to_string()])?;
            Ok(())
        }
    }
}

impl PgStore {
    /// Opens the store in the database at `url` (which must exist). [`Access::Create`] creates
    /// the schema in an empty database; [`Access::Write`] and [`Access::Create`] apply the
    /// migrations an older store lacks; [`Access::Read`] refuses a store that needs them.
    pub fn open(url: &str, access: Access) -> Result<Self, StoreError> {
        Self::open_inner(url, access, false)
    }

    /// Opens for an import: in an empty database the schema is created by the first write,
    /// inside its transaction, so a failed import leaves the database as it was.
    pub(crate) fn open_for_import(url: &str, wait: Duration) -> Result<Self, StoreError> {
        let mut store = Self::open_inner(url, Access::Create, true)?;
        store.busy_timeout = wait;
        Ok(store)
    }

    fn open_inner(url: &str, access: Access, defer_create: bool) -> Result<Self, StoreError> {
        let shown = mask_password(url);
        let read_only = access == Access::Read;
        let mut client = connect(url, read_only)?;
        let version = schema_version(&mut client, &shown)?;
        let migrate = match (schema::state(version), access) {
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
            (State::Current, _) | (State::Behind(_), Access::Read) => false,
            (State::Empty, _) => !defer_create,
            (State::Behind(_), _) => true,
        };
        if migrate {
            let mut tx = client.transaction()?;
            lock(&mut tx, DEFAULT_BUSY_TIMEOUT)?;
            migrate_in(&mut tx, &shown)?;
            tx.commit()?;
        }
        Ok(PgStore {
            client: RefCell::new(client),
            shown,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            read_only,
        })
    }

    /// The store's connection, for [`crate::PgAccounts`] (which keeps one of its own).
    pub(crate) fn into_client(self) -> Client {
        self.client.into_inner()
    }

    /// Runs `f` on the store's snapshot and returns what it computed.
    fn read_one<T>(
        &self,
        f: impl Fn(&dyn StoreRead) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut out = None;
        self.read(&mut |r| {
            out = Some(f(r)?);
            Ok(())
        })?;
        Ok(out.expect("the read ran"))
    }
}

/// Reads through the store's open transaction.
struct Reader<'a, 'c>(&'a RefCell<Transaction<'c>>);

impl Reader<'_, '_> {
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let mut tx = self.0.try_borrow_mut().map_err(|_| nested())?;
        Ok(tx.query(sql, params)?)
    }
}

impl StoreRead for Reader<'_, '_> {
    fn orgs(&self) -> Result<OrgRegister, StoreError> {
        let rows = self.query(
            "SELECT code, name, kind, cqc_rating, beds, extended_access FROM orgs ORDER BY seq",
            &[],
        )?;
        let mut register = OrgRegister::default();
        for r in rows {
            let kind: String = r.try_get(2)?;
            let rating: Option<String> = r.try_get(3)?;
            let beds: Option<i64> = r.try_get(4)?;
            register.upsert(Org {
                code: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: OrgKind::parse(&kind).map_err(corrupt)?,
                cqc_rating: rating
                    .map(|r| CqcRating::parse(&r))
                    .transpose()
                    .map_err(corrupt)?,
                beds: beds
                    .map(|b| u32::try_from(b).map_err(corrupt))
                    .transpose()?,
                extended_access: r.try_get(5)?,
            });
        }
        Ok(register)
    }

    fn population(&self) -> Result<Option<Population>, StoreError> {
        let rows = self.query("SELECT band, count FROM population", &[])?;
        let mut pop = Population::default();
        let mut any = false;
        for r in rows {
            let band: String = r.try_get(0)?;
            let count: i64 = r.try_get(1)?;
            let band =
                AgeBand::parse(&band).ok_or_else(|| corrupt(format!("unknown band {band}")))?;
            pop.set(band, u64::try_from(count).map_err(corrupt)?);
            any = true;
        }
        Ok(any.then_some(pop))
    }

    fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError> {
        let portal = {
            let mut tx = self.0.try_borrow_mut().map_err(|_| nested())?;
            tx.bind("SELECT raw FROM events ORDER BY seq", &[])?
        };
        let mut n = 0;
        loop {
            // The borrow ends before `f` runs, so `f` may read the store too.
            let rows = {
                let mut tx = self.0.try_borrow_mut().map_err(|_| nested())?;
                tx.query_portal(&portal, SCAN_BATCH)?
            };
            if rows.is_empty() {
                return Ok(n);
            }
            for r in &rows {
                f(r.try_get::<_, &str>(0)?);
                n += 1;
            }
        }
    }

    fn scan_since(&self, after: i64, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        let portal = {
            let mut tx = self.0.try_borrow_mut().map_err(|_| nested())?;
            tx.bind(
                "SELECT seq, raw FROM events WHERE seq > $1 ORDER BY seq",
                &[&after],
            )?
        };
        let mut n = 0;
        loop {
            let rows = {
                let mut tx = self.0.try_borrow_mut().map_err(|_| nested())?;
                tx.query_portal(&portal, SCAN_BATCH)?
            };
            if rows.is_empty() {
                return Ok(n);
            }
            for r in &rows {
                f(r.try_get::<_, i64>(0)?, r.try_get::<_, &str>(1)?);
                n += 1;
            }
        }
    }

    fn scan_person(&self, person: &str, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        let rows = self.query(
            "SELECT seq, raw FROM events WHERE person = $1 ORDER BY seq",
            &[&person],
        )?;
        for r in &rows {
            f(r.try_get::<_, i64>(0)?, r.try_get::<_, &str>(1)?);
        }
        Ok(rows.len() as u64)
    }

    fn stored_digests(
        &self,
        ids: &[&str],
        f: &mut dyn FnMut(&str, journey_log::ContentDigest),
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let rows = self.query(
            "SELECT id, content_digest FROM events WHERE id = ANY($1)",
            &[&ids],
        )?;
        for r in &rows {
            let id: &str = r.try_get(0)?;
            let digest: &[u8] = r.try_get(1)?;
            let digest = digest
                .try_into()
                .map_err(|_| corrupt(format!("event {id:?} has no 32-byte content digest")))?;
            f(id, digest);
        }
        Ok(())
    }

    fn event_count(&self) -> Result<u64, StoreError> {
        let rows = self.query("SELECT COUNT(*) FROM events", &[])?;
        let n: i64 = rows[0].try_get(0)?;
        Ok(n as u64)
    }

    fn facts_snapshot(&self) -> Result<Option<FactsSnapshot>, StoreError> {
        // A store of a version before them, read as it stands (`schema::READS_FROM`).
        let table = self.query("SELECT to_regclass('facts_snapshot')::text", &[])?;
        if table[0].try_get::<_, Option<String>>(0)?.is_none() {
            return Ok(None);
        }
        let rows = self.query(
            "SELECT covers, format, bytes FROM facts_snapshot WHERE id = 1",
            &[],
        )?;
        rows.first()
            .map(|r| {
                Ok(FactsSnapshot {
                    covers: r.try_get(0)?,
                    format: u32::try_from(r.try_get::<_, i64>(1)?).map_err(corrupt)?,
                    bytes: r.try_get(2)?,
                })
            })
            .transpose()
    }

    fn last_seq(&self) -> Result<i64, StoreError> {
        let rows = self.query("SELECT COALESCE(MAX(seq), 0) FROM events", &[])?;
        Ok(rows[0].try_get(0)?)
    }
}

fn insert(tx: &mut Transaction<'_>, batch: &Batch) -> Result<(), StoreError> {
    if !batch.orgs.is_empty() {
        let stmt = tx.prepare(
            "INSERT INTO orgs (code, name, kind, cqc_rating, beds, extended_access) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             cqc_rating = excluded.cqc_rating, beds = excluded.beds, extended_access = excluded.extended_access",
        )?;
        for o in &batch.orgs {
            tx.execute(
                &stmt,
                &[
                    &o.code,
                    &o.name,
                    &o.kind.as_str(),
                    &o.cqc_rating.map(|r| r.as_str()),
                    &o.beds.map(i64::from),
                    &o.extended_access,
                ],
            )?;
        }
    }
    if let Some(pop) = &batch.population {
        tx.execute("DELETE FROM population", &[])?;
        let stmt = tx.prepare("INSERT INTO population (band, count) VALUES ($1, $2)")?;
        for b in AgeBand::ALL {
            let count = i64::try_from(pop.count(b)).map_err(corrupt)?;
            tx.execute(&stmt, &[&b.as_str(), &count])?;
        }
    }
    if !batch.events.is_empty() {
        copy_events(tx, &batch.events)?;
    }
    if !batch.audit.is_empty() {
        crate::audit::pg_chain_in(tx, &batch.audit)?;
    }
    if let Some(facts) = &batch.facts {
        let covers = match facts.covers {
            Covers::Batch => {
                let rows = tx.query("SELECT COALESCE(MAX(seq), 0) FROM events", &[])?;
                rows[0].try_get::<_, i64>(0)?
            }
            Covers::Through(seq) => seq,
        };
        tx.execute(
            "INSERT INTO facts_snapshot (id, covers, format, bytes) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET covers = excluded.covers, format = excluded.format,
             bytes = excluded.bytes
             WHERE facts_snapshot.covers <= excluded.covers OR facts_snapshot.format <> excluded.format",
            &[&covers, &i64::from(facts.format), &facts.bytes],
        )?;
    }
    Ok(())
}

/// Stores `events` by the bulk path.
fn copy_events(tx: &mut Transaction<'_>, events: &[crate::NewEvent]) -> Result<(), StoreError> {
    // The bulk path: one COPY in binary for the whole batch.
    let copy =
        tx.copy_in("COPY events (id, kind, at_ns, person, content_digest, raw) FROM STDIN BINARY")?;
    let mut w = BinaryCopyInWriter::new(
        copy,
        &[
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            CONTENT_DIGEST_TYPE,
            Type::TEXT,
        ],
    );
    for e in events {
        w.write(&[
            &e.id,
            &e.kind,
            &e.at,
            &e.person,
            &&e.content_digest[..],
            &e.raw,
        ])?;
    }
    w.finish().map_err(|err| match err.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => StoreError::Corrupt(format!(
            "an event id is already stored: the batch was not validated against the store ({})",
            describe(&err)
        )),
        _ => err.into(),
    })?;
    Ok(())
}

impl StoreRead for PgStore {
    fn orgs(&self) -> Result<OrgRegister, StoreError> {
        self.read_one(|r| r.orgs())
    }
    fn population(&self) -> Result<Option<Population>, StoreError> {
        self.read_one(|r| r.population())
    }
    fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError> {
        let mut n = 0;
        self.read(&mut |r| {
            n = r.scan(f)?;
            Ok(())
        })?;
        Ok(n)
    }
    fn event_count(&self) -> Result<u64, StoreError> {
        self.read_one(|r| r.event_count())
    }
    fn facts_snapshot(&self) -> Result<Option<FactsSnapshot>, StoreError> {
        self.read_one(|r| r.facts_snapshot())
    }
    fn last_seq(&self) -> Result<i64, StoreError> {
        self.read_one(|r| r.last_seq())
    }
    fn scan_since(&self, after: i64, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        let mut n = 0;
        self.read(&mut |r| {
            n = r.scan_since(after, f)?;
            Ok(())
        })?;
        Ok(n)
    }
    fn scan_person(&self, person: &str, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
        let mut n = 0;
        self.read(&mut |r| {
            n = r.scan_person(person, f)?;
            Ok(())
        })?;
        Ok(n)
    }
    fn stored_digests(
        &self,
        ids: &[&str],
        f: &mut dyn FnMut(&str, journey_log::ContentDigest),
    ) -> Result<(), StoreError> {
        self.read(&mut |r| r.stored_digests(ids, f))
    }
}

impl JourneyStore for PgStore {
    fn set_busy_timeout(&mut self, wait: Duration) -> Result<(), StoreError> {
        self.busy_timeout = wait;
        Ok(())
    }

    fn read(
        &self,
        f: &mut dyn FnMut(&dyn StoreRead) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut client = self.client.try_borrow_mut().map_err(|_| nested())?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let tx = RefCell::new(tx);
        f(&Reader(&tx))?;
        tx.into_inner().commit()?;
        Ok(())
    }

    fn write(
        &mut self,
        decide: &mut dyn FnMut(&dyn StoreRead) -> Decision,
    ) -> Result<bool, StoreError> {
        if self.read_only {
            return Err(StoreError::Io(std::io::Error::other(
                "the store was opened for reading only",
            )));
        }
        let wait = self.busy_timeout;
        let client = self.client.get_mut();
        let mut tx = client.transaction()?;
        lock(&mut tx, wait)?;
        // A store opened for an import into an empty database gets its schema here.
        migrate_in(&mut tx, &self.shown)?;
        let tx = RefCell::new(tx);
        let Some(batch) = decide(&Reader(&tx))? else {
            return Ok(false);
        };
        let mut tx = tx.into_inner();
        insert(&mut tx, &batch)?;
        tx.commit()?;
        Ok(true)
    }
}
