//! The person record, the flow board, the delayed-transfers snapshot and break glass, behind
//! the access rules (`access.md`), driven over HTTP as users would, on every back end.
//!
//! The access matrix is generated: every test user (one per role) × every kind of
//! relationship a person can have with the users' organisations (the five rules, a stay
//! ended 89 and 91 days ago, none, break glass) × every surface (person page, timeline API,
//! flow board, break glass). What each user should see is worked out here from `access.md`'s
//! table and rules, not read from the service.

use crate::harness::{new_person, Backend, Server, USERS};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use store::{Action, AuditFilter};

crate::on_each_backend!(
    the_access_matrix_over_http,
    nhs_numbers_with_spaces_or_a_wrong_check_digit,
    the_flow_board_records_steps_and_refuses_a_stale_form,
    the_dtoc_snapshot_agrees_with_the_indicator,
    the_privacy_officer_reviews_break_glass,
    a_grant_made_on_one_service_is_honoured_by_another,
    small_numbers_are_suppressed_for_aggregate_roles,
    concurrent_looks_are_each_recorded_in_one_chain,
);

/// Looks recorded together (group commit) keep one chain, each look its own entry.
fn concurrent_looks_are_each_recorded_in_one_chain(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    std::thread::scope(|sc| {
        for _ in 0..16 {
            sc.spawn(|| {
                for _ in 0..4 {
                    let r = s.get("/api/people/9990000018/timeline").bearer(&t).call();
                    assert_eq!(r.status, 200, "{}", r.text());
                }
            });
        }
    });
    let looks = audit(
        &s,
        AuditFilter {
            person: Some("9990000018".into()),
            action: Some(Action::ViewPerson),
            ..AuditFilter::default()
        },
    );
    assert_eq!(looks.len(), 64);
    let seqs: Vec<i64> = looks.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

/// The kinds of relationship a person of the matrix has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Rule 1: registered with the test GP practice M83041.
    Gp,
    /// Rule 2: lives in the care home RH001.
    CareHome,
    /// Rule 3: in hospital at RJE, not yet ready.
    Episode,
    /// Rules 3 and 4(b): in hospital at RJE and ready for discharge.
    Ready,
    /// Rule 4(a): a care needs assessment with no org, open.
    Council,
    /// Rule 5: a CHC assessment with no org, open.
    Ccg,
    /// A stay at RJE that ended 89 days ago: still in force.
    Ended89,
    /// A stay at RJE that ended 91 days ago: lapsed.
    Ended91,
    /// No relationship with anyone.
    None,
    /// No relationship; the user breaks glass.
    BreakGlass,
}

const KINDS: [Kind; 10] = [
    Kind::Gp,
    Kind::CareHome,
    Kind::Episode,
    Kind::Ready,
    Kind::Council,
    Kind::Ccg,
    Kind::Ended89,
    Kind::Ended91,
    Kind::None,
    Kind::BreakGlass,
];

impl Kind {
    /// The organisations with a legitimate relationship, by `access.md`.
    fn orgs(self) -> &'static [&'static str] {
        match self {
            Kind::Gp => &["M83041"],
            Kind::CareHome => &["RH001"],
            Kind::Episode | Kind::Ended89 => &["RJE"],
            Kind::Ready => &["RJE", "00W"],
            Kind::Council => &["00W"],
            Kind::Ccg => &["05W"],
            Kind::Ended91 | Kind::None | Kind::BreakGlass => &[],
        }
    }
}

/// `access.md`'s role table: (sees people by relationship, may break glass).
fn role_rights(role: &str) -> (bool, bool) {
    match role {
        "discharge_coordinator" | "social_worker" | "provider" | "gp" => (true, true),
        "broker" => (true, false),
        _ => (false, false),
    }
}

fn line(id: &str, at: &str, nhs: &str, kind: &str, fields: Value) -> String {
    let mut v = json!({"id": id, "kind": kind, "at": at, "person": nhs});
    for (k, x) in fields.as_object().expect("an object") {
        v[k] = x.clone();
    }
    v.to_string()
}

