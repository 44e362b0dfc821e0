//! `joinedup generate`: a synthetic journey log with its registers.

use super::{date_arg, InvalidInput};
use crate::cli::GenerateArgs;
use crate::progress;
use anyhow::Context as _;
use std::io::{BufWriter, Write};

pub fn run(a: GenerateArgs) -> anyhow::Result<()> {
    let from = date_arg("from", &a.from)?;
    let to = date_arg("to", &a.to)?;
    if to <= from {
        return Err(InvalidInput(format!("error: --to {to} must be after --from {from}")).into());
    }
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let config = synthetic_log::Config {
        people65: a.people,
        target_events: a.events,
        from,
        to,
        seed: a.seed,
    };
    let name = if a.gzip {
        "events.jsonl.gz"
    } else {
        "events.jsonl"
    };
    let path = a.out.join(name);
    let file = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?,
    );
    let mut out: Box<dyn Write> = if a.gzip {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    let bar = if a.events > 0 {
        progress::items(a.events, "generating events")
    } else {
        progress::items(0, "generating events")
    };
    let stats = synthetic_log::generate(&config, &mut out, &|n| bar.set_position(n))?;
    bar.finish_and_clear();
    out.flush()?;
    drop(out);
    // Beds and places sized to what these journeys used, so the log fills them about nine in
    // ten (the trust's other patients are not in the log, so neither are their beds).
    journey_log::write_orgs(
        std::fs::File::create(a.out.join("orgs.csv"))?,
        &synthetic_log::orgs_sized(&stats.places),
    )?;
    journey_log::write_population(
        std::fs::File::create(a.out.join("population.csv"))?,
        &synthetic_log::population_for(stats.bands65),
    )?;
    eprintln!(
        "wrote {} events of {} people ({} aged 65+) to {}",
        stats.events,
        stats.people,
        stats.people65,
        a.out.display()
    );
    Ok(())
}
