//! `joinedup export`: a store's log and registers as files, all or nothing.

use super::InvalidInput;
use crate::cli::ExportArgs;
use anyhow::Context as _;
use store::ExportError;

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    super::readable_store(&a.db)?;
    let store = store::open(&a.db, store::Access::Read)?;
    let s = match store::export(&*store, &a.out, a.force) {
        Ok(s) => s,
        Err(e @ ExportError::Exists(_)) => {
            return Err(InvalidInput(format!(
                "error: {e} (an earlier export?); nothing was written: give --force to replace it"
            ))
            .into())
        }
        Err(e @ (ExportError::Symlink(_) | ExportError::NotAFile(_))) => {
            return Err(InvalidInput(format!("error: {e}; nothing was written")).into())
        }
        Err(e) => {
            return Err(e).with_context(|| {
                format!("cannot export to {}; nothing was written", a.out.display())
            })
        }
    };
    note!(
        "exported {} events and {} organisations to {}",
        s.events,
        s.orgs,
        a.out.display()
    );
    Ok(())
}
