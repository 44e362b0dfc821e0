//! One module per subcommand; each parses nothing itself and calls the libraries.

mod audit;
mod export;
mod facts_cache;
mod generate;
mod import;
mod metrics;
mod scenarios;
mod serve;
mod simulate;
mod users;

use crate::cli::{Cli, Command};
use std::fmt;

/// Input that the user must fix: the message already names files, lines and fields.
#[derive(Debug)]
pub struct InvalidInput(pub String);

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidInput {}

/// Turns a set of input errors into an [`InvalidInput`] that lists them.
pub fn invalid(what: &str, errors: &journey_log::LogErrors) -> anyhow::Error {
    let n = errors.len();
    let plural = if n == 1 { "error" } else { "errors" };
    InvalidInput(format!(
        "error: {what}: {n} {plural}; nothing was written\n{errors}"
    ))
    .into()
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Metrics(a) => metrics::run(a),
        Command::Import(a) => import::run(a),
        Command::Export(a) => export::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Scenarios(a) => scenarios::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Compare(a) => simulate::compare(a),
        Command::Sweep(a) => simulate::sweep::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Users(a) => users::run(a),
        Command::Audit(a) => audit::run(a),
    }
}

/// Checks that an input file can be read before anything else is done with it:
/// `error: cannot read events.jsonl: No such file or directory`.
/// As [`readable`] for a store file; a database URL is checked by connecting.
pub fn readable_store(db: &store::Location) -> anyhow::Result<()> {
    match db {
        store::Location::Sqlite(path) => readable(path),
        store::Location::Postgres(_) => Ok(()),
    }
}

pub fn readable(path: &std::path::Path) -> anyhow::Result<()> {
    let why = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => "it is a folder, not a file".to_string(),
        Ok(_) => match std::fs::File::open(path) {
            Ok(_) => return Ok(()),
            Err(e) => crate::output::reason(&e),
        },
        Err(e) => crate::output::reason(&e),
    };
    Err(InvalidInput(format!("error: cannot read {}: {why}", path.display())).into())
}
