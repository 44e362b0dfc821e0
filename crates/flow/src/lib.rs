//! The discharge workflow's view of people, as pure functions over one person's events.
//!
//! - [`Person`]: every event about one person (in time order), what the access rules read
//!   ([`access::PersonFacts`]), and the platform's own additions to the format ([`Extra`]).
//! - [`spell`]: a hospital stay as the board sees it (ready, delay reasons, pathway, the
//!   assessments and packages asked for it).
//! - [`timeline`]: the record in plain words, and the state in force at the top of it.
//! - [`board`]: the flow board's rows, filters and order.
//! - [`dtoc`]: the delayed-transfers snapshot of a date, in the shape of the NHS return.
//! - [`record`]: the events the board records, and the check that a form is not stale.
//!
//! No I/O and no web: the live log keeps one [`Person`] per NHS number, the web layer renders.

pub mod board;
pub mod dtoc;
pub mod person;
pub mod record;
pub mod spell;
pub mod timeline;
mod words;

pub use board::{BoardFilter, BoardRow};
pub use person::{Extra, Person, Recorded, PATHWAY_PLANNED, RECORDED_BY};
pub use spell::{Need, SpellState};
