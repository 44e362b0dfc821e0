//! Warnings about a run that its figures alone would hide: a jam can look like an improvement
//! (fewer admissions, fewer readmissions). Shown at the top of `summary.json`, `report.html`
//! and `compare.html`.

use crate::run::Replication;
use crate::summary::{IndicatorSummary, SERIES};

/// Days averaged at each end of the measured period to tell whether a queue grew.
const ENDS: usize = 30;

/// The warnings of one scenario's replications.
pub fn warnings(runs: &[Replication], summaries: &[IndicatorSummary]) -> Vec<String> {
    let mut out = Vec::new();
    let mean_of = |id: &str| summaries.iter().find(|s| s.id == id).and_then(|s| s.mean);
    if let Some(occupancy) = mean_of("bed_occupancy_pct") {
        if occupancy > 100.0 {
            out.push(format!(
                "bed occupancy averages {occupancy:.1}%: more patients than beds (escalation \
                 beyond the beds open)"
            ));
        }
    }
    let days = runs.iter().map(|r| r.days.len()).min().unwrap_or(0);
    if days >= 2 * ENDS {
        let full_days = (0..days)
            .filter(|&d| {
                let n = runs.len() as f64;
                runs.iter().map(|r| r.days[d].beds_occupied).sum::<f64>() / n
                    >= runs.iter().map(|r| r.days[d].beds_open).sum::<f64>() / n
            })
            .count();
        if full_days > 0 {
            out.push(format!(
                "every bed open was occupied at midnight on {full_days} of {days} days \
                 (mean over replications)"
            ));
        }
        for (column, title, get) in SERIES {
            if !matches!(
                column,
                "people_delayed" | "home_care_queue" | "reviews_waiting"
            ) {
                continue;
            }
            let mean = |range: std::ops::Range<usize>| {
                let n = (range.len() * runs.len()) as f64;
                runs.iter()
                    .map(|r| r.days[range.clone()].iter().map(get).sum::<f64>())
                    .sum::<f64>()
                    / n
            };
            let (first, last) = (mean(0..ENDS), mean(days - ENDS..days));
            if last > 1.5 * first + 10.0 {
                out.push(format!(
                    "{} grew over the measured period ({first:.0} in its first month, {last:.0} \
                     in its last): not a steady state",
                    title.to_lowercase()
                ));
            }
        }
    }
    out
}
