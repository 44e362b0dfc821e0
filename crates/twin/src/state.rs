//! The state of a journey log at a date, for a run that starts from it
//! (`joinedup simulate --initial-state`): who is alive and where they live, who is in
//! hospital (admitted when, ready or not, the delay reason in force, the assessments done and
//! in progress, the service the pathway needs), who is in A&E, the packages running and their
//! hours, the reviews due, and each person's latest discharge (their post-discharge risk).
//!
//! [`StateBuilder`] folds the events of any valid journey log, in any order (a store's import
//! order, files one after the other), keeping only what is open at the instant: a closed
//! lifecycle keeps a small tombstone, never its events, so memory follows people and open
//! lifecycles, not the log. The events of what is open are kept as they were written: a run
//! from the state hands them to the indicator engine (and to its log) first, its *prelude*, so
//! a stay begun before the date and ended after it is measured whole, and a run's log is a
//! valid journey log on its own.
//!
//! What a log cannot say is drawn as a fresh run would draw it, and listed in
//! [`InitialState::notes`] when it matters: the pathway of a patient whose delay reason does
//! not name it, how long a stay or a package in progress has still to go (drawn from its
//! distribution given how long it has lasted: `Dist::sample_beyond`).

use chrono::NaiveDate;
use domain::codes::{
    AeSource, AssessmentOutcome, AssessmentType, DelayReason, Destination, Residence, Service,
};
use domain::{Event, EventBody as B, Instant, NhsNumber, Text, Zone};
use std::collections::HashMap;

/// One person alive at the instant, with what is open for them.
#[derive(Debug, Clone)]
pub struct StatePerson {
    pub nhs: NhsNumber,
    pub birth: NaiveDate,
    /// Their registration (the latest at or before the instant) and the residence changes
    /// after it, as written: the prelude's first events.
    pub registered: Event,
    pub changes: Vec<Event>,
    /// Where they live at the instant.
    pub residence: Residence,
    pub care_home: Option<Text>,
    pub spell: Option<OpenSpell>,
    /// In A&E at the instant (arrived, not departed).
    pub attendance: Option<OpenAttendance>,
    pub packages: Vec<OpenPackage>,
    pub reviews: Vec<OpenReview>,
    pub last_discharge: Option<LastDischarge>,
}

