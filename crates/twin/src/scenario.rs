//! Scenarios: every rate, duration, probability, capacity, schedule and policy switch of the
//! model, read from TOML. A scenario may `extends` another and override only what changes.

use serde::Deserialize;
use sim_kernel::Dist;
use std::path::Path;

/// The built-in scenarios: name, one line, TOML.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("stoke-2017", include_str!("../scenarios/stoke-2017.toml")),
    ("d2a", include_str!("../scenarios/d2a.toml")),
    (
        "trusted-assessor",
        include_str!("../scenarios/trusted-assessor.toml"),
    ),
    ("seven-day", include_str!("../scenarios/seven-day.toml")),
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
    #[error("{origin}: `extends` goes round in a circle through {0:?}", origin = .1)]
    Circular(String, String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Only in files: the scenario this one changes.
    #[serde(default)]
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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub start: String,
    pub warmup_days: u32,
    pub days: u32,
    pub cooldown_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crisis {
    pub per_year: [f64; 3],
    pub care_home_per_year: f64,
    pub winter_factor: f64,
    /// Monday to Sunday; absent: flat.
    #[serde(default)]
    pub weekly: Option<[f64; 7]>,
    /// By hour of the day; absent: flat.
    #[serde(default)]
    pub hourly: Option<[f64; 24]>,
    pub causes_home: [f64; 5],
    pub causes_care_home: [f64; 5],
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gp {
    pub in_hours_first: f64,
    pub resolves: f64,
    pub extended_access_share: f64,
    pub extended_first: f64,
    pub care_home_support: f64,
}

#[derive(Debug, Clone, Deserialize)]
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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hospital {
    pub beds: u32,
    pub winter_beds: u32,
    pub background_los: Dist,
    pub elective_per_day: f64,
    pub elective_los: Dist,
    pub medical_los: Dist,
    pub older_band_los_factor: [f64; 3],
    pub death_in_hospital: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discharge {
    pub planning_lead_days: f64,
    pub pathway: [f64; 4],
    pub family_choice: f64,
    pub family_choice_days: Dist,
    pub social_workers: u32,
    pub assessment_hours: Dist,
    pub home_care_hours: f64,
    /// Multiplies `home_care_hours` (a scenario that commissions more or less care).
    #[serde(default = "one")]
    pub home_care_factor: f64,
    pub existing_home_care_packages: u32,
    pub package_hours: Dist,
    pub home_care_start_days: Dist,
    pub package_days: Dist,
    pub reablement_share: f64,
    pub reablement_slots: u32,
    pub reablement_days: Dist,
    pub d2a_bridging_days: Dist,
    pub reablement_to_home_care: f64,
    pub reablement_to_care_home: f64,
    pub bridged_need_home_care: f64,
    pub step_down_beds: u32,
    pub step_down_admissions_per_day: u32,
    pub step_down_days: Dist,
    pub nursing_share: f64,
    pub chc_share: f64,
    pub chc_assessors: u32,
    pub chc_assessment_days: Dist,
    pub chc_window_days: f64,
    pub chc_providers_reassessing: u32,
    pub chc_provider_assessment_days: Dist,
    pub readmission: [f64; 4],
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Community {
    pub review_interval_days: f64,
    pub first_review_days: f64,
    pub reviewers: u32,
    pub review_hours: Dist,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub d2a: bool,
    pub trusted_assessor: bool,
    pub seven_day: bool,
}

fn one() -> f64 {
    1.0
}

/// Merges `over` into `base`: tables key by key, anything else replaced.
fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                // A distribution is one value: it is replaced whole, never merged.
                let is_dist = v.get("dist").is_some();
                match b.get_mut(&k) {
                    Some(slot) if slot.is_table() && v.is_table() && !is_dist => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn source_of(name_or_file: &str) -> Result<(String, String), ScenarioError> {
    if let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == name_or_file) {
        return Ok((format!("scenario {name_or_file}"), text.to_string()));
    }
    let path = Path::new(name_or_file);
    if path.extension().is_some_and(|e| e == "toml") || path.exists() {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: name_or_file.to_string(),
            source,
        })?;
        return Ok((name_or_file.to_string(), text));
    }
    Err(ScenarioError::Unknown(name_or_file.to_string()))
}

fn resolve(
    name_or_file: &str,
    seen: &mut Vec<String>,
) -> Result<(String, toml::Value), ScenarioError> {
    if seen.iter().any(|s| s == name_or_file) {
        return Err(ScenarioError::Circular(
            name_or_file.to_string(),
            seen[0].clone(),
        ));
    }
    seen.push(name_or_file.to_string());
    let (origin, text) = source_of(name_or_file)?;
    let value: toml::Value = toml::from_str(&text).map_err(|e| ScenarioError::Invalid {
        origin: origin.clone(),
        message: e.to_string(),
    })?;
    let Some(parent) = value
        .get("extends")
        .and_then(|v| v.as_str())
        .map(str::to_string)
    else {
        return Ok((origin, value));
    };
    let (_, mut base) = resolve(&parent, seen)?;
    merge(&mut base, value);
    Ok((origin, base))
}

impl Scenario {
    /// Loads a built-in scenario by name, or a TOML file, resolving `extends`.
    pub fn load(name_or_file: &str) -> Result<Scenario, ScenarioError> {
        let (origin, value) = resolve(name_or_file, &mut Vec::new())?;
        let s: Scenario =
            value
                .try_into()
                .map_err(|e: toml::de::Error| ScenarioError::Invalid {
                    origin: origin.clone(),
                    message: e.to_string(),
                })?;
        s.validate()
            .map_err(|message| ScenarioError::Invalid { origin, message })?;
        Ok(s)
    }

    /// The scenario's TOML as written (for `joinedup scenarios show`).
    pub fn text(name: &str) -> Option<&'static str> {
        BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// Checks values a type cannot: probabilities in [0, 1], positive rates, valid distributions.
    pub fn validate(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        let mut prob = |key: &str, v: f64| {
            if !(0.0..=1.0).contains(&v) {
                errors.push(format!(
                    "`{key}` must be a probability between 0 and 1, got {v}"
                ));
            }
        };
        let p = &self.population;
        for (i, v) in p.extra_care_share.iter().enumerate() {
            prob(&format!("population.extra_care_share[{i}]"), *v);
        }
        for i in 0..3 {
            prob(
                &format!("population.residential_share[{i}]"),
                p.residential_share[i],
            );
            prob(
                &format!("population.nursing_share[{i}]"),
                p.nursing_share[i],
            );
            prob(
                &format!("population.deaths_per_year[{i}]"),
                p.deaths_per_year[i],
            );
            prob(&format!("ae.admit[{i}]"), self.ae.admit[i]);
        }
        let g = &self.gp;
        prob("gp.in_hours_first", g.in_hours_first);
        prob("gp.resolves", g.resolves);
        prob("gp.extended_access_share", g.extended_access_share);
        prob("gp.extended_first", g.extended_first);
        prob("gp.care_home_support", g.care_home_support);
        prob("ae.care_home_ambulance", self.ae.care_home_ambulance);
        prob("ae.admit_gp_referred", self.ae.admit_gp_referred);
        prob("ae.background_admit", self.ae.background_admit);
        prob(
            "hospital.death_in_hospital",
            self.hospital.death_in_hospital,
        );
        let d = &self.discharge;
        for (k, v) in [
            ("discharge.family_choice", d.family_choice),
            ("discharge.reablement_share", d.reablement_share),
            (
                "discharge.reablement_to_home_care",
                d.reablement_to_home_care,
            ),
            (
                "discharge.reablement_to_care_home",
                d.reablement_to_care_home,
            ),
            ("discharge.nursing_share", d.nursing_share),
            ("discharge.chc_share", d.chc_share),
        ] {
            prob(k, v);
        }
        for (i, v) in d.readmission.iter().enumerate() {
            prob(&format!("discharge.readmission[{i}]"), *v);
        }
        let mut nonneg = |key: &str, v: f64| {
            if !(v.is_finite() && v >= 0.0) {
                errors.push(format!("`{key}` must be 0 or more, got {v}"));
            }
        };
        for i in 0..3 {
            nonneg(&format!("crisis.per_year[{i}]"), self.crisis.per_year[i]);
            nonneg(
                &format!("hospital.older_band_los_factor[{i}]"),
                self.hospital.older_band_los_factor[i],
            );
        }
        nonneg("crisis.care_home_per_year", self.crisis.care_home_per_year);
        nonneg("crisis.winter_factor", self.crisis.winter_factor);
        nonneg("ae.background_per_day", self.ae.background_per_day);
        nonneg("hospital.elective_per_day", self.hospital.elective_per_day);
        nonneg("discharge.home_care_hours", d.home_care_hours);
        nonneg("discharge.home_care_factor", d.home_care_factor);
        nonneg("discharge.planning_lead_days", d.planning_lead_days);
        nonneg("discharge.chc_window_days", d.chc_window_days);
        nonneg(
            "community.review_interval_days",
            self.community.review_interval_days,
        );
        nonneg(
            "community.first_review_days",
            self.community.first_review_days,
        );
        if let Some(w) = &self.crisis.weekly {
            w.iter()
                .enumerate()
                .for_each(|(i, v)| nonneg(&format!("crisis.weekly[{i}]"), *v));
        }
        if let Some(h) = &self.crisis.hourly {
            h.iter()
                .enumerate()
                .for_each(|(i, v)| nonneg(&format!("crisis.hourly[{i}]"), *v));
        }
        for (k, w) in [
            ("crisis.causes_home", &self.crisis.causes_home[..]),
            ("crisis.causes_care_home", &self.crisis.causes_care_home[..]),
            ("ae.sources", &self.ae.sources[..]),
            ("discharge.pathway", &d.pathway[..]),
        ] {
            if w.iter().any(|v| !(v.is_finite() && *v >= 0.0)) || w.iter().sum::<f64>() <= 0.0 {
                errors.push(format!("`{k}` must be weights of 0 or more, not all 0"));
            }
        }
        for (k, dist) in [
            ("ae.assessment_hours", &self.ae.assessment_hours),
            (
                "ae.background_assessment_hours",
                &self.ae.background_assessment_hours,
            ),
            ("hospital.background_los", &self.hospital.background_los),
            ("hospital.elective_los", &self.hospital.elective_los),
            ("hospital.medical_los", &self.hospital.medical_los),
            ("discharge.family_choice_days", &d.family_choice_days),
            ("discharge.assessment_hours", &d.assessment_hours),
            ("discharge.package_hours", &d.package_hours),
            ("discharge.home_care_start_days", &d.home_care_start_days),
            ("discharge.package_days", &d.package_days),
            ("discharge.reablement_days", &d.reablement_days),
            ("discharge.d2a_bridging_days", &d.d2a_bridging_days),
            ("discharge.step_down_days", &d.step_down_days),
            ("discharge.chc_assessment_days", &d.chc_assessment_days),
            (
                "discharge.chc_provider_assessment_days",
                &d.chc_provider_assessment_days,
            ),
            ("community.review_hours", &self.community.review_hours),
        ] {
            if let Err(e) = dist.validate() {
                errors.push(format!("`{k}.{}`: {}", e.parameter, e.message));
            }
        }
        if domain::parse_date(&self.run.start).is_err() {
            errors.push(format!(
                "`run.start` must be a date (YYYY-MM-DD), got {:?}",
                self.run.start
            ));
        }
        if self.run.days == 0 {
            errors.push("`run.days` must be at least 1".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}
