//! Importing logs and registers into a store, all or nothing.

use crate::{
    Access, Batch, Covers, JourneyStore, Location, NewEvent, NewFacts, PgStore, SqliteStore,
    StoreError, StoreRead,
};
use domain::OrgRegister;
use journey_log::{
    parse_line, read_orgs_file, read_population_file, register_kind, Loc, LogError, LogErrors,
    LogReader, ParsedEvent, RegisterKind, Validator,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// What an import folds from the whole log as it checks it (every stored event, then each new
/// one, in the order they are stored), to keep beside it in the import's transaction
/// ([`crate::FactsSnapshot`], covering every event once the batch is appended). The store
/// keeps the bytes it is given; what they hold is the caller's.
pub trait Fold {
    /// One event, as parsed from its line `raw`.
    fn push(&mut self, p: &ParsedEvent, raw: &str);
    /// The format and bytes to store; `None` leaves the stored snapshot as it is.
    fn finish(&mut self) -> Option<(u32, Vec<u8>)>;
}

/// Makes a fresh [`Fold`] for each attempt at the write.
pub type MakeFold<'a> = &'a (dyn Fn() -> Box<dyn Fold + Send> + Sync);

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
///
/// The registers in `files` are read first; then, holding the store's write lock, what the store
/// holds is checked, the logs are read and checked against it, and the batch is appended in the
/// same transaction: a concurrent writer cannot slip in between the check and the append.
pub fn import_with_progress(
    store: &mut dyn JourneyStore,
    files: &[PathBuf],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary, ImportError> {
    import_folding(store, files, progress, None)
}

/// As [`import_with_progress`], storing what `fold` makes of the whole log with the batch.
pub fn import_folding(
    store: &mut dyn JourneyStore,
    files: &[PathBuf],
    progress: &(dyn Fn(u64) + Sync),
    fold: Option<MakeFold<'_>>,
) -> Result<ImportSummary, ImportError> {
    let mut errors = LogErrors::default();
    let mut logs = Vec::new();
    let mut file_orgs = Vec::new();
    let mut file_population = None;
    for f in files {
        let name = f.display().to_string();
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            match register_kind(f) {
                Ok(Some(RegisterKind::Orgs)) => match read_orgs_file(f) {
                    Ok(r) => file_orgs.extend(r.iter().cloned()),
                    Err(e) => errors.extend(e),
                },
                Ok(Some(RegisterKind::Population)) => match read_population_file(f) {
                    Ok(p) => file_population = Some(p),
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

    let mut outcome = None;
    store.write(&mut |held| {
        let mut orgs = held.orgs()?;
        for o in &file_orgs {
            orgs.upsert(o.clone());
        }
        let mut folding = fold.map(|make| make());
        let validator = validate_stored_with(held, &orgs, &mut |p, raw| {
            if let Some(f) = &mut folding {
                f.push(p, raw)
            }
        })?;
        let mut events = Vec::new();
        let read = LogReader::new(&orgs)
            .keep_raw(true)
            .progress(progress)
            .read_with(&logs, validator, |l| {
                let raw = l.raw.expect("the reader keeps lines");
                if let Some(f) = &mut folding {
                    f.push(&l.parsed, &raw)
                }
                events.push(NewEvent::of(&l.parsed, raw));
            });
        match read {
            Err(errors) => {
                outcome = Some(Err(ImportError::Invalid(errors)));
                Ok(None)
            }
            Ok(summary) => {
                outcome = Some(Ok(ImportSummary {
                    events_added: summary.events,
                    events_already_stored: summary.duplicates,
                    orgs: file_orgs.len(),
                    population: file_population.is_some(),
                }));
                let facts = folding.as_mut().and_then(|f| f.finish());
                Ok(Some(Batch {
                    events: std::mem::take(&mut events),
                    orgs: file_orgs.clone(),
                    population: file_population,
                    facts: facts.map(|(format, bytes)| NewFacts {
                        covers: Covers::Batch,
                        format,
                        bytes,
                    }),
                    ..Batch::default()
                }))
            }
        }
    })?;
    outcome.expect("the write ran its decision")
}

/// Checks what the store holds, as lines before any new ones, and returns the validator that
/// has seen them all.
pub fn validate_stored(held: &dyn StoreRead, orgs: &OrgRegister) -> Result<Validator, StoreError> {
    validate_stored_with(held, orgs, &mut |_, _| {})
}

/// As [`validate_stored`], handing each stored event to `each` with its line, in import order.
pub fn validate_stored_with(
    held: &dyn StoreRead,
    orgs: &OrgRegister,
    each: &mut dyn FnMut(&ParsedEvent, &str),
) -> Result<Validator, StoreError> {
    let mut validator = Validator::new();
    let mut stored_errors = 0usize;
    let mut line = 0u32;
    held.scan(&mut |raw| {
        line += 1;
        match parse_line(raw, orgs) {
            Ok(p) => {
                validator.check(
                    Loc {
                        file: u32::MAX,
                        line,
                    },
                    &p,
                );
                each(&p, raw);
            }
            Err(_) => stored_errors += 1,
        }
    })?;
    if stored_errors > 0 {
        return Err(StoreError::Corrupt(format!(
            "{stored_errors} stored events no longer parse"
        )));
    }
    let broken = validator.error_count();
    if broken > 0 {
        return Err(StoreError::Corrupt(format!(
            "{broken} stored events break the log's rules"
        )));
    }
    Ok(validator)
}

/// Imports into the store at `location`, creating it only if the import succeeds.
///
/// SQLite: a new store is built beside the path under a temporary name and linked into place at
/// the end, so a failed import into a new path leaves no file behind. PostgreSQL: the database
/// must exist; in an empty one the schema is created inside the import's transaction.
pub fn import_into(
    location: &Location,
    files: &[PathBuf],
    busy_timeout: Duration,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary, ImportError> {
    import_into_folding(location, files, busy_timeout, progress, None)
}

/// As [`import_into`], storing what `fold` makes of the whole log with the batch
/// ([`import_folding`]).
pub fn import_into_folding(
    location: &Location,
    files: &[PathBuf],
    busy_timeout: Duration,
    progress: &(dyn Fn(u64) + Sync),
    fold: Option<MakeFold<'_>>,
) -> Result<ImportSummary, ImportError> {
    match location {
        Location::Sqlite(path) => import_into_file(path, files, busy_timeout, progress, fold),
        Location::Postgres(url) => {
            let mut store = PgStore::open_for_import(url, busy_timeout)?;
            import_folding(&mut store, files, progress, fold)
        }
    }
}

fn import_into_file(
    path: &Path,
    files: &[PathBuf],
    busy_timeout: Duration,
    progress: &(dyn Fn(u64) + Sync),
    fold: Option<MakeFold<'_>>,
) -> Result<ImportSummary, ImportError> {
    if path.exists() {
        let mut store = SqliteStore::open_with(path, Access::Write)?;
        store.set_busy_timeout(busy_timeout)?;
        return import_folding(&mut store, files, progress, fold);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".new")
        .tempfile_in(&dir)
        .map_err(StoreError::Io)?
        .into_temp_path();
    let result = (|| {
        let mut store = SqliteStore::open_with(&staging, Access::Create)?;
        let summary = import_folding(&mut store, files, progress, fold)?;
        store.close()?;
        Ok(summary)
    })();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            remove_sidecars(&staging);
            return Err(e);
        }
    };
    // Linking fails if `path` appeared meanwhile (another import created it): then import
    // into that store instead.
    let linked = std::fs::hard_link(&staging, path);
    remove_sidecars(&staging);
    drop(staging);
    match linked {
        Ok(()) => Ok(summary),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            import_into_file(path, files, busy_timeout, progress, fold)
        }
        Err(e) => Err(StoreError::Io(e).into()),
    }
}

fn remove_sidecars(db: &Path) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(s));
    }
}
