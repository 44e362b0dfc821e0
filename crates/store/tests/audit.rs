//! The audit log ([`store::AuditLog`]) on SQLite and on PostgreSQL: appends keep one chain, also
//! from concurrent appenders, and `verify` names each kind of tampering by someone with access
//! to the database (who first drops the append-only triggers). The PostgreSQL runs need
//! `JOINEDUP_TEST_DATABASE_URL`; without it they print a notice and skip.

mod common;

use common::Fresh;
use store::{
    open, open_audit, open_audit_with, Access, Action, AuditEntry, AuditFilter, AuditLog,
    BreakKind, Location, StoreError,
};

fn run(location: Location, fresh: Fresh, test: fn(&Location)) {
    drop(open(&location, Access::Create).unwrap());
    test(&location);
    drop(fresh);
}

on_both!(
    appends_chain_and_list_by_filter,
    concurrent_appenders_keep_one_chain,
    an_altered_field_is_named,
    a_removed_entry_is_named,
    reordered_entries_are_named,
    a_truncated_tail_is_named_even_after_later_appends,
    a_read_only_log_verifies_but_does_not_append,
    looks_are_the_views_not_refused_and_break_glass,
    an_append_and_its_entry_are_one_transaction,
);

fn entry(n: i64, user: &str, action: Action, person: Option<&str>) -> AuditEntry {
    AuditEntry {
        at: 1_700_000_000 + n * 60,
        username: user.into(),
        org: "RJE".into(),
        action,
        person: person.map(str::to_string),
        reason: Some(format!("reason {n}")),
        client: Some("127.0.0.1".into()),
    }
}

/// Six entries: seq 1..=6.
fn six(l: &Location) -> Box<dyn AuditLog> {
    let mut a = open_audit(l).unwrap();
    for n in 1..=6 {
        let (user, action, person) = match n % 3 {
            0 => ("ana", Action::ViewPerson, Some("9434765919")),
            1 => ("ben", Action::SignIn, None),
            _ => ("ana", Action::Append, None),
        };
        let stored = a.append(&entry(n, user, action, person)).unwrap();
        assert_eq!(stored.seq, n);
    }
    a
}

/// Runs SQL on the store as an attacker with database access: the triggers dropped first.
fn tamper(l: &Location, sqlite_sql: &str, pg_sql: &str) {
    match l {
        Location::Sqlite(p) => {
            let c = rusqlite::Connection::open(p).unwrap();
            c.execute_batch(
                "DROP TRIGGER IF EXISTS audit_append_only_update; DROP TRIGGER IF EXISTS audit_append_only_delete;",
            )
            .unwrap();
            c.execute_batch(sqlite_sql).unwrap();
        }
        Location::Postgres(url) => {
            let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
            c.batch_execute(
                "DROP TRIGGER IF EXISTS audit_append_only ON audit; DROP TRIGGER IF EXISTS audit_append_only_truncate ON audit;",
            )
            .unwrap();
            c.batch_execute(pg_sql).unwrap();
        }
    }
}

fn broken(l: &Location) -> store::ChainBreak {
    match open_audit(l).unwrap().verify() {
        Err(StoreError::AuditChain(b)) => b,
        other => panic!("expected the chain to break, got {other:?}"),
    }
}

fn appends_chain_and_list_by_filter(l: &Location) {
    let a = six(l);
    assert_eq!(a.verify().unwrap().entries, 6);
    let all = a.entries(&AuditFilter::default()).unwrap();
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(all[0].prev_hash, [0; 32]);
    for w in all.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    assert_eq!(
        all[2].entry,
        entry(3, "ana", Action::ViewPerson, Some("9434765919"))
    );
    let seqs = |f: AuditFilter| {
        a.entries(&f)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>()
    };
    let by_user = AuditFilter {
        username: Some("ana".into()),
        ..Default::default()
    };
    assert_eq!(seqs(by_user.clone()), [2, 3, 5, 6]);
    assert_eq!(
        seqs(AuditFilter {
            person: Some("9434765919".into()),
            ..Default::default()
        }),
        [3, 6]
    );
    assert_eq!(
        seqs(AuditFilter {
            action: Some(Action::SignIn),
            ..Default::default()
        }),
        [1, 4]
    );
    assert_eq!(
        seqs(AuditFilter {
            from: Some(1_700_000_000 + 2 * 60),
            until: Some(1_700_000_000 + 5 * 60),
            ..Default::default()
        }),
        [2, 3, 4]
    );
    assert_eq!(
        seqs(AuditFilter {
            limit: Some(2),
            ..by_user
        }),
        [5, 6]
    );
}

