//! Every key of a scenario: what kind of value it holds and the range it may take.
//!
//! The ranges are of two sorts: what makes sense (probabilities in [0, 1], shares adding up to
//! 1, at least one bed) and what a run can hold (the maximums of [`super::limits`]), so that a
//! scenario that loads is one the model can run in memory and in time.

use super::limits::{MAX_DAYS, MAX_PEOPLE_65};

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A whole number from `min` to `max`.
    Count {
        min: u64,
        max: u64,
    },
    /// A number from `min` to `max`.
    Number {
        min: f64,
        max: f64,
    },
    /// A probability, 0 to 1.
    Probability,
    /// `n` numbers, each from `min` to `max`.
    Numbers {
        n: usize,
        min: f64,
        max: f64,
    },
    /// `n` probabilities.
    Probabilities(usize),
    /// `n` shares, each 0 to 1, adding up to 1.
    Shares(usize),
    /// `n` relative weights (a profile), 0 or more, not all 0.
    Profile(usize),
    /// A distribution of durations whose mean is at most `max_mean` `unit`.
    Dist {
        max_mean: f64,
        unit: &'static str,
    },
    Bool,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A scenario's name: letters, digits, `-` and `_`.
    Name,
    /// Any text.
    Text,
}

/// One key of a scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// `table.key`, or `key` at the top.
    pub key: &'static str,
    pub kind: Kind,
    /// Absent keys are an error unless optional.
    pub optional: bool,
    /// Said after the range when a value is above its maximum (why the maximum is there).
    pub why: &'static str,
}

const fn p(key: &'static str, kind: Kind) -> Param {
    Param {
        key,
        kind,
        optional: false,
        why: "",
    }
}

const fn opt(key: &'static str, kind: Kind) -> Param {
    Param {
        key,
        kind,
        optional: true,
        why: "",
    }
}

const fn why(param: Param, why: &'static str) -> Param {
    Param { why, ..param }
}

const fn count(min: u64, max: u64) -> Kind {
    Kind::Count { min, max }
}

const fn number(min: f64, max: f64) -> Kind {
    Kind::Number { min, max }
}

const fn days(max_mean: f64) -> Kind {
    Kind::Dist {
        max_mean,
        unit: "days",
    }
}

const fn hours(max_mean: f64) -> Kind {
    Kind::Dist {
        max_mean,
        unit: "hours",
    }
}

const PROB: Kind = Kind::Probability;
/// From and to, hours of the day.
const HOURS_OF_DAY: Kind = Kind::Numbers {
    n: 2,
    min: 0.0,
    max: 24.0,
};
const RUN: &str = "so that a run fits in memory and time";
const PEOPLE: &str = "the most people a run can hold";
/// Staff, places and beds: far above any local system, well within what a run can hold.
const STAFF: u64 = 10_000;
const PLACES: u64 = 1_000_000;
/// A unit cost in pounds: 0 (not counted) up to a million (far above any unit of care).
const POUNDS: Kind = Kind::Number {
    min: 0.0,
    max: 1_000_000.0,
};
/// Crises (or deaths) per person a year.
const PER_PERSON_YEAR: f64 = 24.0;

/// The tables of a scenario, in the order they are written.
pub const TABLES: &[&str] = &[
    "run",
    "population",
    "crisis",
    "gp",
    "ae",
    "hospital",
    "discharge",
    "community",
    "policy",
    "costs",
];

