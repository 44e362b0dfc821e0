//! The digital twin: a discrete-event simulation of how older people move through the health
//! and care system of Stoke-on-Trent, built on `sim-kernel`.
//!
//! This crate holds the scenarios (every parameter of the model, in TOML, with `extends`); the
//! whole-system model that runs them is being built on top (see ARCHITECTURE.md).

pub mod scenario;

pub use scenario::{Scenario, ScenarioError, BUILT_IN};
