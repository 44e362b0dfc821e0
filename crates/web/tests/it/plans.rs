//! The plans pages over HTTP: a scenario made in the form (a bad value gets the message a TOML
//! file gets, next to its field), comparisons queued and run in the background, their progress
//! and result (costs and confidence intervals), who may do what, CSRF, hostile inputs, and a run
//! a stopped service left running.

use crate::harness::{config, hidden_input, Backend, Resp, Server, PASSWORD};
use crate::on_each_backend;
use std::time::{Duration, Instant};

on_each_backend!(
    a_bad_value_gets_the_toml_message_next_to_its_field_and_a_good_scenario_is_saved,
    three_plans_are_queued_run_in_the_background_and_compared_with_costs_and_intervals,
    only_planners_make_scenarios_and_start_runs_and_every_form_needs_its_csrf_token,
    hostile_run_requests_are_refused_with_plain_messages,
    comparisons_beyond_the_queue_s_bound_are_refused_until_one_finishes,
    a_run_left_running_by_a_stopped_service_is_marked_failed_at_start_up,
    a_comparison_starts_from_the_people_in_today_s_store,
);

const SESSION: &str = "joinedup_session";
const PRE: &str = "joinedup_csrf";

/// A signed-in browser: its session cookie and CSRF token.
struct Browser<'a> {
    s: &'a Server,
    session: String,
    csrf: String,
}

fn sign_in<'a>(s: &'a Server, user: &str) -> Browser<'a> {
    let r = s.get("/sign-in").call();
    let pre = r.cookie(PRE).expect("the pre-session cookie");
    let r = s
        .post("/sign-in")
        .cookies(&[(PRE, &pre)])
        .header("Origin", &s.origin())
        .form(&[("username", user), ("password", PASSWORD), ("csrf", &pre)]);
    assert_eq!(r.status, 303, "{}", r.text());
    let session = r.cookie(SESSION).expect("a session");
    let page = s.get("/plans").cookies(&[(SESSION, &session)]).call();
    assert_eq!(page.status, 200, "{}", page.text());
    let csrf = hidden_input(&page.text(), "csrf").expect("a csrf field");
    Browser { s, session, csrf }
}

