//! `joinedup metrics`: the joint performance framework for a period.

use super::log_survey::Survey;
use super::{invalid, readable, InvalidInput};
use crate::cli::{By, Format, MetricsArgs};
use crate::progress;
use anyhow::Context as _;
use domain::{OrgRegister, Population, Zone};
use indicators::{BenchmarkSet, Context, JourneyFacts, Journeys, Period};
use journey_log::{parse_line, read_orgs_file, read_population_file, LogErrors, LogReader};
use rayon::prelude::*;

pub fn run(a: MetricsArgs) -> anyhow::Result<()> {
    let period = Period::new(a.from, a.to).map_err(|e| InvalidInput(format!("error: {e}")))?;
    let zone = Zone::parse(&a.zone)
        .ok_or_else(|| InvalidInput(format!("error: --zone: unknown time zone {:?}", a.zone)))?;

    let periods = match a.by {
        Some(By::Month) => period.months(),
        None => vec![period],
    };
    let mut survey = Survey::new(&periods, zone);
    let (orgs, population, journeys) = match &a.db {
        Some(db) => from_store(db, &mut survey)?,
        None => from_files(&a, &mut survey)?,
    };
    for w in survey.warnings() {
        eprintln!("{w}");
    }

    let benchmarks = BenchmarkSet::stoke_2017();
    let ctx = Context {
        orgs: &orgs,
        population: &population,
        benchmarks: &benchmarks,
        zone,
    };
    let reports: Vec<_> = periods.iter().map(|p| journeys.report(*p, &ctx)).collect();
    let text = match a.format {
        Format::Table => indicators::to_table(&reports),
        Format::Csv => indicators::to_csv(&reports),
        Format::Json => {
            let v = match a.by {
                Some(By::Month) => indicators::periods_json(&reports),
                None => reports[0].to_json(),
            };
            serde_json::to_string_pretty(&v)? + "\n"
        }
    };
    match &a.out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => out!("{text}")?,
    }
    Ok(())
}

fn from_files(
    a: &MetricsArgs,
    survey: &mut Survey,
) -> anyhow::Result<(OrgRegister, Population, Journeys)> {
    let orgs_path = a.orgs.as_ref().expect("clap requires --orgs without --db");
    let pop_path = a
        .population
        .as_ref()
        .expect("clap requires --population without --db");
    for path in [orgs_path, pop_path].into_iter().chain(&a.events) {
        readable(path)?;
    }
    let mut errors = LogErrors::default();
    let orgs = read_orgs_file(orgs_path).unwrap_or_else(|e| {
        errors.extend(e);
        OrgRegister::default()
    });
    let population = read_population_file(pop_path).unwrap_or_else(|e| {
        errors.extend(e);
        Population::default()
    });
    if !errors.is_empty() {
        return Err(invalid("the registers are not valid", &errors));
    }
    let total: Option<u64> = a
        .events
        .iter()
        .map(|p| {
            let gz = p.to_string_lossy().ends_with(".gz");
            std::fs::metadata(p).ok().filter(|_| !gz).map(|m| m.len())
        })
        .sum();
    let bar = progress::bytes(total, "reading the journey log");
    let on_progress = |n: u64| bar.set_position(n);
    // Files are one log: read them together so rules span files. Checked and folded on every
    // core, in partitions by person; the partitions' facts and surveys are merged after.
    let empty = survey.fresh();
    let parts = rayon::current_num_threads();
    // About 150 bytes a line (a compressed log's facts grow as they need).
    let events = usize::try_from(total.unwrap_or(0) / 150).unwrap_or(0);
    let result = LogReader::new(&orgs).progress(&on_progress).read_parts(
        &a.events,
        parts,
        || (empty.fresh(), JourneyFacts::with_capacity(events / parts)),
        |(survey, facts), l| {
            let order = (u64::from(l.loc.file) << 32) | u64::from(l.loc.line);
            survey.see(&l.parsed.event, order, || {
                let file = a.events.get(l.loc.file as usize);
                let name = file.map(|f| f.display().to_string()).unwrap_or_default();
                format!("at {name}:{}", l.loc.line)
            });
            facts.push_indexed(&l.parsed.event, l.lifecycle_index)
        },
    );
    bar.finish_and_clear();
    let parts = match result {
        Ok((_, parts)) => parts,
        Err(e) => return Err(invalid("the journey log is not valid", &e)),
    };
    let (surveys, facts): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    for s in surveys {
        survey.merge(s);
    }
    let journeys = Journeys::merge(facts.into_par_iter().map(JourneyFacts::finish).collect());
    Ok((orgs, population, journeys))
}

fn from_store(
    db: &store::Location,
    survey: &mut Survey,
) -> anyhow::Result<(OrgRegister, Population, Journeys)> {
    super::readable_store(db)?;
    let store = store::open(db, store::Access::Read)?;
    let mut read = None;
    store.read(&mut |held| {
        let orgs = held.orgs()?;
        let population = held.population()?;
        let mut facts = JourneyFacts::new();
        let mut bad = 0u64;
        let mut order = 0u64;
        held.scan(&mut |raw| match parse_line(raw, &orgs) {
            Ok(p) => {
                // A store keeps no file lines.
                order += 1;
                survey.see(&p.event, order, || "in the store".into());
                facts.push(&p.event)
            }
            Err(_) => bad += 1,
        })?;
        read = Some((orgs, population, facts, bad));
        Ok(())
    })?;
    let (orgs, population, facts, bad) = read.expect("the read ran");
    if bad > 0 {
        anyhow::bail!("the store {} is damaged: {bad} events no longer parse", db);
    }
    let population = population.ok_or_else(|| {
        InvalidInput(format!(
            "error: the store {} has no population register: import a population.csv",
            db
        ))
    })?;
    Ok((orgs, population, facts.finish()))
}