/// The events that give person `nhs` the relationship `kind` (today is 2017-05-01).
fn events(kind: Kind, nhs: &str, n: u32) -> Vec<String> {
    let id = |s: &str| format!("m{n}-{s}");
    let gp = if kind == Kind::Gp { "M83041" } else { "M83001" };
    let mut reg =
        json!({"birth_date": "1930-01-01", "sex": "female", "gp": gp, "residence": "own_home"});
    if kind == Kind::CareHome {
        reg["residence"] = json!("residential_home");
        reg["care_home"] = json!("RH001");
    }
    let mut out = vec![line(
        &id("r"),
        "2016-01-01T00:00:00Z",
        nhs,
        "person_registered",
        reg,
    )];
    let spell = json!({"spell": id("s")});
    let admit = |at: &str| {
        line(
            &id("a"),
            at,
            nhs,
            "admission",
            json!({"spell": id("s"), "org": "RJE", "method": "emergency"}),
        )
    };
    match kind {
        Kind::Episode => out.push(admit("2017-04-28T10:00:00Z")),
        Kind::Ready => {
            out.push(admit("2017-04-20T10:00:00Z"));
            out.push(line(&id("y"), "2017-04-25T10:00:00Z", nhs, "ready_for_discharge", spell.clone()));
        }
        Kind::Council | Kind::Ccg => out.push(line(
            &id("q"),
            "2017-04-20T10:00:00Z",
            nhs,
            "assessment_requested",
            json!({"assessment": id("q"), "type": if kind == Kind::Ccg { "chc" } else { "care_needs" }}),
        )),
        Kind::Ended89 | Kind::Ended91 => {
            out.push(admit("2017-01-01T10:00:00Z"));
            // 89 or 91 x 24 hours before the service's midnight of 1 May (23:00 UTC on 30 April).
            let at = if kind == Kind::Ended89 {
                "2017-01-31T23:00:00Z"
            } else {
                "2017-01-29T23:00:00Z"
            };
            out.push(line(
                &id("d"),
                at,
                nhs,
                "discharge",
                json!({"spell": id("s"), "destination": "usual_residence"}),
            ));
        }
        _ => {}
    }
    out
}

fn add(s: &Server, token: &str, lines: &[String]) {
    let r = s
        .post("/api/events")
        .bearer(token)
        .ndjson(&(lines.join("\n") + "\n"));
    assert_eq!(r.status, 201, "{}", r.text());
}

fn audit(s: &Server, f: AuditFilter) -> Vec<store::StoredEntry> {
    let log = store::open_audit(&s.store.location).expect("the audit log");
    log.verify().expect("the chain verifies");
    log.entries(&f).expect("the entries")
}

