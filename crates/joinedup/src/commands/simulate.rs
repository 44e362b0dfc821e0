//! `joinedup simulate` and `joinedup compare`: the digital twin.

mod output;
mod start;
pub mod sweep;

use super::InvalidInput;
use crate::cli::{CompareArgs, RunArgs, SimulateArgs};
use crate::progress;
use anyhow::Context as _;
use output::Pending;
use rayon::prelude::*;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use twin::scenario::limits::{MAX_DAYS, MAX_REPLICATIONS};
use twin::summary::{self, IndicatorSummary};
use twin::{Replication, Scenario};

/// The most threads replications run on.
const MAX_THREADS: usize = 1024;

/// The files `simulate` writes, and those of `--events-out`.
const SIMULATE_FILES: [&str; 3] = ["summary.json", "daily.csv", "report.html"];
const LOG_FILES: [&str; 3] = ["events.jsonl", "orgs.csv", "population.csv"];
const COMPARE_FILES: [&str; 2] = ["compare.csv", "compare.html"];

/// Checks the replication options before any work starts.
fn check_run(r: &RunArgs) -> anyhow::Result<()> {
    if r.replications == 0 || r.replications > MAX_REPLICATIONS {
        return Err(InvalidInput(format!(
            "error: --replications must be from 1 to {MAX_REPLICATIONS}, got {}",
            r.replications
        ))
        .into());
    }
    if let Some(d) = r.days {
        if d == 0 || d > MAX_DAYS {
            return Err(InvalidInput(format!(
                "error: --days must be from 1 to {MAX_DAYS} (ten years, so that a run fits in \
                 memory and time), got {d}"
            ))
            .into());
        }
    }
    if let Some(n) = r.threads {
        if n == 0 || n > MAX_THREADS {
            return Err(InvalidInput(format!(
                "error: --threads must be from 1 to {MAX_THREADS}, got {n}"
            ))
            .into());
        }
    }
    Ok(())
}

fn load(name: &str, days: Option<u32>) -> anyhow::Result<Scenario> {
    let mut s = Scenario::load(name).map_err(|e| InvalidInput(format!("error: {e}")))?;
    if let Some(d) = days {
        s.run.days = d;
        // The limits that span keys (the run's size) with the new length.
        s.validate()
            .map_err(|e| InvalidInput(format!("error: {name} with --days {d}: {e}")))?;
    }
    Ok(s)
}

fn pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    Ok(b.build()?)
}

/// Runs `n` replications, from the state `from` if given; replication 1's log goes to
/// `events_out` if given.
fn replications(
    s: &Scenario,
    from: Option<&start::Started>,
    seed: u64,
    n: u64,
    threads: Option<usize>,
    events_out: Option<&Path>,
    label: &str,
) -> anyhow::Result<Vec<Replication>> {
    let bar = progress::items(n, label);
    let state = from.map(|f| &f.state);
    let runs: Vec<anyhow::Result<Replication>> = pool(threads)?.install(|| {
        (0..n)
            .into_par_iter()
            .map(|r| {
                let run = match (r, events_out) {
                    (0, Some(dir)) => write_log(s, from, seed, dir),
                    _ => Ok(twin::replicate_from(s, state, seed, r, None)),
                };
                bar.inc(1);
                run
            })
            .collect()
    });
    bar.finish_and_clear();
    runs.into_iter().collect()
}

