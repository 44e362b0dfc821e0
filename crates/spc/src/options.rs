//! What a chart is computed with: the indicator's better direction, its target, the run
//! lengths of the rules and the baseline the limits come from.

use serde::{Deserialize, Serialize};

/// The run length of both run rules unless configured (Making Data Count's 7).
pub const DEFAULT_RUN: usize = 7;

/// The shortest run a rule accepts: a run needs two points (a shorter configured run is
/// raised to this, so every run rule keeps a meaning).
pub const MIN_RUN: usize = 2;

/// Which way of the indicator is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Higher values are better: a special cause above the mean is an improvement.
    Higher,
    /// Lower values are better: a special cause below the mean is an improvement.
    Lower,
    /// Neither: a special cause is only "neutral", and there is no assurance icon.
    Neutral,
}

/// The options of [`crate::XmrChart::compute`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Which way is better.
    pub better: Better,
    /// The target, if the indicator has one (gives the assurance icon).
    pub target: Option<f64>,
    /// Points in a rising (or falling) run that make a trend: 7 by default, 6 also used.
    pub trend_run: usize,
    /// Points in a run on one side of the mean that make a shift: 7 by default.
    pub shift_run: usize,
    /// The limits come from the first `baseline` periods (missing ones included); all when `None`.
    pub baseline: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options::new(Better::Neutral)
    }
}

impl Options {
    /// The defaults (runs of 7, all points in the baseline, no target) for a direction.
    pub fn new(better: Better) -> Self {
        Options {
            better,
            target: None,
            trend_run: DEFAULT_RUN,
            shift_run: DEFAULT_RUN,
            baseline: None,
        }
    }

    /// The same options with a target.
    pub fn with_target(mut self, target: f64) -> Self {
        self.target = Some(target);
        self
    }

    /// The same options with another trend run length.
    pub fn with_trend_run(mut self, run: usize) -> Self {
        self.trend_run = run;
        self
    }

    /// The same options with another shift run length.
    pub fn with_shift_run(mut self, run: usize) -> Self {
        self.shift_run = run;
        self
    }

    /// The same options with limits from the first `periods` periods only.
    pub fn with_baseline(mut self, periods: usize) -> Self {
        self.baseline = Some(periods);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_making_data_count_runs_of_seven() {
        let o = Options::new(Better::Higher);
        assert_eq!(
            (o.trend_run, o.shift_run, o.baseline, o.target),
            (7, 7, None, None)
        );
    }

    #[test]
    fn missing_fields_deserialize_to_defaults() {
        let o: Options = serde_json::from_str(r#"{"better":"lower","trend_run":6}"#).unwrap();
        assert_eq!(o, Options::new(Better::Lower).with_trend_run(6));
    }
}
