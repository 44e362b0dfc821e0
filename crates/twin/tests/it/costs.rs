//! Costs: the usage the model meters, checked by hand on a short baseline; and a sweep over a
//! system built to have a known cheapest number of social workers.

use twin::costs::{self, Item};
use twin::sweep;
use twin::Scenario;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The baseline measured from Monday 2016-11-21 for 21 days (to 2016-12-12), escalation beds
/// off: 15 weekdays, and the winter beds open from 1 December, 11 of the days.
fn three_weeks(seven_day: bool) -> Scenario {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.start = "2016-11-20".into();
    s.run.warmup_days = 1;
    s.run.days = 21;
    s.run.cooldown_days = 0;
    s.hospital.escalation_beds = 0;
    s.policy.seven_day = seven_day;
    s.validate().unwrap();
    s
}

#[test]
fn staff_and_beds_are_costed_as_worked_by_hand() {
    let s = three_weeks(false);
    let r = twin::replicate(&s, 7, 0, None);
    let u = &r.usage;
    // 16 social workers and 3 reviewers, 09:00-17:00 on the 15 weekdays.
    assert_eq!(u.quantity(Item::SocialWorkers), 16.0 * 8.0 * 15.0);
    assert_eq!(u.quantity(Item::Reviewers), 3.0 * 8.0 * 15.0);
    // The scenario's clinicians 08:00-22:00 and 20 at night, every day.
    assert_eq!(s.ae.clinicians_night, 20);
    assert_eq!(
        u.quantity(Item::AeClinicians),
        21.0 * (f64::from(s.ae.clinicians_day) * 14.0 + 20.0 * 10.0)
    );
    // 6 brokers 09:00-17:00 on the 15 weekdays.
    assert_eq!(
        u.quantity(Item::Brokers),
        f64::from(s.discharge.brokers) * 8.0 * 15.0
    );
    // The CHC team's case slots every day.
    assert_eq!(
        u.quantity(Item::ChcAssessors),
        f64::from(s.discharge.chc_assessors) * 21.0
    );
    // 540 beds every day, and 40 winter beds on the 11 days of December.
    assert_eq!(u.quantity(Item::AcuteBeds), 540.0 * 21.0 + 40.0 * 11.0);
    // Delayed bed days: the patients still in hospital once optimised, at the 21 midnights.
    let delayed: f64 = r.days.iter().map(|d| d.delayed).sum();
    assert_eq!(u.quantity(Item::DelayedBedDays), delayed);
    // Places held: within what exists, and some used.
    let resid = u.quantity(Item::ResidentialHomes);
    assert!(resid > 0.0 && resid <= 2100.0 * 3.0, "{resid}");
    let hc = u.quantity(Item::HomeCare);
    assert!(hc > 0.0 && hc <= 32_300.0 * 3.0, "{hc}");

    // Priced at the scenario's unit costs: £45 an hour, £300 a bed day, and so on.
    let b = costs::bill(u, &s.costs);
    assert_eq!(b.costs[Item::SocialWorkers.index()], 1_920.0 * 45.0);
    assert_eq!(b.costs[Item::AcuteBeds.index()], 11_780.0 * 300.0);
    let clinician_hours = 21.0 * (f64::from(s.ae.clinicians_day) * 14.0 + 20.0 * 10.0);
    assert_eq!(b.costs[Item::AeClinicians.index()], clinician_hours * 60.0);
    assert_eq!(b.costs[Item::DelayedBedDays.index()], delayed * 300.0);
    let sum: f64 = b.costs.iter().sum();
    assert!((b.total - sum).abs() < 1e-6);

    // Seven-day services, the same staff spread over the seven days: the same hours.
    let s = three_weeks(true);
    let u = twin::replicate(&s, 7, 0, None).usage;
    assert_eq!(u.quantity(Item::SocialWorkers), 16.0 * 8.0 * 15.0);
    assert_eq!(u.quantity(Item::Reviewers), 3.0 * 8.0 * 15.0);
    // With extra staff, weekday staffing on all 21 days: two days more a week, costed.
    let mut s = three_weeks(true);
    s.policy.seven_day_extra_staff = true;
    let u = twin::replicate(&s, 7, 0, None).usage;
    assert_eq!(u.quantity(Item::SocialWorkers), 16.0 * 8.0 * 21.0);
    assert_eq!(u.quantity(Item::Reviewers), 3.0 * 8.0 * 21.0);
}