fn write_log(
    s: &Scenario,
    from: Option<&start::Started>,
    seed: u64,
    dir: &Path,
) -> anyhow::Result<Replication> {
    let mut events = Pending::create(dir, "events.jsonl")?;
    let path = events.path().to_path_buf();
    let mut out = BufWriter::new(events.file());
    let mut failed = None;
    let mut write = |e: &domain::Event| {
        if failed.is_none() {
            if let Err(err) = writeln!(out, "{}", journey_log::event_json(e, &[])) {
                failed = Some(err);
            }
        }
    };
    let run = twin::replicate_from(s, from.map(|f| &f.state), seed, 0, Some(&mut write));
    if let Some(e) = failed {
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(out);
    // The beds open on average that year (winter and escalation beds included): occupancy
    // read from the log counts the beds open, as the run reported it.
    let (mut orgs, population) = twin::registers_with_beds(s, run.beds_open);
    // The state's events name organisations of its own register: those the run's does not
    // hold are added, so the log is valid against it.
    if let Some(f) = from {
        for org in f.orgs.iter() {
            if orgs.get(&org.code).is_none() {
                orgs.upsert(org.clone());
            }
        }
    }
    let mut o = Pending::create(dir, "orgs.csv")?;
    journey_log::write_orgs(o.file(), &orgs)?;
    let mut p = Pending::create(dir, "population.csv")?;
    journey_log::write_population(p.file(), &population)?;
    events.commit()?;
    o.commit()?;
    p.commit()?;
    Ok(run)
}

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if x.abs() >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

/// The headline rows: every indicator, and the breakdowns that carry a 2017 figure.
fn headline(s: &IndicatorSummary) -> bool {
    !s.id.contains(':') || s.benchmarks.stoke_2017.is_some()
}

pub fn run(a: SimulateArgs) -> anyhow::Result<()> {
    check_run(&a.run)?;
    let from = start::read(&a.from)?;
    let mut s = load(&a.scenario, a.run.days)?;
    if let Some(f) = &from {
        s = s.starting_at(f.state.date);
        s.validate()
            .map_err(|e| InvalidInput(format!("error: {} from {}: {e}", s.name, f.state.date)))?;
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(&s.name));
    output::claim(&out, &SIMULATE_FILES, a.force, "--out")?;
    if let Some(dir) = &a.events_out {
        output::claim(dir, &LOG_FILES, a.force, "--events-out")?;
    }
    let started = std::time::Instant::now();
    let runs = replications(
        &s,
        from.as_ref(),
        a.run.seed,
        a.run.replications,
        a.run.threads,
        a.events_out.as_deref(),
        &format!("simulating {}", s.name),
    )?;
    let secs = started.elapsed().as_secs_f64();
    let period = twin::period(&s);
    let summaries = summary::indicators(&runs);
    let daily = summary::daily(&runs);
    let warnings = twin::warnings::warnings(&runs, &summaries);
    let mut json = summary::summary_json(
        &s.name,
        a.run.seed,
        runs.len(),
        s.run.days,
        period.from,
        period.to,
        &summaries,
    );
    json["warnings"] = serde_json::json!(warnings);
    if let Some(f) = &from {
        json["initial_state"] = start::json(f);
    }
    let measured: Vec<Vec<Option<f64>>> = runs.iter().map(|r| r.calibration.clone()).collect();
    let calibration = twin::calibration::summarise(&measured);
    json["calibration"] = twin::calibration::json(&calibration);
    let decomposition = twin::decomposition::summarise_runs(&runs);
    json["delay_decomposition"] = twin::decomposition::json(&decomposition);
    let costs = twin::costs::summarise_runs(&runs, &s.costs);
    json["costs"] = twin::costs::json(&costs);
    output::write(
        &out,
        "summary.json",
        (serde_json::to_string_pretty(&json)? + "\n").as_bytes(),
    )?;
    output::write(
        &out,
        "daily.csv",
        summary::daily_csv(period.from, &daily).as_bytes(),
    )?;
    output::write(
        &out,
        "report.html",
        twin::html::report(
            &twin::html::Run {
                name: &s.name,
                description: &s.description,
                replications: runs.len(),
                from: period.from,
                to: period.to,
                sources: &Scenario::sources(&a.scenario).unwrap_or_default(),
            },
            &summaries,
            &daily,
            &warnings,
            &calibration,
            &decomposition,
            &costs,
        )
        .as_bytes(),
    )?;

    outln!(
        "{}: {} replications, {} to {} ({:.1} s)",
        s.name,
        runs.len(),
        period.from,
        period.to,
        secs
    )?;
    outln!(
        "{:<58} {:>9} {:>19} {:>7} {:>7}",
        "indicator",
        "mean",
        "95% interval",
        "2017",
        "England"
    )?;
    for i in summaries.iter().filter(|i| headline(i)) {
        let ci = i
            .ci95
            .map(|(lo, hi)| format!("{} - {}", fmt(Some(lo)), fmt(Some(hi))))
            .unwrap_or_else(|| "-".into());
        outln!(
            "{:<58} {:>9} {:>19} {:>7} {:>7}",
            i.id,
            fmt(i.mean),
            ci,
            fmt(i.benchmarks.stoke_2017),
            fmt(i.benchmarks.england)
        )?;
    }
    outln!(
        "total cost {} (95% interval {}), of which delayed bed days {}",
        twin::costs::pounds(costs.total.mean),
        costs
            .total
            .ci95
            .map(|(lo, hi)| format!("{} - {}", twin::costs::pounds(lo), twin::costs::pounds(hi)))
            .unwrap_or_else(|| "-".into()),
        twin::costs::pounds(
            costs.lines[twin::costs::Item::DelayedBedDays.index()]
                .cost
                .mean
        )
    )?;
    eprintln!("written to {}", out.display());
    if let Some(dir) = &a.events_out {
        eprintln!("replication 1's journey log written to {}", dir.display());
    }
    Ok(())
}

pub fn compare(a: CompareArgs) -> anyhow::Result<()> {
    if a.scenarios.len() < 2 {
        return Err(InvalidInput("error: compare needs at least two --scenario".into()).into());
    }
    check_run(&a.run)?;
    let mut scenarios: Vec<Scenario> = a
        .scenarios
        .iter()
        .map(|n| load(n, a.run.days))
        .collect::<anyhow::Result<_>>()?;
    let from = start::read(&a.from)?;
    if let Some(f) = &from {
        scenarios = scenarios
            .into_iter()
            .map(|s| {
                let s = s.starting_at(f.state.date);
                s.validate().map_err(|e| {
                    InvalidInput(format!("error: {} from {}: {e}", s.name, f.state.date))
                })?;
                Ok(s)
            })
            .collect::<anyhow::Result<_>>()?;
    }
    twin::compare::check(&scenarios, a.run.replications)
        .map_err(|e| InvalidInput(format!("error: {e}")))?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join("compare"));
    output::claim(&out, &COMPARE_FILES, a.force, "--out")?;
    let bar = progress::items(
        a.run.replications * scenarios.len() as u64,
        &format!("simulating {} scenarios", scenarios.len()),
    );
    let state = from.as_ref().map(|f| &f.state);
    let mut c = twin::compare::compare_with(
        &scenarios,
        a.run.seed,
        a.run.replications,
        &pool(a.run.threads)?,
        &|_| {
            bar.inc(1);
            true
        },
        &|s, seed, r| twin::replicate_from(s, state, seed, r, None),
    )
    .map_err(|e| InvalidInput(format!("error: {e}")))?;
    bar.finish_and_clear();
    c.sources = a
        .scenarios
        .iter()
        .map(|n| Scenario::sources(n).unwrap_or_default())
        .collect();
    c.started_from = from
        .as_ref()
        .map(|f| format!("the state of {} at the start of {}", f.source, f.state.date));
    output::write(&out, "compare.csv", c.csv().as_bytes())?;
    output::write(&out, "compare.html", c.html().as_bytes())?;
    if let Some(f) = &from {
        let census = f.state.census();
        eprintln!(
            "started from {} at the start of {}: {} people, {} in hospital ({} delayed), {} in \
             care homes",
            f.source,
            f.state.date,
            census.alive,
            census.in_hospital,
            census.delayed,
            census.care_home_residents
        );
    }
    let (names, all, diffs, costs, cost_diffs) =
        (&c.names, &c.summaries, &c.diffs, &c.costs, &c.cost_diffs);

    out!("{:<52}", "indicator")?;
    for (k, n) in names.iter().enumerate() {
        out!(" {:>24}", n)?;
        if k > 0 {
            out!(" {:>26}", format!("difference ({n})"))?;
        }
    }
    outln!()?;
    for (i, base) in all[0].iter().enumerate().filter(|(_, b)| headline(b)) {
        out!("{:<52}", base.id)?;
        for (k, s) in all.iter().enumerate() {
            let ci = s[i]
                .ci95
                .map(|(lo, hi)| format!(" ({}-{})", fmt(Some(lo)), fmt(Some(hi))))
                .unwrap_or_default();
            out!(" {:>24}", format!("{}{ci}", fmt(s[i].mean)))?;
            if k > 0 {
                let d = diffs[k][i]
                    .map(|(m, lo, hi)| format!("{m:+.2} ({lo:+.2},{hi:+.2})"))
                    .unwrap_or_else(|| "-".into());
                out!(" {:>26}", d)?;
            }
        }
        outln!()?;
    }
    outln!()?;
    out!("{:<52}", "cost (pounds)")?;
    for (k, n) in names.iter().enumerate() {
        out!(" {:>24}", n)?;
        if k > 0 {
            out!(" {:>26}", format!("difference ({n})"))?;
        }
    }
    outln!()?;
    out!("{:<52}", "total")?;
    for (k, c) in costs.iter().enumerate() {
        out!(" {:>24}", twin::costs::pounds(c.total.mean))?;
        if k > 0 {
            let d = cost_diffs[k - 1]
                .total
                .map(|(m, lo, hi)| {
                    format!(
                        "{} ({},{})",
                        twin::costs::pounds(m),
                        twin::costs::pounds(lo),
                        twin::costs::pounds(hi)
                    )
                })
                .unwrap_or_else(|| "-".into());
            out!(" {:>26}", d)?;
        }
    }
    outln!()?;
    out!("{:<52}", "cost per delayed bed day avoided")?;
    for k in 0..costs.len() {
        out!(" {:>24}", "")?;
        if k > 0 {
            let v = cost_diffs[k - 1]
                .per_delayed_day_avoided
                .map(twin::costs::pounds)
                .unwrap_or_else(|| "not defined".into());
            out!(" {:>26}", v)?;
        }
    }
    outln!()?;
    eprintln!("written to {}", out.display());
    Ok(())
}
