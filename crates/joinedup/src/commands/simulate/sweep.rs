//! `joinedup sweep`: a scenario at each value of one parameter, with common random numbers,
//! for the value at which the system costs least.

use super::{check_run, load, output, replications, InvalidInput};
use crate::cli::SweepArgs;
use std::path::PathBuf;
use twin::costs::pounds;
use twin::sweep::{self, value_text, SweepError};

const SWEEP_FILES: [&str; 3] = ["sweep.json", "sweep.csv", "sweep.html"];

fn invalid(e: SweepError) -> anyhow::Error {
    InvalidInput(format!("error: {e}")).into()
}

pub fn run(a: SweepArgs) -> anyhow::Result<()> {
    check_run(&a.run)?;
    let values = sweep::parse_values(&a.values).map_err(invalid)?;
    let base = load(&a.scenario, a.run.days)?;
    // Every value is set and checked before anything runs or is written.
    let scenarios = values
        .iter()
        .map(|v| sweep::with_value(&base, &a.param, *v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-sweep", base.name)));
    output::claim(&out, &SWEEP_FILES, a.force, "--out")?;
    let started = std::time::Instant::now();
    let mut points = Vec::with_capacity(values.len());
    for (v, s) in values.iter().zip(&scenarios) {
        // The same seed and replication numbers at every value: common random numbers.
        let runs = replications(
            s,
            None,
            a.run.seed,
            a.run.replications,
            a.run.threads,
            None,
            &format!("{} {} = {}", base.name, a.param, value_text(*v)),
        )?;
        points.push((*v, twin::costs::summarise_runs(&runs, &s.costs)));
    }
    let secs = started.elapsed().as_secs_f64();
    let result = sweep::summarise(&base.name, &a.param, points);
    let reps = a.run.replications as usize;
    output::write(
        &out,
        "sweep.json",
        (serde_json::to_string_pretty(&sweep::json(&result, a.run.seed, reps))? + "\n").as_bytes(),
    )?;
    output::write(&out, "sweep.csv", sweep::csv(&result).as_bytes())?;
    output::write(
        &out,
        "sweep.html",
        twin::html::sweep(&result, reps).as_bytes(),
    )?;

    outln!(
        "{}: {} at {} values, {} replications each ({:.1} s)",
        base.name,
        a.param,
        result.points.len(),
        reps,
        secs
    )?;
    outln!(
        "{:>12} {:>16} {:>33} {:>18} {:>16}  {}",
        "value",
        "total cost",
        "95% interval",
        "delayed bed days",
        "above lowest",
        ""
    )?;
    for (i, p) in result.points.iter().enumerate() {
        let t = &p.costs.total;
        let ci = t
            .ci95
            .map(|(lo, hi)| format!("{} - {}", pounds(lo), pounds(hi)))
            .unwrap_or_else(|| "-".into());
        let above = p
            .above_lowest
            .map(|(m, _, _)| pounds(m))
            .unwrap_or_else(|| "-".into());
        let mark = if i == result.lowest {
            "<- lowest cost"
        } else if p.clearly_dearer() {
            ""
        } else {
            "(no clear difference from the lowest)"
        };
        outln!(
            "{:>12} {:>16} {:>33} {:>18.0} {:>16}  {}",
            value_text(p.value),
            pounds(t.mean),
            ci,
            p.costs.delayed_days().mean,
            above,
            mark
        )?;
    }
    eprintln!("written to {}", out.display());
    Ok(())
}
