//! `joinedup generate`: a synthetic journey log with its registers.
//!
//! The files are written to temporary files in the folder and renamed into place only when all
//! are complete: after an error no partial `events.jsonl` is left.

use crate::cli::GenerateArgs;
use crate::progress;
use anyhow::Context as _;
use std::io::{BufWriter, Write};
use store::Staging;

pub fn run(a: GenerateArgs) -> anyhow::Result<()> {
    let config = synthetic_log::Config {
        people65: a.people,
        target_events: a.events,
        from: a.from,
        to: a.to,
        seed: a.seed,
    };
    let name = if a.gzip {
        "events.jsonl.gz"
    } else {
        "events.jsonl"
    };
    let cannot = || format!("cannot write into {}; nothing was written", a.out.display());
    // Earlier files are replaced (as generating always has), but never through a link.
    let mut staging =
        Staging::new(&a.out, &[name, "orgs.csv", "population.csv"], true).with_context(cannot)?;
    let path = a.out.join(name);
    let file = BufWriter::with_capacity(1 << 20, staging.create(name).with_context(cannot)?);
    let mut out: Box<dyn Write> = if a.gzip {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    let bar = progress::items(a.events, "generating events");
    let stats = synthetic_log::generate(&config, &mut out, &|n| bar.set_position(n));
    bar.finish_and_clear();
    let stats = stats.with_context(|| format!("cannot generate {}", path.display()))?;
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(out);
    // Beds and places sized to what these journeys used, so the log fills them about nine in
    // ten (the trust's other patients are not in the log, so neither are their beds).
    journey_log::write_orgs(
        BufWriter::new(staging.create("orgs.csv").with_context(cannot)?),
        &synthetic_log::orgs_sized(&stats.places),
    )
    .with_context(|| format!("cannot write {}", a.out.join("orgs.csv").display()))?;
    journey_log::write_population(
        BufWriter::new(staging.create("population.csv").with_context(cannot)?),
        &synthetic_log::population_for(stats.bands65),
    )
    .with_context(|| format!("cannot write {}", a.out.join("population.csv").display()))?;
    staging.commit().with_context(cannot)?;
    note!(
        "wrote {} events of {} people ({} aged 65+) to {}",
        stats.events,
        stats.people,
        stats.people65,
        a.out.display()
    );
    Ok(())
}
