//! `joinedup import`: logs and registers into a store, all or nothing.

use super::invalid;
use crate::cli::ImportArgs;
use anyhow::Context as _;
use store::{ImportError, SqliteStore};

pub fn run(a: ImportArgs) -> anyhow::Result<()> {
    for f in &a.files {
        if !f.exists() {
            return Err(super::InvalidInput(format!(
                "error: {}: no such file; nothing was written",
                f.display()
            ))
            .into());
        }
    }
    let mut store = SqliteStore::open(&a.db)
        .with_context(|| format!("cannot open the store {}", a.db.display()))?;
    match store::import(&mut store, &a.files) {
        Ok(s) => {
            eprintln!(
                "imported {} events ({} already stored), {} organisations{} into {}",
                s.events_added,
                s.events_already_stored,
                s.orgs,
                if s.population {
                    " and the population register"
                } else {
                    ""
                },
                a.db.display()
            );
            Ok(())
        }
        Err(ImportError::Invalid(errors)) => Err(invalid("the import is not valid", &errors)),
        Err(ImportError::Store(e)) => {
            Err(e).context("the store could not take the import; nothing was written")
        }
    }
}
