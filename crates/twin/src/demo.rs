//! A demonstration system: a simulated Stoke-on-Trent year from the baseline scenario, ending
//! on a given day, with the registers of the whole local system.
//!
//! The same `today` and seed give the same log on any machine.

use crate::scenario::{Scenario, ScenarioError};
use chrono::NaiveDate;
use domain::codes::{CqcRating, OrgKind};
use domain::{Org, OrgRegister, Population};

/// Voluntary organisations and community pharmacies of the demonstration register.
pub const VOLUNTARY_ORGS: [(&str, &str); 4] = [
    ("VOL01", "Age UK North Staffordshire (synthetic)"),
    ("VOL02", "Carers' Hub Stoke-on-Trent (synthetic)"),
    ("VOL03", "Dementia Support Group (synthetic)"),
    ("VOL04", "Good Neighbours Befriending (synthetic)"),
];
pub const PHARMACIES: usize = 12;

/// A demonstration system: its registers and its journey log (events in time order).
pub struct Demo {
    pub orgs: OrgRegister,
    pub population: Population,
    pub events: Vec<domain::Event>,
    /// The first day of the simulated log (the warm-up included).
    pub start: NaiveDate,
}

/// Simulates the baseline system for a year (after its warm-up) ending at 00:00 of `today`.
pub fn demo(today: NaiveDate, seed: u64) -> Result<Demo, ScenarioError> {
    let mut s = Scenario::load("stoke-2017")?;
    let days = 365u32;
    let start = today - chrono::Duration::days(i64::from(days + s.run.warmup_days));
    s.run.start = start.to_string();
    s.run.days = days;
    s.run.cooldown_days = 0;
    let (mut orgs, population) = crate::run::registers(&s);
    for (code, name) in VOLUNTARY_ORGS {
        orgs.upsert(Org {
            code: code.into(),
            name: name.into(),
            kind: OrgKind::VoluntaryOrg,
            cqc_rating: None,
            beds: None,
            extended_access: None,
        });
    }
    for i in 0..PHARMACIES {
        orgs.upsert(Org {
            code: format!("FPH{:02}", i + 1),
            name: format!("Community pharmacy {} (synthetic)", i + 1),
            kind: OrgKind::Pharmacy,
            cqc_rating: None::<CqcRating>,
            beds: None,
            extended_access: None,
        });
    }
    // The model stamps some events ahead of the clock (a step it has already decided, such as a
    // discharge at a planned hour); what lies after today has not happened yet. A log cut at
    // an instant keeps every rule of the format: no step precedes the step that opens it.
    let end = domain::Zone::default().midnight(today);
    let mut events = Vec::new();
    let mut keep = |e: &domain::Event| {
        if e.at <= end {
            events.push(e.clone())
        }
    };
    crate::run::replicate(&s, seed, 0, Some(&mut keep));
    events.sort_by_key(|e| e.at);
    Ok(Demo {
        orgs,
        population,
        events,
        start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_ends_on_today_and_is_the_same_for_the_same_seed() {
        // A short system keeps the test quick: the same code path as the full year.
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let a = demo(today, 7).unwrap();
        let zone = domain::Zone::default();
        let end = zone.midnight(today);
        assert!(a.events.iter().all(|e| e.at <= end));
        assert!(a.events.len() > 100_000, "{}", a.events.len());
        assert!(
            a.orgs
                .iter()
                .filter(|o| o.kind == OrgKind::GpPractice)
                .count()
                == 46
        );
        assert!(a.orgs.iter().any(|o| o.kind == OrgKind::VoluntaryOrg));
        let b = demo(today, 7).unwrap();
        assert_eq!(a.events.len(), b.events.len());
        assert!(a.events.iter().zip(&b.events).all(|(x, y)| x == y));
    }
}
