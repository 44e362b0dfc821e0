//! Users, sessions and failed sign-ins ([`store::Accounts`]), one function per behaviour, run on
//! SQLite and on PostgreSQL (the PostgreSQL runs need `JOINEDUP_TEST_DATABASE_URL`; without it
//! they print a notice and skip).

mod common;

use common::{postgres, sqlite, Fresh};
use store::testing::fresh_postgres;
use store::{open, open_accounts, Access, Accounts, Location, NewUser, StoreError, User};

/// Runs `test` on the accounts of a new store at `location`.
fn run(location: Location, fresh: Fresh, test: fn(&mut dyn Accounts)) {
    drop(open(&location, Access::Create).unwrap());
    let mut accounts = open_accounts(&location).unwrap();
    test(accounts.as_mut());
    drop(accounts);
    drop(fresh);
}

on_both!(
    adding_and_a_taken_name,
    looking_a_user_up,
    users_are_listed_by_name,
    disabling_ends_sessions_and_blocks_them,
    sessions_expire,
    failed_sign_ins_are_counted_by_key_and_since,
    clearing_failed_sign_ins_forgets_one_key,
);

const NOW: i64 = 1_800_000_000;

fn new_user(name: &str, org: &str, roles: &[&str]) -> NewUser {
    NewUser {
        username: name.into(),
        org: org.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$salt${name}"),
    }
}

fn add(a: &mut dyn Accounts, name: &str) -> User {
    a.add_user(&new_user(name, "RJE", &["gp"]), NOW).unwrap()
}

fn hash(n: u8) -> [u8; 32] {
    let mut h = [0u8; 32];
    h[0] = n;
    h[31] = 0xff;
    h
}

fn adding_and_a_taken_name(a: &mut dyn Accounts) {
    let alice = a
        .add_user(
            &new_user("alice", "RJE", &["discharge_coordinator", "analyst"]),
            NOW,
        )
        .unwrap();
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.org, "RJE");
    assert_eq!(alice.roles, ["discharge_coordinator", "analyst"]);
    assert!(!alice.disabled);

    let again = a.add_user(&new_user("alice", "00W", &["broker"]), NOW);
    match again {
        Err(StoreError::Conflict(m)) => assert!(m.contains("alice"), "{m}"),
        other => panic!("a taken name must be a conflict: {other:?}"),
    }
    // Nothing of the refused user was stored, and the first is unchanged.
    let users = a.users().unwrap();
    assert_eq!(users, std::slice::from_ref(&alice));

    let bob = add(a, "bob");
    assert_ne!(bob.id, alice.id);
    assert_eq!(a.users().unwrap().len(), 2);
}

fn looking_a_user_up(a: &mut dyn Accounts) {
    let added = a
        .add_user(&new_user("carol", "M83001", &["gp"]), NOW)
        .unwrap();
    add(a, "dave");
    let (user, password_hash) = a.user("carol").unwrap().expect("carol is stored");
    assert_eq!(user, added);
    assert_eq!(password_hash, new_user("carol", "", &[]).password_hash);
    assert!(a.user("nobody").unwrap().is_none());
    // Names are compared exactly.
    assert!(a.user("Carol").unwrap().is_none());
    assert!(a.user("carol ").unwrap().is_none());
    // A name that would be SQL is only a name.
    assert!(a.user("' OR '1'='1").unwrap().is_none());
}

fn users_are_listed_by_name(a: &mut dyn Accounts) {
    for name in ["carol", "alice", "bob", "Bob", "alice.b"] {
        add(a, name);
    }
    a.add_user(&new_user("zed", "05W", &[]), NOW).unwrap();
    assert!(a.set_disabled("bob", true).unwrap());
    let users = a.users().unwrap();
    let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    // Byte order on both back ends.
    assert_eq!(names, ["Bob", "alice", "alice.b", "bob", "carol", "zed"]);
    let flags: Vec<bool> = users.iter().map(|u| u.disabled).collect();
    assert_eq!(flags, [false, false, false, true, false, false]);
    assert!(users.last().unwrap().roles.is_empty());
    assert_eq!(users[0].roles, ["gp"]);
}

fn disabling_ends_sessions_and_blocks_them(a: &mut dyn Accounts) {
    let alice = add(a, "alice");
    let bob = add(a, "bob");
    let later = NOW + 3600;
    a.create_session(&hash(1), alice.id, "csrf-a1", NOW, later)
        .unwrap();
    a.create_session(&hash(2), alice.id, "csrf-a2", NOW, later)
        .unwrap();
    a.create_session(&hash(3), bob.id, "csrf-b", NOW, later)
        .unwrap();
    assert!(a.session(&hash(1), NOW).unwrap().is_some());

    assert!(a.set_disabled("alice", true).unwrap());
    assert!(a.user("alice").unwrap().unwrap().0.disabled);
    assert!(a.session(&hash(1), NOW).unwrap().is_none());
    assert!(a.session(&hash(2), NOW).unwrap().is_none());
    let bobs = a.session(&hash(3), NOW).unwrap().expect("bob keeps his");
    assert_eq!(bobs.user, bob);

    // A session of a disabled user (made after the disabling) does not open.
    a.create_session(&hash(4), alice.id, "csrf-a4", NOW, later)
        .unwrap();
    assert!(a.session(&hash(4), NOW).unwrap().is_none());

    // Enabling again does not bring back the sessions disabling ended.
    assert!(a.set_disabled("alice", false).unwrap());
    assert!(!a.user("alice").unwrap().unwrap().0.disabled);
    assert!(a.session(&hash(1), NOW).unwrap().is_none());
    assert!(a.session(&hash(2), NOW).unwrap().is_none());
    let s = a.session(&hash(4), NOW).unwrap().expect("enabled again");
    assert_eq!(s.user.username, "alice");
    assert!(!s.user.disabled);

    assert!(!a.set_disabled("nobody", true).unwrap());
}

