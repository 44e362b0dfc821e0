//! Recording what users do in the store's hash-chained audit log ([`store::AuditLog`]).
//!
//! Called on a blocking thread. A request whose entry cannot be recorded fails with a 500: a
//! look that cannot be recorded must not happen.

use crate::{AppError, AppState};
use store::{Action, AuditEntry};

/// An entry waiting to be stored, with where its answer goes.
pub(crate) type Pending = (AuditEntry, std::sync::mpsc::Sender<Result<(), String>>);

/// Who did it: the user name (as typed, for a failed sign-in) and their organisation.
pub struct Actor<'a> {
    pub username: &'a str,
    pub org: &'a str,
}

impl<'a> Actor<'a> {
    /// The signed-in user.
    pub fn of(user: &'a crate::auth::CurrentUser) -> Self {
        Actor {
            username: &user.username,
            org: &user.org,
        }
    }
}

/// The entry of `action` by `actor` now, about `person` (ten digits), with `reason`, from
/// `client`.
pub fn entry(
    actor: Actor<'_>,
    action: Action,
    person: Option<&str>,
    reason: Option<String>,
    client: &str,
) -> AuditEntry {
    AuditEntry {
        at: crate::auth::now_secs(),
        username: actor.username.to_string(),
        org: actor.org.to_string(),
        action,
        person: person.map(str::to_string),
        reason,
        client: Some(client.to_string()),
    }
}

/// Fails unless the service records into an audit log: nothing is done unrecorded.
pub fn required(state: &AppState) -> Result<&std::sync::Mutex<Box<dyn store::AuditLog>>, AppError> {
    state.audit.as_deref().ok_or_else(|| {
        AppError::internal(
            "the service has no audit log (AppState::with_audit): nothing is done unrecorded",
        )
    })
}

/// Appends one entry: `action` by `actor` now, about `person` (ten digits), with `reason`,
/// from `client`.
pub fn record(
    state: &AppState,
    actor: Actor<'_>,
    action: Action,
    person: Option<&str>,
    reason: Option<String>,
    client: &str,
) -> Result<(), AppError> {
    let log = required(state)?;
    let entry = entry(actor, action, person, reason, client);
    // Group commit: the entry waits in the queue; whoever takes the log's lock next stores
    // every entry waiting, chained in order, in one transaction (one commit to disk), and
    // answers each. A look is shown only once its entry is durable.
    let (reply, answer) = std::sync::mpsc::channel();
    state
        .audit_queue
        .lock()
        .map_err(|_| AppError::internal("the audit queue's lock was poisoned"))?
        .push((entry, reply));
    let mut log = log
        .lock()
        .map_err(|_| AppError::internal("the audit log's lock was poisoned"))?;
    if let Ok(done) = answer.try_recv() {
        return done.map_err(|cause| AppError::internal(format!("recording {action}: {cause}")));
    }
    let group = std::mem::take(
        &mut *state
            .audit_queue
            .lock()
            .map_err(|_| AppError::internal("the audit queue's lock was poisoned"))?,
    );
    let entries: Vec<AuditEntry> = group.iter().map(|(e, _)| e.clone()).collect();
    let stored = log
        .append_all(&entries)
        .map(|_| ())
        .map_err(|e| e.to_string());
    drop(log);
    for (_, reply) in group {
        let _ = reply.send(stored.clone());
    }
    answer
        .recv()
        .unwrap_or_else(|_| Err("the entry was lost".into()))
        .map_err(|cause| {
            AppError::internal(format!("recording {action} in the audit log: {cause}"))
        })
}

/// Ends `user`'s session, then records the sign-out (the session ends even if that fails).
pub fn sign_out(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    client: &str,
) -> Result<(), AppError> {
    state
        .accounts
        .lock()
        .map_err(|_| AppError::internal("the accounts' lock was poisoned"))?
        .delete_session(&user.token_hash)?;
    record(state, Actor::of(user), Action::SignOut, None, None, client)
}

/// Runs `f` on a connection that reads the audit log: a free reader if one is, else the first
/// reader that frees up, else (no readers) the appender's connection.
pub fn read<T>(
    state: &AppState,
    f: impl FnOnce(&dyn store::AuditLog) -> Result<T, store::StoreError>,
) -> Result<T, AppError> {
    let poisoned = || AppError::internal("an audit connection's lock was poisoned");
    let readers = &state.audit_readers;
    if !readers.is_empty() {
        for r in readers.iter() {
            if let Ok(log) = r.try_lock() {
                return Ok(f(log.as_ref())?);
            }
        }
        // All busy: wait for one, chosen by thread so waiters spread out.
        let id = std::thread::current().id();
        let k = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            id.hash(&mut h);
            (h.finish() % readers.len() as u64) as usize
        };
        let log = readers[k].lock().map_err(|_| poisoned())?;
        return Ok(f(log.as_ref())?);
    }
    let Some(log) = &state.audit else {
        return Err(AppError::internal("the service has no audit log"));
    };
    let log = log.lock().map_err(|_| poisoned())?;
    Ok(f(log.as_ref())?)
}
