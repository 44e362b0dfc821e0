//! The audit log of the service: sign-ins (successful or not), sign-outs and appends leave an
//! entry each, with the client's address, in a chain that verifies; a request whose entry
//! cannot be recorded fails.

use crate::harness::{config, new_person, registered, Backend, Server, PASSWORD};
use serde_json::json;
use store::{Action, AuditFilter, StoredEntry};

crate::on_each_backend!(
    a_sign_in_leaves_an_entry,
    failed_sign_ins_are_recorded_with_why,
    sign_outs_are_recorded_over_the_api_and_the_pages,
    an_append_is_recorded_with_its_count,
    an_append_that_cannot_be_recorded_is_not_stored,
    without_an_audit_log_nothing_is_done,
);

fn entries(s: &Server) -> Vec<StoredEntry> {
    let log = store::open_audit(&s.store.location).expect("the audit log");
    let all = log.entries(&AuditFilter::default()).expect("the entries");
    assert_eq!(
        log.verify().expect("the chain verifies").entries,
        all.len() as u64
    );
    all
}

fn a_sign_in_leaves_an_entry(b: Backend) {
    let s = Server::start(b);
    assert!(entries(&s).is_empty());
    s.token("gp");
    let all = entries(&s);
    assert_eq!(all.len(), 1);
    let e = &all[0].entry;
    assert_eq!(
        (e.username.as_str(), e.org.as_str(), e.action),
        ("gp", "M83041", Action::SignIn)
    );
    assert_eq!(e.client.as_deref(), Some("127.0.0.1"));
    assert_eq!((e.person.as_deref(), e.reason.as_deref()), (None, None));
    let now = chrono::Utc::now().timestamp();
    assert!((now - 600..=now + 60).contains(&e.at), "{}", e.at);
}

fn failed_sign_ins_are_recorded_with_why(b: Backend) {
    let s = Server::start(b);
    let r = s
        .post("/api/session")
        .json(&json!({"username": "gp", "password": "not the password"}));
    assert_eq!(r.status, 401);
    let r = s
        .post("/api/session")
        .json(&json!({"username": "nobody", "password": PASSWORD}));
    assert_eq!(r.status, 401);
    let got: Vec<_> = entries(&s)
        .into_iter()
        .map(|e| {
            (
                e.entry.username,
                e.entry.org,
                e.entry.action,
                e.entry.reason.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "gp".to_string(),
                "M83041".to_string(),
                Action::SignInFailed,
                "wrong password".to_string()
            ),
            (
                "nobody".to_string(),
                String::new(),
                Action::SignInFailed,
                "no such user".to_string()
            ),
        ]
    );
}

fn sign_outs_are_recorded_over_the_api_and_the_pages(b: Backend) {
    let s = Server::start(b);
    let t = s.token("broker");
    let r = s.delete("/api/session").bearer(&t).call();
    assert_eq!(r.status, 204, "{}", r.text());
    // The page: sign in with the form, then sign out with the session's CSRF token.
    let form = s.get("/sign-in").call();
    let pre = form
        .cookie("joinedup_csrf")
        .expect("the pre-session cookie");
    let csrf = crate::harness::hidden_input(&form.text(), "csrf").expect("a CSRF field");
    let r = s
        .post("/sign-in")
        .header("Origin", &s.origin())
        .cookies(&[("joinedup_csrf", &pre)])
        .form(&[("csrf", &csrf), ("username", "gp"), ("password", PASSWORD)]);
    assert_eq!(r.status, 303, "{}", r.text());
    let session = r.cookie("joinedup_session").expect("a session");
    let page = s
        .get("/dashboard")
        .cookies(&[("joinedup_session", &session)])
        .call();
    let csrf = crate::harness::hidden_input(&page.text(), "csrf").expect("the sign-out form");
    let r = s
        .post("/sign-out")
        .header("Origin", &s.origin())
        .cookies(&[("joinedup_session", &session)])
        .form(&[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    let got: Vec<_> = entries(&s)
        .into_iter()
        .map(|e| (e.entry.username, e.entry.action))
        .collect();
    let want = [
        ("broker", Action::SignIn),
        ("broker", Action::SignOut),
        ("gp", Action::SignIn),
        ("gp", Action::SignOut),
    ];
    assert_eq!(got, want.map(|(u, a)| (u.to_string(), a)).to_vec());
}

fn an_append_is_recorded_with_its_count(b: Backend) {
    let s = Server::start(b);
    let t = s.token("discharge_coordinator");
    let p = new_person(3);
    let body = format!(
        "{}
",
        registered("a-reg", &p)
    );
    let r = s.post("/api/events").bearer(&t).ndjson(&body);
    assert_eq!(r.status, 201, "{}", r.text());
    let r = s.post("/api/events").bearer(&t).ndjson(&body);
    assert_eq!(r.status, 201, "{}", r.text());
    // A refused append writes nothing, so there is nothing to record.
    let r = s.post("/api/events").bearer(&t).ndjson("{\"id\":1}\n");
    assert_eq!(r.status, 422, "{}", r.text());
    let appends: Vec<_> = entries(&s)
        .into_iter()
        .filter(|e| e.entry.action == Action::Append)
        .map(|e| (e.entry.username, e.entry.org, e.entry.reason))
        .collect();
    let dc = || ("discharge_coordinator".to_string(), "RJE".to_string());
    assert_eq!(
        appends,
        [
            (dc().0, dc().1, Some("1 events".to_string())),
            (
                dc().0,
                dc().1,
                Some("0 events, 1 already stored".to_string())
            ),
        ]
    );
}

fn an_append_that_cannot_be_recorded_is_not_stored(b: Backend) {
    let s = Server::start(b);
    let t = s.token("discharge_coordinator");
    let before = s.store.event_count();
    // Someone with access to the database damages the audit log's anchor: no entry can be
    // chained on, so no append may be stored (its events and its entry are one transaction).
    store::testing::raw_sql(
        &s.store.location,
        "UPDATE meta SET value = 'not a hash' WHERE key = 'audit_head'",
    )
    .expect("the anchor is changed");
    let p = new_person(4);
    let body = format!(
        "{}
",
        registered("unrecorded-reg", &p)
    );
    let r = s.post("/api/events").bearer(&t).ndjson(&body);
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(
        s.store.event_count(),
        before,
        "the event was stored unrecorded"
    );
}

fn without_an_audit_log_nothing_is_done(b: Backend) {
    let store = b.seeded();
    let cfg = config(&store);
    let s = Server::on_with_audit(store, cfg, None);
    let r = s
        .post("/api/session")
        .json(&json!({"username": "gp", "password": PASSWORD}));
    assert_eq!(r.status, 500, "{}", r.text());
    assert!(r.json().get("token").is_none(), "{}", r.text());
    assert!(
        !r.text().contains("audit log ("),
        "the cause is logged, not shown: {}",
        r.text()
    );
}
