//! How large a run may be, and the checks that span several keys.
//!
//! The maximums keep one replication within a few gigabytes and seconds: a replication holds
//! every person, spell, attendance and package it makes, so its memory and time grow with the
//! people simulated, how often things happen to them, and how long the run is.

use super::Scenario;

/// The most days `run.warmup_days`, `run.days` or `run.cooldown_days` (or `--days`) may be: ten years.
pub const MAX_DAYS: u32 = 3650;
/// The most people aged 65+ a scenario may have (the baseline has 40,900).
pub const MAX_PEOPLE_65: u64 = 500_000;
/// The synthetic NHS numbers a run can give: those of the never-issued 999 range that pass
/// the modulus-11 check (`synthetic_log::nhs_numbers`).
pub const SYNTHETIC_NHS_NUMBERS: u64 = 909_091;
/// The most people a replication may be expected to register: those at the start, the
/// trust's younger patients, and one turning 65 for each death; well short of
/// [`SYNTHETIC_NHS_NUMBERS`], so that chance never runs them out.
pub const MAX_REGISTERED: f64 = 850_000.0;
/// The trust's younger patients every run registers (`model`).
pub const YOUNGER_PATIENTS: u64 = 12_000;
/// The most replications one `simulate` or `compare` runs of a scenario.
pub const MAX_REPLICATIONS: u64 = 10_000;
/// The most crises, deaths, attendances and admissions one replication may be expected to have
/// ([`happenings`]): about 20 times the baseline's 230,000. Measured: 500,000 people aged 65+
/// over 884 days (3.3 million) took 4.4 s and 350 MB on one core, so a replication at the limit
/// takes about 7 s and 0.5 GB.
pub const MAX_HAPPENINGS: f64 = 5_000_000.0;
/// The most scenarios an `extends` chain may hold.
pub const MAX_EXTENDS: usize = 16;
/// The first and last dates a run may start on (the log's instants reach 1677 to 2262).
pub const FIRST_START: &str = "1900-01-01";
pub const LAST_START: &str = "2200-12-31";

/// About how many crises, deaths, other attendances and electives one replication has, from
/// the scenario's people, rates and days (an upper estimate: winter at its peak all year,
/// every person at the larger of the home and care home crisis rates).
pub fn happenings(s: &Scenario) -> f64 {
    let p = &s.population;
    let c = &s.crisis;
    let counts = [p.aged_65_74, p.aged_75_84, p.aged_85_plus];
    let per_year: f64 = (0..3)
        .map(|b| {
            let n = f64::from(counts[b]);
            n * c.per_year[b].max(c.care_home_per_year) * c.winter_factor.max(1.0)
                + n * p.deaths_per_year[b] * p.care_home_death_factor.max(1.0)
        })
        .sum();
    let per_day = per_year / 365.0 + s.ae.background_per_day + s.hospital.elective_per_day;
    per_day * f64::from(total_days(s))
}

/// About how many people one replication registers: those at the start, the younger
/// patients, and one for each death (deaths at home and in care homes, and an upper estimate
/// of deaths in hospital: every crisis admitted).
pub fn registered(s: &Scenario) -> f64 {
    let p = &s.population;
    let c = &s.crisis;
    let counts = [p.aged_65_74, p.aged_75_84, p.aged_85_plus];
    let deaths_per_year: f64 = (0..3)
        .map(|b| {
            let n = f64::from(counts[b]);
            n * p.deaths_per_year[b] * p.care_home_death_factor.max(1.0)
                + n * c.per_year[b].max(c.care_home_per_year)
                    * c.winter_factor.max(1.0)
                    * s.hospital.death_in_hospital
        })
        .sum();
    let people: f64 = counts.iter().map(|n| f64::from(*n)).sum();
    people + YOUNGER_PATIENTS as f64 + deaths_per_year * f64::from(total_days(s)) / 365.0
}

/// Days simulated: warm-up, measured, cool-down.
pub fn total_days(s: &Scenario) -> u32 {
    s.run
        .warmup_days
        .saturating_add(s.run.days)
        .saturating_add(s.run.cooldown_days)
}

