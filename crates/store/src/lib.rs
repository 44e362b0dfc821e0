//! The journey log store.
//!
//! [`JourneyStore`] is what the rest of the system asks of a store: its registers, its events in
//! the order they were imported ([`StoreRead`]), a consistent snapshot to read from, and a write
//! transaction that holds the store's write lock from before its first read to its commit.
//! [`SqliteStore`] is the embedded store (one file), [`PgStore`] the same on PostgreSQL; both
//! hold the one schema of [`schema`], and [`open`] opens either from a [`Location`] (a path or
//! a `postgres://` URL). [`Accounts`] (users, sessions, failed sign-ins) are kept in the same
//! store ([`SqliteAccounts`], [`PgAccounts`]), opened by [`open_accounts`]; so are [`Plans`] (scenarios
//! saved from the plans page, comparisons queued and their results: [`open_plans`]) and the hash-chained
//! [`audit`] log ([`open_audit`]). [`import`] brings files in all or nothing, and [`export`] writes the log
//! and registers back out.
//!
//! *Invariant*: events are never updated or deleted (the schema refuses it with triggers); an
//! event is stored once per id, as the line it was imported as.
//!
//! *Invariant*: a writer validates against what the store holds and appends in one serialised
//! transaction ([`JourneyStore::write`]), so concurrent writers keep every rule of the log
//! whatever the interleaving.

pub mod accounts;
pub mod audit;
pub mod export;
pub mod import;
pub mod location;
pub mod pg;
pub mod pg_accounts;
pub mod pg_plans;
pub mod plans;
pub mod schema;
pub mod sqlite;
pub mod sqlite_accounts;
pub mod sqlite_plans;
pub mod testing;

pub use accounts::{Accounts, NewUser, Session, User};
pub use audit::{
    open_audit, open_audit_with, Action, AuditEntry, AuditFilter, AuditLog, BreakKind, ChainBreak,
    PgAudit, SqliteAudit, StoredEntry, Verified, REFUSED,
};
pub use export::{export, ExportError, ExportSummary, Staging};
pub use import::{
    import, import_folding, import_into, import_into_folding, import_with_progress,
    validate_stored, validate_stored_with, Fold, ImportError, ImportSummary, MakeFold,
};
pub use location::{open, open_accounts, open_plans, Location};
pub use pg::PgStore;
pub use pg_accounts::PgAccounts;
pub use pg_plans::PgPlans;
pub use plans::{NewPlanRun, PlanResult, PlanRun, PlanStatus, Plans, SavedScenario};
pub use sqlite::{Access, SqliteStore, DEFAULT_BUSY_TIMEOUT};
pub use sqlite_accounts::SqliteAccounts;
pub use sqlite_plans::SqlitePlans;

use domain::{OrgRegister, Population};
use std::time::Duration;

/// An error of the storage itself (not of the data given to it).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Shown with its causes (and without them as a source, so they are not shown twice).
    #[error("PostgreSQL error: {}", pg::describe(.0))]
    Postgres(postgres::Error),
    /// The PostgreSQL server could not be reached or refused the connection.
    #[error("cannot connect to the store {store}: {message}")]
    Connect { store: String, message: String },
    /// A `--db` that is neither a path nor a PostgreSQL URL (the URL's password is masked).
    #[error("{0}")]
    BadLocation(String),
    /// The store was written by an older joinedup: a writer migrates it.
    #[error("the store {store} has schema version {version}, this joinedup needs version {}: open it for writing once (for example, import into it) to migrate it", schema::LATEST)]
    NeedsMigration { store: String, version: u32 },
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    /// Another writer held the store's write lock for longer than the caller would wait.
    #[error("the store is busy: another import or the service has been writing to it for over {} s; nothing was written, try again when it has finished", .0.as_secs())]
    Busy(Duration),
    /// No store exists where one was expected.
    #[error("no store at {0}")]
    NotFound(String),
    /// The file or database exists but is not a joinedup store.
    #[error("{0} is not a joinedup store")]
    NotAStore(String),
    /// The store was written by another version of joinedup.
    #[error("{0}")]
    Version(String),
    /// A writer checkpointed into a store that was being read as an immutable file.
    /// The store was written in a layout this version no longer reads.
    #[error("the store has schema version {found}, and this version of joinedup reads only version {}: re-import its files into a new store", schema::LATEST)]
    SchemaVersion { found: String },
    /// What was asked conflicts with what is stored (a username taken ...).
    #[error("{0}")]
    Conflict(String),
    #[error("the store changed while it was being read; read it again")]
    ChangedWhileReading,
    /// The audit chain does not verify: the first entry that does not, and why.
    #[error("{0}")]
    AuditChain(audit::ChainBreak),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::Postgres(e)
    }
}

/// A new event to append: the line as given, with the columns the store indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: String,
    pub kind: String,
    /// Nanoseconds since the Unix epoch.
    pub at: i64,
    /// Ten digits, no spaces.
    pub person: Option<String>,
    /// The BLAKE3 digest of the event's normalised content.
    pub content_digest: journey_log::ContentDigest,
    pub raw: String,
}