/// Every key of a scenario.
pub const PARAMS: &[Param] = &[
    opt("extends", Kind::Text),
    p("name", Kind::Name),
    p("description", Kind::Text),
    // [run]
    p("run.start", Kind::Date),
    why(p("run.warmup_days", count(0, MAX_DAYS as u64)), RUN),
    why(p("run.days", count(1, MAX_DAYS as u64)), RUN),
    why(p("run.cooldown_days", count(0, MAX_DAYS as u64)), RUN),
    // [population]
    p("population.female_share", PROB),
    why(p("population.aged_65_74", count(0, MAX_PEOPLE_65)), PEOPLE),
    why(p("population.aged_75_84", count(0, MAX_PEOPLE_65)), PEOPLE),
    why(
        p("population.aged_85_plus", count(0, MAX_PEOPLE_65)),
        PEOPLE,
    ),
    p("population.aged_0_17", count(0, 100_000_000)),
    p("population.aged_18_64", count(0, 100_000_000)),
    p("population.extra_care_share", Kind::Probabilities(3)),
    p("population.residential_share", Kind::Probabilities(3)),
    p("population.nursing_share", Kind::Probabilities(3)),
    p("population.residential_places", count(0, PLACES)),
    p("population.nursing_places", count(0, PLACES)),
    p("population.deaths_per_year", Kind::Probabilities(3)),
    p("population.care_home_death_factor", number(0.0, 10.0)),
    // [crisis]
    why(
        p(
            "crisis.per_year",
            Kind::Numbers {
                n: 3,
                min: 0.0,
                max: PER_PERSON_YEAR,
            },
        ),
        RUN,
    ),
    why(
        p("crisis.care_home_per_year", number(0.0, PER_PERSON_YEAR)),
        RUN,
    ),
    p("crisis.winter_factor", number(0.0, 10.0)),
    opt("crisis.weekly", Kind::Profile(7)),
    opt("crisis.hourly", Kind::Profile(24)),
    p("crisis.causes_home", Kind::Shares(5)),
    p("crisis.causes_care_home", Kind::Shares(5)),
    p(
        "crisis.post_discharge_crises",
        Kind::Numbers {
            n: 3,
            min: 0.0,
            max: 20.0,
        },
    ),
    p("crisis.post_discharge_half_life_days", number(0.1, 365.0)),
    p("crisis.post_discharge_care_home", number(0.0, 20.0)),
    p("crisis.post_discharge_needs_support", number(0.0, 20.0)),
    p("crisis.post_discharge_unsupported", number(0.0, 20.0)),
    p("crisis.post_discharge_reablement", number(0.0, 20.0)),
    // [gp]
    p("gp.in_hours_first", PROB),
    p("gp.resolves", PROB),
    p("gp.surgery_hours", HOURS_OF_DAY),
    p("gp.extended_access_share", PROB),
    p("gp.extended_hours", HOURS_OF_DAY),
    p("gp.extended_first", PROB),
    p("gp.same_day_per_practice", count(0, STAFF)),
    p("gp.extended_per_practice_week", count(0, STAFF)),
    p("gp.care_home_rounds_week", count(0, STAFF)),
    p("gp.care_home_round_residents", count(0, STAFF)),
    // [ae]
    p("ae.sources", Kind::Shares(4)),
    p("ae.care_home_ambulance", PROB),
    p("ae.clinicians_day", count(1, STAFF)),
    p("ae.clinicians_night", count(1, STAFF)),
    p("ae.assessment_hours", hours(48.0)),
    p("ae.admit", Kind::Probabilities(3)),
    p("ae.admit_gp_referred", PROB),
    why(p("ae.background_per_day", number(0.0, 10_000.0)), RUN),
    p("ae.background_admit", PROB),
    p("ae.background_assessment_hours", hours(48.0)),
    p("ae.background_sources", Kind::Shares(4)),
    why(p("ae.background_patients", count(1, 1_000_000)), PEOPLE),
    p("ae.not_admitted", Kind::Shares(3)),
    p("ae.day_shift_hours", HOURS_OF_DAY),
    // [hospital]
    p("hospital.beds", count(1, 100_000)),
    p("hospital.winter_beds", count(0, 100_000)),
    p("hospital.escalation_beds", count(0, 100_000)),
    p("hospital.escalation_open_at", PROB),
    p("hospital.escalation_close_at", PROB),
    p("hospital.background_los", days(365.0)),
    why(p("hospital.elective_per_day", number(0.0, 10_000.0)), RUN),
    p("hospital.elective_los", days(365.0)),
    p("hospital.ward_round_hours", HOURS_OF_DAY),
    p("hospital.discharge_hours", HOURS_OF_DAY),
    p("hospital.leave_after_hours", HOURS_OF_DAY),
    p("hospital.leave_next_day_hours", HOURS_OF_DAY),
    p("hospital.medical_los", days(365.0)),
    p(
        "hospital.older_band_los_factor",
        Kind::Numbers {
            n: 3,
            min: 0.0,
            max: 10.0,
        },
    ),
    p("hospital.death_in_hospital", PROB),
    // [discharge]
    p("discharge.office_hours", HOURS_OF_DAY),
    p("discharge.step_down_admission_hours", HOURS_OF_DAY),
    p("discharge.planning_lead_days", number(0.0, 60.0)),
    p("discharge.pathway", Kind::Shares(4)),
    p("discharge.family_choice", PROB),
    p("discharge.family_choice_homes", PROB),
    p("discharge.family_choice_max_days", number(0.0, 3650.0)),
    p("discharge.social_workers", count(0, STAFF)),
    p("discharge.assessment_hours", hours(168.0)),
    p("discharge.home_care_hours", number(0.0, 10_000_000.0)),
    opt("discharge.home_care_factor", number(0.0, 100.0)),
    opt("discharge.home_care_areas", count(1, 46)),
    p("discharge.existing_home_care_packages", count(0, PLACES)),
    p("discharge.package_hours", hours(168.0)),
    p("discharge.brokers", count(0, STAFF)),
    p("discharge.brokerage_hours", hours(168.0)),
    p("discharge.provider_assessors", count(0, STAFF)),
    p("discharge.provider_assessment_hours", hours(168.0)),
    p("discharge.home_care_start_hours", number(0.0, 24.0 * 60.0)),
    p("discharge.package_days", days(3650.0)),
    p("discharge.reablement_share", PROB),
    p("discharge.reablement_slots", count(0, PLACES)),
    p("discharge.reablement_days", days(365.0)),
    p("discharge.home_assessment_after_days", days(365.0)),
    p("discharge.community_assessors", count(0, STAFF)),
    p("discharge.home_assessment_hours", hours(168.0)),
    p("discharge.reablement_to_home_care", PROB),
    p("discharge.reablement_to_care_home", PROB),
    p("discharge.bridged_need_home_care", PROB),
    p("discharge.bridged_need_care_home", PROB),
    p("discharge.step_down_beds", count(0, PLACES)),
    p("discharge.step_down_admissions_per_day", count(0, STAFF)),
    p("discharge.step_down_days", days(365.0)),
    p("discharge.nursing_share", PROB),
    p("discharge.chc_share", PROB),
    p("discharge.chc_assessors", count(0, STAFF)),
    p("discharge.chc_surge_cases", count(0, STAFF)),
    p("discharge.chc_surge_open_at", count(1, PLACES)),
    p("discharge.chc_surge_close_at", count(0, PLACES)),
    p("discharge.chc_assessment_days", days(365.0)),
    p("discharge.chc_eligible", PROB),
    p("discharge.chc_window_days", number(0.0, 365.0)),
    p("discharge.chc_providers_reassessing", count(0, 20)),
    p("discharge.readmission", Kind::Probabilities(4)),
    // [community]
    p("community.review_interval_days", number(1.0, 3650.0)),
    p("community.first_review_days", number(0.0, 3650.0)),
    p("community.review_set_days_ahead", number(0.0, 3650.0)),
    p("community.reviewers", count(0, STAFF)),
    p("community.review_hours", hours(168.0)),
    opt("community.review_list_from", Kind::Date),
    p(
        "community.care_need_care_home",
        Kind::Numbers {
            n: 3,
            min: 0.0,
            max: 20.0,
        },
    ),
    p(
        "community.care_need_home_care",
        Kind::Numbers {
            n: 3,
            min: 0.0,
            max: 20.0,
        },
    ),
    p("community.care_need_half_life_days", number(0.1, 3650.0)),
    p("community.care_need_hours_power", number(0.0, 4.0)),
    p("community.care_need_reablement", number(0.0, 20.0)),
    p("community.care_need_waiting", number(0.0, 20.0)),
    // [policy]
    p("policy.d2a", Kind::Bool),
    p("policy.trusted_assessor", Kind::Bool),
    p("policy.seven_day", Kind::Bool),
    opt("policy.seven_day_extra_staff", Kind::Bool),
    opt("policy.readmission_hazard", Kind::Bool),
    opt("policy.care_need_hazard", Kind::Bool),
    // [costs]: pounds (`super::costs`); a new capacity's unit cost is one more row here.
    p("costs.social_worker_hour", POUNDS),
    p("costs.broker_hour", POUNDS),
    p("costs.chc_assessor_day", POUNDS),
    p("costs.reviewer_hour", POUNDS),
    p("costs.ae_clinician_hour", POUNDS),
    p("costs.acute_bed_day", POUNDS),
    p("costs.delayed_bed_day", POUNDS),
    p("costs.home_care_hour", POUNDS),
    p("costs.reablement_place_day", POUNDS),
    p("costs.step_down_bed_day", POUNDS),
    p("costs.residential_home_week", POUNDS),
    p("costs.nursing_home_week", POUNDS),
    p("costs.community_assessor_hour", POUNDS),
    p("costs.gp_appointment", POUNDS),
    p("costs.gp_ward_round_session", POUNDS),
];

/// The parameter of `key` (`table.key`).
pub fn param(key: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.key == key)
}
