//! Distributions of durations and counts, as scenario files write them.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal};
use serde::{Deserialize, Serialize};

/// A distribution: `{ dist = "exponential", mean = 4.0 }` and so on.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Always `value`.
    Fixed { value: f64 },
    /// Exponential with the given mean.
    Exponential { mean: f64 },
    /// Lognormal given by its median and the standard deviation of its logarithm.
    Lognormal { median: f64, sigma: f64 },
    /// Gamma given by its mean and shape.
    Gamma { mean: f64, shape: f64 },
    /// One of `values`, with `weights` (equal if absent).
    Empirical {
        values: Vec<f64>,
        #[serde(default)]
        weights: Vec<f64>,
    },
}

/// A distribution whose parameters make no sense; names the parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{parameter}`: {message}")]
pub struct DistError {
    pub parameter: &'static str,
    pub message: String,
}

fn positive(parameter: &'static str, v: f64) -> Result<(), DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(DistError {
            parameter,
            message: format!("must be a number above 0, got {v}"),
        })
    }
}

impl Dist {
    /// Checks the parameters: finite, in range, and such that [`sample`](Self::sample) and
    /// [`mean`](Self::mean) give finite numbers.
    pub fn validate(&self) -> Result<(), DistError> {
        self.validate_parameters()?;
        let mean = self.mean();
        if !mean.is_finite() {
            return Err(DistError {
                parameter: match self {
                    Dist::Lognormal { .. } => "sigma",
                    Dist::Empirical { .. } => "weights",
                    _ => "mean",
                },
                message: "makes the mean of the distribution infinite".into(),
            });
        }
        if let Dist::Gamma { mean, shape } = self {
            // The scale must not vanish (a huge shape with a tiny mean).
            if mean / shape <= 0.0 {
                return Err(DistError {
                    parameter: "shape",
                    message: format!("is too large for a mean of {mean}"),
                });
            }
        }
        Ok(())
    }

