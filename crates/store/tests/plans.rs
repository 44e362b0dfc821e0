//! Saved scenarios and plan runs ([`store::Plans`]), one function per behaviour, run on SQLite
//! and on PostgreSQL (the PostgreSQL runs need `JOINEDUP_TEST_DATABASE_URL`).

mod common;

use common::Fresh;
use store::{
    open, open_plans, Access, Location, NewPlanRun, PlanResult, PlanStatus, Plans, StoreError,
};

/// Runs `test` on the plans of a new store at `location`.
fn run(location: Location, fresh: Fresh, test: fn(&mut dyn Plans)) {
    drop(open(&location, Access::Create).unwrap());
    let mut plans = open_plans(&location).unwrap();
    test(plans.as_mut());
    drop(plans);
    drop(fresh);
}

on_both!(
    scenarios_are_saved_once_by_name_and_listed_by_name,
    runs_queue_up_to_a_bound_and_are_listed_newest_first,
    a_runner_claims_the_oldest_and_records_progress_and_result,
    a_failed_run_keeps_why_and_running_runs_are_abandoned_at_start_up,
);

const NOW: i64 = 1_800_000_000;

fn new_run(by: &str, scenarios: &[&str]) -> NewPlanRun {
    NewPlanRun {
        requested_by: by.into(),
        org: "05W".into(),
        requested_at: NOW,
        scenarios: scenarios.iter().map(|s| s.to_string()).collect(),
        seed: 42,
        replications: 5,
        start_date: None,
        request: "{\"scenarios\":[]}".into(),
        total: 5 * scenarios.len() as u64,
    }
}

fn scenarios_are_saved_once_by_name_and_listed_by_name(p: &mut dyn Plans) {
    let b = p
        .save_scenario("beds-plus", "extends = \"stoke-2017\"\n", "analyst", NOW)
        .unwrap();
    p.save_scenario("a-first", "extends = \"d2a\"\n", "admin", NOW + 1)
        .unwrap();
    let e = p
        .save_scenario("beds-plus", "x", "analyst", NOW)
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    assert!(e.to_string().contains("already saved"), "{e}");
    let names: Vec<String> = p.scenarios().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["a-first", "beds-plus"]);
    assert_eq!(p.scenario("beds-plus").unwrap(), Some(b));
    assert_eq!(p.scenario("none").unwrap(), None);
}

fn runs_queue_up_to_a_bound_and_are_listed_newest_first(p: &mut dyn Plans) {
    let a = p
        .queue_run(&new_run("analyst", &["stoke-2017", "d2a"]), 2)
        .unwrap();
    assert_eq!(a.status, PlanStatus::Queued);
    assert_eq!((a.done, a.total, a.seed), (0, 10, 42));
    assert_eq!(a.scenarios, ["stoke-2017", "d2a"]);
    let b = p
        .queue_run(&new_run("admin", &["d2a", "seven-day", "x"]), 2)
        .unwrap();
    let e = p
        .queue_run(&new_run("admin", &["d2a", "x"]), 2)
        .unwrap_err();
    assert!(e.to_string().contains("already waiting or running"), "{e}");
    let ids: Vec<i64> = p.runs(10).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(ids, [b.id, a.id]);
    assert_eq!(p.runs(1).unwrap().len(), 1);
    assert_eq!(p.run(b.id).unwrap().unwrap().requested_by, "admin");
    assert_eq!(p.run(b.id + 100).unwrap(), None);
    // A seed the store cannot hold is refused, never wrapped.
    let mut big = new_run("analyst", &["a", "b"]);
    big.seed = u64::MAX;
    assert!(p.queue_run(&big, 10).is_err());
}

fn a_runner_claims_the_oldest_and_records_progress_and_result(p: &mut dyn Plans) {
    assert_eq!(p.claim_next(NOW).unwrap(), None);
    let a = p.queue_run(&new_run("analyst", &["a", "b"]), 5).unwrap();
    let b = p.queue_run(&new_run("analyst", &["c", "d"]), 5).unwrap();
    let got = p.claim_next(NOW + 5).unwrap().unwrap();
    assert_eq!(
        (got.id, got.status, got.started_at),
        (a.id, PlanStatus::Running, Some(NOW + 5))
    );
    assert_eq!(p.result(a.id).unwrap(), None);
    p.set_progress(a.id, 3, NOW + 6).unwrap();
    assert_eq!(p.run(a.id).unwrap().unwrap().done, 3);
    // Progress on a run not running is not recorded.
    p.set_progress(b.id, 3, NOW + 6).unwrap();
    assert_eq!(p.run(b.id).unwrap().unwrap().done, 0);
    let result = PlanResult {
        json: "{}".into(),
        html: "<h1>compared</h1>".into(),
        csv: "id\n".into(),
    };
    p.finish(a.id, NOW + 9, Ok(&result)).unwrap();
    let done = p.run(a.id).unwrap().unwrap();
    assert_eq!(
        (done.status, done.done, done.finished_at),
        (PlanStatus::Done, 10, Some(NOW + 9))
    );
    assert_eq!(p.result(a.id).unwrap(), Some(result));
    // The next claim takes the next one; then nothing is left.
    assert_eq!(p.claim_next(NOW + 10).unwrap().unwrap().id, b.id);
    assert_eq!(p.claim_next(NOW + 11).unwrap(), None);
}

fn a_failed_run_keeps_why_and_running_runs_are_abandoned_at_start_up(p: &mut dyn Plans) {
    let a = p.queue_run(&new_run("analyst", &["a", "b"]), 5).unwrap();
    let b = p.queue_run(&new_run("analyst", &["a", "b"]), 5).unwrap();
    let c = p.queue_run(&new_run("analyst", &["a", "b"]), 5).unwrap();
    p.claim_next(NOW).unwrap();
    p.finish(
        a.id,
        NOW + 1,
        Err("the scenarios measure different periods"),
    )
    .unwrap();
    let failed = p.run(a.id).unwrap().unwrap();
    assert_eq!(failed.status, PlanStatus::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("the scenarios measure different periods")
    );
    assert_eq!(p.result(a.id).unwrap(), None);
    p.claim_next(NOW + 2).unwrap();
    p.heartbeat(b.id, NOW + 50).unwrap();
    // A run whose runner spoke since is left running; one quiet since before is failed.
    assert_eq!(
        p.abandon_running(NOW + 60, NOW + 40, "the service stopped")
            .unwrap(),
        0
    );
    assert_eq!(p.run(b.id).unwrap().unwrap().heartbeat_at, Some(NOW + 50));
    assert_eq!(
        p.abandon_running(NOW + 120, NOW + 60, "the service stopped")
            .unwrap(),
        1
    );
    let b = p.run(b.id).unwrap().unwrap();
    assert_eq!(
        (b.status, b.message.as_deref()),
        (PlanStatus::Failed, Some("the service stopped"))
    );
    // A queued run is left for the next runner.
    assert_eq!(p.run(c.id).unwrap().unwrap().status, PlanStatus::Queued);
    // A run that is not running any more is not finished again.
    p.finish(
        b.id,
        NOW + 4,
        Ok(&PlanResult {
            json: String::new(),
            html: String::new(),
            csv: String::new(),
        }),
    )
    .unwrap();
    assert_eq!(p.run(b.id).unwrap().unwrap().status, PlanStatus::Failed);
}
