//! A run from a recorded state ([`crate::state::InitialState`]): the people of the log, where
//! they live, who is in hospital and what they wait for, who is in A&E, the packages running,
//! the reviews due, each person's post-discharge risk; then the scenario's rates and
//! capacities from the state's midnight (model time 0).
//!
//! The state's open lifecycles keep their ids: their events are handed on as written (the
//! prelude), and the model goes on from them (a stay is discharged under its own id, an
//! assessment in progress is completed under its own). What a log does not say is drawn from
//! the person's own streams as a fresh run draws it: the pathway when no delay reason,
//! assessment or request names it, how long a stay or package has still to go (given how long
//! it has lasted). Work in progress at the midnight (an assessment, a broker's search, a
//! provider's visit) starts again when the staff are next on duty: the log does not say how
//! far it had gone. Queues are rebuilt in the order patients became ready.

use super::*;
use crate::decomposition::DelayTrail;
use crate::state::{InitialState, OpenPackage, OpenSpell, StatePerson};
use std::collections::{HashMap, HashSet};

/// Where a stay of the state takes up.
#[derive(Debug, Clone, Copy)]
pub(super) enum Entry {
    /// Not yet optimised and nothing begun: planned as any admission.
    Plan,
    /// Nothing to arrange: ready to leave once optimised.
    Leave,
    /// A CHC assessment asked for `since` days ago and not completed (its id kept). The
    /// team takes them in the order asked for: those it can take at once are taken to have
    /// been in progress since asked for (the log does not say when one starts).
    Chc { since: f64 },
    /// CHC-funded: the providers' window, with `left` days of it to run.
    ChcWindow { left: f64 },
    /// A care-needs assessment in progress (its id kept) or still to be asked for.
    Assessment,
    /// Assessed: the service the pathway needs.
    Service,
    /// The service's unit granted and held (its provider offered `since` days ago): what
    /// follows the grant.
    Arranged { since: f64 },
    /// The family waits for the care home it named: the broker's search is done (the reason
    /// is given only once the broker finds that home full).
    NamedHome,
    /// Home care brokered (the agency found has offered once): its hours, then its assessment.
    Brokered,
}

/// What a recorded state left in progress, taken up at time 0.
#[derive(Debug, Clone, Copy)]
pub(super) enum Resume {
    /// An older patient's stay, `elapsed` days since admission.
    Spell {
        sp: Ix,
        elapsed: f64,
        entry: Entry,
    },
    /// A stay of the trust's other patients.
    Background {
        sp: Ix,
        elapsed: f64,
    },
    /// In A&E at the midnight: arrives again at time 0 (the log cannot say how far the
    /// attendance had gone).
    InAe {
        person: Ix,
        source: AeSource,
    },
    /// A package running, started `elapsed` days before.
    Package {
        k: Ix,
        elapsed: f64,
    },
    Review {
        r: Ix,
    },
    /// The post-discharge excess of a discharge at `from` (negative: before the state).
    Excess {
        person: Ix,
        from: f64,
        pathway: u8,
        reablement: bool,
    },
}

/// Days from `from` to `to`.
fn days_between(from: domain::Instant, to: domain::Instant) -> f64 {
    (to.0 - from.0) as f64 / domain::time::NANOS_PER_DAY as f64
}

/// The band of someone aged `age`: 0 65-74, 1 75-84, 2 85+, 3 under 65.
fn band_of(age: i32) -> u8 {
    match age {
        ..65 => 3,
        65..75 => 0,
        75..85 => 1,
        _ => 2,
    }
}

