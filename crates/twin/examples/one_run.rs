//! Runs replications of a scenario and prints the calibration figures (a development aid):
//! `cargo run --release -p twin --example one_run -- [SCENARIO] [REPLICATIONS] [SEED]`.
use twin::{replicate, Scenario};

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "stoke-2017".into());
    let reps: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let seed: u64 = std::env::args()
        .nth(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2017);
    let mut s = Scenario::load(&name).unwrap();
    // WARMUP_DAYS: a longer (or shorter) warm-up ending on the same day.
    if let Some(w) = std::env::var("WARMUP_DAYS")
        .ok()
        .and_then(|w| w.parse().ok())
    {
        s = s.with_warmup(w);
    }
    let t = std::time::Instant::now();
    use rayon::prelude::*;
    let runs: Vec<_> = (0..reps)
        .into_par_iter()
        .map(|r| replicate(&s, seed, r, None))
        .collect();
    let secs = t.elapsed().as_secs_f64();
    let ids = [
        ("dtoc_delayed_days_per_100k", 32.0),
        ("dtoc_delayed_days_per_100k:care_package_home", 9.3),
        ("dtoc_delayed_days_per_100k:patient_family_choice", 7.3),
        ("dtoc_delayed_days_per_100k:assessment", f64::NAN),
        ("dtoc_delayed_days_per_100k:non_acute_nhs_care", f64::NAN),
        ("dtoc_delayed_days_per_100k:residential_home", f64::NAN),
        ("dtoc_delayed_days_per_100k:nursing_home", f64::NAN),
        ("emergency_admissions_65_per_100k", 91.0),
        ("ae_4h_pct", 78.3),
        ("ae_12h_pct", f64::NAN),
        ("bed_occupancy_pct", 85.0),
        ("readmission_30d_pct_65", 22.0),
        ("reablement_offered_pct", 0.7),
        ("reablement_91d_at_home_pct", 74.5),
        ("care_home_admissions_65_per_100k:pneumonia", 617.0),
        ("care_home_admissions_65_per_100k:fall_injury", 562.0),
        ("reviews_completed_pct", 61.0),
        ("ae_gp_referred_pct_65", 5.0),
        ("ae_gp_referred_discharged_pct_65", 12.0),
        ("chc_within_28d_pct", 67.0),
        ("los_over_7d_pct_65", f64::NAN),
        ("discharges_weekend_pct", f64::NAN),
        ("ae_attendances_65_per_1000", f64::NAN),
    ];
    for (id, target) in ids {
        let vals: Vec<f64> = runs.iter().filter_map(|r| r.report.value(id)).collect();
        let mean = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
        println!("{id:<52} {mean:>9.2}   target {target}");
    }
    let measured: Vec<_> = runs.iter().map(|r| r.calibration.clone()).collect();
    println!("\ncalibration: each figure over its own period");
    for f in twin::calibration::summarise(&measured) {
        println!(
            "{:<52} {} to {} {:>9.2} {:?}  target {:?} {} {}",
            f.figure.id,
            f.figure.from,
            f.figure.to,
            f.mean.unwrap_or(f64::NAN),
            f.ci95.map(|(a, b)| (format!("{a:.2}"), format!("{b:.2}"))),
            f.target,
            f.figure.tolerance.words(),
            match f.met {
                Some(true) => "met",
                Some(false) => "NOT MET",
                None => "-",
            }
        );
    }
    let ev: u64 = runs.iter().map(|r| r.events).sum();
    let kev: u64 = runs.iter().map(|r| r.kernel_events).sum();
    let d = &runs[0].days;
    let mean_beds = d.iter().map(|x| x.beds_occupied).sum::<f64>() / d.len() as f64;
    let mean_delayed = d.iter().map(|x| x.delayed).sum::<f64>() / d.len() as f64;
    let hcq = d.iter().map(|x| x.home_care_queue).sum::<f64>() / d.len() as f64;
    let over = d.iter().map(|x| x.ae_over_4h).sum::<f64>() / d.len() as f64;
    println!(
        "A&E over 4h a day: {over:.1}; ae_4h numerator {:?} denominator {:?}",
        runs[0].report.get("ae_4h_pct").map(|i| i.numerator),
        runs[0].report.get("ae_4h_pct").and_then(|i| i.denominator)
    );
    let n = runs.len() as f64;
    let per_run = |f: &dyn Fn(&twin::Replication) -> f64| runs.iter().map(f).sum::<f64>() / n;
    println!(
        "escalation days {:.1}; trolley waits at midnight {:.1}; still in A&E at the end {:.1}; beds open {:.1}",
        per_run(&|r| r.days.iter().map(|d| d.escalation_day).sum::<f64>()),
        per_run(&|r| r.days.iter().map(|d| d.ae_waiting_for_bed).sum::<f64>() / r.days.len() as f64),
        per_run(&|r| r.ae_waiting_at_end as f64),
        per_run(&|r| f64::from(r.beds_open)),
    );
    let g = |f: &dyn Fn(&twin::model::GpCounts) -> u64| per_run(&|r| f(&r.gp) as f64);
    println!(
        "a year: GP saw {:.0} same day, {:.0} extended hours, {:.0} on care home rounds; {:.0} refused (none free); {:.0} resolved; A&E 65+ {:.0}, from care homes {:.0}; assessments at home {:.0}, to a care home {:.0}",
        g(&|c| c.same_day),
        g(&|c| c.extended),
        g(&|c| c.round),
        g(&|c| c.refused),
        g(&|c| c.resolved),
        g(&|c| c.ae_65),
        g(&|c| c.ae_care_home),
        g(&|c| c.home_assessments),
        g(&|c| c.home_assessed_to_care_home),
    );
    println!(
        "a year: courses of reablement ended at home {:.1}, to home care {:.1}, to a care home {:.1}; care home needs from the care-need hazard {:.1}",
        g(&|c| c.reablement_ended),
        g(&|c| c.reablement_to_home_care),
        g(&|c| c.reablement_to_care_home),
        g(&|c| c.care_home_needs),
    );
    println!("{reps} replications in {secs:.2}s; {ev} log events, {kev} kernel events; beds {mean_beds:.0}, delayed {mean_delayed:.1}, home care queue {hcq:.1}");
}
