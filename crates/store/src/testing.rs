//! For tests: a fresh PostgreSQL database per test, on the cluster that
//! `JOINEDUP_TEST_DATABASE_URL` names (`scripts/pg-test-cluster.sh start` sets it).
//!
//! Not for use outside tests: it panics when the cluster named cannot be reached.

use crate::location::mask_password;
use crate::pg::{connect, describe};
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the test cluster: a `postgres://` URL of a role that may create
/// databases (the database in it is only used to create and drop others).
pub const TEST_DATABASE_URL: &str = "JOINEDUP_TEST_DATABASE_URL";

/// A test database, dropped (with any connection still open to it) when this is dropped.
pub struct PgTestDatabase {
    admin_url: String,
    name: String,
}

impl PgTestDatabase {
    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// For tests: a new, empty database `joinedup_t_<pid>_<n>` on the test cluster, as its URL and
/// a guard that drops it. Without `JOINEDUP_TEST_DATABASE_URL` it prints a notice to standard
/// error and returns `None`: the test then skips.
pub fn fresh_postgres() -> Option<(String, PgTestDatabase)> {
    let admin_url = match std::env::var(TEST_DATABASE_URL) {
        Ok(u) if !u.is_empty() => u,
        _ => {
            eprintln!(
                "notice: {TEST_DATABASE_URL} is unset: this PostgreSQL test is skipped (eval \"$(scripts/pg-test-cluster.sh start)\" sets it)"
            );
            return None;
        }
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "joinedup_t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let shown = mask_password(&admin_url);
    let mut admin = connect(&admin_url, false)
        .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL}={shown}: cannot connect: {e}"));
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE {name}")))
        .unwrap_or_else(|e| panic!("{shown}: cannot create database {name}: {}", describe(&e)));
    let url = with_database(&admin_url, &name)
        .unwrap_or_else(|| panic!("{TEST_DATABASE_URL}={shown} is not a postgres:// URL"));
    Some((url, PgTestDatabase { admin_url, name }))
}

impl Drop for PgTestDatabase {
    fn drop(&mut self) {
        let dropped = connect(&self.admin_url, false).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .map_err(Into::into)
        });
        if let Err(e) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> Option<String> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let after = &rest[authority_end..];
    let query = after.find('?').map(|q| &after[q..]).unwrap_or("");
    Some(format!(
        "{}{}/{name}{query}",
        &url[..start],
        &rest[..authority_end]
    ))
}

/// For tests: runs `sql` on a connection of its own to the store at `location`, outside the
/// store's code (to damage a store as someone with access to the database could).
pub fn raw_sql(location: &crate::Location, sql: &str) -> Result<(), String> {
    match location {
        crate::Location::Sqlite(path) => rusqlite::Connection::open(path)
            .and_then(|c| c.execute_batch(sql))
            .map_err(|e| e.to_string()),
        crate::Location::Postgres(url) => {
            let mut c =
                postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
            c.batch_execute(sql).map_err(|e| describe(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/postgres", "t1").unwrap(),
            "postgres://u@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h?host=/tmp/s", "t1").unwrap(),
            "postgres://u@h/t1?host=/tmp/s"
        );
        assert_eq!(
            with_database("postgresql://h/db?sslmode=disable", "t2").unwrap(),
            "postgresql://h/t2?sslmode=disable"
        );
        assert!(with_database("host=h dbname=x", "t").is_none());
    }
}
