//! `POST /api/events`: JSON Lines validated exactly as `import` validates, against the whole
//! stored log, all or nothing, idempotent by id, only for roles that may write, and safe under
//! concurrent writers.

use crate::harness::{new_person, registered, Backend, Server};
use serde_json::json;
use std::sync::Arc;

crate::on_each_backend!(
    valid_events_are_appended_once,
    a_bad_field_is_422_naming_line_and_field_and_writes_nothing,
    a_rule_broken_against_stored_events_is_422,
    a_changed_event_under_a_stored_id_is_422,
    roles_that_may_not_write_are_403,
    the_wrong_content_type_is_400,
    a_body_over_the_limit_is_413,
    concurrent_appends_keep_the_rules,
);

fn death(id: &str, person: &str, day: u32) -> String {
    format!(
        r#"{{"id":"{id}","kind":"death","at":"2017-04-{day:02}T12:00:00Z","person":"{person}"}}"#
    )
}

fn valid_events_are_appended_once(b: Backend) {
    let s = Server::start(b);
    let t = s.token("discharge_coordinator");
    let before = s.store.event_count();
    let p = new_person(1);
    let admission = format!(
        r#"{{"id":"w-adm","kind":"admission","at":"2017-04-02T10:00:00Z","person":"{p}","spell":"w-s1","org":"RJE","method":"emergency"}}"#
    );
    let body = format!("{}\n{admission}\n", registered("w-reg", &p));
    let r = s.post("/api/events").bearer(&t).ndjson(&body);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json(), json!({"appended": 2, "already_stored": 0}));
    assert_eq!(s.store.event_count(), before + 2);
    // The same again: nothing new.
    let r = s.post("/api/events").bearer(&t).ndjson(&body);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json(), json!({"appended": 0, "already_stored": 2}));
    assert_eq!(s.store.event_count(), before + 2);
    // Blank lines and CRLF endings are fine; an empty body appends nothing.
    let r = s
        .post("/api/events")
        .bearer(&t)
        .ndjson(&format!("\r\n{}\r\n\r\n", death("w-d", &p, 20)));
    assert_eq!(r.json(), json!({"appended": 1, "already_stored": 0}));
    let r = s.post("/api/events").bearer(&t).ndjson("");
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json(), json!({"appended": 0, "already_stored": 0}));
    // The service counts what it stored.
    let status = s.get("/api/status").bearer(&t).call().json();
    assert_eq!(status["events"], json!(before + 3));
    // Every role that may write, may.
    for (i, role) in ["social_worker", "broker", "provider", "gp", "admin"]
        .into_iter()
        .enumerate()
    {
        let t = s.token(role);
        let r = s.post("/api/events").bearer(&t).ndjson(&registered(
            &format!("w-role-{i}"),
            &new_person(10 + i as u32),
        ));
        assert_eq!(r.status, 201, "{role}: {}", r.text());
    }
}

fn a_bad_field_is_422_naming_line_and_field_and_writes_nothing(b: Backend) {
    let s = Server::start(b);
    let t = s.token("social_worker");
    let before = s.store.event_count();
    let p = new_person(2);
    let cases = [
        (
            r#"{"id":"b3","kind":"person_registered","at":"2016-06-01T09:00:00Z","person":"PERSON","birth_date":"1931-02-03","sex":"sideways","gp":"M83041","residence":"own_home"}"#.replace("PERSON", &p),
            "sex",
        ),
        (
            r#"{"id":"b3","kind":"death","at":"2017-04-31T12:00:00Z","person":"PERSON"}"#.replace("PERSON", &new_person(3)),
            "at",
        ),
        (
            r#"{"id":"b3","kind":"death","at":"2017-04-01T12:00:00Z","person":"9434765918"}"#.to_string(),
            "person",
        ),
        (
            r#"{"id":"b3","kind":"admission","at":"2017-04-01T12:00:00Z","person":"PERSON","spell":"b-s","org":"NOPE","method":"emergency"}"#.replace("PERSON", &p),
            "org",
        ),
    ];
    for (bad, field) in cases {
        // Two good lines, a blank one, then the bad one: line 4, counted as sent.
        let body = format!(
            "{}\n{}\n\n{bad}\n",
            registered("b1", &p),
            death("b2", &new_person(4), 3)
        );
        let r = s.post("/api/events").bearer(&t).ndjson(&body);
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        let v = r.json();
        assert!(v["error"].is_string(), "{v}");
        let errors = v["errors"].as_array().expect("errors");
        assert!(!errors.is_empty());
        let e = &errors[0];
        assert_eq!(e["line"], 4, "{v}");
        assert_eq!(e["field"], field, "{v}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert_eq!(
            s.store.event_count(),
            before,
            "something was written: {bad}"
        );
    }
    // A line that is not JSON.
    let r = s
        .post("/api/events")
        .bearer(&t)
        .ndjson(&format!("{}\nnot json\n", registered("b1", &p)));
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["line"], 2);
    assert_eq!(s.store.event_count(), before);
    // The good lines alone go in: nothing of the refused requests was left behind.
    let r = s
        .post("/api/events")
        .bearer(&t)
        .ndjson(&registered("b1", &p));
    assert_eq!(r.json(), json!({"appended": 1, "already_stored": 0}));
}

