//! The audit log: who saw or did what, in a hash chain (`access.md`, "Audit").
//!
//! Each entry's `hash` is SHA-256 over the previous entry's hash (32 zero bytes for the first)
//! and the entry's canonical content ([`AuditEntry::canonical`]), so that altering, removing or
//! reordering an entry breaks the chain from there on. A chain alone cannot show that its tail
//! was cut off: the count of entries and the last hash are kept as an *anchor* in `meta`
//! (`audit_count`, `audit_head`), updated in the transaction that appends, and appends chain on
//! from the anchor (so a cut tail shows as missing entries even after later appends).
//!
//! Appends are serialised (SQLite `BEGIN IMMEDIATE`, PostgreSQL an advisory transaction lock of
//! its own), so concurrent appenders keep one chain. The table is append-only (migration 3's
//! triggers); [`AuditLog::verify`] finds what someone with access to the database did anyway.

use crate::location::mask_password;
use crate::pg::connect;
use crate::sqlite::{Access, SqliteStore};
use crate::{Location, PgStore, StoreError};
use postgres::Client;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::cell::{RefCell, RefMut};
use std::fmt;
use std::path::Path;

/// What was done: the closed vocabulary of `access.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    SignIn,
    SignInFailed,
    SignOut,
    ViewPerson,
    SearchPerson,
    BreakGlass,
    PrivacyOutcome,
    Export,
    Append,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::SignIn,
        Action::SignInFailed,
        Action::SignOut,
        Action::ViewPerson,
        Action::SearchPerson,
        Action::BreakGlass,
        Action::PrivacyOutcome,
        Action::Export,
        Action::Append,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
            Action::ViewPerson => "view_person",
            Action::SearchPerson => "search_person",
            Action::BreakGlass => "break_glass",
            Action::PrivacyOutcome => "privacy_outcome",
            Action::Export => "export",
            Action::Append => "append",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not one of [`Action::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an audit action (one of: sign_in, sign_in_failed, sign_out, view_person, search_person, break_glass, privacy_outcome, export, append)")]
pub struct UnknownAction(pub String);

impl std::str::FromStr for Action {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

/// One thing someone did or saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    pub username: String,
    /// The user's organisation (empty for a failed sign-in of an unknown user).
    pub org: String,
    pub action: Action,
    /// The NHS number (ten digits) of the person concerned, if any.
    pub person: Option<String>,
    pub reason: Option<String>,
    /// The client's address.
    pub client: Option<String>,
}

/// The canonical encoding's version byte.
const CANONICAL_V1: u8 = 1;

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

impl AuditEntry {
    /// The entry's content as bytes no two different entries share: a version byte, `at` as 8
    /// big-endian bytes, then each text field length-prefixed (8 big-endian bytes), the optional
    /// ones behind a 0 (absent) or 1 (present) byte.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.push(CANONICAL_V1);
        out.extend_from_slice(&self.at.to_be_bytes());
        put_str(&mut out, &self.username);
        put_str(&mut out, &self.org);
        put_str(&mut out, self.action.as_str());
        put_opt(&mut out, self.person.as_deref());
        put_opt(&mut out, self.reason.as_deref());
        put_opt(&mut out, self.client.as_deref());
        out
    }

    /// SHA-256(`prev` || canonical content).
    pub fn chain_hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(self.canonical());
        h.finalize().into()
    }
}

/// The previous hash of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// An entry as stored: its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// 1 for the first entry, one more for each after it.
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// Which entries to list: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub person: Option<String>,
    pub action: Option<Action>,
    /// From this Unix second on.
    pub from: Option<i64>,
    /// Before this Unix second.
    pub until: Option<i64>,
    /// At most this many (the newest); `None`: all.
    pub limit: Option<u64>,
    /// Only entries after this sequence number (those appended since it was read).
    pub after_seq: Option<i64>,
    /// Only the looks that showed a record: views not refused (see [`REFUSED`]) and break-glass
    /// access (the "who viewed this record" list of `access.md`).
    pub looks_only: bool,
}

/// How the reason of a refused view begins (`refused: <why>`): a look that showed nothing.
pub const REFUSED: &str = "refused";

/// A chain that verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
}

/// How a chain fails to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The entry's content does not give its hash.
    Altered,
    /// An entry before this one is missing.
    Removed,
    /// The entry is not where the chain puts it.
    Reordered,
    /// Entries at the end are missing (the anchor records more).
    Truncated,
    /// Entries follow the last one the anchor records (written around joinedup).
    Unanchored,
    /// A stored value cannot be read as an entry.
    Unreadable,
}

impl BreakKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Altered => "altered",
            BreakKind::Removed => "removed",
            BreakKind::Reordered => "reordered",
            BreakKind::Truncated => "truncated",
            BreakKind::Unanchored => "unanchored",
            BreakKind::Unreadable => "unreadable",
        }
    }
}

/// The first entry that does not verify, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ChainBreak {
    /// The entry named (for a truncation, the first missing one).
    pub seq: i64,
    pub kind: BreakKind,
    pub message: String,
}

/// The audit log of a store.
pub trait AuditLog: Send {
    /// Appends `e` at the end of the chain, in one serialised transaction.
    fn append(&mut self, e: &AuditEntry) -> Result<StoredEntry, StoreError> {
        let mut stored = self.append_all(std::slice::from_ref(e))?;
        stored
            .pop()
            .ok_or_else(|| StoreError::Corrupt("an audit append stored nothing".into()))
    }
    /// Appends `entries` in order, chained, in one transaction (one commit to disk): all of
    /// them or none.
    fn append_all(&mut self, entries: &[AuditEntry]) -> Result<Vec<StoredEntry>, StoreError>;
    /// The entries `filter` selects, oldest first.
    fn entries(&self, filter: &AuditFilter) -> Result<Vec<StoredEntry>, StoreError>;
    /// Checks the whole chain and its anchor: [`StoreError::AuditChain`] names the first entry
    /// that does not verify.
    fn verify(&self) -> Result<Verified, StoreError>;
}

/// Opens the audit log of the store at `location` on a connection of its own, for appending
/// (an older store is migrated; none is created).
pub fn open_audit(location: &Location) -> Result<Box<dyn AuditLog>, StoreError> {
    open_audit_with(location, Access::Write)
}

/// Opens the audit log with `access` ([`Access::Read`]: to list and verify only; appends fail).
pub fn open_audit_with(
    location: &Location,
    access: Access,
) -> Result<Box<dyn AuditLog>, StoreError> {
    let access = if access == Access::Create {
        Access::Write
    } else {
        access
    };
    Ok(match location {
        Location::Sqlite(path) => Box::new(SqliteAudit::open_with(path, access)?),
        Location::Postgres(url) => Box::new(PgAudit::open_with(url, access)?),
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// The hash as 64 hex digits.
pub fn hash_hex(h: &[u8; 32]) -> String {
    hex(h)
}

/// The anchor: how many entries the chain has and the last one's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Anchor {
    count: i64,
    head: [u8; 32],
}

const ANCHOR_COUNT: &str = "audit_count";
const ANCHOR_HEAD: &str = "audit_head";

fn anchor_of(count: Option<String>, head: Option<String>) -> Result<Anchor, ChainBreak> {
    let unreadable = |m: String| ChainBreak {
        seq: 0,
        kind: BreakKind::Unreadable,
        message: m,
    };
    match (count, head) {
        (None, None) => Ok(Anchor {
            count: 0,
            head: GENESIS,
        }),
        (Some(c), Some(h)) => Ok(Anchor {
            count: c.parse().map_err(|_| {
                unreadable(format!("the audit anchor's count {c:?} is not a number"))
            })?,
            head: unhex(&h).ok_or_else(|| {
                unreadable(format!("the audit anchor's hash {h:?} is not a hash"))
            })?,
        }),
        _ => Err(unreadable(
            "the audit anchor is half missing (count or last hash)".into(),
        )),
    }
}

/// A row as read, before it is known to be an entry.
struct Row {
    seq: i64,
    at: i64,
    username: String,
    org: String,
    action: String,
    person: Option<String>,
    reason: Option<String>,
    client: Option<String>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

fn to_32(seq: i64, what: &str, b: &[u8]) -> Result<[u8; 32], ChainBreak> {
    b.try_into().map_err(|_| ChainBreak {
        seq,
        kind: BreakKind::Unreadable,
        message: format!("audit entry {seq}: its {what} is not 32 bytes"),
    })
}

impl Row {
    fn into_stored(self) -> Result<StoredEntry, ChainBreak> {
        let action = self.action.parse::<Action>().map_err(|e| ChainBreak {
            seq: self.seq,
            kind: BreakKind::Altered,
            message: format!("audit entry {} was altered: {e}", self.seq),
        })?;
        Ok(StoredEntry {
            seq: self.seq,
            prev_hash: to_32(self.seq, "previous hash", &self.prev_hash)?,
            hash: to_32(self.seq, "hash", &self.hash)?,
            entry: AuditEntry {
                at: self.at,
                username: self.username,
                org: self.org,
                action,
                person: self.person,
                reason: self.reason,
                client: self.client,
            },
        })
    }
}

/// Walks the rows in `seq` order; `hash_at` finds which entry holds a hash.
struct Verifier {
    expected_seq: i64,
    prev: [u8; 32],
    first_break: Option<ChainBreak>,
}

impl Verifier {
    fn new() -> Self {
        Verifier {
            expected_seq: 1,
            prev: GENESIS,
            first_break: None,
        }
    }

    /// Checks the next row; after the first break the rest are not looked at.
    fn row(&mut self, row: Row, hash_at: &mut dyn FnMut(&[u8]) -> Option<i64>) {
        if self.first_break.is_some() {
            return;
        }
        if let Err(b) = self.check(row, hash_at) {
            self.first_break = Some(b);
        }
    }

    fn check(
        &mut self,
        row: Row,
        hash_at: &mut dyn FnMut(&[u8]) -> Option<i64>,
    ) -> Result<(), ChainBreak> {
        let seq = row.seq;
        if seq != self.expected_seq {
            let missing = self.expected_seq;
            return Err(ChainBreak {
                seq: missing,
                kind: BreakKind::Removed,
                message: if seq == missing + 1 {
                    format!("audit entry {missing} was removed (the chain goes from entry {} to entry {seq})", missing - 1)
                } else {
                    format!(
                        "audit entries {missing} to {} were removed (the chain goes from entry {} to entry {seq})",
                        seq - 1,
                        missing - 1
                    )
                },
            });
        }
        let stored = row.into_stored()?;
        if stored.prev_hash != self.prev {
            let kind_and_message = match hash_at(&stored.prev_hash) {
                Some(other) if other != seq - 1 => (
                    BreakKind::Reordered,
                    format!(
                        "audit entry {seq} was reordered: it follows entry {other} in the chain, not entry {}",
                        seq - 1
                    ),
                ),
                _ => (
                    BreakKind::Removed,
                    format!(
                        "audit entry {seq} does not follow entry {}: the entry before it was removed or replaced",
                        seq - 1
                    ),
                ),
            };
            return Err(ChainBreak {
                seq,
                kind: kind_and_message.0,
                message: kind_and_message.1,
            });
        }
        if stored.entry.chain_hash(&stored.prev_hash) != stored.hash {
            return Err(ChainBreak {
                seq,
                kind: BreakKind::Altered,
                message: format!(
                    "audit entry {seq} was altered: its content ({} by {} at {}) does not give its hash",
                    stored.entry.action, stored.entry.username, stored.entry.at
                ),
            });
        }
        self.prev = stored.hash;
        self.expected_seq += 1;
        Ok(())
    }

    fn finish(self, anchor: Result<Anchor, ChainBreak>) -> Result<Verified, StoreError> {
        if let Some(b) = self.first_break {
            return Err(StoreError::AuditChain(b));
        }
        let anchor = anchor.map_err(StoreError::AuditChain)?;
        let count = self.expected_seq - 1;
        if count < anchor.count {
            return Err(StoreError::AuditChain(ChainBreak {
                seq: count + 1,
                kind: BreakKind::Truncated,
                message: if count + 1 == anchor.count {
                    format!("audit entry {} was removed from the end (the chain was truncated to {count} entries; the anchor records {})", count + 1, anchor.count)
                } else {
                    format!("audit entries {} to {} were removed from the end (the chain was truncated to {count} entries; the anchor records {})", count + 1, anchor.count, anchor.count)
                },
            }));
        }
        if count > anchor.count {
            return Err(StoreError::AuditChain(ChainBreak {
                seq: anchor.count + 1,
                kind: BreakKind::Unanchored,
                message: format!(
                    "audit entry {} and those after it were not appended by joinedup (the anchor records {} entries, the chain has {count})",
                    anchor.count + 1,
                    anchor.count
                ),
            }));
        }
        if self.prev != anchor.head {
            return Err(StoreError::AuditChain(ChainBreak {
                seq: count,
                kind: BreakKind::Altered,
                message: format!(
                    "audit entry {count} was replaced: the chain does not end in the hash the anchor records"
                ),
            }));
        }
        Ok(Verified {
            entries: count as u64,
        })
    }
}

const COLUMNS: &str = "seq, at, username, org, action, person, reason, client, prev_hash, hash";

// ---- SQLite ----

/// The audit log of a SQLite store, on a connection of its own.
pub struct SqliteAudit {
    store: SqliteStore,
    read_only: bool,
}

impl SqliteAudit {
    /// Opens the audit log of the store at `path` (which must exist) for appending.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Access::Write)
    }

    pub fn open_with(path: &Path, access: Access) -> Result<Self, StoreError> {
        let access = if access == Access::Create {
            Access::Write
        } else {
            access
        };
        Ok(SqliteAudit {
            store: SqliteStore::open_with(path, access)?,
            read_only: access == Access::Read,
        })
    }
}

fn sqlite_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: r.get(0)?,
        at: r.get(1)?,
        username: r.get(2)?,
        org: r.get(3)?,
        action: r.get(4)?,
        person: r.get(5)?,
        reason: r.get(6)?,
        client: r.get(7)?,
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}

fn sqlite_anchor(c: &rusqlite::Connection) -> Result<Result<Anchor, ChainBreak>, StoreError> {
    let get = |k: &str| -> Result<Option<String>, StoreError> {
        Ok(c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([k], |r| r.get(0))
            .optional()?)
    };
    Ok(anchor_of(get(ANCHOR_COUNT)?, get(ANCHOR_HEAD)?))
}

fn read_only_error() -> StoreError {
    StoreError::Io(std::io::Error::other(
        "the audit log was opened for reading only",
    ))
}

fn broken(b: ChainBreak) -> StoreError {
    StoreError::AuditChain(b)
}

/// A value of an audit filter's condition.
enum FilterValue {
    Text(String),
    Int(i64),
}

/// The `WHERE` clause of `f` with only the conditions it gives (so that the indexes on
/// `person` and `seq` are used: a condition written `(? IS NULL OR person = ?)` is a full scan),
/// with `placeholder(i)` for the `i`-th value, and the values in order.
fn filter_sql(
    f: &AuditFilter,
    placeholder: impl Fn(usize) -> String,
) -> (String, Vec<FilterValue>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    let mut add = |column: &str, op: &str, v: FilterValue| {
        values.push(v);
        conditions.push(format!("{column} {op} {}", placeholder(values.len())));
    };
    if let Some(u) = &f.username {
        add("username", "=", FilterValue::Text(u.clone()));
    }
    if let Some(p) = &f.person {
        add("person", "=", FilterValue::Text(p.clone()));
    }
    if let Some(a) = f.action {
        add("action", "=", FilterValue::Text(a.as_str().to_string()));
    }
    if let Some(t) = f.from {
        add("at", ">=", FilterValue::Int(t));
    }
    if let Some(t) = f.until {
        add("at", "<", FilterValue::Int(t));
    }
    if let Some(n) = f.after_seq {
        add("seq", ">", FilterValue::Int(n));
    }
    if f.looks_only {
        conditions.push(format!(
            "(action = '{}' OR (action = '{}' AND (reason IS NULL OR reason NOT LIKE '{REFUSED}%')))",
            Action::BreakGlass.as_str(),
            Action::ViewPerson.as_str(),
        ));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (clause, values)
}

/// Appends `entries` at the end of the chain inside `tx`, a SQLite write transaction (which
/// serialises appenders): the audit log's own appends, and entries written in the transaction of
/// the events they record ([`crate::Batch::audit`]).
pub(crate) fn sqlite_chain_in(
    tx: &rusqlite::Connection,
    entries: &[AuditEntry],
) -> Result<Vec<StoredEntry>, StoreError> {
    let anchor = sqlite_anchor(tx)?.map_err(broken)?;
    let (mut seq, mut head) = (anchor.count, anchor.head);
    let mut out = Vec::with_capacity(entries.len());
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit (seq, at, username, org, action, person, reason, client, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for e in entries {
        seq += 1;
        let hash = e.chain_hash(&head);
        insert.execute(params![
            seq,
            e.at,
            e.username,
            e.org,
            e.action.as_str(),
            e.person,
            e.reason,
            e.client,
            &head[..],
            &hash[..]
        ])?;
        out.push(StoredEntry {
            seq,
            entry: e.clone(),
            prev_hash: head,
            hash,
        });
        head = hash;
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    upsert.execute(params![ANCHOR_COUNT, seq.to_string()])?;
    upsert.execute(params![ANCHOR_HEAD, hex(&head)])?;
    Ok(out)
}

impl AuditLog for SqliteAudit {
    fn append_all(&mut self, entries: &[AuditEntry]) -> Result<Vec<StoredEntry>, StoreError> {
        if self.read_only {
            return Err(read_only_error());
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.store.connection();
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(|e| crate::sqlite::busy_or(e, crate::DEFAULT_BUSY_TIMEOUT))?;
        let out = sqlite_chain_in(&tx, entries)?;
        tx.commit()
            .map_err(|e| crate::sqlite::busy_or(e, crate::DEFAULT_BUSY_TIMEOUT))?;
        Ok(out)
    }

    fn entries(&self, f: &AuditFilter) -> Result<Vec<StoredEntry>, StoreError> {
        let conn = self.store.connection();
        let (clause, values) = filter_sql(f, |i| format!("?{i}"));
        let limit = f.limit.map(|l| l.min(i64::MAX as u64) as i64).unwrap_or(-1);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT * FROM (SELECT {COLUMNS} FROM audit {clause} ORDER BY seq DESC LIMIT {limit}) ORDER BY seq"
        ))?;
        let params: Vec<rusqlite::types::Value> = values
            .into_iter()
            .map(|v| match v {
                FilterValue::Text(t) => rusqlite::types::Value::Text(t),
                FilterValue::Int(i) => rusqlite::types::Value::Integer(i),
            })
            .collect();
        let rows = stmt.query_map(rusqlite::params_from_iter(params), sqlite_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.into_stored().map_err(broken)?);
        }
        Ok(out)
    }

    fn verify(&self) -> Result<Verified, StoreError> {
        let conn = self.store.connection();
        // One snapshot for the rows and the anchor.
        let tx = conn.unchecked_transaction()?;
        let mut v = Verifier::new();
        {
            let mut find = tx.prepare("SELECT seq FROM audit WHERE hash = ?1")?;
            let mut stmt = tx.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
            let rows = stmt.query_map([], sqlite_row)?;
            for r in rows {
                let r = r?;
                v.row(r, &mut |h| {
                    find.query_row([h], |r| r.get::<_, i64>(0))
                        .optional()
                        .ok()
                        .flatten()
                });
                if v.first_break.is_some() {
                    break;
                }
            }
        }
        let anchor = sqlite_anchor(&tx)?;
        tx.commit()?;
        v.finish(anchor)
    }
}

// ---- PostgreSQL ----

/// The advisory lock serialising audit appends (apart from the store's write lock).
const AUDIT_LOCK: i64 = 0x6a6f_696e_6175_6474;

/// The audit log of a PostgreSQL store, on a connection of its own. Synchronous, like
/// [`crate::PgAccounts`]; a connection the server closed is made again on the next call.
pub struct PgAudit {
    /// Always `Some` until dropped.
    client: RefCell<Option<Client>>,
    url: String,
    read_only: bool,
}

impl Drop for PgAudit {
    /// Closed on a thread of its own: the client blocks when dropped, which an async worker
    /// may not do (see [`crate::PgAccounts`]).
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let closing = std::thread::Builder::new()
                .name("pg-audit-close".into())
                .spawn(move || drop(client));
            if let Ok(closing) = closing {
                let _ = closing.join();
            }
        }
    }
}

impl fmt::Debug for PgAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgAudit")
            .field("store", &mask_password(&self.url))
            .finish_non_exhaustive()
    }
}

impl PgAudit {
    /// Opens the audit log of the store in the database at `url` for appending.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, Access::Write)
    }

    pub fn open_with(url: &str, access: Access) -> Result<Self, StoreError> {
        let read_only = access == Access::Read;
        let access = if read_only {
            Access::Read
        } else {
            Access::Write
        };
        let client = PgStore::open(url, access)?.into_client();
        Ok(PgAudit {
            client: RefCell::new(Some(client)),
            url: url.to_string(),
            read_only,
        })
    }

    fn client(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let mut c = self.client.try_borrow_mut().map_err(|_| {
            StoreError::Io(std::io::Error::other(
                "the PostgreSQL audit log was called while one of its calls was running",
            ))
        })?;
        if c.as_ref().is_none_or(Client::is_closed) {
            *c = Some(connect(&self.url, self.read_only)?);
        }
        RefMut::filter_map(c, Option::as_mut)
            .map_err(|_| StoreError::Io(std::io::Error::other("no PostgreSQL connection")))
    }
}

fn pg_row(r: &postgres::Row) -> Result<Row, StoreError> {
    Ok(Row {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        username: r.try_get(2)?,
        org: r.try_get(3)?,
        action: r.try_get(4)?,
        person: r.try_get(5)?,
        reason: r.try_get(6)?,
        client: r.try_get(7)?,
        prev_hash: r.try_get(8)?,
        hash: r.try_get(9)?,
    })
}

fn pg_anchor(
    c: &mut impl postgres::GenericClient,
) -> Result<Result<Anchor, ChainBreak>, StoreError> {
    let mut get = |k: &str| -> Result<Option<String>, StoreError> {
        Ok(c.query_opt("SELECT value FROM meta WHERE key = $1", &[&k])?
            .map(|r| r.get(0)))
    };
    let count = get(ANCHOR_COUNT)?;
    let head = get(ANCHOR_HEAD)?;
    Ok(anchor_of(count, head))
}

/// Appends `entries` at the end of the chain inside `tx`, a PostgreSQL transaction, after taking
/// the audit log's advisory lock (held to the transaction's end): the audit log's own appends,
/// and entries written in the transaction of the events they record ([`crate::Batch::audit`]).
pub(crate) fn pg_chain_in(
    tx: &mut postgres::Transaction<'_>,
    entries: &[AuditEntry],
) -> Result<Vec<StoredEntry>, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])?;
    let anchor = pg_anchor(tx)?.map_err(broken)?;
    let (mut seq, mut head) = (anchor.count, anchor.head);
    let insert = tx.prepare(
        "INSERT INTO audit (seq, at, username, org, action, person, reason, client, prev_hash, hash) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        seq += 1;
        let hash = e.chain_hash(&head);
        tx.execute(
            &insert,
            &[
                &seq,
                &e.at,
                &e.username,
                &e.org,
                &e.action.as_str(),
                &e.person,
                &e.reason,
                &e.client,
                &&head[..],
                &&hash[..],
            ],
        )?;
        out.push(StoredEntry {
            seq,
            entry: e.clone(),
            prev_hash: head,
            hash,
        });
        head = hash;
    }
    let upsert = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    tx.execute(upsert, &[&ANCHOR_COUNT, &seq.to_string()])?;
    tx.execute(upsert, &[&ANCHOR_HEAD, &hex(&head)])?;
    Ok(out)
}

impl AuditLog for PgAudit {
    fn append_all(&mut self, entries: &[AuditEntry]) -> Result<Vec<StoredEntry>, StoreError> {
        if self.read_only {
            return Err(read_only_error());
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let out = pg_chain_in(&mut tx, entries)?;
        tx.commit()?;
        Ok(out)
    }

    fn entries(&self, f: &AuditFilter) -> Result<Vec<StoredEntry>, StoreError> {
        let mut client = self.client()?;
        let (clause, values) = filter_sql(f, |i| format!("${i}"));
        let limit = match f.limit {
            Some(l) => format!("LIMIT {}", l.min(i64::MAX as u64)),
            None => String::new(),
        };
        let params: Vec<Box<dyn postgres::types::ToSql + Sync>> = values
            .into_iter()
            .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
                match v {
                    FilterValue::Text(t) => Box::new(t),
                    FilterValue::Int(i) => Box::new(i),
                }
            })
            .collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.as_ref()).collect();
        let rows = client.query(
            &format!(
                "SELECT * FROM (SELECT {COLUMNS} FROM audit {clause} ORDER BY seq DESC {limit}) AS newest ORDER BY seq"
            ),
            &refs,
        )?;
        rows.iter()
            .map(|r| pg_row(r)?.into_stored().map_err(broken))
            .collect()
    }

    fn verify(&self) -> Result<Verified, StoreError> {
        let mut client = self.client()?;
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let anchor = pg_anchor(&mut tx)?;
        let mut v = Verifier::new();
        let find = tx.prepare("SELECT seq FROM audit WHERE hash = $1")?;
        // In pages, so that the lookups for a reordered entry can use the transaction.
        let mut last_seq = 0i64;
        loop {
            let page = tx
                .query(
                    &format!("SELECT {COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT 4096"),
                    &[&last_seq],
                )?
                .iter()
                .map(pg_row)
                .collect::<Result<Vec<_>, _>>()?;
            if page.is_empty() {
                break;
            }
            let n = page.len();
            for r in page {
                last_seq = r.seq;
                v.row(r, &mut |h| {
                    tx.query_opt(&find, &[&h])
                        .ok()
                        .flatten()
                        .map(|r| r.get::<_, i64>(0))
                });
                if v.first_break.is_some() {
                    break;
                }
            }
            if v.first_break.is_some() || n < 4096 {
                break;
            }
        }
        tx.commit()?;
        v.finish(anchor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: i64) -> AuditEntry {
        AuditEntry {
            at: 1_700_000_000 + n,
            username: format!("user{n}"),
            org: "RJE".into(),
            action: Action::ViewPerson,
            person: Some("9434765919".into()),
            reason: None,
            client: Some("127.0.0.1".into()),
        }
    }

    fn row(seq: i64, e: &AuditEntry, prev: [u8; 32], hash: [u8; 32]) -> Row {
        Row {
            seq,
            at: e.at,
            username: e.username.clone(),
            org: e.org.clone(),
            action: e.action.as_str().into(),
            person: e.person.clone(),
            reason: e.reason.clone(),
            client: e.client.clone(),
            prev_hash: prev.to_vec(),
            hash: hash.to_vec(),
        }
    }

    /// A valid chain of `n` entries as (seq, entry, prev, hash).
    fn chain(n: i64) -> Vec<(i64, AuditEntry, [u8; 32], [u8; 32])> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|i| {
                let e = entry(i);
                let h = e.chain_hash(&prev);
                let out = (i, e, prev, h);
                prev = h;
                out
            })
            .collect()
    }

    fn verify(
        rows: &[(i64, AuditEntry, [u8; 32], [u8; 32])],
        anchor: Anchor,
    ) -> Result<Verified, StoreError> {
        let mut v = Verifier::new();
        for (s, e, p, h) in rows {
            v.row(row(*s, e, *p, *h), &mut |x| {
                rows.iter().find(|r| r.3[..] == *x).map(|r| r.0)
            });
        }
        v.finish(Ok(anchor))
    }

    fn kind(r: Result<Verified, StoreError>) -> (i64, BreakKind) {
        match r {
            Err(StoreError::AuditChain(b)) => (b.seq, b.kind),
            other => panic!("expected a break, got {other:?}"),
        }
    }

    fn anchor(c: &[(i64, AuditEntry, [u8; 32], [u8; 32])]) -> Anchor {
        Anchor {
            count: c.len() as i64,
            head: c.last().map(|r| r.3).unwrap_or(GENESIS),
        }
    }

    #[test]
    fn the_canonical_encoding_tells_fields_apart() {
        let a = AuditEntry {
            username: "ab".into(),
            org: "c".into(),
            ..entry(1)
        };
        let b = AuditEntry {
            username: "a".into(),
            org: "bc".into(),
            ..entry(1)
        };
        assert_ne!(a.canonical(), b.canonical());
        let none = AuditEntry {
            person: None,
            ..entry(1)
        };
        let empty = AuditEntry {
            person: Some(String::new()),
            ..entry(1)
        };
        assert_ne!(none.canonical(), empty.canonical());
        assert_ne!(entry(1).chain_hash(&GENESIS), entry(1).chain_hash(&[1; 32]));
        assert_eq!(entry(1).chain_hash(&GENESIS), entry(1).chain_hash(&GENESIS));
    }

    #[test]
    fn actions_round_trip() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        assert!("look".parse::<Action>().is_err());
    }

    #[test]
    fn a_valid_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, anchor(&c)).unwrap(), Verified { entries: 5 });
        assert_eq!(verify(&[], anchor(&[])).unwrap(), Verified { entries: 0 });
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let c = chain(6);
        let a = anchor(&c);
        let mut altered = c.clone();
        altered[2].1.reason = Some("edited".into());
        assert_eq!(kind(verify(&altered, a)), (3, BreakKind::Altered));

        let mut removed = c.clone();
        removed.remove(3);
        assert_eq!(kind(verify(&removed, a)), (4, BreakKind::Removed));

        // Rows 3 and 4 swap everything but their place.
        let mut swapped = c.clone();
        let (x, y) = (swapped[2].clone(), swapped[3].clone());
        swapped[2] = (3, y.1, y.2, y.3);
        swapped[3] = (4, x.1, x.2, x.3);
        assert_eq!(kind(verify(&swapped, a)), (3, BreakKind::Reordered));

        let truncated = &c[..4];
        assert_eq!(kind(verify(truncated, a)), (5, BreakKind::Truncated));

        assert_eq!(
            kind(verify(&c, anchor(&c[..5]))),
            (6, BreakKind::Unanchored)
        );
    }

    #[test]
    fn hashes_round_trip_as_hex() {
        let h = entry(1).chain_hash(&GENESIS);
        assert_eq!(unhex(&hex(&h)), Some(h));
        assert_eq!(unhex("zz"), None);
    }
}
