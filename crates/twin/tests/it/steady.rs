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
/// (`community.review_list_from`), whatever the warm-up.
#[test]
fn the_measured_year_does_not_drift_with_the_warm_up() {
    // Each figure with how far apart the two may be. Not yet here: occupancy, still a point
    // higher after three years (the care homes fill: docs/calibration.md).
    let figures: [(&str, f64); 3] = [
        ("emergency_admissions_65_per_100k", 2.5),
        ("reviews_completed_pct", 3.0),
        ("ae_4h_pct", 1.0),
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
