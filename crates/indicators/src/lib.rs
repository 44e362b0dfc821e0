//! The joint performance framework: every indicator of `docs/indicators.md`, computed from a
//! stream of journey-log events.
//!
//! The engine does no I/O and knows no store: feed it [`domain::Event`]s in any order with
//! [`JourneyFacts::push`], then [`JourneyFacts::finish`] and ask the [`Journeys`] for a
//! [`Report`] over any [`Period`]. Observed logs, the store and the simulation all feed it the
//! same way, so they all give the same figures.
//!
//! ```
//! use indicators::{BenchmarkSet, Context, JourneyFacts, Period};
//! let facts = JourneyFacts::new();
//! let journeys = facts.finish();
//! let orgs = domain::OrgRegister::default();
//! let population = domain::Population::new([0, 100_000, 20_000, 0, 0]);
//! let benchmarks = BenchmarkSet::stoke_2017();
//! let ctx = Context { orgs: &orgs, population: &population, benchmarks: &benchmarks, zone: Default::default() };
//! let period = Period::new(domain::parse_date("2017-02-01").unwrap(), domain::parse_date("2017-03-01").unwrap()).unwrap();
//! let report = journeys.report(period, &ctx);
//! assert_eq!(report.value("dtoc_delayed_days_per_100k"), Some(0.0));
//! assert_eq!(report.value("ae_4h_pct"), None); // no attendances: no denominator
//! ```

pub mod benchmarks;
pub mod catalogue;
pub mod compute;
pub mod facts;
pub mod report;
pub mod sections;
pub mod snapshot;
pub mod survey;

pub use benchmarks::{BenchmarkSet, Benchmarks};
pub use catalogue::{Better, Definition, Unit, INDICATORS};
pub use compute::{Context, Period, PeriodError};
pub use facts::{JourneyFacts, Journeys};
pub use report::{
    periods_json, to_csv, to_table, IndicatorValue, Report, VersusEngland, VersusTarget, SMALL_BASE,
};
pub use sections::{Section, Sections};
pub use snapshot::{SnapshotError, SNAPSHOT_VERSION};
pub use survey::{Survey, UnknownKind};
