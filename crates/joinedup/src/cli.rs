//! The command-line contract users and scripts rely on.

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The earliest date a command takes: journeys start years before a period and instants are
/// nanoseconds in an `i64` (1677 to 2262), so dates keep well inside that.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// The last date a command takes.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Parses a `YYYY-MM-DD` argument between [`FIRST_DATE`] and [`LAST_DATE`].
pub fn date(s: &str) -> Result<NaiveDate, String> {
    let d = domain::parse_date(s).map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))?;
    if d < FIRST_DATE || d > LAST_DATE {
        return Err(format!(
            "{s} is outside the dates this system takes ({FIRST_DATE} to {LAST_DATE})"
        ));
    }
    Ok(d)
}

/// The most threads `--threads` takes.
pub const MAX_THREADS: usize = 1024;

/// Parses `--threads`: 1 to [`MAX_THREADS`].
pub fn threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{s:?} is not a number of threads from 1 to {MAX_THREADS}"
        )),
    }
}

impl Cli {
    /// The checks clap cannot make on one argument alone: `--to` after `--from`.
    pub fn check(&self) -> Result<(), clap::Error> {
        let period = match &self.command {
            Command::Metrics(a) => Some(("metrics", a.from, a.to)),
            Command::Generate(a) => Some(("generate", a.from, a.to)),
            Command::Audit(AuditArgs {
                action:
                    AuditAction::List {
                        from: Some(from),
                        to: Some(to),
                        ..
                    },
                ..
            }) if to < from => {
                use clap::CommandFactory as _;
                let mut cli = Cli::command();
                cli.build();
                let cmd = cli
                    .find_subcommand_mut("audit")
                    .expect("a subcommand of Cli");
                return Err(cmd.error(
                    clap::error::ErrorKind::ValueValidation,
                    format!("--to {to} must not be before --from {from}"),
                ));
            }
            _ => None,
        };
        match period {
            Some((name, from, to)) if to <= from => {
                use clap::CommandFactory as _;
                let mut cli = Cli::command();
                cli.build();
                let cmd = cli.find_subcommand_mut(name).expect("a subcommand of Cli");
                Err(cmd.error(
                    clap::error::ErrorKind::ValueValidation,
                    format!("--to {to} must be after --from {from}"),
                ))
            }
            _ => Ok(()),
        }
    }
}

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
    /// Runs a scenario at each value of one parameter and finds the value that costs least.
    Sweep(SweepArgs),
    /// Runs the shared platform: the web pages and the JSON API over one store.
    Serve(ServeArgs),
    /// Manages the platform's users (administrators).
    Users(UsersArgs),
    /// Checks or lists the audit log: who saw or did what, hash-chained.
    Audit(AuditArgs),
}

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// The store: an SQLite file or a postgres:// URL (it must exist); before or after the
    /// subcommand.
    #[arg(long, global = true, value_name = "FILE|URL", default_value = "joinedup.db", value_parser = StoreLocation)]
    pub db: store::Location,
    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Checks the whole chain: names the first entry altered, removed or reordered (exit 1).
    Verify,
    /// Lists entries, oldest first, tab-separated (at, user, org, action, person, reason,
    /// client) or as JSON.
    List {
        /// Only this user's entries.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// Only entries about this person (NHS number, with or without spaces).
        #[arg(long, value_name = "NHS_NUMBER", value_parser = nhs_number)]
        person: Option<String>,
        /// Only entries of this action: sign_in, sign_in_failed, sign_out, view_person,
        /// search_person, break_glass, privacy_outcome, export, append.
        #[arg(long, value_parser = audit_action)]
        action: Option<store::Action>,
        /// From this date on (00:00 in the service's zone, Europe/London).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        from: Option<NaiveDate>,
        /// Up to and including this date.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        to: Option<NaiveDate>,
        /// Only the newest this many.
        #[arg(long)]
        limit: Option<u64>,
        #[arg(long, value_enum, default_value_t = AuditFormat::Tsv)]
        format: AuditFormat,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Tsv,
    Json,
}

/// Parses an NHS number (spaces allowed, the check digit checked) to its ten digits.
pub fn nhs_number(s: &str) -> Result<String, String> {
    domain::NhsNumber::parse(s)
        .map(|n| n.digits())
        .map_err(|e| format!("{s:?}: {e}"))
}

pub fn audit_action(s: &str) -> Result<store::Action, String> {
    s.parse()
        .map_err(|e: store::audit::UnknownAction| e.to_string())
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The store: an SQLite file (created if missing) or a postgres:// URL of an existing
    /// database (its schema created or migrated on start).
    #[arg(long, value_name = "FILE|URL", default_value = "joinedup.db", value_parser = StoreLocation)]
    pub db: store::Location,
    /// Where to listen.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Fill an empty store with a simulated Stoke-on-Trent year and a demo user per role.
    #[arg(long)]
    pub demo: bool,
    /// The date the service takes as today (default: the real date).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub today: Option<chrono::NaiveDate>,
    /// The seed of the demo's simulation.
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// Mark session cookies Secure (the service is behind TLS).
    #[arg(long)]
    pub secure_cookies: bool,
}

