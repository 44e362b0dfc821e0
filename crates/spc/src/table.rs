//! The chart's text alternative: one row per period, for an HTML table beside the SVG.

use serde::{Deserialize, Serialize};

use crate::chart::{SpecialCause, XmrChart};
use crate::rules::{Rule, Side};
use crate::svg::number;

/// One row of the text alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub period: String,
    pub value: Option<f64>,
    /// The value as shown (`"no value"` for a missing period).
    pub value_text: String,
    pub special_cause: SpecialCause,
    /// The special cause in words, with the rules that found it.
    pub note: String,
}

/// The rows of the text alternative, in period order.
pub fn table_rows(chart: &XmrChart) -> Vec<TableRow> {
    chart
        .points
        .iter()
        .map(|p| TableRow {
            period: p.period.clone(),
            value: p.value,
            value_text: p.value.map_or_else(|| "no value".to_string(), number),
            special_cause: p.special_cause,
            note: match (p.value, p.special_cause) {
                (None, _) => "missing period".to_string(),
                (Some(_), SpecialCause::None) => SpecialCause::None.label().to_string(),
                (Some(_), cause) => {
                    let why: Vec<String> = p.rules.iter().map(|r| rule_words(*r, chart)).collect();
                    let side = match p.side {
                        Some(Side::High) => "high",
                        Some(Side::Low) | None => "low",
                    };
                    format!("{} ({side}): {}", cause.label(), why.join("; "))
                }
            },
        })
        .collect()
}

fn rule_words(rule: Rule, chart: &XmrChart) -> String {
    match rule {
        Rule::BeyondLimit => "beyond a process limit".to_string(),
        Rule::Trend => format!("run of {} rising or falling", chart.trend_run),
        Rule::TwoOfThree => "2 of 3 beyond the 2σ line".to_string(),
        Rule::Shift => format!("run of {} on one side of the mean", chart.shift_run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Better, Options, Point};

    #[test]
    fn one_row_per_period_with_the_cause_in_words() {
        let mut points: Vec<Point> = (0..12)
            .map(|i| {
                Point::new(
                    format!("2017-W{:02}", i + 1),
                    if i % 2 == 0 { 12.0 } else { 8.0 },
                )
            })
            .collect();
        points.push(Point::missing("2017-W13"));
        points.push(Point::new("2017-W14", 21.5));
        let chart = XmrChart::compute(&points, &Options::new(Better::Lower).with_baseline(12));
        let rows = table_rows(&chart);
        assert_eq!(rows.len(), 14);
        assert_eq!(
            (rows[0].period.as_str(), rows[0].value_text.as_str()),
            ("2017-W01", "12")
        );
        assert_eq!(rows[0].note, "common cause");
        assert_eq!(
            (rows[12].value, rows[12].value_text.as_str()),
            (None, "no value")
        );
        assert_eq!(rows[12].note, "missing period");
        assert_eq!(rows[13].special_cause, SpecialCause::Concern);
        assert_eq!(rows[13].note, "concern (high): beyond a process limit");
    }
}
