//! A sweep: one scenario run at each value of one numeric parameter, with the same seed and
//! replication numbers at every value (common random numbers), to find the value at which the
//! system costs least (`joinedup sweep`). Zero delay is rarely the cheapest system: beyond some
//! level, another social worker costs more than the delayed days it saves.
//!
//! Pure: parsing the values, setting the parameter (checked as the TOML is), and summarising
//! the costs found; the command line runs the replications.

use crate::costs::{CostSummary, Estimate};
use crate::scenario::check::check;
use crate::scenario::limits::{cross, shown};
use crate::scenario::params::{param, Kind};
use crate::summary::{paired_difference, Difference};
use crate::Scenario;
use serde_json::{json, Value};

/// The most values a sweep may take (each is a full set of replications).
pub const MAX_VALUES: usize = 101;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SweepError {
    #[error("--values {given:?}: {why}")]
    Values { given: String, why: String },
    #[error("--param {0}")]
    Param(String),
}

fn values_error(given: &str, why: impl Into<String>) -> SweepError {
    SweepError::Values {
        given: given.to_string(),
        why: why.into(),
    }
}

const VALUES_FORM: &str = "give an inclusive range of whole numbers such as 14..24, or a \
                           comma-separated list such as 14,16,18";

/// Parses `14..24` (whole numbers, both ends included) or `14,16,18` (numbers).
pub fn parse_values(text: &str) -> Result<Vec<f64>, SweepError> {
    let t = text.trim();
    let values: Vec<f64> = if let Some((a, b)) = t.split_once("..") {
        let end = |s: &str| -> Result<i64, SweepError> {
            s.trim().parse::<i64>().map_err(|_| {
                values_error(text, format!("{s:?} is not a whole number: {VALUES_FORM}"))
            })
        };
        let (a, b) = (end(a)?, end(b.strip_prefix('=').unwrap_or(b))?);
        if a > b {
            return Err(values_error(
                text,
                format!("the range runs from {a} down to {b}: give the smaller end first"),
            ));
        }
        if (b - a) as u64 >= MAX_VALUES as u64 {
            return Err(values_error(
                text,
                format!("at most {MAX_VALUES} values (each is a full set of replications)"),
            ));
        }
        (a..=b).map(|v| v as f64).collect()
    } else {
        let items: Vec<&str> = t.split(',').map(str::trim).collect();
        if items.len() > MAX_VALUES {
            return Err(values_error(
                text,
                format!("at most {MAX_VALUES} values (each is a full set of replications)"),
            ));
        }
        items
            .iter()
            .map(|s| match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(values_error(
                    text,
                    format!("{s:?} is not a number: {VALUES_FORM}"),
                )),
            })
            .collect::<Result<_, _>>()?
    };
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(values_error(text, "a value is given twice"));
    }
    Ok(values)
}

/// `s` with the numeric parameter `key` (`table.key`, as in the TOML) set to `value`, checked
/// exactly as a scenario file is: the same messages, naming the key.
pub fn with_value(s: &Scenario, key: &str, value: f64) -> Result<Scenario, SweepError> {
    let Some(p) = param(key) else {
        // The scenario check names an unknown key and suggests the nearest.
        let mut v = toml::Value::try_from(s).map_err(|e| SweepError::Param(e.to_string()))?;
        set(&mut v, key, toml::Value::Float(value));
        let errors = check(&v);
        let message = errors
            .into_iter()
            .find(|e| e.contains("unknown key"))
            .unwrap_or_else(|| format!("unknown key `{key}`"));
        return Err(SweepError::Param(message));
    };
    let number = match p.kind {
        Kind::Count { .. } => {
            if value.fract() != 0.0 {
                return Err(SweepError::Param(format!(
                    "`{key}` must be a whole number, got {}",
                    shown(value)
                )));
            }
            toml::Value::Integer(value as i64)
        }
        Kind::Number { .. } | Kind::Probability => toml::Value::Float(value),
        _ => {
            return Err(SweepError::Param(format!(
                "`{key}` is not a single number (it is {}): a sweep changes one number, such \
                 as discharge.social_workers",
                crate::scenario::check::describe(p.kind)
            )))
        }
    };
    let mut v = toml::Value::try_from(s).map_err(|e| SweepError::Param(e.to_string()))?;
    set(&mut v, key, number);
    let errors = check(&v);
    if !errors.is_empty() {
        return Err(SweepError::Param(errors.join("; ")));
    }
    let changed: Scenario = v
        .try_into()
        .map_err(|e: toml::de::Error| SweepError::Param(e.to_string().trim_end().to_string()))?;
    let errors = cross(&changed);
    if !errors.is_empty() {
        return Err(SweepError::Param(errors.join("; ")));
    }
    Ok(changed)
}

