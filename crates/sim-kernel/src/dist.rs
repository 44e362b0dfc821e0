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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

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
