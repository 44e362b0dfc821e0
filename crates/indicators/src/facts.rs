//! What the indicators need to know of a journey log, folded from its events in any order.
//!
//! [`JourneyFacts`] keeps one small record per person, spell, attendance, package, assessment and
//! review: memory grows with them, not with the number of events. [`JourneyFacts::finish`] sorts
//! what the definitions search by time and gives the [`Journeys`] the indicators are read from.

use chrono::NaiveDate;
use domain::codes::*;
use domain::{Event, EventBody, Instant};
use rustc_hash::FxHashMap;

pub(crate) type Ix = u32;

/// Interns ids of one namespace as small indexes. Ids are kept as 64-bit fingerprints
/// (xxh3): two distinct ids of one namespace share one by chance about once in 10^7 logs of a
/// million ids, far below any other source of error in the figures.
#[derive(Default, Clone)]
struct Ids {
    map: FxHashMap<u64, Ix>,
}

impl Ids {
    fn get(&mut self, id: &str, len: &mut usize) -> usize {
        let next = *len as Ix;
        let i = *self
            .map
            .entry(xxhash_rust::xxh3::xxh3_64(id.as_bytes()))
            .or_insert(next);
        if i == next {
            *len += 1;
        }
        i as usize
    }
}

/// The slot of `id`: at `index` when the caller has interned ids already, else interned here.
fn slot_at<T: Default>(v: &mut Vec<T>, ids: &mut Ids, id: &str, index: Option<u32>) -> usize {
    match index {
        Some(i) => {
            let i = i as usize;
            if i >= v.len() {
                v.resize_with(i + 1, T::default);
            }
            i
        }
        None => slot(v, ids, id),
    }
}

