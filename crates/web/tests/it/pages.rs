//! The pages as a browser uses them: the sign-in form's CSRF token and cookie, the session
//! cookie's attributes, a new session at every sign-in, signing out, the dashboard and the market.

use crate::harness::{hidden_input, shown, Backend, Resp, Server, PASSWORD};

crate::on_each_backend!(
    the_sign_in_page_sets_the_pre_session_csrf_cookie,
    signing_in_without_the_right_csrf_token_is_403,
    signing_in_from_another_origin_is_403,
    signing_in_gives_a_strict_http_only_session_cookie,
    the_session_cookie_is_secure_behind_tls,
    every_sign_in_is_a_new_session,
    a_wrong_password_on_the_form_shows_the_form_again,
    signing_out_needs_the_csrf_token,
    pages_without_a_session_redirect_to_sign_in,
    the_dashboard_lists_every_indicator_with_its_value,
    the_market_page_lists_and_filters_providers,
    cookie_sessions_need_csrf_for_api_writes,
);

const SESSION: &str = "joinedup_session";
const PRE: &str = "joinedup_csrf";

/// Opens the sign-in form: its CSRF token (the form's and the cookie's).
fn open_form(s: &Server) -> String {
    let r = s.get("/sign-in").call();
    assert_eq!(r.status, 200, "{}", r.text());
    let cookie = r.cookie(PRE).expect("the pre-session cookie");
    let form = hidden_input(&r.text(), "csrf").expect("a csrf field");
    assert_eq!(cookie, form);
    cookie
}

/// Signs `user` in through the form; the answer.
fn sign_in(s: &Server, user: &str, csrf: &str, extra: &[(&str, &str)]) -> Resp {
    let mut req = s
        .post("/sign-in")
        .cookies(&[(PRE, csrf)])
        .header("Origin", &s.origin());
    for (k, v) in extra {
        req = req.header(k, v);
    }
    req.form(&[("username", user), ("password", PASSWORD), ("csrf", csrf)])
}

/// Signs `user` in through the form; the session cookie's value.
fn session(s: &Server, user: &str) -> String {
    let csrf = open_form(s);
    let r = sign_in(s, user, &csrf, &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    r.cookie(SESSION).expect("a session cookie")
}

fn page(s: &Server, path: &str, session: &str) -> Resp {
    s.get(path).cookies(&[(SESSION, session)]).call()
}

fn the_sign_in_page_sets_the_pre_session_csrf_cookie(b: Backend) {
    let s = Server::start(b);
    let r = s.get("/sign-in").call();
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    let token = r.cookie(PRE).expect("the pre-session cookie");
    assert!(token.len() >= 32, "{token}");
    let attrs = r.cookie_attributes(PRE);
    assert!(attrs.contains(&"httponly".to_string()), "{attrs:?}");
    assert!(attrs.contains(&"samesite=strict".to_string()), "{attrs:?}");
    assert_eq!(
        hidden_input(&r.text(), "csrf").as_deref(),
        Some(token.as_str())
    );
    // No session comes from opening the form.
    assert!(r.cookie(SESSION).is_none());
    // Every browser gets a token of its own; one that has a token keeps it.
    assert_ne!(open_form(&s), token);
    let again = s.get("/sign-in").cookies(&[(PRE, &token)]).call();
    assert_eq!(again.cookie(PRE).as_deref(), Some(token.as_str()));
}

fn signing_in_without_the_right_csrf_token_is_403(b: Backend) {
    let s = Server::start(b);
    let csrf = open_form(&s);
    let other = open_form(&s);
    type Pairs<'a> = Vec<(&'a str, &'a str)>;
    // (cookies, form fields)
    let attempts: Vec<(Pairs, Pairs)> = vec![
        // No token anywhere.
        (vec![], vec![("username", "gp"), ("password", PASSWORD)]),
        // The cookie, but not in the form.
        (
            vec![(PRE, csrf.as_str())],
            vec![("username", "gp"), ("password", PASSWORD)],
        ),
        // The form's, but no cookie.
        (
            vec![],
            vec![("username", "gp"), ("password", PASSWORD), ("csrf", &csrf)],
        ),
        // Another browser's token.
        (
            vec![(PRE, csrf.as_str())],
            vec![("username", "gp"), ("password", PASSWORD), ("csrf", &other)],
        ),
        // Empty both.
        (
            vec![(PRE, "")],
            vec![("username", "gp"), ("password", PASSWORD), ("csrf", "")],
        ),
    ];
    for (cookies, fields) in attempts {
        let r = s.post("/sign-in").cookies(&cookies).form(&fields);
        assert_eq!(r.status, 403, "{cookies:?} {fields:?}: {}", r.text());
        assert!(r.set_cookie(SESSION).is_none(), "{:?}", r.headers);
    }
}

fn signing_in_from_another_origin_is_403(b: Backend) {
    let s = Server::start(b);
    let csrf = open_form(&s);
    for origin in [
        "http://evil.example",
        "https://evil.example",
        &format!("http://{}.evil.example", s.addr.ip()),
        "null",
    ] {
        let r = s
            .post("/sign-in")
            .cookies(&[(PRE, &csrf)])
            .header("Origin", origin)
            .form(&[("username", "gp"), ("password", PASSWORD), ("csrf", &csrf)]);
        assert_eq!(r.status, 403, "{origin}: {}", r.text());
        assert!(r.set_cookie(SESSION).is_none());
    }
    // Without an Origin, a cross-site fetch says so.
    let r = s
        .post("/sign-in")
        .cookies(&[(PRE, &csrf)])
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("username", "gp"), ("password", PASSWORD), ("csrf", &csrf)]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.set_cookie(SESSION).is_none());
}

