//! The store's schema, defined once for every back end, as an ordered list of migrations.
//!
//! Tables and columns are written once, in SQL both SQLite and PostgreSQL read, with a few
//! placeholders for what differs by dialect ([`Dialect::render`]): `{seq}` (the identity column,
//! SQLite's rowid), `{int}` (a 64-bit integer), `{bool}` and `{blob}`. The append-only rule is
//! one [`Step::AppendOnly`], which becomes `RAISE(ABORT)` triggers on SQLite and a trigger
//! function on PostgreSQL. The version applied is kept in `meta` (`schema_version`): opening a
//! store for writing applies the missing migrations in one transaction; opening it for reading
//! refuses a store that needs any before [`READS_FROM`].

/// The SQL dialect of a back end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// One step of a migration.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// SQL for every dialect, with placeholders (see [`Dialect::render`]).
    Sql(&'static str),
    /// SQL that differs by dialect as a whole.
    Dialect {
        sqlite: &'static str,
        postgres: &'static str,
    },
    /// Refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) on a table, with a message.
    AppendOnly {
        table: &'static str,
        message: &'static str,
    },
}

/// One migration: applied once, in order, inside the transaction that applies its version.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub steps: &'static [Step],
}

/// The first version this joinedup reads: version 1 kept each event's content as a 64-bit
/// hash, which could be forged, and cannot be migrated without the lines' digests: such a
/// store is re-imported from its files.
pub const FIRST: u32 = MIGRATIONS[0].version;

/// The schema's current version: the last migration's.
pub const LATEST: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Every migration, in the order they are applied.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 2,
        name: "the journey log (each event with its content digest) and its registers",
        steps: &[
            Step::Sql(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq {seq},
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at_ns {int} NOT NULL,
    person TEXT,
    content_digest {blob} NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX events_person ON events (person, at_ns);
CREATE TABLE orgs (
    seq {seq},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    cqc_rating TEXT,
    beds {int},
    extended_access {bool}
);
CREATE TABLE population (band TEXT PRIMARY KEY, count {int} NOT NULL);",
            ),
            Step::Dialect {
                sqlite: "",
                postgres:
                    "CREATE FUNCTION joinedup_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END;
$$;",
            },
            Step::AppendOnly {
                table: "events",
                message: "events are append-only",
            },
        ],
    },
    Migration {
        version: 3,
        name: "users, sessions, sign-in attempts and the audit trail",
        steps: &[
            Step::Sql(
                "-- Times are Unix seconds (UTC).
CREATE TABLE users (
    id {seq},
    username TEXT NOT NULL UNIQUE,
    org TEXT NOT NULL,
    -- Role names of access.md, separated by commas.
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled {bool} NOT NULL DEFAULT FALSE,
    created_at {int} NOT NULL
);
CREATE TABLE sessions (
    -- SHA-256 of the session token: the token itself is never stored.
    id_hash {blob} PRIMARY KEY,
    user_id {int} NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at {int} NOT NULL,
    expires_at {int} NOT NULL,
    last_seen_at {int} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
-- One row per failed sign-in, by user name or by address, for rate limiting.
CREATE TABLE sign_in_attempts (key TEXT NOT NULL, at {int} NOT NULL);
CREATE INDEX sign_in_attempts_key ON sign_in_attempts (key, at);
-- Who saw or did what, chained: each entry's hash covers the previous entry's.
CREATE TABLE audit (
    seq {seq},
    at {int} NOT NULL,
    username TEXT NOT NULL,
    org TEXT NOT NULL,
    action TEXT NOT NULL,
    person TEXT,
    reason TEXT,
    client TEXT,
    prev_hash {blob} NOT NULL,
    hash {blob} NOT NULL UNIQUE
);
CREATE INDEX audit_person ON audit (person, seq);",
            ),
            Step::AppendOnly {
                table: "audit",
                message: "audit entries are append-only",
            },
        ],
    },
    Migration {
        version: 4,
        name: "plans: saved scenarios and the comparisons run in the background",
        steps: &[Step::Sql(
            "-- Scenarios made on the plans page: TOML that extends a built-in or another saved one.
CREATE TABLE plan_scenarios (
    id {seq},
    name TEXT NOT NULL UNIQUE,
    toml TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at {int} NOT NULL
);
-- Comparisons asked for on the plans page. Times are Unix seconds (UTC).
CREATE TABLE plan_runs (
    id {seq},
    requested_by TEXT NOT NULL,
    org TEXT NOT NULL,
    requested_at {int} NOT NULL,
    -- The scenarios' names, one a line, the first the one the others are compared with.
    scenarios TEXT NOT NULL,
    seed {int} NOT NULL,
    replications {int} NOT NULL,
    -- The date of the state the run starts from; NULL: each scenario's own warm-up.
    start_date TEXT,
    -- What the runner runs (the service's JSON: each scenario's TOML as run).
    request TEXT NOT NULL,
    -- queued, running, done or failed.
    status TEXT NOT NULL,
    done {int} NOT NULL,
    total {int} NOT NULL,
    started_at {int},
    -- When its runner last said it was still at it (a run whose runner died goes quiet).
    heartbeat_at {int},
    finished_at {int},
    -- Why it failed.
    message TEXT,
    result_json TEXT,
    result_html TEXT,
    result_csv TEXT
);
CREATE INDEX plan_runs_status ON plan_runs (status, id);",
        )],
    },
    Migration {
        version: 5,
        name: "the indicators' facts folded from the log, with the last event they cover",
        steps: &[Step::Sql(
            "-- One row at most: the bytes its writer gives (the store knows nothing of them), the
-- format they are in, and the sequence number of the last event folded into them.
CREATE TABLE facts_snapshot (
    id {int} PRIMARY KEY CHECK (id = 1),
    covers {int} NOT NULL,
    format {int} NOT NULL,
    bytes {blob} NOT NULL
);",
        )],
    },
];

