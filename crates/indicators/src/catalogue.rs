//! The indicators of the joint performance framework: ids, units, which way is better, and the
//! keys of their breakdowns.

use domain::codes::{Cause, DelayReason};

/// Which direction of an indicator is an improvement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Better {
    Lower,
    Higher,
    /// Better at or below the figure (bed occupancy: at most 85%).
    AtMost(f64),
    /// Neither: context only.
    Neither,
}

impl Better {
    pub fn as_str(self) -> String {
        match self {
            Better::Lower => "lower".into(),
            Better::Higher => "higher".into(),
            Better::AtMost(x) => format!("at most {x}"),
            Better::Neither => "-".into(),
        }
    }
}

/// The unit an indicator is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Percent,
    PerDayPer100k,
    PerYearPer100k,
    PerYearPer1k,
    Count,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "%",
            Unit::PerDayPer100k => "per day per 100k",
            Unit::PerYearPer100k => "per year per 100k",
            Unit::PerYearPer1k => "per year per 1k",
            Unit::Count => "count",
        }
    }
}

/// One indicator of the framework.
#[derive(Debug, Clone, Copy)]
pub struct Definition {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: Unit,
    pub better: Better,
}

const fn def(id: &'static str, title: &'static str, unit: Unit, better: Better) -> Definition {
    Definition {
        id,
        title,
        unit,
        better,
    }
}

use Better::*;
use Unit::*;

/// Every indicator, in the order of the spec. Breakdowns are reported after their parent.
pub const INDICATORS: &[Definition] = &[
    def(
        "dtoc_delayed_days_per_100k",
        "Delayed transfers of care: delayed days per 100,000 adults",
        PerDayPer100k,
        Lower,
    ),
    def(
        "emergency_admissions_65_per_100k",
        "Emergency admissions, 65+",
        PerDayPer100k,
        Lower,
    ),
    def(
        "ae_4h_pct",
        "A&E: left within four hours of arrival",
        Percent,
        Higher,
    ),
    def(
        "ae_12h_pct",
        "A&E: over twelve hours from arrival",
        Percent,
        Lower,
    ),
    def(
        "ae_attendances_65_per_1000",
        "A&E attendances, 65+",
        PerYearPer1k,
        Lower,
    ),
    def(
        "ae_admitted_pct_65",
        "A&E attendances admitted, 65+",
        Percent,
        Neither,
    ),
    def(
        "ae_gp_referred_pct_65",
        "A&E attendances referred by a GP, 65+",
        Percent,
        Lower,
    ),
    def(
        "ae_gp_referred_discharged_pct_65",
        "GP-referred A&E attendances discharged, 65+",
        Percent,
        Neither,
    ),
    def(
        "bed_occupancy_pct",
        "Acute bed occupancy at midnight",
        Percent,
        AtMost(85.0),
    ),
    def(
        "los_over_7d_pct_65",
        "Emergency stays over 7 days, 65+",
        Percent,
        Lower,
    ),
    def(
        "los_over_21d_pct_65",
        "Emergency stays over 21 days, 65+",
        Percent,
        Lower,
    ),
    def(
        "readmission_30d_pct_65",
        "Emergency readmission within 30 days, 65+",
        Percent,
        Lower,
    ),
    def(
        "reablement_offered_pct",
        "Discharged into reablement, 65+",
        Percent,
        Higher,
    ),
    def(
        "reablement_91d_at_home_pct",
        "At home 91 days after discharge into reablement, 65+",
        Percent,
        Higher,
    ),
    def(
        "care_home_admissions_65_per_100k",
        "Emergency admissions from care homes, 65+",
        PerYearPer100k,
        Lower,
    ),
    def(
        "permanent_care_home_admissions_65_per_100k",
        "Permanent admissions to care homes, 65+",
        PerYearPer100k,
        Lower,
    ),
    def(
        "discharges_weekend_pct",
        "Discharges at weekends",
        Percent,
        Higher,
    ),
    def(
        "reviews_completed_pct",
        "Reviews due in the period completed",
        Percent,
        Higher,
    ),
    def(
        "reviews_overdue",
        "Reviews overdue at the end of the period",
        Count,
        Lower,
    ),
    def(
        "assessments_completed",
        "Care needs assessments completed",
        Count,
        Neither,
    ),
    def(
        "new_home_care_packages",
        "New home care packages started",
        Count,
        Neither,
    ),
    def(
        "chc_eligible_pct",
        "Continuing healthcare assessments found eligible",
        Percent,
        Neither,
    ),
    def(
        "chc_within_28d_pct",
        "Continuing healthcare assessments within 28 days",
        Percent,
        Higher,
    ),
    def(
        "gp_extended_access_pct",
        "GP practices with extended access",
        Percent,
        Higher,
    ),
    def(
        "nursing_homes_inadequate_pct",
        "Nursing homes rated inadequate",
        Percent,
        Lower,
    ),
    def(
        "nursing_homes_requires_improvement_pct",
        "Nursing homes rated requires improvement",
        Percent,
        Lower,
    ),
    def(
        "residential_homes_inadequate_pct",
        "Residential homes rated inadequate",
        Percent,
        Lower,
    ),
    def(
        "residential_homes_requires_improvement_pct",
        "Residential homes rated requires improvement",
        Percent,
        Lower,
    ),
    def(
        "home_care_inadequate_pct",
        "Home care agencies rated inadequate",
        Percent,
        Lower,
    ),
    def(
        "home_care_requires_improvement_pct",
        "Home care agencies rated requires improvement",
        Percent,
        Lower,
    ),
];

/// The definition of an indicator id (a breakdown id `<id>:<key>` gives its parent's).
pub fn definition(id: &str) -> Option<&'static Definition> {
    let base = id.split(':').next().unwrap_or(id);
    let base = if base == "dtoc_delayed_days_per_100k_by_responsible" {
        "dtoc_delayed_days_per_100k"
    } else {
        base
    };
    INDICATORS.iter().find(|d| d.id == base)
}

/// Whether `id` is a breakdown by organisation, below the whole system (`access.md`,
/// "Aggregates"), whose small numbers are withheld: bed occupancy by trust. The breakdowns by
/// delay reason, responsible side and cause are of the whole system.
pub fn by_organisation(id: &str) -> bool {
    id.starts_with("bed_occupancy_pct:")
}

/// Keys of the delayed-days breakdown by reason: every code, then `unrecorded`.
pub fn delay_reason_keys() -> impl Iterator<Item = &'static str> {
    DelayReason::ALL
        .iter()
        .map(|r| r.as_str())
        .chain(["unrecorded"])
}

/// Keys of the delayed-days breakdown by responsible organisation.
pub const RESPONSIBLE_KEYS: [&str; 4] = ["nhs", "social_care", "both", "unrecorded"];

/// Keys of the care home admissions breakdown by cause.
pub fn cause_keys() -> impl Iterator<Item = &'static str> {
    Cause::ALL.iter().map(|c| c.as_str())
}
