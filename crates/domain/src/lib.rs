//! The joinedup domain model: the vocabulary every other crate speaks.
//!
//! - [`NhsNumber`]: parsed with or without spaces, modulus-11 checked, displayed `999 123 4567`.
//! - [`codes`]: the closed vocabularies (residences, A&E sources, delay reasons with their letters
//!   and default responsible organisation, ...).
//! - [`Event`] and [`EventBody`]: one event of the journey log.
//! - [`OrgRegister`] and [`Population`]: the registers beside the log.
//! - [`Instant`] and [`Zone`]: time, local dates and ages.
//!
//! ```
//! use domain::{NhsNumber, codes::DelayReason};
//! let n: NhsNumber = "943 476 5919".parse().unwrap();
//! assert_eq!(n.digits(), "9434765919");
//! assert_eq!(DelayReason::parse_code_or_letter("E").unwrap().as_str(), "care_package_home");
//! ```

pub mod codes;
pub mod event;
pub mod nhs_number;
pub mod registers;
pub mod time;

pub use event::{Event, EventBody, Hours, Text, KNOWN_KINDS};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use registers::{AgeBand, Org, OrgRegister, Population};
pub use time::{age_on, parse_date, Instant, Zone};
