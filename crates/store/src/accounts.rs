//! Users and sessions of the platform, kept in the store beside the journey log.
//!
//! The store knows nothing of roles' meaning: it keeps them as names. Session tokens are never
//! stored: only their SHA-256 (computed by the caller), so a copy of the store opens no session.

use crate::StoreError;

/// A user of the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    /// The organisation's code (of the register).
    pub org: String,
    /// Role names, as given.
    pub roles: Vec<String>,
    pub disabled: bool,
}

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub org: String,
    pub roles: Vec<String>,
    /// A PHC string (argon2), never the password.
    pub password_hash: String,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

/// What the platform keeps of users and sessions. Times are seconds since the Unix epoch.
pub trait Accounts: Send {
    /// Adds a user; a username already taken is [`StoreError::Conflict`].
    fn add_user(&mut self, user: &NewUser, now: i64) -> Result<User, StoreError>;
    /// A user and their password hash.
    fn user(&self, username: &str) -> Result<Option<(User, String)>, StoreError>;
    fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Disables (or enables) a user, ending their sessions; false if there is no such user.
    fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<bool, StoreError>;
    fn create_session(
        &mut self,
        id_hash: &[u8; 32],
        user_id: i64,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// The session, if it exists, has not expired and its user is not disabled.
    fn session(&self, id_hash: &[u8; 32], now: i64) -> Result<Option<Session>, StoreError>;
    fn delete_session(&mut self, id_hash: &[u8; 32]) -> Result<(), StoreError>;
    /// Records a failed sign-in under each key (e.g. `user:NAME`, `addr:IP`).
    fn record_failed_sign_in(&mut self, keys: &[String], now: i64) -> Result<(), StoreError>;
    /// Failed sign-ins under `key` at or after `since`.
    fn failed_sign_ins(&self, key: &str, since: i64) -> Result<u64, StoreError>;
    /// Forgets failed sign-ins under `key` (after a successful one).
    fn clear_failed_sign_ins(&mut self, key: &str) -> Result<(), StoreError>;
}

pub(crate) fn roles_text(roles: &[String]) -> String {
    roles.join(",")
}

pub(crate) fn roles_of(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
