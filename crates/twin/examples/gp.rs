//! What general practice and D2A's assessments at home do, paired with the baseline (common
//! random numbers): `cargo run --release -p twin --example gp -- [SCENARIO...] [--reps N]`.
use twin::{replicate, Replication, Scenario};

/// A figure read from a replication.
type Figure = (&'static str, fn(&Replication) -> f64);

fn main() {
    let mut names: Vec<String> = Vec::new();
    let mut reps = 20u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--reps" {
            reps = args.next().and_then(|n| n.parse().ok()).unwrap_or(reps);
        } else {
            names.push(a);
        }
    }
    if names.is_empty() {
        names = [
            "care-home-support",
            "extended-gp-access",
            "d2a",
            "d2a-fails",
        ]
        .map(String::from)
        .to_vec();
    }
    use rayon::prelude::*;
    let run = |s: &Scenario| -> Vec<Replication> {
        (0..reps)
            .into_par_iter()
            .map(|r| replicate(s, 2017, r, None))
            .collect()
    };
    let base = run(&Scenario::load("stoke-2017").unwrap());
    let figures: [Figure; 13] = [
        ("GP seen, same day", |r| r.gp.same_day as f64),
        ("GP seen, extended hours", |r| r.gp.extended as f64),
        ("GP seen, care home round", |r| r.gp.round as f64),
        ("turned away (no slot)", |r| r.gp.refused as f64),
        ("resolved by a GP", |r| r.gp.resolved as f64),
        ("A&E arrivals 65+", |r| r.gp.ae_65 as f64),
        ("A&E arrivals from care homes", |r| r.gp.ae_care_home as f64),
        (
            "admissions from care homes (pneumonia + falls) per 100k",
            |r| {
                ["pneumonia", "fall_injury"]
                    .iter()
                    .map(|c| {
                        r.report
                            .value(&format!("care_home_admissions_65_per_100k:{c}"))
                            .unwrap_or(f64::NAN)
                    })
                    .sum()
            },
        ),
        (
            "emergency admissions from care homes a resident a year",
            |r| {
                let admissions = r
                    .report
                    .get("care_home_admissions_65_per_100k")
                    .map_or(f64::NAN, |i| i.numerator);
                let residents = r.days.iter().map(|d| d.care_home_places_used).sum::<f64>()
                    / r.days.len() as f64;
                admissions / residents
            },
        ),
        ("assessments at home", |r| r.gp.home_assessments as f64),
        ("days waiting for an assessment at home, mean", |r| {
            r.gp.home_assessment_wait_days / r.gp.home_assessments_started.max(1) as f64
        }),
        ("delayed days per 100k a day (the measured year)", |r| {
            r.report
                .value("dtoc_delayed_days_per_100k")
                .unwrap_or(f64::NAN)
        }),
        ("assessed at home, to a care home", |r| {
            r.gp.home_assessed_to_care_home as f64
        }),
    ];
    for name in &names {
        let other = run(&Scenario::load(name).unwrap());
        println!("== {name} - stoke-2017, {reps} paired replications of the measured year");
        for (label, f) in &figures {
            let a: Vec<f64> = base.iter().map(f).collect();
            let b: Vec<f64> = other.iter().map(f).collect();
            let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
            let s = sim_kernel::stats::summarise(&d);
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            println!(
                "{label:<58} {:>9.3} -> {:>9.3}   difference {:>+8.3} ({:+.3} to {:+.3})",
                mean(&a),
                mean(&b),
                s.mean,
                s.ci95.0,
                s.ci95.1
            );
        }
    }
}