impl Browser<'_> {
    fn get(&self, path: &str) -> Resp {
        self.s.get(path).cookies(&[(SESSION, &self.session)]).call()
    }

    /// Posts `fields` with the CSRF token and this service's origin.
    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.s
            .post(path)
            .cookies(&[(SESSION, &self.session)])
            .header("Origin", &self.s.origin())
            .form(&all)
    }

    /// Saves scenario `name` from `from` with `changes`; the answer.
    fn save(&self, from: &str, name: &str, changes: &[(&str, &str)]) -> Resp {
        let mut fields = vec![
            ("from", from),
            ("name", name),
            ("description", "a test plan"),
        ];
        let keyed: Vec<(String, &str)> = changes
            .iter()
            .map(|(k, v)| (format!("p.{k}"), *v))
            .collect();
        fields.extend(keyed.iter().map(|(k, v)| (k.as_str(), *v)));
        self.post("/plans/scenarios", &fields)
    }

    /// Saves a short version of `from` (20 days measured after 10 of warm-up), with `changes`.
    fn save_short(&self, from: &str, name: &str, changes: &[(&str, &str)]) {
        let mut all = vec![
            ("run.days", "20"),
            ("run.warmup_days", "10"),
            ("run.cooldown_days", "0"),
        ];
        all.extend_from_slice(changes);
        let r = self.save(from, name, &all);
        assert_eq!(r.status, 303, "{}", r.text());
    }

    /// Starts a comparison; its number.
    fn start(&self, scenarios: &[&str], replications: &str) -> i64 {
        let r = self.start_answer(scenarios, replications, "7");
        assert_eq!(r.status, 303, "{}", r.text());
        let at = r.header("location").expect("a location");
        at.strip_prefix("/plans/runs/")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a run's page: {at}"))
    }

    fn start_answer(&self, scenarios: &[&str], replications: &str, seed: &str) -> Resp {
        let mut fields: Vec<(&str, &str)> = scenarios.iter().map(|s| ("scenario", *s)).collect();
        fields.push(("replications", replications));
        fields.push(("seed", seed));
        self.post("/plans/runs", &fields)
    }

    /// Waits for run `id` to end; its JSON.
    fn finished(&self, id: i64) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let r = self.get(&format!("/api/plans/runs/{id}"));
            assert_eq!(r.status, 200, "{}", r.text());
            let v = r.json();
            if v["status"] == "done" || v["status"] == "failed" {
                return v;
            }
            assert!(Instant::now() < deadline, "run {id} did not finish: {v}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Text as the pages write it (HTML-escaped).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

fn a_bad_value_gets_the_toml_message_next_to_its_field_and_a_good_scenario_is_saved(b: Backend) {
    let s = Server::start(b);
    let analyst = sign_in(&s, "analyst");
    let form = analyst.get("/plans/new?from=stoke-2017");
    assert_eq!(form.status, 200, "{}", form.text());
    let html = form.text();
    assert!(html.contains("name=\"p.hospital.beds\""), "{html}");
    assert!(html.contains("<label for=\"f-hospital-beds\">"), "{html}");

    // The message a TOML file with the same value gets.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "extends = \"stoke-2017\"\nname = \"bad\"\n[hospital]\nbeds = -3\n",
    )
    .unwrap();
    let from_file = twin::Scenario::load(file.to_str().unwrap())
        .unwrap_err()
        .to_string();
    let message = from_file.split(": ").skip(1).collect::<Vec<_>>().join(": ");
    assert!(message.starts_with("`hospital.beds`"), "{from_file}");
    let r = analyst.save("stoke-2017", "bad-beds", &[("hospital.beds", "-3")]);
    assert_eq!(r.status, 400, "{}", r.text());
    let html = r.text();
    let next_to_field = format!(
        "<p class=\"field-error\" id=\"f-hospital-beds-error\">{}</p>",
        esc(&message)
    );
    assert!(html.contains(&next_to_field), "{next_to_field} in {html}");
    // What was typed is kept; nothing was saved.
    assert!(html.contains("value=\"-3\""), "{html}");
    assert!(!analyst.get("/plans").text().contains("bad-beds"));
    // A value that is not TOML at all.
    let r = analyst.save("stoke-2017", "bad-beds", &[("hospital.beds", "many")]);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("must be a whole number"), "{}", r.text());

    // A good one, and one made from it.
    let r = analyst.save("stoke-2017", "more-beds", &[("hospital.beds", "700")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let r = analyst.save("more-beds", "more-beds-d2a", &[("policy.d2a", "true")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let page = analyst.get("/plans").text();
    assert!(page.contains("more-beds-d2a"), "{page}");
    assert!(page.contains("extends = &quot;more-beds&quot;"), "{page}");
    // The form from a saved scenario shows its values.
    let form = analyst.get("/plans/new?from=more-beds-d2a").text();
    assert!(
        form.contains("name=\"p.hospital.beds\" value=\"700\""),
        "{form}"
    );
    // A name already used, or a built-in's.
    let r = analyst.save("stoke-2017", "more-beds", &[]);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("already saved"), "{}", r.text());
    let r = analyst.save("stoke-2017", "d2a", &[]);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("built-in scenario"), "{}", r.text());
    assert_eq!(analyst.get("/plans/new?from=no-such").status, 404);
}

fn three_plans_are_queued_run_in_the_background_and_compared_with_costs_and_intervals(b: Backend) {
    let s = Server::start(b);
    let analyst = sign_in(&s, "analyst");
    analyst.save_short("stoke-2017", "short", &[]);
    analyst.save_short("short", "short-seven-day", &[("policy.seven_day", "true")]);
    analyst.save_short("short", "short-d2a", &[("policy.d2a", "true")]);
    // Two comparisons queued at once: the runner takes them in turn.
    let first = analyst.start(&["short", "short-seven-day", "short-d2a"], "3");
    let second = analyst.start(&["short", "short-d2a"], "2");
    let page = analyst.get(&format!("/plans/runs/{first}")).text();
    assert!(page.contains("the scenario&#x27;s own warm-up"), "{page}");
    let listed = analyst.get("/api/plans/runs").json();
    let ids: Vec<i64> = listed["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, first]);
    let done = analyst.finished(first);
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (done["done"].as_u64(), done["total"].as_u64()),
        (Some(9), Some(9))
    );
    assert_eq!(analyst.finished(second)["status"], "done");

    // The comparison, read by someone who did not ask for it.
    let reader = sign_in(&s, "discharge_coordinator");
    let page = reader.get(&format!("/plans/runs/{first}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<h2>Scenarios compared</h2>"), "{html}");
    assert!(
        html.contains("3 replications of each scenario with common random numbers"),
        "{html}"
    );
    assert!(
        html.contains("<span class=nm>short</span></span></th>"),
        "{html}"
    );
    // Indicators by their titles, as the dashboard names them, with units and which way is
    // better.
    assert!(
        html.contains("<td>Delayed transfers of care: delayed days per 100,000 adults<br><span class=note>a day per 100,000; &#8595; lower is better</span>"),
        "{html}"
    );
    assert!(
        html.contains("<h2>Costs</h2>") || html.contains("Total"),
        "{html}"
    );
    assert!(html.contains('£'), "costs in pounds: {html}");
    // Intervals: "(lo &ndash; hi)".
    assert!(html.contains("&ndash;"), "{html}");
    let csv = reader.get(&format!("/plans/runs/{first}/compare.csv"));
    assert_eq!(csv.status, 200);
    let csv = csv.text();
    assert!(
        csv.starts_with("id,short_mean,short_lo95,short_hi95,short-seven-day_mean"),
        "{csv}"
    );
    assert!(csv.contains("\ncost:total,"), "{csv}");
    let figures = reader
        .get(&format!("/api/plans/runs/{first}/result"))
        .json();
    assert_eq!(figures["replications"], 3);
    assert_eq!(figures["scenarios"][2]["name"], "short-d2a");
    let dtoc = &figures["scenarios"][1]["indicators"][0];
    assert_eq!(dtoc["id"], "dtoc_delayed_days_per_100k", "{dtoc}");
    assert!(
        dtoc["ci95"].is_array() && dtoc["difference"]["ci95"].is_array(),
        "{dtoc}"
    );
    assert!(
        figures["scenarios"][1]["cost_difference"]["total"].is_object(),
        "{figures}"
    );
    assert_eq!(
        reader
            .get(&format!("/api/plans/runs/{second}/result"))
            .status,
        200
    );
    // The same comparison run again gives the same figures (common random numbers, a seed).
    let again = analyst.start(&["short", "short-seven-day", "short-d2a"], "3");
    analyst.finished(again);
    assert_eq!(
        reader
            .get(&format!("/plans/runs/{again}/compare.csv"))
            .text(),
        csv
    );
    assert_eq!(reader.get("/plans/runs/999999").status, 404);
}

fn only_planners_make_scenarios_and_start_runs_and_every_form_needs_its_csrf_token(b: Backend) {
    let s = Server::start(b);
    // Not signed in: to the sign-in page.
    let r = s.get("/plans").call();
    assert_eq!((r.status, r.header("location")), (303, Some("/sign-in")));
    assert_eq!(s.get("/api/plans/runs").call().status, 401);
    for user in ["gp", "voluntary_sector", "broker", "discharge_coordinator"] {
        let u = sign_in(&s, user);
        let page = u.get("/plans").text();
        assert!(!page.contains("Start the comparison"), "{user}: {page}");
        assert!(page.contains("href=\"/plans\""), "{user} sees the link");
        assert_eq!(u.get("/plans/new").status, 403, "{user}");
        assert_eq!(u.save("stoke-2017", "mine", &[]).status, 403, "{user}");
        assert_eq!(
            u.start_answer(&["stoke-2017", "d2a"], "2", "1").status,
            403,
            "{user}"
        );
    }
    let admin = sign_in(&s, "admin");
    assert!(admin.get("/plans").text().contains("Start the comparison"));
    let analyst = sign_in(&s, "analyst");
    // Without the token, with another's, or from another site.
    let r = s
        .post("/plans/scenarios")
        .cookies(&[(SESSION, &analyst.session)])
        .header("Origin", &s.origin())
        .form(&[("from", "stoke-2017"), ("name", "no-token")]);
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s
        .post("/plans/runs")
        .cookies(&[(SESSION, &analyst.session)])
        .header("Origin", &s.origin())
        .form(&[
            ("csrf", &admin.csrf),
            ("scenario", "stoke-2017"),
            ("scenario", "d2a"),
        ]);
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s
        .post("/plans/runs")
        .cookies(&[(SESSION, &analyst.session)])
        .header("Origin", "http://evil.example")
        .form(&[
            ("csrf", &analyst.csrf),
            ("scenario", "stoke-2017"),
            ("scenario", "d2a"),
        ]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(!analyst.get("/plans").text().contains("no-token"));
    assert_eq!(
        analyst.get("/api/plans/runs").json()["runs"],
        serde_json::json!([])
    );
}

fn hostile_run_requests_are_refused_with_plain_messages(b: Backend) {
    let s = Server::start(b);
    let analyst = sign_in(&s, "analyst");
    analyst.save_short("stoke-2017", "short", &[]);
    let cases: [(&[&str], &str, &str, &str); 9] = [
        (
            &["stoke-2017", "d2a"],
            "0",
            "1",
            "replications must be a whole number from 2 to 200",
        ),
        (
            &["stoke-2017", "d2a"],
            "1000000",
            "1",
            "replications must be a whole number from 2 to 200",
        ),
        (
            &["stoke-2017", "d2a"],
            "ten",
            "1",
            "replications must be a whole number",
        ),
        (
            &["stoke-2017", "d2a"],
            "3",
            "-1",
            "the seed must be a whole number",
        ),
        (
            &["stoke-2017", "d2a"],
            "3",
            "99999999999999999999",
            "the seed must be a whole number",
        ),
        (&["stoke-2017"], "3", "1", "choose at least two scenarios"),
        (&["stoke-2017", "stoke-2017"], "3", "1", "chosen twice"),
        (&["stoke-2017", "nowhere"], "3", "1", "there is no scenario"),
        (
            &["short", "stoke-2017"],
            "3",
            "1",
            "compare needs one period",
        ),
    ];
    for (scenarios, reps, seed, expected) in cases {
        let r = analyst.start_answer(scenarios, reps, seed);
        assert_eq!(r.status, 400, "{scenarios:?} {reps} {seed}: {}", r.text());
        assert!(
            r.text().contains(&esc(expected)),
            "{expected}: {}",
            r.text()
        );
    }
    // A run too long for a scenario, through the form: the TOML's own limit.
    let r = analyst.save("stoke-2017", "long", &[("run.days", "99999")]);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("`run.days` must be"), "{}", r.text());
    // A form larger than the plans take (1 MiB), by a little: the server refuses it once it has
    // read its limit, and the rest still fits in the connection's buffers, so the client has
    // sent it all and reads the answer (far larger, the server's close could cut its sending).
    let huge = "9".repeat((1 << 20) + 4096);
    let r = analyst.save("stoke-2017", "huge", &[("hospital.beds", &huge)]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(
        analyst.get("/api/plans/runs").json()["runs"],
        serde_json::json!([])
    );
}

fn a_run_left_running_by_a_stopped_service_is_marked_failed_at_start_up(b: Backend) {
    let store = b.seeded();
    let id = {
        let mut plans = store::open_plans(&store.location).unwrap();
        let run = plans
            .queue_run(
                &store::NewPlanRun {
                    requested_by: "analyst".into(),
                    org: "05W".into(),
                    requested_at: 0,
                    scenarios: vec!["stoke-2017".into(), "d2a".into()],
                    seed: 1,
                    replications: 2,
                    start_date: None,
                    request: "{}".into(),
                    total: 4,
                },
                10,
            )
            .unwrap();
        // A runner took it, and its service died.
        assert_eq!(plans.claim_next(1).unwrap().unwrap().id, run.id);
        run.id
    };
    let cfg = config(&store);
    let s = Server::on(store, cfg);
    let analyst = sign_in(&s, "analyst");
    let v = analyst.get(&format!("/api/plans/runs/{id}")).json();
    assert_eq!(v["status"], "failed", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("the service stopped"),
        "{v}"
    );
    let page = analyst.get(&format!("/plans/runs/{id}")).text();
    assert!(page.contains("The comparison failed"), "{page}");
}

fn comparisons_beyond_the_queue_s_bound_are_refused_until_one_finishes(b: Backend) {
    let s = Server::start_with(b, |c| c.max_waiting_plans = 1);
    let analyst = sign_in(&s, "analyst");
    analyst.save_short("stoke-2017", "short", &[]);
    analyst.save_short("short", "short-d2a", &[("policy.d2a", "true")]);
    let first = analyst.start(&["short", "short-d2a"], "8");
    let r = analyst.start_answer(&["short", "short-d2a"], "2", "1");
    match r
        .header("location")
        .and_then(|l| l.strip_prefix("/plans/runs/"))
    {
        // The first had finished already (a very fast machine): the second was queued.
        Some(id) => {
            analyst.finished(id.parse().expect("a run's number"));
        }
        None => {
            assert_eq!(r.status, 409, "{}", r.text());
            assert!(
                r.text().contains("already waiting or running"),
                "{}",
                r.text()
            );
        }
    }
    analyst.finished(first);
    let again = analyst.start(&["short", "short-d2a"], "2");
    assert_eq!(analyst.finished(again)["status"], "done");
}

fn a_comparison_starts_from_the_people_in_today_s_store(b: Backend) {
    let s = Server::start(b);
    let analyst = sign_in(&s, "analyst");
    analyst.save_short("stoke-2017", "short", &[]);
    analyst.save_short("short", "short-d2a", &[("policy.d2a", "true")]);
    // The form offers today's store, ticked.
    let page = analyst.get("/plans").text();
    assert!(
        page.contains("name=\"start\" value=\"today\" checked")
            && page.contains("Start from today's store (2017-05-01)"),
        "{page}"
    );
    let r = analyst.post(
        "/plans/runs",
        &[
            ("scenario", "short"),
            ("scenario", "short-d2a"),
            ("replications", "2"),
            ("seed", "3"),
            ("start", "today"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let id: i64 = r
        .header("location")
        .and_then(|at| at.strip_prefix("/plans/runs/"))
        .and_then(|n| n.parse().ok())
        .expect("the run's page");
    let page = analyst.get(&format!("/plans/runs/{id}")).text();
    assert!(
        page.contains("the live store&#x27;s journey log on 2017-05-01"),
        "{page}"
    );
    let done = analyst.finished(id);
    assert_eq!(done["status"], "done", "{done}");
    let page = analyst.get(&format!("/plans/runs/{id}")).text();
    assert!(
        page.contains(
            "Every scenario started from the people in the store at the start of 2017-05-01"
        ),
        "{page}"
    );
    let figures = analyst.get(&format!("/api/plans/runs/{id}/result")).json();
    // Measured from today, without warm-up; started from the example log's people.
    assert_eq!(figures["from"], "2017-05-01", "{figures}");
    let state = &figures["initial_state"];
    assert_eq!(state["date"], "2017-05-01");
    let alive = state["census"]["alive"].as_u64().unwrap();
    assert!(alive > 100, "{state}");
}
