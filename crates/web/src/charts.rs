//! The statistical process control charts of the dashboard: an indicator's weekly or monthly
//! values from the live log, handed to the `spc` crate for the Making Data Count rules.

use crate::api::PeriodQuery;
use crate::{AppError, AppState};
use chrono::{Datelike, NaiveDate};
use indicators::{Better, Definition, Period, INDICATORS};
use serde_json::{json, Value};

/// Weekly or monthly points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Week,
    Month,
}

impl Interval {
    pub fn parse(s: Option<&str>) -> Result<Interval, AppError> {
        match s {
            None | Some("") | Some("month") => Ok(Interval::Month),
            Some("week") => Ok(Interval::Week),
            Some(other) => Err(AppError::bad(
                "by",
                format!("expected \"week\" or \"month\", got {other:?}"),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }
}

/// The most points a chart draws.
pub const MAX_POINTS: usize = 260;

/// The indicator of an id (a breakdown's id is charted too, with its parent's direction).
pub fn definition(id: &str) -> Option<(&'static Definition, String)> {
    let base = id.split(':').next().unwrap_or(id);
    let base = base.strip_suffix("_by_responsible").unwrap_or(base);
    let d = INDICATORS.iter().find(|d| d.id == base)?;
    Some((d, id.to_string()))
}

pub fn spc_better(b: Better) -> spc::Better {
    match b {
        Better::Lower | Better::AtMost(_) => spc::Better::Lower,
        Better::Higher => spc::Better::Higher,
        Better::Neither => spc::Better::Neutral,
    }
}

/// The periods of a chart: calendar months, or weeks from Monday, within `[from, to)`.
pub fn periods(from: NaiveDate, to: NaiveDate, by: Interval) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = match by {
        Interval::Month => NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from),
        Interval::Week => {
            from - chrono::Duration::days(i64::from(from.weekday().num_days_from_monday()))
        }
    };
    if start < from {
        start = match by {
            Interval::Month => start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(to),
            Interval::Week => start + chrono::Duration::days(7),
        };
    }
    while start < to && out.len() < MAX_POINTS {
        let end = match by {
            Interval::Month => start.checked_add_months(chrono::Months::new(1)),
            Interval::Week => start.checked_add_signed(chrono::Duration::days(7)),
        };
        let Some(end) = end.filter(|e| *e <= to) else {
            break;
        };
        out.push(Period::new(start, end).expect("a week or a month"));
        start = end;
    }
    out
}

fn label(p: &Period, by: Interval) -> String {
    match by {
        Interval::Month => p.from.format("%Y-%m").to_string(),
        Interval::Week => format!(
            "{}-W{:02}",
            p.from.iso_week().year(),
            p.from.iso_week().week()
        ),
    }
}

/// An indicator's chart for the query: its points from the live log, computed by the rules.
pub fn chart(
    state: &AppState,
    id: &str,
    q: &PeriodQuery,
) -> Result<(spc::XmrChart, Value), AppError> {
    let (def, id) = definition(id).ok_or(AppError::NotFound)?;
    let by = Interval::parse(q.by.as_deref())?;
    let view = state.live.view()?;
    let today = state.config.today();
    // By default the two years up to the last full period, starting no earlier than the log.
    let default_to = match by {
        Interval::Month => NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today),
        Interval::Week => {
            today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()))
        }
    };
    let to = match q.to.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => crate::api::date_field("to", t)?,
        None => default_to,
    };
    let first_day = view.span.first.map(|t| state.config.zone.local_date(t));
    let from = match q.from.as_deref().filter(|s| !s.is_empty()) {
        Some(f) => crate::api::date_field("from", f)?,
        None => {
            let two_years = to.checked_sub_months(chrono::Months::new(24)).unwrap_or(to);
            first_day.map_or(two_years, |d| d.max(two_years))
        }
    };
    if to <= from {
        return Err(AppError::bad(
            "to",
            format!("the chart must end after it starts: from {from} to {to}"),
        ));
    }
    if (to - from).num_days() > crate::api::MAX_PERIOD_DAYS {
        return Err(AppError::bad(
            "to",
            format!("a chart of at most {} days", crate::api::MAX_PERIOD_DAYS),
        ));
    }
    let mut points = Vec::new();
    for p in periods(from, to, by) {
        // A period the log does not cover (`Span::covers`) is missing, never a value of zero:
        // it must not look like a change in the system.
        let covered = view.span.covers(p.from, p.to);
        let value = if covered {
            view.report(p, &state.benchmarks, state.config.zone)
                .and_then(|r| r.get(&id).cloned())
                .filter(|i| !crate::suppression::withheld(i))
                .and_then(|i| i.value)
        } else {
            None
        };
        points.push(match value {
            Some(v) => spc::Point::new(label(&p, by), v),
            None => spc::Point::missing(label(&p, by)),
        });
    }
    let mut options = spc::Options::new(spc_better(def.better));
    let target = match def.better {
        Better::AtMost(x) => Some(x),
        _ => state.benchmarks.get(def.id).and_then(|b| b.target),
    };
    if let Some(t) = target {
        options = options.with_target(t);
    }
    if let Some(run) = q.trend_run {
        if !(6..=7).contains(&run) {
            return Err(AppError::bad("trend_run", "6 or 7 points"));
        }
        options = options.with_trend_run(run);
    }
    let chart = spc::XmrChart::compute(&points, &options);
    let meta = json!({
        "id": id,
        "title": def.title,
        "unit": def.unit.as_str(),
        "by": by.as_str(),
        "from": from.to_string(),
        "to": to.to_string(),
    });
    Ok((chart, meta))
}

