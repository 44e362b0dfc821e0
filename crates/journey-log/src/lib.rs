//! The journey log on disk: JSON Lines (plain or gzip) and the registers beside it.
//!
//! [`LogReader`] reads one or more files as one log, checking every line with [`parse_line`] and
//! the rules that span events with [`Validator`]; every error names the file, the line and the
//! field ([`LogError`]). A read with errors hands on nothing the caller may keep.
//!
//! ```
//! use journey_log::parse_line;
//! let orgs = domain::OrgRegister::default();
//! let p = parse_line(r#"{"id":"x","kind":"death","at":"2017-03-01T10:00:00Z","person":"943 476 5919"}"#, &orgs).unwrap();
//! assert_eq!(p.event.body.kind(), "death");
//! ```

pub mod bytes;
pub mod canonical;
pub mod content;
pub mod digest;
pub mod error;
mod flat;
mod id_ledger;
mod parts;
pub mod read;
pub mod registers;
pub mod validate;
mod validate_state;
pub mod wire;
pub mod write;

#[cfg(test)]
mod parse_props;

pub use content::ContentDigest;
pub use digest::{digest_file, FileDigest};
pub use error::{LogError, LogErrors, MAX_ERRORS};
pub use read::{LineRef, LogLine, LogReader, ReadSummary};
pub use registers::{
    read_orgs, read_orgs_file, read_population, read_population_file, register_kind, write_orgs,
    write_population, RegisterKind,
};
pub use validate::{Lifecycle, Loc, Validator, Verdict};
pub use wire::{fingerprint, parse_line, parse_line_when, DigestWhen, FieldError, ParsedEvent};
pub use write::{event_json, parsed_json};
