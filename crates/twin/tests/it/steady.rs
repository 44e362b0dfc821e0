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

/// The measured year's emergency admissions of people 65+ after a warm-up of one year and of
/// three years, ending on the same day, agree. They fell 4% before a crisis that fell past the
/// run's end at a person's old rate was kept for a higher one (turning 75 or 85, moving into a
/// care home): the people who aged into a band during a long warm-up had lost their crises.
#[test]
fn emergency_admissions_do_not_drift_with_the_warm_up() {
    let id = "emergency_admissions_65_per_100k";
    let k = twin::calibration::FIGURES
        .iter()
        .position(|f| f.id == id)
        .unwrap();
    let mean = |warmup: u32| {
        let s = Scenario::load("stoke-2017").unwrap().with_warmup(warmup);
        let v: Vec<f64> = (0..8)
            .map(|r| replicate(&s, 2017, r, None).calibration[k].unwrap())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let (one, three) = (mean(365), mean(1100));
    assert!(
        (one - three).abs() < 0.025 * one,
        "{id}: {one:.2} after a year's warm-up, {three:.2} after three"
    );
}
