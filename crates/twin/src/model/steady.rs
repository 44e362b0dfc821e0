//! The steady population: people enter at 65, age through the bands (65-74, 75-84, 85+) and
//! die. For the scenario's band sizes to be the population's steady state, the flows must
//! balance: the entry rate keeps 65-74 at its size with its (ONS) death rate; the death rates
//! of 75-84 and 85+ are those that keep their sizes given what flows in from the band below.
//! The people at the start are drawn from that steady state (ages within each band falling off
//! with the band's death rate), so the run starts where it stays. The care homes' residents
//! stay, band by band, where they start too: each band's chance of a care home at discharge is
//! what replaces its residents' deaths (`care_home_need`).

/// Years each band spans before the next (85+ is open).
pub(super) const BAND_YEARS: f64 = 10.0;
/// Days in a year of age.
pub(super) const YEAR: f64 = 365.25;

/// The steady state of the bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Steady {
    /// People turning 65 a year.
    pub entry_per_year: f64,
    /// Deaths a year per person of each band, all residences together.
    pub deaths: [f64; 3],
}

/// `(1 - e^(-w x)) / x`: the mean years spent in a band of `w` years at death rate `x`.
fn years_in_band(x: f64) -> f64 {
    if x < 1e-12 {
        BAND_YEARS
    } else {
        (1.0 - (-BAND_YEARS * x).exp()) / x
    }
}

