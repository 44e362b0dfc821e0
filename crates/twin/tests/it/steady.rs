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
