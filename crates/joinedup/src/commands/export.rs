//! `joinedup export`: a store's log and registers as files.

use crate::cli::ExportArgs;
use anyhow::Context as _;

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    let store = store::open(&a.db, store::Access::Read)?;
    let s = store::export(&*store, &a.out)
        .with_context(|| format!("cannot export to {}", a.out.display()))?;
    eprintln!(
        "exported {} events and {} organisations to {}",
        s.events,
        s.orgs,
        a.out.display()
    );
    Ok(())
}
