//! Signing in and out, sessions, bearer tokens, CSRF, and the rate limit on failed sign-ins.
//!
//! A session token is 32 random bytes; the store keeps only its SHA-256. Pages carry it in a
//! cookie (`HttpOnly`, `SameSite=Strict`, `Secure` behind TLS) and every state-changing form
//! carries the session's CSRF token, checked with the request's `Origin`; scripts send it as
//! `Authorization: Bearer` (no CSRF: a browser never sends it by itself).

use crate::audit::{self, Actor};
use crate::{AppError, AppState};
use access::Role;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use store::Action;

pub const SESSION_COOKIE: &str = "joinedup_session";
/// The CSRF token of the sign-in form, before there is a session (double submit).
pub const PRE_SESSION_COOKIE: &str = "joinedup_csrf";

/// A random token as 64 hex digits.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An argon2 hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("hashing a password: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that a wrong user name takes as
/// long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").unwrap_or_default())
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// How the user came signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Cookie,
    Bearer,
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub username: String,
    pub org: String,
    pub roles: Vec<Role>,
    pub via: Via,
    pub csrf_token: String,
    pub token_hash: [u8; 32],
}

impl CurrentUser {
    pub fn may_write(&self) -> bool {
        access::may_write(&self.roles)
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Whether the request came over TLS (directly configured or as a proxy says).
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The client's address, for the rate limit and the audit.
pub fn client_address(parts_ext: &axum::http::Extensions) -> String {
    parts_ext
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Refuses a cross-site state-changing request: its `Origin` (or, without one, its
/// `Sec-Fetch-Site`) must be this service.
pub fn check_origin(headers: &HeaderMap) -> Result<(), AppError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        if origin_host.is_none() || origin_host != host {
            return Err(AppError::Forbidden(
                "this form was sent from another site; open the page again and resubmit".into(),
            ));
        }
        return Ok(());
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("same-origin") | Some("none") | None => Ok(()),
        Some(_) => Err(AppError::Forbidden(
            "this form was sent from another site; open the page again and resubmit".into(),
        )),
    }
}

/// Checks a cookie-signed-in request's CSRF token and origin (bearer requests need neither).
pub fn check_csrf(
    user: &CurrentUser,
    headers: &HeaderMap,
    sent: Option<&str>,
) -> Result<(), AppError> {
    if user.via == Via::Bearer {
        return Ok(());
    }
    check_origin(headers)?;
    let sent = sent
        .map(str::to_string)
        .or_else(|| {
            headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    if same_secret(&sent, &user.csrf_token) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "the form has expired or did not come from this service (CSRF check failed); open the page again".into(),
        ))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (token, via) = match bearer(&parts.headers) {
            Some(t) => (t, Via::Bearer),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(t) => (t, Via::Cookie),
                None => return Err(AppError::Unauthorized),
            },
        };
        let hash = token_hash(&token);
        let session = state
            .blocking(move |s| {
                let accounts = s.accounts.lock().expect("not poisoned");
                Ok(accounts.session(&hash, now_secs())?)
            })
            .await?
            .ok_or(AppError::Unauthorized)?;
        let roles = session
            .user
            .roles
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect();
        Ok(CurrentUser {
            username: session.user.username,
            org: session.user.org,
            roles,
            via,
            csrf_token: session.csrf_token,
            token_hash: hash,
        })
    }
}

/// A new session after a successful sign-in.
pub struct SignedIn {
    pub token: String,
    pub user: store::User,
    pub max_age_secs: i64,
}

/// Checks a user name and password, under the rate limit, and opens a new session. Each
/// attempt is recorded in the audit log (with `address`), a success before its session opens.
pub fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    address: &str,
) -> Result<SignedIn, AppError> {
    let cfg = &state.config;
    let now = now_secs();
    let since = now - cfg.sign_in_window_secs;
    let user_key = format!("user:{username}");
    let addr_key = format!("addr:{address}");
    {
        let accounts = state.accounts.lock().expect("not poisoned");
        if accounts.failed_sign_ins(&user_key, since)? >= cfg.max_failures_per_user
            || accounts.failed_sign_ins(&addr_key, since)? >= cfg.max_failures_per_address
        {
            drop(accounts);
            let actor = Actor { username, org: "" };
            let why = Some("too many failed sign-ins".to_string());
            audit::record(state, actor, Action::SignInFailed, None, why, address)?;
            return Err(AppError::TooManyAttempts(cfg.sign_in_window_secs));
        }
    }
    let found = state
        .accounts
        .lock()
        .expect("not poisoned")
        .user(username)?;
    let ok = match &found {
        Some((user, hash)) => verify_password(password, hash) && !user.disabled,
        None => {
            verify_password(password, decoy_hash());
            false
        }
    };
    if !ok {
        state
            .accounts
            .lock()
            .expect("not poisoned")
            .record_failed_sign_in(&[user_key, addr_key], now)?;
        let (org, why) = match &found {
            Some((u, _)) if u.disabled => (u.org.as_str(), "the user is disabled"),
            Some((u, _)) => (u.org.as_str(), "wrong password"),
            None => ("", "no such user"),
        };
        let actor = Actor { username, org };
        audit::record(
            state,
            actor,
            Action::SignInFailed,
            None,
            Some(why.into()),
            address,
        )?;
        return Err(AppError::SignInFailed);
    }
    let (user, _) = found.expect("checked");
    // Recorded before the session exists: a sign-in that cannot be recorded does not happen.
    let actor = Actor {
        username: &user.username,
        org: &user.org,
    };
    audit::record(state, actor, Action::SignIn, None, None, address)?;
    let mut accounts = state.accounts.lock().expect("not poisoned");
    accounts.clear_failed_sign_ins(&user_key)?;
    let token = new_token();
    let max_age = cfg.session_hours * 3600;
    accounts.create_session(
        &token_hash(&token),
        user.id,
        &new_token(),
        now,
        now + max_age,
    )?;
    Ok(SignedIn {
        token,
        user,
        max_age_secs: max_age,
    })
}
