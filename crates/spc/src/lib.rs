//! Statistical process control charts in the NHS "Making Data Count" style: XmR charts of
//! weekly or monthly indicator values, their special causes, icons, and an accessible SVG.
//!
//! Pure: no I/O. The numbers follow the NHSRplotthedots rules:
//! - mean of the baseline values; moving ranges |x_i − x_{i−1}|; process limits at mean ±
//!   2.66 × mean moving range; 2σ lines at mean ± 1.773 × mean moving range;
//! - special causes: (a) a point beyond a process limit (one exactly on it is not); (b) a run
//!   of `shift_run` (7) points on one side of the mean (a point on the mean breaks the run and
//!   is on neither side); (c) a run of `trend_run` (7, or 6) points each rising or each falling
//!   (an equal value breaks it); (d) two of three consecutive points beyond the same 2σ line.
//!   Every point of a run that meets a rule is flagged; for (d) the points beyond the line are,
//!   the third of the three (inside it) is not. Points beyond a process limit count as beyond
//!   the 2σ line, and the third point of the three may lie anywhere (NHSRplotthedots also asks
//!   it to be on the same side of the mean).
//! - a point's special cause is `Improvement` or `Concern` by the better direction of the
//!   side (above the mean or rising is high) of its highest-priority rule (limit, trend, two of
//!   three, shift), `Neutral` for an indicator with no better direction;
//! - the variation icon comes from the latest present point; the assurance icon compares the
//!   target with the process limits.
//!
//! Missing periods (`None`, or a value that is not finite) are skipped: the moving range is
//! taken between consecutive *present* values (a gap in reporting is not a change in the
//! process), the rules see the present points only (a gap neither breaks nor lengthens a run),
//! and a missing period never has a special cause. The baseline counts periods, missing ones
//! included; the limits are "trial" below 12 present baseline values. With all baseline values
//! equal the mean moving range is 0 and every line is the mean: nothing in the baseline is
//! flagged. Every figure is finite or absent, never NaN.
//!
//! ```
//! use spc::{Better, Options, Point, SpecialCause, Variation, XmrChart};
//!
//! let mut points: Vec<Point> = (1..=12)
//!     .map(|m| Point::new(format!("2017-{m:02}"), if m % 2 == 0 { 8.0 } else { 12.0 }))
//!     .collect();
//! points.push(Point::missing("2018-01"));
//! points.push(Point::new("2018-02", 30.0));
//!
//! // Limits from the 12 months of 2017: mean 10, mean moving range 4, limits -0.64 and 20.64.
//! let options = Options::new(Better::Higher).with_target(5.0).with_baseline(12);
//! let chart = XmrChart::compute(&points, &options);
//! assert_eq!(chart.mean, Some(10.0));
//! assert!(!chart.trial);
//! assert_eq!(chart.points[13].special_cause, SpecialCause::Improvement);
//! assert_eq!(chart.points[12].special_cause, SpecialCause::None);
//! assert_eq!(chart.variation, Some(Variation::ImprovementHigh));
//! assert_eq!(chart.assurance, Some(spc::Assurance::HitAndMiss));
//!
//! let svg = spc::svg(&chart, "Delayed transfers of care", "days per 100,000");
//! assert!(svg.contains("<title>Delayed transfers of care</title>"));
//! let rows = spc::table_rows(&chart);
//! assert_eq!(rows[12].value_text, "no value");
//! ```

mod chart;
mod icons;
mod options;
mod rules;
mod stats;
mod svg;
mod table;

pub use chart::{ChartPoint, Point, SpecialCause, XmrChart, TRIAL_BELOW};
pub use icons::{Assurance, Variation};
pub use options::{Better, Options, DEFAULT_RUN, MIN_RUN};
pub use rules::{Rule, Side};
pub use stats::{Limits, LIMIT_FACTOR, TWO_SIGMA_FACTOR};
pub use svg::{describe, svg};
pub use table::{table_rows, TableRow};
