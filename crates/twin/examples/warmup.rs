//! Chooses the warm-up by MSER-5 on the daily series: runs a scenario from its starting state
//! with no warm-up for `DAYS` days (default 730), averages each daily series over the
//! replications, and prints the truncation point MSER-5 finds in each.
//!
//! `cargo run --release -p twin --example warmup -- stoke-2017 10 730`
use rayon::prelude::*;
use twin::summary::SERIES;
use twin::{replicate, Scenario};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "stoke-2017".into());
    let reps: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let days: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(730);
    let mut s = Scenario::load(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
    s.run.warmup_days = 0;
    s.run.days = days;
    s.run.cooldown_days = 0;
    let runs: Vec<_> = (0..reps)
        .into_par_iter()
        .map(|r| replicate(&s, 2017, r, None).days)
        .collect();
    println!(
        "{name}: {reps} replications, {days} days from {}, no warm-up",
        s.run.start
    );
    for (column, title, get) in SERIES {
        let mean: Vec<f64> = (0..days as usize)
            .map(|d| runs.iter().map(|r| get(&r[d])).sum::<f64>() / reps as f64)
            .collect();
        match twin::warmup::mser5(&mean) {
            Some(cut) => println!("{column:>18}: MSER-5 truncates {cut} days ({title})"),
            None => println!(
                "{column:>18}: no steady part in the first half: not a steady state ({title})"
            ),
        }
    }
}
