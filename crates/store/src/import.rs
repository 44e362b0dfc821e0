//! Importing logs and registers into a store, all or nothing.

use crate::{Batch, JourneyStore, NewEvent, StoreError};
use journey_log::{
    parse_line, read_orgs_file, read_population_file, register_kind, Loc, LogError, LogErrors,
    LogReader, RegisterKind, Validator,
};
use std::path::PathBuf;

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files hold errors; each names its file, line and field.
    #[error("{0}")]
    Invalid(LogErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub events_added: u64,
    /// Events already stored with the same content (no-ops).
    pub events_already_stored: u64,
    pub orgs: usize,
    pub population: bool,
}

/// Imports `files` (`.jsonl`, `.jsonl.gz`, `orgs.csv`, `population.csv`, told apart by their
/// extension and header) into `store`. Logs are checked together with what the store holds:
/// an event id already stored with the same content is a no-op, with other content an error.
pub fn import(
    store: &mut dyn JourneyStore,
    files: &[PathBuf],
) -> Result<ImportSummary, ImportError> {
    import_with_progress(store, files, &|_| {})
}

/// As [`import`], telling `progress` how many bytes of the logs have been read.
pub fn import_with_progress(
    store: &mut dyn JourneyStore,
    files: &[PathBuf],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary, ImportError> {
    let mut errors = LogErrors::default();
    let mut logs = Vec::new();
    let mut batch = Batch::default();
    let mut orgs = store.orgs()?;
    for f in files {
        let name = f.display().to_string();
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            match register_kind(f) {
                Ok(Some(RegisterKind::Orgs)) => match read_orgs_file(f) {
                    Ok(r) => {
                        for o in r.iter() {
                            orgs.upsert(o.clone());
                            batch.orgs.push(o.clone());
                        }
                    }
                    Err(e) => errors.extend(e),
                },
                Ok(Some(RegisterKind::Population)) => match read_population_file(f) {
                    Ok(p) => batch.population = Some(p),
                    Err(e) => errors.extend(e),
                },
                Ok(None) => errors.push(LogError::at(&name, 1, None, "a CSV file must be orgs.csv (code,name,kind,cqc_rating,beds,extended_access) or population.csv (band,count)".into())),
                Err(e) => errors.extend(LogErrors::io(&name, e)),
            }
        } else if lower.ends_with(".jsonl")
            || lower.ends_with(".jsonl.gz")
            || lower.ends_with(".json.gz")
        {
            logs.push(f.clone());
        } else {
            errors.push(LogError {
                source: name,
                line: None,
                field: None,
                message: "unknown file type: expected .jsonl, .jsonl.gz or .csv".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }

    // What the store holds is checked first, as lines before the new files.
    let mut validator = Validator::new();
    let mut stored_errors = 0usize;
    let mut line = 0u32;
    store.scan(&mut |raw| {
        line += 1;
        match parse_line(raw, &orgs) {
            Ok(p) => {
                validator.check(
                    Loc {
                        file: u32::MAX,
                        line,
                    },
                    &p,
                );
            }
            Err(_) => stored_errors += 1,
        }
    })?;
    if stored_errors > 0 {
        return Err(
            StoreError::Corrupt(format!("{stored_errors} stored events no longer parse")).into(),
        );
    }
    let before = validator.error_count();
    if before > 0 {
        return Err(
            StoreError::Corrupt(format!("{before} stored events break the log's rules")).into(),
        );
    }

    let mut events = Vec::new();
    let summary = LogReader::new(&orgs)
        .keep_raw(true)
        .progress(progress)
        .read_with(&logs, validator, |l| {
            let e = &l.parsed.event;
            events.push(NewEvent {
                id: e.id.to_string(),
                kind: e.body.kind().to_string(),
                at: e.at.0,
                person: e.person.map(|p| p.digits()),
                content_digest: l.parsed.content_digest,
                raw: l.raw.expect("the reader keeps lines"),
            });
        })
        .map_err(ImportError::Invalid)?;
    batch.events = events;
    store.append(&batch)?;
    Ok(ImportSummary {
        events_added: summary.events,
        events_already_stored: summary.duplicates,
        orgs: batch.orgs.len(),
        population: batch.population.is_some(),
    })
}
