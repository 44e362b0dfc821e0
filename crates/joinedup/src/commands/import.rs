//! `joinedup import`: logs and registers into a store, all or nothing.

use super::invalid;
use crate::cli::ImportArgs;
use anyhow::Context as _;
use store::ImportError;

pub fn run(a: ImportArgs) -> anyhow::Result<()> {
    for f in &a.files {
        super::readable(f)?;
    }
    // The bar counts bytes of the logs as read (uncompressed): its total is known only when no
    // log is compressed.
    let compressed = a.files.iter().any(|f| f.to_string_lossy().ends_with(".gz"));
    let logs_bytes: Option<u64> = if compressed {
        None
    } else {
        a.files
            .iter()
            .filter(|f| f.to_string_lossy().ends_with(".jsonl"))
            .map(|f| std::fs::metadata(f).ok().map(|m| m.len()))
            .sum()
    };
    let bar = crate::progress::bytes(logs_bytes, "importing");
    let on_progress = |n: u64| bar.set_position(n);
    let wait = std::time::Duration::from_secs(a.wait);
    // The indicators' facts of the whole log are kept with it, so `metrics --db` reads them.
    let fold = live_log::stored_facts::ImportFold::boxed;
    let result = store::import_into_folding(&a.db, &a.files, wait, &on_progress, Some(&fold));
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            note!(
                "imported {} events ({} already stored), {} organisations{} into {}",
                s.events_added,
                s.events_already_stored,
                s.orgs,
                if s.population {
                    " and the population register"
                } else {
                    ""
                },
                a.db
            );
            Ok(())
        }
        Err(ImportError::Invalid(errors)) => Err(invalid("the import is not valid", &errors)),
        Err(ImportError::Store(e)) => Err(e).with_context(|| {
            format!(
                "the store {} could not take the import; nothing was written",
                a.db
            )
        }),
    }
}
