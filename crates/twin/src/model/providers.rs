//! Brokerage and providers: CHC brokerage with providers assessing the person themselves,
//! step-down admission windows, home care agencies' start, care homes' places.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    pub(super) fn free_care_home_place(&mut self, s: &mut Scheduler<Ev>, nursing: bool) {
        let t = s.now().0;
        let places = if nursing {
            &mut self.nursing
        } else {
            &mut self.residential
        };
        if let Some((sp, _)) = places.release(t) {
            self.ready_to_leave(s, sp);
        }
    }

    pub(super) fn on_brokerage_step(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        if self.spells[sp as usize].stage == Stage::Gone {
            return;
        }
        let t = s.now().0;
        let spell = &mut self.spells[sp as usize];
        if spell.providers_left > 0 {
            spell.providers_left -= 1;
            spell.providers_assessing = true;
            self.mark(t, sp);
            let days = self.p.discharge.chc_provider_assessment_days.sample(
                &mut self.persons[self.spells[sp as usize].person as usize]
                    .rng
                    .discharge,
            );
            s.schedule_in(days, Ev::BrokerageDone(sp));
        } else {
            self.after_assessment(s, sp);
        }
    }

    /// A step-down bed is held; the provider admits up to its daily limit.
    pub(super) fn step_down_admit(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        self.spells[sp as usize].arranged = Some(Capacity::StepDownBeds);
        let hour = Self::hour(t);
        let open = self.policy.services_open(self.is_weekend(t)) && (8.0..18.0).contains(&hour);
        if open && self.step_down_today < self.p.discharge.step_down_admissions_per_day {
            self.step_down_today += 1;
            self.ready_to_leave(s, sp);
        } else {
            self.step_down_waiting.push(sp);
            self.mark(t, sp);
        }
    }

    /// The code of a care home drawn at random: a nursing home or a residential home.
    pub(super) fn draw_care_home(rng: &mut EntityRng, nursing: bool) -> String {
        if nursing {
            synthetic_log::nursing_code(rng.gen_range(0..synthetic_log::NURSING_HOMES))
        } else {
            synthetic_log::residential_code(rng.gen_range(0..synthetic_log::RESIDENTIAL_HOMES))
        }
    }

    /// The person moves to a care home: its place was granted; their crisis and death rates
    /// change to a resident's.
    pub(super) fn move_to_care_home(&mut self, s: &mut Scheduler<Ev>, person: Ix, nursing: bool) {
        let t = s.now().0;
        let (crisis, death) = (self.crisis_rate_of(person), self.death_rate_of(person));
        let code = Self::draw_care_home(&mut self.persons[person as usize].rng.community, nursing);
        let residence = if nursing {
            Residence::NursingHome
        } else {
            Residence::ResidentialHome
        };
        self.leave_group(person);
        let p = &mut self.persons[person as usize];
        p.residence = residence;
        p.home = Some(code.as_str().into());
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
                care_home: Some(code.into()),
                permanent: true,
            },
        );
        self.crisis_rate_changed(s, person, crisis);
        self.death_rate_changed(s, person, death);
    }

    /// Hours are found: the agency needs time to start the care.
    pub(super) fn provider_found(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        self.spells[sp as usize].arranged = Some(Capacity::HomeCareHours);
        self.mark(s.now().0, sp);
        let days = self.p.discharge.home_care_start_days.sample(
            &mut self.persons[self.spells[sp as usize].person as usize]
                .rng
                .discharge,
        );
        s.schedule_in(days, Ev::CareStarts(sp));
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
                    for (w, _) in self.home_care.release(t, hours) {
                        self.home_care_found(s, w);
                    }
                }
            }
        }
    }
}
