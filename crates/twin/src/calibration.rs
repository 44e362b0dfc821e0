//! Calibration: the 2017 figures the baseline is compared with, each over its own period.
//!
//! [`FIGURES`] is the method, written down once: for each figure, the indicator that reproduces
//! it, the simulated period it is computed over (and why that period), the tolerance within which
//! the simulated mean counts as meeting it (and where that tolerance comes from), whether it is
//! *fitted* (in the objective of the fit, [`crate::fit`]) or *held out* (never in it: a test of
//! the model), and whether it is an *input by nature* (set by one or two inputs the model takes
//! as given, such as a clinical hazard: matching it is calibration, not validation).
//!
//! The 2017 value of each figure is read from the profile (`indicators::BenchmarkSet`), never
//! written here. Each replication measures every figure over its period from its own facts
//! ([`measure`]), with the same engine as `metrics`; [`summarise`] gives the mean and 95% CI over
//! replications and whether the mean is within tolerance; [`json`] is `summary.json`'s
//! `calibration` section.

use crate::model::Day;
use crate::run::{period, registers_with_beds};
use crate::scenario::Scenario;
use indicators::{BenchmarkSet, Context, Journeys, Period, Report};
use serde_json::{json, Value};
use sim_kernel::stats::summarise as stats;

/// How close the simulated mean must be to the 2017 figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// Within this fraction of the 2017 figure either side (0.15: ±15%).
    Relative(f64),
    /// Within this many percentage points either side.
    Points(f64),
    /// Above the figure (the profile gives a threshold, not a value).
    Above,
}

impl Tolerance {
    /// The half-width of the band around `target` (`None` for a one-sided threshold).
    pub fn half_width(self, target: f64) -> Option<f64> {
        match self {
            Tolerance::Relative(f) => Some(f * target.abs()),
            Tolerance::Points(p) => Some(p),
            Tolerance::Above => None,
        }
    }

    /// Whether `value` meets `target` within this tolerance.
    pub fn met(self, value: f64, target: f64) -> bool {
        match self.half_width(target) {
            Some(h) => (value - target).abs() <= h + 1e-12,
            None => value > target,
        }
    }

    /// As written in `docs/calibration.md`: "±15%", "±3 points", "above".
    pub fn words(self) -> String {
        match self {
            Tolerance::Relative(f) => format!("±{}%", f * 100.0),
            Tolerance::Points(p) => format!("±{p} points"),
            Tolerance::Above => "above".into(),
        }
    }
}

/// Whether a figure is in the fit's objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// In the objective of the fit.
    Fitted,
    /// Never in the objective: named before any fitting, reported as a test of the model.
    HeldOut,
}

impl Use {
    pub fn as_str(self) -> &'static str {
        match self {
            Use::Fitted => "fitted",
            Use::HeldOut => "held_out",
        }
    }
}

/// One 2017 figure the twin is compared with.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    /// The indicator (`spec/indicators.md`) that reproduces it, and its id in the profile.
    pub id: &'static str,
    /// The figure in words, for the report.
    pub words: &'static str,
    /// The simulated period, `[from, to)`.
    pub from: &'static str,
    pub to: &'static str,
    /// Why this period: what the profile says, and how the simulated year stands in for it.
    pub period_why: &'static str,
    pub tolerance: Tolerance,
    /// Where the tolerance comes from.
    pub tolerance_why: &'static str,
    pub use_: Use,
    /// `Some(inputs)` when the figure is an input by nature: the scenario keys that set it.
    pub input_by_nature: Option<&'static str>,
}

impl Figure {
    /// The simulated period.
    pub fn period(&self) -> Period {
        let d = |s: &str| domain::parse_date(s).expect("a valid date in FIGURES");
        Period::new(d(self.from), d(self.to)).expect("from before to in FIGURES")
    }
}

const FEB_APR_2017: (&str, &str) = ("2017-02-01", "2017-05-01");
const JAN_MAR_2017: (&str, &str) = ("2017-01-01", "2017-04-01");
const OCT_DEC_2016: (&str, &str) = ("2016-10-01", "2017-01-01");
const OCT_MAR: (&str, &str) = ("2016-10-01", "2017-04-01");
const YEAR: (&str, &str) = ("2016-10-01", "2017-10-01");
const REVIEWS: (&str, &str) = ("2016-10-01", "2017-07-01");