/// The checks that span keys (each key's own range is checked by `check`).
pub fn cross(s: &Scenario) -> Vec<String> {
    let mut errors = Vec::new();
    let p = &s.population;
    let people = u64::from(p.aged_65_74) + u64::from(p.aged_75_84) + u64::from(p.aged_85_plus);
    if people > MAX_PEOPLE_65 {
        errors.push(format!(
            "`population.aged_65_74` + `population.aged_75_84` + `population.aged_85_plus` \
             must be at most {MAX_PEOPLE_65} people aged 65+ (the most people a run can hold), \
             got {people}"
        ));
    }
    for i in 0..3 {
        let sum = p.extra_care_share[i] + p.residential_share[i] + p.nursing_share[i];
        if sum > 1.0 + 1e-6 {
            errors.push(format!(
                "`population.extra_care_share[{i}]` + `population.residential_share[{i}]` + \
                 `population.nursing_share[{i}]` must add up to at most 1 (the rest live in \
                 their own home); they add up to {}",
                shown(sum)
            ));
        }
    }
    let d = &s.discharge;
    let after = d.reablement_to_home_care + d.reablement_to_care_home;
    if after > 1.0 + 1e-6 {
        errors.push(format!(
            "`discharge.reablement_to_home_care` + `discharge.reablement_to_care_home` must add \
             up to at most 1 (the rest are independent after reablement); they add up to {}",
            shown(after)
        ));
    }
    for (key, [from, to]) in [
        ("gp.surgery_hours", s.gp.surgery_hours),
        ("gp.extended_hours", s.gp.extended_hours),
        ("ae.day_shift_hours", s.ae.day_shift_hours),
        ("hospital.ward_round_hours", s.hospital.ward_round_hours),
        ("hospital.discharge_hours", s.hospital.discharge_hours),
        ("hospital.leave_after_hours", s.hospital.leave_after_hours),
        (
            "hospital.leave_next_day_hours",
            s.hospital.leave_next_day_hours,
        ),
        ("discharge.office_hours", s.discharge.office_hours),
        (
            "discharge.step_down_admission_hours",
            s.discharge.step_down_admission_hours,
        ),
    ] {
        if from >= to {
            errors.push(format!(
                "`{key}` must be two hours of the day, the first before the second (from, to), \
                 got [{}, {}]",
                shown(from),
                shown(to)
            ));
        }
    }
    let bridged = d.bridged_need_home_care + d.bridged_need_care_home;
    if bridged > 1.0 + 1e-6 {
        errors.push(format!(
            "`discharge.bridged_need_home_care` + `discharge.bridged_need_care_home` must add up \
             to at most 1 (the rest need nothing more after the assessment at home); they add up \
             to {}",
            shown(bridged)
        ));
    }
    if s.policy.d2a && d.community_assessors == 0 {
        errors.push(
            "`discharge.community_assessors` must be at least 1 with `policy.d2a` (people \
             discharged to assess are assessed at home by them: with none, no one would ever be \
             assessed)"
                .to_string(),
        );
    }
    if d.chc_surge_cases > 0 && d.chc_surge_close_at >= d.chc_surge_open_at {
        errors.push(format!(
            "`discharge.chc_surge_close_at` must be below `discharge.chc_surge_open_at` (the \
             bought-in CHC assessors stop when the waiting list falls to the first, having \
             started at the second), got {} and {}",
            d.chc_surge_close_at, d.chc_surge_open_at
        ));
    }
    let h = &s.hospital;
    if h.escalation_close_at >= h.escalation_open_at {
        errors.push(format!(
            "`hospital.escalation_close_at` must be below `hospital.escalation_open_at` (escalation \
             beds close when occupancy falls below the first, having opened at the second), got \
             {} and {}",
            shown(h.escalation_close_at),
            shown(h.escalation_open_at)
        ));
    }
    if let Ok(start) = domain::parse_date(&s.run.start) {
        let (first, last) = (
            domain::parse_date(FIRST_START).expect("a date"),
            domain::parse_date(LAST_START).expect("a date"),
        );
        if start < first || start > last {
            errors.push(format!(
                "`run.start` must be a date from {FIRST_START} to {LAST_START}, got {:?}",
                s.run.start
            ));
        }
    }
    let n = registered(s);
    if n > MAX_REGISTERED {
        errors.push(format!(
            "the scenario registers too many people: about {:.0} a replication (those aged 65+ \
             in `population.aged_65_74`, `population.aged_75_84`, `population.aged_85_plus`, \
             {YOUNGER_PATIENTS} younger patients, and one turning 65 for each death, from \
             `population.deaths_per_year`, `population.care_home_death_factor` and \
             `hospital.death_in_hospital` over `run.warmup_days` + `run.days` + \
             `run.cooldown_days` = {} days); at most {MAX_REGISTERED:.0}, as the synthetic NHS \
             numbers (999 range) run out at {SYNTHETIC_NHS_NUMBERS}: lower some of them",
            n,
            total_days(s)
        ));
    }
    let n = happenings(s);
    if n > MAX_HAPPENINGS {
        errors.push(format!(
            "the scenario is too large to simulate: about {:.0} crises, deaths, attendances and \
             admissions a replication, at most {MAX_HAPPENINGS:.0} so that a run fits in memory \
             and time. They come from `population.aged_65_74`, `population.aged_75_84`, \
             `population.aged_85_plus` with `crisis.per_year`, `crisis.care_home_per_year`, \
             `crisis.winter_factor`, `population.deaths_per_year`, \
             `population.care_home_death_factor`, plus `ae.background_per_day` and \
             `hospital.elective_per_day`, over `run.warmup_days` + `run.days` + \
             `run.cooldown_days` = {} days: lower some of them",
            n,
            total_days(s)
        ));
    }
    errors
}

