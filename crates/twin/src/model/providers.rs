//! Brokerage and providers: CHC brokerage with providers assessing the person themselves,
//! step-down admission windows, home care agencies' start, care homes' places.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// The organisation code of care home `h`.
    pub(super) fn care_home_code(&self, h: u32) -> Text {
        let i = self.care_homes.number_in_kind(h);
        if self.care_homes.is_nursing(h) {
            synthetic_log::nursing_code(i).into()
        } else {
            synthetic_log::residential_code(i).into()
        }
    }

    /// A place in care home `h` is freed: it goes to whoever waits for it.
    pub(super) fn free_care_home_place(&mut self, s: &mut Scheduler<Ev>, h: u32) {
        match self.care_homes.release(h) {
            Some((ChFor::Spell(sp), h)) => self.care_home_granted(s, sp, h),
            Some((ChFor::Person(person), h)) => self.move_from_home(s, person, h),
            None => {}
        }
    }

    /// Someone at home is granted the care home place they waited for, and moves in. A place
    /// offered while they are in hospital passes to the next in line (the hospital's discharge
    /// planning arranges what they need then).
    fn move_from_home(&mut self, s: &mut Scheduler<Ev>, person: Ix, h: u32) {
        let p = &self.persons[person as usize];
        if p.in_hospital || p.place.is_some() {
            self.free_care_home_place(s, h);
        } else {
            self.move_to_care_home(s, person, h);
        }
    }

    /// Someone at home needs a care home (after reablement): a place in any residential home,
    /// now or when one is free.
    pub(super) fn request_care_home_from_home(&mut self, s: &mut Scheduler<Ev>, person: Ix) {
        if let Some(h) = self.care_homes.request(ChFor::Person(person), false, None) {
            self.move_from_home(s, person, h);
        }
    }

    /// A care home place is granted and held for patient `sp`: the home assesses them first.
    pub(super) fn care_home_granted(&mut self, s: &mut Scheduler<Ev>, sp: Ix, h: u32) {
        let spell = &mut self.spells[sp as usize];
        spell.home = Some(h);
        spell.arranged = Some(Capacity::CareHomePlaces);
        self.provider_assessment(s, sp);
    }

    /// Asks for staff who work a rota (social workers, brokers, providers' assessors): their
    /// work starts now, or the patient queues (for their capacity while they are on duty, for
    /// office hours while none is).
    pub(super) fn request_staff(&mut self, s: &mut Scheduler<Ev>, sp: Ix, c: Capacity) {
        let t = s.now().0;
        self.spells[sp as usize].passed_over = false;
        let staff = self.staff(c);
        match staff.request(t, sp, 0) {
            Some(sp) => self.start_staff_work(s, sp, c),
            None if staff.capacity() > 0 => {
                self.spells[sp as usize].passed_over = true;
                self.mark(t, sp);
            }
            None => {
                self.waiting_for_office_hours.push(sp);
                self.mark(t, sp);
            }
        }
    }

    /// The resource of staff capacity `c`.
    pub(super) fn staff(&mut self, c: Capacity) -> &mut Resource<Ix> {
        match c {
            Capacity::SocialWorkers => &mut self.social_workers,
            Capacity::Brokers => &mut self.brokers,
            Capacity::ProviderAssessors => &mut self.provider_assessors,
            Capacity::ChcAssessors => &mut self.chc_assessors,
            _ => unreachable!("{c:?} is not staff"),
        }
    }

    /// Staff `c` start work for patient `sp`.
    pub(super) fn start_staff_work(&mut self, s: &mut Scheduler<Ev>, sp: Ix, c: Capacity) {
        match c {
            Capacity::SocialWorkers => self.start_assessment(s, sp),
            Capacity::Brokers => self.start_brokering(s, sp),
            Capacity::ProviderAssessors => self.start_provider_visit(s, sp),
            Capacity::ChcAssessors => self.start_chc(s, sp),
            _ => unreachable!("{c:?} is not staff"),
        }
    }

    /// Staff `c` on duty now: those who asked for them while none was on duty and still wait
    /// now wait for their capacity.
    pub(super) fn passed_over_by_staff(&mut self, t: f64) {
        let waiting = std::mem::take(&mut self.waiting_for_office_hours);
        for sp in waiting {
            let spell = &self.spells[sp as usize];
            let Some(c) = spell.stage.row().queue.filter(|c| c.on_rota()) else {
                continue;
            };
            if spell.process.is_some() {
                continue;
            }
            if self.staff(c).capacity() > 0 {
                self.spells[sp as usize].passed_over = true;
                self.mark(t, sp);
            } else {
                self.waiting_for_office_hours.push(sp);
            }
        }
    }

    /// A placement (home care, or a care home not funded by CHC) goes to a broker.
    pub(super) fn request_broker(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        self.spells[sp as usize].stage = Stage::Brokerage;
        self.request_staff(s, sp, Capacity::Brokers);
    }

    /// Staff `c` work for patient `sp` for `hours` drawn from the patient's own stream; `done`
    /// ends the work.
    fn work_for(&mut self, s: &mut Scheduler<Ev>, sp: Ix, c: Capacity, hours: &Dist, done: Ev) {
        let t = s.now().0;
        let person = self.spells[sp as usize].person as usize;
        let days = hours.sample(&mut self.persons[person].rng.discharge) / 24.0;
        self.spells[sp as usize].process = Some(c);
        self.mark(t, sp);
        s.schedule_in(days, done);
    }

    /// Staff `c`'s work for patient `sp` ends: the next in their queue starts. False if the
    /// patient died meanwhile (the staff were released then).
    pub(super) fn end_staff_work(&mut self, s: &mut Scheduler<Ev>, sp: Ix, c: Capacity) -> bool {
        if self.spells[sp as usize].process.take().is_none() {
            return false;
        }
        let t = s.now().0;
        if let Some((next, _)) = self.staff(c).release(t) {
            self.start_staff_work(s, next, c);
        }
        true
    }

    pub(super) fn start_brokering(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let hours = &self.p.discharge.brokerage_hours;
        self.work_for(s, sp, Capacity::Brokers, hours, Ev::BrokerFound(sp));
    }

    /// The broker has found a provider: home care hours or a care home place are asked for.
    pub(super) fn on_broker_found(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        if !self.end_staff_work(s, sp, Capacity::Brokers) {
            return;
        }
        if self.spells[sp as usize].pathway == 1 {
            // The agency found offers to take the package, subject to its assessment (it offers
            // again once it has assessed and accepts). A care home is not known until a place
            // in one is granted: it offers once, when it accepts.
            self.service_offered(s.now().0, sp, None);
            self.request_home_care(s, sp);
        } else {
            self.request_care_home(s, sp);
        }
    }

    /// Home care hours from the agency found (the hours commissioned are its capacity).
    pub(super) fn request_home_care(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        self.spells[sp as usize].stage = Stage::HomeCare;
        self.mark(t, sp);
        let hours = self.spells[sp as usize].hours;
        let area = self.area_of_spell(sp);
        if self
            .home_care
            .pool(area)
            .request(t, HcFor::Spell(sp), hours)
            .is_some()
        {
            self.provider_found(s, sp);
        }
    }

    /// A care home place: in the home the family named, or in any home of the kind needed.
    pub(super) fn request_care_home(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let spell = &mut self.spells[sp as usize];
        let (nursing, preferred) = (spell.nursing, spell.preferred);
        spell.stage = if preferred.is_some() {
            Stage::Family
        } else {
            Stage::CareHome
        };
        let reason = self
            .reason_of(sp, self.spells[sp as usize].stage)
            .expect("a delay stage");
        self.wait_for(t, sp, reason);
        match self
            .care_homes
            .request(ChFor::Spell(sp), nursing, preferred)
        {
            Some(h) => self.care_home_granted(s, sp, h),
            None if preferred.is_some() => {
                // (From a recorded state, the time already waited counts.)
                let waited = std::mem::take(&mut self.spells[sp as usize].choice_waited);
                s.schedule_in(
                    (self.p.discharge.family_choice_max_days - waited).max(0.0),
                    Ev::ChoiceExpires(sp),
                );
            }
            None => {}
        }
        self.mark(t, sp);
    }

    /// Still waiting for the named home when the choice policy's time is over: a place in any
    /// home is asked for.
    pub(super) fn on_choice_expires(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        if self.spells[sp as usize].stage != Stage::Family {
            return;
        }
        self.care_homes.withdraw(ChFor::Spell(sp));
        self.spells[sp as usize].preferred = None;
        self.request_care_home(s, sp);
    }

    /// The provider found assesses the person first, unless it accepts the trusted assessment:
    /// one visit, or several providers one after another for a CHC-funded placement.
    pub(super) fn provider_assessment(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let d = &self.p.discharge;
        let visits = if self.spells[sp as usize].chc_funded {
            d.chc_providers_reassessing
        } else {
            1
        };
        self.spells[sp as usize].visits_left = self.policy.provider_reassessments(visits);
        self.next_provider_visit(s, sp);
    }

    fn next_provider_visit(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        if self.spells[sp as usize].visits_left == 0 {
            self.provider_accepts(s, sp);
            return;
        }
        self.spells[sp as usize].visits_left -= 1;
        self.spells[sp as usize].stage = Stage::ProviderAssessing;
        let t = s.now().0;
        let reason = self
            .reason_of(sp, Stage::ProviderAssessing)
            .expect("a delay stage");
        self.wait_for(t, sp, reason);
        self.request_staff(s, sp, Capacity::ProviderAssessors);
    }

    pub(super) fn start_provider_visit(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let hours = &self.p.discharge.provider_assessment_hours;
        let done = Ev::ProviderVisitDone(sp);
        self.work_for(s, sp, Capacity::ProviderAssessors, hours, done);
    }

    pub(super) fn on_provider_visit_done(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        if self.end_staff_work(s, sp, Capacity::ProviderAssessors) {
            self.next_provider_visit(s, sp);
        }
    }

    /// The provider accepts: a care home takes the person as soon as they can leave; a home
    /// care agency starts after its lead time.
    pub(super) fn provider_accepts(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        // Having assessed the person (or taken the trusted assessment), the provider offers:
        // the place or the hours are theirs to take up.
        let org = self.spells[sp as usize]
            .home
            .map(|h| self.care_home_code(h));
        self.service_offered(s.now().0, sp, org);
        self.after_acceptance(s, sp);
    }

    /// Accepted: home care starts after the agency's lead time; a care home takes the person
    /// as soon as they can leave.
    pub(super) fn after_acceptance(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        self.after_acceptance_since(s, sp, 0.0);
    }

    /// Accepted `since` days ago (from a recorded state): what is left of the agency's lead
    /// time.
    pub(super) fn after_acceptance_since(&mut self, s: &mut Scheduler<Ev>, sp: Ix, since: f64) {
        let lead = self.p.discharge.home_care_start_hours / 24.0 - since;
        if self.spells[sp as usize].pathway == 1 && lead > 0.0 {
            let t = s.now().0;
            self.spells[sp as usize].stage = Stage::HomeCare;
            self.mark(t, sp);
            s.schedule_in(lead, Ev::CareStarts(sp));
        } else {
            self.ready_to_leave(s, sp);
        }
    }

    /// CHC-funded: the window for providers to apply has closed: a place is asked for.
    pub(super) fn on_chc_window_closed(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        if self.spells[sp as usize].stage == Stage::Gone {
            return;
        }
        self.request_care_home(s, sp);
    }

    /// A step-down bed is held; the provider admits up to its daily limit.
    pub(super) fn step_down_admit(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if self.spells[sp as usize].arranged.is_none() {
            self.service_offered(t, sp, None);
        }
        self.spells[sp as usize].arranged = Some(Capacity::StepDownBeds);
        let hour = Self::hour(t);
        let [from, to] = self.p.discharge.step_down_admission_hours;
        let open = self.policy.services_open(self.is_weekend(t)) && (from..to).contains(&hour);
        let limit = self.policy.on_duty(
            self.p.discharge.step_down_admissions_per_day,
            self.weekday(t),
        );
        if open && self.step_down_today < limit {
            self.step_down_today += 1;
            self.ready_to_leave(s, sp);
        } else {
            self.step_down_waiting.push(sp);
            self.mark(t, sp);
        }
    }

    /// The person moves to a care home: its place was granted; their crisis and death rates
    /// change to a resident's.
    pub(super) fn move_to_care_home(&mut self, s: &mut Scheduler<Ev>, person: Ix, h: u32) {
        let t = s.now().0;
        let (crisis, death) = (self.crisis_rate_of(person), self.death_rate_of(person));
        let code = self.care_home_code(h);
        let residence = if self.care_homes.is_nursing(h) {
            Residence::NursingHome
        } else {
            Residence::ResidentialHome
        };
        self.leave_group(person);
        let p = &mut self.persons[person as usize];
        p.residence = residence;
        p.home = Some(code.clone());
        p.place = Some(h);
        let nhs = p.nhs;
        self.join_group(person);
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: None,
            },
            B::ResidenceChanged {
                residence,
                care_home: Some(code),
                permanent: true,
            },
        );
        self.crisis_rate_changed(s, person, crisis);
        self.death_rate_changed(s, person, death);
    }

    /// Hours are found: the agency assesses the person, then starts after its lead time.
    pub(super) fn provider_found(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        self.spells[sp as usize].arranged = Some(Capacity::HomeCareHours);
        self.provider_assessment(s, sp);
    }

    pub(super) fn home_care_found(&mut self, s: &mut Scheduler<Ev>, who: HcFor) {
        match who {
            HcFor::Spell(sp) => self.provider_found(s, sp),
            HcFor::Bridged(k) => {
                // Home care starts; the bridging reablement ends and frees its place.
                let t = s.now().0;
                let person = self.packages[k as usize].person;
                let hours = self.packages[k as usize].hours.max(1.0);
                self.end_package(s, k, PackageEndReason::NeedsMet);
                if self.persons[person as usize].alive
                    && self.persons[person as usize].package.is_none()
                {
                    let home = self.start_package(person, Service::HomeCare, hours, t, None, false);
                    self.schedule_package(s, home);
                } else {
                    for (w, _) in self.hours_of(person).release(t, hours) {
                        self.home_care_found(s, w);
                    }
                }
                // The care-need hazards: no longer waiting without support.
                self.after_bridging(s, person);
            }
        }
    }
}
