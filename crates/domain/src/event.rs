//! The events of the journey log (`docs/journey-log.md`), as typed values.
//!
//! A value of [`Event`] is valid on its own (codes, NHS number, dates); rules that span events
//! (lifecycles, references, the organisations register) are checked by the journey-log reader.

use crate::codes::*;
use crate::nhs_number::NhsNumber;
use crate::time::Instant;
use chrono::NaiveDate;
use std::hash::{Hash, Hasher};

/// Short text of an event (ids, org codes): stored inline up to 24 bytes, so reading a log
/// allocates nothing for them.
pub type Text = compact_str::CompactString;

/// One event of the journey log.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Event {
    /// Unique event id, 1 to 128 characters.
    pub id: Text,
    pub at: Instant,
    /// Required on every known kind; optional on unknown kinds.
    pub person: Option<NhsNumber>,
    pub body: EventBody,
}

/// Hours of care a week; compared and hashed as a number (10 equals 10.0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hours(pub f64);

impl Hash for Hours {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // +0.0 and -0.0 are equal, so they hash alike.
        let v = if self.0 == 0.0 { 0.0f64 } else { self.0 };
        v.to_bits().hash(state)
    }
}

/// What happened, with the fields of its kind.
#[derive(Debug, Clone, PartialEq, Hash)]
pub enum EventBody {
    PersonRegistered {
        birth_date: NaiveDate,
        sex: Sex,
        gp: Text,
        residence: Residence,
        care_home: Option<Text>,
    },
    ResidenceChanged {
        residence: Residence,
        care_home: Option<Text>,
        permanent: bool,
    },
    Death,
    AeArrival {
        attendance: Text,
        org: Text,
        source: AeSource,
    },
    AeDeparture {
        attendance: Text,
        outcome: AeOutcome,
    },
    Admission {
        spell: Text,
        org: Text,
        method: AdmissionMethod,
        attendance: Option<Text>,
        cause: Option<Cause>,
    },
    ReadyForDischarge {
        spell: Text,
    },
    DelayReason {
        spell: Text,
        reason: DelayReason,
        responsible: Responsible,
    },
    Discharge {
        spell: Text,
        destination: Destination,
        pathway: Option<u8>,
        d2a: Option<bool>,
    },
    AssessmentRequested {
        assessment: Text,
        assessment_type: AssessmentType,
        org: Option<Text>,
        spell: Option<Text>,
    },
    AssessmentCompleted {
        assessment: Text,
        outcome: AssessmentOutcome,
        trusted: Option<bool>,
    },
    PackageRequested {
        package: Text,
        service: Service,
        hours_per_week: Option<Hours>,
        spell: Option<Text>,
    },
    PackageOffered {
        package: Text,
        org: Text,
    },
    PackageStarted {
        package: Text,
        org: Text,
    },
    PackageEnded {
        package: Text,
        reason: PackageEndReason,
    },
    ReviewDue {
        review: Text,
        package: Option<Text>,
        due: NaiveDate,
    },
    ReviewCompleted {
        review: Text,
    },
    /// A kind this version does not know: kept, counted in no indicator.
    Unknown {
        kind: Text,
    },
}

/// The known kinds, in the order of the spec.
pub const KNOWN_KINDS: &[&str] = &[
    "person_registered",
    "residence_changed",
    "death",
    "ae_arrival",
    "ae_departure",
    "admission",
    "ready_for_discharge",
    "delay_reason",
    "discharge",
    "assessment_requested",
    "assessment_completed",
    "package_requested",
    "package_offered",
    "package_started",
    "package_ended",
    "review_due",
    "review_completed",
];

impl EventBody {
    /// The `kind` as written in files.
    pub fn kind(&self) -> &str {
        use EventBody::*;
        match self {
            PersonRegistered { .. } => "person_registered",
            ResidenceChanged { .. } => "residence_changed",
            Death => "death",
            AeArrival { .. } => "ae_arrival",
            AeDeparture { .. } => "ae_departure",
            Admission { .. } => "admission",
            ReadyForDischarge { .. } => "ready_for_discharge",
            DelayReason { .. } => "delay_reason",
            Discharge { .. } => "discharge",
            AssessmentRequested { .. } => "assessment_requested",
            AssessmentCompleted { .. } => "assessment_completed",
            PackageRequested { .. } => "package_requested",
            PackageOffered { .. } => "package_offered",
            PackageStarted { .. } => "package_started",
            PackageEnded { .. } => "package_ended",
            ReviewDue { .. } => "review_due",
            ReviewCompleted { .. } => "review_completed",
            Unknown { kind } => kind,
        }
    }
}
