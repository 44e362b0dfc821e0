//! The security headers on every answer, and the API's contract at `/api/openapi.json`.

use crate::harness::{Backend, Resp, Server};
use crate::session::{concrete, API_ROUTES};

crate::on_each_backend!(
    every_answer_has_the_security_headers,
    the_openapi_document_lists_every_route,
);

fn assert_secure_headers(what: &str, r: &Resp) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy: {:?}", r.headers));
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(
        csp.contains("default-src 'none'") || csp.contains("default-src 'self'"),
        "{what}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    // Nothing from outside the service.
    assert!(
        !csp.contains("http:") && !csp.contains("https:") && !csp.contains('*'),
        "{what}: {csp}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
}

fn every_answer_has_the_security_headers(b: Backend) {
    let s = Server::start_with(b, |c| c.max_body_bytes = 4096);
    let token = s.token("gp");
    let csrf = s
        .get("/sign-in")
        .call()
        .cookie("joinedup_csrf")
        .expect("a token");
    let signed = s
        .post("/sign-in")
        .cookies(&[("joinedup_csrf", &csrf)])
        .form(&[
            ("username", "gp"),
            ("password", crate::harness::PASSWORD),
            ("csrf", &csrf),
        ]);
    let session = signed.cookie("joinedup_session").expect("a session");
    let answers = vec![
        ("healthz", s.get("/healthz").call()),
        ("sign-in page", s.get("/sign-in").call()),
        ("signed in", signed),
        (
            "refused sign-in",
            s.post("/sign-in").form(&[("username", "gp")]),
        ),
        (
            "dashboard",
            s.get("/dashboard")
                .cookies(&[("joinedup_session", &session)])
                .call(),
        ),
        (
            "market",
            s.get("/market")
                .cookies(&[("joinedup_session", &session)])
                .call(),
        ),
        ("redirect", s.get("/dashboard").call()),
        ("stylesheet", s.get("/static/app.css").call()),
        ("no such page", s.get("/no/such/page").call()),
        ("wrong method", s.req("PUT", "/api/me").call()),
        ("401", s.get("/api/me").call()),
        ("200 json", s.get("/api/status").bearer(&token).call()),
        ("indicators", s.get("/api/indicators").bearer(&token).call()),
        ("400", s.get("/api/indicators?from=x").bearer(&token).call()),
        ("422", s.post("/api/events").bearer(&token).ndjson("{}")),
        (
            "413",
            s.post("/api/events")
                .bearer(&token)
                .ndjson(&"\n".repeat(8192)),
        ),
        ("openapi", s.get("/api/openapi.json").call()),
    ];
    for (what, r) in &answers {
        assert!(r.status < 500, "{what}: {}", r.status);
        assert_secure_headers(what, r);
    }
    // The statuses are the ones meant (so each answer above is the case it names).
    let statuses: Vec<(&str, u16)> = answers.iter().map(|(w, r)| (*w, r.status)).collect();
    for (what, status) in [
        ("signed in", 303),
        ("refused sign-in", 403),
        ("dashboard", 200),
        ("no such page", 404),
        ("wrong method", 405),
        ("413", 413),
        ("422", 422),
    ] {
        assert!(statuses.contains(&(what, status)), "{what}: {statuses:?}");
    }
    // Pages and API answers are not kept in caches.
    let r = s.get("/api/status").bearer(&token).call();
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

fn the_openapi_document_lists_every_route(b: Backend) {
    let s = Server::start(b);
    let r = s.get("/api/openapi.json").call();
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json"));
    let doc = r.json();
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    // The document need not describe itself.
    for (method, path) in API_ROUTES
        .into_iter()
        .filter(|r| r.1 != "/api/openapi.json")
    {
        let op = paths
            .get(path)
            .and_then(|p| p.get(method.to_ascii_lowercase()))
            .unwrap_or_else(|| panic!("{method} {path} is served but not documented"));
        assert!(op["responses"].is_object(), "{method} {path}: no responses");
        // And it is served: the router answers it (not 404 or 405).
        let answer = s.req(method, &concrete(path)).call().status;
        assert!(answer != 404 && answer != 405, "{method} {path}: {answer}");
    }
    // Every documented operation answers (with a placeholder for a path parameter).
    for (path, ops) in paths {
        for method in ops.as_object().expect("operations").keys() {
            let method = method.to_ascii_uppercase();
            let concrete = path.replace("{id}", "ae_4h_pct");
            let answer = s.req(&method, &concrete).call().status;
            if answer == 404 || answer == 405 {
                eprintln!("notice: {method} {path} is documented but not served ({answer})");
            }
        }
    }
    // Every `$ref` resolves.
    let text = r.text();
    for part in text.split("\"$ref\"").skip(1) {
        let target = part
            .split('"')
            .nth(1)
            .expect("a reference")
            .trim_start_matches("#/");
        let mut at = &doc;
        for key in target.split('/') {
            at = at
                .get(key)
                .unwrap_or_else(|| panic!("$ref {target} resolves to nothing"));
        }
    }
}
