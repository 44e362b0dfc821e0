//! Continues replications of the baseline from their own state at day d and prints, side by
//! side, the original's and the continuation's figures after d, their delayed patients every
//! third day and their delayed days by reason and component: where a run from a recorded state
//! still differs (`docs/initial-state.md`; the test is `tests/it/restart.rs`).
//! `cargo run --release -p twin --example restart_check -- [REPS]`.

use domain::{Event, Zone};
use twin::decomposition::{reason_key, Component, COMPONENTS, REASONS};
use twin::state::StateBuilder;
use twin::{replicate, replicate_from, Scenario};

const DAYS: usize = 60;

fn main() {
    let reps: u64 = std::env::args()
        .nth(1)
        .map_or(4, |a| a.parse().expect("REPS: a number"));
    let mut s = Scenario::load("stoke-2017").expect("a built-in scenario");
    s.run.warmup_days = 92 + 60;
    s.run.days = DAYS as u32;
    let mut a = [[0u64; COMPONENTS]; REASONS];
    let mut b = [[0u64; COMPONENTS]; REASONS];
    let (mut da, mut db) = (vec![0.0; DAYS], vec![0.0; DAYS]);
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
        let cont = replicate_from(&from, Some(&state), 31, r, None);
        for (i, row) in orig.delay_decomposition.days.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                a[i][j] += v;
                b[i][j] += cont.delay_decomposition.days[i][j];
            }
        }
        for k in 0..DAYS {
            da[k] += orig.days[k].delayed;
            db[k] += cont.days[k].delayed;
        }
        for id in [
            "dtoc_delayed_days_per_100k",
            "bed_occupancy_pct",
            "emergency_admissions_65_per_100k",
        ] {
            println!(
                "r{r} {id}: {:.2} | {:.2}",
                orig.report.value(id).unwrap_or(f64::NAN),
                cont.report.value(id).unwrap_or(f64::NAN)
            );
        }
    }
    println!("delayed patients at midnight (mean): original | continued");
    for k in (0..DAYS).step_by(3) {
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
                    "  {:24} {:36} {:6} | {:6}",
                    reason_key(i),
                    Component::ALL[j].key(),
                    a[i][j],
                    b[i][j]
                );
            }
        }
    }
}