fn slot<T: Default>(v: &mut Vec<T>, ids: &mut Ids, id: &str) -> usize {
    let mut len = v.len();
    let i = ids.get(id, &mut len);
    if i == v.len() {
        v.push(T::default());
    }
    i
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ResidenceFact {
    pub at: Instant,
    pub residence: Residence,
    pub permanent: bool,
    /// A `residence_changed` (a registration is not a move).
    pub is_change: bool,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Person {
    /// `birth_date` of the latest registration, with the registration's instant.
    pub birth: Option<(Instant, NaiveDate)>,
    pub residences: Vec<ResidenceFact>,
    pub death: Option<Instant>,
    /// Filled by `finish`: sorted emergency admissions, spells, reablement starts.
    pub emergency_admissions: Vec<Instant>,
    pub spells: Vec<Ix>,
    pub reablement_starts: Vec<Instant>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Spell {
    pub person: Option<Ix>,
    pub org: Option<Ix>,
    pub method: Option<AdmissionMethod>,
    pub cause: Option<Cause>,
    pub admitted: Option<Instant>,
    pub ready: Option<Instant>,
    pub discharge: Option<(Instant, Destination)>,
    pub delay_reasons: Vec<(Instant, DelayReason, Responsible)>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Attendance {
    pub person: Option<Ix>,
    pub arrival: Option<(Instant, AeSource)>,
    pub departure: Option<(Instant, AeOutcome)>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Package {
    pub person: Option<Ix>,
    pub service: Option<Service>,
    pub started: Option<Instant>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Assessment {
    pub kind: Option<AssessmentType>,
    pub requested: Option<Instant>,
    pub completed: Option<(Instant, AssessmentOutcome)>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Review {
    pub person: Option<Ix>,
    pub due: Option<NaiveDate>,
    pub completed: Option<Instant>,
}

/// The facts of a journey log, gathered one event at a time in any order.
#[derive(Default, Clone)]
pub struct JourneyFacts {
    person_ix: FxHashMap<u64, Ix>,
    pub(crate) persons: Vec<Person>,
    spell_ids: Ids,
    pub(crate) spells: Vec<Spell>,
    attendance_ids: Ids,
    pub(crate) attendances: Vec<Attendance>,
    package_ids: Ids,
    pub(crate) packages: Vec<Package>,
    assessment_ids: Ids,
    pub(crate) assessments: Vec<Assessment>,
    review_ids: Ids,
    pub(crate) reviews: Vec<Review>,
    org_ids: Ids,
    pub(crate) orgs: Vec<String>,
    pub(crate) events: u64,
    /// Whether lifecycle ids came interned (`push_indexed` with `Some`).
    indexed: Option<bool>,
    /// The person of the last event, and their index.
    last_person: Option<(u64, Ix)>,
    /// The caller's index of the person of the event being pushed (`push_hinted`).
    person_hint: Option<Ix>,
}

fn has_lifecycle(e: &Event) -> bool {
    !matches!(
        e.body,
        EventBody::Unknown { .. }
            | EventBody::PersonRegistered { .. }
            | EventBody::ResidenceChanged { .. }
            | EventBody::Death
    )
}

impl JourneyFacts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Facts with room for a log of about `events` events before their tables grow (growing
    /// a table of millions copies it).
    pub fn with_capacity(events: usize) -> Self {
        let mut f = Self::default();
        // A map's entries are touched at random, so all it reserves is memory held: people are
        // far fewer than events (a person has tens of events over the years), and the map grows
        // if they are not. Vectors are filled in order: what they do not use is never touched.
        f.person_ix.reserve(events / 32);
        f.persons.reserve(events / 4);
        f.spells.reserve(events / 8);
        f.attendances.reserve(events / 8);
        f
    }

    /// Events folded so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    fn person(&mut self, e: &Event) -> Option<Ix> {
        let n = e.person?.as_u64();
        if let Some(ix) = self.person_hint {
            let i = ix as usize;
            if i >= self.persons.len() {
                self.persons.resize_with(i + 1, Person::default);
            }
            return Some(ix);
        }
        // Events of one person often come together (arrival, departure, admission ...).
        if let Some((last, ix)) = self.last_person {
            if last == n {
                return Some(ix);
            }
        }
        let next = self.persons.len() as Ix;
        let ix = *self.person_ix.entry(n).or_insert(next);
        if ix == next {
            self.persons.push(Person::default());
        }
        self.last_person = Some((n, ix));
        Some(ix)
    }

    fn org(&mut self, code: &str) -> Ix {
        let mut len = self.orgs.len();
        let i = self.org_ids.get(code, &mut len);
        if i == self.orgs.len() {
            self.orgs.push(code.to_string());
        }
        i as Ix
    }

    /// Folds one valid event in.
    pub fn push(&mut self, e: &Event) {
        self.push_indexed(e, None);
    }

    /// Folds one valid event in, with the caller's own dense indexes for its lifecycle id (as
    /// [`push_indexed`](Self::push_indexed)) and for its person (0, 1, 2 ... in order of first
    /// sight, the same person always the same index). A log must be pushed all this way or not
    /// at all. The simulation uses it: it holds both indexes already.
    pub fn push_hinted(&mut self, e: &Event, lifecycle: Option<u32>, person: Option<u32>) {
        self.person_hint = person;
        self.push_indexed(e, lifecycle);
        self.person_hint = None;
    }

    /// Folds one valid event in, its lifecycle id (spell, attendance, assessment, package or
    /// review) already interned by the caller as `index` (dense per namespace, as
    /// `journey_log::Validator` hands them out), which saves looking it up again. A log must be
    /// pushed all with indexes or all without.
    pub fn push_indexed(&mut self, e: &Event, index: Option<u32>) {
        debug_assert!(
            self.indexed.is_none_or(|was| was == index.is_some()) || !has_lifecycle(e),
            "mixed push and push_indexed"
        );
        if has_lifecycle(e) {
            self.indexed = Some(index.is_some());
        }
        self.events += 1;
        let at = e.at;
        use EventBody as B;
        match &e.body {
            B::Unknown { .. } => {}
            B::PersonRegistered {
                birth_date,
                residence,
                ..
            } => {
                let ix = self.person(e).expect("known kinds have a person") as usize;
                let p = &mut self.persons[ix];
                if p.birth.is_none_or(|(reg_at, _)| reg_at <= at) {
                    p.birth = Some((at, *birth_date));
                }
                p.residences.push(ResidenceFact {
                    at,
                    residence: *residence,
                    permanent: true,
                    is_change: false,
                });
            }
            B::ResidenceChanged {
                residence,
                permanent,
                ..
            } => {
                let p = self.person(e).expect("known kinds have a person") as usize;
                self.persons[p].residences.push(ResidenceFact {
                    at,
                    residence: *residence,
                    permanent: *permanent,
                    is_change: true,
                });
            }
            B::Death => {
                let p = self.person(e).expect("known kinds have a person") as usize;
                self.persons[p].death = Some(at);
            }
            B::AeArrival {
                attendance, source, ..
            } => {
                let person = self.person(e);
                let i = slot_at(
                    &mut self.attendances,
                    &mut self.attendance_ids,
                    attendance,
                    index,
                );
                let a = &mut self.attendances[i];
                a.person = person;
                a.arrival = Some((at, *source));
            }
            B::AeDeparture {
                attendance,
                outcome,
            } => {
                let i = slot_at(
                    &mut self.attendances,
                    &mut self.attendance_ids,
                    attendance,
                    index,
                );
                self.attendances[i].departure = Some((at, *outcome));
            }
            B::Admission {
                spell,
                org,
                method,
                cause,
                ..
            } => {
                let person = self.person(e);
                let org = self.org(org);
                let i = slot_at(&mut self.spells, &mut self.spell_ids, spell, index);
                let s = &mut self.spells[i];
                s.person = person;
                s.org = Some(org);
                s.method = Some(*method);
                s.cause = *cause;
                s.admitted = Some(at);
            }
            B::ReadyForDischarge { spell } => {
                let i = slot_at(&mut self.spells, &mut self.spell_ids, spell, index);
                self.spells[i].ready = Some(at);
            }
            B::DelayReason {
                spell,
                reason,
                responsible,
            } => {
                let i = slot_at(&mut self.spells, &mut self.spell_ids, spell, index);
                self.spells[i]
                    .delay_reasons
                    .push((at, *reason, *responsible));
            }
            B::Discharge {
                spell, destination, ..
            } => {
                let i = slot_at(&mut self.spells, &mut self.spell_ids, spell, index);
                self.spells[i].discharge = Some((at, *destination));
            }
            B::AssessmentRequested {
                assessment,
                assessment_type,
                ..
            } => {
                let i = slot_at(
                    &mut self.assessments,
                    &mut self.assessment_ids,
                    assessment,
                    index,
                );
                self.assessments[i].kind = Some(*assessment_type);
                self.assessments[i].requested = Some(at);
            }
            B::AssessmentCompleted {
                assessment,
                outcome,
                ..
            } => {
                let i = slot_at(
                    &mut self.assessments,
                    &mut self.assessment_ids,
                    assessment,
                    index,
                );
                self.assessments[i].completed = Some((at, *outcome));
            }
            B::PackageRequested {
                package, service, ..
            } => {
                let person = self.person(e);
                let i = slot_at(&mut self.packages, &mut self.package_ids, package, index);
                self.packages[i].person = person;
                self.packages[i].service = Some(*service);
            }
            B::PackageStarted { package, .. } => {
                let person = self.person(e);
                let i = slot_at(&mut self.packages, &mut self.package_ids, package, index);
                let p = &mut self.packages[i];
                p.person = p.person.or(person);
                p.started = Some(at);
            }
            B::PackageOffered { .. } | B::PackageEnded { .. } => {}
            B::ReviewDue { review, due, .. } => {
                let person = self.person(e);
                let i = slot_at(&mut self.reviews, &mut self.review_ids, review, index);
                self.reviews[i].person = person;
                self.reviews[i].due = Some(*due);
            }
            B::ReviewCompleted { review } => {
                let i = slot_at(&mut self.reviews, &mut self.review_ids, review, index);
                self.reviews[i].completed = Some(at);
            }
        }
    }

    /// Sorts and links what the definitions search by time.
    pub fn finish(mut self) -> Journeys {
        for (i, s) in self.spells.iter_mut().enumerate() {
            s.delay_reasons.sort_by_key(|d| d.0);
            if let (Some(p), Some(adm)) = (s.person, s.admitted) {
                let person = &mut self.persons[p as usize];
                person.spells.push(i as Ix);
                if s.method == Some(AdmissionMethod::Emergency) {
                    person.emergency_admissions.push(adm);
                }
            }
        }
        for k in &self.packages {
            if let (Some(p), Some(Service::Reablement), Some(start)) =
                (k.person, k.service, k.started)
            {
                self.persons[p as usize].reablement_starts.push(start);
            }
        }
        for p in &mut self.persons {
            p.residences.sort_by_key(|r| r.at);
            p.emergency_admissions.sort();
            p.reablement_starts.sort();
        }
        let spells = &self.spells;
        for p in &mut self.persons {
            p.spells.sort_by_key(|&s| spells[s as usize].admitted);
        }
        Journeys { facts: self }
    }
}

/// The fingerprints of `map` in index order, when its indexes are exactly `0..len`.
fn in_order(map: &FxHashMap<u64, Ix>, len: usize) -> Option<Vec<u64>> {
    if map.len() != len {
        return None;
    }
    let mut out = vec![0u64; len];
    let mut seen = vec![false; len];
    for (&fp, &ix) in map {
        let i = ix as usize;
        if i >= len || seen[i] {
            return None;
        }
        seen[i] = true;
        out[i] = fp;
    }
    Some(out)
}

/// The map of fingerprints given in index order; `None` when one repeats.
fn from_order(fps: &[u64]) -> Option<FxHashMap<u64, Ix>> {
    let mut map = FxHashMap::default();
    map.reserve(fps.len());
    for (i, &fp) in fps.iter().enumerate() {
        if map.insert(fp, i as Ix).is_some() {
            return None;
        }
    }
    Some(map)
}

impl JourneyFacts {
    /// The lengths of the tables whose ids [`ids_in_order`](Self::ids_in_order) gives.
    pub(crate) fn table_lens(&self) -> [usize; 6] {
        [
            self.persons.len(),
            self.spells.len(),
            self.attendances.len(),
            self.packages.len(),
            self.assessments.len(),
            self.reviews.len(),
        ]
    }

    /// The ids (fingerprints; NHS numbers for people) of each table in index order: people,
    /// spells, attendances, packages, assessments, reviews. `None` when a table's rows were
    /// not all interned here (folded with the caller's indexes).
    pub(crate) fn ids_in_order(&self) -> Option<[Vec<u64>; 6]> {
        let [p, s, a, k, x, r] = self.table_lens();
        Some([
            in_order(&self.person_ix, p)?,
            in_order(&self.spell_ids.map, s)?,
            in_order(&self.attendance_ids.map, a)?,
            in_order(&self.package_ids.map, k)?,
            in_order(&self.assessment_ids.map, x)?,
            in_order(&self.review_ids.map, r)?,
        ])
    }

    /// Sets the id tables from [`ids_in_order`](Self::ids_in_order)'s (one per table, of its
    /// length), and the organisations' from their codes; `false` when an id repeats.
    pub(crate) fn set_ids_in_order(&mut self, ids: &[Vec<u64>]) -> bool {
        let maps: Option<Vec<_>> = ids.iter().map(|t| from_order(t)).collect();
        let Some(mut maps) = maps.filter(|m| m.len() == 6) else {
            return false;
        };
        let orgs: Vec<u64> = self
            .orgs
            .iter()
            .map(|c| xxhash_rust::xxh3::xxh3_64(c.as_bytes()))
            .collect();
        let Some(org_ids) = from_order(&orgs) else {
            return false;
        };
        self.org_ids = Ids { map: org_ids };
        self.review_ids = Ids {
            map: maps.pop().unwrap_or_default(),
        };
        self.assessment_ids = Ids {
            map: maps.pop().unwrap_or_default(),
        };
        self.package_ids = Ids {
            map: maps.pop().unwrap_or_default(),
        };
        self.attendance_ids = Ids {
            map: maps.pop().unwrap_or_default(),
        };
        self.spell_ids = Ids {
            map: maps.pop().unwrap_or_default(),
        };
        self.person_ix = maps.pop().unwrap_or_default();
        self.last_person = None;
        self.indexed = None;
        true
    }
}

/// The facts of a journey log, indexed for computing indicators over any period.
pub struct Journeys {
    pub(crate) facts: JourneyFacts,
}

impl Journeys {
    /// The journeys of one log folded in parts, each part's events all of its own people and
    /// lifecycles (as `journey_log::LogReader::read_parts` hands them on): every figure is that
    /// of the log folded as one, since each is a count over people and lifecycles, whatever
    /// their order.
    pub fn merge(parts: Vec<Journeys>) -> Journeys {
        let mut parts = parts.into_iter();
        let Some(first) = parts.next() else {
            return JourneyFacts::new().finish();
        };
        let mut all = first.facts;
        let mut org_ix: FxHashMap<String, Ix> = all
            .orgs
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i as Ix))
            .collect();
        for part in parts {
            let f = part.facts;
            let people = all.persons.len() as Ix;
            let spells = all.spells.len() as Ix;
            let orgs: Vec<Ix> = f
                .orgs
                .into_iter()
                .map(|code| {
                    let next = all.orgs.len() as Ix;
                    *org_ix.entry(code).or_insert_with_key(|code| {
                        all.orgs.push(code.clone());
                        next
                    })
                })
                .collect();
            let person = |p: Option<Ix>| p.map(|p| p + people);
            // The tables are appended to side by side: each is copied whole, one per core.
            let persons = || {
                all.persons.extend(f.persons.into_iter().map(|mut p| {
                    p.spells.iter_mut().for_each(|s| *s += spells);
                    p
                }))
            };
            let spells = || {
                all.spells.extend(f.spells.into_iter().map(|mut s| {
                    s.person = person(s.person);
                    s.org = s.org.map(|o| orgs[o as usize]);
                    s
                }))
            };
            let others = || {
                all.attendances
                    .extend(f.attendances.into_iter().map(|mut a| {
                        a.person = person(a.person);
                        a
                    }));
                all.packages.extend(f.packages.into_iter().map(|mut k| {
                    k.person = person(k.person);
                    k
                }));
                all.reviews.extend(f.reviews.into_iter().map(|mut r| {
                    r.person = person(r.person);
                    r
                }));
                all.assessments.extend(f.assessments);
            };
            rayon::join(persons, || rayon::join(spells, others));
            all.events += f.events;
        }
        // The id tables are of no use once finished (and would not be those of the whole).
        all.person_ix = FxHashMap::default();
        all.last_person = None;
        Journeys { facts: all }
    }
}

impl Person {
    /// The residence in force at `t`: the latest residence event at or before it.
    pub fn residence_at(&self, t: Instant) -> Option<Residence> {
        let i = self.residences.partition_point(|r| r.at <= t);
        (i > 0).then(|| self.residences[i - 1].residence)
    }

    /// The residence in force just before `t`.
    pub fn residence_before(&self, t: Instant) -> Option<Residence> {
        let i = self.residences.partition_point(|r| r.at < t);
        (i > 0).then(|| self.residences[i - 1].residence)
    }
}
