//! `--initial-state`: the state of a journey log (a store, or files) at the start of a date,
//! read and checked as `metrics` reads a log: a log with errors starts nothing.

use super::super::metrics::read_registers;
use super::super::{invalid, readable, readable_store, InvalidInput};
use crate::cli::StartArgs;
use crate::progress;
use domain::{OrgRegister, Zone};
use journey_log::{parse_line, LogReader};
use twin::state::{InitialState, StateBuilder};

/// A state read for a run, and the register its events name organisations from.
pub struct Started {
    pub state: InitialState,
    pub orgs: OrgRegister,
    /// Where it was read from, as the user named it.
    pub source: String,
}

/// The state `a` asks for, if it asks for one.
pub fn read(a: &StartArgs) -> anyhow::Result<Option<Started>> {
    if !a.initial_state {
        return Ok(None);
    }
    let date = a.start.expect("clap requires --start with --initial-state");
    let mut builder = StateBuilder::new(date, Zone::default());
    let (orgs, source) = match &a.db {
        Some(db) => (from_store(db, &mut builder)?, db.to_string()),
        None if a.events.is_empty() => {
            return Err(InvalidInput(
                "error: --initial-state needs the log to read: --db, or --events with --orgs \
                 and --population"
                    .into(),
            )
            .into())
        }
        None => (
            from_files(a, &mut builder)?,
            a.events
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    let state = builder.finish();
    if state.people.is_empty() {
        return Err(InvalidInput(format!(
            "error: --initial-state: {source} holds no one registered and alive at the start of \
             {date}"
        ))
        .into());
    }
    Ok(Some(Started {
        state,
        orgs,
        source,
    }))
}

fn from_files(a: &StartArgs, builder: &mut StateBuilder) -> anyhow::Result<OrgRegister> {
    let orgs_path = a.orgs.as_ref().expect("clap requires --orgs with --events");
    let pop_path = a
        .population
        .as_ref()
        .expect("clap requires --population with --events");
    for path in [orgs_path, pop_path].into_iter().chain(&a.events) {
        readable(path)?;
    }
    let (orgs, _, _) = read_registers(orgs_path, pop_path)?;
    let total = super::super::metrics::bytes_to_read(&a.events);
    let bar = progress::bytes(total, "reading the state's journey log");
    let on_progress = |n: u64| bar.set_position(n);
    let result = LogReader::new(&orgs)
        .progress(&on_progress)
        .read(&a.events, |l| builder.push(&l.parsed.event));
    bar.finish_and_clear();
    if let Err(e) = result {
        return Err(invalid("the journey log is not valid", &e));
    }
    Ok(orgs)
}

fn from_store(db: &store::Location, builder: &mut StateBuilder) -> anyhow::Result<OrgRegister> {
    readable_store(db)?;
    let store = store::open(db, store::Access::Read)?;
    let mut read = None;
    store.read(&mut |held| {
        let orgs = held.orgs()?;
        let mut bad = 0u64;
        held.scan(&mut |raw| match parse_line(raw, &orgs) {
            Ok(p) => builder.push(&p.event),
            Err(_) => bad += 1,
        })?;
        read = Some((orgs, bad));
        Ok(())
    })?;
    let (orgs, bad) = read.expect("the read ran");
    if bad > 0 {
        anyhow::bail!("the store {} is damaged: {bad} events no longer parse", db);
    }
    Ok(orgs)
}

/// `summary.json`'s `initial_state`: the date, where from, the census, what the log left out.
pub fn json(f: &Started) -> serde_json::Value {
    serde_json::json!({
        "date": f.state.date.to_string(),
        "source": f.source,
        "events_read": f.state.events_read,
        "events_after_the_date": f.state.events_after,
        "census": f.state.census(),
        "notes": f.state.notes,
    })
}
