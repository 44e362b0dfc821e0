//! Warnings about a run that its figures alone would hide: a jam can look like an improvement
//! (fewer admissions, fewer readmissions). Shown at the top of `summary.json`, `report.html`
//! and `compare.html`.

use crate::run::Replication;
use crate::summary::{Difference, IndicatorSummary, SERIES};

/// Days averaged at each end of the measured period to tell whether a queue grew.
const ENDS: usize = 30;

/// How much worse than the scenario compared against a scenario's A&E or beds must be to warn
/// that its other figures may be flattered by a jam (paired mean differences): A&E within 4
/// hours 5 points lower, 12-hour waits 1 point higher, occupancy 3 points higher. Reporting
/// thresholds, not model inputs.
const FAR_WORSE_4H: f64 = -5.0;
const FAR_WORSE_12H: f64 = 1.0;
const FAR_WORSE_OCCUPANCY: f64 = 3.0;

/// Indicators a jam can flatter: people held in A&E or in a bed have fewer crises, admissions,
/// readmissions and care home moves, and fewer reviews fall due.
const FLATTERED: [&str; 6] = [
    "emergency_admissions_65_per_100k",
    "readmission_30d_pct_65",
    "reviews_",
    "care_home_admissions_65_per_100k",
    "permanent_care_home_admissions_65_per_100k",
    "ae_attendances_65_per_1000",
];

/// A scenario jams on its own figures when 1% or more of its A&E attendances wait over 12
/// hours, or its mean occupancy of the beds open is above 100% (a reporting threshold).
const JAMMED_12H: f64 = 1.0;

/// Whether a scenario's own figures show a jam (see [`JAMMED_12H`]): then `report.html` does
/// not mark the figures a jam flatters as better.
pub fn jammed(summaries: &[IndicatorSummary]) -> bool {
    let mean_of = |id: &str| summaries.iter().find(|s| s.id == id).and_then(|s| s.mean);
    mean_of("ae_12h_pct").is_some_and(|p| p >= JAMMED_12H)
        || mean_of("bed_occupancy_pct").is_some_and(|p| p > 100.0)
}

/// Whether a jam can make this indicator look better.
pub fn flattered_by_a_jam(id: &str) -> bool {
    FLATTERED.iter().any(|f| id.starts_with(f))
}

/// The paired differences of A&E within 4 hours, 12-hour waits and occupancy from the
/// scenario compared against, if any is far worse (see [`FAR_WORSE_4H`]).
pub fn far_worse(base: &[IndicatorSummary], diffs: &[Difference]) -> Option<(f64, f64, f64)> {
    let d = |id: &str| {
        base.iter()
            .position(|s| s.id == id)
            .and_then(|i| diffs.get(i).copied().flatten())
            .map_or(0.0, |d| d.0)
    };
    let (d4, d12, occ) = (d("ae_4h_pct"), d("ae_12h_pct"), d("bed_occupancy_pct"));
    (d4 <= FAR_WORSE_4H || d12 >= FAR_WORSE_12H || occ >= FAR_WORSE_OCCUPANCY)
        .then_some((d4, d12, occ))
}

/// The warning for a scenario whose A&E or beds are far worse than `base_name`'s (paired
/// differences `diffs` from `base`), naming the figures it flatters.
pub fn against(base_name: &str, base: &[IndicatorSummary], diffs: &[Difference]) -> Option<String> {
    let (d4, d12, occ) = far_worse(base, diffs)?;
    Some(format!(
        "A&E and beds far worse than {base_name}: within 4 hours {d4:+.1} points, 12-hour \
         waits {d12:+.1} points, bed occupancy {occ:+.1} points. Fewer admissions, \
         readmissions, care home admissions or reviews due here come from people held in A&E \
         and in beds (a jam), not from better care"
    ))
}

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
    let n = runs.len().max(1) as f64;
    let per_day = |get: fn(&crate::model::Day) -> f64| {
        runs.iter()
            .map(|r| r.days[..days].iter().map(get).sum::<f64>())
            .sum::<f64>()
            / (n * days.max(1) as f64)
    };
    if let Some(pct) = mean_of("ae_12h_pct") {
        let a_day = pct / 100.0 * per_day(|d| d.ae_arrivals);
        if a_day >= 1.0 {
            out.push(format!(
                "{a_day:.0} A&E attendances a day waited over 12 hours from arrival ({pct:.1}% \
                 of attendances)"
            ));
        }
    }
    let trolleys = per_day(|d| d.ae_waiting_for_bed);
    if trolleys >= 1.0 {
        out.push(format!(
            "{trolleys:.0} admitted patients waiting in A&E for a bed at midnight, on average \
             (trolley waits)"
        ));
    }
    let still = runs.iter().map(|r| r.ae_waiting_at_end as f64).sum::<f64>() / n;
    if still > 0.0 {
        out.push(format!(
            "{still:.0} A&E attendances of the measured period had not left A&E when the run \
             ended (mean over replications): each counts as over 4 hours and as a 12-hour wait"
        ));
    }
    let escalation_days = per_day(|d| d.escalation_day) * days as f64;
    if escalation_days > 0.0 {
        out.push(format!(
            "escalation beds open on {escalation_days:.0} of {days} days (mean over \
             replications)"
        ));
    }
    let bought_in = per_day(|d| d.chc_bought_in) * days as f64;
    if bought_in > 0.0 {
        out.push(format!(
            "the CHC team bought in extra assessors on {bought_in:.0} of {days} days (mean \
             over replications): its own caseload did not keep up with the cases"
        ));
    }
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
                "people_delayed"
                    | "home_care_queue"
                    | "reviews_waiting"
                    | "care_home_queue"
                    | "chc_waiting"
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
