//! Assessment: social workers' care-needs assessment (weekday office hours) and the
//! continuing-healthcare (CHC) assessment by its team.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// The ward refers the patient to social care: the assessment is asked for now (so a
    /// recorded state knows the patient waits for one) and done when a social worker starts.
    pub(super) fn request_assessment(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if self.spells[sp as usize].referral.is_none() {
            let requested = self.assessment_requested(t, sp, AssessmentType::CareNeeds, "00W");
            self.spells[sp as usize].referral = Some(requested);
        }
        self.spells[sp as usize].stage = Stage::Assessment;
        self.wait_for(t, sp, DelayReason::Assessment);
        self.request_staff(s, sp, Capacity::SocialWorkers);
    }

    pub(super) fn start_assessment(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let (id, index) = self.spells[sp as usize]
            .referral
            .take()
            .expect("referred before a social worker starts");
        let days = self.p.discharge.assessment_hours.sample(
            &mut self.persons[self.spells[sp as usize].person as usize]
                .rng
                .discharge,
        ) / 24.0;
        let spell = &mut self.spells[sp as usize];
        spell.process = Some(Capacity::SocialWorkers);
        spell.completion = Some((id, index, AssessmentOutcome::Eligible));
        self.mark(t, sp);
        s.schedule_in(days, Ev::AssessmentDone(sp));
    }

    /// Emits the request for an assessment of the patient of spell `sp`; returns its id.
    pub(super) fn assessment_requested(
        &mut self,
        t: f64,
        sp: Ix,
        assessment_type: AssessmentType,
        org: &str,
    ) -> (Text, Ix) {
        let spell = &self.spells[sp as usize];
        let (person, spell_id) = (spell.person, spell.id.clone());
        let nhs = self.persons[person as usize].nhs;
        let id = self.emit.id('c');
        let index = self.assessments;
        self.assessments += 1;
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(index),
            },
            B::AssessmentRequested {
                assessment: id.clone(),
                assessment_type,
                org: Some(org.into()),
                spell: Some(spell_id),
            },
        );
        (id, index)
    }

    /// Emits the completion of the assessment in progress for spell `sp`, now.
    fn assessment_completed(&mut self, t: f64, sp: Ix) -> AssessmentOutcome {
        let spell = &mut self.spells[sp as usize];
        let person = spell.person;
        let (id, index, outcome) = spell.completion.take().expect("started before it ends");
        self.emit.emit(
            t,
            self.who(person, Some(index)),
            B::AssessmentCompleted {
                assessment: id,
                outcome,
                trusted: None,
            },
        );
        outcome
    }

    pub(super) fn on_assessment_done(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if !self.end_staff_work(s, sp, Capacity::SocialWorkers) {
            return;
        }
        self.assessment_completed(t, sp);
        if self.spells[sp as usize].chc {
            self.spells[sp as usize].stage = Stage::Chc;
            if self.spells[sp as usize].chc_id.is_none() {
                let requested = self.assessment_requested(t, sp, AssessmentType::Chc, "05W");
                self.spells[sp as usize].chc_id = Some(requested);
            }
            self.mark(t, sp);
            if let Some(sp) = self.chc_assessors.request(t, sp, 0) {
                self.start_chc(s, sp);
            }
        } else {
            self.after_assessment(s, sp);
        }
    }

    pub(super) fn start_chc(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let spell = &self.spells[sp as usize];
        // Requested when the assessment found the need: the wait for an assessor counts.
        let (id, index) = spell.chc_id.clone().expect("requested before it starts");
        // An assessment in progress when a run started from a recorded state goes on for what
        // is left of it.
        let elapsed = std::mem::take(&mut self.spells[sp as usize].chc_elapsed);
        let days = self.p.discharge.chc_assessment_days.sample_beyond(
            &mut self.persons[self.spells[sp as usize].person as usize]
                .rng
                .discharge,
            elapsed,
        );
        let eligible = self.persons[self.spells[sp as usize].person as usize]
            .rng
            .discharge
            .gen_bool(self.p.discharge.chc_eligible);
        let outcome = if eligible {
            AssessmentOutcome::Eligible
        } else {
            AssessmentOutcome::NotEligible
        };
        let spell = &mut self.spells[sp as usize];
        spell.process = Some(Capacity::ChcAssessors);
        spell.completion = Some((id, index, outcome));
        self.mark(t, sp);
        s.schedule_in(days, Ev::ChcDone(sp));
    }

    pub(super) fn on_chc_done(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if !self.end_staff_work(s, sp, Capacity::ChcAssessors) {
            return;
        }
        let eligible = self.assessment_completed(t, sp) == AssessmentOutcome::Eligible;
        if !eligible {
            // Not eligible: placed by the council's brokers, like any other care home place.
            self.after_assessment(s, sp);
            return;
        }
        // CHC-funded: the CHC team's brokerage gives providers a window to apply, then (without
        // a trusted assessor) several providers assess the person themselves.
        let service = if self.spells[sp as usize].nursing {
            Service::NursingHome
        } else {
            Service::ResidentialHome
        };
        self.ask_for_service(t, sp, service, 0.0);
        self.spells[sp as usize].chc_funded = true;
        self.enter_chc_window(s, sp, self.p.discharge.chc_window_days);
    }

    /// CHC-funded stay `sp` enters the providers' window to apply: its stage, the delay reason
    /// its nursing need gives (a nursing or a residential home), and the window's close `left`
    /// days from now (the whole window after the CHC assessment; what is left of it in a run
    /// from a recorded state).
    pub(super) fn enter_chc_window(&mut self, s: &mut Scheduler<Ev>, sp: Ix, left: f64) {
        let t = s.now().0;
        let spell = &mut self.spells[sp as usize];
        spell.stage = Stage::ChcWindow;
        let reason = if spell.nursing {
            DelayReason::NursingHome
        } else {
            DelayReason::ResidentialHome
        };
        self.wait_for(t, sp, reason);
        s.schedule_in(left, Ev::ChcWindowClosed(sp));
    }
}