fn a_rule_broken_against_stored_events_is_422(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    let p = new_person(5);
    let r = s.post("/api/events").bearer(&t).ndjson(&format!(
        "{}\n{}",
        registered("r1", &p),
        death("r2", &p, 10)
    ));
    assert_eq!(r.status, 201, "{}", r.text());
    let before = s.store.event_count();
    // A second death, in a later request: checked against what is stored.
    let r = s.post("/api/events").bearer(&t).ndjson(&format!(
        "{}\n{}",
        registered("r3", &new_person(6)),
        death("r4", &p, 20)
    ));
    assert_eq!(r.status, 422, "{}", r.text());
    let e = &r.json()["errors"][0];
    assert_eq!(e["line"], 2, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("death"), "{e}");
    assert_eq!(s.store.event_count(), before);
    // A person of the example log who died there cannot die again either.
    let r = s
        .post("/api/events")
        .bearer(&t)
        .ndjson(r#"{"id":"r5","kind":"death","at":"2017-09-01T00:00:00Z","person":"9990000549"}"#);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(s.store.event_count(), before);
}

fn a_changed_event_under_a_stored_id_is_422(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    let before = s.store.event_count();
    // `p0e1` is the example log's first event, here with another birth date.
    let r = s.post("/api/events").bearer(&t).ndjson(
        r#"{"id":"p0e1","kind":"person_registered","at":"2012-03-27T16:13:13Z","person":"9990000018","birth_date":"1927-08-15","sex":"male","gp":"M83041","residence":"own_home"}"#,
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["line"], 1);
    assert_eq!(s.store.event_count(), before);
    // As stored: a no-op.
    let first = std::fs::read_to_string(crate::harness::example("events.jsonl"))
        .expect("the example log")
        .lines()
        .next()
        .expect("a line")
        .to_string();
    let r = s.post("/api/events").bearer(&t).ndjson(&first);
    assert_eq!(r.json(), json!({"appended": 0, "already_stored": 1}));
}

fn roles_that_may_not_write_are_403(b: Backend) {
    let s = Server::start(b);
    let before = s.store.event_count();
    for role in ["analyst", "voluntary_sector"] {
        let t = s.token(role);
        let r = s
            .post("/api/events")
            .bearer(&t)
            .ndjson(&registered("x1", &new_person(7)));
        assert_eq!(r.status, 403, "{role}: {}", r.text());
        r.error();
    }
    assert_eq!(s.store.event_count(), before);
}

fn the_wrong_content_type_is_400(b: Backend) {
    let s = Server::start(b);
    let t = s.token("broker");
    let before = s.store.event_count();
    let line = registered("c1", &new_person(8));
    for ct in ["application/json", "text/plain", "multipart/form-data", ""] {
        let r = s.post("/api/events").bearer(&t).send(ct, line.as_bytes());
        assert_eq!(r.status, 400, "{ct:?}: {}", r.text());
        assert_eq!(r.error().1.as_deref(), Some("Content-Type"), "{ct:?}");
    }
    assert_eq!(s.store.event_count(), before);
    // With a charset it is still JSON Lines.
    let r = s
        .post("/api/events")
        .bearer(&t)
        .send("application/x-ndjson; charset=utf-8", line.as_bytes());
    assert_eq!(r.status, 201, "{}", r.text());
}

fn a_body_over_the_limit_is_413(b: Backend) {
    let limit = 2048;
    let s = Server::start_with(b, |c| c.max_body_bytes = limit);
    let t = s.token("broker");
    let before = s.store.event_count();
    let mut body = String::new();
    let mut i = 0;
    while body.len() <= limit {
        body.push_str(&registered(&format!("big{i}"), &new_person(100 + i)));
        body.push('\n');
        i += 1;
    }
    let r = s.post("/api/events").bearer(&t).ndjson(&body);
    assert_eq!(r.status, 413, "{}", r.text());
    r.error();
    assert_eq!(s.store.event_count(), before);
    // A sign-in over the limit too, in the API's JSON.
    let r = s
        .post("/api/session")
        .json(&json!({"username": "gp", "password": "p".repeat(limit)}));
    assert_eq!(r.status, 413, "{}", r.text());
    r.error();
    // Under the limit it goes in.
    let r = s
        .post("/api/events")
        .bearer(&t)
        .ndjson(&registered("big-small", &new_person(99)));
    assert_eq!(r.status, 201, "{}", r.text());
}

fn concurrent_appends_keep_the_rules(b: Backend) {
    let s = Arc::new(Server::start(b));
    let t = s.token("discharge_coordinator");
    let p = new_person(9);
    let r = s
        .post("/api/events")
        .bearer(&t)
        .ndjson(&registered("k-reg", &p));
    assert_eq!(r.status, 201, "{}", r.text());
    let before = s.store.event_count();
    let same = format!(
        r#"{{"id":"k-same","kind":"residence_changed","at":"2017-03-01T00:00:00Z","person":"{p}","residence":"own_home"}}"#
    );
    let handles: Vec<_> = (0..8u32)
        .map(|i| {
            let (s, t, p, same) = (s.clone(), t.clone(), p.clone(), same.clone());
            std::thread::spawn(move || {
                let died =
                    s.post("/api/events")
                        .bearer(&t)
                        .ndjson(&death(&format!("k-d{i}"), &p, 10 + i));
                let same = s.post("/api/events").bearer(&t).ndjson(&same);
                assert_eq!(same.status, 201, "{}", same.text());
                assert!(
                    died.status == 201 || died.status == 422,
                    "{}: {}",
                    died.status,
                    died.text()
                );
                (
                    died.status,
                    same.json()["appended"].as_u64().expect("appended"),
                )
            })
        })
        .collect();
    let results: Vec<(u16, u64)> = handles
        .into_iter()
        .map(|h| h.join().expect("a writer"))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.0 == 201).count(),
        1,
        "one death only: {results:?}"
    );
    assert_eq!(results.iter().map(|r| r.1).sum::<u64>(), 1, "{results:?}");
    assert_eq!(s.store.event_count(), before + 2);
    let status = s.get("/api/status").bearer(&t).call().json();
    assert_eq!(status["events"], json!(before + 2));
}