/// The sweep of `tests/data/sw-known-minimum.toml` over 1 to 10 social workers: queueing
/// theory's fluid limit below the 4.5 social workers the queue needs, the cheapest level a
/// little above it, and the same level found from the journey log's own delayed days.
#[test]
fn a_sweep_finds_the_known_minimum() {
    let base = Scenario::load(&data("sw-known-minimum.toml")).unwrap();
    let values: Vec<f64> = (1..=10).map(f64::from).collect();
    let reps = 8;
    let mut points = Vec::new();
    let mut by_log = Vec::new();
    for v in &values {
        let s = sweep::with_value(&base, "discharge.social_workers", *v).unwrap();
        let runs: Vec<_> = (0..reps)
            .map(|r| twin::replicate(&s, 2017, r, None))
            .collect();
        // Independently of the meter: the hours worked by hand (8 a day, 120 days) and the
        // delayed days the indicator engine counts from the journey log.
        let from_log: f64 = runs
            .iter()
            .map(|r| {
                let delayed = r
                    .report
                    .indicators
                    .iter()
                    .find(|i| i.id == "dtoc_delayed_days_per_100k")
                    .unwrap()
                    .numerator;
                v * 8.0 * 120.0 * 45.0 + delayed * 300.0
            })
            .sum::<f64>()
            / reps as f64;
        by_log.push(from_log);
        points.push((*v, costs::summarise_runs(&runs, &s.costs)));
    }
    let result = sweep::summarise("sw-known-minimum", "discharge.social_workers", points);
    let delayed: Vec<f64> = result
        .points
        .iter()
        .map(|p| p.costs.delayed_days().mean)
        .collect();
    let totals: Vec<f64> = result.points.iter().map(|p| p.costs.total.mean).collect();
    eprintln!("delayed days by social workers 1..10: {delayed:.0?}");
    eprintln!("total cost: {totals:.0?}; from the log: {by_log:.0?}");

    // Fluid limit below capacity: the backlog grows by (lambda - 4 s) a day from the start of
    // the warm-up (day 0) to the end of the measured period (days 30 to 150), so each social
    // worker fewer adds 4 x (150^2 - 30^2) / 2 = 43,200 delayed days.
    for s in 0..2 {
        let drop = delayed[s] - delayed[s + 1];
        assert!(
            (drop - 43_200.0).abs() < 0.1 * 43_200.0,
            "{} -> {} social workers: {drop:.0} delayed days fewer",
            s + 1,
            s + 2
        );
    }
    // The assessments asked for a day, from the fluid limit at 1 social worker.
    let lambda = 4.0 + delayed[0] / 10_800.0;
    let needed = (lambda / 4.0).ceil();
    assert!((4.0..=6.0).contains(&needed), "lambda {lambda:.1}");

    // The cheapest: at or a little above the level the queue needs, and the same one the
    // journey log's count gives.
    let lowest = result.points[result.lowest].value;
    assert!(
        (needed..=needed + 3.0).contains(&lowest),
        "lowest at {lowest}, the queue needs {needed}"
    );
    let log_lowest = values[by_log
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0];
    assert_eq!(lowest, log_lowest, "{by_log:?}");
    // Clearly dearer on both sides: below the level needed, and three above the lowest.
    let at = |v: f64| &result.points[values.iter().position(|x| *x == v).unwrap()];
    assert!(at(needed - 1.0).clearly_dearer());
    assert!(at((lowest + 3.0).min(10.0)).clearly_dearer());
    // The social workers' line: exactly their hours at £45.
    for p in &result.points {
        let sw = &p.costs.lines[Item::SocialWorkers.index()].cost;
        assert_eq!(sw.mean, p.value * 8.0 * 120.0 * 45.0);
    }
}