/// What a stay's delay reason or requested service says of its pathway: the pathway, and a
/// nursing need and reablement when it says them.
fn pathway_named(s: &OpenSpell) -> Option<(u8, Option<bool>, Option<bool>)> {
    if let Some(service) = s.package.as_ref().map(|k| k.service) {
        let named = match service {
            Service::HomeCare => Some((1, None, Some(false))),
            Service::Reablement => Some((1, None, Some(true))),
            Service::StepDownBed => Some((2, None, None)),
            Service::ResidentialHome => Some((3, Some(false), None)),
            Service::NursingHome => Some((3, Some(true), None)),
            _ => None,
        };
        if named.is_some() {
            return named;
        }
    }
    match s.reason.map(|r| r.0) {
        Some(DelayReason::CarePackageHome) => Some((1, None, None)),
        Some(DelayReason::NonAcuteNhsCare) => Some((2, None, None)),
        Some(DelayReason::ResidentialHome) => Some((3, Some(false), None)),
        Some(DelayReason::NursingHome) => Some((3, Some(true), None)),
        Some(DelayReason::PatientFamilyChoice) => Some((3, None, None)),
        _ => None,
    }
}

impl<'a, S: Sink> TwinModel<'a, S> {
    /// The model with the people of `state`; the scenario's run starts at the state's date,
    /// without warm-up ([`Scenario::starting_at`](crate::Scenario::starting_at)).
    pub fn from_state(
        p: &'a Scenario,
        streams: Streams,
        emit: Emitter<S>,
        state: &InitialState,
    ) -> Self {
        let mut m = Self::blank(p, streams, emit);
        m.populate_from(state);
        m
    }

    fn populate_from(&mut self, state: &InitialState) {
        let taken: HashSet<NhsNumber> = state.people.iter().map(|p| p.nhs).collect();
        self.next_nhs = Box::new(synthetic_log::nhs_numbers().filter(move |n| !taken.contains(n)));
        let homes = self.care_homes.homes_of(false) + self.care_homes.homes_of(true);
        let codes: HashMap<Text, u32> = (0..homes as u32)
            .map(|h| (self.care_home_code(h), h))
            .collect();
        let mut pending = Vec::new();
        for person in &state.people {
            self.adopt(person, state, &codes, &mut pending);
        }
        // The trust's other patients: the log's younger adults, and as many more as a fresh
        // run draws (who arrives is drawn from them; how many, from the scenario's rates).
        let r = &self.p.run;
        let run_years = f64::from(r.days + r.cooldown_days) / steady::YEAR;
        let oldest = (64.0 - run_years).max(19.0);
        while self.background.len() < self.p.ae.background_patients as usize {
            let age = self.rng.setup.gen_range(18.0..oldest);
            let ix = self.new_person(3, Residence::OwnHome, None, 0.0, -age * steady::YEAR);
            self.background.push(ix);
        }
        // Queues are rebuilt in the order patients became ready (then were admitted).
        pending.sort_by(|a: &(f64, Resume), b| a.0.total_cmp(&b.0));
        self.resume = Some(pending.into_iter().map(|(_, r)| r).collect());
    }

