//! The fit, run with one command: a compass search over named inputs of a scenario, minimising
//! the distance of the fitted 2017 figures (never the held-out ones) from their targets, each
//! candidate run with the same seed and replications (common random numbers). Prints every
//! candidate, then the chosen inputs as TOML and the calibration table at them.
//!
//! ```sh
//! cargo run --release -p twin --example fit -- [SCENARIO] [REPLICATIONS] [BUDGET] [SEED] [KEY,KEY,...]
//! cargo run --release -p twin --example fit -- stoke-2017 8 40 2017 discharge.home_care_hours,discharge.family_choice
//! ```
use twin::calibration::{Use, FIGURES, HELD_OUT};
use twin::fit::{self, Input, INPUTS};
use twin::Scenario;

const DEFAULT_INPUTS: &str =
    "discharge.home_care_hours,discharge.family_choice,crisis.per_year,ae.admit_gp_referred";

fn main() {
    let arg = |i: usize| std::env::args().nth(i);
    let name = arg(1).unwrap_or_else(|| "stoke-2017".into());
    let reps: u64 = arg(2).and_then(|s| s.parse().ok()).unwrap_or(8);
    let budget: usize = arg(3).and_then(|s| s.parse().ok()).unwrap_or(40);
    let seed: u64 = arg(4).and_then(|s| s.parse().ok()).unwrap_or(2017);
    let keys = arg(5).unwrap_or_else(|| DEFAULT_INPUTS.into());
    let inputs: Vec<&Input> = keys
        .split(',')
        .map(|k| {
            fit::input(k).unwrap_or_else(|| {
                let known: Vec<_> = INPUTS.iter().map(|i| i.key).collect();
                panic!("no input {k}; the inputs are {}", known.join(", "))
            })
        })
        .collect();
    let s = Scenario::load(&name).unwrap_or_else(|e| panic!("{e}"));
    let fitted: Vec<_> = FIGURES
        .iter()
        .filter(|f| f.use_ == Use::Fitted)
        .map(|f| f.id)
        .collect();
    println!(
        "fit of {name}: seed {seed}, {reps} replications a candidate, at most {budget} candidates"
    );
    println!("objective: sum over fitted figures of ((mean - 2017) / tolerance)^2");
    println!("fitted: {}", fitted.join(", "));
    println!("held out (never in the objective): {}", HELD_OUT.join(", "));
    println!("inputs: {keys}");
    let mut n = 0;
    let (best, found) = fit::fit(&s, &inputs, seed, reps, budget, |x, v| {
        n += 1;
        let xs: Vec<String> = x.iter().map(|v| format!("{v:.4}")).collect();
        println!("candidate {n:>3}: [{}] objective {v:.3}", xs.join(", "));
    });
    println!(
        "\nchosen after {} candidates (objective {:.3}):",
        found.evaluations, found.value
    );
    // As the scenario's TOML writes them (crisis.per_year is the three bands' array).
    let toml = toml::Value::try_from(&best).expect("a scenario is TOML");
    for i in &inputs {
        let (table, key) = i.key.split_once('.').expect("a key is table.name");
        println!("{} = {}", i.key, toml[table][key]);
    }
    println!("\nat the chosen inputs:");
    for f in fit::evaluate(&best, seed, reps) {
        println!(
            "{:<50} {:>8} {:>9.2}  2017 {:>6} {:<12} {:<8} {}",
            f.figure.id,
            f.figure.use_.as_str(),
            f.mean.unwrap_or(f64::NAN),
            f.target.map(|t| t.to_string()).unwrap_or_default(),
            f.figure.tolerance.words(),
            match f.met {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "-",
            },
            if f.figure.input_by_nature.is_some() {
                "input by nature"
            } else {
                ""
            }
        );
    }
}