#[derive(clap::Args, Debug)]
pub struct UsersArgs {
    /// The store: an SQLite file or a postgres:// URL (it must exist).
    #[arg(long, value_name = "FILE|URL", default_value = "joinedup.db", value_parser = StoreLocation)]
    pub db: store::Location,
    #[command(subcommand)]
    pub action: UsersAction,
}

#[derive(Subcommand, Debug)]
pub enum UsersAction {
    /// Adds a user; the password is read from the first line of standard input.
    Add {
        username: String,
        /// The user's organisation (a code of the register).
        #[arg(long)]
        org: String,
        /// Roles, comma-separated: discharge_coordinator, social_worker, broker, provider, gp,
        /// voluntary_sector, analyst, admin.
        #[arg(long)]
        roles: String,
    },
    /// Lists the users.
    List,
    /// Disables a user (their sessions end at once).
    Disable { username: String },
    /// Enables a disabled user again.
    Enable { username: String },
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
    /// Threads to run replications on, 1 to 1024 (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long, value_parser = threads)]
    pub threads: Option<usize>,
}

/// Where a run starts: the scenario's own warm-up, or the state of a journey log at a date.
#[derive(clap::Args, Debug, Clone)]
pub struct StartArgs {
    /// Start from the state of a journey log at the start of --start (the people in hospital,
    /// waiting, with care running, in care homes, with reviews due), read from --db or from
    /// --events, --orgs and --population; the scenario's rates and capacities go on from
    /// there, without its warm-up.
    #[arg(long, requires = "start")]
    pub initial_state: bool,
    /// The store whose log gives the state (an SQLite file or a postgres:// URL).
    #[arg(
        long,
        value_name = "FILE|URL",
        value_parser = StoreLocation,
        requires = "initial_state",
        conflicts_with_all = ["events", "orgs", "population"]
    )]
    pub db: Option<store::Location>,
    /// A journey log giving the state (.jsonl or .jsonl.gz); several times for several files.
    #[arg(long = "events", value_name = "FILE", requires_all = ["initial_state", "orgs", "population"])]
    pub events: Vec<PathBuf>,
    /// The organisations register of --events.
    #[arg(long, value_name = "orgs.csv", requires_all = ["initial_state", "events"])]
    pub orgs: Option<PathBuf>,
    /// The population register of --events.
    #[arg(long, value_name = "population.csv", requires_all = ["initial_state", "events"])]
    pub population: Option<PathBuf>,
    /// The day the run starts, YYYY-MM-DD: the state is the log's at its midnight.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date, requires = "initial_state")]
    pub start: Option<NaiveDate>,
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// A built-in scenario (see `joinedup scenarios`) or a TOML file.
    #[arg(long, default_value = "stoke-2017")]
    pub scenario: String,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub from: StartArgs,
    /// Where summary.json, daily.csv and report.html go (default runs/<scenario>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write replication 1's journey log (warm-up included) with orgs.csv and population.csv.
    #[arg(long, value_name = "DIR")]
    pub events_out: Option<PathBuf>,
    /// Replace the output of an earlier run in those folders (refused otherwise).
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Scenarios to compare (two or more); differences are from the first.
    #[arg(long = "scenario", required = true, num_args = 1)]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub from: StartArgs,
    /// Where compare.csv and compare.html go (default runs/compare).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the output of an earlier comparison in that folder (refused otherwise).
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// A built-in scenario (see `joinedup scenarios`) or a TOML file.
    #[arg(long, default_value = "stoke-2017")]
    pub scenario: String,
    /// The numeric parameter to vary, by its key in the scenario's TOML (`table.key`), such as
    /// discharge.social_workers.
    #[arg(long, value_name = "TABLE.KEY")]
    pub param: String,
    /// The values: an inclusive range of whole numbers (14..24) or a comma-separated list
    /// (14,16,18).
    #[arg(long, value_name = "A..B|X,Y,...", allow_hyphen_values = true)]
    pub values: String,
    #[command(flatten)]
    pub run: RunArgs,
    /// Where sweep.json, sweep.csv and sweep.html go (default runs/<scenario>-sweep).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the output of an earlier sweep in that folder (refused otherwise).
    #[arg(long)]
    pub force: bool,
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
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub from: NaiveDate,
    /// Day after the period (excluded), YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub to: NaiveDate,
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
    /// Read the log files, neither using nor writing the cache of folded facts
    /// ($JOINEDUP_CACHE_DIR, else $XDG_CACHE_HOME/joinedup or ~/.cache/joinedup); with --db,
    /// read every stored event rather than the facts the store keeps and the events after them.
    #[arg(long)]
    pub no_cache: bool,
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
    /// Replace the files of an earlier export in that folder.
    #[arg(long)]
    pub force: bool,
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
    #[arg(long, default_value = "2016-10-01", value_name = "YYYY-MM-DD", value_parser = date)]
    pub from: NaiveDate,
    #[arg(long, default_value = "2017-10-01", value_name = "YYYY-MM-DD", value_parser = date)]
    pub to: NaiveDate,
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
