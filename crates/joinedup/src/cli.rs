//! The command-line contract users and scripts rely on.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "joinedup",
    version,
    about = "One journey log, one set of numbers: the joined-up health and social care platform for older people."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Computes the joint performance framework's indicators for a period.
    Metrics(MetricsArgs),
    /// Imports journey logs and registers into a store, all or nothing.
    Import(ImportArgs),
    /// Writes a store's log and registers back out as files.
    Export(ExportArgs),
    /// Writes a synthetic journey log (test and benchmark data; not the digital twin).
    Generate(GenerateArgs),
    /// Lists the digital twin's built-in scenarios, or prints one (`scenarios show NAME`).
    Scenarios(ScenariosArgs),
    /// Runs the digital twin: replications of a scenario, summarised with confidence intervals.
    Simulate(SimulateArgs),
    /// Runs scenarios side by side with common random numbers.
    Compare(CompareArgs),
}

/// How replications run: shared by `simulate` and `compare`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[arg(long, default_value_t = 100)]
    pub replications: u64,
    /// Days measured after the warm-up (default: the scenario's).
    #[arg(long)]
    pub days: Option<u32>,
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// Threads to run replications on (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// A built-in scenario (see `joinedup scenarios`) or a TOML file.
    #[arg(long, default_value = "stoke-2017")]
    pub scenario: String,
    #[command(flatten)]
    pub run: RunArgs,
    /// Where summary.json, daily.csv and report.html go (default runs/<scenario>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write replication 1's journey log (warm-up included) with orgs.csv and population.csv.
    #[arg(long, value_name = "DIR")]
    pub events_out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Scenarios to compare (two or more); differences are from the first.
    #[arg(long = "scenario", required = true, num_args = 1)]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Where compare.csv and compare.html go (default runs/compare).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub show: Option<ScenariosCommand>,
}

#[derive(Subcommand, Debug)]
pub enum ScenariosCommand {
    /// Prints a scenario's full TOML (a built-in name, or a file with `extends` resolved).
    Show { name: String },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum By {
    Month,
}

#[derive(clap::Args, Debug)]
pub struct MetricsArgs {
    /// A journey log (.jsonl or .jsonl.gz); give several times for one log in several files.
    #[arg(
        long = "events",
        value_name = "FILE",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub events: Vec<PathBuf>,
    /// The organisations register.
    #[arg(
        long,
        value_name = "orgs.csv",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub orgs: Option<PathBuf>,
    /// The population register.
    #[arg(
        long,
        value_name = "population.csv",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub population: Option<PathBuf>,
    /// Read the log and registers from a store instead of files (an SQLite file or a
    /// postgres:// URL).
    #[arg(long, value_name = "FILE|URL", value_parser = StoreLocation)]
    pub db: Option<store::Location>,
    /// First day of the period (included), YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: String,
    /// Day after the period (excluded), YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: String,
    /// Split the period by calendar month.
    #[arg(long, value_enum)]
    pub by: Option<By>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the result to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The system's time zone (IANA name).
    #[arg(long, default_value = "Europe/London", value_name = "ZONE")]
    pub zone: String,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The store: an SQLite file (created if missing, only when the import succeeds) or a
    /// postgres:// URL of an existing database (its schema created by the first import).
    #[arg(long, value_name = "FILE|URL", value_parser = StoreLocation)]
    pub db: store::Location,
    /// Journey logs (.jsonl, .jsonl.gz) and registers (orgs.csv, population.csv).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How long to wait for another writer (an import, the service) to finish, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait: u64,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The store to read: an SQLite file or a postgres:// URL.
    #[arg(long, value_name = "FILE|URL", value_parser = StoreLocation)]
    pub db: store::Location,
    /// The folder to write events.jsonl, orgs.csv and population.csv into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// The folder to write events.jsonl (or .jsonl.gz), orgs.csv and population.csv into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// People aged 65+ followed (others are added in proportion).
    #[arg(long, default_value_t = 2000)]
    pub people: u32,
    /// Stop after about this many events (0: no limit; the period decides).
    #[arg(long, default_value_t = 0)]
    pub events: u64,
    #[arg(long, default_value = "2016-10-01", value_name = "YYYY-MM-DD")]
    pub from: String,
    #[arg(long, default_value = "2017-10-01", value_name = "YYYY-MM-DD")]
    pub to: String,
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// Compress the log with gzip.
    #[arg(long)]
    pub gzip: bool,
}

/// Parses `--db`: a file path or a `postgres://` URL. A refused URL is named with its password
/// masked (clap's own message would repeat the value as given).
#[derive(Clone, Debug)]
pub struct StoreLocation;

impl clap::builder::TypedValueParser for StoreLocation {
    type Value = store::Location;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<store::Location, clap::Error> {
        let Some(s) = value.to_str() else {
            return Ok(store::Location::Sqlite(PathBuf::from(value)));
        };
        store::Location::parse(s).map_err(|e| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for '--db <FILE|URL>': {e}\n"),
            )
            .with_cmd(cmd)
        })
    }
}