const SAME_QUARTER: &str = "the same calendar quarter one year on: the run starts in July 2016, \
     the model has no trend between years, and its demand is seasonal (winter from December to \
     February), so the season is what must match";
const DTOC_PERIOD: &str = "the profile's period, February to April 2017 (the months of the \
     delayed transfers of care return the review quotes)";
const DTOC_TOLERANCE: &str = "set in the manual calibration (docs/calibration.md): a reason's \
     delays are a few people a day, and the return's reason coding varies between trusts";
const RATE_TOLERANCE: &str = "set in the manual calibration (docs/calibration.md): a rate per \
     population, whose denominators the profile gives only approximately";
const PCT_TOLERANCE: &str = "set in the manual calibration (docs/calibration.md): a percentage, \
     within a few points (about its year-to-year change in the published series)";

/// The held-out figures, named before any fitting: total delays (the sum of reasons whose
/// drivers, other than home care hours and the share of families naming a care home, are
/// fitted to nothing) and bed occupancy
/// (beds against length of stay and delays). The fit never reads them (`tests/it/calibration.rs`).
pub const HELD_OUT: [&str; 2] = ["dtoc_delayed_days_per_100k", "bed_occupancy_pct"];

/// Why the care home admissions by cause are compared over the measured year.
const CARE_HOME_PERIOD: &str = "the profile says October 2015 to September 2016; the same months \
     one year on, the measured year";
/// What sets the care home admissions by cause.
const CARE_HOME_CAUSES: &str =
    "crisis.care_home_per_year x crisis.causes_care_home (cause labels drawn at the crisis)";

