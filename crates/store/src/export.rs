//! Writing a store back out as files: `events.jsonl`, `orgs.csv`, `population.csv`.

use crate::{JourneyStore, StoreError};
use std::io::{BufWriter, Write};
use std::path::Path;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub events: u64,
    pub orgs: usize,
    pub population: bool,
}

/// Writes the log (each event as the line it was imported as, in import order) and the
/// registers into `dir`.
pub fn export(store: &dyn JourneyStore, dir: &Path) -> Result<ExportSummary, StoreError> {
    std::fs::create_dir_all(dir)?;
    let mut out = BufWriter::new(std::fs::File::create(dir.join("events.jsonl"))?);
    let mut io_error = None;
    let events = store.scan(&mut |raw| {
        if io_error.is_none() {
            if let Err(e) = writeln!(out, "{raw}") {
                io_error = Some(e);
            }
        }
    })?;
    if let Some(e) = io_error {
        return Err(e.into());
    }
    out.flush()?;
    let orgs = store.orgs()?;
    let csv_err = |e: csv::Error| StoreError::Io(std::io::Error::other(e));
    journey_log::write_orgs(std::fs::File::create(dir.join("orgs.csv"))?, &orgs)
        .map_err(csv_err)?;
    let population = store.population()?;
    if let Some(p) = &population {
        journey_log::write_population(std::fs::File::create(dir.join("population.csv"))?, p)
            .map_err(csv_err)?;
    }
    Ok(ExportSummary {
        events,
        orgs: orgs.len(),
        population: population.is_some(),
    })
}
