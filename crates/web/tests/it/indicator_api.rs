//! `GET /api/indicators`: exactly what `joinedup metrics --format json` prints for the same store
//! and period (with the small numbers of breakdowns by organisation withheld, as `access.md`
//! says), and 400s naming the field for bad periods.

use crate::harness::{config, new_person, registered, Backend, Server};
use chrono::NaiveDate;

crate::on_each_backend!(
    indicators_equal_metrics_byte_for_byte,
    indicators_by_month_equal_metrics_by_month,
    the_default_period_is_the_last_full_quarter,
    indicators_follow_appended_events,
    bad_periods_are_400_naming_the_field,
    orgs_and_market_answer_from_the_registers,
    small_numbers_by_trust_are_withheld,
);

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// Asserts that `api` is the JSON of `metrics` as `access.md` ("Aggregates") lets it be shown:
/// byte for byte when nothing is withheld; otherwise the same values, but a breakdown by
/// organisation (bed occupancy by trust) whose numerator or denominator is 1 to 4 withheld.
/// (Compared as parsed values then: parsing a float may lose its last digit.)
fn assert_shown_as_metrics(api: &str, metrics: &str, what: &str) {
    let mut v: serde_json::Value = serde_json::from_str(metrics).expect("metrics' JSON");
    let mut changed = false;
    let mut reports = match v.get_mut("periods") {
        Some(p) => p.as_array_mut().expect("periods").iter_mut().collect(),
        None => vec![&mut v],
    };
    for r in reports.iter_mut() {
        for i in r["indicators"].as_array_mut().expect("indicators") {
            let small = |x: &serde_json::Value| x.as_f64().is_some_and(|x| x > 0.0 && x < 5.0);
            let by_trust = i["id"]
                .as_str()
                .unwrap_or("")
                .starts_with("bed_occupancy_pct:");
            if by_trust && (small(&i["numerator"]) || small(&i["denominator"])) {
                for k in ["value", "numerator", "denominator"] {
                    i[k] = serde_json::Value::Null;
                }
                i["suppressed"] = serde_json::json!(true);
                changed = true;
            }
        }
    }
    if changed {
        let got: serde_json::Value = serde_json::from_str(api).expect("the API's JSON");
        assert_eq!(got, v, "{what}");
    } else {
        assert_eq!(api, metrics, "{what}");
    }
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
        assert_shown_as_metrics(&r.text(), &expected, &format!("{from}..{to}"));
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
    assert_shown_as_metrics(
        &r.text(),
        &s.store.metrics_json(d("2017-01-01"), d("2017-05-01"), true),
        "the indicators",
    );
    assert_eq!(r.json()["periods"].as_array().map(Vec::len), Some(4));
}

fn the_default_period_is_the_last_full_quarter(b: Backend) {
    let s = Server::start(b);
    let t = s.token("gp");
    let r = s.get("/api/indicators").bearer(&t).call();
    assert_eq!(r.status, 200, "{}", r.text());
    // Today is 2017-05-01: the last full quarter is January to March.
    assert_shown_as_metrics(
        &r.text(),
        &s.store
            .metrics_json(d("2017-01-01"), d("2017-04-01"), false),
        "the indicators",
    );
    // `from` alone: three months from it.
    let r = s.get("/api/indicators?from=2017-02-01").bearer(&t).call();
    assert_shown_as_metrics(
        &r.text(),
        &s.store
            .metrics_json(d("2017-02-01"), d("2017-05-01"), false),
        "the indicators",
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
    assert_shown_as_metrics(
        &after,
        &s.store
            .metrics_json(d("2017-03-01"), d("2017-04-01"), false),
        "the indicators",
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

/// `access.md`, "Aggregates": a rate by organisation on a count of 1 to 4 is withheld, on the
/// API and the dashboard; the whole system's is not.
fn small_numbers_by_trust_are_withheld(b: Backend) {
    let store = b.seeded();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let orgs = dir.path().join("orgs.csv");
    std::fs::write(
        &orgs,
        "code,name,kind,cqc_rating,beds,extended_access\nRXX,Small trust (synthetic),acute_trust,good,10,\n",
    )
    .expect("the extra register is written");
    store.import(&[orgs]);
    let cfg = config(&store);
    let s = Server::on(store, cfg);
    let t = s.token("discharge_coordinator");
    let p = new_person(5);
    let body = format!(
        "{}\n{}\n",
        registered("rxx-reg", &p),
        format_args!(
            r#"{{"id":"rxx-adm","kind":"admission","at":"2017-03-01T10:00:00Z","person":"{p}","spell":"rxx-s1","org":"RXX","method":"elective"}}"#
        ),
    );
    let r = s.post("/api/events").bearer(&t).ndjson(&body);
    assert_eq!(r.status, 201, "{}", r.text());
    let t = s.token("analyst");
    let r = s
        .get("/api/indicators?from=2017-03-01&to=2017-03-04")
        .bearer(&t)
        .call();
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let of = |id: &str| {
        v["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {v}"))
            .clone()
    };
    let small = of("bed_occupancy_pct:RXX");
    assert_eq!(small["suppressed"], true, "{small}");
    assert!(
        small["value"].is_null() && small["numerator"].is_null(),
        "{small}"
    );
    let big = of("bed_occupancy_pct:RJE");
    assert!(big.get("suppressed").is_none(), "{big}");
    assert!(big["value"].as_f64().is_some(), "{big}");
    let whole = of("bed_occupancy_pct");
    assert!(whole["value"].as_f64().is_some() && whole.get("suppressed").is_none());
    // The dashboard's table shows it as <5.
    let page = s
        .get("/dashboard?from=2017-03-01&to=2017-03-04")
        .bearer(&t)
        .call();
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let at = html
        .find("Small trust")
        .or_else(|| html.find("RXX"))
        .expect("the trust's row");
    let row_end = html[at..].find("</tr>").expect("the row's end") + at;
    assert!(
        html[at..row_end].contains("&lt;5"),
        "{}",
        &html[at..row_end]
    );
}