/// The figures, in the order of `docs/calibration.md`.
pub const FIGURES: [Figure; 15] = [
    Figure {
        id: "dtoc_delayed_days_per_100k",
        words: "Delayed transfers of care: delayed days per 100,000 aged 18+, per day",
        from: FEB_APR_2017.0,
        to: FEB_APR_2017.1,
        period_why: DTOC_PERIOD,
        tolerance: Tolerance::Relative(0.15),
        tolerance_why: DTOC_TOLERANCE,
        use_: Use::HeldOut,
        input_by_nature: None,
    },
    Figure {
        id: "dtoc_delayed_days_per_100k:care_package_home",
        words: "Delayed days awaiting a care package in the person's own home",
        from: FEB_APR_2017.0,
        to: FEB_APR_2017.1,
        period_why: DTOC_PERIOD,
        tolerance: Tolerance::Relative(0.25),
        tolerance_why: DTOC_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: None,
    },
    Figure {
        id: "dtoc_delayed_days_per_100k:patient_family_choice",
        words: "Delayed days for patient or family choice",
        from: FEB_APR_2017.0,
        to: FEB_APR_2017.1,
        period_why: DTOC_PERIOD,
        tolerance: Tolerance::Relative(0.25),
        tolerance_why: DTOC_TOLERANCE,
        use_: Use::Fitted,
        // The share of families naming a home is fitted; the wait is for a vacancy in the
        // named home (care home places and residents' deaths), capped by the choice policy.
        input_by_nature: None,
    },
    Figure {
        id: "emergency_admissions_65_per_100k",
        words: "Emergency admissions of people 65+, per 100,000 65+, per day",
        from: JAN_MAR_2017.0,
        to: JAN_MAR_2017.1,
        period_why: "the profile says 2016 Q1 (the report: 91 per 100,000 'compared to 63 \
             per 100,000 population in quarter one of 2016', read as January to March 2016, the \
             last quarter of 2015/16, before the run); January to March 2017 is the same \
             calendar quarter one year on: the run starts in July 2016, the model has no trend \
             between years, and its demand is seasonal",
        tolerance: Tolerance::Relative(0.10),
        tolerance_why: RATE_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: Some(
            "crisis.per_year (a hazard of crises taken as given), gp.* deflection, ae.admit",
        ),
    },
    Figure {
        id: "ae_4h_pct",
        words: "A&E attendances (all ages) seen within four hours, %",
        from: YEAR.0,
        to: YEAR.1,
        period_why: "the profile says 2016/17 (April 2016 to March 2017), half of it before \
             the warm-up ends; a whole year counts each season once as the financial year does, \
             and the model has no trend between years, so the measured year (October 2016 to \
             September 2017) stands in for it",
        tolerance: Tolerance::Points(3.0),
        tolerance_why: PCT_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: None,
    },
    Figure {
        id: "bed_occupancy_pct",
        words: "Acute bed occupancy at midnight, % (2017: above the optimal 85%)",
        from: OCT_MAR.0,
        to: OCT_MAR.1,
        period_why: "the profile says 2016/17 Q2 to Q4 (July 2016 to March 2017); July to \
             September 2016 is the run's warm-up, so the part after it, October 2016 to March \
             2017 (Q3 and Q4)",
        tolerance: Tolerance::Above,
        tolerance_why: "the profile gives no figure, only that occupancy was consistently \
             above the optimal 85%",
        use_: Use::HeldOut,
        input_by_nature: None,
    },
    Figure {
        id: "readmission_30d_pct_65",
        words: "Emergency readmissions within 30 days, people 65+, %",
        from: JAN_MAR_2017.0,
        to: JAN_MAR_2017.1,
        period_why: SAME_QUARTER,
        tolerance: Tolerance::Points(2.0),
        tolerance_why: PCT_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: Some(
            "discharge.readmission (a forced return within 30 days, by pathway: issue 10, \
             item 2); with policy.readmission_hazard, crisis.post_discharge_* (the \
             post-discharge excess crisis hazard: a clinical hazard the model cannot represent \
             mechanistically)",
        ),
    },
    Figure {
        id: "reablement_offered_pct",
        words: "Older people offered reablement after hospital discharge, %",
        from: OCT_DEC_2016.0,
        to: OCT_DEC_2016.1,
        period_why: "the profile says 2015/16 (ASCOF 2B(2)), whose denominator is the \
             discharges of October to December; the same three months of the run, October to \
             December 2016",
        tolerance: Tolerance::Points(0.4),
        tolerance_why: "set in the manual calibration (docs/calibration.md): the figure is \
             below 1%, so a few tenths of a point",
        use_: Use::Fitted,
        input_by_nature: Some(
            "discharge.reablement_share x the pathway 1 share of discharge.pathway",
        ),
    },
    Figure {
        id: "reablement_91d_at_home_pct",
        words: "Older people still at home 91 days after discharge into reablement, %",
        from: OCT_DEC_2016.0,
        to: OCT_DEC_2016.1,
        period_why: "the profile says 2011/12 to 2015/16 (ASCOF 2B(1)), whose denominator is \
             the discharges of October to December, followed for 91 days; the same three \
             months of the run, October to December 2016",
        tolerance: Tolerance::Points(4.0),
        tolerance_why: PCT_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: Some(
            "with policy.care_need_hazard, community.care_need_care_home (the size of the \
             hazard of needing a care home after a discharge into reablement, fitted to this \
             figure; reablement's effect on it an assumption), with deaths, readmissions and \
             the wait for a care home place; without it, discharge.reablement_to_care_home and \
             the death rates (about 1 minus both)",
        ),
    },
    Figure {
        id: "care_home_admissions_65_per_100k:pneumonia",
        words: "Emergency admissions from care homes for pneumonia, per 100,000 65+, per year",
        from: YEAR.0,
        to: YEAR.1,
        period_why: CARE_HOME_PERIOD,
        tolerance: Tolerance::Relative(0.15),
        tolerance_why: RATE_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: Some(CARE_HOME_CAUSES),
    },
    Figure {
        id: "care_home_admissions_65_per_100k:fall_injury",
        words:
            "Emergency admissions from care homes for falls and injuries, per 100,000 65+, per year",
        from: YEAR.0,
        to: YEAR.1,
        period_why: CARE_HOME_PERIOD,
        tolerance: Tolerance::Relative(0.15),
        tolerance_why: RATE_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: Some(CARE_HOME_CAUSES),
    },
    Figure {
        id: "reviews_completed_pct",
        words: "Reviews of care packages due that were completed, %",
        from: REVIEWS.0,
        to: REVIEWS.1,
        period_why: "the profile says June 2017: the council's monthly figure of review \
             activities due that had been completed, read as those due in the year to the end \
             of June 2017 and completed by then; the run's part of that year is October 2016 \
             to June 2017 (July to September 2016 is the warm-up). Read as only the reviews due \
             in June and completed in June, the baseline gives 0%: its reviewers work through \
             a backlog oldest first",
        tolerance: Tolerance::Points(5.0),
        tolerance_why: PCT_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: None,
    },
    Figure {
        id: "ae_gp_referred_pct_65",
        words: "A&E attendances of people 65+ referred by their GP, %",
        from: JAN_MAR_2017.0,
        to: JAN_MAR_2017.1,
        period_why: SAME_QUARTER,
        tolerance: Tolerance::Points(1.5),
        tolerance_why: PCT_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: Some(
            "gp.in_hours_first x (1 - gp.resolves) (a behaviour share and a clinical one; the \
             practices' appointment books do not bind in the baseline)",
        ),
    },
    Figure {
        id: "ae_gp_referred_discharged_pct_65",
        words: "GP-referred A&E attendances of people 65+ discharged without admission, %",
        from: JAN_MAR_2017.0,
        to: JAN_MAR_2017.1,
        period_why: SAME_QUARTER,
        tolerance: Tolerance::Points(3.0),
        tolerance_why: PCT_TOLERANCE,
        use_: Use::Fitted,
        input_by_nature: Some("1 - ae.admit_gp_referred"),
    },
    Figure {
        id: "chc_within_28d_pct",
        words: "Continuing healthcare referrals completed within 28 days, %",
        from: "2017-04-01",
        to: "2017-07-01",
        period_why: "the profile's period, 2017/18 Q1 (April to June 2017)",
        tolerance: Tolerance::Points(7.0),
        tolerance_why: "set in the manual calibration (docs/calibration.md): a percentage of \
             a few hundred assessments a quarter, so wider than the others",
        use_: Use::Fitted,
        // The queue for the CHC team's caseload (`discharge.chc_assessors`) and the case's own
        // time: the team binds in winter and spring.
        input_by_nature: None,
    },
];