    fn validate_parameters(&self) -> Result<(), DistError> {
        match self {
            Dist::Fixed { value } => {
                if value.is_finite() && *value >= 0.0 {
                    Ok(())
                } else {
                    Err(DistError {
                        parameter: "value",
                        message: format!("must be 0 or more, got {value}"),
                    })
                }
            }
            Dist::Exponential { mean } => positive("mean", *mean),
            Dist::Lognormal { median, sigma } => {
                positive("median", *median)?;
                if sigma.is_finite() && *sigma >= 0.0 {
                    Ok(())
                } else {
                    Err(DistError {
                        parameter: "sigma",
                        message: format!("must be 0 or more, got {sigma}"),
                    })
                }
            }
            Dist::Gamma { mean, shape } => {
                positive("mean", *mean)?;
                positive("shape", *shape)
            }
            Dist::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err(DistError {
                        parameter: "values",
                        message: "must hold at least one value".into(),
                    });
                }
                if values.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    return Err(DistError {
                        parameter: "values",
                        message: "must all be 0 or more".into(),
                    });
                }
                if !weights.is_empty() {
                    if weights.len() != values.len() {
                        return Err(DistError {
                            parameter: "weights",
                            message: format!(
                                "needs one weight per value ({} values, {} weights)",
                                values.len(),
                                weights.len()
                            ),
                        });
                    }
                    let total = weights.iter().sum::<f64>();
                    if weights.iter().any(|w| !w.is_finite() || *w < 0.0)
                        || !(total > 0.0 && total.is_finite())
                    {
                        return Err(DistError {
                            parameter: "weights",
                            message: "must be 0 or more and not all 0".into(),
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed { value } => *value,
            Dist::Exponential { mean } | Dist::Gamma { mean, .. } => *mean,
            Dist::Lognormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Dist::Empirical { values, weights } => {
                if weights.is_empty() {
                    values.iter().sum::<f64>() / values.len() as f64
                } else {
                    values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>()
                        / weights.iter().sum::<f64>()
                }
            }
        }
    }

    /// The same distribution with its scale multiplied by `k` (shape kept).
    pub fn scaled(&self, k: f64) -> Dist {
        match self {
            Dist::Fixed { value } => Dist::Fixed { value: value * k },
            Dist::Exponential { mean } => Dist::Exponential { mean: mean * k },
            Dist::Lognormal { median, sigma } => Dist::Lognormal {
                median: median * k,
                sigma: *sigma,
            },
            Dist::Gamma { mean, shape } => Dist::Gamma {
                mean: mean * k,
                shape: *shape,
            },
            Dist::Empirical { values, weights } => Dist::Empirical {
                values: values.iter().map(|v| v * k).collect(),
                weights: weights.clone(),
            },
        }
    }

    /// Draws what is left of a duration that has already lasted `elapsed`: a value of the
    /// distribution conditioned on exceeding `elapsed`, minus `elapsed` (a stay, a package or a
    /// course in progress when a run starts from a recorded state). Exact for every kind: the
    /// exponential has no memory; the lognormal's normal is drawn from its tail (Robert 1995,
    /// an exponential proposal, for tails beyond two standard deviations); the gamma and the
    /// empirical by rejection, the gamma's far tail (past 10,000 tries, a chance below 1 in
    /// 10,000) by its limit, an exponential of its scale. A fixed or empirical duration already
    /// past its largest value has nothing left (0).
    pub fn sample_beyond<R: Rng + ?Sized>(&self, rng: &mut R, elapsed: f64) -> f64 {
        if elapsed <= 0.0 || !elapsed.is_finite() {
            return self.sample(rng);
        }
        match self {
            Dist::Fixed { value } => (value - elapsed).max(0.0),
            Dist::Exponential { .. } => self.sample(rng),
            Dist::Lognormal { median, sigma } => {
                let a = (elapsed.ln() - median.ln()) / sigma;
                let z = normal_beyond(rng, a);
                (median.ln() + sigma * z).exp() - elapsed
            }
            Dist::Gamma { mean, shape } => {
                for _ in 0..10_000 {
                    let x = self.sample(rng);
                    if x > elapsed {
                        return x - elapsed;
                    }
                }
                Exp::new(shape / mean).expect("validated").sample(rng)
            }
            Dist::Empirical { values, weights } => {
                let kept: Vec<(f64, f64)> = values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v > elapsed)
                    .map(|(i, v)| (*v, weights.get(i).copied().unwrap_or(1.0)))
                    .collect();
                if kept.is_empty() {
                    return 0.0;
                }
                let total: f64 = kept.iter().map(|(_, w)| w).sum();
                let mut x = rng.gen::<f64>() * total;
                for (v, w) in &kept {
                    if x < *w {
                        return v - elapsed;
                    }
                    x -= w;
                }
                kept[kept.len() - 1].0 - elapsed
            }
        }
    }

    /// Draws one value. The parameters must have passed [`validate`](Self::validate).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed { value } => *value,
            Dist::Exponential { mean } => Exp::new(1.0 / mean).expect("validated").sample(rng),
            Dist::Lognormal { median, sigma } => LogNormal::new(median.ln(), *sigma)
                .expect("validated")
                .sample(rng),
            Dist::Gamma { mean, shape } => Gamma::new(*shape, mean / shape)
                .expect("validated")
                .sample(rng),
            Dist::Empirical { values, weights } => {
                if weights.is_empty() {
                    values[rng.gen_range(0..values.len())]
                } else {
                    let total: f64 = weights.iter().sum();
                    let mut x = rng.gen::<f64>() * total;
                    for (v, w) in values.iter().zip(weights) {
                        if x < *w {
                            return *v;
                        }
                        x -= w;
                    }
                    values[values.len() - 1]
                }
            }
        }
    }
}

