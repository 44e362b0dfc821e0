//! The crisis profile as a clock: the relative intensity of crises (weekly x hourly x winter,
//! mean about 1) is constant within each hour, so its integral is piecewise linear. A person's
//! next crisis is found by inverting it: a unit exponential from the person's own stream,
//! divided by the person's rate, is the profile-time to their next crisis. A change of rate
//! (moving to a care home) rescales what is left of that budget, drawing nothing.

/// The integral of the crisis intensity over the run, hour by hour.
#[derive(Debug, Clone)]
pub(super) struct Profile {
    /// The intensity of each hour of the run.
    hourly: Vec<f64>,
    /// `cumulative[h]`: the integral from time 0 to hour `h`, in days.
    cumulative: Vec<f64>,
}

impl Profile {
    /// The profile of `hours` hours whose intensity in hour `h` is `intensity(h)`.
    pub(super) fn new(hours: usize, intensity: impl Fn(usize) -> f64) -> Self {
        let hourly: Vec<f64> = (0..hours).map(intensity).collect();
        let mut cumulative = Vec::with_capacity(hours + 1);
        let mut sum = 0.0;
        cumulative.push(0.0);
        for g in &hourly {
            sum += g / 24.0;
            cumulative.push(sum);
        }
        Profile { hourly, cumulative }
    }

    /// The integral from time 0 to `t` (days); past the end it stays at its last value.
    pub(super) fn at(&self, t: f64) -> f64 {
        let x = (t * 24.0).max(0.0);
        let h = x.floor() as usize;
        if h >= self.hourly.len() {
            return *self.cumulative.last().expect("at least hour 0");
        }
        self.cumulative[h] + self.hourly[h] * (x - h as f64) / 24.0
    }

    /// The time at which the integral reaches `level`; `None` past the end of the run.
    pub(super) fn time_of(&self, level: f64) -> Option<f64> {
        // The first hour whose end reaches the level.
        let end = self.cumulative.partition_point(|&c| c < level);
        if end == 0 {
            return Some(0.0);
        }
        if end >= self.cumulative.len() {
            return None;
        }
        let h = end - 1;
        let g = self.hourly[h];
        let within = if g > 0.0 {
            (level - self.cumulative[h]) * 24.0 / g
        } else {
            0.0
        };
        Some((h as f64 + within.min(1.0)) / 24.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inverse_inverts_and_a_flat_profile_is_time() {
        let flat = Profile::new(48, |_| 1.0);
        assert!((flat.at(1.5) - 1.5).abs() < 1e-12);
        assert!((flat.time_of(0.75).unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(flat.time_of(2.5), None);
        let p = Profile::new(24 * 7, |h| [0.5, 2.0, 0.0][h % 3]);
        for t in [0.01, 0.3, 1.234, 5.9] {
            let level = p.at(t);
            let back = p.time_of(level).unwrap();
            // Zero-intensity hours make the inverse the start of the flat stretch's end.
            assert!((p.at(back) - level).abs() < 1e-9, "{t} {back}");
        }
    }

    #[test]
    fn crises_drawn_through_the_profile_follow_it() {
        // Poisson arrivals at rate 10 a day through an intensity of 3 in the first 12 hours of
        // each day and 1 in the others: three quarters of arrivals fall in the first half.
        use rand::{Rng, SeedableRng};
        let p = Profile::new(24 * 400, |h| if h % 24 < 12 { 1.5 } else { 0.5 });
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let (mut t, mut first, mut n) = (0.0, 0u32, 0u32);
        while let Some(next) = p.time_of(p.at(t) - rng.gen::<f64>().ln() / 10.0) {
            t = next;
            n += 1;
            first += u32::from(t.fract() < 0.5);
        }
        assert!((3900..4100).contains(&n), "{n}");
        let share = f64::from(first) / f64::from(n);
        assert!((share - 0.75).abs() < 0.02, "{share}");
    }
}