/// Whether a figure's period lies in the scenario's measured period (a shortened or moved run
/// may not reach it: the figure is then not measured).
pub fn covered(f: &Figure, s: &Scenario) -> bool {
    let (p, m) = (f.period(), period(s));
    p.from >= m.from && p.to <= m.to
}

/// The acute beds open at the midnights of `p` on average, to the nearest bed (`days` are the
/// measured period's, from its first day): the trust's beds in the register a figure over `p`
/// is read against, so occupancy over a winter counts the winter's beds open, as occupancy over
/// the measured year counts the year's ([`crate::Replication::beds_open`]).
pub fn beds_open(s: &Scenario, days: &[Day], p: Period) -> u32 {
    let first = period(s).from;
    let skip = (p.from - first).num_days().max(0) as usize;
    let within: Vec<f64> = days
        .iter()
        .skip(skip)
        .take(p.days() as usize)
        .map(|d| d.beds_open)
        .collect();
    if within.is_empty() {
        s.hospital.beds
    } else {
        (within.iter().sum::<f64>() / within.len() as f64).round() as u32
    }
}

/// Every figure of one replication, in the order of [`FIGURES`], each over its own period
/// (`None` when the run does not cover the period, or the denominator is zero). `measured` is
/// the report over the scenario's measured period, reused where a figure's period is that
/// period; a figure over another period is read against the registers with the beds open over
/// that period ([`beds_open`]).
pub fn measure(
    journeys: &Journeys,
    measured: &Report,
    s: &Scenario,
    days: &[Day],
    ctx: &Context<'_>,
) -> Vec<Option<f64>> {
    let mut out = vec![None; FIGURES.len()];
    let mut done = vec![false; FIGURES.len()];
    for i in 0..FIGURES.len() {
        if done[i] || !covered(&FIGURES[i], s) {
            continue;
        }
        let p = FIGURES[i].period();
        let own;
        let report = if p == period(s) {
            measured
        } else {
            let (orgs, population) = registers_with_beds(s, beds_open(s, days, p));
            // Only the passes its figures need.
            let ids = FIGURES.iter().filter(|f| f.period() == p).map(|f| f.id);
            own = journeys.report_of(
                p,
                &Context {
                    orgs: &orgs,
                    population: &population,
                    ..*ctx
                },
                indicators::Sections::for_ids(ids),
            );
            &own
        };
        for (j, f) in FIGURES.iter().enumerate().skip(i) {
            if f.period() == p {
                out[j] = report.value(f.id);
                done[j] = true;
            }
        }
    }
    out
}