fn signing_in_gives_a_strict_http_only_session_cookie(b: Backend) {
    let s = Server::start(b);
    let csrf = open_form(&s);
    let r = sign_in(&s, "social_worker", &csrf, &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/dashboard"));
    let token = r.cookie(SESSION).expect("a session cookie");
    assert!(token.len() >= 32);
    let attrs = r.cookie_attributes(SESSION);
    for a in ["httponly", "samesite=strict", "path=/"] {
        assert!(attrs.contains(&a.to_string()), "{a}: {attrs:?}");
    }
    assert!(!attrs.contains(&"secure".to_string()), "{attrs:?}");
    // The form's token is spent.
    assert_eq!(r.cookie(PRE).as_deref(), Some(""));
    // The cookie opens the dashboard.
    let d = page(&s, "/dashboard", &token);
    assert_eq!(d.status, 200, "{}", d.text());
    assert!(d.text().contains("social_worker"));
}

fn the_session_cookie_is_secure_behind_tls(b: Backend) {
    let s = Server::start(b);
    let csrf = open_form(&s);
    let r = sign_in(&s, "gp", &csrf, &[("X-Forwarded-Proto", "https")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let attrs = r.cookie_attributes(SESSION);
    assert!(attrs.contains(&"secure".to_string()), "{attrs:?}");
    assert!(attrs.contains(&"httponly".to_string()), "{attrs:?}");
    // So is the form's cookie.
    let f = s
        .get("/sign-in")
        .header("X-Forwarded-Proto", "https")
        .call();
    assert!(f.cookie_attributes(PRE).contains(&"secure".to_string()));
    // And every cookie when the service is configured as behind TLS.
    let s = Server::start_with(b, |c| c.secure_cookies = true);
    let csrf = open_form(&s);
    let r = sign_in(&s, "gp", &csrf, &[]);
    assert!(r.cookie_attributes(SESSION).contains(&"secure".to_string()));
}

fn every_sign_in_is_a_new_session(b: Backend) {
    let s = Server::start(b);
    let first = session(&s, "gp");
    // Signing in again from the same browser (sending the old session) gives a new id and ends
    // the old session.
    let r = s.get("/sign-in").cookies(&[(SESSION, &first)]).call();
    let csrf = r.cookie(PRE).expect("a form token");
    let r = s
        .post("/sign-in")
        .cookies(&[(PRE, &csrf), (SESSION, &first)])
        .form(&[("username", "gp"), ("password", PASSWORD), ("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    let second = r.cookie(SESSION).expect("a new session");
    assert_ne!(first, second);
    assert_eq!(page(&s, "/dashboard", &second).status, 200);
    let old = page(&s, "/dashboard", &first);
    assert_eq!(old.status, 303, "the old session still opens pages");
    // A session planted before sign-in (fixation) is not what the user gets either.
    let third = session(&s, "gp");
    assert!(![&first, &second].contains(&&third));
}

fn a_wrong_password_on_the_form_shows_the_form_again(b: Backend) {
    let s = Server::start(b);
    let csrf = open_form(&s);
    let r = s.post("/sign-in").cookies(&[(PRE, &csrf)]).form(&[
        ("username", "gp"),
        ("password", "wrong"),
        ("csrf", &csrf),
    ]);
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.set_cookie(SESSION).is_none());
    let html = r.text();
    assert!(html.contains("not right"), "{html}");
    // The user name is kept, escaped, and the form can be sent again.
    assert!(html.contains("value=\"gp\""));
    let csrf = hidden_input(&html, "csrf").expect("a token");
    let r = sign_in(&s, "gp", &csrf, &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    // Markup in a user name is shown as text.
    let csrf = open_form(&s);
    let r = s.post("/sign-in").cookies(&[(PRE, &csrf)]).form(&[
        ("username", "<script>x</script>"),
        ("password", "w"),
        ("csrf", &csrf),
    ]);
    assert_eq!(r.status, 401);
    assert!(!r.text().contains("<script>x"), "{}", r.text());
}

fn signing_out_needs_the_csrf_token(b: Backend) {
    let s = Server::start(b);
    let token = session(&s, "broker");
    let d = page(&s, "/dashboard", &token);
    let csrf = hidden_input(&d.text(), "csrf").expect("the sign-out form's token");
    for fields in [
        vec![],
        vec![("csrf", "0".repeat(64))],
        vec![("csrf", String::new())],
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = s
            .post("/sign-out")
            .cookies(&[(SESSION, &token)])
            .form(&fields);
        assert_eq!(r.status, 403, "{fields:?}: {}", r.text());
        assert_eq!(page(&s, "/dashboard", &token).status, 200, "signed out");
    }
    // From another origin, even with the token.
    let r = s
        .post("/sign-out")
        .cookies(&[(SESSION, &token)])
        .header("Origin", "http://evil.example")
        .form(&[("csrf", &csrf)]);
    assert_eq!(r.status, 403);
    assert_eq!(page(&s, "/dashboard", &token).status, 200);
    let r = s
        .post("/sign-out")
        .cookies(&[(SESSION, &token)])
        .header("Origin", &s.origin())
        .form(&[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/sign-in"));
    assert_eq!(r.cookie(SESSION).as_deref(), Some(""));
    let after = page(&s, "/dashboard", &token);
    assert_eq!(after.status, 303);
}

fn pages_without_a_session_redirect_to_sign_in(b: Backend) {
    let s = Server::start(b);
    for path in [
        "/dashboard",
        "/market",
        "/dashboard?from=2017-01-01&to=2017-02-01",
        "/",
    ] {
        for cookie in [None, Some("nope"), Some("")] {
            let mut req = s.get(path);
            if let Some(c) = cookie {
                req = req.cookies(&[(SESSION, c)]);
            }
            let r = req.call();
            assert!(
                [302, 303, 307].contains(&r.status),
                "{path} {cookie:?}: {}",
                r.status
            );
            assert_eq!(r.header("location"), Some("/sign-in"), "{path}");
        }
    }
    // Signed in, the home page is the dashboard.
    let t = session(&s, "gp");
    let r = page(&s, "/", &t);
    assert_eq!(r.header("location"), Some("/dashboard"));
}

/// The table row of the dashboard that links to indicator `id`'s chart.
fn row_of<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let at = html.find(&format!("/indicators/{id}\""))?;
    let start = html[..at].rfind("<tr")?;
    let end = at + html[at..].find("</tr>")?;
    Some(&html[start..end])
}

/// The text of the first `<td class="num">` cells of a row.
fn numbers(row: &str) -> Vec<String> {
    row.split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap_or("").trim().to_string())
        .collect()
}

fn the_dashboard_lists_every_indicator_with_its_value(b: Backend) {
    let s = Server::start(b);
    let t = session(&s, "analyst");
    for (query, from, to) in [
        ("", "2017-01-01", "2017-04-01"),
        ("?from=2017-02-01&to=2017-05-01", "2017-02-01", "2017-05-01"),
    ] {
        let r = page(&s, &format!("/dashboard{query}"), &t);
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/html"));
        let html = r.text();
        let report = serde_json::from_str::<serde_json::Value>(&s.store.metrics_json(
            from.parse().expect("a date"),
            to.parse().expect("a date"),
            false,
        ))
        .expect("JSON");
        for def in indicators::INDICATORS {
            let row = row_of(&html, def.id).unwrap_or_else(|| panic!("no row for {}", def.id));
            let i = report["indicators"]
                .as_array()
                .expect("indicators")
                .iter()
                .find(|i| i["id"] == def.id)
                .expect("in the report");
            let cells = numbers(row);
            assert_eq!(
                cells.first().map(String::as_str),
                Some(shown(i["value"].as_f64()).as_str()),
                "{}: {row}",
                def.id
            );
            assert_eq!(
                cells.get(1).map(String::as_str),
                Some(shown(i["numerator"].as_f64()).as_str()),
                "{}",
                def.id
            );
        }
        // The period shown is the one asked for.
        assert!(html.contains(&format!("value=\"{from}\"")), "{from}");
    }
    // A bad period is a page saying what is wrong, not a server fault.
    let r = page(&s, "/dashboard?from=2017-13-01", &t);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
}

fn the_market_page_lists_and_filters_providers(b: Backend) {
    let s = Server::start(b);
    let t = session(&s, "broker");
    let csv = std::fs::read_to_string(crate::harness::example("orgs.csv")).expect("orgs.csv");
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let provider_kinds = ["residential_home", "nursing_home", "home_care_agency"];
    let count = |kind: Option<&str>, rating: Option<&str>| {
        rows.iter()
            .filter(|r| provider_kinds.contains(&r[2]))
            .filter(|r| kind.is_none_or(|k| r[2] == k))
            .filter(|r| rating.is_none_or(|x| r[3] == x))
            .count()
    };
    let listed = |html: &str| html.matches("<tr><td>").count();
    let r = page(&s, "/market", &t);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(listed(&r.text()), count(None, None));
    for (query, kind, rating) in [
        ("?kind=nursing_home", Some("nursing_home"), None),
        ("?rating=inadequate", None, Some("inadequate")),
        (
            "?kind=residential_home&rating=good",
            Some("residential_home"),
            Some("good"),
        ),
        ("?kind=&rating=", None, None),
    ] {
        let r = page(&s, &format!("/market{query}"), &t);
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        let html = r.text();
        let n = count(kind, rating);
        assert_eq!(listed(&html), n, "{query}");
        if kind.is_some() || rating.is_some() {
            assert!(
                html.contains(&format!("{n} providers matching the filter")),
                "{query}"
            );
        }
        if let Some(k) = kind {
            for other in provider_kinds.iter().filter(|o| **o != k) {
                assert!(
                    !html.contains(&format!("<td>{other}</td>")),
                    "{query}: {other}"
                );
            }
            assert!(html.contains(&format!("value=\"{k}\" selected")), "{query}");
        }
    }
    assert!(count(Some("nursing_home"), None) > 0 && count(None, Some("inadequate")) > 0);
}

fn cookie_sessions_need_csrf_for_api_writes(b: Backend) {
    let s = Server::start(b);
    let token = session(&s, "discharge_coordinator");
    let csrf = hidden_input(&page(&s, "/dashboard", &token).text(), "csrf").expect("a token");
    let before = s.store.event_count();
    let line = format!(
        r#"{{"id":"ck1","kind":"death","at":"2017-04-01T00:00:00Z","person":"{}"}}"#,
        crate::harness::new_person(20)
    );
    // A page's session may read the API.
    assert_eq!(
        s.get("/api/me").cookies(&[(SESSION, &token)]).call().status,
        200
    );
    // But writes with it need the session's CSRF token.
    let r = s
        .post("/api/events")
        .cookies(&[(SESSION, &token)])
        .ndjson(&line);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(s.store.event_count(), before);
    let r = s
        .post("/api/events")
        .cookies(&[(SESSION, &token)])
        .header("X-CSRF-Token", &csrf)
        .header("Origin", "http://evil.example")
        .ndjson(&line);
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s
        .post("/api/events")
        .cookies(&[(SESSION, &token)])
        .header("X-CSRF-Token", &csrf)
        .ndjson(&line);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(s.store.event_count(), before + 1);
    // Ending the session over the API needs it too.
    let r = s
        .delete("/api/session")
        .cookies(&[(SESSION, &token)])
        .call();
    assert_eq!(r.status, 403);
    assert_eq!(page(&s, "/dashboard", &token).status, 200);
}
