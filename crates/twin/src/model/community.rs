//! Community services: packages of care (home care, reablement, step-down, care homes) from
//! start to end, and what happens after reablement.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// A package asked for and started at `t` (care already running at the start, home care
    /// after reablement or bridging): requested an hour before (a fortnight for running care).
    pub(super) fn start_package(
        &mut self,
        person: Ix,
        service: Service,
        hours: f64,
        t: f64,
        spell: Option<Text>,
        existing: bool,
    ) -> Ix {
        let requested = if existing { t - 14.0 } else { t - 1.0 / 24.0 };
        let k = self.request_package(person, service, hours, requested, spell);
        self.begin_package(k, t, existing);
        k
    }

    /// Emits the request for a package; returns its index. Nothing is held until it begins.
    pub(super) fn request_package(
        &mut self,
        person: Ix,
        service: Service,
        hours: f64,
        t: f64,
        spell: Option<Text>,
    ) -> Ix {
        let id = self.emit.id('k');
        let k = self.packages.len() as Ix;
        self.emit.emit(
            t,
            self.who(person, Some(k)),
            B::PackageRequested {
                package: id.clone(),
                service,
                hours_per_week: (hours > 0.0).then_some(Hours(hours)),
                spell,
            },
        );
        self.packages.push(Package {
            id,
            person,
            service,
            hours,
            ended: false,
            started: false,
            org: None,
            home_assessment: HomeAssessment::None,
            assessment: None,
        });
        k
    }

    /// The organisation that provides package `k`: the reablement service, the community
    /// trust's step-down beds, the person's care home, or a home care agency (drawn from the
    /// person's stream when first asked).
    fn provider_of(&mut self, k: Ix) -> Text {
        let (person, service) = (
            self.packages[k as usize].person,
            self.packages[k as usize].service,
        );
        if let Some(org) = &self.packages[k as usize].org {
            return org.clone();
        }
        let org: Text = match service {
            Service::Reablement => synthetic_log::REABLEMENT.into(),
            Service::StepDownBed => synthetic_log::COMMUNITY_TRUST.into(),
            Service::ResidentialHome | Service::NursingHome => self.persons[person as usize]
                .home
                .clone()
                .unwrap_or_else(|| "00W".into()),
            _ => self.agency_codes[self.persons[person as usize]
                .rng
                .community
                .gen_range(0..synthetic_log::HOME_CARE_AGENCIES)]
            .clone(),
        };
        self.packages[k as usize].org = Some(org.clone());
        org
    }

    /// A provider offers package `k` (`org`, or its own): the unit it needs is granted and held.
    pub(super) fn offer_package(&mut self, t: f64, k: Ix, org: Option<Text>) {
        if let Some(org) = org {
            self.packages[k as usize].org = Some(org);
        }
        let org = self.provider_of(k);
        let (id, person) = (
            self.packages[k as usize].id.clone(),
            self.packages[k as usize].person,
        );
        self.emit.emit(
            t,
            self.who(person, Some(k)),
            B::PackageOffered { package: id, org },
        );
    }

    /// Package `k` asked for a stay that ends in death: it ends unstarted (what it held is
    /// given back with the rest of what the patient held).
    pub(super) fn cancel_package(&mut self, t: f64, k: Ix) {
        let pkg = &mut self.packages[k as usize];
        if pkg.ended {
            return;
        }
        pkg.ended = true;
        let (id, person) = (pkg.id.clone(), pkg.person);
        self.emit.emit(
            t,
            self.who(person, Some(k)),
            B::PackageEnded {
                package: id,
                reason: PackageEndReason::Died,
            },
        );
    }

    /// Package `k` starts at `t`: its care is the person's from now.
    pub(super) fn begin_package(&mut self, k: Ix, t: f64, existing: bool) {
        let org = self.provider_of(k);
        let (id, person, service) = {
            let p = &self.packages[k as usize];
            (p.id.clone(), p.person, p.service)
        };
        self.emit.emit(
            t,
            self.who(person, Some(k)),
            B::PackageStarted { package: id, org },
        );
        self.packages[k as usize].started = true;
        if matches!(
            service,
            Service::HomeCare | Service::Reablement | Service::StepDownBed
        ) {
            self.persons[person as usize].packages.push(k);
        }
        if service == Service::HomeCare {
            self.persons[person as usize].package = Some(k);
            let due = if existing {
                self.persons[person as usize]
                    .rng
                    .community
                    .gen_range(0.0..self.p.community.review_interval_days)
            } else {
                t + self.p.community.first_review_days
            };
            self.queue_review(k, due);
        }
    }

    pub(super) fn schedule_package(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let days = self.p.discharge.package_days.sample(
            &mut self.persons[self.packages[k as usize].person as usize]
                .rng
                .community,
        );
        s.schedule_in(days, Ev::PackageEnds(k));
    }

    pub(super) fn end_package(&mut self, s: &mut Scheduler<Ev>, k: Ix, reason: PackageEndReason) {
        let t = s.now().0;
        let pkg = &mut self.packages[k as usize];
        if pkg.ended {
            return;
        }
        pkg.ended = true;
        let (id, person, service, hours) = (pkg.id.clone(), pkg.person, pkg.service, pkg.hours);
        self.persons[person as usize].packages.retain(|&x| x != k);
        let nhs = self.persons[person as usize].nhs;
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(k),
            },
            B::PackageEnded {
                package: id,
                reason,
            },
        );
        match service {
            Service::HomeCare => {
                if self.persons[person as usize].package == Some(k) {
                    self.persons[person as usize].package = None;
                }
                for (who, _) in self.hours_of(person).release(t, hours) {
                    self.home_care_found(s, who);
                }
            }
            Service::Reablement => {
                self.stop_home_assessment(s, k);
                if let Some((sp, _)) = self.reablement.release(t) {
                    self.ready_to_leave(s, sp);
                }
            }
            Service::StepDownBed => {
                if let Some((sp, _)) = self.step_down.release(t) {
                    self.step_down_admit(s, sp);
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_reablement_ends(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let t = s.now().0;
        if self.packages[k as usize].ended {
            // Ended already: at death, or a care home need arose during the course.
            return;
        }
        let person = self.packages[k as usize].person;
        let alive = self.persons[person as usize].alive;
        let reason = if alive {
            PackageEndReason::Independent
        } else {
            PackageEndReason::Died
        };
        self.end_package(s, k, reason);
        if !alive || self.persons[person as usize].in_hospital {
            return;
        }
        let measured = self.measured(t);
        if measured {
            self.gp.counts.reablement_ended += 1;
        }
        if self.policy.care_need_hazard() {
            // The outcome follows from the hazards over the course (`model::care_need`); a care
            // home need would have ended the course when it arose.
            if self.reablement_outcome(s, person) && self.persons[person as usize].package.is_none()
            {
                self.start_home_care_after(s, person, t);
            }
            return;
        }
        let d = &self.p.discharge;
        let x = self.persons[person as usize].rng.community.gen::<f64>();
        if x < d.reablement_to_care_home {
            // (Someone who has moved to a care home since keeps the place they have.)
            if !self.persons[person as usize].residence.is_care_home() {
                if measured {
                    self.gp.counts.reablement_to_care_home += 1;
                }
                self.request_care_home_from_home(s, person);
            }
        } else if x < d.reablement_to_care_home + d.reablement_to_home_care
            && self.persons[person as usize].package.is_none()
        {
            self.start_home_care_after(s, person, t);
        }
    }

    /// Ongoing home care after reablement: its hours drawn, started at once.
    fn start_home_care_after(&mut self, s: &mut Scheduler<Ev>, person: Ix, t: f64) {
        if self.measured(t) {
            self.gp.counts.reablement_to_home_care += 1;
        }
        let hours = self
            .p
            .discharge
            .package_hours
            .sample(&mut self.persons[person as usize].rng.community);
        self.hours_of(person).force(hours);
        let k = self.start_package(person, Service::HomeCare, hours, t, None, false);
        self.schedule_package(s, k);
    }
}

impl<S: Sink> TwinModel<'_, S> {
    /// Discharged to assess: bridging package `k` has begun; the assessment at home is asked
    /// for once the person has settled (`home_assessment_after_days`, a rule).
    pub(super) fn bridge_home(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let person = self.packages[k as usize].person;
        self.start_bridged_care_need(s, k);
        let days = self
            .p
            .discharge
            .home_assessment_after_days
            .sample(&mut self.persons[person as usize].rng.community);
        s.schedule_in(days, Ev::HomeAssessmentDue(k));
    }

    /// The assessment at home is asked for: a community assessor starts now, or the person
    /// waits (for one, or for office hours).
    pub(super) fn on_home_assessment_due(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let t = s.now().0;
        if self.packages[k as usize].ended {
            return;
        }
        let person = self.packages[k as usize].person;
        let id = self.emit.id('c');
        let index = self.assessments;
        self.assessments += 1;
        self.emit.emit(
            t,
            self.who(person, Some(index)),
            B::AssessmentRequested {
                assessment: id.clone(),
                assessment_type: AssessmentType::CareNeeds,
                org: Some("00W".into()),
                spell: None,
            },
        );
        self.packages[k as usize].home_assessment = HomeAssessment::Waiting;
        self.packages[k as usize].assessment = Some((id, index, t));
        if let Some(k) = self.community_assessors.request(t, k, 0) {
            self.start_home_assessment(s, k);
        }
    }

    /// A community assessor starts the assessment at home held by bridging package `k`.
    pub(super) fn start_home_assessment(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        assert_eq!(
            self.packages[k as usize].home_assessment,
            HomeAssessment::Waiting,
            "only a waiting assessment starts"
        );
        let person = self.packages[k as usize].person;
        let hours = self
            .p
            .discharge
            .home_assessment_hours
            .sample(&mut self.persons[person as usize].rng.community);
        self.packages[k as usize].home_assessment = HomeAssessment::InProgress;
        let t = s.now().0;
        if self.measured(t) {
            let asked = self.packages[k as usize]
                .assessment
                .as_ref()
                .map_or(t, |a| a.2);
            self.gp.counts.home_assessment_wait_days += t - asked;
            self.gp.counts.home_assessments_started += 1;
        }
        s.schedule_in(hours / 24.0, Ev::HomeAssessmentDone(k));
    }

    /// Bridging package `k` ends before its assessment is done (the person died): the
    /// assessor at work is freed for the next, or the person leaves the queue.
    fn stop_home_assessment(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let t = s.now().0;
        match self.packages[k as usize].home_assessment {
            HomeAssessment::Waiting => {
                self.community_assessors.withdraw(t, |w| *w == k);
            }
            HomeAssessment::InProgress => {
                if let Some((next, _)) = self.community_assessors.release(t) {
                    self.start_home_assessment(s, next);
                }
            }
            HomeAssessment::None | HomeAssessment::Done => return,
        }
        self.packages[k as usize].home_assessment = HomeAssessment::None;
    }

    /// The assessment at home is done: the assessor takes the next; the person needs home
    /// care (keeping their reablement place until hours are found), a care home (waiting at
    /// home for a place), or nothing more.
    pub(super) fn on_home_assessment_done(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let t = s.now().0;
        if self.packages[k as usize].home_assessment != HomeAssessment::InProgress {
            // The person died during it: the assessor was freed then.
            return;
        }
        let (id, index, _) = self.packages[k as usize]
            .assessment
            .clone()
            .expect("asked for before it is done");
        self.packages[k as usize].home_assessment = HomeAssessment::Done;
        if let Some((next, _)) = self.community_assessors.release(t) {
            self.start_home_assessment(s, next);
        }
        let person = self.packages[k as usize].person;
        self.emit.emit(
            t,
            self.who(person, Some(index)),
            B::AssessmentCompleted {
                assessment: id,
                outcome: AssessmentOutcome::Eligible,
                trusted: None,
            },
        );
        let measured = self.measured(t);
        if measured {
            self.gp.counts.home_assessments += 1;
        }
        let d = &self.p.discharge;
        let x = self.persons[person as usize].rng.community.gen::<f64>();
        let at_home = !self.persons[person as usize].in_hospital;
        // A care home need that arose while bridged (the care-need hazard) is found too.
        let arisen = self.care_need_arisen(person);
        if x < d.bridged_need_home_care && at_home && !arisen {
            let hours = self.packages[k as usize].hours.max(1.0);
            if self
                .hours_of(person)
                .request(t, HcFor::Bridged(k), hours)
                .is_some()
            {
                self.home_care_found(s, HcFor::Bridged(k));
            }
            return;
        }
        let care_home =
            (x < d.bridged_need_home_care + d.bridged_need_care_home || arisen) && at_home;
        self.end_package(s, k, PackageEndReason::Independent);
        if !care_home {
            if at_home {
                self.after_bridging(s, person);
            }
            return;
        }
        self.end_care_need(person);
        if !self.persons[person as usize].residence.is_care_home() {
            if measured {
                self.gp.counts.home_assessed_to_care_home += 1;
            }
            self.request_care_home_from_home(s, person);
        }
    }
}
