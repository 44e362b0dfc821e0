//! `XmrChart::compute`: the limits from the baseline, the rules on every present point, the
//! icons.
//!
//! Choices (documented in the crate doc too):
//! - A missing period (`None`, or a value that is not finite) is skipped: the moving ranges are
//!   taken between consecutive *present* values, because a gap in reporting is not a change in
//!   the process, and dropping the two ranges around it (as NHSRplotthedots does) would throw
//!   away a real point-to-point difference. The rules see the present points only, so a gap
//!   neither breaks nor lengthens a run, and a missing period is never flagged.
//! - The baseline counts periods, missing ones included (as `fix_after_n_points` does);
//!   `trial` is true when fewer than 12 present values are in it.
//! - With all baseline values equal the mean moving range is 0: the limits and the 2σ lines
//!   are the mean, no baseline point is beyond them (a point exactly on a limit is not), no run
//!   forms (every point is on the mean, every step is flat), and a later different value is
//!   beyond a limit.
//! - Fewer than two present baseline values give no moving range, so no limits: only the run
//!   rules can fire and there is no assurance icon.

use serde::{Deserialize, Serialize};

use crate::icons::{self, Assurance, Variation};
use crate::options::{Better, Options, MIN_RUN};
use crate::rules::{self, Rule, Runs, Side};
use crate::stats::{self, Limits};

/// Below this many present baseline values the limits are "trial" limits.
pub const TRIAL_BELOW: usize = 12;

/// One period of the input series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The period's label, e.g. `"2017-02"` or `"2017-W05"`.
    pub period: String,
    /// The value, `None` for a missing period.
    pub value: Option<f64>,
}

impl Point {
    /// A present period.
    pub fn new(period: impl Into<String>, value: f64) -> Self {
        Point {
            period: period.into(),
            value: Some(value),
        }
    }

    /// A missing period.
    pub fn missing(period: impl Into<String>) -> Self {
        Point {
            period: period.into(),
            value: None,
        }
    }
}

/// What a point's special cause means, by the indicator's better direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialCause {
    /// A special cause in the better direction.
    Improvement,
    /// A special cause in the worse direction.
    Concern,
    /// A special cause on an indicator with no better direction.
    Neutral,
    /// Common cause variation (or a missing period).
    None,
}

impl SpecialCause {
    fn of(side: Side, better: Better) -> Self {
        match (better, side) {
            (Better::Neutral, _) => SpecialCause::Neutral,
            (Better::Higher, Side::High) | (Better::Lower, Side::Low) => SpecialCause::Improvement,
            (Better::Higher, Side::Low) | (Better::Lower, Side::High) => SpecialCause::Concern,
        }
    }

    /// The words for a text alternative.
    pub fn label(self) -> &'static str {
        match self {
            SpecialCause::Improvement => "improvement",
            SpecialCause::Concern => "concern",
            SpecialCause::Neutral => "special cause (neutral)",
            SpecialCause::None => "common cause",
        }
    }
}

/// One period of the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    pub period: String,
    /// `None` for a missing period.
    pub value: Option<f64>,
    pub special_cause: SpecialCause,
    /// The side of the deciding rule (the first of `rules`): above the mean or rising is high.
    pub side: Option<Side>,
    /// Every rule that fired on this point, in priority order.
    pub rules: Vec<Rule>,
}

/// An XmR chart: the mean, the limits, every point with its special cause, and the icons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XmrChart {
    pub better: Better,
    pub target: Option<f64>,
    /// The mean of the present baseline values; `None` without any.
    pub mean: Option<f64>,
    /// The process limits and 2σ lines; `None` below two present baseline values (or when
    /// they would not fit in an `f64`).
    pub limits: Option<Limits>,
    /// Fewer than 12 present values in the baseline: the limits are trial limits.
    pub trial: bool,
    /// The present values the mean and limits come from.
    pub baseline_values: usize,
    /// The run lengths the rules used (the options', raised to at least 2).
    pub trend_run: usize,
    pub shift_run: usize,
    pub points: Vec<ChartPoint>,
    /// From the latest present point; `None` without any.
    pub variation: Option<Variation>,
    /// Where there is a target, limits and a better direction.
    pub assurance: Option<Assurance>,
}

impl XmrChart {
    /// The chart of `points` (in period order).
    pub fn compute(points: &[Point], options: &Options) -> XmrChart {
        let value = |p: &Point| p.value.filter(|v| v.is_finite());
        let baseline_end = options.baseline.unwrap_or(points.len()).min(points.len());
        let baseline: Vec<f64> = points[..baseline_end].iter().filter_map(value).collect();
        let mean = stats::mean(&baseline);
        let limits = mean.and_then(|m| {
            stats::mean_moving_range(&baseline).and_then(|mmr| stats::limits(m, mmr))
        });

        let present: Vec<f64> = points.iter().filter_map(value).collect();
        let runs = Runs {
            trend: options.trend_run.max(MIN_RUN),
            shift: options.shift_run.max(MIN_RUN),
        };
        let mut flags = rules::apply(&present, mean, limits.as_ref(), runs).into_iter();

        let chart_points: Vec<ChartPoint> = points
            .iter()
            .map(|p| {
                let v = value(p);
                let f = v.and_then(|_| flags.next()).unwrap_or_default();
                let side = f.side();
                ChartPoint {
                    period: p.period.clone(),
                    value: v,
                    special_cause: side
                        .map_or(SpecialCause::None, |s| SpecialCause::of(s, options.better)),
                    side,
                    rules: f.rules(),
                }
            })
            .collect();

        XmrChart {
            better: options.better,
            target: options.target.filter(|t| t.is_finite()),
            mean,
            trial: baseline.len() < TRIAL_BELOW,
            baseline_values: baseline.len(),
            trend_run: runs.trend,
            shift_run: runs.shift,
            variation: icons::variation(&chart_points),
            assurance: icons::assurance(options.better, options.target, limits.as_ref()),
            limits,
            points: chart_points,
        }
    }
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
