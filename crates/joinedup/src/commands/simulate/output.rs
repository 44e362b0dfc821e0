//! Where `simulate` and `compare` write: a folder that holds no earlier output (unless
//! `--force`), and each file whole or not at all (written to a temporary file in the folder,
//! then renamed over the name).

use super::InvalidInput;
use anyhow::Context as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Checks, before any work, that `dir` (given by `flag`, or its default) can take `files`:
/// it is not a file, and holds none of them unless `force`.
pub fn claim(dir: &Path, files: &[&str], force: bool, flag: &str) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(InvalidInput(format!(
            "error: {} is a file, not a folder: give another {flag}",
            dir.display()
        ))
        .into());
    }
    if force {
        return Ok(());
    }
    let held: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| dir.join(f).exists())
        .collect();
    if held.is_empty() {
        Ok(())
    } else {
        Err(InvalidInput(format!(
            "error: {} already holds output ({}): give another {flag} or add --force to replace it",
            dir.display(),
            held.join(", ")
        ))
        .into())
    }
}

/// A file being written: a temporary file in its folder until [`commit`](Self::commit) renames
/// it over `path`. Dropped without a commit, it is removed and `path` is left as it was.
pub struct Pending {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Pending {
    /// Starts `dir/name`, creating `dir` if need be.
    pub fn create(dir: &Path, name: &str) -> anyhow::Result<Pending> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(Pending {
            tmp,
            path: dir.join(name),
        })
    }

    pub fn file(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the file in place.
    pub fn commit(self) -> anyhow::Result<()> {
        let path = self.path;
        self.tmp
            .persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// Writes `dir/name` whole.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = Pending::create(dir, name)?;
    f.file()
        .write_all(bytes)
        .with_context(|| format!("cannot write {}", f.path().display()))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earlier_output_is_refused_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        claim(dir.path(), &["a.csv"], false, "--out").unwrap();
        write(dir.path(), "a.csv", b"one").unwrap();
        let e = claim(dir.path(), &["a.csv", "b.csv"], false, "--out").unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("already holds output (a.csv)") && e.contains("--force"),
            "{e}"
        );
        claim(dir.path(), &["a.csv"], true, "--out").unwrap();
        let file = dir.path().join("a.csv");
        assert!(claim(&file, &["x"], true, "--out")
            .unwrap_err()
            .to_string()
            .contains("is a file, not a folder"));
    }

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.csv", b"one").unwrap();
        let mut p = Pending::create(dir.path(), "a.csv").unwrap();
        p.file().write_all(b"two, half written").unwrap();
        // Until committed, the old file stands; dropped, the new one is gone.
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"one");
        drop(p);
        write(dir.path(), "a.csv", b"three").unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"three");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.csv"]);
    }
}
