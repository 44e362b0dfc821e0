//! Readmissions from the post-discharge excess crisis hazard (`policy.readmission_hazard`):
//! returns fall at any time, not only inside the 30-day window the figure measures; someone
//! discharged without the support they needed returns more; with no excess, readmissions are
//! the background crises' (issue 10, item 2).

use domain::codes::AdmissionMethod;
use domain::{Event, EventBody as B};
use std::collections::HashMap;
use twin::{replicate, Scenario};

const SEED: u64 = 2017;
const REPLICATIONS: u64 = 4;
const DAY: f64 = domain::time::NANOS_PER_DAY as f64;

/// A short run with readmissions from the excess hazard.
fn hazard(name: &str) -> Scenario {
    let mut s = Scenario::load(name).unwrap();
    s.policy.readmission_hazard = true;
    s.run.warmup_days = 30;
    s.run.days = 150;
    s.run.cooldown_days = 60;
    s
}

/// The 30-day readmission percentage of older people, each replication.
fn readmission_pct(s: &Scenario) -> Vec<f64> {
    (0..REPLICATIONS)
        .map(|r| {
            replicate(s, SEED, r, None)
                .report
                .value("readmission_30d_pct_65")
                .expect("readmissions are measured")
        })
        .collect()
}

/// The days from each older person's discharge to their next emergency admission.
fn days_to_return(s: &Scenario, r: u64) -> Vec<f64> {
    let mut discharged: HashMap<domain::NhsNumber, f64> = HashMap::new();
    let mut gaps = Vec::new();
    let mut keep = |e: &Event| {
        let (Some(nhs), at) = (e.person, e.at.0 as f64 / DAY) else {
            return;
        };
        match &e.body {
            B::Discharge {
                pathway: Some(_), ..
            } => {
                discharged.insert(nhs, at);
            }
            B::Admission {
                method: AdmissionMethod::Emergency,
                ..
            } => {
                if let Some(from) = discharged.remove(&nhs) {
                    gaps.push(at - from);
                }
            }
            _ => {}
        }
    };
    replicate(s, SEED, r, Some(&mut keep));
    gaps
}

#[test]
fn readmissions_also_fall_after_thirty_days() {
    let s = hazard("stoke-2017");
    let gaps: Vec<f64> = (0..2).flat_map(|r| days_to_return(&s, r)).collect();
    let after = gaps.iter().filter(|&&g| g > 30.0).count();
    let within = gaps.len() - after;
    eprintln!("returns within 30 days {within}, after {after}");
    assert!(within > 100, "{within} returns within 30 days");
    assert!(after > 0, "no return after day 30");
    // The old forced return never fell after day 30 (only the background crises did).
    let mut forced = s.clone();
    forced.policy.readmission_hazard = false;
    let old: Vec<f64> = (0..2).flat_map(|r| days_to_return(&forced, r)).collect();
    let old_after = old.iter().filter(|&&g| g > 30.0).count() as f64 / old.len() as f64;
    let new_after = after as f64 / gaps.len() as f64;
    eprintln!("share after day 30: forced {old_after:.3}, hazard {new_after:.3}");
    assert!(new_after > old_after, "{new_after} vs {old_after}");
}

#[test]
fn discharged_without_the_support_needed_returns_more() {
    // D2A bridges pathway 1 home before the assessment and the package: without the support
    // the pathway needs. The same people (common random numbers), their excess once as if
    // supported and once as the scenario says.
    let mut supported = hazard("d2a");
    supported.crisis.post_discharge_unsupported = 1.0;
    let mut unsupported = supported.clone();
    unsupported.crisis.post_discharge_unsupported = 2.5;
    let (a, b) = (readmission_pct(&supported), readmission_pct(&unsupported));
    eprintln!("supported {a:?}, unsupported {b:?}");
    let diff: f64 = a.iter().zip(&b).map(|(x, y)| y - x).sum::<f64>() / a.len() as f64;
    assert!(diff > 1.0, "unsupported returns only {diff:.2} points more");
    assert!(a.iter().zip(&b).all(|(x, y)| y > x), "{a:?} {b:?}");
    // Without D2A no one is discharged without their support: the factor changes nothing,
    // to the last event.
    let mut base = hazard("stoke-2017");
    base.crisis.post_discharge_unsupported = 1.0;
    let mut other = base.clone();
    other.crisis.post_discharge_unsupported = 2.5;
    let (x, y) = (
        replicate(&base, SEED, 0, None),
        replicate(&other, SEED, 0, None),
    );
    assert_eq!(x.report, y.report);
    assert_eq!(x.events, y.events);
}

#[test]
fn no_excess_leaves_the_background_rate() {
    let mut none = hazard("stoke-2017");
    none.crisis.post_discharge_crises = [0.0; 3];
    let background = readmission_pct(&none);
    let mut forced = none.clone();
    forced.policy.readmission_hazard = false;
    let old = readmission_pct(&forced);
    let with = readmission_pct(&hazard("stoke-2017"));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (b, o, w) = (mean(&background), mean(&old), mean(&with));
    eprintln!("no excess {b:.2}%, forced {o:.2}%, excess {w:.2}%");
    // Background crises alone still bring people back: not zero, and far below the old
    // forced rate and the excess's.
    assert!(b > 1.0 && b < 8.0, "{b}");
    assert!(o > b + 10.0, "{o} vs {b}");
    assert!(w > b + 10.0, "{w} vs {b}");
}

#[test]
fn the_excess_is_the_same_on_any_thread_and_leaks_nothing() {
    let s = hazard("d2a");
    let a = replicate(&s, SEED, 1, None);
    let t = s.clone();
    let b = std::thread::spawn(move || replicate(&t, SEED, 1, None))
        .join()
        .unwrap();
    assert_eq!(a.report, b.report);
    assert_eq!(a.events, b.events);
    // Excess crises while bridged, readmitted or dying: every resource still accounted for.
    let findings = twin::run::audit(&s, SEED, 0);
    assert!(findings.is_empty(), "{findings:?}");
}
