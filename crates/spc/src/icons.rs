//! The two icons of a Making Data Count chart: variation (from the latest point) and
//! assurance (where the target lies against the process limits).

use serde::{Deserialize, Serialize};

use crate::chart::{ChartPoint, SpecialCause};
use crate::options::Better;
use crate::rules::Side;
use crate::stats::Limits;

/// The variation icon: what the latest present point shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variation {
    CommonCause,
    ImprovementHigh,
    ImprovementLow,
    ConcernHigh,
    ConcernLow,
    NeutralHigh,
    NeutralLow,
}

impl Variation {
    /// The icon's words, for a text alternative.
    pub fn label(self) -> &'static str {
        match self {
            Variation::CommonCause => "common cause variation",
            Variation::ImprovementHigh => "special cause improvement (high)",
            Variation::ImprovementLow => "special cause improvement (low)",
            Variation::ConcernHigh => "special cause concern (high)",
            Variation::ConcernLow => "special cause concern (low)",
            Variation::NeutralHigh => "special cause, neither better nor worse (high)",
            Variation::NeutralLow => "special cause, neither better nor worse (low)",
        }
    }
}

/// The assurance icon: whether the process will meet the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// The target is beyond the process limits on the bad side: consistently passing.
    Pass,
    /// The target is beyond the process limits on the good side: consistently failing.
    Fail,
    /// The target is between the limits (or on one): the process will hit and miss it.
    HitAndMiss,
}

impl Assurance {
    /// The icon's words, for a text alternative.
    pub fn label(self) -> &'static str {
        match self {
            Assurance::Pass => "consistently passing the target",
            Assurance::Fail => "consistently failing the target",
            Assurance::HitAndMiss => "hit and miss against the target",
        }
    }
}

/// The variation icon of the latest present point; `None` when no point is present.
pub(crate) fn variation(points: &[ChartPoint]) -> Option<Variation> {
    let latest = points.iter().rev().find(|p| p.value.is_some())?;
    Some(match (latest.special_cause, latest.side) {
        (SpecialCause::Improvement, Some(Side::High)) => Variation::ImprovementHigh,
        (SpecialCause::Improvement, Some(Side::Low)) => Variation::ImprovementLow,
        (SpecialCause::Concern, Some(Side::High)) => Variation::ConcernHigh,
        (SpecialCause::Concern, Some(Side::Low)) => Variation::ConcernLow,
        (SpecialCause::Neutral, Some(Side::High)) => Variation::NeutralHigh,
        (SpecialCause::Neutral, Some(Side::Low)) => Variation::NeutralLow,
        _ => Variation::CommonCause,
    })
}

/// The assurance icon; `None` without a (finite) target, without limits or for `Neutral`.
pub(crate) fn assurance(
    better: Better,
    target: Option<f64>,
    limits: Option<&Limits>,
) -> Option<Assurance> {
    let target = target.filter(|t| t.is_finite())?;
    let l = limits?;
    let (above, below) = (target > l.upper_process, target < l.lower_process);
    match better {
        Better::Neutral => None,
        Better::Higher if below => Some(Assurance::Pass),
        Better::Higher if above => Some(Assurance::Fail),
        Better::Lower if above => Some(Assurance::Pass),
        Better::Lower if below => Some(Assurance::Fail),
        Better::Higher | Better::Lower => Some(Assurance::HitAndMiss),
    }
}
