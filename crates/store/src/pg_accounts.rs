//! [`Accounts`] in a PostgreSQL store: the tables of migration 3 (`users`, `sessions`,
//! `sign_in_attempts`), on a connection of their own, with the semantics of
//! [`crate::SqliteAccounts`]. Every statement is parameterised.
//!
//! Like [`crate::PgStore`], the client is synchronous: async callers call it from
//! `tokio::task::spawn_blocking`. A connection the server closed is made again on the next call.

use crate::accounts::{roles_of, roles_text, Accounts, NewUser, Session, User};
use crate::location::mask_password;
use crate::pg::connect;
use crate::{Access, PgStore, StoreError};
use postgres::error::SqlState;
use postgres::{Client, Row};
use std::cell::{RefCell, RefMut};

/// The accounts of a PostgreSQL store, on a connection of their own.
pub struct PgAccounts {
    /// Always `Some` until dropped.
    client: RefCell<Option<Client>>,
    url: String,
}

impl Drop for PgAccounts {
    /// The client closes its connection by blocking on a runtime of its own, which panics
    /// inside an async context (the service may drop the last handle of its accounts in one):
    /// it is dropped on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let closing = std::thread::Builder::new()
                .name("pg-accounts-close".into())
                .spawn(move || drop(client));
            // Without a thread, the connection is left for the server to close.
            if let Ok(closing) = closing {
                let _ = closing.join();
            }
        }
    }
}

impl std::fmt::Debug for PgAccounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgAccounts")
            .field("store", &mask_password(&self.url))
            .finish_non_exhaustive()
    }
}

const USER_COLUMNS: &str = "id, username, org, roles, disabled";

impl PgAccounts {
    /// Opens the accounts of the store in the database at `url`: the database must hold a
    /// joinedup store (an older one is migrated, as [`Access::Write`] does); an empty database
    /// is refused ([`StoreError::NotAStore`]), never given a schema.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client = PgStore::open(url, Access::Write)?.into_client();
        Ok(PgAccounts {
            client: RefCell::new(Some(client)),
            url: url.to_string(),
        })
    }

    /// The connection, made again if the server closed it.
    fn client(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let mut c = self.client.try_borrow_mut().map_err(|_| {
            StoreError::Io(std::io::Error::other(
                "the PostgreSQL accounts were called while one of their calls was running",
            ))
        })?;
        if c.as_ref().is_none_or(Client::is_closed) {
            *c = Some(connect(&self.url, false)?);
        }
        RefMut::filter_map(c, Option::as_mut)
            .map_err(|_| StoreError::Io(std::io::Error::other("no PostgreSQL connection")))
    }
}

/// A user from the columns [`USER_COLUMNS`], starting at column 0.
fn user_row(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        org: r.try_get(2)?,
        roles: roles_of(r.try_get::<_, &str>(3)?),
        disabled: r.try_get(4)?,
    })
}

impl Accounts for PgAccounts {
    fn add_user(&mut self, u: &NewUser, now: i64) -> Result<User, StoreError> {
        let inserted = self.client()?.query_one(
            "INSERT INTO users (username, org, roles, password_hash, disabled, created_at)
             VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id",
            &[
                &u.username,
                &u.org,
                &roles_text(&u.roles),
                &u.password_hash,
                &now,
            ],
        );
        let row = match inserted {
            Ok(row) => row,
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                return Err(StoreError::Conflict(format!(
                    "a user named {:?} already exists",
                    u.username
                )))
            }
            Err(e) => return Err(e.into()),
        };
        Ok(User {
            id: row.try_get(0)?,
            username: u.username.clone(),
            org: u.org.clone(),
            roles: u.roles.clone(),
            disabled: false,
        })
    }

    fn user(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let row = self.client()?.query_opt(
            &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"),
            &[&username],
        )?;
        row.map(|r| Ok((user_row(&r)?, r.try_get(5)?))).transpose()
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        // Byte order, as SQLite's BINARY collation sorts, whatever the database's collation.
        let rows = self.client()?.query(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY username COLLATE \"C\""),
            &[],
        )?;
        rows.iter().map(user_row).collect()
    }

    fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let n = tx.execute(
            "UPDATE users SET disabled = $2 WHERE username = $1",
            &[&username, &disabled],
        )?;
        if disabled {
            tx.execute(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
                &[&username],
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    fn create_session(
        &mut self,
        id_hash: &[u8; 32],
        user_id: i64,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.client()?.execute(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $4)",
            &[&&id_hash[..], &user_id, &csrf_token, &now, &expires_at],
        )?;
        Ok(())
    }

    fn session(&self, id_hash: &[u8; 32], now: i64) -> Result<Option<Session>, StoreError> {
        let row = self.client()?.query_opt(
            "SELECT u.id, u.username, u.org, u.roles, u.disabled, s.csrf_token, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
            &[&&id_hash[..], &now],
        )?;
        row.map(|r| {
            Ok(Session {
                user: user_row(&r)?,
                csrf_token: r.try_get(5)?,
                expires_at: r.try_get(6)?,
            })
        })
        .transpose()
    }

    fn delete_session(&mut self, id_hash: &[u8; 32]) -> Result<(), StoreError> {
        self.client()?
            .execute("DELETE FROM sessions WHERE id_hash = $1", &[&&id_hash[..]])?;
        Ok(())
    }

    fn record_failed_sign_in(&mut self, keys: &[String], now: i64) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        // One statement: every key or none.
        self.client()?.execute(
            "INSERT INTO sign_in_attempts (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k",
            &[&keys, &now],
        )?;
        Ok(())
    }

    fn failed_sign_ins(&self, key: &str, since: i64) -> Result<u64, StoreError> {
        let n: i64 = self
            .client()?
            .query_one(
                "SELECT COUNT(*) FROM sign_in_attempts WHERE key = $1 AND at >= $2",
                &[&key, &since],
            )?
            .try_get(0)?;
        Ok(n.max(0) as u64)
    }

    fn clear_failed_sign_ins(&mut self, key: &str) -> Result<(), StoreError> {
        self.client()?
            .execute("DELETE FROM sign_in_attempts WHERE key = $1", &[&key])?;
        Ok(())
    }
}