fn concurrent_appenders_keep_one_chain(l: &Location) {
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let l = l.clone();
            std::thread::spawn(move || {
                let mut a = open_audit(&l).unwrap();
                for n in 0..25 {
                    a.append(&entry(n, &format!("user{t}"), Action::ViewPerson, None))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let a = open_audit(l).unwrap();
    assert_eq!(a.verify().unwrap().entries, 200);
    let all = a.entries(&AuditFilter::default()).unwrap();
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=200).collect::<Vec<_>>()
    );
    for t in 0..8 {
        let mine = a
            .entries(&AuditFilter {
                username: Some(format!("user{t}")),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(mine.len(), 25);
    }
}

fn an_altered_field_is_named(l: &Location) {
    drop(six(l));
    tamper(
        l,
        "UPDATE audit SET person = '9999999999' WHERE seq = 4",
        "UPDATE audit SET person = '9999999999' WHERE seq = 4",
    );
    let b = broken(l);
    assert_eq!((b.seq, b.kind), (4, BreakKind::Altered), "{b}");
    assert!(b.message.contains("audit entry 4 was altered"), "{b}");
}

fn a_removed_entry_is_named(l: &Location) {
    drop(six(l));
    tamper(
        l,
        "DELETE FROM audit WHERE seq = 3",
        "DELETE FROM audit WHERE seq = 3",
    );
    let b = broken(l);
    assert_eq!((b.seq, b.kind), (3, BreakKind::Removed), "{b}");
    assert!(b.message.contains("audit entry 3 was removed"), "{b}");
}

fn reordered_entries_are_named(l: &Location) {
    drop(six(l));
    // Entries 3 and 4 change places: everything but their sequence numbers.
    let cols = "at, username, org, action, person, reason, client, prev_hash, hash";
    let swap = |overriding: &str| {
        format!(
            "CREATE TEMP TABLE moved AS SELECT * FROM audit WHERE seq IN (3, 4);
             DELETE FROM audit WHERE seq IN (3, 4);
             INSERT INTO audit (seq, {cols}) {overriding} SELECT 7 - seq, {cols} FROM moved;"
        )
    };
    tamper(l, &swap(""), &swap("OVERRIDING SYSTEM VALUE"));
    let b = broken(l);
    assert_eq!((b.seq, b.kind), (3, BreakKind::Reordered), "{b}");
    assert!(b.message.contains("follows entry 4"), "{b}");
}

fn a_truncated_tail_is_named_even_after_later_appends(l: &Location) {
    drop(six(l));
    tamper(
        l,
        "DELETE FROM audit WHERE seq >= 5",
        "DELETE FROM audit WHERE seq >= 5",
    );
    let b = broken(l);
    assert_eq!((b.seq, b.kind), (5, BreakKind::Truncated), "{b}");
    assert!(b.message.contains("removed from the end"), "{b}");
    // Appends go on from the anchor, so the cut stays visible as missing entries.
    let stored = open_audit(l)
        .unwrap()
        .append(&entry(7, "ben", Action::SignOut, None))
        .unwrap();
    assert_eq!(stored.seq, 7);
    let b = broken(l);
    assert_eq!((b.seq, b.kind), (5, BreakKind::Removed), "{b}");
    assert!(
        b.message.contains("audit entries 5 to 6 were removed"),
        "{b}"
    );
}

fn a_read_only_log_verifies_but_does_not_append(l: &Location) {
    drop(six(l));
    let mut r = open_audit_with(l, Access::Read).unwrap();
    assert_eq!(r.verify().unwrap().entries, 6);
    assert_eq!(r.entries(&AuditFilter::default()).unwrap().len(), 6);
    assert!(r.append(&entry(7, "ben", Action::SignOut, None)).is_err());
    assert_eq!(open_audit(l).unwrap().verify().unwrap().entries, 6);
}

fn looks_are_the_views_not_refused_and_break_glass(l: &Location) {
    let mut a = open_audit(l).unwrap();
    let p = Some("9434765919");
    let mut refused = entry(2, "ben", Action::ViewPerson, p);
    refused.reason = Some(format!("{}: no legitimate relationship", store::REFUSED));
    let mut no_reason = entry(5, "cat", Action::ViewPerson, p);
    no_reason.reason = None;
    for e in [
        entry(1, "ana", Action::ViewPerson, p),
        refused,
        entry(3, "ben", Action::BreakGlass, p),
        entry(4, "ana", Action::SearchPerson, p),
        no_reason,
        entry(6, "dan", Action::ViewPerson, Some("9990000018")),
    ] {
        a.append(&e).unwrap();
    }
    let looks = |limit| {
        a.entries(&AuditFilter {
            person: p.map(str::to_string),
            looks_only: true,
            limit,
            ..AuditFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| e.seq)
        .collect::<Vec<_>>()
    };
    assert_eq!(looks(None), [1, 3, 5]);
    assert_eq!(looks(Some(2)), [3, 5], "the newest, oldest first");
}

/// Events and the audit entry that records them are stored together, chained on after the
/// entries appended on the audit log's own connection.
fn an_append_and_its_entry_are_one_transaction(l: &Location) {
    let mut a = open_audit(l).unwrap();
    a.append(&entry(1, "ana", Action::SignIn, None)).unwrap();
    let mut s = open(l, Access::Write).unwrap();
    s.append(&store::Batch {
        audit: vec![entry(2, "ana", Action::Append, None)],
        ..store::Batch::default()
    })
    .unwrap();
    a.append(&entry(3, "ana", Action::SignOut, None)).unwrap();
    let all = a.entries(&AuditFilter::default()).unwrap();
    assert_eq!(
        all.iter()
            .map(|e| (e.seq, e.entry.action))
            .collect::<Vec<_>>(),
        [
            (1, Action::SignIn),
            (2, Action::Append),
            (3, Action::SignOut)
        ]
    );
    assert_eq!(a.verify().unwrap().entries, 3);
}
