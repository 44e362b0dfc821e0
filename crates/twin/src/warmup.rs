//! Choosing the warm-up by a stated method: MSER-5 (White 1997; the marginal standard error
//! rule on batch means of 5 observations). For each candidate truncation point the rule
//! takes the variance of the mean of what is left over the square of its length, and picks
//! the point that minimises it: cutting a transient lowers the variance, cutting steady data
//! only shortens the series.

/// The truncation point (in observations, a multiple of 5) MSER-5 chooses for `series`,
/// searched over the first half (a point past the half means no steady part was found:
/// `None`).
pub fn mser5(series: &[f64]) -> Option<usize> {
    let batches: Vec<f64> = series
        .chunks_exact(5)
        .map(|c| c.iter().sum::<f64>() / 5.0)
        .collect();
    let n = batches.len();
    if n < 4 {
        return None;
    }
    // Suffix sums, to take each candidate's mean and variance in one pass.
    let mut best = (f64::INFINITY, 0);
    let (mut sum, mut sq) = (0.0, 0.0);
    let mut stats = vec![(0.0, 0.0); n + 1];
    for i in (0..n).rev() {
        sum += batches[i];
        sq += batches[i] * batches[i];
        stats[i] = (sum, sq);
    }
    for (d, &(sum, sq)) in stats.iter().enumerate().take(n - 1) {
        let k = (n - d) as f64;
        let mean = sum / k;
        let ss = (sq - k * mean * mean).max(0.0);
        let mser = ss / (k * k);
        if mser < best.0 {
            best = (mser, d);
        }
    }
    (best.1 <= n / 2).then_some(best.1 * 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transient_is_cut_and_a_steady_series_is_kept() {
        // Noise around 10 after a ramp from 0 over the first 60 observations.
        let noise = |i: usize| ((i * 7919) % 13) as f64 / 13.0 - 0.5;
        let ramp: Vec<f64> = (0..400)
            .map(|i| (i.min(60) as f64) / 6.0 + noise(i))
            .collect();
        let cut = mser5(&ramp).unwrap();
        assert!((50..=80).contains(&cut), "{cut}");
        let flat: Vec<f64> = (0..400).map(|i| 10.0 + noise(i)).collect();
        assert!(mser5(&flat).unwrap() <= 20);
        // A series that only trends has no steady part in its first half.
        let trend: Vec<f64> = (0..400).map(|i| i as f64).collect();
        assert!(mser5(&trend).is_none() || mser5(&trend).unwrap() >= 150);
        assert_eq!(mser5(&[1.0; 12]), None);
    }
}
