//! The policy switches of a scenario (`[policy]`), and every decision of the model they change,
//! in one place: a switch is read here and nowhere else.

use crate::scenario;

/// The decisions the policy switches make.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    d2a: bool,
    trusted_assessor: bool,
    seven_day: bool,
}

impl Policy {
    pub(super) fn new(switches: &scenario::Policy) -> Self {
        Policy {
            d2a: switches.d2a,
            trusted_assessor: switches.trusted_assessor,
            seven_day: switches.seven_day,
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