/// A hospital stay open at the instant.
#[derive(Debug, Clone)]
pub struct OpenSpell {
    pub id: Text,
    pub org: Text,
    pub admitted: Instant,
    /// Medically optimised (ready for discharge) at.
    pub ready: Option<Instant>,
    /// The delay reason in force, and since when.
    pub reason: Option<(DelayReason, Instant)>,
    /// The stay's assessments (requested; completed with an outcome, or still in progress).
    pub assessments: Vec<SpellAssessment>,
    /// The package asked for the stay (`package_requested` naming it, not started), the
    /// latest: the service the pathway needs, and whether a provider has offered it (the unit
    /// granted and held for the discharge).
    pub package: Option<SpellPackage>,
    /// The admission (its attendance reference dropped: the attendance, closed, is not in the
    /// prelude), `ready_for_discharge` and every `delay_reason`, in time order.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone)]
pub struct SpellPackage {
    pub id: Text,
    pub service: Service,
    pub hours: Option<f64>,
    /// The provider that offered it, the latest.
    pub offered: Option<Text>,
    /// How many offers came (a home care agency offers when found, and again when it
    /// accepts after assessing the person).
    pub offers: u32,
    /// `package_requested` and any `package_offered`, in time order.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone)]
pub struct SpellAssessment {
    pub id: Text,
    pub kind: AssessmentType,
    pub outcome: Option<AssessmentOutcome>,
    pub completed: Option<Instant>,
    /// Its `assessment_requested`, for the prelude of one in progress.
    pub requested: Event,
}

#[derive(Debug, Clone, Copy)]
pub struct OpenAttendance {
    pub source: AeSource,
    pub arrived: Instant,
}

/// A package of care started and not ended at the instant.
#[derive(Debug, Clone)]
pub struct OpenPackage {
    pub id: Text,
    pub service: Service,
    pub hours: Option<f64>,
    pub started: Instant,
    /// `package_requested`, any `package_offered`, `package_started`, in time order.
    pub events: Vec<Event>,
}

/// A review due and not completed at the instant.
#[derive(Debug, Clone)]
pub struct OpenReview {
    pub id: Text,
    pub package: Option<Text>,
    pub due: NaiveDate,
    pub event: Event,
}

#[derive(Debug, Clone, Copy)]
pub struct LastDischarge {
    pub at: Instant,
    pub destination: Destination,
    pub pathway: Option<u8>,
}

/// The state of a log at the start of a date.
#[derive(Debug, Clone)]
pub struct InitialState {
    pub date: NaiveDate,
    /// The date's midnight: events at or before it are the state.
    pub at: Instant,
    /// Alive at the instant, in order of NHS number (so a run's people are the same whatever
    /// order the log was read in).
    pub people: Vec<StatePerson>,
    /// Events read, and those after the instant (not part of the state).
    pub events_read: u64,
    pub events_after: u64,
    /// What the log left out or the state could not carry, in plain words.
    pub notes: Vec<String>,
}

/// What the state holds, counted: the census a run's first midnight must show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Census {
    pub alive: u64,
    pub aged_65_plus: u64,
    pub in_hospital: u64,
    /// Aged 65 and over in hospital, medically optimised: delayed (the trust's younger
    /// patients are not followed past their stay's length).
    pub delayed: u64,
    pub in_ae: u64,
    pub care_home_residents: u64,
    /// Care home places granted and held for patients in hospital (offered, not yet taken up).
    pub care_home_places_held: u64,
    pub home_care_packages: u64,
    pub reablement_packages: u64,
    pub step_down_packages: u64,
    pub reviews_due: u64,
}

impl InitialState {
    pub fn census(&self) -> Census {
        let mut c = Census::default();
        for p in &self.people {
            c.alive += 1;
            if domain::age_on(p.birth, self.date) >= 65 {
                c.aged_65_plus += 1;
            }
            let older = domain::age_on(p.birth, self.date) >= 65;
            if let Some(s) = &p.spell {
                c.in_hospital += 1;
                let held = s.package.as_ref().is_some_and(|k| {
                    k.offered.is_some()
                        && matches!(k.service, Service::ResidentialHome | Service::NursingHome)
                });
                if held && older {
                    c.care_home_places_held += 1;
                }
                if s.ready.is_some() && older {
                    c.delayed += 1;
                }
            }
            c.in_ae += u64::from(p.attendance.is_some());
            if p.residence.is_care_home() {
                c.care_home_residents += 1;
            }
            for k in &p.packages {
                match k.service {
                    Service::HomeCare => c.home_care_packages += 1,
                    Service::Reablement => c.reablement_packages += 1,
                    Service::StepDownBed => c.step_down_packages += 1,
                    _ => {}
                }
            }
            c.reviews_due += p.reviews.len() as u64;
        }
        c
    }

