//! The digital twin: a discrete-event simulation of how older people move through the health
//! and care system of Stoke-on-Trent, built on `sim-kernel`.
//!
//! - [`scenario`]: every parameter of the model, in TOML, with `extends`.
//! - [`model`]: the whole-system model on the kernel, emitting journey-log events.
//! - [`emit`]: events stamped with ids and instants, handed to a sink.
//! - [`run`]: a replication streamed into the indicator engine.
//! - [`calibration`]: the 2017 figures, each over its own period, and whether they are met.
//! - [`compare`]: scenarios side by side with common random numbers (`compare`, plans).
//! - [`costs`]: what a run's capacity and services cost, from the scenario's unit costs.
//! - [`sweep`]: a scenario at each value of one parameter, for the value that costs least.
//! - [`fit`]: a search over named inputs for the values closest to the fitted 2017 figures.

pub mod calibration;
pub mod compare;
pub mod costs;
pub mod decomposition;
pub mod demo;
pub mod emit;
pub mod fit;
pub mod html;
pub mod model;
pub mod run;
pub mod scenario;
pub mod state;
pub mod summary;
pub mod sweep;
pub mod warmup;
pub mod warnings;

pub use run::{period, registers, registers_with_beds, replicate, replicate_from, Replication};
pub use scenario::{Scenario, ScenarioError, BUILT_IN};
