//! [`Accounts`] in the SQLite store file.

use crate::accounts::{roles_of, roles_text, Accounts, NewUser, Session, User};
use crate::sqlite::{Access, SqliteStore};
use crate::StoreError;
use rusqlite::{params, ErrorCode, OptionalExtension};
use std::path::Path;

/// The accounts of a SQLite store, on a connection of their own.
pub struct SqliteAccounts {
    store: SqliteStore,
}

impl SqliteAccounts {
    /// Opens the accounts of the store at `path` (which must exist).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let store = SqliteStore::open_with(path, Access::Write)?;
        Ok(SqliteAccounts { store })
    }
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        org: r.get(2)?,
        roles: roles_of(&r.get::<_, String>(3)?),
        disabled: r.get(4)?,
    })
}

impl Accounts for SqliteAccounts {
    fn add_user(&mut self, u: &NewUser, now: i64) -> Result<User, StoreError> {
        let conn = self.store.connection();
        let inserted = conn.execute(
            "INSERT INTO users (username, org, roles, password_hash, disabled, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
            params![u.username, u.org, roles_text(&u.roles), u.password_hash, now],
        );
        match inserted {
            Ok(_) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                return Err(StoreError::Conflict(format!(
                    "a user named {:?} already exists",
                    u.username
                )))
            }
            Err(e) => return Err(e.into()),
        }
        Ok(User {
            id: conn.last_insert_rowid(),
            username: u.username.clone(),
            org: u.org.clone(),
            roles: u.roles.clone(),
            disabled: false,
        })
    }

    fn user(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        Ok(self
            .store
            .connection()
            .query_row(
                "SELECT id, username, org, roles, disabled, password_hash FROM users WHERE username = ?1",
                [username],
                |r| Ok((user_row(r)?, r.get(5)?)),
            )
            .optional()?)
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        let conn = self.store.connection();
        let mut stmt =
            conn.prepare("SELECT id, username, org, roles, disabled FROM users ORDER BY username")?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<bool, StoreError> {
        // Both or neither: a disabled user keeps no session.
        let tx = self.store.connection().unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE users SET disabled = ?2 WHERE username = ?1",
            params![username, disabled],
        )?;
        if disabled {
            tx.execute(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?1)",
                [username],
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
        self.store.connection().execute(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
            params![&id_hash[..], user_id, csrf_token, now, expires_at],
        )?;
        Ok(())
    }

    fn session(&self, id_hash: &[u8; 32], now: i64) -> Result<Option<Session>, StoreError> {
        Ok(self
            .store
            .connection()
            .prepare_cached(
                "SELECT u.id, u.username, u.org, u.roles, u.disabled, s.csrf_token, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
            )?
            .query_row(params![&id_hash[..], now], |r| {
                Ok(Session {
                    user: user_row(r)?,
                    csrf_token: r.get(5)?,
                    expires_at: r.get(6)?,
                })
            })
            .optional()?)
    }

    fn delete_session(&mut self, id_hash: &[u8; 32]) -> Result<(), StoreError> {
        self.store
            .connection()
            .execute("DELETE FROM sessions WHERE id_hash = ?1", [&id_hash[..]])?;
        Ok(())
    }

    fn record_failed_sign_in(&mut self, keys: &[String], now: i64) -> Result<(), StoreError> {
        // Every key or none.
        let tx = self.store.connection().unchecked_transaction()?;
        {
            let mut insert =
                tx.prepare("INSERT INTO sign_in_attempts (key, at) VALUES (?1, ?2)")?;
            for k in keys {
                insert.execute(params![k, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn failed_sign_ins(&self, key: &str, since: i64) -> Result<u64, StoreError> {
        Ok(self.store.connection().query_row(
            "SELECT COUNT(*) FROM sign_in_attempts WHERE key = ?1 AND at >= ?2",
            params![key, since],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    fn clear_failed_sign_ins(&mut self, key: &str) -> Result<(), StoreError> {
        self.store
            .connection()
            .execute("DELETE FROM sign_in_attempts WHERE key = ?1", [key])?;
        Ok(())
    }
}
