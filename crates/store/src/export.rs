//! Writing a store back out as files: `events.jsonl`, `orgs.csv`, `population.csv`.
//!
//! Files are written whole or not at all: each goes to a new temporary file in the target
//! folder (created exclusively, so nothing there is followed or reused), is synced, and is
//! renamed over its name only once every file is complete; the folder is synced last. An output
//! path that is a symbolic link is refused, and an earlier export is replaced only when asked.

use crate::{JourneyStore, StoreError, StoreRead};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The files an export writes, in the order they are written.
pub const EXPORT_FILES: [&str; 3] = ["events.jsonl", "orgs.csv", "population.csv"];

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub events: u64,
    pub orgs: usize,
    pub population: bool,
}

/// Why files could not be written; nothing of the set was put in place.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{} already exists", .0.display())]
    Exists(PathBuf),
    #[error("{} is a symbolic link; refusing to write through it", .0.display())]
    Symlink(PathBuf),
    #[error("{} exists and is not a regular file", .0.display())]
    NotAFile(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A set of files written into one folder and put in place together by [`Staging::commit`];
/// dropped uncommitted, it removes its temporary files and leaves the folder as it was.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    replace: bool,
    /// Every name the set owns (checked up front; with `replace`, one not written is removed).
    names: Vec<String>,
    staged: Vec<(tempfile::NamedTempFile, PathBuf)>,
}

impl Staging {
    /// Creates `dir` if needed and checks that none of `names` there is a symbolic link or
    /// something other than a file, and (unless `replace`) that none exists.
    pub fn new(dir: &Path, names: &[&str], replace: bool) -> Result<Self, ExportError> {
        std::fs::create_dir_all(dir).map_err(io_at(dir))?;
        for name in names {
            check_target(&dir.join(name), replace)?;
        }
        Ok(Staging {
            dir: dir.to_path_buf(),
            replace,
            names: names.iter().map(|n| n.to_string()).collect(),
            staged: Vec::new(),
        })
    }

    /// A new, empty temporary file that will become `name`.
    pub fn create(&mut self, name: &str) -> Result<&File, ExportError> {
        let target = self.dir.join(name);
        check_target(&target, self.replace)?;
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // As `File::create` would (the umask applies), not the owner-only mode of a temporary.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let tmp = builder.tempfile_in(&self.dir).map_err(io_at(&target))?;
        if !self.names.iter().any(|n| n == name) {
            self.names.push(name.to_string());
        }
        self.staged.push((tmp, target));
        Ok(self.staged.last().expect("just pushed").0.as_file())
    }

    /// Syncs every file, renames each over its name, removes (with `replace`) the names of the
    /// set that were not written this time, and syncs the folder.
    pub fn commit(self) -> Result<(), ExportError> {
        for (tmp, target) in &self.staged {
            tmp.as_file().sync_all().map_err(io_at(target))?;
        }
        let written: Vec<PathBuf> = self.staged.iter().map(|(_, t)| t.clone()).collect();
        for (tmp, target) in self.staged {
            let placed = if self.replace {
                tmp.persist(&target)
            } else {
                tmp.persist_noclobber(&target)
            };
            placed.map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    ExportError::Exists(target.clone())
                } else {
                    ExportError::Io {
                        path: target.clone(),
                        source: e.error,
                    }
                }
            })?;
        }
        if self.replace {
            for name in &self.names {
                let stale = self.dir.join(name);
                if !written.contains(&stale) && stale.symlink_metadata().is_ok() {
                    std::fs::remove_file(&stale).map_err(io_at(&stale))?;
                }
            }
        }
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io_at(&self.dir))
    }
}

/// Refuses a symbolic link or a non-file at `path`, and (unless `replace`) anything at all.
fn check_target(path: &Path, replace: bool) -> Result<(), ExportError> {
    match path.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_at(path)(e)),
        Ok(m) if m.file_type().is_symlink() => Err(ExportError::Symlink(path.to_path_buf())),
        Ok(m) if !m.is_file() => Err(ExportError::NotAFile(path.to_path_buf())),
        Ok(_) if !replace => Err(ExportError::Exists(path.to_path_buf())),
        Ok(_) => Ok(()),
    }
}

/// How an export's files are written to: buffered, or (in tests) through a failing writer.
type Open = for<'f> fn(&'f File) -> Box<dyn Write + 'f>;

fn buffered(f: &File) -> Box<dyn Write + '_> {
    Box::new(BufWriter::with_capacity(1 << 20, f))
}

/// Writes the log (each event as the line it was imported as, in import order) and the
/// registers into `dir`, all or nothing. Files already there are an error unless `replace`;
/// with `replace`, an earlier export's `population.csv` goes when the store has none.
pub fn export(
    store: &dyn JourneyStore,
    dir: &Path,
    replace: bool,
) -> Result<ExportSummary, ExportError> {
    // One snapshot: an import landing meanwhile is either all in the files or not at all.
    let mut result = None;
    store.read(&mut |held| {
        result = Some(export_with(held, dir, replace, buffered));
        Ok(())
    })?;
    result.expect("the read ran")
}

