//! Health, signing in over the API, bearer tokens, the rate limit on failed sign-ins, and the
//! calls about the signed-in user and the service.

use crate::harness::{Backend, Server, PASSWORD};
use serde_json::json;

crate::on_each_backend!(
    healthz_answers_without_a_session,
    every_api_call_needs_a_valid_token,
    the_right_password_gives_a_token_and_the_user,
    a_wrong_password_or_user_is_refused,
    malformed_sign_ins_are_400_naming_the_field,
    the_sixth_failure_for_one_user_is_429_until_the_window_passes,
    failures_from_one_address_are_limited_across_users,
    me_and_status_describe_the_user_and_the_store,
    deleting_the_session_ends_the_token,
    a_disabled_user_cannot_sign_in_and_loses_their_sessions,
);

/// Every API route the router serves, with a method it answers.
pub const API_ROUTES: [(&str, &str); 19] = [
    ("POST", "/api/session"),
    ("DELETE", "/api/session"),
    ("GET", "/api/me"),
    ("GET", "/api/status"),
    ("GET", "/api/indicators"),
    ("GET", "/api/indicators/{id}/spc"),
    ("POST", "/api/events"),
    ("GET", "/api/orgs"),
    ("GET", "/api/market"),
    ("GET", "/api/people/{nhs}/timeline"),
    ("POST", "/api/people/{nhs}/break-glass"),
    ("GET", "/api/flow-board"),
    ("POST", "/api/flow-board/{nhs}/{spell}"),
    ("GET", "/api/dtoc"),
    ("GET", "/api/privacy/queue"),
    ("POST", "/api/privacy/{seq}/outcome"),
    ("GET", "/api/audit"),
    ("GET", "/api/openapi.json"),
    ("GET", "/healthz"),
];

/// A route's path with its parameter filled in.
pub fn concrete(path: &str) -> String {
    path.replace("{id}", "dtoc_delayed_days_per_100k")
        .replace("{nhs}", "9990000018")
        .replace("{spell}", "s1")
        .replace("{seq}", "1")
}

/// The routes that need a session (every one but signing in, health and the contract).
fn protected() -> impl Iterator<Item = (&'static str, &'static str)> {
    API_ROUTES.into_iter().filter(|(m, p)| {
        *p != "/healthz" && *p != "/api/openapi.json" && !(*m == "POST" && *p == "/api/session")
    })
}

fn healthz_answers_without_a_session(b: Backend) {
    let s = Server::start(b);
    let r = s.get("/healthz").call();
    assert_eq!(r.status, 200, "{}", r.text());
}

fn every_api_call_needs_a_valid_token(b: Backend) {
    let s = Server::start(b);
    for (method, path) in protected() {
        for auth in [
            None,
            Some("Bearer 0000000000000000000000000000000000000000000000000000000000000000"),
            Some("Bearer not-a-token"),
            Some("Bearer "),
            Some("Basic YWRtaW46ZGVtbw=="),
        ] {
            let mut req = s.req(method, &concrete(path));
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            let r = if method == "POST" {
                req.ndjson("")
            } else {
                req.call()
            };
            assert_eq!(r.status, 401, "{method} {path} with {auth:?}: {}", r.text());
            assert!(
                r.header("content-type")
                    .unwrap_or("")
                    .starts_with("application/json"),
                "{method} {path}: {:?}",
                r.header("content-type")
            );
            r.error();
        }
        // A session cookie that is not a session is no better.
        let r = s
            .req(method, path)
            .cookies(&[("joinedup_session", "ffff")])
            .call();
        assert_eq!(r.status, 401, "{method} {path} with a made-up cookie");
    }
}