/// The variation and assurance of an indicator's monthly values (`None`: a month the log does
/// not cover), in words, for the dashboard's trend table.
pub fn icons(def: &Definition, values: &[Option<f64>], state: &AppState) -> (String, String) {
    let points: Vec<spc::Point> = values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Some(x) => spc::Point::new(i.to_string(), *x),
            None => spc::Point::missing(i.to_string()),
        })
        .collect();
    let mut options = spc::Options::new(spc_better(def.better));
    let target = match def.better {
        Better::AtMost(x) => Some(x),
        _ => state.benchmarks.get(def.id).and_then(|b| b.target),
    };
    if let Some(t) = target {
        options = options.with_target(t);
    }
    let chart = spc::XmrChart::compute(&points, &options);
    (
        chart
            .variation
            .map(|v| v.label().to_string())
            .unwrap_or_default(),
        chart
            .assurance
            .map(|a| a.label().to_string())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        domain::parse_date(s).unwrap()
    }

    #[test]
    fn months_and_weeks_are_whole_and_inside_the_range() {
        let m = periods(d("2017-01-15"), d("2017-05-01"), Interval::Month);
        let starts: Vec<String> = m.iter().map(|p| p.from.to_string()).collect();
        // January is not whole: it is left out, not shown as a short month.
        assert_eq!(starts, ["2017-02-01", "2017-03-01", "2017-04-01"]);
        let w = periods(d("2017-02-01"), d("2017-03-01"), Interval::Week);
        // Weeks start on Mondays: 6, 13 and 20 February (the week of 27th runs past the end).
        let starts: Vec<String> = w.iter().map(|p| p.from.to_string()).collect();
        assert_eq!(starts, ["2017-02-06", "2017-02-13", "2017-02-20"]);
        assert!(w.iter().all(|p| p.days() == 7));
        assert_eq!(label(&w[0], Interval::Week), "2017-W06");
        let long = periods(d("1990-01-01"), d("2200-01-01"), Interval::Week);
        assert_eq!(long.len(), MAX_POINTS);
    }

    #[test]
    fn every_indicator_and_breakdown_has_a_definition() {
        assert!(definition("dtoc_delayed_days_per_100k:care_package_home").is_some());
        assert!(definition("dtoc_delayed_days_per_100k_by_responsible:nhs").is_some());
        assert!(definition("ae_12h_pct").is_some());
        assert!(definition("nonsense").is_none());
        assert_eq!(spc_better(Better::AtMost(85.0)), spc::Better::Lower);
    }
}
