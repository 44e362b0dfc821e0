//! Continues replications of the baseline from their own state at day d and prints, side by
//! side, the original's and the continuation's figures after d, their delayed patients each
//! day and their delayed days by component (a check of `twin::state` by eye; the test is
//! `tests/it/restart.rs`). `cargo run --release -p twin --example restart_check -- [REPS]`.

use domain::{Event, Zone};
use twin::decomposition::{reason_key, Component, COMPONENTS, REASONS};
use twin::state::StateBuilder;
use twin::{replicate, replicate_from, Scenario};

fn main() {
    let reps: u64 = std::env::args()
        .nth(1)
        .map_or(4, |a| a.parse().expect("REPS"));
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.warmup_days = 152;
    s.run.days = 60;
    let mut a = [[0u64; COMPONENTS]; REASONS];
    let mut b = [[0u64; COMPONENTS]; REASONS];
    let mut da = vec![0.0; 60];
    let mut db = vec![0.0; 60];
    for r in 0..reps {
        let mut events = Vec::new();
        let mut keep = |e: &Event| events.push(e.clone());
        let orig = replicate(&s, 31, r, Some(&mut keep));
        let mut builder = StateBuilder::new(twin::period(&s).from, Zone::default());
        for e in &events {
            builder.push(e);
        }
        let state = builder.finish();
        let from = s.clone().starting_at(state.date);
        let mut cevents = Vec::new();
        let mut ckeep = |e: &Event| cevents.push(e.clone());
        let cont = replicate_from(&from, Some(&state), 31, r, Some(&mut ckeep));
        let count = |evs: &[Event]| {
            let mut chc = 0;
            let mut care = 0;
            let mut done = 0;
            for e in evs
                .iter()
                .filter(|e| e.at > state.at && e.at < state.at.plus_days(60))
            {
                match &e.body {
                    domain::EventBody::AssessmentRequested {
                        assessment_type, ..
                    } => {
                        if *assessment_type == domain::codes::AssessmentType::Chc {
                            chc += 1
                        } else {
                            care += 1
                        }
                    }
                    domain::EventBody::AssessmentCompleted { .. } => done += 1,
                    _ => {}
                }
            }
            (chc, care, done)
        };
        let mut req = std::collections::HashMap::new();
        for e in events.iter().filter(|e| e.at <= state.at) {
            match &e.body {
                domain::EventBody::AssessmentRequested {
                    assessment,
                    assessment_type,
                    ..
                } if *assessment_type == domain::codes::AssessmentType::Chc => {
                    req.entry(assessment.clone()).or_insert(true);
                }
                domain::EventBody::AssessmentCompleted { assessment, .. } => {
                    if let Some(v) = req.get_mut(assessment) {
                        *v = false;
                    }
                }
                _ => {}
            }
        }
        println!(
            "r{r} chc open in the log at d: {}",
            req.values().filter(|v| **v).count()
        );
        let open_chc = state
            .people
            .iter()
            .filter_map(|p| p.spell.as_ref())
            .flat_map(|s| s.assessments.iter())
            .filter(|a| a.kind == domain::codes::AssessmentType::Chc && a.outcome.is_none())
            .count();
        println!(
            "r{r} chc open at d {open_chc}; requested chc, care needs, completed in 60 days: {:?} vs {:?}",
            count(&events),
            count(&cevents)
        );
        for (i, row) in orig.delay_decomposition.days.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                a[i][j] += v;
                b[i][j] += cont.delay_decomposition.days[i][j];
            }
        }
        for k in 0..60 {
            da[k] += orig.days[k].delayed;
            db[k] += cont.days[k].delayed;
        }
        for id in [
            "dtoc_delayed_days_per_100k",
            "emergency_admissions_65_per_100k",
        ] {
            println!(
                "r{r} {id}: {:?} vs {:?}",
                orig.report.value(id),
                cont.report.value(id)
            );
        }
    }
    println!("delayed by day (mean): original | continued");
    for k in (0..60).step_by(3) {
        println!(
            "  day {k:2}: {:6.1} | {:6.1}",
            da[k] / reps as f64,
            db[k] / reps as f64
        );
    }
    println!("delayed days by reason and component: original | continued");
    for i in 0..REASONS {
        for j in 0..COMPONENTS {
            if a[i][j] + b[i][j] > 0 {
                println!(
                    "  {:24} {:28} {:6} | {:6}",
                    reason_key(i),
                    Component::ALL[j].key(),
                    a[i][j],
                    b[i][j]
                );
            }
        }
    }
}
