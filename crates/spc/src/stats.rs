//! The XmR statistics: the mean, the mean moving range and the limits around the mean.
//!
//! Every figure is finite or absent: sums that would overflow (values near `f64::MAX`) are
//! taken again on scaled values, and limits that still do not fit in an `f64` are `None`.

use serde::{Deserialize, Serialize};

/// Process limits are the mean ± this many mean moving ranges (3σ, as 3 / 1.128).
pub const LIMIT_FACTOR: f64 = 2.66;

/// The 2σ lines are the mean ± this many mean moving ranges (two thirds of [`LIMIT_FACTOR`]).
pub const TWO_SIGMA_FACTOR: f64 = 1.773;

/// The lines around the mean, all finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// The mean of |x_i − x_{i−1}| over consecutive present values of the baseline.
    pub mean_moving_range: f64,
    /// mean + 2.66 × mean moving range.
    pub upper_process: f64,
    /// mean − 2.66 × mean moving range.
    pub lower_process: f64,
    /// mean + 1.773 × mean moving range.
    pub upper_two_sigma: f64,
    /// mean − 1.773 × mean moving range.
    pub lower_two_sigma: f64,
}

/// The mean of the values, `None` when there are none.
pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let m = if sum.is_finite() {
        sum / n
    } else {
        // Each term is at most max|x| / n, so every partial sum stays finite.
        values.iter().map(|x| x / n).sum()
    };
    m.is_finite().then_some(m)
}

/// The mean moving range, `None` below two values (no moving range) or when it does not fit.
pub(crate) fn mean_moving_range(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let ranges: Vec<f64> = values.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    if let Some(m) = mean(&ranges).filter(|_| ranges.iter().all(|r| r.is_finite())) {
        return Some(m);
    }
    // A difference overflowed: halve the values, where no difference can.
    let halves: Vec<f64> = values
        .windows(2)
        .map(|w| (w[1] / 2.0 - w[0] / 2.0).abs())
        .collect();
    mean(&halves).map(|m| m * 2.0).filter(|m| m.is_finite())
}

/// The limits around `mean`, `None` when one of them does not fit in an `f64`.
pub(crate) fn limits(mean: f64, mean_moving_range: f64) -> Option<Limits> {
    let l = Limits {
        mean_moving_range,
        upper_process: mean + LIMIT_FACTOR * mean_moving_range,
        lower_process: mean - LIMIT_FACTOR * mean_moving_range,
        upper_two_sigma: mean + TWO_SIGMA_FACTOR * mean_moving_range,
        lower_two_sigma: mean - TWO_SIGMA_FACTOR * mean_moving_range,
    };
    [
        l.mean_moving_range,
        l.upper_process,
        l.lower_process,
        l.upper_two_sigma,
        l.lower_two_sigma,
    ]
    .iter()
    .all(|x| x.is_finite())
    .then_some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_moving_range_of_a_small_series() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        // |2-1| = 1, |6-2| = 4
        assert_eq!(mean_moving_range(&[1.0, 2.0, 6.0]), Some(2.5));
        let l = limits(3.0, 2.5).unwrap();
        assert_eq!(l.upper_process, 3.0 + 2.66 * 2.5);
        assert_eq!(l.lower_two_sigma, 3.0 - 1.773 * 2.5);
    }

    #[test]
    fn nothing_to_average_is_none() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean_moving_range(&[4.0]), None);
    }

    #[test]
    fn huge_values_give_a_finite_mean_and_no_limits_rather_than_infinities() {
        let m = mean(&[f64::MAX, f64::MAX]).unwrap();
        assert_eq!(m, f64::MAX);
        // One difference of 1.5 × MAX overflows, the mean of the three does not.
        let h = -f64::MAX / 2.0;
        assert_eq!(
            mean_moving_range(&[f64::MAX, h, h, h]),
            Some(f64::MAX / 2.0)
        );
        // A mean moving range beyond MAX is none, never infinite.
        assert_eq!(mean_moving_range(&[f64::MAX, -f64::MAX]), None);
        assert_eq!(limits(0.0, f64::MAX), None);
    }
}
