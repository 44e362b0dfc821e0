//! Hostile sizes and inputs: never a 5xx, never a dropped connection, and the service answers
//! normally afterwards.

use crate::harness::{Backend, Server};

crate::on_each_backend!(
    hostile_api_inputs_get_a_4xx,
    hostile_page_inputs_get_a_4xx,
    malformed_http_gets_a_4xx,
);

/// `status` is a client error; the service still answers.
fn client_error(s: &Server, what: &str, status: u16) {
    assert!((400..500).contains(&status), "{what}: {status}");
    assert_eq!(s.get("/healthz").call().status, 200, "after {what}");
}

fn hostile_api_inputs_get_a_4xx(b: Backend) {
    let s = Server::start(b);
    let t = s.token("broker");
    let before = s.store.event_count();
    // Huge query strings: one long value, many repeated keys, unknown keys, bad escapes.
    let long = "9".repeat(60_000);
    let many = "from=2017-01-01&".repeat(3_000);
    for query in [
        format!("from={long}"),
        format!("{many}to=2017-02-01"),
        "from=%ff%fe&to=%".to_string(),
        "from=2017-01-01&to=2017-02-01&by=%00".to_string(),
        format!("from=2017-01-01&to=+{long}"),
    ] {
        let r = s.get(&format!("/api/indicators?{query}")).bearer(&t).call();
        client_error(
            &s,
            &format!("query {}", &query[..query.len().min(40)]),
            r.status,
        );
        r.error();
    }
    // Deeply nested and oversized JSON in a sign-in.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for body in [
        format!(r#"{{"username":{deep},"password":"x"}}"#),
        format!(r#"{{"username":"gp","password":"x","extra":{deep}}}"#),
        deep.clone(),
        format!(r#"{{"username":"{}","password":"x"}}"#, "u".repeat(200_000)),
        r#"{"username":"gp","password":"x","username":"admin"}"#.to_string(),
        r#"{"username":"\ud800","password":"x"}"#.to_string(),
        "{\"username\":\"gp\",\"password\":\"x\"}garbage".to_string(),
    ] {
        let r = s.post("/api/session").json_text(&body);
        client_error(
            &s,
            &format!("sign-in {}", &body[..body.len().min(40)]),
            r.status,
        );
        r.error();
    }
    // Invalid UTF-8 bodies.
    for (path, ct) in [
        ("/api/session", "application/json"),
        ("/api/events", "application/x-ndjson"),
    ] {
        let body = b"{\"username\":\"gp\xff\xfe\",\"password\":\"\xc3\x28\"}\n";
        let r = s.post(path).bearer(&t).send(ct, body);
        client_error(&s, &format!("invalid UTF-8 to {path}"), r.status);
        r.error();
    }
    // Events: one enormous line, a line of nested arrays, NUL bytes, numbers out of range.
    let huge_line = format!(r#"{{"id":"{}","kind":"death"}}"#, "i".repeat(2 << 20));
    for body in [
        huge_line,
        deep.clone(),
        "\0\0\0\n".to_string(),
        r#"{"id":"n1","kind":"death","at":"2017-04-01T00:00:00Z","person":9990000018}"#.to_string(),
        r#"{"id":"n1","kind":"death","at":"99999-04-01T00:00:00Z","person":"9990000018"}"#
            .to_string(),
        "[1,2,3]\n\"x\"\nnull\n".to_string(),
    ] {
        let r = s.post("/api/events").bearer(&t).ndjson(&body);
        client_error(
            &s,
            &format!("events {}", &body[..body.len().min(40)]),
            r.status,
        );
        r.error();
    }
    assert_eq!(s.store.event_count(), before);
    // Odd tokens.
    for auth in [
        format!("Bearer {}", "a".repeat(50_000)),
        "Bearer a b c".to_string(),
        "Bearer".to_string(),
    ] {
        let r = s.get("/api/me").header("Authorization", &auth).call();
        client_error(&s, "an odd token", r.status);
    }
}

fn hostile_page_inputs_get_a_4xx(b: Backend) {
    let s = Server::start(b);
    let csrf = s
        .get("/sign-in")
        .call()
        .cookie("joinedup_csrf")
        .expect("a token");
    let long = "x".repeat(100_000);
    for body in [
        format!("username={long}&password=x&csrf={csrf}"),
        format!("username=gp&password={long}&csrf={csrf}"),
        format!("username=gp&password=x&csrf={long}"),
        "username=%ff%fe&password=%&csrf=%zz".to_string(),
        format!("{}csrf={csrf}", "a=b&".repeat(10_000)),
    ] {
        let r = s
            .post("/sign-in")
            .cookies(&[("joinedup_csrf", &csrf)])
            .send("application/x-www-form-urlencoded", body.as_bytes());
        client_error(
            &s,
            &format!("sign-in form {}", &body[..body.len().min(40)]),
            r.status,
        );
    }
    let r = s
        .post("/sign-in")
        .cookies(&[("joinedup_csrf", &csrf)])
        .send(
            "application/x-www-form-urlencoded",
            b"username=gp\xff&password=\xfe&csrf=x",
        );
    client_error(&s, "invalid UTF-8 in the form", r.status);
    // Cookies that are not ours, or many.
    let cookie_jar: String = (0..500).map(|i| format!("c{i}=v{i}; ")).collect();
    for cookie in [
        cookie_jar.as_str(),
        "joinedup_session",
        "joinedup_session=; joinedup_session=a",
        "=;=;;;",
    ] {
        let r = s.get("/dashboard").header("Cookie", cookie).call();
        assert_eq!(r.status, 303, "{}", &cookie[..cookie.len().min(40)]);
    }
    // A signed-in user's odd queries.
    let signed = s
        .post("/sign-in")
        .cookies(&[("joinedup_csrf", &csrf)])
        .form(&[
            ("username", "gp"),
            ("password", crate::harness::PASSWORD),
            ("csrf", &csrf),
        ]);
    let session = signed.cookie("joinedup_session").expect("a session");
    for path in [
        format!("/dashboard?from={long}"),
        "/dashboard?from=2017-01-01&to=1900-01-01".to_string(),
        "/dashboard?from=0000-01-01".to_string(),
        "/dashboard?from=%ff".to_string(),
        "/dashboard?from=1900-01-01&to=2199-12-31".to_string(),
        format!("/market?kind={long}&rating=%00"),
    ] {
        let r = s
            .get(&path)
            .cookies(&[("joinedup_session", &session)])
            .call();
        assert!(
            r.status < 500,
            "{}: {}",
            &path[..path.len().min(40)],
            r.status
        );
    }
}

fn malformed_http_gets_a_4xx(b: Backend) {
    let s = Server::start(b);
    let host = format!("Host: {}\r\n", s.addr);
    let requests: Vec<Vec<u8>> = vec![
        b"GET /api/me HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\r\nConnection: close\r\n\r\n".to_vec(),
        format!("GET /healthz?{} HTTP/1.1\r\n{host}Connection: close\r\n\r\n", "a".repeat(200_000)).into_bytes(),
        format!("GET /healthz HTTP/1.1\r\n{host}X-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(200_000)).into_bytes(),
        format!("POST /api/session HTTP/1.1\r\n{host}Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n{{}}").into_bytes(),
        format!("POST /api/session HTTP/1.1\r\n{host}Content-Type: application/json\r\nContent-Length: 10\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{{}}").into_bytes(),
        format!("POST /api/session HTTP/1.1\r\n{host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n").into_bytes(),
        b"GET /\xff\xfe HTTP/1.1\r\nConnection: close\r\n\r\n".to_vec(),
        [
            format!("POST /sign-in HTTP/1.1\r\n{host}Content-Type: application/x-www-form-urlencoded\r\nCookie: joinedup_csrf=").as_bytes(),
            b"\xff\xfe\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=b",
        ]
        .concat(),
    ];
    for (i, req) in requests.iter().enumerate() {
        let status = s.raw_status(req);
        // 0: the service closed a connection it could not parse, a fine answer to garbage; a
        // long but well-formed request may be served. What must never come is a 5xx.
        assert!(
            status == 0 || (200..500).contains(&status),
            "request {i}: {status}"
        );
        assert_eq!(s.get("/healthz").call().status, 200, "after request {i}");
    }
}
