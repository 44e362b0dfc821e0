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

/// How a value compares with its target (the profile's `target`, or the catalogue's "at most").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersusTarget {
    Meets,
    Misses,
}

/// A value resting on fewer cases (or people) than this is not judged better or worse.
pub const SMALL_BASE: f64 = 30.0;

impl IndicatorValue {
    /// Better or worse than England, where both are known and the indicator has a direction.
    /// This compares the figures alone; [`Report::judge_england`] also leaves out small bases.
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

    /// The target the value is held to: the profile's, else the catalogue's "at most".
    pub fn target(&self) -> Option<f64> {
        self.benchmarks.target.or(match self.better {
            Better::AtMost(x) => Some(x),
            _ => None,
        })
    }

    /// Meets or misses its target (a value equal to the target meets it), where there is one.
    pub fn versus_target(&self) -> Option<VersusTarget> {
        let (v, t) = (self.value?, self.target()?);
        let meets = match self.better {
            Better::Lower | Better::AtMost(_) => v <= t + 1e-9,
            Better::Higher => v >= t - 1e-9,
            Better::Neither => return None,
        };
        Some(if meets {
            VersusTarget::Meets
        } else {
            VersusTarget::Misses
        })
    }

    /// How many cases or people the value is out of, over a period of `days`: a percentage's
    /// denominator, the population of a rate; `None` for counts.
    pub fn base(&self, days: i64) -> Option<f64> {
        let den = self.denominator?;
        let days = days.max(1) as f64;
        Some(match self.unit {
            Unit::Percent => den,
            Unit::PerDayPer100k => den / days * 100_000.0,
            Unit::PerYearPer100k => den / days * 365.0 * 100_000.0,
            Unit::PerYearPer1k => den / days * 365.0 * 1_000.0,
            Unit::Count => return None,
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

    /// Days in the period.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// Whether `i` rests on fewer than [`SMALL_BASE`] cases or people, too few to judge.
    pub fn small_base(&self, i: &IndicatorValue) -> bool {
        i.base(self.days()).is_some_and(|b| b < SMALL_BASE)
    }

    /// [`IndicatorValue::versus_england`], but `None` for a small base.
    pub fn judge_england(&self, i: &IndicatorValue) -> Option<VersusEngland> {
        i.versus_england().filter(|_| !self.small_base(i))
    }

    /// [`IndicatorValue::versus_target`], but `None` for a small base.
    pub fn judge_target(&self, i: &IndicatorValue) -> Option<VersusTarget> {
        i.versus_target().filter(|_| !self.small_base(i))
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
                match r.judge_england(i) {
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

/// A numerator or denominator: whole numbers as they are, others to 3 significant figures (a
/// rate's denominator can be well below 1), or 1 decimal from 100 up.
fn fmt_amount(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        let decimals = (2 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    }
}

fn fmt_ratio(i: &IndicatorValue) -> String {
    match i.denominator {
        Some(d) => format!("{} / {}", fmt_amount(i.numerator), fmt_amount(d)),
        None => fmt_amount(i.numerator),
    }
}

/// Words beside the arrows, so nothing rests on colour or a symbol alone.
fn england_mark(r: &Report, i: &IndicatorValue) -> &'static str {
    if i.versus_england().is_some() && r.small_base(i) {
        return "(n<30)";
    }
    match r.judge_england(i) {
        Some(VersusEngland::Better) => "▲ better",
        Some(VersusEngland::Worse) => "▼ worse",
        Some(VersusEngland::Same) => "= same",
        None => "",
    }
}

fn target_mark(r: &Report, i: &IndicatorValue) -> &'static str {
    if i.versus_target().is_some() && r.small_base(i) {
        return "(n<30)";
    }
    match r.judge_target(i) {
        Some(VersusTarget::Meets) => "▲ meets",
        Some(VersusTarget::Misses) => "▼ misses",
        None => "",
    }
}

/// A readable table: each value with its numerator and denominator, beside its benchmarks and
/// the period they describe, marked against England and against the target.
pub fn to_table(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(
            out,
            "Indicators from {} to {} ({} days)",
            r.from,
            r.to,
            r.days()
        );
        let _ = writeln!(
            out,
            "{:<44} {:>9}  {:>21}  {:>7} {:>7} {:>7} {:>7}  {:<10} {:<10} {:<17} benchmarks for",
            "indicator",
            "value",
            "numerator / denom.",
            "2017",
            "England",
            "compar.",
            "target",
            "vs England",
            "vs target",
            "unit"
        );
        for i in &r.indicators {
            let breakdown = i.id.contains(':');
            let label = match i.id.split_once(':') {
                Some((parent, key)) if parent.ends_with("_by_responsible") => {
                    format!("  - responsible: {key}")
                }
                Some((_, key)) => format!("  - {key}"),
                None => i.id.clone(),
            };
            let b = &i.benchmarks;
            let line = format!(
                "{:<44} {:>9}  {:>21}  {:>7} {:>7} {:>7} {:>7}  {:<10} {:<10} {:<17} {}",
                label,
                fmt_value(i.value, i.unit),
                fmt_ratio(i),
                fmt_value(b.stoke_2017, i.unit),
                fmt_value(b.england, i.unit),
                fmt_value(b.comparators, i.unit),
                fmt_value(i.target(), i.unit),
                england_mark(r, i),
                target_mark(r, i),
                if breakdown { "" } else { i.unit.as_str() },
                b.period.as_deref().unwrap_or(""),
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(
            out,
            "value = numerator / denominator (x 100 for %); a rate's denominator is days x population / 100,000 \
             (or / 1,000), per year: x 1/365."
        );
        let _ = writeln!(
            out,
            "vs England: ▲ better than England, ▼ worse, = the same. vs target: ▲ meets the target, ▼ misses it."
        );
        let _ = writeln!(
            out,
            "(n<30): not judged, the value rests on fewer than 30 cases (or people). \
             - : no value (no denominator) or no figure."
        );
        let _ = writeln!(
            out,
            "2017, England, comparators and target are the 2017 profile's figures, for the periods it gives \
             (\"benchmarks for\"), not this period."
        );
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(id: &str, unit: Unit, better: Better, v: f64, num: f64, den: f64) -> IndicatorValue {
        IndicatorValue {
            id: id.into(),
            value: Some(v),
            numerator: num,
            denominator: Some(den),
            unit,
            better,
            benchmarks: Benchmarks::default(),
        }
    }

    fn report(indicators: Vec<IndicatorValue>) -> Report {
        Report {
            from: NaiveDate::from_ymd_opt(2017, 2, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2017, 3, 1).unwrap(),
            indicators,
        }
    }

    fn line<'a>(table: &'a str, start: &str) -> &'a str {
        table
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in\n{table}"))
    }

    #[test]
    fn occupancy_over_its_target_is_marked_against_the_target() {
        let mut occ = value(
            "bed_occupancy_pct",
            Unit::Percent,
            Better::AtMost(85.0),
            92.9,
            260.0,
            280.0,
        );
        occ.benchmarks.target = Some(85.0);
        occ.benchmarks.period = Some("2016/17 Q2-Q4".into());
        let r = report(vec![occ.clone()]);
        assert_eq!(r.judge_target(&occ), Some(VersusTarget::Misses));
        assert_eq!(r.judge_england(&occ), None, "no England figure");
        let table = to_table(&[r]);
        let l = line(&table, "bed_occupancy_pct ");
        assert!(l.contains("▼ misses"), "{l}");
        assert!(l.contains("260 / 280"), "{l}");
        assert!(l.contains("85.0"), "{l}");
        assert!(l.ends_with("2016/17 Q2-Q4"), "{l}");
        // At the target meets it; the catalogue's "at most" serves when the profile has none.
        occ.value = Some(85.0);
        occ.benchmarks.target = None;
        assert_eq!(occ.target(), Some(85.0));
        assert_eq!(occ.versus_target(), Some(VersusTarget::Meets));
    }

    #[test]
    fn small_bases_are_not_judged() {
        let mut few = value(
            "ae_4h_pct",
            Unit::Percent,
            Better::Higher,
            100.0,
            29.0,
            29.0,
        );
        few.benchmarks.england = Some(89.1);
        few.benchmarks.target = Some(95.0);
        let r = report(vec![few.clone()]);
        assert_eq!(few.versus_england(), Some(VersusEngland::Better));
        assert!(r.small_base(&few));
        assert_eq!(r.judge_england(&few), None);
        assert_eq!(r.judge_target(&few), None);
        let table = to_table(std::slice::from_ref(&r));
        let l = line(&table, "ae_4h_pct ");
        assert!(!l.contains('▲') && !l.contains('▼'), "{l}");
        assert!(l.contains("(n<30)"), "{l}");
        assert!(table.contains("(n<30): not judged"));
        let csv = to_csv(&[r]);
        assert!(csv.lines().nth(1).unwrap().ends_with(",95,"), "{csv}");
        // 30 cases are judged.
        let mut enough = few.clone();
        enough.denominator = Some(30.0);
        let r = report(vec![enough.clone()]);
        assert_eq!(r.judge_england(&enough), Some(VersusEngland::Better));
        assert_eq!(r.judge_target(&enough), Some(VersusTarget::Meets));
        // A rate is out of its population: 4 delayed days in 28 days of 100,000 adults is judged.
        let mut rate = value(
            "dtoc_delayed_days_per_100k",
            Unit::PerDayPer100k,
            Better::Lower,
            4.0 / 28.0,
            4.0,
            28.0,
        );
        rate.benchmarks.england = Some(14.0);
        let r = report(vec![rate.clone()]);
        assert_eq!(rate.base(28), Some(100_000.0));
        assert_eq!(r.judge_england(&rate), Some(VersusEngland::Better));
    }

    #[test]
    fn amounts_keep_three_significant_figures() {
        assert_eq!(fmt_amount(28.0), "28");
        assert_eq!(fmt_amount(6.5123), "6.51");
        assert_eq!(fmt_amount(12.345), "12.3");
        assert_eq!(fmt_amount(0.003657), "0.00366");
        assert_eq!(fmt_amount(1234.56), "1234.6");
    }

    #[test]
    fn every_breakdown_is_shown_even_at_zero() {
        let parent = value(
            "care_home_admissions_65_per_100k",
            Unit::PerYearPer100k,
            Better::Lower,
            0.0,
            0.0,
            1.5,
        );
        let mut zero = parent.clone();
        zero.id = "care_home_admissions_65_per_100k:uti".into();
        let table = to_table(&[report(vec![parent, zero])]);
        let l = line(&table, "  - uti ");
        assert!(l.contains("0 / 1.50"), "{l}");
    }
}
