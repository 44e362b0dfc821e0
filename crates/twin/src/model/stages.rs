//! The stages of a patient's spell and the table of what each stage waits for, holds and
//! releases. The discharge code reads its delay reasons and queues from [`Stage::row`].

use domain::codes::DelayReason;

/// What an older patient's spell is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    InTreatment,
    /// Planned to go home with no service: waits only to be optimised.
    Planned,
    Assessment,
    Chc,
    /// CHC-funded placement: the window for providers to apply.
    ChcWindow,
    /// A broker finding a provider (home care or a care home).
    Brokerage,
    /// The provider found (or the care home place held) sends someone to assess first.
    ProviderAssessing,
    Family,
    HomeCare,
    Reablement,
    StepDown,
    CareHome,
    ReadyToLeave,
    Gone,
}

/// A named, finite capacity a stage queues for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Capacity {
    SocialWorkers,
    ChcAssessors,
    Brokers,
    ProviderAssessors,
    HomeCareHours,
    ReablementPlaces,
    StepDownBeds,
    /// Residential or nursing home places, by the patient's need.
    CareHomePlaces,
}

impl Capacity {
    /// A service the discharge needs (held from its grant to the discharge), rather than an
    /// assessor's time.
    pub(super) fn is_service(self) -> bool {
        !matches!(
            self,
            Capacity::SocialWorkers
                | Capacity::ChcAssessors
                | Capacity::Brokers
                | Capacity::ProviderAssessors
        )
    }

    /// Staff who work weekday office hours (seven days with `seven-day`): a wait for them
    /// while none is on duty is a wait for office hours, a rule.
    pub(super) fn on_rota(self) -> bool {
        matches!(
            self,
            Capacity::SocialWorkers | Capacity::Brokers | Capacity::ProviderAssessors
        )
    }
}

/// The delay reason of a stage, once the patient is medically optimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reason {
    Assessment,
    /// A nursing or a residential home, by the patient's need.
    CareHome,
    PatientFamilyChoice,
    CarePackageHome,
    NonAcuteNhsCare,
    /// The service being placed: a care package (pathway 1) or a care home (pathway 3).
    Placement,
}

impl Reason {
    pub(super) fn delay(self, pathway: u8, nursing: bool) -> DelayReason {
        match self {
            Reason::Placement if pathway == 1 => DelayReason::CarePackageHome,
            Reason::Placement => Reason::CareHome.delay(pathway, nursing),
            Reason::Assessment => DelayReason::Assessment,
            Reason::CareHome if nursing => DelayReason::NursingHome,
            Reason::CareHome => DelayReason::ResidentialHome,
            Reason::PatientFamilyChoice => DelayReason::PatientFamilyChoice,
            Reason::CarePackageHome => DelayReason::CarePackageHome,
            Reason::NonAcuteNhsCare => DelayReason::NonAcuteNhsCare,
        }
    }
}

/// One row of the stage table.
#[derive(Debug, Clone, Copy)]
pub(super) struct StageRow {
    pub stage: Stage,
    /// Why a medically optimised patient at this stage is delayed.
    pub reason: Option<Reason>,
    /// The capacity whose queue the stage waits in, if any.
    pub queue: Option<Capacity>,
    /// What the spell holds at this stage, besides its acute bed (held from admission to
    /// discharge).
    pub holds: &'static str,
    /// What ends the stage, and what it releases.
    pub releases: &'static str,
}

use Capacity as C;
use Reason as R;