    /// Adopts one person of the state, with what is open for them; what must wait for the
    /// run's start goes to `pending`, keyed by its order in the queues.
    fn adopt(
        &mut self,
        sp: &StatePerson,
        state: &InitialState,
        codes: &HashMap<Text, u32>,
        pending: &mut Vec<(f64, Resume)>,
    ) {
        let band = band_of(domain::age_on(sp.birth, state.date));
        let born = -((state.date - sp.birth).num_days() as f64);
        let place = sp.residence.is_care_home().then(|| {
            let nursing = sp.residence == Residence::NursingHome;
            let h = sp
                .care_home
                .as_ref()
                .and_then(|c| codes.get(c))
                .copied()
                .filter(|&h| self.care_homes.is_nursing(h) == nursing)
                .unwrap_or_else(|| self.care_homes.least_full(nursing));
            self.care_homes.take_in(h);
            h
        });
        let ix = self.adopt_person(sp, band, place, born);
        let older = band < 3;
        // Packages first: a review names its package.
        let mut packages = HashMap::new();
        for k in &sp.packages {
            if let Some((kx, elapsed)) = self.adopt_package(ix, k, state.at) {
                packages.insert(k.id.clone(), kx);
                if let Some(elapsed) = elapsed {
                    pending.push((f64::NEG_INFINITY, Resume::Package { k: kx, elapsed }));
                }
            }
        }
        let mut reviewed = HashSet::new();
        for review in &sp.reviews {
            let Some(&k) = review.package.as_ref().and_then(|p| packages.get(p)) else {
                continue;
            };
            reviewed.insert(k);
            let r = self.reviews.len() as Ix;
            self.emit
                .emit_original(&review.event, self.who(ix, Some(r)));
            self.reviews.push(Review {
                id: review.id.clone(),
                person: ix,
                package: k,
                due: (review.due - state.date).num_days() as f64,
                in_progress: false,
            });
            pending.push((f64::NEG_INFINITY, Resume::Review { r }));
        }
        // A home care package with no review due gets one, as running care does at a start.
        let mut unreviewed: Vec<Ix> = packages
            .values()
            .copied()
            .filter(|&k| {
                self.packages[k as usize].service == Service::HomeCare && !reviewed.contains(&k)
            })
            .collect();
        unreviewed.sort_unstable();
        for k in unreviewed {
            let due = self.persons[ix as usize]
                .rng
                .community
                .gen_range(0.0..self.p.community.review_interval_days);
            self.queue_review(k, due);
        }
        if let Some(s) = &sp.spell {
            let (spx, elapsed, ready) = self.adopt_spell(ix, s, state.at, older);
            let order = ready.unwrap_or(f64::INFINITY);
            if older {
                let entry = self.entry_of(spx, s, state.at);
                let order = match entry {
                    Entry::Chc { since } => -since,
                    _ => order,
                };
                pending.push((
                    order,
                    Resume::Spell {
                        sp: spx,
                        elapsed,
                        entry,
                    },
                ));
            } else {
                pending.push((order, Resume::Background { sp: spx, elapsed }));
            }
        }
        if let Some(a) = sp.attendance {
            pending.push((
                f64::INFINITY,
                Resume::InAe {
                    person: ix,
                    source: a.source,
                },
            ));
        }
        if let (true, Some(d)) = (older, sp.last_discharge) {
            if d.destination != Destination::Died {
                pending.push((
                    f64::INFINITY,
                    Resume::Excess {
                        person: ix,
                        from: days_between(state.at, d.at),
                        pathway: d.pathway.unwrap_or(0).min(3),
                        reablement: d.destination == Destination::ReablementHome,
                    },
                ));
            }
        }
    }

    /// A person of the state: their registration and residence changes handed on as written.
    fn adopt_person(&mut self, sp: &StatePerson, band: u8, place: Option<u32>, born: f64) -> Ix {
        let ix = self.persons.len() as Ix;
        let mut rngs = PersonRngs::new(&self.purposes, ix);
        let gp = match &sp.registered.body {
            B::PersonRegistered { gp, .. } => gp.clone(),
            _ => unreachable!("a registration"),
        };
        let practice = (0..synthetic_log::GP_PRACTICES)
            .find(|&i| self.gp_codes[i] == gp)
            .unwrap_or_else(|| rngs.life.gen_range(0..synthetic_log::GP_PRACTICES));
        let who = Who {
            nhs: sp.nhs,
            person: ix,
            lifecycle: None,
        };
        for e in std::iter::once(&sp.registered).chain(&sp.changes) {
            self.emit.emit_original(e, who);
        }
        let residence = if place.is_some() {
            sp.residence
        } else if sp.residence.is_care_home() {
            Residence::OwnHome
        } else {
            sp.residence
        };
        let ix = self.add_person(sp.nhs, band, born, (residence, place), practice, rngs);
        if band >= 3 {
            self.background.push(ix);
        }
        ix
    }

