//! The steady population: people enter at 65, age through the bands (65-74, 75-84, 85+) and
//! die. For the scenario's band sizes to be the population's steady state, the flows must
//! balance: the entry rate keeps 65-74 at its size with its (ONS) death rate; the death rates
//! of 75-84 and 85+ are those that keep their sizes given what flows in from the band below.
//! The people at the start are drawn from that steady state (ages within each band falling off
//! with the band's death rate), so the run starts where it stays.

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
}
