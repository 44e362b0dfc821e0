//! Statistics: tallies, time-weighted averages, and confidence intervals over replications.

/// Running mean and variance of observations (Welford).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Tally {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }
    pub fn count(&self) -> u64 {
        self.n
    }
    pub fn mean(&self) -> f64 {
        self.mean
    }
    pub fn variance(&self) -> f64 {
        if self.n > 1 {
            self.m2 / (self.n - 1) as f64
        } else {
            0.0
        }
    }
}

/// The time average of a piecewise-constant quantity (queue length, beds occupied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeAverage {
    start: f64,
    last_t: f64,
    value: f64,
    area: f64,
}

impl TimeAverage {
    pub fn new(start: f64, value: f64) -> Self {
        TimeAverage {
            start,
            last_t: start,
            value,
            area: 0.0,
        }
    }
    /// The quantity becomes `value` at `t`.
    pub fn set(&mut self, t: f64, value: f64) {
        self.area += self.value * (t - self.last_t);
        self.last_t = t;
        self.value = value;
    }
    pub fn mean(&self, now: f64) -> f64 {
        let span = now - self.start;
        if span <= 0.0 {
            return self.value;
        }
        (self.area + self.value * (now - self.last_t)) / span
    }
}

/// Mean, standard deviation and 95% confidence interval of a statistic over replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    pub ci95: (f64, f64),
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            // Cornish-Fisher expansion around the normal quantile.
            let z = 1.959_964f64;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// Summarises one value per replication.
pub fn summarise(values: &[f64]) -> Summary {
    let mut t = Tally::default();
    for v in values {
        t.add(*v);
    }
    let n = values.len();
    let sd = t.variance().sqrt();
    let half = if n > 1 {
        t975(n - 1) * sd / (n as f64).sqrt()
    } else {
        f64::INFINITY
    };
    Summary {
        n,
        mean: t.mean(),
        sd,
        ci95: (t.mean() - half, t.mean() + half),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_and_summary() {
        let s = summarise(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.mean, 2.5);
        assert!((s.sd - 1.290_994).abs() < 1e-6);
        assert!((s.ci95.1 - (2.5 + 3.182 * 1.290_994 / 2.0)).abs() < 1e-5);
        assert!((t975(1000) - 1.962).abs() < 0.001);
    }

    #[test]
    fn time_average() {
        let mut a = TimeAverage::new(0.0, 0.0);
        a.set(2.0, 4.0);
        a.set(4.0, 0.0);
        assert_eq!(a.mean(8.0), 1.0);
    }
}
