//! Which [`Component`] of its delay a medically optimised patient is in, read from the
//! spell's stage (its row of [`super::stages::STAGES`]) and what it holds; `mark` records
//! each change in the spell's [`DelayTrail`].

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// The component of spell `sp`'s delay now.
    pub(super) fn component_now(&self, sp: Ix) -> Component {
        let spell = &self.spells[sp as usize];
        let queue = |c: Capacity| match c {
            Capacity::SocialWorkers => Component::QueueSocialWorkers,
            Capacity::ChcAssessors => Component::QueueChcAssessors,
            Capacity::Brokers => Component::QueueBrokers,
            Capacity::ProviderAssessors => Component::QueueProviderAssessors,
            Capacity::HomeCareHours => Component::QueueHomeCareHours,
            Capacity::ReablementPlaces => Component::QueueReablementPlaces,
            Capacity::StepDownBeds => Component::QueueStepDownBeds,
            Capacity::CareHomePlaces => Component::QueueCareHomePlaces,
        };
        let waiting = spell.stage.row().queue.map(queue);
        match spell.stage {
            Stage::Assessment | Stage::Chc | Stage::Brokerage | Stage::ProviderAssessing => {
                match spell.process {
                    Some(Capacity::SocialWorkers) => Component::CareNeedsAssessment,
                    Some(Capacity::ChcAssessors) => Component::ChcAssessment,
                    Some(Capacity::Brokers) => Component::Brokering,
                    Some(Capacity::ProviderAssessors) => Component::ProviderAssessments,
                    _ if spell.stage.row().queue.is_some_and(|c| c.on_rota())
                        && !spell.passed_over =>
                    {
                        Component::OfficeHours
                    }
                    _ => waiting.expect("a queue stage"),
                }
            }
            Stage::ChcWindow => Component::BrokerageWindow,
            Stage::Family => Component::QueuePreferredCareHome,
            Stage::HomeCare if spell.arranged == Some(Capacity::HomeCareHours) => {
                Component::AgencyStartUp
            }
            Stage::StepDown if spell.arranged == Some(Capacity::StepDownBeds) => {
                Component::StepDownAdmissionWindow
            }
            Stage::HomeCare | Stage::Reablement | Stage::StepDown | Stage::CareHome => {
                waiting.expect("a queue stage")
            }
            Stage::ReadyToLeave => Component::ArrangedToLeaving,
            Stage::InTreatment | Stage::Planned | Stage::Gone => Component::Other,
        }
    }

    /// Records spell `sp`'s component at time `t`, if it is delayed and the component changed.
    pub(super) fn mark(&mut self, t: f64, sp: Ix) {
        let c = self.component_now(sp);
        let at = self.emit.instant(t);
        if let Some(trail) = self.spells[sp as usize].trail.as_mut() {
            if trail.parts.last().map(|p| p.1) != Some(c) {
                trail.parts.push((at, c));
            }
        }
    }

    /// The delay trails of the spells medically optimised so far.
    pub fn delay_trails(&self) -> impl Iterator<Item = &DelayTrail> {
        self.spells.iter().filter_map(|s| s.trail.as_deref())
    }

    /// Spells whose recorded component is not the one their state says (the audit's check
    /// that every change was marked).
    pub(super) fn unmarked(&self) -> Vec<String> {
        (0..self.spells.len() as Ix)
            .filter(|&sp| self.spells[sp as usize].stage != Stage::Gone)
            .filter_map(|sp| {
                let trail = self.spells[sp as usize].trail.as_deref()?;
                let recorded = trail.parts.last().map(|p| p.1);
                let now = self.component_now(sp);
                (recorded != Some(now)).then(|| {
                    format!(
                        "spell {} is in {now:?} but its delay trail says {recorded:?}",
                        self.spells[sp as usize].id
                    )
                })
            })
            .collect()
    }
}