impl NewEvent {
    /// The event of a parsed line, stored as `raw` (the line as given).
    pub fn of(parsed: &journey_log::ParsedEvent, raw: String) -> Self {
        let e = &parsed.event;
        NewEvent {
            id: e.id.to_string(),
            kind: e.body.kind().to_string(),
            at: e.at.0,
            person: e.person.map(|p| p.digits()),
            content_digest: parsed.content_digest(),
            raw,
        }
    }
}

/// The indicators' facts folded from the log, as their writer encoded them, kept so that a
/// reader folds only the events stored after them ([`StoreRead::scan_since`]`(covers)`). The
/// store keeps the bytes it is given and knows nothing of what they hold; events are never
/// updated, so facts that covered an event cover it for good.
#[derive(Clone, PartialEq, Eq)]
pub struct FactsSnapshot {
    /// The sequence number of the last event folded in: every event up to it, none after.
    pub covers: i64,
    /// The format of `bytes`, as their writer names it (a reader of another ignores them).
    pub format: u32,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FactsSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactsSnapshot")
            .field("covers", &self.covers)
            .field("format", &self.format)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Which events a facts snapshot written with a [`Batch`] covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covers {
    /// Every event stored once the batch is appended (an import folds them all).
    Batch,
    /// Those up to this sequence number (facts brought up to date outside the write): stored
    /// only over a snapshot that covers fewer, or is of another format.
    Through(i64),
}

/// Facts to store with a batch, replacing those stored.
#[derive(Clone, PartialEq, Eq)]
pub struct NewFacts {
    pub covers: Covers,
    pub format: u32,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for NewFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewFacts")
            .field("covers", &self.covers)
            .field("format", &self.format)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// What one write appends, all or nothing.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub events: Vec<NewEvent>,
    /// Organisations to add or replace (by code).
    pub orgs: Vec<domain::Org>,
    /// A population register replacing the stored one.
    pub population: Option<Population>,
    /// Audit entries recording the writing of these events, chained onto the audit log in the
    /// same transaction (the events and their record are stored together or not at all).
    pub audit: Vec<AuditEntry>,
    /// The indicators' facts to keep, in the same transaction ([`FactsSnapshot`]).
    pub facts: Option<NewFacts>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.orgs.is_empty()
            && self.population.is_none()
            && self.audit.is_empty()
            && self.facts.is_none()
    }
}

/// Reading a store: inside a snapshot or a write transaction, every call sees the same state.
pub trait StoreRead {
    /// The organisations register.
    fn orgs(&self) -> Result<OrgRegister, StoreError>;
    /// The population register, if one was imported.
    fn population(&self) -> Result<Option<Population>, StoreError>;
    /// Every event's line, in import order.
    fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError>;
    /// The events stored after sequence number `after` (0: all), with their sequence numbers,
    /// in import order. Sequence numbers grow with every append; they may have gaps.
    fn scan_since(&self, after: i64, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError>;
    /// The events about `person` (ten digits), with their sequence numbers, in import order
    /// (read through the person index: a record costs its own events, not the log's).
    fn scan_person(&self, person: &str, f: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError>;
    /// The content digests of those of `ids` that are stored (through the unique index of
    /// ids), each handed to `f` with its id, in no particular order.
    fn stored_digests(
        &self,
        ids: &[&str],
        f: &mut dyn FnMut(&str, journey_log::ContentDigest),
    ) -> Result<(), StoreError>;
    /// How many events are stored.
    fn event_count(&self) -> Result<u64, StoreError>;
    /// The facts snapshot kept with the log, if any.
    fn facts_snapshot(&self) -> Result<Option<FactsSnapshot>, StoreError>;
    /// The sequence number of the last event stored (0: none).
    fn last_seq(&self) -> Result<i64, StoreError>;
}

/// What `decide` in [`JourneyStore::write`] returns: a batch to append, or nothing to write.
pub type Decision = Result<Option<Batch>, StoreError>;

/// What a journey log store does, whatever holds it.
pub trait JourneyStore: StoreRead {
    /// How long a writer waits for another writer's lock before giving up with
    /// [`StoreError::Busy`].
    fn set_busy_timeout(&mut self, wait: Duration) -> Result<(), StoreError>;

    /// Runs `f` on one consistent snapshot of the store (no write lands half-way through it).
    fn read(
        &self,
        f: &mut dyn FnMut(&dyn StoreRead) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Takes the store's write lock (waiting for another writer up to the store's busy
    /// timeout), lets `decide` read the store as it stands under the lock, and appends the
    /// batch it returns in the same transaction. `Ok(None)` writes nothing. After any error
    /// nothing of the batch is stored. Returns whether a batch was appended.
    fn write(
        &mut self,
        decide: &mut dyn FnMut(&dyn StoreRead) -> Decision,
    ) -> Result<bool, StoreError>;

    /// Appends a batch in one transaction, checking nothing (the caller has): after an error
    /// nothing of it is stored.
    fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let mut batch = Some(batch.clone());
        self.write(&mut |_| Ok(batch.take())).map(|_| ())
    }
}
