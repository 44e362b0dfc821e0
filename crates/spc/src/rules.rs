//! The four special-cause rules of Making Data Count, applied to the present values in order.
//!
//! Missing periods are not in the sequence the rules see: a run is judged on the present
//! points only, so a gap neither breaks a run nor adds a point to it, and a missing period is
//! never flagged.

use serde::{Deserialize, Serialize};

use crate::stats::Limits;

/// A special-cause rule. The order is the priority used when rules disagree on a point's
/// side (as NHSRplotthedots): a limit, then a trend, then two of three, then a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The point is beyond a process limit (a point exactly on a limit is not).
    BeyondLimit,
    /// The point is in a run of `trend_run` points each rising (or each falling).
    Trend,
    /// The point is one of two (or three) of three consecutive points beyond the same 2σ line.
    TwoOfThree,
    /// The point is in a run of `shift_run` points on one side of the mean.
    Shift,
}

impl Rule {
    const ALL: [Rule; 4] = [
        Rule::BeyondLimit,
        Rule::Trend,
        Rule::TwoOfThree,
        Rule::Shift,
    ];
}

/// Which way a rule points: above the mean (or rising, for a trend) is `High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    High,
    Low,
}

/// What the rules found on one present point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    /// The side each rule fired on, indexed in [`Rule`] order.
    by_rule: [Option<Side>; 4],
}

impl Flags {
    fn set(&mut self, rule: Rule, side: Side) {
        self.by_rule[rule as usize] = Some(side);
    }

    /// The rules that fired, in priority order.
    pub(crate) fn rules(&self) -> Vec<Rule> {
        Rule::ALL
            .into_iter()
            .filter(|r| self.by_rule[*r as usize].is_some())
            .collect()
    }

    /// The side of the highest-priority rule that fired.
    pub(crate) fn side(&self) -> Option<Side> {
        self.by_rule.iter().find_map(|s| *s)
    }
}

/// The inputs of the rules: the run lengths (at least [`crate::options::MIN_RUN`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Runs {
    pub trend: usize,
    pub shift: usize,
}

/// Applies every rule to `values` (the present values, in period order).
pub(crate) fn apply(
    values: &[f64],
    mean: Option<f64>,
    limits: Option<&Limits>,
    runs: Runs,
) -> Vec<Flags> {
    let mut flags = vec![Flags::default(); values.len()];
    if let Some(l) = limits {
        beyond_limit(values, l, &mut flags);
        two_of_three(values, l, &mut flags);
    }
    trend(values, runs.trend, &mut flags);
    if let Some(m) = mean {
        shift(values, m, runs.shift, &mut flags);
    }
    flags
}

fn beyond_limit(values: &[f64], l: &Limits, flags: &mut [Flags]) {
    for (v, f) in values.iter().zip(flags.iter_mut()) {
        if *v > l.upper_process {
            f.set(Rule::BeyondLimit, Side::High);
        } else if *v < l.lower_process {
            f.set(Rule::BeyondLimit, Side::Low);
        }
    }
}

/// Every window of three consecutive present points (two when only two exist) with at least
/// two beyond the same 2σ line flags those points; the third point of the window, inside the
/// line, is not flagged. A point beyond a process limit is beyond the 2σ line too.
fn two_of_three(values: &[f64], l: &Limits, flags: &mut [Flags]) {
    let n = values.len();
    for start in 0..n {
        let window = start..(start + 3).min(n);
        for side in [Side::High, Side::Low] {
            let beyond = |v: f64| match side {
                Side::High => v > l.upper_two_sigma,
                Side::Low => v < l.lower_two_sigma,
            };
            if values[window.clone()]
                .iter()
                .filter(|v| beyond(**v))
                .count()
                >= 2
            {
                for i in window.clone().filter(|i| beyond(values[*i])) {
                    flags[i].set(Rule::TwoOfThree, side);
                }
            }
        }
    }
}

/// Runs of `run` points each strictly above (or below) the previous; an equal value ends the
/// run. At a peak shared by a rising and a falling run the later (falling) run gives the side.
fn trend(values: &[f64], run: usize, flags: &mut [Flags]) {
    let step = |i: usize| -> Option<Side> {
        let (a, b) = (values[i - 1], values[i]);
        if b > a {
            Some(Side::High)
        } else if b < a {
            Some(Side::Low)
        } else {
            None
        }
    };
    // Runs of equal steps; steps i-1→i for i in 1..n. A run of k steps spans k + 1 points.
    let mut i = 1;
    while i < values.len() {
        let Some(side) = step(i) else {
            i += 1;
            continue;
        };
        let mut end = i;
        while end + 1 < values.len() && step(end + 1) == Some(side) {
            end += 1;
        }
        if end - i + 2 >= run {
            for f in &mut flags[i - 1..=end] {
                f.set(Rule::Trend, side);
            }
        }
        i = end + 1;
    }
}

/// Runs of `run` points on one side of the mean; a point exactly on the mean ends the run and
/// is on neither side.
fn shift(values: &[f64], mean: f64, run: usize, flags: &mut [Flags]) {
    let side = |v: f64| {
        if v > mean {
            Some(Side::High)
        } else if v < mean {
            Some(Side::Low)
        } else {
            None
        }
    };
    let mut start = 0;
    while start < values.len() {
        let Some(s) = side(values[start]) else {
            start += 1;
            continue;
        };
        let mut end = start;
        while end + 1 < values.len() && side(values[end + 1]) == Some(s) {
            end += 1;
        }
        if end - start + 1 >= run {
            for f in &mut flags[start..=end] {
                f.set(Rule::Shift, s);
            }
        }
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sides(flags: &[Flags], rule: Rule) -> String {
        flags
            .iter()
            .map(|f| match f.by_rule[rule as usize] {
                Some(Side::High) => 'H',
                Some(Side::Low) => 'L',
                None => '.',
            })
            .collect()
    }

    const RUNS: Runs = Runs { trend: 7, shift: 7 };

    #[test]
    fn a_peak_between_a_rising_and_a_falling_trend_takes_the_falling_side() {
        let v = [
            1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0,
        ];
        let f = apply(&v, None, None, RUNS);
        assert_eq!(sides(&f, Rule::Trend), "HHHHHHLLLLLLL");
    }

    #[test]
    fn the_highest_priority_rule_gives_the_side() {
        let mut f = Flags::default();
        f.set(Rule::Shift, Side::Low);
        f.set(Rule::Trend, Side::High);
        assert_eq!(f.side(), Some(Side::High));
        assert_eq!(f.rules(), vec![Rule::Trend, Rule::Shift]);
    }
}
