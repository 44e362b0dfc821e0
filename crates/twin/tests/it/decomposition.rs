//! The delay decomposition: each reason's delayed days split into queues for named
//! capacities and process durations, counted at the indicator's midnights, so the parts add
//! up to `dtoc_delayed_days_per_100k:{reason}` in every replication; lifting a capacity
//! removes its queue and leaves the processes and rules.

use twin::decomposition::{reason_key, summarise_runs, Component, Tally, REASONS, TOLERANCE};
use twin::{replicate, Replication, Scenario};

fn scenario(name: &str, days: u32) -> Scenario {
    let mut s = Scenario::load(name).unwrap();
    s.run.days = days;
    s
}

fn delayed(r: &Replication, i: usize) -> (f64, f64) {
    let ind = r
        .report
        .get(&format!("dtoc_delayed_days_per_100k:{}", reason_key(i)))
        .expect("measured");
    (ind.numerator, ind.value.unwrap_or(0.0))
}

/// Reason `reason`'s component `c` (per 100k a day), mean over replications.
fn part(runs: &[Replication], reason: &str, c: Component) -> f64 {
    let i = (0..REASONS).find(|&i| reason_key(i) == reason).unwrap();
    runs.iter()
        .map(|r| r.delay_decomposition.value(i, c))
        .sum::<f64>()
        / runs.len() as f64
}

fn queues(runs: &[Replication]) -> f64 {
    (0..REASONS)
        .flat_map(|i| {
            Component::ALL
                .iter()
                .filter(|c| c.is_queue())
                .map(move |&c| (i, c))
        })
        .map(|(i, c)| {
            runs.iter()
                .map(|r| r.delay_decomposition.value(i, c))
                .sum::<f64>()
        })
        .sum::<f64>()
        / runs.len() as f64
}

fn runs(s: &Scenario, n: u64) -> Vec<Replication> {
    (0..n).map(|r| replicate(s, 2017, r, None)).collect()
}

#[test]
fn the_parts_add_up_to_the_indicator_reason_by_reason() {
    for name in ["stoke-2017", "all-recommendations"] {
        let s = scenario(name, 90);
        let runs = runs(&s, 2);
        for r in &runs {
            let t = &r.delay_decomposition;
            let mut total = 0;
            for i in 0..REASONS {
                let (numerator, value) = delayed(r, i);
                let days: u64 = t.days[i].iter().sum();
                total += days;
                assert_eq!(days as f64, numerator, "{name}: {}", reason_key(i));
                assert!(
                    (t.reason_value(i) - value).abs() <= TOLERANCE,
                    "{name}: {}: {} against {value}",
                    reason_key(i),
                    t.reason_value(i)
                );
            }
            assert_eq!(
                total as f64,
                r.report
                    .get("dtoc_delayed_days_per_100k")
                    .unwrap()
                    .numerator
            );
            assert!(total > 0, "{name}: some delay");
        }
        let summary = summarise_runs(&runs);
        assert!(summary.iter().all(|r| r.largest_gap <= TOLERANCE));
        let json = twin::decomposition::json(&summary);
        assert_eq!(json["check"]["holds"], true);
    }
}

#[test]
fn the_decomposition_is_the_same_on_any_thread() {
    let s = scenario("stoke-2017", 40);
    let a = replicate(&s, 11, 1, None).delay_decomposition;
    let b: Tally = std::thread::spawn(move || replicate(&s, 11, 1, None).delay_decomposition)
        .join()
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn without_capacity_limits_no_one_queues_and_the_processes_remain() {
    let base = runs(&scenario("stoke-2017", 365), 2);
    let free = runs(&scenario("unconstrained", 365), 2);
    assert!(
        queues(&base) > 1.0,
        "the baseline queues: {}",
        queues(&base)
    );
    assert!(
        queues(&free) < 0.02,
        "unconstrained still queues: {}",
        queues(&free)
    );
    // What remains are processes and rules: the CHC case's own time, the social workers',
    // brokers' and providers' office hours, the CHC window.
    for (reason, c) in [
        ("assessment", Component::ChcAssessment),
        ("assessment", Component::OfficeHours),
        ("residential_home", Component::BrokerageWindow),
    ] {
        let (b, f) = (part(&base, reason, c), part(&free, reason, c));
        assert!(f > 0.0, "{reason}: {c:?} remains");
        assert!((f - b).abs() < 0.5 * b, "{reason}: {c:?} {b:.2} -> {f:.2}");
    }
    // Office hours stay for care packages too (smaller: with no queue, fewer wait into a
    // night or a weekend).
    assert!(part(&free, "care_package_home", Component::OfficeHours) > 0.2);
    // Family choice was a queue (for the named home): it goes.
    assert!(
        part(
            &base,
            "patient_family_choice",
            Component::QueuePreferredCareHome
        ) > 1.0
    );
    assert_eq!(
        part(
            &free,
            "patient_family_choice",
            Component::QueuePreferredCareHome
        ),
        0.0
    );
}

#[test]
fn lifting_home_care_hours_removes_their_queue_not_the_office_hours() {
    // Fewer hours than the baseline's, so that people queue for them.
    let mut tight = scenario("stoke-2017", 365);
    tight.discharge.home_care_factor = 0.9;
    let mut lifted = tight.clone();
    lifted.discharge.home_care_factor = 100.0;
    let (tight_runs, lifted_runs) = (runs(&tight, 2), runs(&lifted, 2));
    let hours = |r: &[Replication]| part(r, "care_package_home", Component::QueueHomeCareHours);
    let office = |r: &[Replication]| part(r, "care_package_home", Component::OfficeHours);
    assert!(hours(&tight_runs) > 1.0, "{}", hours(&tight_runs));
    assert!(hours(&lifted_runs) < 1e-9, "{}", hours(&lifted_runs));
    // Brokers and providers' assessors work office hours on weekdays, a rule: it stays. (It
    // is larger when hours are short: hours freed at night or at the weekend leave the patient
    // waiting for the provider's visit until office hours.)
    let (a, b) = (office(&tight_runs), office(&lifted_runs));
    assert!(b > 0.2 && a > 0.2, "office hours {a:.2} -> {b:.2}");
    // Lifting social workers alone removes their queue, not their office hours, nor the
    // queue for home care hours.
    let mut sw = tight.clone();
    sw.discharge.social_workers = 10_000;
    let sw = runs(&sw, 2);
    let queue = |r: &[Replication]| part(r, "assessment", Component::QueueSocialWorkers);
    let sw_office = |r: &[Replication]| part(r, "assessment", Component::OfficeHours);
    assert!(queue(&sw) < 1e-9, "{}", queue(&sw));
    assert!(sw_office(&sw) > 0.0);
    assert!(hours(&sw) > 0.5 * hours(&tight_runs));
}