fn the_right_password_gives_a_token_and_the_user(b: Backend) {
    let s = Server::start(b);
    let r = s
        .post("/api/session")
        .json(&json!({"username": "social_worker", "password": PASSWORD}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let token = v["token"].as_str().expect("a token");
    assert!(token.len() >= 32, "{token}");
    assert_eq!(
        v["user"],
        json!({"username": "social_worker", "org": "00W", "roles": ["social_worker"]})
    );
    // A session id is never reused: a second sign-in gives another token, both valid.
    let other = s.token("social_worker");
    assert_ne!(other, token);
    for t in [token, other.as_str()] {
        assert_eq!(s.get("/api/me").bearer(t).call().status, 200);
    }
    // The scheme's name is case-insensitive.
    let r = s
        .get("/api/me")
        .header("Authorization", &format!("bearer {other}"))
        .call();
    assert_eq!(r.status, 200);
}

fn a_wrong_password_or_user_is_refused(b: Backend) {
    let s = Server::start(b);
    for (u, p) in [
        ("social_worker", "wrong"),
        ("social_worker", ""),
        ("social_worker", "correct horse battery staple "),
        ("Social_worker", PASSWORD),
        ("nobody", PASSWORD),
    ] {
        let r = s
            .post("/api/session")
            .json(&json!({"username": u, "password": p}));
        assert_eq!(r.status, 401, "{u}/{p}: {}", r.text());
        let (error, _) = r.error();
        assert!(r.json().get("token").is_none());
        // The same answer whether the user exists or not.
        assert_eq!(error, "the user name or password is not right", "{u}");
    }
}

fn malformed_sign_ins_are_400_naming_the_field(b: Backend) {
    let s = Server::start(b);
    // Not JSON at all, or not an object.
    for body in ["", "{", "username=a&password=b", "[]", "null", "\"x\""] {
        let r = s
            .post("/api/session")
            .send("application/json", body.as_bytes());
        assert_eq!(r.status, 400, "{body:?}: {}", r.text());
        r.error();
    }
    // A missing field is named.
    for (body, field) in [
        (json!({"username": "gp"}), "password"),
        (json!({"password": PASSWORD}), "username"),
        (json!({"username": 7, "password": PASSWORD}), "username"),
        (json!({"username": "gp", "password": ["x"]}), "password"),
    ] {
        let r = s.post("/api/session").json(&body);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let (error, named) = r.error();
        assert!(
            named.as_deref() == Some(field) || error.contains(field),
            "{body}: {error} / {named:?}"
        );
    }
    // An empty or overlong user name, an overlong password.
    for (body, field) in [
        (json!({"username": "", "password": PASSWORD}), "username"),
        (
            json!({"username": "u".repeat(201), "password": PASSWORD}),
            "username",
        ),
        (
            json!({"username": "gp", "password": "p".repeat(1001)}),
            "password",
        ),
    ] {
        let r = s.post("/api/session").json(&body);
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.error().1.as_deref(), Some(field));
    }
    // The wrong content type, or none.
    let body = json!({"username": "gp", "password": PASSWORD}).to_string();
    for ct in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let r = s.post("/api/session").send(ct, body.as_bytes());
        assert_eq!(r.status, 400, "{ct:?}: {}", r.text());
        assert_eq!(r.error().1.as_deref(), Some("Content-Type"), "{ct:?}");
    }
    // None of these counted as a failed sign-in: the right password still works at once.
    s.token("gp");
}

fn the_sixth_failure_for_one_user_is_429_until_the_window_passes(b: Backend) {
    let window = 2;
    let s = Server::start_with(b, |c| c.sign_in_window_secs = window);
    let wrong = json!({"username": "broker", "password": "wrong"});
    for i in 1..=5 {
        let r = s.post("/api/session").json(&wrong);
        assert_eq!(r.status, 401, "failure {i}: {}", r.text());
    }
    let r = s.post("/api/session").json(&wrong);
    assert_eq!(r.status, 429, "{}", r.text());
    let retry: i64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=window).contains(&retry), "{retry}");
    r.error();
    // Locked: the right password is refused too, and opens no session.
    let right = json!({"username": "broker", "password": PASSWORD});
    let r = s.post("/api/session").json(&right);
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.json().get("token").is_none());
    // Other users are not locked out by it.
    s.token("gp");
    // When the window has passed, the right password works again.
    std::thread::sleep(std::time::Duration::from_secs(window as u64 + 1));
    let r = s.post("/api/session").json(&right);
    assert_eq!(r.status, 200, "{}", r.text());
}

fn failures_from_one_address_are_limited_across_users(b: Backend) {
    let s = Server::start_with(b, |c| {
        c.max_failures_per_address = 3;
        c.max_failures_per_user = 100;
    });
    for u in ["gp", "broker", "nobody"] {
        let r = s
            .post("/api/session")
            .json(&json!({"username": u, "password": "wrong"}));
        assert_eq!(r.status, 401, "{u}");
    }
    // A fourth user from the same address, even with the right password.
    let r = s
        .post("/api/session")
        .json(&json!({"username": "analyst", "password": PASSWORD}));
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
}

fn me_and_status_describe_the_user_and_the_store(b: Backend) {
    let s = Server::start(b);
    let t = s.token("provider");
    let r = s.get("/api/me").bearer(&t).call();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"username": "provider", "org": "RH001", "roles": ["provider"]})
    );
    let r = s.get("/api/status").bearer(&t).call();
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["today"], "2017-05-01");
    assert_eq!(v["store"], s.store.location.kind());
    let stored = s.store.event_count();
    assert!(stored > 1000, "{stored}");
    assert_eq!(v["events"], json!(stored));
}

fn deleting_the_session_ends_the_token(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    let keep = s.token("gp");
    let r = s.delete("/api/session").bearer(&t).call();
    assert!(r.status == 204 || r.status == 200, "{}", r.text());
    assert_eq!(s.get("/api/me").bearer(&t).call().status, 401);
    assert_eq!(s.delete("/api/session").bearer(&t).call().status, 401);
    // Only that session ends.
    assert_eq!(s.get("/api/me").bearer(&keep).call().status, 200);
}

fn a_disabled_user_cannot_sign_in_and_loses_their_sessions(b: Backend) {
    let s = Server::start(b);
    let t = s.token("broker");
    s.store
        .open_accounts()
        .set_disabled("broker", true)
        .expect("disabled");
    assert_eq!(s.get("/api/me").bearer(&t).call().status, 401);
    let r = s
        .post("/api/session")
        .json(&json!({"username": "broker", "password": PASSWORD}));
    assert_eq!(r.status, 401, "{}", r.text());
}