/// A number as a planner reads it: at most six decimals, `2.0` rather than `2`.
pub fn shown(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let r = if x.abs() < 1e12 {
        (x * 1e6).round() / 1e6
    } else {
        x
    };
    format!("{r:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_nhs_numbers_are_counted_right() {
        assert_eq!(
            synthetic_log::nhs_numbers().count() as u64,
            SYNTHETIC_NHS_NUMBERS
        );
        assert!(MAX_REGISTERED < SYNTHETIC_NHS_NUMBERS as f64);
        assert!((MAX_PEOPLE_65 + YOUNGER_PATIENTS) as f64 <= MAX_REGISTERED);
    }

    #[test]
    fn the_baseline_is_well_within_the_limits() {
        let s = Scenario::load("stoke-2017").unwrap();
        assert!(cross(&s).is_empty());
        assert!(registered(&s) < 100_000.0, "{}", registered(&s));
        let h = happenings(&s);
        assert!((150_000.0..300_000.0).contains(&h), "{h}");
    }

    #[test]
    fn d2a_needs_community_assessors_and_its_shares_a_whole() {
        for name in ["d2a", "d2a-fails", "all-recommendations"] {
            assert!(cross(&Scenario::load(name).unwrap()).is_empty(), "{name}");
        }
        let mut s = Scenario::load("d2a").unwrap();
        s.discharge.community_assessors = 0;
        let e = cross(&s).join("; ");
        assert!(
            e.contains("`discharge.community_assessors` must be at least 1 with `policy.d2a`"),
            "{e}"
        );
        let mut h = Scenario::load("stoke-2017").unwrap();
        h.gp.surgery_hours = [18.5, 8.0];
        assert!(cross(&h)
            .join("; ")
            .contains("`gp.surgery_hours` must be two hours"));
        // Without D2A no one is assessed at home: none is fine.
        s.policy.d2a = false;
        assert!(cross(&s).is_empty());
        s.discharge.bridged_need_care_home = 0.5;
        let e = cross(&s).join("; ");
        assert!(
            e.contains("`discharge.bridged_need_home_care` + `discharge.bridged_need_care_home`"),
            "{e}"
        );
    }

    #[test]
    fn too_large_runs_name_their_keys() {
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.population.aged_65_74 = 400_000;
        s.population.aged_75_84 = 300_000;
        let e = cross(&s).join("; ");
        assert!(
            e.contains("`population.aged_65_74` + `population.aged_75_84`"),
            "{e}"
        );
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.population.deaths_per_year = [1.0, 1.0, 1.0];
        s.run.days = 3650;
        let e = cross(&s).join("; ");
        assert!(e.contains("registers too many people"), "{e}");
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.ae.background_per_day = 10_000.0;
        s.run.days = 3650;
        let e = cross(&s).join("; ");
        assert!(
            e.contains("too large to simulate") && e.contains("ae.background_per_day"),
            "{e}"
        );
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.population.residential_share[2] = 0.95;
        let e = cross(&s).join("; ");
        assert!(
            e.contains("`population.nursing_share[2]` must add up to at most 1"),
            "{e}"
        );
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.hospital.escalation_close_at = s.hospital.escalation_open_at;
        assert!(cross(&s)
            .join("; ")
            .contains("`hospital.escalation_close_at` must be below"));
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.ae.day_shift_hours = [22.0, 8.0];
        s.discharge.office_hours = [17.0, 17.0];
        let e = cross(&s).join("; ");
        assert!(e.contains("`ae.day_shift_hours` must be two hours"), "{e}");
        assert!(
            e.contains("`discharge.office_hours` must be two hours"),
            "{e}"
        );
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.discharge.chc_surge_close_at = s.discharge.chc_surge_open_at;
        assert!(cross(&s)
            .join("; ")
            .contains("`discharge.chc_surge_close_at` must be below"));
        // With none bought in, the two levels are not read.
        s.discharge.chc_surge_cases = 0;
        assert!(!cross(&s).join("; ").contains("chc_surge"));
        let mut s = Scenario::load("stoke-2017").unwrap();
        s.run.start = "1600-01-01".into();
        assert!(cross(&s)
            .join("; ")
            .contains("`run.start` must be a date from 1900-01-01"));
    }
}
