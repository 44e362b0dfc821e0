//! The 2017 figures of Stoke-on-Trent, England and comparator areas, attached to each indicator.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The profile shipped with joinedup (`data/stoke-2017-profile.toml`: the 2017, England and comparator figures).
pub const STOKE_2017_PROFILE: &str = include_str!("../data/stoke-2017-profile.toml");

/// Benchmarks of one indicator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Benchmarks {
    pub stoke_2017: Option<f64>,
    pub england: Option<f64>,
    pub comparators: Option<f64>,
    pub target: Option<f64>,
    /// Other figures the profile gives (e.g. `region`, `stoke_year_before`), by name.
    pub other: BTreeMap<String, f64>,
    /// The period the figures describe.
    pub period: Option<String>,
}

impl Benchmarks {
    pub fn is_empty(&self) -> bool {
        self.stoke_2017.is_none()
            && self.england.is_none()
            && self.comparators.is_none()
            && self.target.is_none()
            && self.other.is_empty()
    }
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    figure: Vec<Figure>,
}

#[derive(Deserialize)]
struct Figure {
    id: String,
    #[serde(flatten)]
    values: BTreeMap<String, toml::Value>,
}

#[derive(Debug, thiserror::Error)]
#[error("the benchmarks profile is not valid: {0}")]
pub struct ProfileError(#[from] toml::de::Error);

/// Benchmarks by indicator id, read from a profile in the format of `stoke-2017-profile.toml`.
#[derive(Debug, Clone, Default)]
pub struct BenchmarkSet(BTreeMap<String, Benchmarks>);

impl BenchmarkSet {
    pub fn parse(toml_text: &str) -> Result<Self, ProfileError> {
        let p: Profile = toml::from_str(toml_text)?;
        let mut set = BTreeMap::new();
        for f in p.figure {
            let mut b = Benchmarks::default();
            for (k, v) in f.values {
                let num = match &v {
                    toml::Value::Float(x) => Some(*x),
                    toml::Value::Integer(i) => Some(*i as f64),
                    _ => None,
                };
                match (k.as_str(), num) {
                    ("stoke", n) => b.stoke_2017 = n,
                    ("england", n) => b.england = n,
                    ("comparators", n) => b.comparators = n,
                    ("target", n) => b.target = n,
                    ("period", _) => b.period = v.as_str().map(str::to_string),
                    (_, Some(n)) => {
                        b.other.insert(k, n);
                    }
                    _ => {}
                }
            }
            set.insert(f.id, b);
        }
        Ok(BenchmarkSet(set))
    }

    /// The profile of 2017 shipped with joinedup.
    pub fn stoke_2017() -> Self {
        Self::parse(STOKE_2017_PROFILE).expect("the shipped profile parses")
    }

    pub fn get(&self, id: &str) -> Option<&Benchmarks> {
        self.0.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_profile_gives_the_dtoc_figures() {
        let s = BenchmarkSet::stoke_2017();
        let d = s.get("dtoc_delayed_days_per_100k").unwrap();
        assert_eq!(
            (d.stoke_2017, d.england, d.comparators),
            (Some(32.0), Some(14.0), Some(11.0))
        );
        let a = s.get("ae_4h_pct").unwrap();
        assert_eq!(a.target, Some(95.0));
        assert_eq!(
            s.get("reviews_completed_pct")
                .unwrap()
                .other
                .get("stoke_year_before"),
            Some(&72.0)
        );
        assert!(s
            .get("dtoc_delayed_days_per_100k:non_acute_nhs_care")
            .unwrap()
            .is_empty());
    }
}