fn the_access_matrix_over_http(b: Backend) {
    let s = Server::start(b);
    let writer = s.token("discharge_coordinator");
    // One person per (kind, role), so break glass by one user does not open it for another.
    let mut people = Vec::new();
    let mut all = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        for (u, _) in USERS.iter().enumerate() {
            let n = 100 + (k * USERS.len() + u) as u32;
            let nhs = new_person(n);
            all.extend(events(*kind, &nhs, n));
            people.push((*kind, u, nhs));
        }
    }
    add(&s, &writer, &all);
    let tokens: Vec<String> = USERS.iter().map(|(u, _)| s.token(u)).collect();
    let mut checked = 0;
    for (kind, u, nhs) in &people {
        let (role, org) = USERS[*u];
        let token = &tokens[*u];
        let (sees, glass) = role_rights(role);
        let related = sees && kind.orgs().contains(&org);
        let case = format!("{role} ({org}) and a person of kind {kind:?}");
        if *kind == Kind::BreakGlass {
            let r = s
                .post(&format!("/api/people/{nhs}/break-glass"))
                .bearer(token)
                .json(&json!({"reason": "collapsed in clinic; history needed now"}));
            if glass {
                assert_eq!(r.status, 201, "{case}: {}", r.text());
                assert_eq!(r.json()["flagged"], true);
                let g = audit(
                    &s,
                    AuditFilter {
                        username: Some(role.into()),
                        person: Some(nhs.clone()),
                        action: Some(Action::BreakGlass),
                        ..AuditFilter::default()
                    },
                );
                assert_eq!(g.len(), 1, "{case}: one break-glass entry");
                assert_eq!(
                    g[0].entry.reason.as_deref(),
                    Some("collapsed in clinic; history needed now")
                );
            } else {
                assert_eq!(r.status, 403, "{case}: {}", r.text());
                assert_eq!(r.json()["break_glass"], false, "{case}");
            }
        } else if related {
            // With a relationship, break glass is not what is needed.
            let r = s
                .post(&format!("/api/people/{nhs}/break-glass"))
                .bearer(token)
                .json(&json!({"reason": "collapsed in clinic; history needed now"}));
            assert_eq!(r.status, 409, "{case}: {}", r.text());
        }
        let allowed = related || (*kind == Kind::BreakGlass && glass);
        // The timeline API.
        let r = s
            .get(&format!("/api/people/{nhs}/timeline"))
            .bearer(token)
            .call();
        if allowed {
            assert_eq!(r.status, 200, "{case}: {}", r.text());
            let v = r.json();
            assert_eq!(v["person"], json!(nhs));
            assert!(!v["timeline"].as_array().unwrap().is_empty(), "{case}");
            if *kind == Kind::BreakGlass {
                assert!(v["access"]["break_glass_until"].is_string(), "{case}");
            }
        } else {
            assert_eq!(r.status, 403, "{case}: {}", r.text());
            let v = r.json();
            assert!(v["error"].as_str().unwrap().len() > 10);
            assert_eq!(
                v["break_glass"],
                json!(glass && *kind != Kind::BreakGlass),
                "{case}"
            );
        }
        // The page.
        let p = s.get(&format!("/people/{nhs}")).bearer(token).call();
        assert_eq!(p.status, if allowed { 200 } else { 403 }, "{case}: page");
        if allowed {
            assert!(p.text().contains("Timeline"), "{case}");
        } else {
            assert!(
                !p.text().contains("Timeline"),
                "{case}: nothing of the record shown"
            );
        }
        // Each look left an entry saying whether it was refused.
        let looks = audit(
            &s,
            AuditFilter {
                username: Some(role.into()),
                person: Some(nhs.clone()),
                action: Some(Action::ViewPerson),
                ..AuditFilter::default()
            },
        );
        assert_eq!(looks.len(), 2, "{case}: one entry per look");
        for l in &looks {
            let refused = l
                .entry
                .reason
                .as_deref()
                .unwrap_or("")
                .starts_with("refused");
            assert_eq!(refused, !allowed, "{case}: {:?}", l.entry.reason);
            assert_eq!(l.entry.org, org);
            assert_eq!(l.entry.client.as_deref(), Some("127.0.0.1"));
        }
        checked += 1;
    }
    assert_eq!(checked, KINDS.len() * USERS.len());
    // The flow board: exactly the ready people the user may see (the example log's own ready
    // people are there too, seen by the same rule).
    for (u, (role, org)) in USERS.iter().enumerate() {
        let (sees, _) = role_rights(role);
        let r = s.get("/api/flow-board").bearer(&tokens[u]).call();
        assert_eq!(r.status, 200, "{role}: {}", r.text());
        let v = r.json();
        if !sees {
            assert_eq!(v["aggregate"], true, "{role}");
            assert!(v.get("rows").is_none(), "{role}: no one named");
            continue;
        }
        let listed: BTreeSet<String> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["person"].as_str().unwrap().to_string())
            .collect();
        let mine: BTreeSet<String> = people
            .iter()
            .filter(|(k, _, _)| *k == Kind::Ready)
            .map(|p| p.2.clone())
            .collect();
        let expected: BTreeSet<String> = if Kind::Ready.orgs().contains(org) {
            mine.clone()
        } else {
            BTreeSet::new()
        };
        assert_eq!(
            listed.intersection(&mine).cloned().collect::<BTreeSet<_>>(),
            expected,
            "{role}"
        );
        // Everyone listed is someone the user may open.
        for p in listed.iter().take(5) {
            let r = s
                .get(&format!("/api/people/{p}/timeline"))
                .bearer(&tokens[u])
                .call();
            assert_eq!(r.status, 200, "{role}: listed {p} but may not open them");
        }
        let boards = audit(
            &s,
            AuditFilter {
                username: Some(role.to_string()),
                action: Some(Action::SearchPerson),
                ..AuditFilter::default()
            },
        );
        assert!(
            !boards.is_empty(),
            "{role}: the look at the board is recorded"
        );
    }
}

