//! Scenarios: every rate, duration, probability, capacity, schedule and policy switch of the
//! model, read from TOML. A scenario may `extends` another and override only what changes.
//!
//! - [`params`]: every key, what it holds and its range.
//! - [`check`]: a scenario's TOML checked against them, errors in plain words naming the key.
//! - [`extends`]: finding a scenario and the ones it extends (relative to the file), merging.
//! - [`limits`]: how large a run may be, and the checks that span keys.
//! - [`edit`]: a new scenario from another with some values changed (the plans form).
//! - [`costs`]: the unit costs of capacities and services, and of a delayed bed day.

pub mod check;
pub mod costs;
pub mod edit;
pub mod extends;
pub mod limits;
pub mod params;

use serde::{Deserialize, Serialize};
use sim_kernel::Dist;

/// The built-in scenarios: name, one line, TOML.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("stoke-2017", include_str!("../scenarios/stoke-2017.toml")),
    (
        "unconstrained",
        include_str!("../scenarios/unconstrained.toml"),
    ),
    ("d2a", include_str!("../scenarios/d2a.toml")),
    (
        "trusted-assessor",
        include_str!("../scenarios/trusted-assessor.toml"),
    ),
    ("seven-day", include_str!("../scenarios/seven-day.toml")),
    (
        "seven-day-extra-staff",
        include_str!("../scenarios/seven-day-extra-staff.toml"),
    ),
    (
        "home-care-plus-20",
        include_str!("../scenarios/home-care-plus-20.toml"),
    ),
    (
        "extended-gp-access",
        include_str!("../scenarios/extended-gp-access.toml"),
    ),
    (
        "care-home-support",
        include_str!("../scenarios/care-home-support.toml"),
    ),
    (
        "winter-surge",
        include_str!("../scenarios/winter-surge.toml"),
    ),
    (
        "all-recommendations",
        include_str!("../scenarios/all-recommendations.toml"),
    ),
    ("d2a-fails", include_str!("../scenarios/d2a-fails.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("no scenario {0:?}: give a built-in name (joinedup scenarios) or a .toml file")]
    Unknown(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    /// The circle (`a.toml -> b.toml -> a.toml`), and the scenario asked for.
    #[error("{origin}: `extends` goes round in a circle: {0}", origin = .1)]
    Circular(String, String),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Only in files: the scenario this one changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    pub name: String,
    pub description: String,
    pub run: Run,
    pub population: Population,
    pub crisis: Crisis,
    pub gp: Gp,
    pub ae: Ae,
    pub hospital: Hospital,
    pub discharge: Discharge,
    pub community: Community,
    pub policy: Policy,
    pub costs: costs::Costs,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub start: String,
    pub warmup_days: u32,
    pub days: u32,
    pub cooldown_days: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Share of the people aged 65 and over who are women (the population register's sex).
    pub female_share: f64,
    pub aged_65_74: u32,
    pub aged_75_84: u32,
    pub aged_85_plus: u32,
    pub aged_0_17: u32,
    pub aged_18_64: u32,
    pub extra_care_share: [f64; 3],
    pub residential_share: [f64; 3],
    pub nursing_share: [f64; 3],
    pub residential_places: u32,
    pub nursing_places: u32,
    pub deaths_per_year: [f64; 3],
    pub care_home_death_factor: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crisis {
    pub per_year: [f64; 3],
    pub care_home_per_year: f64,
    pub winter_factor: f64,
    /// Monday to Sunday; absent: flat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<[f64; 7]>,
    /// By hour of the day; absent: flat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly: Option<[f64; 24]>,
    pub causes_home: [f64; 5],
    pub causes_care_home: [f64; 5],
    /// The post-discharge excess crisis hazard (issue 10, item 2): after a discharge, the
    /// person's crises are raised by an excess that decays exponentially. Its size is the
    /// excess crises expected over the whole decay, by age band (65-74, 75-84, 85+), for
    /// someone going to their own home who needed no support; the factors below multiply it.
    pub post_discharge_crises: [f64; 3],
    /// The excess hazard halves every this many days.
    pub post_discharge_half_life_days: f64,
    /// Factor for someone living in a care home after the discharge.
    pub post_discharge_care_home: f64,
    /// Factor for someone whose pathway needed support (pathways 1-3: a frailty proxy).
    pub post_discharge_needs_support: f64,
    /// Factor for someone discharged without the support their pathway needed (bridged home
    /// by discharge to assess, to be assessed and wait at home for a package).
    pub post_discharge_unsupported: f64,
    /// Factor for someone discharged to a course of reablement.
    pub post_discharge_reablement: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gp {
    /// Share of crises at home in surgery hours (`surgery_hours` on weekdays) whose person calls
    /// their GP first (behaviour); they see one if an appointment is free that day.
    pub in_hours_first: f64,
    /// Share of the crises a GP sees that the GP resolves without A&E (clinical: an input by
    /// nature); the rest are referred to A&E.
    pub resolves: f64,
    /// Surgery hours on weekdays, from and to (hours of the day): same-day appointments.
    pub surgery_hours: [f64; 2],
    /// Share of practices offering extended access (weekday evenings after surgery hours and
    /// weekends, within `extended_hours`).
    pub extended_access_share: f64,
    /// Extended hours, from and to (hours of the day): weekday evenings after surgery hours to
    /// the second, weekends from the first to the second.
    pub extended_hours: [f64; 2],
    /// Share of crises in extended hours (not surgery hours) whose person, registered with a
    /// practice offering extended access, calls for a GP (behaviour).
    pub extended_first: f64,
    /// Same-day appointments each practice has a weekday (08:00-18:30) for crises of people
    /// 65+: a capacity, renewed each weekday.
    pub same_day_per_practice: u32,
    /// Extended-hours appointments a week each practice offering extended access has for
    /// crises of people 65+: a capacity, renewed each Monday.
    pub extended_per_practice_week: u32,
    /// GP ward-round sessions a week across the care homes (one home after another, each
    /// home's sessions renewed each Monday): the named GP's time for its residents.
    pub care_home_rounds_week: u32,
    /// Residents a ward-round session can see (its urgent problems counted against it).
    pub care_home_round_residents: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ae {
    pub sources: [f64; 4],
    pub care_home_ambulance: f64,
    pub clinicians_day: u32,
    pub clinicians_night: u32,
    pub assessment_hours: Dist,
    pub admit: [f64; 3],
    pub admit_gp_referred: f64,
    pub background_per_day: f64,
    pub background_admit: f64,
    pub background_assessment_hours: Dist,
    /// How the trust's other patients arrive: self, ambulance, NHS 111, GP.
    pub background_sources: [f64; 4],
    /// The trust's other patients (adults under 65) the background attendances are drawn from.
    pub background_patients: u32,
    /// Attendances not admitted: shares discharged, referred, left before being seen.
    pub not_admitted: [f64; 3],
    /// From and to, hours of the day: the clinicians' day rota (`clinicians_day`); the night's
    /// the rest of the day.
    pub day_shift_hours: [f64; 2],
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hospital {
    pub beds: u32,
    pub winter_beds: u32,
    /// Escalation beds the trust can open beyond the beds in force (base and winter), opened
    /// when occupancy of the beds in force reaches `escalation_open_at` and closed (no new
    /// patient put in them) when it falls below `escalation_close_at`.
    pub escalation_beds: u32,
    pub escalation_open_at: f64,
    pub escalation_close_at: f64,
    pub background_los: Dist,
    pub elective_per_day: f64,
    pub elective_los: Dist,
    pub medical_los: Dist,
    pub older_band_los_factor: [f64; 3],
    pub death_in_hospital: f64,
    /// From and to, hours of the day: the morning ward round that declares patients medically
    /// optimised.
    pub ward_round_hours: [f64; 2],
    /// From and to, hours of the day patients leave; `leave_after_hours`, from and to, the
    /// hours from arranged to leaving (drawn evenly); `leave_next_day_hours`, from and to, the
    /// morning hours a patient leaves when arranged outside `discharge_hours` (that morning or
    /// the next) or on a day the service does not admit (the next day).
    pub discharge_hours: [f64; 2],
    pub leave_after_hours: [f64; 2],
    pub leave_next_day_hours: [f64; 2],
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Discharge {
    pub planning_lead_days: f64,
    /// From and to, hours of the day: social workers, brokers, providers' assessors, reviewers
    /// and community assessors on duty (on the days `policy` puts them on duty).
    pub office_hours: [f64; 2],
    /// From and to, hours of the day step-down beds admit.
    pub step_down_admission_hours: [f64; 2],
    pub pathway: [f64; 4],
    /// Share of care home discharges whose family names one preferred home and waits for a
    /// vacancy there (a wait for that home's capacity, recorded as patient or family choice).
    pub family_choice: f64,
    /// The share of homes of each kind families name (the sought-after homes).
    pub family_choice_homes: f64,
    /// The council's choice policy: after this many days waiting for the named home, a place
    /// in any home is taken (an interim placement).
    pub family_choice_max_days: f64,
    pub social_workers: u32,
    pub assessment_hours: Dist,
    pub home_care_hours: f64,
    /// Multiplies `home_care_hours` (a scenario that commissions more or less care).
    #[serde(default = "one")]
    pub home_care_factor: f64,
    /// Areas (groups of GP practices) each served only by its own agencies' share of the
    /// hours (`model::home_care`); 1: one pool for the whole city.
    #[serde(default = "one_area")]
    pub home_care_areas: u32,
    pub existing_home_care_packages: u32,
    pub package_hours: Dist,
    /// Brokers finding a provider (weekday office hours), and a broker's time on one
    /// placement.
    pub brokers: u32,
    pub brokerage_hours: Dist,
    /// Providers' staff visiting to assess a person before accepting them (weekday office
    /// hours; none with a trusted assessor), and one visit's time, travel included.
    pub provider_assessors: u32,
    pub provider_assessment_hours: Dist,
    /// A home care agency's lead time from accepting a package to its first visit (a rule).
    pub home_care_start_hours: f64,
    pub package_days: Dist,
    pub reablement_share: f64,
    pub reablement_slots: u32,
    pub reablement_days: Dist,
    /// With D2A: days at home, bridged by reablement, before the assessment at home is asked
    /// for (a rule).
    pub home_assessment_after_days: Dist,
    /// With D2A: community assessors assessing people at home at once (weekday office hours,
    /// the rota of the other staff), and one assessment's time, travel included.
    pub community_assessors: u32,
    pub home_assessment_hours: Dist,
    pub reablement_to_home_care: f64,
    pub reablement_to_care_home: f64,
    /// With D2A: shares of people assessed at home found to need home care, and a care home
    /// (they wait at home for a place); the rest need nothing more.
    pub bridged_need_home_care: f64,
    pub bridged_need_care_home: f64,
    pub step_down_beds: u32,
    pub step_down_admissions_per_day: u32,
    pub step_down_days: Dist,
    pub nursing_share: f64,
    pub chc_share: f64,
    pub chc_assessors: u32,
    /// Extra CHC case slots bought in (independent assessors) while the team's waiting list
    /// is long: opened at a daily look when `chc_surge_open_at` cases wait for the team,
    /// stopped when `chc_surge_close_at` or fewer do (cases under way are finished). 0: none.
    pub chc_surge_cases: u32,
    pub chc_surge_open_at: u32,
    pub chc_surge_close_at: u32,
    pub chc_assessment_days: Dist,
    /// Share of those assessed for continuing healthcare found eligible (placed by the CHC
    /// team's brokerage, the window and several providers' visits).
    pub chc_eligible: f64,
    pub chc_window_days: f64,
    pub chc_providers_reassessing: u32,
    /// With `policy.readmission_hazard` off (the old mechanism): the chance of a forced
    /// emergency return 0.5 to 30 days after discharge, by pathway.
    pub readmission: [f64; 4],
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Community {
    pub review_interval_days: f64,
    pub first_review_days: f64,
    /// Days before its due date a review is set (written to the log as `review_due`), if its
    /// package still runs.
    pub review_set_days_ahead: f64,
    pub reviewers: u32,
    pub review_hours: Dist,
    /// The reviews' starting state: the day the review team's list begins, empty. Reviews
    /// that fall due before it are done on the day (the model keeps no list then), so what
    /// the list holds later does not depend on the warm-up's length. Absent: the run's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_list_from: Option<String>,
    /// The hazard of needing a care home in the community after a discharge into reablement
    /// (or bridged home by D2A), read with `policy.care_need_hazard` (issue 10, item 2): the
    /// needs expected over the whole decay, by age band (65-74, 75-84, 85+), for someone at
    /// home with a package of average hours; the factors below multiply it.
    pub care_need_care_home: [f64; 3],
    /// The same for a need of ongoing home care (read at the end of a course of reablement).
    pub care_need_home_care: [f64; 3],
    /// The hazards halve every this many days after the discharge.
    pub care_need_half_life_days: f64,
    /// The need scales as (the package's hours a week / `discharge.package_hours`' mean) to
    /// this power: the hours a person needs are the model's measure of their frailty.
    pub care_need_hours_power: f64,
    /// Factor while a course of reablement is received.
    pub care_need_reablement: f64,
    /// Factor while waiting at home without the support needed (bridged home by D2A, waiting
    /// to be assessed and for a package).
    pub care_need_waiting: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub d2a: bool,
    pub trusted_assessor: bool,
    pub seven_day: bool,
    /// With `seven_day`: weekday staffing at the weekend too (more staff hours, costed), rather
    /// than the same staff spread over seven days; absent: spread.
    #[serde(default)]
    pub seven_day_extra_staff: bool,
    /// Readmissions from the post-discharge excess crisis hazard (`crisis.post_discharge_*`)
    /// rather than a forced return within 30 days (`discharge.readmission`); absent: off.
    #[serde(default)]
    pub readmission_hazard: bool,
    /// Reablement's outcome and moves to a care home after it from the hazards of needing a
    /// care home and home care (`community.care_need_*`) rather than one draw at the end of
    /// reablement (`discharge.reablement_to_*`); absent: off.
    #[serde(default)]
    pub care_need_hazard: bool,
}

fn one_area() -> u32 {
    1
}

fn one() -> f64 {
    1.0
}

impl Scenario {
    /// Loads a built-in scenario by name, or a TOML file, resolving `extends` (a built-in name,
    /// or a file relative to the folder of the file that says it). Every error names its key.
    pub fn load(name_or_file: &str) -> Result<Scenario, ScenarioError> {
        let links = extends::chain(name_or_file)?;
        let origin = links[0].origin.clone();
        let from_file = links[0].file.is_some();
        Self::of_links(&links, from_file).map_err(|errors| ScenarioError::Invalid {
            origin,
            message: errors.join("; "),
        })
    }

    /// A scenario saved outside files (the service's plans): its TOML `text`, whose `extends`
    /// names a built-in or another saved scenario (whose TOML `saved` gives). Checked as a
    /// file is, with the same messages; `Err(Ok(messages))`: each error of the merged
    /// scenario, one a message (each naming its key, see [`check::key_named`]);
    /// `Err(Err(e))`: the TOML or its `extends` chain is wrong.
    pub fn from_saved(
        name: &str,
        text: &str,
        saved: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Scenario, Result<Vec<String>, ScenarioError>> {
        let links = extends::chain_of_text(name, text, saved).map_err(Err)?;
        Self::of_links(&links, true).map_err(Ok)
    }

    /// The scenario `links` make (top first), or every error; `named`: its name may not be a
    /// built-in's.
    fn of_links(links: &[extends::Link], named: bool) -> Result<Scenario, Vec<String>> {
        let from_file = named;
        let value = extends::merged(links);
        let errors = check::check(&value);
        if !errors.is_empty() {
            return Err(errors);
        }
        let s: Scenario = value
            .try_into()
            .map_err(|e: toml::de::Error| vec![e.to_string().trim_end().to_string()])?;
        let mut errors = limits::cross(&s);
        if from_file && BUILT_IN.iter().any(|(n, _)| *n == s.name) {
            errors.insert(
                0,
                format!(
                    "`name` {:?} is a built-in scenario's name: give this scenario a name of its \
                     own (its runs are written under runs/<name>)",
                    s.name
                ),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(s)
    }

    /// The scenario's TOML as written (for `joinedup scenarios show`).
    pub fn text(name: &str) -> Option<&'static str> {
        BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// A scenario and those it extends, top first: how each is named, and its TOML as written.
    pub fn sources(name_or_file: &str) -> Result<Vec<(String, String)>, ScenarioError> {
        Ok(extends::chain(name_or_file)?
            .into_iter()
            .map(|l| (l.origin, l.text))
            .collect())
    }

    /// The same run with a warm-up of `days` ending on the same day, so the measured period and
    /// every calibration figure's period keep their dates (for comparing warm-ups).
    pub fn with_warmup(mut self, days: u32) -> Scenario {
        let start = domain::parse_date(&self.run.start).expect("validated");
        let end = start + chrono::Duration::days(i64::from(self.run.warmup_days));
        self.run.start = (end - chrono::Duration::days(i64::from(days))).to_string();
        self.run.warmup_days = days;
        self
    }

    /// The scenario run from a recorded state at the start of `date`: no warm-up (the state
    /// is the system as it was), the measured period from that day.
    pub fn starting_at(mut self, date: chrono::NaiveDate) -> Scenario {
        self.run.start = date.to_string();
        self.run.warmup_days = 0;
        self
    }

    /// Checks every value against its range (as [`load`](Self::load) does) and the limits that
    /// span keys; for a scenario changed after loading. Errors name the keys, joined by `; `.
    pub fn validate(&self) -> Result<(), String> {
        let value = toml::Value::try_from(self).map_err(|e| e.to_string())?;
        let mut errors = check::check(&value);
        if errors.is_empty() {
            errors = limits::cross(self);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

#[cfg(test)]
mod saved_tests {
    use super::*;

    fn saved(name: &str) -> Option<String> {
        match name {
            "more-beds" => Some(
                "extends = \"stoke-2017\"\nname = \"more-beds\"\n[hospital]\nbeds = 700\n".into(),
            ),
            "loop-a" => Some("extends = \"loop-b\"\nname = \"loop-a\"\n".into()),
            "loop-b" => Some("extends = \"loop-a\"\nname = \"loop-b\"\n".into()),
            _ => None,
        }
    }

    #[test]
    fn a_saved_scenario_extends_a_built_in_or_another_saved_one() {
        let s = Scenario::from_saved(
            "fewer-workers",
            "extends = \"more-beds\"\nname = \"fewer-workers\"\ndescription = \"x\"\n[discharge]\nsocial_workers = 10\n",
            &saved,
        )
        .unwrap();
        assert_eq!(s.hospital.beds, 700);
        assert_eq!(s.discharge.social_workers, 10);
        assert_eq!(s.name, "fewer-workers");
    }

    #[test]
    fn a_saved_scenario_gets_the_messages_of_a_file_one_by_one() {
        let errors = Scenario::from_saved(
            "bad",
            "extends = \"stoke-2017\"\nname = \"bad\"\n[hospital]\nbeds = -3\n[discharge]\nsocial_workerz = 1\n",
            &saved,
        )
        .unwrap_err()
        .unwrap();
        assert_eq!(errors.len(), 2, "{errors:?}");
        let keys: Vec<_> = errors.iter().map(|e| check::key_named(e)).collect();
        assert!(keys.contains(&Some("hospital.beds")), "{errors:?}");
        // An unknown key has no field of its own.
        assert!(keys.contains(&None), "{errors:?}");
        // The same message as a file's.
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.toml");
        std::fs::write(
            &f,
            "extends = \"stoke-2017\"\nname = \"bad\"\n[hospital]\nbeds = -3\n",
        )
        .unwrap();
        let file = Scenario::load(f.to_str().unwrap()).unwrap_err().to_string();
        let beds = errors.iter().find(|e| e.contains("hospital.beds")).unwrap();
        assert!(file.ends_with(beds.as_str()), "{file} / {beds}");
        // A built-in's name is refused; circles and unknown parents too.
        let e = Scenario::from_saved("d2a", "extends = \"stoke-2017\"\nname = \"d2a\"\n", &saved)
            .unwrap_err()
            .unwrap();
        assert!(e[0].contains("built-in scenario's name"), "{e:?}");
        let e = Scenario::from_saved("x", "extends = \"loop-a\"\nname = \"x\"\n", &saved)
            .unwrap_err()
            .unwrap_err();
        assert!(e.to_string().contains("circle"), "{e}");
        let e = Scenario::from_saved("x", "extends = \"nowhere\"\nname = \"x\"\n", &saved)
            .unwrap_err()
            .unwrap_err();
        assert!(e.to_string().contains("no scenario \"nowhere\""), "{e}");
    }
}