/// A standard normal conditioned on exceeding `a`: by rejection below 2 (a chance above 2%
/// each try), beyond by Robert's (1995) translated exponential proposal, which accepts most
/// tries however far the tail.
fn normal_beyond<R: Rng + ?Sized>(rng: &mut R, a: f64) -> f64 {
    if a < 2.0 {
        loop {
            let z: f64 = rand_distr::StandardNormal.sample(rng);
            if z > a {
                return z;
            }
        }
    }
    let alpha = (a + (a * a + 4.0).sqrt()) / 2.0;
    loop {
        let z = a - (1.0 - rng.gen::<f64>()).ln() / alpha;
        let accept = (-(z - alpha) * (z - alpha) / 2.0).exp();
        if rng.gen::<f64>() < accept {
            return z;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// What is left after `elapsed` has the mean of the conditional distribution, estimated
    /// by brute force (drawing whole values and keeping those beyond `elapsed`).
    #[test]
    fn what_is_left_matches_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for (d, elapsed) in [
            (
                Dist::Lognormal {
                    median: 4.0,
                    sigma: 0.95,
                },
                3.0,
            ),
            (
                Dist::Lognormal {
                    median: 4.0,
                    sigma: 0.95,
                },
                20.0,
            ),
            (
                Dist::Gamma {
                    mean: 35.0,
                    shape: 4.0,
                },
                40.0,
            ),
            (Dist::Exponential { mean: 5.0 }, 12.0),
            (
                Dist::Empirical {
                    values: vec![1.0, 5.0, 9.0],
                    weights: vec![1.0, 1.0, 2.0],
                },
                4.0,
            ),
        ] {
            let n = 200_000;
            let left = (0..n)
                .map(|_| d.sample_beyond(&mut rng, elapsed))
                .sum::<f64>()
                / n as f64;
            let (mut sum, mut kept) = (0.0, 0u32);
            while kept < 50_000 {
                let x = d.sample(&mut rng);
                if x > elapsed {
                    sum += x - elapsed;
                    kept += 1;
                }
            }
            let brute = sum / f64::from(kept);
            assert!(
                (left - brute).abs() / brute < 0.03,
                "{d:?} after {elapsed}: {left} vs {brute}"
            );
        }
        assert_eq!(Dist::Fixed { value: 2.0 }.sample_beyond(&mut rng, 3.0), 0.0);
        assert_eq!(Dist::Fixed { value: 5.0 }.sample_beyond(&mut rng, 3.0), 2.0);
    }

    #[test]
    fn sample_means_match() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for d in [
            Dist::Exponential { mean: 4.0 },
            Dist::Lognormal {
                median: 3.0,
                sigma: 0.5,
            },
            Dist::Gamma {
                mean: 10.0,
                shape: 2.0,
            },
            Dist::Empirical {
                values: vec![1.0, 2.0, 10.0],
                weights: vec![1.0, 1.0, 2.0],
            },
            Dist::Fixed { value: 2.5 },
        ] {
            d.validate().unwrap();
            let n = 200_000;
            let m = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            assert!(
                (m - d.mean()).abs() / d.mean() < 0.02,
                "{d:?}: {m} vs {}",
                d.mean()
            );
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(
            Dist::Exponential { mean: -1.0 }
                .validate()
                .unwrap_err()
                .parameter,
            "mean"
        );
        assert_eq!(
            Dist::Gamma {
                mean: 1.0,
                shape: 0.0
            }
            .validate()
            .unwrap_err()
            .parameter,
            "shape"
        );
        assert_eq!(
            Dist::Empirical {
                values: vec![1.0],
                weights: vec![1.0, 2.0]
            }
            .validate()
            .unwrap_err()
            .parameter,
            "weights"
        );
    }

    #[test]
    fn parameters_that_would_make_sampling_fail_are_refused() {
        // A sigma this large makes the mean infinite.
        let e = Dist::Lognormal {
            median: 1.0,
            sigma: 1e10,
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.parameter, "sigma");
        // A scale that underflows to 0 would make `Gamma::new` fail in `sample`.
        let e = Dist::Gamma {
            mean: 1e-300,
            shape: 1e300,
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.parameter, "shape");
        let e = Dist::Empirical {
            values: vec![1.0, 2.0],
            weights: vec![f64::MAX, f64::MAX],
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.parameter, "weights");
        let e = Dist::Empirical {
            values: vec![],
            weights: vec![],
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.parameter, "values");
    }
}
