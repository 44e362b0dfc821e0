//! The indicators of a period, and their renderings: JSON, CSV and a readable table.

use crate::benchmarks::Benchmarks;
use crate::catalogue::{Better, Unit};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// One indicator's value for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    pub id: String,
    /// `None` when the denominator is zero.
    pub value: Option<f64>,
    pub numerator: f64,
    /// `None` for counts.
    pub denominator: Option<f64>,
    pub unit: Unit,
    pub better: Better,
    pub benchmarks: Benchmarks,
}

/// How a value compares with England's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersusEngland {
    Better,
    Worse,
    Same,
}

impl IndicatorValue {
    /// Better or worse than England, where both are known and the indicator has a direction.
    pub fn versus_england(&self) -> Option<VersusEngland> {
        let (v, e) = (self.value?, self.benchmarks.england?);
        let lower_is_better = match self.better {
            Better::Lower | Better::AtMost(_) => true,
            Better::Higher => false,
            Better::Neither => return None,
        };
        Some(if (v - e).abs() < 1e-9 {
            VersusEngland::Same
        } else if (v < e) == lower_is_better {
            VersusEngland::Better
        } else {
            VersusEngland::Worse
        })
    }

    fn json(&self) -> Value {
        let b = &self.benchmarks;
        let mut benchmarks = json!({
            "stoke_2017": b.stoke_2017,
            "england": b.england,
            "comparators": b.comparators,
            "target": b.target,
        });
        for (k, v) in &b.other {
            benchmarks[k] = json!(v);
        }
        json!({
            "id": self.id,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "unit": self.unit.as_str(),
            "benchmarks": benchmarks,
        })
    }
}

/// Every indicator for one period `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub indicators: Vec<IndicatorValue>,
}

impl Report {
    pub fn get(&self, id: &str) -> Option<&IndicatorValue> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The value of `id` (`None` if unknown or null).
    pub fn value(&self, id: &str) -> Option<f64> {
        self.get(id).and_then(|i| i.value)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "indicators": self.indicators.iter().map(IndicatorValue::json).collect::<Vec<_>>(),
        })
    }
}

/// `{"periods": [...]}` for a report by month.
pub fn periods_json(reports: &[Report]) -> Value {
    json!({ "periods": reports.iter().map(Report::to_json).collect::<Vec<_>>() })
}

fn num(v: Option<f64>) -> String {
    v.map(|x| {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    })
    .unwrap_or_default()
}

/// One CSV row per indicator and period.
pub fn to_csv(reports: &[Report]) -> String {
    let mut out = String::from("from,to,id,value,numerator,denominator,unit,stoke_2017,england,comparators,target,vs_england\n");
    for r in reports {
        for i in &r.indicators {
            let b = &i.benchmarks;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                r.from,
                r.to,
                i.id,
                num(i.value),
                num(Some(i.numerator)),
                num(i.denominator),
                i.unit.as_str(),
                num(b.stoke_2017),
                num(b.england),
                num(b.comparators),
                num(b.target),
                match i.versus_england() {
                    Some(VersusEngland::Better) => "better",
                    Some(VersusEngland::Worse) => "worse",
                    Some(VersusEngland::Same) => "same",
                    None => "",
                }
            );
        }
    }
    out
}

fn fmt_value(v: Option<f64>, unit: Unit) -> String {
    match v {
        None => "-".into(),
        Some(x) if unit == Unit::Count => format!("{x:.0}"),
        Some(x) if x.abs() >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

/// A readable table: each value beside its benchmarks, marked better or worse than England.
pub fn to_table(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(
            out,
            "Indicators from {} to {} ({} days)",
            r.from,
            r.to,
            (r.to - r.from).num_days()
        );
        let _ = writeln!(
            out,
            "{:<58} {:>9}  {:>7} {:>7} {:>7} {:>7}  {:<4} unit",
            "indicator", "value", "2017", "England", "compar.", "target", "vs E"
        );
        for i in &r.indicators {
            let breakdown = i.id.contains(':');
            // Breakdowns that are all zero and carry no benchmark add nothing to read.
            if breakdown && i.numerator == 0.0 && i.benchmarks.is_empty() {
                continue;
            }
            let label = match i.id.split_once(':') {
                Some((parent, key)) if parent.ends_with("_by_responsible") => {
                    format!("  - responsible: {key}")
                }
                Some((_, key)) => format!("  - {key}"),
                None => i.id.clone(),
            };
            let b = &i.benchmarks;
            let mark = match i.versus_england() {
                Some(VersusEngland::Better) => "▲",
                Some(VersusEngland::Worse) => "▼",
                Some(VersusEngland::Same) => "=",
                None => "",
            };
            let _ = writeln!(
                out,
                "{:<58} {:>9}  {:>7} {:>7} {:>7} {:>7}  {:<4} {}",
                label,
                fmt_value(i.value, i.unit),
                fmt_value(b.stoke_2017, i.unit),
                fmt_value(b.england, i.unit),
                fmt_value(b.comparators, i.unit),
                fmt_value(b.target, i.unit),
                mark,
                if breakdown { "" } else { i.unit.as_str() }
            );
        }
        let _ = writeln!(
            out,
            "▲ better than England, ▼ worse; - no value (no denominator) or no figure."
        );
        out.push('\n');
    }
    out
}
