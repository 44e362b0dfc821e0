//! `joinedup metrics`: the joint performance framework for a period.

use super::facts_cache::{place, FactsCache};
use super::{invalid, readable, InvalidInput};
use crate::cli::{By, Format, MetricsArgs};
use crate::progress;
use anyhow::Context as _;
use domain::{OrgRegister, Population, Zone};
use indicators::{BenchmarkSet, Context, JourneyFacts, Journeys, Period, Survey};
use journey_log::{read_orgs, read_population_file, LogErrors, LogReader};
use live_log::stored_facts::{self, StoredFacts};
use rayon::prelude::*;

pub fn run(a: MetricsArgs) -> anyhow::Result<()> {
    let period = Period::new(a.from, a.to).map_err(|e| InvalidInput(format!("error: {e}")))?;
    let zone = Zone::parse(&a.zone)
        .ok_or_else(|| InvalidInput(format!("error: --zone: unknown time zone {:?}", a.zone)))?;

    let periods = match a.by {
        Some(By::Month) => period.months(),
        None => vec![period],
    };
    let mut survey = Survey::new(zone);
    let (orgs, population, journeys, keep) = match &a.db {
        Some(db) => {
            let (orgs, population, journeys) = from_store(db, &mut survey, !a.no_cache)?;
            (orgs, population, journeys, None)
        }
        None => from_files(&a, &mut survey)?,
    };
    for w in survey.warnings(&periods) {
        eprintln!("{w}");
    }

    let benchmarks = BenchmarkSet::stoke_2017();
    let ctx = Context {
        orgs: &orgs,
        population: &population,
        benchmarks: &benchmarks,
        zone,
    };
    // The cache's entry is written while the reports are computed (each reads the facts only).
    let (reports, ()) = rayon::join(
        || {
            periods
                .iter()
                .map(|p| journeys.report(*p, &ctx))
                .collect::<Vec<_>>()
        },
        || {
            if let Some(keep) = keep {
                keep.store(&journeys);
            }
        },
    );
    // The facts are not freed: the process ends with the report, and freeing a table per
    // person and lifecycle (millions of them) one at a time would only delay it.
    std::mem::forget(journeys);
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

/// A valid read's facts to keep in the cache: its entry, the digests of what was read, and the
/// read's survey.
struct Keep {
    cache: FactsCache,
    entry: super::facts_cache::Entry,
    digests: Vec<Option<journey_log::FileDigest>>,
    survey: Survey,
}

impl Keep {
    fn store(self, journeys: &Journeys) {
        self.cache
            .store(&self.entry, &self.digests, &self.survey, journeys);
    }
}

/// The registers and the facts of the log's files, from the cache or read; with what to keep in
/// the cache when they were read.
fn from_files(
    a: &MetricsArgs,
    survey: &mut Survey,
) -> anyhow::Result<(OrgRegister, Population, Journeys, Option<Keep>)> {
    let orgs_path = a.orgs.as_ref().expect("clap requires --orgs without --db");
    let pop_path = a
        .population
        .as_ref()
        .expect("clap requires --population without --db");
    for path in [orgs_path, pop_path].into_iter().chain(&a.events) {
        readable(path)?;
    }
    let (orgs, population, orgs_digest) = read_registers(orgs_path, pop_path)?;
    let names: Vec<String> = a.events.iter().map(|p| p.display().to_string()).collect();
    let cache = if a.no_cache {
        None
    } else {
        FactsCache::locate()
    };
    let entry = cache.as_ref().and_then(|c| c.entry(&a.events, orgs_path));
    if let (Some(cache), Some(entry)) = (&cache, &entry) {
        if let Some((kept, journeys)) = cache.load(entry, &names, survey.zone()) {
            survey.merge(kept);
            return Ok((orgs, population, journeys, None));
        }
    }
    let total = bytes_to_read(&a.events);
    let bar = progress::bytes(total, "reading the journey log");
    let on_progress = |n: u64| bar.set_position(n);
    // Files are one log: read them together so rules span files. Checked and folded on every
    // core, in partitions by person; the partitions' facts and surveys are merged after.
    let empty = survey.fresh();
    let parts = rayon::current_num_threads();
    // About 150 bytes a line (a compressed log's facts grow as they need).
    let events = usize::try_from(total.unwrap_or(0) / 150).unwrap_or(0);
    let result = LogReader::new(&orgs)
        .progress(&on_progress)
        .digest_files(entry.is_some())
        .read_parts(
            &a.events,
            parts,
            || (empty.fresh(), JourneyFacts::with_capacity(events / parts)),
            |(survey, _), p| survey.prefetch(&p.event),
            |(survey, facts), l| {
                let order = (u64::from(l.loc.file) << 32) | u64::from(l.loc.line);
                survey.see(&l.parsed.event, order, || place(&names, order));
                facts.push_indexed(&l.parsed.event, l.lifecycle_index)
            },
        );
    bar.finish_and_clear();
    let (summary, parts) = match result {
        Ok(read) => read,
        Err(e) => return Err(invalid("the journey log is not valid", &e)),
    };
    let (surveys, facts): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    let mut read = empty;
    for s in surveys {
        read.merge(s);
    }
    let journeys = Journeys::merge(facts.into_par_iter().map(JourneyFacts::finish).collect());
    let keep = match (cache, entry) {
        (Some(cache), Some(entry)) => {
            let mut digests = summary.digests;
            digests.push(orgs_digest);
            Some(Keep {
                cache,
                entry,
                digests,
                survey: read.clone(),
            })
        }
        _ => None,
    };
    survey.merge(read);
    Ok((orgs, population, journeys, keep))
}

/// The bytes a progress bar counts through `paths`: their sizes, or unknown when one is
/// compressed (the bar then counts without a total).
pub(super) fn bytes_to_read(paths: &[std::path::PathBuf]) -> Option<u64> {
    paths
        .iter()
        .map(|p| {
            let gz = p.to_string_lossy().ends_with(".gz");
            std::fs::metadata(p).ok().filter(|_| !gz).map(|m| m.len())
        })
        .sum()
}

/// The registers beside a log's files, every error of both gathered; with the digest of the
/// organisations file's bytes as read (so a cache entry names the register its facts were
/// checked against).
pub(super) fn read_registers(
    orgs_path: &std::path::Path,
    pop_path: &std::path::Path,
) -> anyhow::Result<(OrgRegister, Population, Option<u128>)> {
    let mut errors = LogErrors::default();
    let orgs_name = orgs_path.display().to_string();
    let (orgs, orgs_digest) = match std::fs::read(orgs_path) {
        Ok(bytes) => {
            let digest = xxhash_rust::xxh3::xxh3_128(&bytes);
            let orgs = read_orgs(&orgs_name, bytes.as_slice()).unwrap_or_else(|e| {
                errors.extend(e);
                OrgRegister::default()
            });
            (orgs, Some(digest))
        }
        Err(e) => {
            errors.extend(LogErrors::io(&orgs_name, e));
            (OrgRegister::default(), None)
        }
    };
    let population = read_population_file(pop_path).unwrap_or_else(|e| {
        errors.extend(e);
        Population::default()
    });
    if !errors.is_empty() {
        return Err(invalid("the registers are not valid", &errors));
    }
    Ok((orgs, population, orgs_digest))
}

/// The stored log's facts: those the store keeps and the events stored after them (every
/// event with `--no-cache`, or when the kept facts cannot be used).
fn from_store(
    db: &store::Location,
    survey: &mut Survey,
    use_kept: bool,
) -> anyhow::Result<(OrgRegister, Population, Journeys)> {
    super::readable_store(db)?;
    let store = store::open(db, store::Access::Read)?;
    let mut read = None;
    let started = std::time::Instant::now();
    store.read(&mut |held| {
        let orgs = held.orgs()?;
        let population = held.population()?;
        let folded = stored_facts::read(held, &orgs, use_kept, stored_facts::Want::Facts)?;
        read = Some((orgs, population, folded));
        Ok(())
    })?;
    let (orgs, population, folded) = read.expect("the read ran");
    if trace() {
        let t = started.elapsed().as_secs_f64();
        eprintln!(
            "store: {}",
            match &folded.unused {
                None => format!(
                    "the kept facts of {} events, and {} events after them, read in {t:.3} s",
                    folded.facts.events() - folded.parsed,
                    folded.parsed
                ),
                Some(why) => format!(
                    "kept facts not used ({why}): {} events read in {t:.3} s",
                    folded.parsed
                ),
            }
        );
    }
    if folded.bad > 0 {
        anyhow::bail!(
            "the store {} is damaged: {} events no longer parse",
            db,
            folded.bad
        );
    }
    let population = population.ok_or_else(|| {
        InvalidInput(format!(
            "error: the store {} has no population register: import a population.csv",
            db
        ))
    })?;
    let StoredFacts {
        facts,
        survey: kept,
        ..
    } = folded.facts;
    survey.merge(kept);
    Ok((orgs, population, facts.finish()))
}

/// Whether to say on stderr where the facts came from (`JOINEDUP_CACHE_TRACE=1`).
fn trace() -> bool {
    std::env::var_os("JOINEDUP_CACHE_TRACE").is_some_and(|v| v == "1")
}