    /// A package running at the state's midnight, holding what it holds (hours, a reablement
    /// place, a step-down bed); with the days it has run when it has an end to draw.
    fn adopt_package(
        &mut self,
        person: Ix,
        k: &OpenPackage,
        at: domain::Instant,
    ) -> Option<(Ix, Option<f64>)> {
        let kx = self.packages.len() as Ix;
        let who = self.who(person, Some(kx));
        for e in &k.events {
            self.emit.emit_original(e, who);
        }
        let hours = match (k.service, k.hours) {
            (Service::HomeCare, None) => self
                .p
                .discharge
                .package_hours
                .sample(&mut self.persons[person as usize].rng.community),
            (_, h) => h.unwrap_or(0.0),
        };
        self.packages.push(Package {
            id: k.id.clone(),
            person,
            service: k.service,
            hours,
            ended: false,
            started: true,
            org: None,
            home_assessment: HomeAssessment::None,
            assessment: None,
        });
        let elapsed = days_between(k.started, at).max(0.0);
        let holds = match k.service {
            Service::HomeCare => {
                self.hours_of(person).force(hours);
                self.persons[person as usize].package = Some(kx);
                true
            }
            Service::Reablement => {
                self.reablement.force(0.0);
                true
            }
            Service::StepDownBed => {
                self.step_down.force(0.0);
                true
            }
            // A care home's package goes with the residence; others hold nothing modelled.
            _ => false,
        };
        if holds {
            self.persons[person as usize].packages.push(kx);
        }
        Some((kx, holds.then_some(elapsed)))
    }

    /// A stay open at the state's midnight, in its bed; returns its index, the days since
    /// admission and, if ready, since when (model days, negative).
    fn adopt_spell(
        &mut self,
        person: Ix,
        s: &OpenSpell,
        at: domain::Instant,
        older: bool,
    ) -> (Ix, f64, Option<f64>) {
        let sp = self.spells.len() as Ix;
        let who = self.who(person, Some(sp));
        for e in &s.events {
            self.emit.emit_original(e, who);
        }
        // The trust's other patients are not followed past their stay's length.
        let ready = s.ready.filter(|_| older);
        let ready_at = ready.map(|r| days_between(at, r));
        self.spells.push(Spell {
            reasons: s
                .reason
                .map(|(r, at)| ReasonTrack::in_force(r, at))
                .unwrap_or_default(),
            ready_at,
            trail: ready.map(|r| {
                Box::new(DelayTrail {
                    ready: r,
                    discharge: None,
                    reasons: s.reason.map(|(r, at)| (at, r)).into_iter().collect(),
                    parts: Vec::new(),
                })
            }),
            ..Spell::admitted(s.id.clone(), person, older)
        });
        if let Some(k) = &s.package {
            let kx = self.packages.len() as Ix;
            let who = self.who(person, Some(kx));
            for e in &k.events {
                self.emit.emit_original(e, who);
            }
            self.packages.push(Package {
                id: k.id.clone(),
                person,
                service: k.service,
                hours: k.hours.unwrap_or(0.0),
                ended: false,
                started: false,
                org: k.offered.clone(),
                home_assessment: HomeAssessment::None,
                assessment: None,
            });
            self.spells[sp as usize].package = Some(kx);
        }
        self.persons[person as usize].in_hospital = true;
        self.beds.force(0.0);
        if ready.is_some() {
            self.delayed_now += 1;
        }
        (sp, days_between(s.admitted, at).max(0.0), ready_at)
    }