fn set(v: &mut toml::Value, key: &str, x: toml::Value) {
    let mut at = v;
    let mut parts = key.split('.').peekable();
    while let Some(k) = parts.next() {
        let Some(t) = at.as_table_mut() else { return };
        if parts.peek().is_none() {
            t.insert(k.to_string(), x);
            return;
        }
        at = t
            .entry(k.to_string())
            .or_insert_with(|| toml::Value::Table(Default::default()));
    }
}

/// A value as the sweep shows it: `14` for a whole number, as the scenario writes it otherwise.
pub fn value_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        shown(v)
    }
}

/// One value of the sweep.
#[derive(Debug, Clone)]
pub struct Point {
    pub value: f64,
    pub costs: CostSummary,
    /// Total cost minus the lowest's, replication by replication.
    pub above_lowest: Difference,
}

/// The sweep's result.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub scenario: String,
    pub param: String,
    pub points: Vec<Point>,
    /// The point of the lowest mean total cost.
    pub lowest: usize,
}

/// Summarises a sweep: the point of the lowest mean total cost, and each point's paired
/// difference from it. `points` must not be empty.
pub fn summarise(scenario: &str, param: &str, points: Vec<(f64, CostSummary)>) -> Sweep {
    let lowest = points
        .iter()
        .enumerate()
        .min_by(|a, b| a.1 .1.total.mean.total_cmp(&b.1 .1.total.mean))
        .map_or(0, |(i, _)| i);
    let paired = |e: &Estimate| e.values.iter().map(|v| Some(*v)).collect::<Vec<_>>();
    let low = paired(&points[lowest].1.total);
    let points = points
        .into_iter()
        .map(|(value, costs)| Point {
            value,
            above_lowest: paired_difference(&low, &paired(&costs.total)),
            costs,
        })
        .collect();
    Sweep {
        scenario: scenario.to_string(),
        param: param.to_string(),
        points,
        lowest,
    }
}

impl Point {
    /// Whether the total cost is clearly above the lowest (its 95% interval above zero).
    pub fn clearly_dearer(&self) -> bool {
        matches!(self.above_lowest, Some((_, lo, _)) if lo > 0.0)
    }
}