fn export_with(
    store: &dyn StoreRead,
    dir: &Path,
    replace: bool,
    open: Open,
) -> Result<ExportSummary, ExportError> {
    let mut staging = Staging::new(dir, &EXPORT_FILES, replace)?;
    let events_path = dir.join(EXPORT_FILES[0]);
    let events = {
        let mut out = open(staging.create(EXPORT_FILES[0])?);
        let mut io_error = None;
        let events = store.scan(&mut |raw| {
            if io_error.is_none() {
                if let Err(e) = writeln!(out, "{raw}") {
                    io_error = Some(e);
                }
            }
        })?;
        if let Some(e) = io_error {
            return Err(io_at(&events_path)(e));
        }
        out.flush().map_err(io_at(&events_path))?;
        events
    };
    let csv_err = |path: PathBuf| {
        move |e: csv::Error| ExportError::Io {
            path,
            source: std::io::Error::other(e),
        }
    };
    let orgs = store.orgs()?;
    let orgs_path = dir.join(EXPORT_FILES[1]);
    journey_log::write_orgs(open(staging.create(EXPORT_FILES[1])?), &orgs)
        .map_err(csv_err(orgs_path))?;
    let population = store.population()?;
    if let Some(p) = &population {
        let path = dir.join(EXPORT_FILES[2]);
        journey_log::write_population(open(staging.create(EXPORT_FILES[2])?), p)
            .map_err(csv_err(path))?;
    }
    staging.commit()?;
    Ok(ExportSummary {
        events,
        orgs: orgs.len(),
        population: population.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{OrgRegister, Population};

    /// A store of `n` lines and empty registers.
    struct Lines(u64, bool);

    impl StoreRead for Lines {
        fn event_count(&self) -> Result<u64, StoreError> {
            Ok(self.0)
        }
        fn scan_since(&self, _: i64, _: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
            unreachable!("export scans")
        }
        fn scan_person(&self, _: &str, _: &mut dyn FnMut(i64, &str)) -> Result<u64, StoreError> {
            unreachable!("export scans")
        }
        fn stored_digests(
            &self,
            _: &[&str],
            _: &mut dyn FnMut(&str, journey_log::ContentDigest),
        ) -> Result<(), StoreError> {
            unreachable!("export scans")
        }
        fn facts_snapshot(&self) -> Result<Option<crate::FactsSnapshot>, StoreError> {
            Ok(None)
        }
        fn last_seq(&self) -> Result<i64, StoreError> {
            Ok(self.0 as i64)
        }
        fn orgs(&self) -> Result<OrgRegister, StoreError> {
            Ok(OrgRegister::default())
        }
        fn population(&self) -> Result<Option<Population>, StoreError> {
            Ok(self.1.then(Population::default))
        }
        fn scan(&self, f: &mut dyn FnMut(&str)) -> Result<u64, StoreError> {
            for i in 0..self.0 {
                f(&format!(
                    r#"{{"id":"e{i}","kind":"death","at":"2017-02-01T00:00:00Z"}}"#
                ));
            }
            Ok(self.0)
        }
    }

    impl JourneyStore for Lines {
        fn set_busy_timeout(&mut self, _: std::time::Duration) -> Result<(), StoreError> {
            Ok(())
        }
        fn read(
            &self,
            f: &mut dyn FnMut(&dyn StoreRead) -> Result<(), StoreError>,
        ) -> Result<(), StoreError> {
            f(self)
        }
        fn write(
            &mut self,
            _: &mut dyn FnMut(&dyn StoreRead) -> crate::Decision,
        ) -> Result<bool, StoreError> {
            unreachable!("export only reads")
        }
    }

    /// A writer that fails after 100 bytes, as a full disk would.
    struct Full<'f>(&'f File, usize);

    impl Write for Full<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.1 + buf.len() > 100 {
                return Err(std::io::Error::other("no space left on device"));
            }
            self.1 += buf.len();
            self.0.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn full(f: &File) -> Box<dyn Write + '_> {
        Box::new(Full(f, 0))
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failure_mid_write_leaves_no_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let e = export_with(&Lines(1000, true), dir.path(), false, full).unwrap_err();
        assert!(
            e.to_string().contains("events.jsonl") && e.to_string().contains("no space"),
            "{e}"
        );
        assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
    }

    #[test]
    fn a_failure_mid_write_leaves_the_earlier_export_whole() {
        let dir = tempfile::tempdir().unwrap();
        export(&Lines(3, true), dir.path(), false).unwrap();
        let before = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
        export_with(&Lines(1000, true), dir.path(), true, full).unwrap_err();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap(),
            before
        );
        assert_eq!(
            listing(dir.path()),
            vec!["events.jsonl", "orgs.csv", "population.csv"]
        );
    }

    #[test]
    fn an_earlier_export_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        export(&Lines(3, true), dir.path(), false).unwrap();
        let e = export(&Lines(5, true), dir.path(), false).unwrap_err();
        assert!(
            matches!(&e, ExportError::Exists(p) if p.ends_with("events.jsonl")),
            "{e}"
        );
        let lines = |d: &Path| {
            std::fs::read_to_string(d.join("events.jsonl"))
                .unwrap()
                .lines()
                .count()
        };
        assert_eq!(lines(dir.path()), 3);
        export(&Lines(5, false), dir.path(), true).unwrap();
        assert_eq!(lines(dir.path()), 5);
        // The store has no population register now: the earlier one does not stay beside it.
        assert_eq!(listing(dir.path()), vec!["events.jsonl", "orgs.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn files_get_the_mode_a_created_file_gets() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        export(&Lines(3, true), dir.path(), false).unwrap();
        let mode = |p: &Path| p.metadata().unwrap().permissions().mode() & 0o777;
        let reference = dir.path().join("reference");
        File::create(&reference).unwrap();
        for name in EXPORT_FILES {
            assert_eq!(mode(&dir.path().join(name)), mode(&reference), "{name}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.txt");
        std::fs::write(&target, "keep me").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&target, out.join("orgs.csv")).unwrap();
        for replace in [false, true] {
            let e = export(&Lines(3, true), &out, replace).unwrap_err();
            assert!(
                matches!(&e, ExportError::Symlink(p) if p.ends_with("orgs.csv")),
                "{e}"
            );
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        assert_eq!(listing(&out), vec!["orgs.csv"]);
    }
}
