//! The events of the journey log (`docs/journey-log.md`), as typed values.
//!
//! A value of [`Event`] is valid on its own (codes, NHS number, dates); rules that span events
//! (lifecycles, references, the organisations register) are checked by the journey-log reader.

use crate::codes::*;
use crate::nhs_number::NhsNumber;
use crate::time::Instant;
use chrono::NaiveDate;
use std::hash::{Hash, Hasher};

/// One event of the journey log.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Event {
    /// Unique event id, 1 to 128 characters.
    pub id: String,
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
        gp: String,
        residence: Residence,
        care_home: Option<String>,
    },
    ResidenceChanged {
        residence: Residence,
        care_home: Option<String>,
        permanent: bool,
    },
    Death,
    AeArrival {
        attendance: String,
        org: String,
        source: AeSource,
    },
    AeDeparture {
        attendance: String,
        outcome: AeOutcome,
    },
    Admission {
        spell: String,
        org: String,
        method: AdmissionMethod,
        attendance: Option<String>,
        cause: Option<Cause>,
    },
    ReadyForDischarge {
        spell: String,
    },
    DelayReason {
        spell: String,
        reason: DelayReason,
        responsible: Responsible,
    },
    Discharge {
        spell: String,
        destination: Destination,
        pathway: Option<u8>,
        d2a: Option<bool>,
    },
    AssessmentRequested {
        assessment: String,
        assessment_type: AssessmentType,
        org: Option<String>,
        spell: Option<String>,
    },
    AssessmentCompleted {
        assessment: String,
        outcome: AssessmentOutcome,
        trusted: Option<bool>,
    },
    PackageRequested {
        package: String,
        service: Service,
        hours_per_week: Option<Hours>,
        spell: Option<String>,
    },
    PackageOffered {
        package: String,
        org: String,
    },
    PackageStarted {
        package: String,
        org: String,
    },
    PackageEnded {
        package: String,
        reason: PackageEndReason,
    },
    ReviewDue {
        review: String,
        package: Option<String>,
        due: NaiveDate,
    },
    ReviewCompleted {
        review: String,
    },
    /// A kind this version does not know: kept, counted in no indicator.
    Unknown {
        kind: String,
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