    /// Where stay `sp` takes up, from what its log says: the assessments asked for and done,
    /// the delay reason in force, the service requested; the plan's details (nursing need,
    /// hours, CHC, the family's named home) drawn as a plan draws them, then overridden by what
    /// the log says.
    fn entry_of(&mut self, sp: Ix, s: &OpenSpell, at: domain::Instant) -> Entry {
        let person = self.spells[sp as usize].person;
        let ready = s.ready.is_some();
        if self.persons[person as usize].residence.is_care_home() {
            self.set_plan(sp, 0);
            return if ready { Entry::Leave } else { Entry::Plan };
        }
        let open = |kind: AssessmentType| {
            s.assessments
                .iter()
                .rev()
                .find(|a| a.kind == kind && a.outcome.is_none())
        };
        let done = |kind: AssessmentType| {
            s.assessments
                .iter()
                .rev()
                .find(|a| a.kind == kind && a.outcome.is_some())
        };
        let named = pathway_named(s);
        let chc_seen = s.assessments.iter().any(|a| a.kind == AssessmentType::Chc);
        let d2a = self.policy.discharge_to_assess(1);
        let pathway = if chc_seen {
            3
        } else if let Some((p, _, _)) = named {
            p
        } else if open(AssessmentType::CareNeeds).is_some()
            || done(AssessmentType::CareNeeds).is_some()
            || s.reason.is_some_and(|r| r.0 == DelayReason::Assessment)
        {
            self.draw_pathway(sp, &[false, !d2a, true, true])
        } else if ready && s.reason.is_some() {
            // A reason the model does not follow (funding, equipment, housing, disputes,
            // other): its pathway is drawn, and the patient waits for what it needs.
            self.draw_pathway(sp, &[false, true, true, true])
        } else if ready {
            self.set_plan(sp, 0);
            return Entry::Leave;
        } else {
            return Entry::Plan;
        };
        self.set_plan(sp, pathway);
        let spell = &mut self.spells[sp as usize];
        spell.pathway = pathway;
        if let Some((_, nursing, reablement)) = named {
            if let Some(n) = nursing {
                spell.nursing = n;
            }
            spell.reablement_given = reablement;
        }
        if let Some(h) = s.package.as_ref().and_then(|k| k.hours) {
            if h > 0.0 {
                spell.hours = h;
            }
        }
        if let Some((DelayReason::PatientFamilyChoice, since)) = s.reason {
            spell.choice_waited = days_between(since, at).max(0.0);
        }
        match s.reason.map(|r| r.0) {
            Some(DelayReason::ResidentialHome | DelayReason::NursingHome) => spell.preferred = None,
            Some(DelayReason::PatientFamilyChoice) if spell.preferred.is_none() => {
                let nursing = spell.nursing;
                let sought = self
                    .care_homes
                    .sought(nursing, self.p.discharge.family_choice_homes);
                let rng = &mut self.persons[person as usize].rng.discharge;
                let pick = rng.gen_range(0..sought);
                self.spells[sp as usize].preferred = Some(self.care_homes.home(nursing, pick));
            }
            _ => {}
        }
        if let Some(k) = s.package.as_ref().filter(|k| k.offered.is_some()) {
            if k.service == Service::HomeCare && k.offers == 1 {
                self.spells[sp as usize].reablement = false;
                self.spells[sp as usize].reablement_given = Some(false);
                return Entry::Brokered;
            }
            self.hold_arranged(sp, k);
            let since = k
                .events
                .last()
                .map_or(0.0, |e| days_between(e.at, at).max(0.0));
            return Entry::Arranged { since };
        }
        if matches!(s.reason, Some((DelayReason::PatientFamilyChoice, _))) {
            let funded = done(AssessmentType::Chc)
                .is_some_and(|a| a.outcome == Some(AssessmentOutcome::Eligible));
            let spell = &mut self.spells[sp as usize];
            spell.chc = funded;
            spell.chc_funded = funded;
            return Entry::NamedHome;
        }
        let spell = &mut self.spells[sp as usize];
        if let Some(a) = open(AssessmentType::Chc) {
            spell.chc = true;
            let index = self.assessments;
            self.assessments += 1;
            self.spells[sp as usize].chc_id = Some((a.id.clone(), index));
            self.emit
                .emit_original(&a.requested, self.who(person, Some(index)));
            return Entry::Chc {
                since: days_between(a.requested.at, at).max(0.0),
            };
        }
        if let Some(a) = done(AssessmentType::Chc) {
            spell.chc = true;
            if a.outcome == Some(AssessmentOutcome::Eligible) {
                spell.chc_funded = true;
                let since = a.completed.map(|c| days_between(c, at)).unwrap_or(0.0);
                let left = (self.p.discharge.chc_window_days - since).max(0.0);
                return Entry::ChcWindow { left };
            }
            return Entry::Service;
        }
        if let Some(a) = open(AssessmentType::CareNeeds) {
            let index = self.assessments;
            self.assessments += 1;
            self.spells[sp as usize].referral = Some((a.id.clone(), index));
            self.emit
                .emit_original(&a.requested, self.who(person, Some(index)));
            return Entry::Assessment;
        }
        if done(AssessmentType::CareNeeds).is_some() || named.is_some() {
            // Past the assessment, and no CHC assessment was asked for.
            self.spells[sp as usize].chc = false;
            return Entry::Service;
        }
        if pathway == 1 && d2a {
            return Entry::Service;
        }
        Entry::Assessment
    }