/// One figure over the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureSummary {
    pub figure: Figure,
    /// The 2017 figure (the profile's Stoke-on-Trent value, or its target where it gives none).
    pub target: Option<f64>,
    /// What the profile says of the period.
    pub profile_period: Option<String>,
    pub values: Vec<Option<f64>>,
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    /// Whether the mean is within tolerance (`None` when not measured).
    pub met: Option<bool>,
}

impl PartialEq for Figure {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// The figures over replications: `values[r]` is replication `r`'s [`measure`].
pub fn summarise(values: &[Vec<Option<f64>>]) -> Vec<FigureSummary> {
    let profile = BenchmarkSet::stoke_2017();
    FIGURES
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let b = profile.get(f.id);
            let target = b.and_then(|b| b.stoke_2017.or(b.target));
            let vs: Vec<Option<f64>> = values.iter().map(|v| v[i]).collect();
            let present: Vec<f64> = vs.iter().flatten().copied().collect();
            let (mean, ci95) = match present.len() {
                0 => (None, None),
                1 => (Some(present[0]), None),
                _ => {
                    let s = stats(&present);
                    let base = f.id.split(':').next().unwrap_or(f.id);
                    let percent = base.ends_with("_pct");
                    (Some(s.mean), Some(crate::summary::bounded(s.ci95, percent)))
                }
            };
            let met = match (mean, target) {
                (Some(m), Some(t)) => Some(f.tolerance.met(m, t)),
                _ => None,
            };
            FigureSummary {
                figure: *f,
                target,
                profile_period: b.and_then(|b| b.period.clone()),
                values: vs,
                mean,
                ci95,
                met,
            }
        })
        .collect()
}

/// `summary.json`'s `calibration` section.
pub fn json(figures: &[FigureSummary]) -> Value {
    let met = figures.iter().filter(|f| f.met == Some(true)).count();
    json!({
        "method": "each 2017 figure computed over its own period from each replication's log by \
                   the indicator engine; mean and 95% CI over replications; met when the mean \
                   is within the tolerance (twin::calibration, docs/calibration.md)",
        "met": met,
        "of": figures.len(),
        "figures": figures.iter().map(|s| {
            let f = &s.figure;
            json!({
                "id": f.id,
                "words": f.words,
                "period": {"from": f.from, "to": f.to, "profile": s.profile_period, "why": f.period_why},
                "mean": s.mean,
                "ci95": s.ci95.map(|(lo, hi)| vec![lo, hi]),
                "target": s.target,
                "tolerance": f.tolerance.words(),
                "tolerance_half_width": s.target.and_then(|t| f.tolerance.half_width(t)),
                "tolerance_why": f.tolerance_why,
                "met": s.met,
                "use": f.use_.as_str(),
                "input_by_nature": f.input_by_nature.is_some(),
                "set_by": f.input_by_nature,
            })
        }).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_has_a_2017_value_and_a_valid_period() {
        let profile = BenchmarkSet::stoke_2017();
        for f in FIGURES {
            let b = profile
                .get(f.id)
                .unwrap_or_else(|| panic!("{} not in the profile", f.id));
            assert!(b.stoke_2017.or(b.target).is_some(), "{}", f.id);
            assert!(f.period().days() > 0, "{}", f.id);
        }
        for id in HELD_OUT {
            let f = FIGURES.iter().find(|f| f.id == id).expect("a figure");
            assert_eq!(f.use_, Use::HeldOut);
        }
        let held = FIGURES.iter().filter(|f| f.use_ == Use::HeldOut).count();
        assert_eq!(held, HELD_OUT.len());
    }

    #[test]
    fn tolerances_read_as_written() {
        assert!(Tolerance::Relative(0.15).met(36.8, 32.0));
        assert!(!Tolerance::Relative(0.15).met(36.9, 32.0));
        assert!(Tolerance::Points(3.0).met(75.3, 78.3));
        assert!(!Tolerance::Above.met(85.0, 85.0));
        assert!(Tolerance::Above.met(85.1, 85.0));
        assert_eq!(Tolerance::Relative(0.25).words(), "±25%");
        assert_eq!(Tolerance::Points(1.5).words(), "±1.5 points");
    }
}