impl Dialect {
    /// `sql` with its placeholders replaced by this dialect's types.
    pub fn render(self, sql: &str) -> String {
        let (seq, int, boolean, blob) = match self {
            Dialect::Sqlite => ("INTEGER PRIMARY KEY", "INTEGER", "INTEGER", "BLOB"),
            Dialect::Postgres => (
                "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                "BIGINT",
                "BOOLEAN",
                "BYTEA",
            ),
        };
        sql.replace("{seq}", seq)
            .replace("{int}", int)
            .replace("{bool}", boolean)
            .replace("{blob}", blob)
    }

    fn append_only(self, table: &str, message: &str) -> String {
        match self {
            Dialect::Sqlite => format!(
                "CREATE TRIGGER {table}_append_only_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{message}'); END;
CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            ),
            Dialect::Postgres => format!(
                "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION joinedup_append_only('{message}');
CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION joinedup_append_only('{message}');"
            ),
        }
    }
}

impl Migration {
    /// The migration's SQL in `dialect`, statements separated by `;`.
    pub fn sql(&self, dialect: Dialect) -> String {
        let mut out = String::new();
        for step in self.steps {
            let part = match *step {
                Step::Sql(sql) => dialect.render(sql),
                Step::Dialect { sqlite, postgres } => match dialect {
                    Dialect::Sqlite => sqlite.to_string(),
                    Dialect::Postgres => postgres.to_string(),
                },
                Step::AppendOnly { table, message } => dialect.append_only(table, message),
            };
            if !part.is_empty() {
                out.push_str(&part);
                out.push('\n');
            }
        }
        out
    }
}

/// The oldest version a reader reads as it stands: the migrations after it only add what a
/// reader does without (v5: the kept facts, read as none kept). A reader of an older store asks
/// for it to be migrated.
pub const READS_FROM: u32 = 4;

/// The migrations a store at `version` lacks, in order.
pub fn pending(version: u32) -> impl Iterator<Item = &'static Migration> {
    MIGRATIONS.iter().filter(move |m| m.version > version)
}

/// The statement recording that the schema is at [`LATEST`] (both dialects).
pub const RECORD_VERSION: &str = "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// What a store's recorded version means for a joinedup that knows [`LATEST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No schema at all: a new store.
    Empty,
    /// At [`LATEST`].
    Current,
    /// Older: the migrations after this version are to be applied.
    Behind(u32),
    /// Written by a newer joinedup.
    Ahead(u32),
    /// Older than [`FIRST`]: re-imported, not migrated.
    Legacy(u32),
}

/// Judges a recorded version (`None`: no schema).
pub fn state(version: Option<u32>) -> State {
    match version {
        None | Some(0) => State::Empty,
        Some(LATEST) => State::Current,
        Some(v) if v < FIRST => State::Legacy(v),
        Some(v) if v < LATEST => State::Behind(v),
        Some(v) => State::Ahead(v),
    }
}

/// The message for a store that another joinedup wrote.
pub fn ahead_message(store: &str, version: u32) -> String {
    format!(
        "the store {store} has schema version {version}, this joinedup knows versions up to {LATEST}: use a newer joinedup, or export it with the joinedup that wrote it and import the files into a new store"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_by_one_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 2, "{}", m.name);
        }
        assert_eq!((FIRST, LATEST), (2, 5));
    }

    #[test]
    fn placeholders_are_all_replaced() {
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            for m in MIGRATIONS {
                let sql = m.sql(d);
                assert!(!sql.contains('{'), "{d:?} {}: {sql}", m.name);
            }
        }
    }

    #[test]
    fn the_first_migration_on_sqlite_is_the_version_one_schema() {
        let sql = MIGRATIONS[0].sql(Dialect::Sqlite);
        assert!(sql.contains("seq INTEGER PRIMARY KEY,\n    id TEXT NOT NULL UNIQUE"));
        assert!(sql.contains("RAISE(ABORT, 'events are append-only')"));
        let pg = MIGRATIONS[0].sql(Dialect::Postgres);
        assert!(pg.contains("BIGINT GENERATED ALWAYS AS IDENTITY"));
        assert!(pg.contains("EXECUTE FUNCTION joinedup_append_only('events are append-only')"));
    }

    #[test]
    fn state_of_a_version() {
        assert_eq!(state(None), State::Empty);
        assert_eq!(state(Some(LATEST)), State::Current);
        assert_eq!(state(Some(1)), State::Legacy(1));
        assert_eq!(state(Some(2)), State::Behind(2));
        assert_eq!(state(Some(LATEST + 1)), State::Ahead(LATEST + 1));
        assert_eq!(pending(2).map(|m| m.version).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(pending(LATEST).count(), 0);
    }
}