    /// Whether `id` is the id of an event or lifecycle the prelude carries, or starts one: a
    /// run's own ids are given a prefix no prelude id starts with.
    pub fn prefix_is_free(&self, prefix: &str) -> bool {
        let taken = |id: &str| id.starts_with(prefix);
        !self.people.iter().any(|p| {
            taken(&p.registered.id)
                || p.changes.iter().any(|e| taken(&e.id))
                || p.spell.as_ref().is_some_and(|s| {
                    taken(&s.id)
                        || s.events.iter().any(|e| taken(&e.id))
                        || s.assessments
                            .iter()
                            .any(|a| taken(&a.id) || taken(&a.requested.id))
                        || s.package
                            .as_ref()
                            .is_some_and(|k| taken(&k.id) || k.events.iter().any(|e| taken(&e.id)))
                })
                || p.packages
                    .iter()
                    .any(|k| taken(&k.id) || k.events.iter().any(|e| taken(&e.id)))
                || p.reviews.iter().any(|r| taken(&r.id) || taken(&r.event.id))
        })
    }
}

/// A lifecycle seen: open (with what the state needs) or closed at or before the instant.
#[derive(Debug)]
enum Life<T> {
    Open(T),
    Closed,
}

#[derive(Debug, Default)]
struct SpellAcc {
    admission: Option<Event>,
    ready: Option<Event>,
    reasons: Vec<Event>,
    discharged: Option<LastDischarge>,
}

#[derive(Debug, Default)]
struct PackageAcc {
    requested: Option<Event>,
    offered: Vec<Event>,
    started: Option<Event>,
    ended: bool,
}

#[derive(Debug, Default)]
struct AssessmentAcc {
    requested: Option<Event>,
    outcome: Option<(AssessmentOutcome, Instant)>,
}

#[derive(Debug, Default)]
struct PersonAcc {
    registered: Option<Event>,
    changes: Vec<Event>,
    died: bool,
    spells: HashMap<Text, SpellAcc>,
    attendances: HashMap<Text, Life<OpenAttendance>>,
    packages: HashMap<Text, PackageAcc>,
    assessments: HashMap<Text, AssessmentAcc>,
    reviews: HashMap<Text, Life<Option<Event>>>,
}

/// Folds a valid journey log, in any order, into its state at the start of `date`.
pub struct StateBuilder {
    date: NaiveDate,
    at: Instant,
    people: HashMap<NhsNumber, PersonAcc>,
    read: u64,
    after: u64,
}

impl StateBuilder {
    pub fn new(date: NaiveDate, zone: Zone) -> Self {
        StateBuilder {
            date,
            at: zone.midnight(date),
            people: HashMap::new(),
            read: 0,
            after: 0,
        }
    }

    /// Folds one event of a valid log (checked by `journey_log`'s validator).
    pub fn push(&mut self, e: &Event) {
        self.read += 1;
        if e.at > self.at {
            self.after += 1;
            return;
        }
        let Some(nhs) = e.person else { return };
        let p = self.people.entry(nhs).or_default();
        match &e.body {
            B::PersonRegistered { .. } => {
                if p.registered.as_ref().is_none_or(|r| r.at <= e.at) {
                    p.registered = Some(e.clone());
                }
            }
            B::ResidenceChanged { .. } => p.changes.push(e.clone()),
            B::Death => p.died = true,
            B::AeArrival {
                attendance, source, ..
            } => {
                p.attendances
                    .entry(attendance.clone())
                    .or_insert(Life::Open(OpenAttendance {
                        source: *source,
                        arrived: e.at,
                    }));
            }
            B::AeDeparture { attendance, .. } => {
                p.attendances.insert(attendance.clone(), Life::Closed);
            }
            B::Admission { spell, .. } => {
                let s = p.spells.entry(spell.clone()).or_default();
                if s.discharged.is_none() {
                    s.admission = Some(e.clone());
                }
            }
            B::ReadyForDischarge { spell } => {
                let s = p.spells.entry(spell.clone()).or_default();
                if s.discharged.is_none() {
                    s.ready = Some(e.clone());
                }
            }
            B::DelayReason { spell, .. } => {
                let s = p.spells.entry(spell.clone()).or_default();
                if s.discharged.is_none() {
                    s.reasons.push(e.clone());
                }
            }
            B::Discharge {
                spell,
                destination,
                pathway,
                ..
            } => {
                let s = p.spells.entry(spell.clone()).or_default();
                s.discharged = Some(LastDischarge {
                    at: e.at,
                    destination: *destination,
                    pathway: *pathway,
                });
                s.reasons = Vec::new();
                s.ready = None;
                s.admission = None;
            }
            B::AssessmentRequested { assessment, .. } => {
                p.assessments
                    .entry(assessment.clone())
                    .or_default()
                    .requested = Some(e.clone())
            }
            B::AssessmentCompleted {
                assessment,
                outcome,
                ..
            } => {
                p.assessments.entry(assessment.clone()).or_default().outcome =
                    Some((*outcome, e.at))
            }
            B::PackageRequested { package, .. } => {
                p.packages.entry(package.clone()).or_default().requested = Some(e.clone())
            }
            B::PackageOffered { package, .. } => {
                let k = p.packages.entry(package.clone()).or_default();
                if !k.ended {
                    k.offered.push(e.clone());
                }
            }
            B::PackageStarted { package, .. } => {
                p.packages.entry(package.clone()).or_default().started = Some(e.clone())
            }
            B::PackageEnded { package, .. } => {
                let k = p.packages.entry(package.clone()).or_default();
                k.ended = true;
                k.offered = Vec::new();
            }
            B::ReviewDue { review, .. } => {
                let r = p.reviews.entry(review.clone()).or_insert(Life::Open(None));
                if let Life::Open(slot) = r {
                    *slot = Some(e.clone());
                }
            }
            B::ReviewCompleted { review } => {
                p.reviews.insert(review.clone(), Life::Closed);
            }
            B::Unknown { .. } => {}
        }
    }