    /// The unit a provider offered for stay `sp` is held from the start (so the first
    /// midnight counts it), at the stage that holds it.
    fn hold_arranged(&mut self, sp: Ix, k: &crate::state::SpellPackage) {
        let (stage, held) = match k.service {
            Service::Reablement => {
                self.reablement.force(0.0);
                self.spells[sp as usize].reablement = true;
                (Stage::Reablement, Capacity::ReablementPlaces)
            }
            Service::StepDownBed => {
                self.step_down.force(0.0);
                (Stage::StepDown, Capacity::StepDownBeds)
            }
            Service::ResidentialHome | Service::NursingHome => {
                let nursing = k.service == Service::NursingHome;
                let homes = self.care_homes.homes_of(false) + self.care_homes.homes_of(true);
                let h = (0..homes as u32)
                    .find(|&h| {
                        self.care_homes.is_nursing(h) == nursing
                            && k.offered
                                .as_ref()
                                .is_some_and(|o| *o == self.care_home_code(h))
                    })
                    .unwrap_or_else(|| self.care_homes.least_full(nursing));
                self.care_homes.take_in(h);
                self.spells[sp as usize].home = Some(h);
                (Stage::CareHome, Capacity::CareHomePlaces)
            }
            _ => {
                let hours = self.spells[sp as usize].hours;
                let area = self.area_of_spell(sp);
                self.home_care.pool(area).force(hours);
                self.spells[sp as usize].reablement = false;
                (Stage::HomeCare, Capacity::HomeCareHours)
            }
        };
        let spell = &mut self.spells[sp as usize];
        spell.stage = stage;
        spell.arranged = Some(held);
    }

    /// Takes up, at time 0, what the state left in progress.
    pub(super) fn take_up(&mut self, s: &mut Scheduler<Ev>, pending: Vec<Resume>) {
        for r in pending {
            match r {
                Resume::Package { k, elapsed } => self.resume_package(s, k, elapsed),
                Resume::Review { r } => {
                    let due = self.reviews[r as usize].due.floor().max(0.0);
                    s.schedule_at(sim_kernel::Time(due), Ev::ReviewQueued(r));
                }
                Resume::Background { sp, elapsed } => {
                    let person = self.spells[sp as usize].person;
                    let left = self
                        .p
                        .hospital
                        .background_los
                        .sample_beyond(&mut self.persons[person as usize].rng.acute, elapsed);
                    s.schedule_in(left, Ev::BackgroundLeave(sp));
                }
                Resume::Spell { sp, elapsed, entry } => self.resume_spell(s, sp, elapsed, entry),
                Resume::InAe { person, source } => self.arrive_at_ae(s, person, source, false),
                Resume::Excess {
                    person,
                    from,
                    pathway,
                    reablement,
                } => {
                    if self.policy.readmission_hazard() {
                        let size = self.excess_size_for(person, pathway, reablement);
                        self.resume_excess(s, person, from, size);
                    } else {
                        self.resume_forced_return(s, person, from, pathway);
                    }
                    // After a course of reablement that ended before the state: the care-need
                    // hazards' tail at home (the needs not arisen by now; the hours needed are
                    // not in the log: the mean's).
                    let p = &self.persons[person as usize];
                    if pathway == 1
                        && reablement
                        && p.alive
                        && !p.in_hospital
                        && !p.residence.is_care_home()
                        && !self.care_need_in_force(person)
                    {
                        let since = s.now().0 - from;
                        self.resume_care_need(s, person, 0.0, care_need::NeedState::AtHome, since);
                    }
                }
            }
        }
    }