fn nhs_numbers_with_spaces_or_a_wrong_check_digit(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    // 9990000018 is registered with M83041 in the example log.
    let r = s
        .get("/api/people/999%20000%200018/timeline")
        .bearer(&t)
        .call();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["person"], "9990000018");
    let r = s.get("/api/people/9990000019/timeline").bearer(&t).call();
    assert_eq!(r.status, 400);
    let (message, field) = r.error();
    assert!(message.contains("check digit"), "{message}");
    assert_eq!(field.as_deref(), Some("nhs"));
    let r = s.get("/api/people/12345/timeline").bearer(&t).call();
    assert_eq!(r.status, 400);
    assert!(r.error().0.contains("10 digits"));
    // The search page: a wrong number is named on the page; a right one is recorded and opened.
    let r = s.get("/people?nhs=999+000+0019").bearer(&t).call();
    assert_eq!(r.status, 400);
    assert!(r.text().contains("check digit"));
    let r = s.get("/people?nhs=999+000+0018").bearer(&t).call();
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/people/9990000018"));
    let searches = audit(
        &s,
        AuditFilter {
            action: Some(Action::SearchPerson),
            ..AuditFilter::default()
        },
    );
    assert_eq!(searches.len(), 1);
    assert_eq!(searches[0].entry.person.as_deref(), Some("9990000018"));
}

fn ready_person(s: &Server, token: &str, n: u32) -> (String, String) {
    let nhs = new_person(n);
    add(s, token, &events(Kind::Ready, &nhs, n));
    (nhs, format!("m{n}-s"))
}