/// The steady state that keeps bands of `sizes` with death rate `first_deaths` in 65-74.
/// A band that cannot be kept (more flow in than it could hold with no deaths) gets death rate
/// 0 there and what it cannot hold passes on.
pub(super) fn steady(sizes: [f64; 3], first_deaths: f64) -> Steady {
    let [n0, n1, n2] = sizes;
    let entry = if n0 > 0.0 {
        n0 / years_in_band(first_deaths)
    } else {
        0.0
    };
    let into_1 = entry * (-BAND_YEARS * first_deaths).exp();
    // years_in_band is decreasing in x: bisect for the rate that holds n1.
    let want = if into_1 > 0.0 {
        n1 / into_1
    } else {
        BAND_YEARS
    };
    let d1 = if want >= BAND_YEARS {
        0.0
    } else {
        let (mut lo, mut hi) = (0.0_f64, 10.0_f64);
        for _ in 0..100 {
            let mid = (lo + hi) / 2.0;
            if years_in_band(mid) > want {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    };
    let into_2 = into_1 * (-BAND_YEARS * d1).exp();
    let d2 = if n2 > 0.0 { into_2 / n2 } else { 0.0 };
    Steady {
        entry_per_year: entry,
        deaths: [first_deaths, d1, d2],
    }
}

/// Years past the start of its band of someone drawn from a band's steady state: ages fall off
/// with the band's death rate (truncated at the band's end; 85+ at 20 years). `u` is uniform.
pub(super) fn years_into_band(u: f64, deaths: f64, open: bool) -> f64 {
    let w = if open { 2.0 * BAND_YEARS } else { BAND_YEARS };
    if deaths < 1e-12 {
        return u * w;
    }
    let tail = 1.0 - (-deaths * w).exp();
    (-(1.0 - u * tail).ln() / deaths).min(w)
}

/// Each band's chance of a care home at discharge relative to the scenario's pathway-3 share,
/// so that the care homes' residents stay, band by band, where the run starts them.
///
/// At the steady state a band's residents are replaced as fast as they die: the places a year
/// a band needs are its residents (`population.*_share` of the band) times their death rate in
/// a care home (`deaths_at_home` times `care_home_death_factor`). Discharges come from the
/// people living at home in proportion to their emergency admissions (`crisis.per_year` times
/// `ae.admit`). A band's factor is its share of the places needed over its share of those
/// discharges, so the pathway-3 share over all discharges stays the scenario's. (Residents
/// ageing from one band into the next, and moves from home after reablement, are left out: a
/// first order balance.) Without residents or discharges the factors are 1.
pub(super) fn care_home_need(p: &crate::Scenario, deaths_at_home: [f64; 3]) -> [f64; 3] {
    let pop = &p.population;
    let sizes = [
        f64::from(pop.aged_65_74),
        f64::from(pop.aged_75_84),
        f64::from(pop.aged_85_plus),
    ];
    let mut needed = [0.0; 3];
    let mut discharged = [0.0; 3];
    for b in 0..3 {
        let in_homes = pop.residential_share[b] + pop.nursing_share[b];
        needed[b] = sizes[b] * in_homes * deaths_at_home[b] * pop.care_home_death_factor;
        discharged[b] = sizes[b] * (1.0 - in_homes) * p.crisis.per_year[b] * p.ae.admit[b];
    }
    let (n, d): (f64, f64) = (needed.iter().sum(), discharged.iter().sum());
    if n <= 0.0 || d <= 0.0 {
        return [1.0; 3];
    }
    let mut need = [1.0; 3];
    for b in 0..3 {
        if discharged[b] > 0.0 {
            need[b] = (needed[b] / n) / (discharged[b] / d);
        }
    }
    need
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steady_state_holds_the_bands() {
        let sizes = [22_000.0, 13_500.0, 5_400.0];
        let s = steady(sizes, 0.02);
        // Check against the flows directly.
        let n0 = s.entry_per_year * years_in_band(s.deaths[0]);
        let into_1 = s.entry_per_year * (-10.0 * s.deaths[0]).exp();
        let n1 = into_1 * years_in_band(s.deaths[1]);
        let n2 = into_1 * (-10.0 * s.deaths[1]).exp() / s.deaths[2];
        for (got, want) in [n0, n1, n2].iter().zip(sizes) {
            assert!((got - want).abs() < 1e-6 * want, "{got} {want}");
        }
        assert!((2_000.0..3_000.0).contains(&s.entry_per_year), "{s:?}");
        assert!(s.deaths[1] > 0.02 && s.deaths[2] > s.deaths[1], "{s:?}");
        // A band bigger than its inflow could fill with no deaths keeps nobody dying there.
        let s = steady([1_000.0, 50_000.0, 10.0], 0.02);
        assert_eq!(s.deaths[1], 0.0);
    }

    #[test]
    fn ages_within_a_band_fall_off_with_its_deaths() {
        assert_eq!(years_into_band(0.0, 0.05, false), 0.0);
        assert!((years_into_band(1.0, 0.05, false) - 10.0).abs() < 1e-9);
        // Median of the truncated exponential below the band's middle.
        let mid = years_into_band(0.5, 0.2, false);
        assert!(mid < 5.0 && mid > 2.0, "{mid}");
        assert!((years_into_band(0.5, 0.0, false) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn the_care_home_need_keeps_each_band_and_the_overall_share() {
        let mut p = crate::Scenario::load("stoke-2017").unwrap();
        let deaths = [0.02, 0.05, 0.15];
        let need = care_home_need(&p, deaths);
        // The oldest need a care home most, the youngest least.
        assert!(need[0] < need[1] && need[1] < need[2], "{need:?}");
        // Over all discharges the pathway-3 share is the scenario's.
        let pop = &p.population;
        let sizes = [pop.aged_65_74, pop.aged_75_84, pop.aged_85_plus].map(f64::from);
        let (mut weighted, mut all) = (0.0, 0.0);
        let mut places = [0.0; 3];
        for b in 0..3 {
            let in_homes = pop.residential_share[b] + pop.nursing_share[b];
            let d = sizes[b] * (1.0 - in_homes) * p.crisis.per_year[b] * p.ae.admit[b];
            weighted += d * need[b];
            all += d;
            // Places a year each band gets, against what its residents' deaths free.
            places[b] = d * need[b];
            let freed = sizes[b] * in_homes * deaths[b] * pop.care_home_death_factor;
            assert!(freed > 0.0 && places[b] > 0.0);
        }
        assert!((weighted / all - 1.0).abs() < 1e-12, "{}", weighted / all);
        // Each band's share of the places is its share of the deaths to replace.
        let freed: Vec<f64> = (0..3)
            .map(|b| {
                let in_homes = pop.residential_share[b] + pop.nursing_share[b];
                sizes[b] * in_homes * deaths[b] * pop.care_home_death_factor
            })
            .collect();
        let (tp, tf): (f64, f64) = (places.iter().sum(), freed.iter().sum());
        for b in 0..3 {
            assert!((places[b] / tp - freed[b] / tf).abs() < 1e-12);
        }
        // No one in care homes: no balance to keep.
        p.population.residential_share = [0.0; 3];
        p.population.nursing_share = [0.0; 3];
        assert_eq!(care_home_need(&p, deaths), [1.0; 3]);
    }
}
