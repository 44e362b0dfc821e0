//! Discharge planning: the pathway is chosen ahead of the expected date, each wait after the
//! patient is optimised is a delay with a reason, and the patient leaves once what the pathway
//! needs is arranged.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    pub(super) fn wait_for(&mut self, t: f64, sp: Ix, reason: DelayReason) {
        if self.spells[sp as usize].ready_at.is_none() {
            // Not yet medically optimised: waiting alongside treatment is no delay.
            return;
        }
        let at = self.emit.instant(t);
        let spell = &mut self.spells[sp as usize];
        if let Some(at) = spell.reasons.next(reason, at) {
            if let Some(trail) = spell.trail.as_mut() {
                trail.reasons.push((at, reason));
            }
            let (id, nhs) = (spell.id.clone(), self.persons[spell.person as usize].nhs);
            self.emit.emit_at(
                at,
                Who {
                    nhs,
                    person: spell.person,
                    lifecycle: Some(sp),
                },
                B::DelayReason {
                    spell: id,
                    reason,
                    responsible: responsible(reason),
                },
            );
        }
        self.mark(t, sp);
    }

    /// Discharge planning: the pathway is chosen and what it needs is asked for, while
    /// treatment goes on.
    pub(super) fn on_plan(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let person = self.spells[sp as usize].person;
        let in_care_home = self.persons[person as usize].residence.is_care_home();
        let pathway = if in_care_home {
            0
        } else {
            self.draw_pathway(sp, &[true; 4])
        };
        self.set_plan(sp, pathway);
        match pathway {
            0 => self.spells[sp as usize].stage = Stage::Planned,
            1 if self.policy.discharge_to_assess(1) => self.after_assessment(s, sp),
            _ => self.request_assessment(s, sp),
        }
    }

    /// The weights of the pathways for `person`: the scenario's shares, a care home's by the
    /// person's age band (`steady::care_home_need`).
    pub(super) fn pathway_weights(&self, person: Ix) -> [f64; 4] {
        let mut w = self.p.discharge.pathway;
        if let Some(need) = self
            .care_home_need
            .get(self.persons[person as usize].band as usize)
        {
            w[3] *= need;
        }
        w
    }

    /// A pathway drawn from the scenario's shares, among those `allowed`.
    pub(super) fn draw_pathway(&mut self, sp: Ix, allowed: &[bool; 4]) -> u8 {
        let person = self.spells[sp as usize].person;
        let mut w = self.pathway_weights(person);
        for (w, ok) in w.iter_mut().zip(allowed) {
            if !ok {
                *w = 0.0;
            }
        }
        if w.iter().sum::<f64>() <= 0.0 {
            return allowed.iter().position(|a| *a).unwrap_or(0) as u8;
        }
        pick(&mut self.persons[person as usize].rng.discharge, &w) as u8
    }

    /// What the plan for `pathway` draws: a nursing need, CHC, the hours of a package, the
    /// home the family names.
    pub(super) fn set_plan(&mut self, sp: Ix, pathway: u8) {
        let person = self.spells[sp as usize].person;
        let d = &self.p.discharge;
        let rng = &mut self.persons[person as usize].rng.discharge;
        let spell = &mut self.spells[sp as usize];
        spell.pathway = pathway;
        spell.nursing = rng.gen_bool(d.nursing_share);
        spell.chc = pathway == 3 && rng.gen_bool(d.chc_share);
        spell.hours = d.package_hours.sample(rng);
        // The family may name one of the sought-after homes of the kind.
        if pathway == 3 && rng.gen_bool(d.family_choice) {
            let nursing = spell.nursing;
            let sought = self.care_homes.sought(nursing, d.family_choice_homes);
            let pick = rng.gen_range(0..sought);
            self.spells[sp as usize].preferred = Some(self.care_homes.home(nursing, pick));
        }
    }

    /// What a patient at `stage` is waiting for.
    pub(super) fn reason_of(&self, sp: Ix, stage: Stage) -> Option<DelayReason> {
        let spell = &self.spells[sp as usize];
        stage
            .row()
            .reason
            .map(|r| r.delay(spell.pathway, spell.nursing))
    }

    /// A patient who dies in hospital stops waiting for anything and gives back what they held.
    pub(super) fn withdraw_everywhere(&mut self, t: f64, sp: Ix) {
        let stage = self.spells[sp as usize].stage;
        let area = self.area_of_spell(sp);
        match stage.row().queue {
            Some(
                c @ (Capacity::SocialWorkers
                | Capacity::ChcAssessors
                | Capacity::Brokers
                | Capacity::ProviderAssessors),
            ) => {
                self.staff(c).withdraw(t, |w| *w == sp);
            }
            Some(Capacity::HomeCareHours) => {
                let withdrawn = self
                    .home_care
                    .pool(area)
                    .withdraw(|w| matches!(w, HcFor::Spell(x) if *x == sp));
                // The pool lets no one overtake its head: a withdrawn head may leave room for
                // those behind it, let in by a release of nothing (after this event).
                if withdrawn.is_some() {
                    self.freed.push(Freed::HomeCare(0.0, area));
                }
            }
            Some(Capacity::ReablementPlaces) => {
                self.reablement.withdraw(t, |w| *w == sp);
            }
            Some(Capacity::StepDownBeds) => {
                self.step_down.withdraw(t, |w| *w == sp);
                self.step_down_waiting.retain(|w| *w != sp);
            }
            Some(Capacity::CareHomePlaces) => self.care_homes.withdraw(ChFor::Spell(sp)),
            None => {}
        }
        // What the patient held: the assessor at work, the service arranged. (Those let in are
        // granted after this event, from the resources' queues.)
        let spell = &mut self.spells[sp as usize];
        match spell.process.take() {
            Some(Capacity::SocialWorkers) => self.freed.push(Freed::SocialWorker),
            Some(Capacity::ChcAssessors) => self.freed.push(Freed::ChcAssessor),
            Some(Capacity::Brokers) => self.freed.push(Freed::Broker),
            Some(Capacity::ProviderAssessors) => self.freed.push(Freed::ProviderAssessor),
            _ => {}
        }
        spell.completion = None;
        match spell.arranged.take() {
            Some(Capacity::HomeCareHours) => self.freed.push(Freed::HomeCare(spell.hours, area)),
            Some(Capacity::ReablementPlaces) => self.freed.push(Freed::Reablement),
            Some(Capacity::StepDownBeds) => self.freed.push(Freed::StepDown),
            Some(Capacity::CareHomePlaces) => {
                let h = spell.home.take().expect("a place held is in a home");
                self.freed.push(Freed::CareHome(h));
            }
            _ => {}
        }
    }

    /// Asks for the package of the service stay `sp`'s pathway needs (once: a stay of a
    /// recorded state may have asked already).
    pub(super) fn ask_for_service(&mut self, t: f64, sp: Ix, service: Service, hours: f64) {
        if self.spells[sp as usize].package.is_some() {
            return;
        }
        let spell = &self.spells[sp as usize];
        let (person, id) = (spell.person, spell.id.clone());
        let k = self.request_package(person, service, hours, t, Some(id));
        self.spells[sp as usize].package = Some(k);
    }

    /// The unit the stay's package needs is granted: its provider offers.
    pub(super) fn service_offered(&mut self, t: f64, sp: Ix, org: Option<Text>) {
        if let Some(k) = self.spells[sp as usize].package {
            self.offer_package(t, k, org);
        }
    }

    /// The stay's package begins at its discharge (asked for now if it never was).
    fn package_begins(&mut self, sp: Ix, service: Service, hours: f64, t: f64) -> Ix {
        let k = match self.spells[sp as usize].package.take() {
            Some(k) => k,
            None => {
                let spell = &self.spells[sp as usize];
                let (person, id) = (spell.person, spell.id.clone());
                self.request_package(person, service, hours, t - 1.0 / 24.0, Some(id))
            }
        };
        self.begin_package(k, t, false);
        k
    }

    /// Gives back what patients who died held.
    pub(super) fn release_freed(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        while let Some(f) = self.freed.pop() {
            match f {
                Freed::Reablement => {
                    if let Some((sp, _)) = self.reablement.release(t) {
                        self.ready_to_leave(s, sp);
                    }
                }
                Freed::HomeCare(hours, area) => {
                    for (who, _) in self.home_care.pool(area).release(t, hours) {
                        self.home_care_found(s, who);
                    }
                }
                Freed::StepDown => {
                    if let Some((sp, _)) = self.step_down.release(t) {
                        self.step_down_admit(s, sp);
                    }
                }
                Freed::CareHome(h) => self.free_care_home_place(s, h),
                Freed::SocialWorker => self.staff_freed(s, Capacity::SocialWorkers),
                Freed::ChcAssessor => self.staff_freed(s, Capacity::ChcAssessors),
                Freed::Broker => self.staff_freed(s, Capacity::Brokers),
                Freed::ProviderAssessor => self.staff_freed(s, Capacity::ProviderAssessors),
            }
        }
    }

    /// A member of staff `c` is free: the next in their queue starts.
    fn staff_freed(&mut self, s: &mut Scheduler<Ev>, c: Capacity) {
        let t = s.now().0;
        if let Some((sp, _)) = self.staff(c).release(t) {
            self.start_staff_work(s, sp, c);
        }
    }

    /// After the assessments: the service the pathway needs.
    pub(super) fn after_assessment(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        self.request_service(s, sp);
    }

    pub(super) fn request_service(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let spell = &self.spells[sp as usize];
        match spell.pathway {
            1 => {
                let given = self.spells[sp as usize].reablement_given.take();
                let reablement = given.unwrap_or_else(|| {
                    self.policy.bridging()
                        || self.persons[self.spells[sp as usize].person as usize]
                            .rng
                            .discharge
                            .gen_bool(self.p.discharge.reablement_share)
                });
                self.spells[sp as usize].reablement = reablement;
                let (service, hours) = (
                    if reablement {
                        Service::Reablement
                    } else {
                        Service::HomeCare
                    },
                    self.spells[sp as usize].hours,
                );
                self.ask_for_service(t, sp, service, hours);
                self.wait_for(t, sp, DelayReason::CarePackageHome);
                if reablement {
                    self.spells[sp as usize].stage = Stage::Reablement;
                    if let Some(sp) = self.reablement.request(t, sp, 0) {
                        self.ready_to_leave(s, sp);
                    }
                } else {
                    self.request_broker(s, sp);
                }
            }
            2 => {
                self.ask_for_service(t, sp, Service::StepDownBed, 0.0);
                self.spells[sp as usize].stage = Stage::StepDown;
                self.wait_for(t, sp, DelayReason::NonAcuteNhsCare);
                if let Some(sp) = self.step_down.request(t, sp, 0) {
                    self.step_down_admit(s, sp);
                }
            }
            _ => {
                let (reason, service) = if spell.nursing {
                    (DelayReason::NursingHome, Service::NursingHome)
                } else {
                    (DelayReason::ResidentialHome, Service::ResidentialHome)
                };
                self.ask_for_service(t, sp, service, 0.0);
                self.wait_for(t, sp, reason);
                self.request_broker(s, sp);
            }
        }
        // The reason was recorded before the stage changed: record the component now.
        self.mark(t, sp);
    }

    /// Everything is arranged: leave in the daytime; a discharge to a care home or a step-down
    /// bed waits for a weekday unless services work seven days.
    pub(super) fn ready_to_leave(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let spell = &mut self.spells[sp as usize];
        if spell.stage == Stage::Gone {
            return;
        }
        // Granted from the stage's queue: the unit is held for the discharge.
        if let Some(c) = spell.stage.row().queue.filter(|c| c.is_service()) {
            let granted = spell.arranged.is_none();
            spell.arranged = Some(c);
            if granted && spell.stage == Stage::Reablement {
                self.service_offered(t, sp, None);
            }
        }
        if self.spells[sp as usize].ready_at.is_none() {
            // Everything is arranged before treatment ends: leave once optimised.
            self.spells[sp as usize].stage = Stage::ReadyToLeave;
            return;
        }
        // A care home or a step-down bed takes new residents on weekdays (its manager admits
        // them) unless services work seven days; home care and reablement visit every day, so
        // a package already arranged lets the patient leave at the weekend.
        let service = self.spells[sp as usize].pathway >= 2;
        self.spells[sp as usize].stage = Stage::ReadyToLeave;
        self.mark(t, sp);
        let person = self.spells[sp as usize].person as usize;
        let h = &self.p.hospital;
        let ([open, close], [after_lo, after_hi], [next_lo, next_hi]) = (
            h.discharge_hours,
            h.leave_after_hours,
            h.leave_next_day_hours,
        );
        let mut leave = t + self.persons[person]
            .rng
            .discharge
            .gen_range(after_lo..after_hi)
            / 24.0;
        loop {
            let hour = Self::hour(leave);
            let weekend = self.is_weekend(leave);
            if !(open..close).contains(&hour) {
                leave = leave.floor()
                    + if hour >= close { 1.0 } else { 0.0 }
                    + self.persons[person]
                        .rng
                        .discharge
                        .gen_range(next_lo..next_hi)
                        / 24.0;
                continue;
            }
            if service && !self.policy.services_open(weekend) {
                leave = leave.floor()
                    + 1.0
                    + self.persons[person]
                        .rng
                        .discharge
                        .gen_range(next_lo..next_hi)
                        / 24.0;
                continue;
            }
            break;
        }
        s.schedule_at(sim_kernel::Time(leave), Ev::Leave(sp));
    }

    pub(super) fn on_leave(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        // The unit arranged passes to the package or the residence.
        self.spells[sp as usize].arranged = None;
        // A copy of the spell as it leaves, read below; its delay trail (boxed) is not, so it
        // is left out of the copy.
        let trail = self.spells[sp as usize].trail.take();
        let spell = self.spells[sp as usize].clone();
        self.spells[sp as usize].trail = trail;
        let person = spell.person;
        let (destination, service) = match spell.pathway {
            0 => (Destination::UsualResidence, None),
            1 if spell.reablement => (Destination::ReablementHome, Some(Service::Reablement)),
            1 => (
                Destination::UsualResidenceWithSupport,
                Some(Service::HomeCare),
            ),
            2 => (Destination::StepDownBed, Some(Service::StepDownBed)),
            _ => (
                if spell.nursing {
                    Destination::NursingHome
                } else {
                    Destination::ResidentialHome
                },
                Some(if spell.nursing {
                    Service::NursingHome
                } else {
                    Service::ResidentialHome
                }),
            ),
        };
        self.discharge(s, t, sp, destination, Some(spell.pathway));
        // A discharge supersedes the care-need hazards of an earlier one.
        self.end_care_need(person);
        match service {
            Some(Service::Reablement) => {
                let k = self.package_begins(sp, Service::Reablement, spell.hours, t);
                // Discharged to assess: bridged until assessed at home and what the
                // assessment finds is arranged; otherwise a full course of reablement.
                if self.policy.bridging() {
                    self.bridge_home(s, k);
                } else {
                    let days = self
                        .p
                        .discharge
                        .reablement_days
                        .sample(&mut self.persons[person as usize].rng.community);
                    s.schedule_in(days, Ev::ReablementEnds(k));
                    self.start_care_need(
                        s,
                        person,
                        spell.hours,
                        care_need::NeedState::Reablement,
                        0.0,
                    );
                }
            }
            Some(Service::HomeCare) => {
                let k = self.package_begins(sp, Service::HomeCare, spell.hours, t);
                self.schedule_package(s, k);
            }
            Some(Service::StepDownBed) => {
                let k = self.package_begins(sp, Service::StepDownBed, 0.0, t);
                let days = self
                    .p
                    .discharge
                    .step_down_days
                    .sample(&mut self.persons[person as usize].rng.community);
                s.schedule_in(days, Ev::StepDownEnds(k));
            }
            Some(service) => {
                let h = spell.home.expect("a care home place was granted");
                self.spells[sp as usize].home = None;
                self.move_to_care_home(s, person, h);
                self.package_begins(sp, service, 0.0, t);
            }
            None => {}
        }
        self.after_discharge(s, person, &spell);
    }
}