/// `sweep.json`.
pub fn json(s: &Sweep, seed: u64, replications: usize) -> Value {
    let est = |e: &Estimate| json!({"mean": e.mean, "ci95": e.ci95.map(|(l, h)| vec![l, h])});
    json!({
        "scenario": s.scenario,
        "param": s.param,
        "seed": seed,
        "replications": replications,
        "currency": "GBP",
        "lowest": s.points[s.lowest].value,
        "points": s.points.iter().map(|p| json!({
            "value": p.value,
            "total_cost": est(&p.costs.total),
            "spent_on_capacity_and_services": est(&p.costs.spent),
            "delayed_bed_days": est(p.costs.delayed_days()),
            "above_lowest": p.above_lowest.map(|(m, lo, hi)| json!({"mean": m, "ci95": [lo, hi]})),
            "lines": p.costs.lines.iter().map(|l| json!({"key": l.line.key, "cost": est(&l.cost)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// `sweep.csv`: one row per value.
pub fn csv(s: &Sweep) -> String {
    let mut out = format!(
        "{},total_cost_mean,total_cost_lo95,total_cost_hi95,delayed_bed_days_mean,\
         delayed_bed_days_lo95,delayed_bed_days_hi95,above_lowest_mean,above_lowest_lo95,\
         above_lowest_hi95,lowest",
        s.param
    );
    for l in &crate::costs::LINES {
        out.push_str(&format!(",cost_{}", l.key));
    }
    out.push('\n');
    let cell = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
    for (i, p) in s.points.iter().enumerate() {
        let t = &p.costs.total;
        let d = p.costs.delayed_days();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}",
            value_text(p.value),
            cell(Some(t.mean)),
            cell(t.ci95.map(|c| c.0)),
            cell(t.ci95.map(|c| c.1)),
            cell(Some(d.mean)),
            cell(d.ci95.map(|c| c.0)),
            cell(d.ci95.map(|c| c.1)),
            cell(p.above_lowest.map(|c| c.0)),
            cell(p.above_lowest.map(|c| c.1)),
            cell(p.above_lowest.map(|c| c.2)),
            i == s.lowest
        ));
        for l in &p.costs.lines {
            out.push_str(&format!(",{}", cell(Some(l.cost.mean))));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_ranges_or_lists() {
        assert_eq!(
            parse_values("14..24").unwrap(),
            (14..=24).map(f64::from).collect::<Vec<_>>()
        );
        assert_eq!(parse_values("3..3").unwrap(), vec![3.0]);
        assert_eq!(parse_values("14,16,18").unwrap(), vec![14.0, 16.0, 18.0]);
        assert_eq!(parse_values("0.5, 1.5").unwrap(), vec![0.5, 1.5]);
        for bad in [
            "24..14", "a..3", "1..", "", "1,,2", "1,x", "1,1", "0..200", "nan",
        ] {
            let e = parse_values(bad).unwrap_err().to_string();
            assert!(e.starts_with("--values"), "{bad}: {e}");
        }
        assert!(parse_values("24..14")
            .unwrap_err()
            .to_string()
            .contains("smaller end first"));
    }

    #[test]
    fn a_parameter_is_set_and_checked_as_the_toml_is() {
        let s = Scenario::load("stoke-2017").unwrap();
        let t = with_value(&s, "discharge.social_workers", 20.0).unwrap();
        assert_eq!(t.discharge.social_workers, 20);
        let t = with_value(&s, "costs.delayed_bed_day", 123.5).unwrap();
        assert_eq!(t.costs.delayed_bed_day, 123.5);
        let e = with_value(&s, "discharge.social_workerz", 3.0)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "unknown key `discharge.social_workerz` (did you mean `discharge.social_workers`?)"
            ),
            "{e}"
        );
        let e = with_value(&s, "nosuch.key", 3.0).unwrap_err().to_string();
        assert!(e.contains("unknown key"), "{e}");
        let e = with_value(&s, "discharge.social_workers", 2.5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be a whole number"), "{e}");
        let e = with_value(&s, "discharge.social_workers", -1.0)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`discharge.social_workers` must be a whole number of 0 or more, got -1"),
            "{e}"
        );
        let e = with_value(&s, "discharge.family_choice", 1.5)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`discharge.family_choice` must be a probability"),
            "{e}"
        );
        let e = with_value(&s, "policy.d2a", 1.0).unwrap_err().to_string();
        assert!(e.contains("is not a single number"), "{e}");
        let e = with_value(&s, "hospital.medical_los", 1.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a single number"), "{e}");
        // A check that spans keys.
        let e = with_value(&s, "hospital.escalation_close_at", 0.99)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`hospital.escalation_close_at` must be below"),
            "{e}"
        );
    }
}