    fn resume_package(&mut self, s: &mut Scheduler<Ev>, k: Ix, elapsed: f64) {
        let (person, service) = {
            let p = &self.packages[k as usize];
            (p.person, p.service)
        };
        let d = &self.p.discharge;
        let (dist, event) = match service {
            Service::HomeCare => (&d.package_days, Ev::PackageEnds(k)),
            Service::Reablement if self.policy.bridging() => {
                // Bridged home (D2A): the assessment at home is asked for as for a discharge now;
                // the care-need hazards as from the discharge, the needs not arisen by now.
                self.bridge_home(s, k);
                if self.care_need_in_force(person) {
                    let hours = self.packages[k as usize].hours;
                    let waiting = care_need::NeedState::Waiting;
                    self.resume_care_need(s, person, hours, waiting, elapsed);
                }
                return;
            }
            Service::Reablement => {
                let hours = self.packages[k as usize].hours;
                let course = care_need::NeedState::Reablement;
                self.resume_care_need(s, person, hours, course, elapsed);
                (&d.reablement_days, Ev::ReablementEnds(k))
            }
            Service::StepDownBed => (&d.step_down_days, Ev::StepDownEnds(k)),
            _ => return,
        };
        let left = dist.sample_beyond(&mut self.persons[person as usize].rng.community, elapsed);
        s.schedule_in(left, event);
    }

    /// When stay `sp`, still in treatment after `elapsed` days, is optimised, and whether its
    /// discharge planning (which starts `planning_lead_days` before that) has been done.
    ///
    /// What is left of the stay is drawn given how long it has lasted, and given what the log
    /// shows of the planning. A plan that asked for something (an assessment, a service) left
    /// a trace (`traced`): the stay is optimised within the lead. A stay with no trace either
    /// is not planned yet (optimised after the lead) or was planned with nothing to ask for
    /// (pathway 0): a draw within the lead is kept with the chance of that pathway, and drawn
    /// again otherwise (rejection sampling of the stay given the log). The state's log is
    /// read as the model writes it; after 1,000 rejected draws (a chance below 1 in 10,000 for
    /// the baseline) the last draw is taken.
    fn resume_treatment(&mut self, t: f64, sp: Ix, elapsed: f64, traced: bool) -> (f64, bool) {
        let person = self.spells[sp as usize].person;
        let band = self.persons[person as usize].band as usize;
        let factor = self.p.hospital.older_band_los_factor[band];
        let lead = self.p.discharge.planning_lead_days;
        let quiet = if self.persons[person as usize].residence.is_care_home() {
            1.0
        } else {
            let w = self.pathway_weights(person);
            w[0] / w.iter().sum::<f64>().max(f64::MIN_POSITIVE)
        };
        // Still in treatment at `t` (a midnight): stable after noon the day before, since a
        // patient stable then waits for the morning's ward round (`later_ward_round`), and
        // one stable in the morning's round was declared then.
        let undeclared = (t - t.floor() + 0.5).min(elapsed);
        let beyond = elapsed - undeclared;
        let mut ready = t;
        for _ in 0..1000 {
            let stable = factor
                * self.p.hospital.medical_los.sample_beyond(
                    &mut self.persons[person as usize].rng.acute,
                    beyond / factor,
                )
                - undeclared;
            ready = self
                .later_ward_round(person, t + stable)
                .unwrap_or(t + stable)
                .max(t);
            let planned = ready - lead <= t;
            if traced {
                if planned {
                    return (ready, true);
                }
            } else if !planned {
                return (ready, false);
            } else if self.persons[person as usize]
                .rng
                .acute
                .gen_bool(quiet.clamp(0.0, 1.0))
            {
                return (ready, true);
            }
        }
        (ready, ready - lead <= t)
    }

