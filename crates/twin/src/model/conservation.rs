//! Conservation of resources: every unit of every resource is free or held by someone alive in
//! a state that holds it (the stage table's `holds`). An audited model checks this at every
//! midnight, counting holders from the model's own state and comparing with the kernel's count
//! of units in use.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// Checks conservation at every midnight of the run (slower: for tests).
    pub fn audited(mut self) -> Self {
        self.audit = Some(Vec::new());
        self
    }

    /// What the audit found wrong (empty when every unit is accounted for); `None` when not
    /// audited.
    pub fn audit_findings(&self) -> Option<&[String]> {
        self.audit.as_deref()
    }

    /// Compares each resource's units in use with the units its holders hold.
    pub(super) fn audit_now(&mut self, t: f64) {
        let mut found = Vec::new();
        let alive = |p: Ix| self.persons[p as usize].alive;
        let open_spells = || self.spells.iter().filter(|s| s.stage != Stage::Gone);
        for s in open_spells() {
            if !alive(s.person) {
                found.push(format!("spell {} is open for someone who died", s.id));
            }
        }
        let count = |c: Capacity| open_spells().filter(|s| s.arranged == Some(c)).count() as f64;
        let process = |c: Capacity| open_spells().filter(|s| s.process == Some(c)).count() as f64;
        let mut open_packages = |service: Service| {
            let mut n = 0.0;
            let mut hours = 0.0;
            for k in self
                .packages
                .iter()
                .filter(|k| k.started && !k.ended && k.service == service)
            {
                if !alive(k.person) {
                    found.push(format!("package {} is open for someone who died", k.id));
                }
                n += 1.0;
                hours += k.hours;
            }
            (n, hours)
        };
        let (reablement, _) = open_packages(Service::Reablement);
        let (step_down, _) = open_packages(Service::StepDownBed);
        let (_, home_care_hours) = open_packages(Service::HomeCare);
        let arranged_hours: f64 = open_spells()
            .filter(|s| s.arranged == Some(Capacity::HomeCareHours))
            .map(|s| s.hours)
            .sum();
        let residents = |r: Residence| {
            self.persons
                .iter()
                .filter(|p| p.alive && p.residence == r)
                .count() as f64
        };
        let care_home = |nursing: bool| {
            open_spells()
                .filter(|s| {
                    s.arranged == Some(Capacity::CareHomePlaces)
                        && s.home.map(|h| self.care_homes.is_nursing(h)) == Some(nursing)
                })
                .count() as f64
        };
        let reviewing = self.reviews.iter().filter(|r| r.in_progress).count() as f64;
        let mut assessing_at_home = 0.0;
        for k in &self.packages {
            match k.home_assessment {
                HomeAssessment::Waiting | HomeAssessment::InProgress if k.ended => found.push(
                    format!("package {} ended with its assessment at home open", k.id),
                ),
                HomeAssessment::InProgress => {
                    if !alive(k.person) {
                        found.push(format!(
                            "an assessment at home is in progress for {} who died",
                            k.person
                        ));
                    }
                    assessing_at_home += 1.0;
                }
                _ => {}
            }
        }
        let waiting_at_home = self
            .packages
            .iter()
            .filter(|k| k.home_assessment == HomeAssessment::Waiting)
            .count();
        if waiting_at_home != self.community_assessors.queue_len() {
            found.push(format!(
                "day {:.0}: {waiting_at_home} bridging packages wait for an assessment at home, \
                 {} in the community assessors' queue",
                t.floor(),
                self.community_assessors.queue_len()
            ));
        }
        // General practice's books: each holder's slots are those left and those given.
        found.extend(self.gp.same_day.audit("same-day GP appointments"));
        found.extend(self.gp.extended.audit("extended-hours GP appointments"));
        found.extend(self.gp.rounds.audit("care home ward rounds"));
        let checks = [
            (
                "acute beds",
                f64::from(self.beds.busy()),
                open_spells().count() as f64,
            ),
            (
                "A&E clinicians",
                f64::from(self.clinicians.busy()),
                self.atts.iter().filter(|a| a.assessing).count() as f64,
            ),
            (
                "social workers",
                f64::from(self.social_workers.busy()),
                process(Capacity::SocialWorkers),
            ),
            (
                "brokers",
                f64::from(self.brokers.busy()),
                process(Capacity::Brokers),
            ),
            (
                "providers' assessors",
                f64::from(self.provider_assessors.busy()),
                process(Capacity::ProviderAssessors),
            ),
            (
                "CHC assessors",
                f64::from(self.chc_assessors.busy()),
                process(Capacity::ChcAssessors),
            ),
            (
                "home care hours",
                self.home_care.used(),
                home_care_hours + arranged_hours,
            ),
            (
                "reablement places",
                f64::from(self.reablement.busy()),
                reablement + count(Capacity::ReablementPlaces),
            ),
            (
                "step-down beds",
                f64::from(self.step_down.busy()),
                step_down + count(Capacity::StepDownBeds),
            ),
            (
                "residential places",
                f64::from(self.care_homes.busy(false)),
                residents(Residence::ResidentialHome) + care_home(false),
            ),
            (
                "nursing places",
                f64::from(self.care_homes.busy(true)),
                residents(Residence::NursingHome) + care_home(true),
            ),
            ("reviewers", f64::from(self.reviewers.busy()), reviewing),
            (
                "community assessors",
                f64::from(self.community_assessors.busy()),
                assessing_at_home,
            ),
        ];
        for (name, in_use, held) in checks {
            if (in_use - held).abs() > 1e-6 * (1.0 + held.abs()) {
                found.push(format!(
                    "day {:.0}: {name}: {in_use} in use, {held} held by people alive in a \
                     state that holds them",
                    t.floor()
                ));
            }
        }
        // Home care hours area by area: each area's hours are held by its own people.
        let mut held = vec![0.0; self.home_care.areas()];
        let area = |p: Ix| self.area_of(p);
        for k in self
            .packages
            .iter()
            .filter(|k| k.started && !k.ended && k.service == Service::HomeCare)
        {
            held[area(k.person)] += k.hours;
        }
        for s in open_spells().filter(|s| s.arranged == Some(Capacity::HomeCareHours)) {
            held[area(s.person)] += s.hours;
        }
        for (a, held) in held.into_iter().enumerate() {
            let in_use = self.home_care.used_in(a);
            if (in_use - held).abs() > 1e-6 * (1.0 + held) {
                found.push(format!(
                    "day {:.0}: home care hours of area {a}: {in_use} in use, {held} held by its \
                     people",
                    t.floor()
                ));
            }
        }
        for r in self.reviews.iter().filter(|r| r.in_progress) {
            if !alive(r.person) {
                found.push(format!(
                    "review {} is in progress for someone who died",
                    r.id
                ));
            }
        }
        // The delay decomposition saw every change of component.
        found.extend(self.unmarked());
        if let Some(a) = self.audit.as_mut() {
            a.extend(found);
        }
    }
}