fn sessions_expire(a: &mut dyn Accounts) {
    let erin = a
        .add_user(&new_user("erin", "00W", &["social_worker", "broker"]), NOW)
        .unwrap();
    let expires = NOW + 100;
    a.create_session(&hash(7), erin.id, "token-7", NOW, expires)
        .unwrap();
    let s = a.session(&hash(7), NOW).unwrap().expect("a live session");
    assert_eq!(s.user, erin);
    assert_eq!(s.csrf_token, "token-7");
    assert_eq!(s.expires_at, expires);
    assert!(a.session(&hash(7), expires - 1).unwrap().is_some());
    assert!(a.session(&hash(7), expires).unwrap().is_none());
    assert!(a.session(&hash(7), expires + 1).unwrap().is_none());
    assert!(a.session(&hash(8), NOW).unwrap().is_none());

    a.create_session(&hash(9), erin.id, "token-9", NOW, expires)
        .unwrap();
    a.delete_session(&hash(9)).unwrap();
    assert!(a.session(&hash(9), NOW).unwrap().is_none());
    // Deleting one session leaves the others; deleting an unknown one is no error.
    assert!(a.session(&hash(7), NOW).unwrap().is_some());
    a.delete_session(&hash(9)).unwrap();
}

fn failed_sign_ins_are_counted_by_key_and_since(a: &mut dyn Accounts) {
    let both = ["user:alice".to_string(), "addr:10.0.0.1".to_string()];
    a.record_failed_sign_in(&both, 100).unwrap();
    a.record_failed_sign_in(&both[..1], 200).unwrap();
    a.record_failed_sign_in(&both[1..], 300).unwrap();
    a.record_failed_sign_in(&both[..1], 300).unwrap();
    a.record_failed_sign_in(&[], 400).unwrap();
    assert_eq!(a.failed_sign_ins("user:alice", 0).unwrap(), 3);
    assert_eq!(a.failed_sign_ins("user:alice", 100).unwrap(), 3);
    assert_eq!(a.failed_sign_ins("user:alice", 101).unwrap(), 2);
    assert_eq!(a.failed_sign_ins("user:alice", 300).unwrap(), 1);
    assert_eq!(a.failed_sign_ins("user:alice", 301).unwrap(), 0);
    assert_eq!(a.failed_sign_ins("addr:10.0.0.1", 0).unwrap(), 2);
    assert_eq!(a.failed_sign_ins("addr:10.0.0.1", 200).unwrap(), 1);
    assert_eq!(a.failed_sign_ins("user:bob", 0).unwrap(), 0);
    assert_eq!(a.failed_sign_ins("user:%", 0).unwrap(), 0);
}

fn clearing_failed_sign_ins_forgets_one_key(a: &mut dyn Accounts) {
    let keys = ["user:alice".to_string(), "addr:10.0.0.1".to_string()];
    a.record_failed_sign_in(&keys, 100).unwrap();
    a.record_failed_sign_in(&keys, 200).unwrap();
    a.record_failed_sign_in(&["user:bob".to_string()], 200)
        .unwrap();
    a.clear_failed_sign_ins("user:alice").unwrap();
    assert_eq!(a.failed_sign_ins("user:alice", 0).unwrap(), 0);
    assert_eq!(a.failed_sign_ins("addr:10.0.0.1", 0).unwrap(), 2);
    assert_eq!(a.failed_sign_ins("user:bob", 0).unwrap(), 1);
    // Counting starts again after clearing.
    a.record_failed_sign_in(&keys[..1], 300).unwrap();
    assert_eq!(a.failed_sign_ins("user:alice", 0).unwrap(), 1);
    a.clear_failed_sign_ins("user:nobody").unwrap();
}

#[test]
fn opening_accounts_never_creates_a_sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    let e = open_accounts(&Location::Sqlite(path.clone()))
        .err()
        .unwrap();
    assert!(matches!(e, StoreError::NotFound(_)), "{e}");
    assert!(!path.exists());

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let e = open_accounts(&Location::Sqlite(empty.clone()))
        .err()
        .unwrap();
    assert!(matches!(e, StoreError::NotAStore(_)), "{e}");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

#[test]
fn opening_accounts_never_creates_a_postgres_store() {
    let Some((url, _db)) = fresh_postgres() else {
        return;
    };
    let e = open_accounts(&Location::parse(&url).unwrap())
        .err()
        .unwrap();
    assert!(matches!(e, StoreError::NotAStore(_)), "{e}");
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let tables: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "the empty database was given a schema");
}

/// Accounts opened beside the store see users added through another connection at once.
#[test]
fn two_connections_to_one_store_share_its_users() {
    let mut stores = vec![sqlite()];
    stores.extend(postgres());
    for (location, _fresh) in stores {
        drop(open(&location, Access::Create).unwrap());
        let mut one = open_accounts(&location).unwrap();
        let two = open_accounts(&location).unwrap();
        let u = add(one.as_mut(), "shared");
        assert_eq!(two.user("shared").unwrap().unwrap().0, u, "{location}");
    }
}