    /// A family that waits for the home it named waits because that home is full. The log
    /// does not name it, so it was drawn among the sought-after homes: if the home drawn has a
    /// vacancy, one of those homes that has none is named instead (the drawn one stays if
    /// none is full).
    fn name_a_full_home(&mut self, sp: Ix) {
        let spell = &self.spells[sp as usize];
        let (Some(named), nursing, person) = (spell.preferred, spell.nursing, spell.person) else {
            return;
        };
        if !self.care_homes.has_vacancy(named) {
            return;
        }
        let sought = self
            .care_homes
            .sought(nursing, self.p.discharge.family_choice_homes);
        let full: Vec<u32> = (0..sought)
            .map(|i| self.care_homes.home(nursing, i))
            .filter(|&h| !self.care_homes.has_vacancy(h))
            .collect();
        if !full.is_empty() {
            let pick = self.persons[person as usize]
                .rng
                .discharge
                .gen_range(0..full.len());
            self.spells[sp as usize].preferred = Some(full[pick]);
        }
    }

    fn resume_spell(&mut self, s: &mut Scheduler<Ev>, sp: Ix, elapsed: f64, entry: Entry) {
        let t = s.now().0;
        let mut planned_quietly = false;
        if self.spells[sp as usize].ready_at.is_none() {
            let traced = !matches!(entry, Entry::Plan);
            let (ready, planned) = self.resume_treatment(t, sp, elapsed, traced);
            if !traced {
                if planned {
                    planned_quietly = true;
                } else {
                    let plan = ready - self.p.discharge.planning_lead_days;
                    s.schedule_at(sim_kernel::Time(plan), Ev::Plan(sp));
                }
            }
            s.schedule_at(sim_kernel::Time(ready), Ev::Optimised(sp));
        }
        match entry {
            Entry::Plan if planned_quietly => {
                // Planned already, with nothing to ask for: home when optimised.
                self.set_plan(sp, 0);
                self.spells[sp as usize].stage = Stage::Planned;
            }
            Entry::Plan => {}
            Entry::Leave => {
                self.spells[sp as usize].stage = Stage::Planned;
                if self.spells[sp as usize].ready_at.is_some() {
                    self.ready_to_leave(s, sp);
                }
            }
            Entry::Chc { since } => {
                self.spells[sp as usize].stage = Stage::Chc;
                self.wait_for(t, sp, DelayReason::Assessment);
                self.mark(t, sp);
                if let Some(sp) = self.chc_assessors.request(t, sp, 0) {
                    self.spells[sp as usize].chc_elapsed = since;
                    self.start_chc(s, sp);
                }
            }
            Entry::ChcWindow { left } => {
                self.enter_chc_window(s, sp, left);
                // Taken up at the state's midnight: the decomposition is marked now.
                self.mark(t, sp);
            }
            Entry::Assessment => self.request_assessment(s, sp),
            Entry::Brokered => {
                self.wait_for(t, sp, DelayReason::CarePackageHome);
                self.request_home_care(s, sp);
            }
            Entry::Service => self.after_assessment(s, sp),
            Entry::Arranged { since } => {
                let reason = self.reason_of(sp, self.spells[sp as usize].stage);
                if let Some(reason) = reason {
                    self.wait_for(t, sp, reason);
                }
                match self.spells[sp as usize].stage {
                    Stage::Reablement => self.ready_to_leave(s, sp),
                    Stage::StepDown => self.step_down_admit(s, sp),
                    // Offered after the provider's assessment: it has accepted, and a home
                    // care agency's start-up has run for as long as the offer is old.
                    _ => self.after_acceptance_since(s, sp, since),
                }
                self.mark(t, sp);
            }
            Entry::NamedHome => {
                self.name_a_full_home(sp);
                self.request_care_home(s, sp);
            }
        }
    }
}
