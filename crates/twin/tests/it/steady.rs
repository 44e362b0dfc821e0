//! A population that stays itself: people enter at 65, age through the bands and die, at
//! rates that keep the scenario's band sizes (deaths in hospital included).

use twin::{replicate, Scenario};

#[test]
fn the_oldest_band_stays_its_size_over_two_years() {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.warmup_days = 0;
    s.run.days = 730;
    s.run.cooldown_days = 0;
    let want = f64::from(s.population.aged_85_plus);
    for r in 0..2 {
        let days = replicate(&s, 2017, r, None).days;
        // The mean of the last quarter against the size the scenario gives.
        let last: Vec<f64> = days[days.len() - 91..]
            .iter()
            .map(|d| d.people_85_plus)
            .collect();
        let mean = last.iter().sum::<f64>() / last.len() as f64;
        assert!(
            (mean - want).abs() < 0.03 * want,
            "replication {r}: 85+ at {mean:.0} after two years, the scenario says {want}"
        );
    }
}

/// The measured year's figures after a warm-up of one year and of three years, ending on the
/// same day, agree (each within its stated margin, 8 replications of each). Emergency
/// admissions fell 4% before a crisis that fell past the run's end at a person's old rate was
/// kept for a higher one (turning 75 or 85, moving into a care home): the people who aged into
/// a band during a long warm-up had lost their crises. Reviews completed fell from 41% (one
/// year) to 16% (three) while reviews were set for packages that had ended and the review list
/// began with the run: the list now begins empty on a stated day
/// (`community.review_list_from`), whatever the warm-up. Occupancy over October to March was
/// 1.2 points higher after three years (83.9% and 85.1%) while the care homes emptied (more
/// moved out by death than in) and the CHC team worked at its capacity's edge with no bought-in
/// help (a waiting list that grew for years); now 84.3% and 84.4%.
#[test]
fn the_measured_year_does_not_drift_with_the_warm_up() {
    // Each figure with how far apart the two may be.
    let figures: [(&str, f64); 4] = [
        ("emergency_admissions_65_per_100k", 2.5),
        ("reviews_completed_pct", 3.0),
        ("ae_4h_pct", 1.0),
        ("bed_occupancy_pct", 0.6),
    ];
    let means = |warmup: u32| {
        let s = Scenario::load("stoke-2017").unwrap().with_warmup(warmup);
        let runs: Vec<_> = (0..8).map(|r| replicate(&s, 2017, r, None)).collect();
        figures.map(|(id, _)| {
            let k = twin::calibration::FIGURES
                .iter()
                .position(|f| f.id == id)
                .unwrap();
            runs.iter()
                .map(|run| run.calibration[k].unwrap())
                .sum::<f64>()
                / runs.len() as f64
        })
    };
    let (one, three) = (means(365), means(1100));
    for (k, (id, margin)) in figures.iter().enumerate() {
        assert!(
            (one[k] - three[k]).abs() < *margin,
            "{id}: {:.2} after a year's warm-up, {:.2} after three",
            one[k],
            three[k]
        );
    }
}

/// The care homes stay themselves: from the scenario's census, moves in (discharges to a care
/// home, moves after reablement) replace the residents who die, so the places used hold level
/// over four years; and the CHC team's waiting list stays bounded (the bought-in assessors).
/// Before: the places used fell by 2.9% from the second year to the fourth (2,655 to 2,579, 8
/// replications), and the CHC list wandered with no bound; now by 1.1% (2,704 to 2,673, 16).
#[test]
fn the_care_homes_and_the_chc_list_hold_level_over_four_years() {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.start = "2013-07-01".into();
    s.run.warmup_days = 0;
    s.run.days = 1460;
    s.run.cooldown_days = 0;
    let year_mean = |days: &[twin::model::Day], year: usize, get: fn(&twin::model::Day) -> f64| {
        days[year * 365..(year + 1) * 365]
            .iter()
            .map(get)
            .sum::<f64>()
            / 365.0
    };
    let (mut second, mut fourth, mut chc_worst) = (0.0, 0.0, 0.0_f64);
    let reps = 3;
    for r in 0..reps {
        let days = replicate(&s, 2017, r, None).days;
        second += year_mean(&days, 1, |d| d.care_home_places_used) / reps as f64;
        fourth += year_mean(&days, 3, |d| d.care_home_places_used) / reps as f64;
        for y in 0..4 {
            chc_worst = chc_worst.max(year_mean(&days, y, |d| d.chc_waiting));
        }
    }
    assert!(
        (fourth - second).abs() < 0.015 * second,
        "care home places used: {second:.0} in the second year, {fourth:.0} in the fourth"
    );
    let open_at = f64::from(s.discharge.chc_surge_open_at);
    assert!(
        chc_worst < open_at,
        "a year's mean CHC waiting list of {chc_worst:.1}, at or above the {open_at} at which \
         help is bought in"
    );
}
