//! Each built-in scenario moves what its mechanism acts on the way the mechanism implies,
//! checked with common random numbers against the baseline (paired replication by
//! replication): seven-day services with the same staff spread over the week cut the waits for
//! office hours at the same staff cost; with extra weekend staff they cut more and cost more
//! staff hours; a trusted assessor removes the providers' visits.

use twin::costs::Item;
use twin::decomposition::{Component, REASONS};
use twin::{replicate, Replication, Scenario};

fn runs(name: &str) -> Vec<Replication> {
    let mut s = Scenario::load(name).unwrap();
    // 26 whole weeks from October: the winter, and staff hours comparable week for week.
    s.run.days = 182;
    (0..3).map(|r| replicate(&s, 2017, r, None)).collect()
}

fn each(runs: &[Replication], f: impl Fn(&Replication) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

fn delays(r: &Replication) -> f64 {
    r.report.value("dtoc_delayed_days_per_100k").unwrap()
}

/// Component `c` summed over every reason (per 100k a day).
fn part(r: &Replication, c: Component) -> f64 {
    (0..REASONS)
        .map(|i| r.delay_decomposition.value(i, c))
        .sum()
}

fn staff_hours(r: &Replication) -> f64 {
    [Item::SocialWorkers, Item::Brokers, Item::Reviewers]
        .iter()
        .map(|&i| r.usage.quantity(i))
        .sum()
}

#[test]
fn built_in_scenarios_move_what_their_mechanisms_act_on() {
    let base = runs("stoke-2017");
    let spread = runs("seven-day");
    let extra = runs("seven-day-extra-staff");
    let trusted = runs("trusted-assessor");
    for r in 0..base.len() {
        let (b, s, e, t) = (&base[r], &spread[r], &extra[r], &trusted[r]);
        // Seven days, the same staff: the same staff hours, fewer waits for office hours and
        // fewer delays.
        assert_eq!(staff_hours(s), staff_hours(b), "replication {r}");
        assert!(
            part(s, Component::OfficeHours) < 0.5 * part(b, Component::OfficeHours),
            "replication {r}: office hours {} -> {}",
            part(b, Component::OfficeHours),
            part(s, Component::OfficeHours)
        );
        assert!(delays(s) < delays(b), "replication {r}");
        // Weekday staffing at the weekend too: 7/5 of the staff hours, fewer delays still.
        assert!((staff_hours(e) - 1.4 * staff_hours(b)).abs() < 1e-6 * staff_hours(b));
        assert!(delays(e) < delays(s), "replication {r}");
        // A trusted assessor: nobody waits for, or is in, a provider's visit.
        assert_eq!(part(t, Component::QueueProviderAssessors), 0.0);
        assert_eq!(part(t, Component::ProviderAssessments), 0.0);
        assert!(part(b, Component::QueueProviderAssessors) > 0.0);
        let package = |x: &Replication| {
            x.report
                .value("dtoc_delayed_days_per_100k:care_package_home")
                .unwrap()
        };
        assert!(package(t) < package(b), "replication {r}");
    }
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    assert!(mean(&each(&spread, delays)) < mean(&each(&base, delays)));
}