    pub fn finish(self) -> InitialState {
        let mut notes = Vec::new();
        let mut unregistered = 0u64;
        let mut people = Vec::new();
        let mut keys: Vec<NhsNumber> = self.people.keys().copied().collect();
        keys.sort_unstable();
        let mut people_map = self.people;
        for nhs in keys {
            let acc = people_map.remove(&nhs).expect("key listed");
            if acc.died {
                continue;
            }
            let Some(registered) = acc.registered else {
                unregistered += 1;
                continue;
            };
            let B::PersonRegistered {
                birth_date,
                residence,
                care_home,
                ..
            } = &registered.body
            else {
                unreachable!("a registration")
            };
            let (mut residence, mut care_home) = (*residence, care_home.clone());
            let mut changes: Vec<Event> = acc
                .changes
                .into_iter()
                .filter(|c| c.at >= registered.at)
                .collect();
            changes.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
            for c in &changes {
                if let B::ResidenceChanged {
                    residence: r,
                    care_home: h,
                    ..
                } = &c.body
                {
                    residence = *r;
                    care_home = h.clone();
                }
            }
            let mut spell = None;
            let mut last_discharge: Option<LastDischarge> = None;
            let mut spell_ids: Vec<&Text> = acc.spells.keys().collect();
            spell_ids.sort();
            for id in spell_ids {
                let s = &acc.spells[id];
                if let Some(d) = s.discharged {
                    if last_discharge.is_none_or(|l| l.at < d.at) {
                        last_discharge = Some(d);
                    }
                    continue;
                }
                let Some(admission) = &s.admission else {
                    continue;
                };
                let B::Admission {
                    spell: sid,
                    org,
                    method,
                    cause,
                    ..
                } = &admission.body
                else {
                    unreachable!("an admission")
                };
                let mut events = vec![Event {
                    body: B::Admission {
                        spell: sid.clone(),
                        org: org.clone(),
                        method: *method,
                        attendance: None,
                        cause: *cause,
                    },
                    ..admission.clone()
                }];
                events.extend(s.ready.iter().cloned());
                let mut reasons = s.reasons.clone();
                reasons.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
                let reason = reasons.last().map(|e| match &e.body {
                    B::DelayReason { reason, .. } => (*reason, e.at),
                    _ => unreachable!("a delay reason"),
                });
                events.extend(reasons);
                events.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
                let mut assessments: Vec<SpellAssessment> = acc
                    .assessments
                    .iter()
                    .filter_map(|(aid, a)| {
                        let r = a.requested.as_ref()?;
                        match &r.body {
                            B::AssessmentRequested {
                                assessment_type,
                                spell: Some(of),
                                ..
                            } if of == id => Some(SpellAssessment {
                                id: aid.clone(),
                                kind: *assessment_type,
                                outcome: a.outcome.map(|o| o.0),
                                completed: a.outcome.map(|o| o.1),
                                requested: r.clone(),
                            }),
                            _ => None,
                        }
                    })
                    .collect();
                assessments.sort_by(|a, b| {
                    a.requested
                        .at
                        .cmp(&b.requested.at)
                        .then_with(|| a.id.cmp(&b.id))
                });
                let package = acc
                    .packages
                    .iter()
                    .filter(|(_, k)| k.started.is_none() && !k.ended)
                    .filter_map(|(kid, k)| {
                        let r = k.requested.as_ref()?;
                        match &r.body {
                            B::PackageRequested {
                                service,
                                hours_per_week,
                                spell: Some(of),
                                ..
                            } if of == id => {
                                let mut events = vec![r.clone()];
                                events.extend(k.offered.iter().cloned());
                                events
                                    .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
                                let offered = events.iter().rev().find_map(|e| match &e.body {
                                    B::PackageOffered { org, .. } => Some(org.clone()),
                                    _ => None,
                                });
                                Some(SpellPackage {
                                    id: kid.clone(),
                                    service: *service,
                                    hours: hours_per_week.map(|h| h.0),
                                    offered,
                                    offers: k.offered.len() as u32,
                                    events,
                                })
                            }
                            _ => None,
                        }
                    })
                    .max_by(|a, b| {
                        a.events[0]
                            .at
                            .cmp(&b.events[0].at)
                            .then_with(|| a.id.cmp(&b.id))
                    });
                if spell.is_some() {
                    notes.push(format!(
                        "{nhs} has more than one stay open; only the latest admission is carried"
                    ));
                }
                let open = OpenSpell {
                    id: id.clone(),
                    org: org.clone(),
                    admitted: admission.at,
                    ready: s.ready.as_ref().map(|e| e.at),
                    reason,
                    assessments,
                    package,
                    events,
                };
                if spell
                    .as_ref()
                    .is_none_or(|o: &OpenSpell| o.admitted < open.admitted)
                {
                    spell = Some(open);
                }
            }
            // In A&E: the latest arrival not departed, unless the person is already in a bed.
            let attendance = if spell.is_some() {
                None
            } else {
                acc.attendances
                    .iter()
                    .filter_map(|(id, a)| match a {
                        Life::Open(o) => Some((o.arrived, id, *o)),
                        Life::Closed => None,
                    })
                    .max_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
                    .map(|(_, _, o)| o)
            };
            let open_spell = spell.as_ref().map(|s: &OpenSpell| s.id.clone());
            let open_spell = open_spell.as_ref();
            let mut packages: Vec<OpenPackage> = acc
                .packages
                .iter()
                .filter(|(_, k)| !k.ended)
                .filter_map(|(id, k)| {
                    let (requested, started) = (k.requested.as_ref()?, k.started.as_ref()?);
                    let B::PackageRequested {
                        service,
                        hours_per_week,
                        ..
                    } = &requested.body
                    else {
                        unreachable!("a request")
                    };
                    // The stay it was asked for is in the prelude only if still open.
                    let requested = match &requested.body {
                        B::PackageRequested {
                            package,
                            service,
                            hours_per_week,
                            spell: Some(of),
                        } if open_spell.is_none_or(|o| o != of) => Event {
                            body: B::PackageRequested {
                                package: package.clone(),
                                service: *service,
                                hours_per_week: *hours_per_week,
                                spell: None,
                            },
                            ..requested.clone()
                        },
                        _ => requested.clone(),
                    };
                    let mut events = vec![requested];
                    events.extend(k.offered.iter().cloned());
                    events.push(started.clone());
                    events.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
                    Some(OpenPackage {
                        id: id.clone(),
                        service: *service,
                        hours: hours_per_week.map(|h| h.0),
                        started: started.at,
                        events,
                    })
                })
                .collect();
            packages.sort_by(|a, b| a.started.cmp(&b.started).then_with(|| a.id.cmp(&b.id)));
            let mut reviews: Vec<OpenReview> = acc
                .reviews
                .iter()
                .filter_map(|(id, r)| match r {
                    Life::Open(Some(e)) => match &e.body {
                        B::ReviewDue { package, due, .. } => Some(OpenReview {
                            id: id.clone(),
                            package: package.clone(),
                            due: *due,
                            event: e.clone(),
                        }),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            reviews.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
            people.push(StatePerson {
                nhs,
                birth: *birth_date,
                registered,
                changes,
                residence,
                care_home,
                spell,
                attendance,
                packages,
                reviews,
                last_discharge,
            });
        }
        if unregistered > 0 {
            notes.push(format!(
                "{unregistered} people have events but no registration at or before {}: left out",
                self.date
            ));
        }
        InitialState {
            date: self.date,
            at: self.at,
            people,
            events_read: self.read,
            events_after: self.after,
            notes,
        }
    }
}