/// The stage table, in the order a spell goes through it.
pub(super) const STAGES: [StageRow; 14] = [
    StageRow {
        stage: Stage::InTreatment,
        reason: None,
        queue: None,
        holds: "nothing",
        releases:
            "discharge planning (`planning_lead_days` before the expected date) chooses the pathway",
    },
    StageRow {
        stage: Stage::Planned,
        reason: None,
        queue: None,
        holds: "nothing",
        releases: "optimised: ready to leave",
    },
    StageRow {
        stage: Stage::Assessment,
        reason: Some(R::Assessment),
        queue: Some(C::SocialWorkers),
        holds: "a social worker, from the start of the assessment to its end",
        releases: "the assessment's end releases the social worker",
    },
    StageRow {
        stage: Stage::Chc,
        reason: Some(R::Assessment),
        queue: Some(C::ChcAssessors),
        holds: "a CHC assessor, from the start of the assessment to its end",
        releases: "the assessment's end releases the assessor",
    },
    StageRow {
        stage: Stage::ChcWindow,
        reason: Some(R::CareHome),
        queue: None,
        holds: "nothing (CHC-funded: a window of `chc_window_days` for providers to apply)",
        releases: "the window closes: on to a care home place",
    },
    StageRow {
        stage: Stage::Brokerage,
        reason: Some(R::Placement),
        queue: Some(C::Brokers),
        holds: "a broker, from the start of the search to its end",
        releases: "a provider is found: on to its hours or a care home place",
    },
    StageRow {
        stage: Stage::Family,
        reason: Some(R::PatientFamilyChoice),
        queue: Some(C::CareHomePlaces),
        holds: "nothing until the preferred home has a vacancy",
        releases: "a place in the preferred home is granted: on to the provider's assessment",
    },
    StageRow {
        stage: Stage::HomeCare,
        reason: Some(R::CarePackageHome),
        queue: Some(C::HomeCareHours),
        holds: "the package's home care hours, once granted, while the agency starts (`home_care_start_hours`)",
        releases: "hours granted: on to the agency's assessment; the care starts: ready to leave, still holding the hours",
    },
    StageRow {
        stage: Stage::Reablement,
        reason: Some(R::CarePackageHome),
        queue: Some(C::ReablementPlaces),
        holds: "nothing until granted",
        releases: "a place is granted: ready to leave, holding it",
    },
    StageRow {
        stage: Stage::StepDown,
        reason: Some(R::NonAcuteNhsCare),
        queue: Some(C::StepDownBeds),
        holds: "a step-down bed, once granted, while waiting for the provider's admission window",
        releases: "admitted in the window: ready to leave, holding the bed",
    },
    StageRow {
        stage: Stage::CareHome,
        reason: Some(R::CareHome),
        queue: Some(C::CareHomePlaces),
        holds: "nothing until granted",
        releases: "a place is granted: on to the provider's assessment, holding it",
    },
    StageRow {
        stage: Stage::ProviderAssessing,
        reason: Some(R::Placement),
        queue: Some(C::ProviderAssessors),
        holds: "the hours or the place found, and a provider's assessor during the visit",
        releases: "the last visit: ready to leave (a care home), or the agency's start-up (home care)",
    },
    StageRow {
        stage: Stage::ReadyToLeave,
        reason: None,
        queue: None,
        holds:
            "the service arranged (hours, a reablement place, a step-down bed, a care home place)",
        releases:
            "discharge releases the acute bed; the service passes to the package or the residence",
    },
    StageRow {
        stage: Stage::Gone,
        reason: None,
        queue: None,
        holds: "nothing",
        releases: "nothing",
    },
];

impl Stage {
    /// This stage's row of [`STAGES`].
    pub(super) fn row(self) -> &'static StageRow {
        STAGES
            .iter()
            .find(|r| r.stage == self)
            .expect("every stage has a row")
    }
}

/// The stage table in Markdown, as `ARCHITECTURE.md` shows it.
pub fn table_markdown() -> String {
    let mut out = String::from(
        "| stage | delay reason | queues for | holds (besides the acute bed) | ends with |\n|---|---|---|---|---|\n",
    );
    for r in &STAGES {
        let reason = match r.reason {
            None => "-".to_string(),
            Some(Reason::CareHome) => "residential_home / nursing_home".to_string(),
            Some(Reason::Placement) => {
                "care_package_home (pathway 1) / residential_home / nursing_home".to_string()
            }
            Some(r) => r.delay(0, false).as_str().to_string(),
        };
        let queue = r.queue.map_or("-".to_string(), |q| format!("{q:?}"));
        out.push_str(&format!(
            "| {:?} | {reason} | {queue} | {} | {} |\n",
            r.stage, r.holds, r.releases
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_has_one_row_and_a_queue_stage_is_a_delay() {
        for (i, row) in STAGES.iter().enumerate() {
            assert_eq!(STAGES.iter().filter(|r| r.stage == row.stage).count(), 1);
            assert_eq!(row.stage.row().stage, STAGES[i].stage);
            if row.queue.is_some() {
                assert!(
                    row.reason.is_some(),
                    "{:?} queues but is no delay",
                    row.stage
                );
            }
        }
        let architecture = include_str!("../../../../ARCHITECTURE.md");
        assert!(
            architecture.contains(&table_markdown()),
            "ARCHITECTURE.md's stage table differs from the model's; it should read:\n{}",
            table_markdown()
        );
        assert_eq!(
            Stage::Brokerage.row().reason.map(|r| r.delay(3, true)),
            Some(DelayReason::NursingHome)
        );
        assert_eq!(
            Stage::Brokerage.row().reason.map(|r| r.delay(1, true)),
            Some(DelayReason::CarePackageHome)
        );
    }
}