fn the_flow_board_records_steps_and_refuses_a_stale_form(b: Backend) {
    let s = Server::start(b);
    let t = s.token("discharge_coordinator");
    // Someone in hospital, not ready: listed apart, and recorded ready from the board.
    let waiting = new_person(8);
    add(&s, &t, &events(Kind::Episode, &waiting, 8));
    let v = s.get("/api/flow-board").bearer(&t).call().json();
    let w = v["not_ready"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["person"] == json!(waiting))
        .cloned()
        .expect("listed as not ready");
    assert!(!v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["person"] == json!(waiting)));
    let r = s
        .post(&format!("/api/flow-board/{waiting}/m8-s"))
        .bearer(&t)
        .json(&json!({"step": "ready", "version": w["version"]}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = s.get("/api/flow-board").bearer(&t).call().json();
    assert!(v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["person"] == json!(waiting) && r["days_ready"] == 0));
    let (nhs, spell) = ready_person(&s, &t, 7);
    let row = |s: &Server| -> Value {
        let v = s.get("/api/flow-board").bearer(&t).call().json();
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["person"] == json!(nhs))
            .cloned()
            .expect("on the board")
    };
    let first = row(&s);
    assert_eq!(first["delay_reason"], Value::Null);
    assert!(first["days_ready"].as_i64().unwrap() >= 5);
    let version = first["version"].as_u64().unwrap();
    let url = format!("/api/flow-board/{nhs}/{spell}");
    let before = s.store.event_count();
    let r = s
        .post(&url)
        .bearer(&t)
        .json(&json!({"step": "delay_reason", "version": version, "reason": "E"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let now = row(&s);
    assert_eq!(now["delay_reason"], "care_package_home");
    assert_eq!(now["responsible"], "nhs", "the reason's default");
    assert_eq!(s.store.event_count(), before + 1);
    // The same form again is stale: nothing written.
    let r = s
        .post(&url)
        .bearer(&t)
        .json(&json!({"step": "pathway", "version": version, "pathway": 1}));
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.error().0.contains("changed since"));
    assert_eq!(s.store.event_count(), before + 1);
    // Bad fields are named.
    let v2 = now["version"].as_u64().unwrap();
    for (body, field) in [
        (
            json!({"step": "delay_reason", "version": v2, "reason": "Z"}),
            "reason",
        ),
        (
            json!({"step": "pathway", "version": v2, "pathway": 7}),
            "pathway",
        ),
        (json!({"step": "discharge", "version": v2}), "destination"),
        (json!({"step": "fly", "version": v2}), "step"),
    ] {
        let r = s.post(&url).bearer(&t).json(&body);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert_eq!(r.error().1.as_deref(), Some(field), "{body}");
    }
    assert_eq!(s.store.event_count(), before + 1);
    // Pathway, then filters, then the discharge takes them off the board.
    let r = s
        .post(&url)
        .bearer(&t)
        .json(&json!({"step": "pathway", "version": v2, "pathway": 1}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v3 = r.json()["version"].as_u64().unwrap();
    assert_eq!(row(&s)["pathway"], 1);
    let filtered = |q: &str| -> Vec<Value> {
        s.get(&format!("/api/flow-board?{q}"))
            .bearer(&t)
            .call()
            .json()["rows"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert!(filtered("reason=care_package_home&pathway=1")
        .iter()
        .any(|r| r["person"] == json!(nhs)));
    assert!(!filtered("reason=housing")
        .iter()
        .any(|r| r["person"] == json!(nhs)));
    assert!(filtered("responsible=nhs&org=RJE")
        .iter()
        .any(|r| r["person"] == json!(nhs)));
    let r = s.get("/api/flow-board?reason=nonsense").bearer(&t).call();
    assert_eq!(r.status, 400);
    assert_eq!(r.error().1.as_deref(), Some("reason"));
    // Two forms made on the same version at once: one lands, the other is a conflict.
    let outcomes: Vec<u16> = std::thread::scope(|sc| {
        let hs: Vec<_> = ["F", "G"]
            .iter()
            .map(|reason| {
                let (s, t, url) = (&s, &t, &url);
                sc.spawn(move || {
                    s.post(url)
                        .bearer(t)
                        .json(&json!({"step": "delay_reason", "version": v3, "reason": reason}))
                        .status
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = outcomes.clone();
    sorted.sort();
    assert_eq!(sorted, [201, 409], "{outcomes:?}");
    let v4 = row(&s)["version"].as_u64().unwrap();
    let r = s.post(&url).bearer(&t).json(&json!({"step": "discharge", "version": v4, "destination": "usual_residence_with_support", "pathway": 1}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = s.get("/api/flow-board").bearer(&t).call().json();
    assert!(
        !v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["person"] == json!(nhs)),
        "discharged"
    );
    // Every step is in the log, recorded by the user's organisation, and in the audit log.
    let tl = s
        .get(&format!("/api/people/{nhs}/timeline"))
        .bearer(&t)
        .call()
        .json();
    let kinds: Vec<&str> = tl["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        &kinds[..4],
        [
            "discharge",
            "delay_reason",
            "pathway_planned",
            "delay_reason"
        ]
    );
    let appends = audit(
        &s,
        AuditFilter {
            person: Some(nhs.clone()),
            action: Some(Action::Append),
            ..AuditFilter::default()
        },
    );
    assert_eq!(appends.len(), 4);
    // A social worker of the council sees the person now (4(b) lapsed with the discharge, but
    // 4(a) does not hold either): refused.
    let sw = s.token("social_worker");
    let r = s
        .post(&url)
        .bearer(&sw)
        .json(&json!({"step": "pathway", "version": 0, "pathway": 1}));
    assert_eq!(r.status, 403, "{}", r.text());
    // An analyst may not write.
    let an = s.token("analyst");
    let r = s
        .post(&url)
        .bearer(&an)
        .json(&json!({"step": "pathway", "version": 0, "pathway": 1}));
    assert_eq!(r.status, 403);
}

fn the_dtoc_snapshot_agrees_with_the_indicator(b: Backend) {
    let s = Server::start(b);
    let t = s.token("analyst");
    for (date, from, to) in [
        ("2017-03-31", "2017-03-01", "2017-04-01"),
        ("2017-02-28", "2017-02-01", "2017-03-01"),
    ] {
        let r = s.get(&format!("/api/dtoc?date={date}")).bearer(&t).call();
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        let text = r.text();
        let mut days = 0u64;
        for row in text.lines().skip(1) {
            let f: Vec<&str> = row.split(',').collect();
            assert_eq!(f.len(), 8, "{row}");
            days += f[7].parse::<u64>().unwrap();
        }
        let m: Value = serde_json::from_str(&s.store.metrics_json(
            domain::parse_date(from).unwrap(),
            domain::parse_date(to).unwrap(),
            false,
        ))
        .unwrap();
        let dtoc = m["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "dtoc_delayed_days_per_100k")
            .unwrap();
        assert_eq!(days as f64, dtoc["numerator"].as_f64().unwrap(), "{date}");
        assert!(days > 0, "{date}: the example log has delays");
    }
    let exports = audit(
        &s,
        AuditFilter {
            action: Some(Action::Export),
            ..AuditFilter::default()
        },
    );
    assert_eq!(exports.len(), 2, "each download is recorded");
    assert_eq!(exports[0].entry.username, "analyst");
    let r = s.get("/api/dtoc?date=2017-02-30").bearer(&t).call();
    assert_eq!(r.status, 400);
    assert_eq!(r.error().1.as_deref(), Some("date"));
    let p = s.get("/dtoc?date=2017-03-31").bearer(&t).call();
    assert_eq!(p.status, 200);
    assert!(
        !p.text().contains("dtoc-named"),
        "an analyst sees no one named"
    );
}

fn the_privacy_officer_reviews_break_glass(b: Backend) {
    let s = Server::start(b);
    let gp = s.token("gp");
    let nhs = new_person(3);
    add(&s, &gp, &events(Kind::None, &nhs, 3));
    let r = s
        .post(&format!("/api/people/{nhs}/break-glass"))
        .bearer(&gp)
        .json(&json!({"reason": "short"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.error().1.as_deref(), Some("reason"));
    let r = s
        .post(&format!("/api/people/{nhs}/break-glass"))
        .bearer(&gp)
        .json(&json!({"reason": "  unconscious at the surgery  "}));
    assert_eq!(r.status, 201, "{}", r.text());
    // Later, the person registers with this practice: the queue shows it.
    add(
        &s,
        &gp,
        &[line(
            "m3-r2",
            "2017-04-30T12:00:00Z",
            &nhs,
            "person_registered",
            json!({"birth_date": "1930-01-01", "sex": "female", "gp": "M83041", "residence": "own_home"}),
        )],
    );
    let admin = s.token("admin");
    assert_eq!(s.get("/api/privacy/queue").bearer(&gp).call().status, 403);
    let q = s.get("/api/privacy/queue").bearer(&admin).call().json();
    let entry = &q["queue"][0];
    assert_eq!(entry["person"], json!(nhs));
    assert_eq!(entry["reason"], "unconscious at the surgery");
    assert!(
        entry["relationship_later"]["relationship"]
            .as_str()
            .unwrap()
            .contains("GP"),
        "{entry}"
    );
    assert_eq!(entry["outcome"], Value::Null);
    let seq = entry["seq"].as_i64().unwrap();
    let url = format!("/api/privacy/{seq}/outcome");
    let r = s
        .post(&url)
        .bearer(&admin)
        .json(&json!({"outcome": "fine", "comment": "x"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.error().1.as_deref(), Some("outcome"));
    let r = s
        .post(&url)
        .bearer(&admin)
        .json(&json!({"outcome": "justified", "comment": "registered the same day"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = s
        .post(&url)
        .bearer(&admin)
        .json(&json!({"outcome": "escalated", "comment": "again"}));
    assert_eq!(r.status, 409, "one outcome each");
    let q = s.get("/api/privacy/queue").bearer(&admin).call().json();
    assert_eq!(q["queue"][0]["outcome"]["outcome"], "justified");
    let outcomes = audit(
        &s,
        AuditFilter {
            action: Some(Action::PrivacyOutcome),
            ..AuditFilter::default()
        },
    );
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].entry.username, "admin");
    // The audit page and API filter by user, person, kind and date.
    let a = s
        .get(&format!("/api/audit?person={nhs}&kind=break_glass"))
        .bearer(&admin)
        .call()
        .json();
    assert_eq!(a["entries"].as_array().unwrap().len(), 1);
    let a = s
        .get("/api/audit?user=gp&kind=sign_in&from=2000-01-01")
        .bearer(&admin)
        .call()
        .json();
    assert!(!a["entries"].as_array().unwrap().is_empty());
    assert_eq!(
        s.get("/api/audit?kind=peek").bearer(&admin).call().status,
        400
    );
    let page = s.get(&format!("/audit?person={nhs}")).bearer(&admin).call();
    assert_eq!(page.status, 200);
    assert!(page.text().contains("unconscious at the surgery"));
    assert_eq!(s.get("/audit").bearer(&gp).call().status, 403);
    // Who viewed the record, on the record.
    let tl = s
        .get(&format!("/api/people/{nhs}/timeline"))
        .bearer(&gp)
        .call()
        .json();
    let by: Vec<&str> = tl["viewed_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["action"].as_str().unwrap())
        .collect();
    assert!(
        by.contains(&"break_glass") && by.contains(&"view_person"),
        "{by:?}"
    );
}

fn small_numbers_are_suppressed_for_aggregate_roles(b: Backend) {
    let s = Server::start(b);
    let dc = s.token("discharge_coordinator");
    // Two people ready at the community trust's beds is a breakdown count of 2.
    let mut lines = Vec::new();
    for n in [41u32, 42] {
        let nhs = new_person(n);
        let mut e = events(Kind::Ready, &nhs, n);
        e[1] = e[1].replace("\"RJE\"", "\"R1E\"");
        lines.extend(e);
    }
    add(&s, &dc, &lines);
    let an = s.token("analyst");
    let v = s.get("/api/flow-board").bearer(&an).call().json();
    let r1e = v["by_org"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["org"] == "R1E")
        .expect("R1E listed")
        .clone();
    assert_eq!(
        r1e,
        json!({"org": "R1E", "name": "Community trust (synthetic)", "count": null, "shown": "<5", "suppressed": true})
    );
    // The whole system's total is not suppressed.
    assert!(v["total"].as_u64().unwrap() >= 2);
}

/// Two services over one store (two processes, or a restart): a break-glass grant made on one is
/// honoured by the other once it has read the audit log (at most a second later), also one
/// started afterwards.
fn a_grant_made_on_one_service_is_honoured_by_another(b: Backend) {
    let s = Server::start(b);
    let other = s.beside(crate::harness::config(&s.store));
    let gp = s.token("gp");
    let gp_there = other.token("gp");
    let nhs = new_person(7);
    add(&s, &gp, &events(Kind::None, &nhs, 7));
    let path = format!("/api/people/{nhs}/timeline");
    let refused = other.get(&path).bearer(&gp_there).call();
    assert_eq!(refused.status, 403, "{}", refused.text());
    let r = s
        .post(&format!("/api/people/{nhs}/break-glass"))
        .bearer(&gp)
        .json(&json!({"reason": "unconscious at the surgery"}));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(s.get(&path).bearer(&gp).call().status, 200);
    // The other service reads the grant from the audit log within a second or so.
    let mut seen = 0;
    for _ in 0..50 {
        seen = other.get(&path).bearer(&gp_there).call().status;
        if seen == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(seen, 200, "the other service does not honour the grant");
    // A service started afterwards honours it at once.
    let third = s.beside(crate::harness::config(&s.store));
    let t = third.token("gp");
    let r = third.get(&path).bearer(&t).call();
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["access"]["break_glass_until"].is_string());
    // The services over the store stop before the one that owns it.
    drop(third);
    drop(other);
}
