//! The journey log store.
//!
//! [`JourneyStore`] is what the rest of the system asks of a store: its registers, its events in
//! the order they were imported, and an atomic append. [`SqliteStore`] is the embedded store (one
//! file); a PostgreSQL store implements the same trait. [`import`] brings files in all or
//! nothing, and [`export`] writes the log and registers back out.
//!
//! *Invariant*: events are never updated or deleted (the SQLite schema refuses it with
//! triggers); an event is stored once per id, as the line it was imported as.

pub mod export;
pub mod import;
pub mod sqlite;

pub use export::{export, ExportSummary};
pub use import::{import, import_with_progress, ImportError, ImportSummary};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};

use domain::{OrgRegister, Population};

/// An error of the storage itself (not of the data given to it).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A store written by another version of joinedup, in a layout this one does not read.
    #[error("the store has schema version {found}, and this version of joinedup reads only version {SCHEMA_VERSION}: re-import its files into a new store")]
    SchemaVersion { found: String },
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
    /// The BLAKE3 digest of the event's normalised content ([`journey_log::content`]).
    pub content_digest: journey_log::ContentDigest,
    pub raw: String,
}

/// What one import appends, all or nothing.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub events: Vec<NewEvent>,
    /// Organisations to add or replace (by code).
    pub orgs: Vec<domain::Org>,
    /// A population register replacing the stored one.
    pub population: Option<Population>,
}

/// What a journey log store does, whatever holds it.
pub trait JourneyStore {
    /// The organisations register.
    fn orgs(&self) -> Result<OrgRegister, StoreError>;
    /// The population register, if one was imported.
    fn population(&self) -> Result<Option<Population>, StoreError>;
    /// Every event's line, in import order.
    fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError>;
    /// Appends a batch in one transaction: after an error nothing of it is stored.
    fn append(&mut self, batch: &Batch) -> Result<(), StoreError>;
}
