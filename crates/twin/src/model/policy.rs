//! The policy switches of a scenario (`[policy]`), and every decision of the model they change,
//! in one place: a switch is read here and nowhere else.

use crate::scenario;

/// The decisions the policy switches make.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    d2a: bool,
    trusted_assessor: bool,
    seven_day: bool,
    readmission_hazard: bool,
}

impl Policy {
    pub(super) fn new(switches: &scenario::Policy) -> Self {
        Policy {
            d2a: switches.d2a,
            trusted_assessor: switches.trusted_assessor,
            seven_day: switches.seven_day,
            readmission_hazard: switches.readmission_hazard,
        }
    }

    /// Whether the weekday-only services (social workers' assessments, reviews, step-down
    /// admissions, discharges that need a service) work today (`seven-day`: every day).
    pub(super) fn services_open(&self, weekend: bool) -> bool {
        !weekend || self.seven_day
    }

    /// Whether a patient of `pathway` is discharged to assess (`d2a`): pathway 1 goes home
    /// without a hospital assessment, bridged by reablement, and is assessed at home.
    pub(super) fn discharge_to_assess(&self, pathway: u8) -> bool {
        self.d2a && pathway == 1
    }

    /// Whether pathway-1 patients are bridged home by reablement while assessed at home (`d2a`),
    /// rather than offered reablement only by `discharge.reablement_share`.
    pub(super) fn bridging(&self) -> bool {
        self.d2a
    }

    /// Whether readmissions come from the post-discharge excess crisis hazard
    /// (`readmission_hazard`), rather than a forced return within 30 days of a discharge.
    pub(super) fn readmission_hazard(&self) -> bool {
        self.readmission_hazard
    }

    /// How many CHC providers assess the person themselves before accepting: none with a
    /// trusted assessor (`trusted-assessor`), else the scenario's number.
    pub(super) fn provider_reassessments(&self, reassessing: u32) -> u32 {
        if self.trusted_assessor {
            0
        } else {
            reassessing
        }
    }
}
