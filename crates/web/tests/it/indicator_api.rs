//! `GET /api/indicators`: exactly what `joinedup metrics --format json` prints for the same store
//! and period, and 400s naming the field for bad periods.

use crate::harness::{Backend, Server};
use chrono::NaiveDate;

crate::on_each_backend!(
    indicators_equal_metrics_byte_for_byte,
    indicators_by_month_equal_metrics_by_month,
    the_default_period_is_the_last_full_quarter,
    indicators_follow_appended_events,
    bad_periods_are_400_naming_the_field,
    orgs_and_market_answer_from_the_registers,
);

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn indicators_equal_metrics_byte_for_byte(b: Backend) {
    let s = Server::start(b);
    let t = s.token("analyst");
    for (from, to) in [
        ("2017-02-01", "2017-05-01"),
        ("2016-10-01", "2017-10-01"),
        ("2017-03-01", "2017-03-02"),
    ] {
        let r = s
            .get(&format!("/api/indicators?from={from}&to={to}"))
            .bearer(&t)
            .call();
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r
            .header("content-type")
            .unwrap_or("")
            .starts_with("application/json"));
        let expected = s.store.metrics_json(d(from), d(to), false);
        assert_eq!(r.text(), expected, "{from}..{to}");
        // And it is a report with every indicator.
        let v = r.json();
        assert_eq!(v["from"], from);
        for def in indicators::INDICATORS {
            assert!(
                v["indicators"]
                    .as_array()
                    .expect("indicators")
                    .iter()
                    .any(|i| i["id"] == def.id),
                "{} missing",
                def.id
            );
        }
    }
}

fn indicators_by_month_equal_metrics_by_month(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    let r = s
        .get("/api/indicators?from=2017-01-01&to=2017-05-01&by=month")
        .bearer(&t)
        .call();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.text(),
        s.store.metrics_json(d("2017-01-01"), d("2017-05-01"), true)
    );
    assert_eq!(r.json()["periods"].as_array().map(Vec::len), Some(4));
}

fn the_default_period_is_the_last_full_quarter(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    let r = s.get("/api/indicators").bearer(&t).call();
    assert_eq!(r.status, 200, "{}", r.text());
    // Today is 2017-05-01: the last full quarter is January to March.
    assert_eq!(
        r.text(),
        s.store
            .metrics_json(d("2017-01-01"), d("2017-04-01"), false)
    );
    // `from` alone: three months from it.
    let r = s.get("/api/indicators?from=2017-02-01").bearer(&t).call();
    assert_eq!(
        r.text(),
        s.store
            .metrics_json(d("2017-02-01"), d("2017-05-01"), false)
    );
}

fn indicators_follow_appended_events(b: Backend) {
    let s = Server::start(b);
    let t = s.token("discharge_coordinator");
    let p = crate::harness::new_person(1);
    let lines = [
        format!(
            r#"{{"id":"ind-reg","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"{p}","birth_date":"1930-05-02","sex":"female","gp":"M83041","residence":"own_home"}}"#
        ),
        format!(
            r#"{{"id":"ind-adm","kind":"admission","at":"2017-03-01T10:00:00Z","person":"{p}","spell":"ind-s1","org":"RJE","method":"emergency"}}"#
        ),
    ];
    let before = s
        .get("/api/indicators?from=2017-03-01&to=2017-04-01")
        .bearer(&t)
        .call()
        .text();
    let r = s.post("/api/events").bearer(&t).ndjson(&lines.join("\n"));
    assert_eq!(r.status, 201, "{}", r.text());
    let after = s
        .get("/api/indicators?from=2017-03-01&to=2017-04-01")
        .bearer(&t)
        .call()
        .text();
    assert_ne!(
        before, after,
        "an emergency admission of a person of 86 changed nothing"
    );
    assert_eq!(
        after,
        s.store
            .metrics_json(d("2017-03-01"), d("2017-04-01"), false)
    );
}

fn bad_periods_are_400_naming_the_field(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    for (query, field) in [
        ("from=2017-02-30&to=2017-05-01", "from"),
        ("from=yesterday&to=2017-05-01", "from"),
        ("from=2017-02-01&to=2017-5-1x", "to"),
        ("from=20170201&to=2017-05-01", "from"),
        ("from=2017-05-01&to=2017-05-01", "to"),
        ("from=2017-05-01&to=2017-02-01", "to"),
        ("from=1950-01-01&to=2050-01-01", "to"),
        ("from=1899-12-31&to=1900-02-01", "from"),
        ("from=2017-02-01&to=2017-05-01&by=year", "by"),
        ("from=2017-02-01&to=2017-05-01&by=week", "by"),
    ] {
        let r = s.get(&format!("/api/indicators?{query}")).bearer(&t).call();
        assert_eq!(r.status, 400, "{query}: {}", r.text());
        let (error, named) = r.error();
        assert_eq!(named.as_deref(), Some(field), "{query}: {error}");
    }
}

fn orgs_and_market_answer_from_the_registers(b: Backend) {
    let s = Server::start(b);
    let t = s.token("broker");
    let r = s.get("/api/orgs").bearer(&t).call();
    assert_eq!(r.status, 200, "{}", r.text());
    let orgs = r.json()["orgs"].as_array().cloned().expect("orgs");
    let csv = std::fs::read_to_string(crate::harness::example("orgs.csv")).expect("orgs.csv");
    assert_eq!(orgs.len(), csv.lines().count() - 1);
    let rje = orgs.iter().find(|o| o["code"] == "RJE").expect("RJE");
    assert_eq!(rje["kind"], "acute_trust");
    let r = s.get("/api/market").bearer(&t).call();
    assert_eq!(r.status, 200, "{}", r.text());
    let m = r.json();
    let homes = orgs.iter().filter(|o| o["kind"] == "nursing_home").count() as u64;
    let kind = m["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .find(|k| k["kind"] == "nursing_home")
        .expect("nursing homes");
    assert_eq!(kind["providers"].as_u64(), Some(homes));
}
