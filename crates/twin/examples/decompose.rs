//! Where a scenario's delays come from: each delay reason's parts (queues for capacity,
//! processes, rules), mean over replications of the measured year (a development aid).
//!
//!   cargo run --release -p twin --example decompose -- stoke-2017 unconstrained 8
//!
//! `SEED` sets the seed (2017); `WARMUP_DAYS` a warm-up of that many days ending on the usual
//! day.
use rayon::prelude::*;
use twin::decomposition::summarise_runs;
use twin::{replicate, Scenario};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps: u64 = args.last().and_then(|s| s.parse().ok()).unwrap_or(8);
    let seed: u64 = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2017);
    for name in args.iter().filter(|a| a.parse::<u64>().is_err()) {
        let mut s = Scenario::load(name).unwrap();
        // WARMUP_DAYS: a longer (or shorter) warm-up ending on the same day.
        if let Some(w) = std::env::var("WARMUP_DAYS")
            .ok()
            .and_then(|w| w.parse().ok())
        {
            s = s.with_warmup(w);
        }
        let runs: Vec<_> = (0..reps)
            .into_par_iter()
            .map(|r| replicate(&s, seed, r, None))
            .collect();
        let total: f64 = runs
            .iter()
            .map(|r| r.report.value("dtoc_delayed_days_per_100k").unwrap_or(0.0))
            .sum::<f64>()
            / reps as f64;
        println!("== {name}: total {total:.2}");
        let mut by_kind = std::collections::BTreeMap::new();
        for reason in summarise_runs(&runs) {
            println!("{:<28} {:>6.2}", reason.key, reason.indicator);
            for p in &reason.parts {
                println!("    {:<40} {:>6.2}", p.component.key(), p.mean);
                *by_kind.entry(p.component.kind()).or_insert(0.0) += p.mean;
            }
        }
        println!("by kind: {by_kind:?}");
        let at = |i: usize, f: fn(&twin::model::Day) -> f64| {
            runs.iter()
                .map(|r| f(&r.days[i.min(r.days.len() - 1)]))
                .sum::<f64>()
                / reps as f64
        };
        for i in [0, 90, 180, 270, 364] {
            println!(
                "day {i:>3}: care home places used {:>7.1}, queue {:>5.1}; delayed {:>5.1}; beds {:>5.1}",
                at(i, |d| d.care_home_places_used),
                at(i, |d| d.care_home_queue),
                at(i, |d| d.delayed),
                at(i, |d| d.beds_occupied),
            );
        }
    }
}
