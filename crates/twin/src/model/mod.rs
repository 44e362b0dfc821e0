//! The whole-system model: older people at home and in care homes, crises, GP, A&E, the acute
//! trust's beds (shared with its other patients), medically optimised patients waiting for what
//! their discharge pathway needs, and care in the community afterwards.
//!
//! Every delay, wait and occupancy comes from capacities, queues and rules: clinicians, beds,
//! social workers, home care hours, reablement and step-down places, care home vacancies,
//! continuing-healthcare brokerage, weekday-only services. Each happening is emitted as events
//! of the journey log.
//!
//! The handlers live in modules named for the part of the system they model (`population`,
//! `demand`, `urgent_care`, `acute`, `discharge_planning`, `assessment`, `providers`,
//! `community`, `reviews`, `clock`; `usage` meters what is used, for costs); `policy` holds every decision the policy switches change
//! and `stages` the table of what each stage of a spell waits for, holds and releases.

mod acute;
mod assessment;
mod buffers;
mod care_homes;
mod care_need;
mod clock;
mod community;
mod conservation;
mod decomposition;
mod demand;
mod discharge_planning;
mod gp;
mod home_care;
mod policy;
mod population;
mod post_discharge;
mod profile;
mod providers;
mod resume;
mod reviews;
pub mod stages;
mod steady;
mod urgent_care;
mod usage;

use crate::decomposition::{Component, DelayTrail};
use crate::emit::{Emitter, ReasonTrack, Sink, Who};
use crate::scenario::Scenario;
use care_homes::ChFor;
use chrono::{Datelike, NaiveDate};
use domain::codes::*;
use domain::{EventBody as B, Hours, NhsNumber, Text};
use policy::Policy;
use profile::Profile;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sim_kernel::{Discipline, Dist, EntityRng, Model, Purpose, Resource, Scheduler, Streams};
use stages::{Capacity, Stage};

pub use gp::GpCounts;

pub type Ix = u32;

/// Events of the model's calendar.
#[derive(Debug, Clone, Copy)]
pub enum Ev {
    /// A person's crisis; the number is the person's crisis clock when it was set (a crisis
    /// set by an older clock was superseded).
    Crisis(Ix, u32),
    /// A person's death, with the person's death clock when it was set.
    Death(Ix, u32),
    /// A person turns 75 or 85: into the next band.
    Birthday(Ix),
    /// Someone turns 65 and joins the older population.
    Entry,
    BackgroundAe,
    BackgroundRedraw,
    Elective,
    Hour,
    AeAssessed(Ix),
    Plan(Ix),
    Optimised(Ix),
    BackgroundLeave(Ix),
    AssessmentDone(Ix),
    ChcDone(Ix),
    /// The window for providers to apply for a CHC-funded placement closes.
    ChcWindowClosed(Ix),
    /// A broker has found a provider.
    BrokerFound(Ix),
    /// A provider's assessor has assessed the person.
    ProviderVisitDone(Ix),
    /// The choice policy's time waiting for the named care home is over.
    ChoiceExpires(Ix),
    CareStarts(Ix),
    Leave(Ix),
    PackageEnds(Ix),
    ReablementEnds(Ix),
    StepDownEnds(Ix),
    /// A review is 28 days from due: written, if its package still runs.
    ReviewDue(Ix),
    ReviewQueued(Ix),
    ReviewDone(Ix),
    /// A run from a recorded state takes up what it left in progress (after the first
    /// midnight's census).
    TakeUp,
    /// A bridged person's assessment at home is due (D2A): asked for now.
    HomeAssessmentDue(Ix),
    /// A community assessor has assessed the person at home (the bridging package's index).
    HomeAssessmentDone(Ix),
    /// A forced return after a discharge (the old mechanism: `policy.readmission_hazard` off).
    Return(Ix),
    /// A crisis of the post-discharge excess hazard, with the person's excess clock when it
    /// was set (a later discharge supersedes it).
    ExcessCrisis(Ix, u32),
    /// A person's need of a care home arises (the care-need hazard), with the person's
    /// care-need clock when it was set (a change of state or a discharge supersedes it).
    CareNeed(Ix, u32),
}

#[derive(Debug, Clone)]
pub struct Person {
    pub nhs: NhsNumber,
    /// 0: 65-74, 1: 75-84, 2: 85+, 3: under 65 (the trust's other patients).
    pub band: u8,
    /// Model time of birth (days; negative before the run).
    pub born: f64,
    pub residence: Residence,
    pub home: Option<Text>,
    /// The care home whose place they hold ([`care_homes::CareHomes`]), living there.
    place: Option<u32>,
    /// The GP practice they are registered with, and whether it offers extended access.
    pub practice: u32,
    pub gp_extended: bool,
    pub alive: bool,
    pub in_hospital: bool,
    /// Position in its crisis group.
    pub slot: Ix,
    /// The home care package in force (the latest, if more than one is open).
    pub package: Option<Ix>,
    /// Every open package (home care, reablement, step-down), ended at death.
    packages: Vec<Ix>,
    /// The review being done now, if any.
    reviewing: Option<Ix>,
    /// The person's own random streams (common random numbers tied to the person).
    rng: PersonRngs,
    /// The profile's level at which the next crisis falls (its time is where the profile
    /// reaches it: none if past the run's end). Kept even then, so a higher rate later can
    /// bring it inside the run.
    crisis_level: f64,
    /// When the next death falls; the clocks that set the crisis and the death.
    crisis_clock: u32,
    death_at: f64,
    death_clock: u32,
    /// The post-discharge excess hazard in force (from the latest discharge).
    excess: post_discharge::Excess,
    /// The hazards of needing a care home and home care in force (after a discharge into
    /// reablement or bridged home).
    need: care_need::CareNeed,
}

/// A person's own random streams, one per purpose, seeded from the replication and the
/// person: what happens to a person (crises, needs, durations, choices) is drawn from them, so
/// a change of capacity changes waits, not who falls ill or what they need.
#[derive(Debug, Clone)]
struct PersonRngs {
    /// Where they live and who they are (at registration).
    life: EntityRng,
    crisis: EntityRng,
    death: EntityRng,
    /// Urgent and acute care: the route of a crisis, A&E, admission, length of stay.
    acute: EntityRng,
    /// Discharge planning: pathway, needs, assessments' durations, choices.
    discharge: EntityRng,
    /// Care in the community after discharge, and reviews.
    community: EntityRng,
    /// The post-discharge excess hazard's crises.
    excess: EntityRng,
    /// The levels at which the needs of a care home and of home care arise.
    need: EntityRng,
}

/// The purposes of a person's streams, each worked out once a replication.
#[derive(Debug, Clone, Copy)]
struct PersonPurposes {
    life: Purpose,
    crisis: Purpose,
    death: Purpose,
    acute: Purpose,
    discharge: Purpose,
    community: Purpose,
    excess: Purpose,
    need: Purpose,
}

impl PersonPurposes {
    fn new(streams: &Streams) -> Self {
        PersonPurposes {
            life: streams.purpose("life"),
            crisis: streams.purpose("crisis"),
            death: streams.purpose("death"),
            acute: streams.purpose("acute"),
            discharge: streams.purpose("discharge"),
            community: streams.purpose("community"),
            excess: streams.purpose("excess"),
            need: streams.purpose("need"),
        }
    }
}

impl PersonRngs {
    fn new(purposes: &PersonPurposes, person: Ix) -> Self {
        let id = u64::from(person);
        PersonRngs {
            life: purposes.life.entity(id),
            crisis: purposes.crisis.entity(id),
            death: purposes.death.entity(id),
            acute: purposes.acute.entity(id),
            discharge: purposes.discharge.entity(id),
            community: purposes.community.entity(id),
            excess: purposes.excess.entity(id),
            need: purposes.need.entity(id),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Spell {
    pub id: Text,
    pub person: Ix,
    pub older: bool,
    pathway: u8,
    stage: Stage,
    nursing: bool,
    chc: bool,
    /// Found eligible for CHC funding: placed through the CHC team's brokerage.
    chc_funded: bool,
    /// The care home the family named, if any (pathway 3).
    preferred: Option<u32>,
    /// The care home whose place is granted and held for the discharge.
    home: Option<u32>,
    hours: f64,
    reasons: ReasonTrack,
    ready_at: Option<f64>,
    /// Providers still to visit and assess the person before one accepts.
    visits_left: u32,
    /// Pathway 1 with reablement (or D2A bridging) rather than home care.
    reablement: bool,
    chc_id: Option<(Text, Ix)>,
    /// The care-needs assessment asked for (the ward's referral to social care, or one open
    /// in a recorded state): its id and index, taken up when a social worker starts.
    referral: Option<(Text, Ix)>,
    /// The package asked for the service the pathway needs (requested when asked for,
    /// offered when its unit is granted, started at discharge).
    package: Option<Ix>,
    /// Reablement or home care, when a recorded state says which (drawn otherwise).
    reablement_given: Option<bool>,
    /// From a recorded state: the days a CHC assessment in progress had run, and the days the
    /// family had waited for their named home (the choice policy's time counts from then).
    chc_elapsed: f64,
    choice_waited: f64,
    /// The assessor (social worker or CHC) working on this patient now.
    process: Option<Capacity>,
    /// The completion of the assessment in progress: its id, index and outcome.
    completion: Option<(Text, Ix, AssessmentOutcome)>,
    /// The service unit granted and held for the discharge (hours, a reablement place, a
    /// step-down bed, a care home place), until it passes to a package or a residence.
    arranged: Option<Capacity>,
    /// Waiting for staff on a rota (social workers, brokers, providers' assessors) while they
    /// were on duty (not only for office hours).
    passed_over: bool,
    /// Once medically optimised: when the delay reason and its component changed.
    trail: Option<Box<DelayTrail>>,
}

impl Spell {
    /// A stay just begun: in treatment, nothing planned, asked for or held.
    fn admitted(id: Text, person: Ix, older: bool) -> Spell {
        Spell {
            id,
            person,
            older,
            pathway: 0,
            stage: Stage::InTreatment,
            nursing: false,
            chc: false,
            chc_funded: false,
            preferred: None,
            home: None,
            hours: 0.0,
            reasons: ReasonTrack::default(),
            ready_at: None,
            visits_left: 0,
            reablement: false,
            chc_id: None,
            package: None,
            referral: None,
            reablement_given: None,
            chc_elapsed: 0.0,
            choice_waited: 0.0,
            process: None,
            completion: None,
            arranged: None,
            passed_over: false,
            trail: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Attendance {
    id: Text,
    person: Ix,
    arrived: f64,
    source: AeSource,
    forced_admit: bool,
    /// Being assessed by a clinician now.
    assessing: bool,
    /// Has left A&E (admitted, discharged, referred or left).
    departed: bool,
}

#[derive(Debug, Clone)]
struct Package {
    id: Text,
    person: Ix,
    service: Service,
    hours: f64,
    ended: bool,
    /// Started (its care is the person's): until then it holds nothing itself.
    started: bool,
    /// Its provider, once one offers (or it starts).
    org: Option<Text>,
    /// A D2A bridging package: where the assessment at home is, and its id, index and the
    /// time it was asked for.
    home_assessment: HomeAssessment,
    assessment: Option<(Text, Ix, f64)>,
}

/// The assessment at home of someone discharged to assess (D2A), by community assessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HomeAssessment {
    /// Not a bridging package, or not yet asked for.
    None,
    /// Asked for: waiting for a community assessor (or office hours).
    Waiting,
    /// A community assessor is assessing the person now.
    InProgress,
    Done,
}

#[derive(Debug, Clone)]
struct Review {
    id: Text,
    person: Ix,
    package: Ix,
    due: f64,
    /// A reviewer is doing it now.
    in_progress: bool,
}

/// Who waits for home care hours: a patient in hospital, or someone bridged home by D2A
/// (holding a reablement place until the hours are found).
#[derive(Debug, Clone, Copy)]
enum HcFor {
    Spell(Ix),
    Bridged(Ix),
}

impl<S: Sink> TwinModel<'_, S> {
    /// The home care area person `person` lives in (`home_care`).
    fn area_of(&self, person: Ix) -> usize {
        self.home_care
            .area_of(self.persons[person as usize].practice)
    }

    /// The hours of the area person `person` lives in.
    fn hours_of(&mut self, person: Ix) -> &mut sim_kernel::Pool<HcFor> {
        let area = self.area_of(person);
        self.home_care.pool(area)
    }

    /// The home care area of stay `sp`'s patient.
    fn area_of_spell(&self, sp: Ix) -> usize {
        self.area_of(self.spells[sp as usize].person)
    }
}

/// What a patient who died was holding.
#[derive(Debug, Clone, Copy)]
enum Freed {
    Reablement,
    /// Hours a week, in the area (`home_care`) of the person who held them.
    HomeCare(f64, usize),
    StepDown,
    /// A place in this care home.
    CareHome(u32),
    SocialWorker,
    ChcAssessor,
    Broker,
    ProviderAssessor,
}

/// Who waits for an acute bed.
#[derive(Debug, Clone, Copy)]
enum BedFor {
    Attendance(Ix),
}

/// The model's own random streams, for what belongs to no one person (everything else is
/// drawn from the person's streams, [`PersonRngs`]).
struct Rngs {
    /// The home care running when the run starts.
    setup: ChaCha8Rng,
    /// Arrivals of the trust's other patients: when, and who.
    background: ChaCha8Rng,
    /// When people turn 65.
    entry: ChaCha8Rng,
}

/// Daily figures for `daily.csv`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Day {
    pub beds_occupied: f64,
    pub delayed: f64,
    pub ae_over_4h: f64,
    pub home_care_queue: f64,
    pub people_85_plus: f64,
    /// Acute beds open (winter and escalation beds included).
    pub beds_open: f64,
    pub reviews_waiting: f64,
    /// A&E arrivals that day.
    pub ae_arrivals: f64,
    /// A&E departures that day more than 12 hours after arrival.
    pub ae_over_12h: f64,
    /// Admitted patients waiting in A&E for a bed at midnight (trolley waits).
    pub ae_waiting_for_bed: f64,
    /// Escalation beds open at midnight.
    pub escalation_beds: f64,
    /// 1 if escalation beds were open at any hourly round of the day, else 0.
    pub escalation_day: f64,
    /// Care home places (residential and nursing) occupied or held for a patient at midnight.
    pub care_home_places_used: f64,
    /// Patients in hospital waiting for a care home place (any home, or the one named).
    pub care_home_queue: f64,
    /// Home care hours a week in use (packages running, and granted to agencies starting).
    pub home_care_hours_used: f64,
    /// Cases waiting for the CHC team to take them.
    pub chc_waiting: f64,
    /// 1 if the bought-in CHC assessors were working at midnight, else 0.
    pub chc_bought_in: f64,
}

pub struct TwinModel<'a, S: Sink> {
    p: &'a Scenario,
    streams: Streams,
    /// The purposes of each person's streams.
    purposes: PersonPurposes,
    /// The GP practices' and the home care agencies' codes, by number.
    gp_codes: Vec<Text>,
    agency_codes: Vec<Text>,
    /// The crisis intensity over the run (weekly, hourly, winter), as a clock.
    profile: Profile,
    /// People registered whose crisis and death are still to be set.
    new_people: Vec<Ix>,
    /// The steady state of the older population: entry at 65, each band's death rate.
    steady: steady::Steady,
    /// Each band's death rate a year at home (a care home's is `care_home_death_factor` times
    /// higher), so that the band's rate over all residences is the steady state's.
    deaths_at_home: [f64; 3],
    /// Each band's chance of a care home at discharge (pathway 3), relative to the scenario's
    /// share: what keeps the care homes' residents by band where they start ([`steady`]).
    care_home_need: [f64; 3],
    /// Deaths in hospital and person-years lived so far, by band: deaths outside hospital are
    /// thinned by the hospital's share so each band's all-cause death rate stays the steady
    /// state's.
    deaths_in_hospital: [f64; 3],
    person_years: [f64; 3],
    policy: Policy,
    pub emit: Emitter<S>,
    rng: Rngs,
    pub start: NaiveDate,
    /// When the review team's list begins (`community.review_list_from`, model time): reviews
    /// due before it are done on the day.
    review_list_from: f64,
    pub persons: Vec<Person>,
    /// People 65+ by band and whether they live in a care home, for drawing crises and deaths.
    groups: [[Vec<Ix>; 2]; 3],
    background: Vec<Ix>,
    spells: Vec<Spell>,
    atts: Vec<Attendance>,
    packages: Vec<Package>,
    reviews: Vec<Review>,
    clinicians: Resource<Ix>,
    beds: Resource<BedFor>,
    social_workers: Resource<Ix>,
    brokers: Resource<Ix>,
    provider_assessors: Resource<Ix>,
    home_care: home_care::HomeCareAreas,
    reablement: Resource<Ix>,
    step_down: Resource<Ix>,
    step_down_today: u32,
    step_down_waiting: Vec<Ix>,
    /// Spells that asked for staff on a rota while none was on duty, not yet passed over.
    waiting_for_office_hours: Vec<Ix>,
    care_homes: care_homes::CareHomes,
    chc_assessors: Resource<Ix>,
    reviewers: Resource<Ix>,
    /// General practice's appointment books (`gp`).
    gp: gp::Gp,
    /// Community assessors assessing people discharged to assess at home (D2A), by the
    /// bridging package they hold.
    community_assessors: Resource<Ix>,
    pub days: Vec<Day>,
    today_over_4h: u32,
    today_over_12h: u32,
    today_arrivals: u32,
    /// Escalation beds are open now; and were at some hourly round since the last midnight.
    escalation_open: bool,
    /// Whether the bought-in CHC assessors are working (`discharge.chc_surge_cases`).
    chc_surge_open: bool,
    escalation_today: bool,
    hour_count: u64,
    new_reviews: Vec<Ix>,
    freed: Vec<Freed>,
    /// Medically optimised patients still in hospital.
    delayed_now: u32,
    /// Assessments asked for so far (their dense index for the indicator engine).
    assessments: Ix,
    next_nhs: Box<dyn Iterator<Item = NhsNumber> + Send>,
    /// Weekday of day 0 (Monday 0) and the arrival profiles divided by their means.
    start_weekday: i64,
    weekly_norm: [f64; 7],
    hourly_norm: [f64; 24],
    /// When auditing: what the conservation check found wrong, at each midnight.
    audit: Option<Vec<String>>,
    audit_due: bool,
    /// What the system provided and used over the measured period, for its costs.
    pub meter: usage::Meter,
    /// What a recorded state left in progress, taken up when the run starts.
    resume: Option<Vec<resume::Resume>>,
}

fn pick<R: Rng + ?Sized>(rng: &mut R, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, v) in w.iter().enumerate() {
        if x < *v {
            return i;
        }
        x -= v;
    }
    w.len() - 1
}

const CAUSES: [Cause; 5] = [
    Cause::FallInjury,
    Cause::Pneumonia,
    Cause::Uti,
    Cause::Dementia,
    Cause::Other,
];
const TRUST: &str = synthetic_log::ACUTE_TRUST;

impl<'a, S: Sink> TwinModel<'a, S> {
    /// Ends the model, keeping its tables' room for this thread's next replication
    /// (`model::buffers`).
    pub fn recycle(self) {
        buffers::keep(buffers::Buffers {
            persons: self.persons,
            spells: self.spells,
            atts: self.atts,
            packages: self.packages,
            reviews: self.reviews,
        });
    }

    pub fn new(p: &'a Scenario, streams: Streams, emit: Emitter<S>) -> Self {
        let mut m = Self::blank(p, streams, emit);
        m.populate();
        m
    }

    /// The model with no one in it yet: the people come from the scenario ([`new`](Self::new))
    /// or from a recorded state ([`from_state`](Self::from_state)).
    fn blank(p: &'a Scenario, streams: Streams, emit: Emitter<S>) -> Self {
        let start = domain::parse_date(&p.run.start).expect("validated");
        let d = &p.discharge;
        let kept = buffers::take();
        let mut m = TwinModel {
            p,
            policy: Policy::new(&p.policy),
            emit,
            rng: Rngs {
                setup: streams.stream("setup"),
                background: streams.stream("background"),
                entry: streams.stream("entry"),
            },
            steady: steady::steady(
                [
                    f64::from(p.population.aged_65_74),
                    f64::from(p.population.aged_75_84),
                    f64::from(p.population.aged_85_plus),
                ],
                p.population.deaths_per_year[0],
            ),
            purposes: PersonPurposes::new(&streams),
            gp_codes: (0..synthetic_log::GP_PRACTICES)
                .map(|i| synthetic_log::gp_code(i).into())
                .collect(),
            agency_codes: (0..synthetic_log::HOME_CARE_AGENCIES)
                .map(|i| synthetic_log::home_care_code(i).into())
                .collect(),
            streams,
            profile: Profile::new(0, |_| 1.0),
            new_people: Vec::new(),
            deaths_at_home: [0.0; 3],
            care_home_need: [1.0; 3],
            deaths_in_hospital: [0.0; 3],
            person_years: [0.0; 3],
            start,
            review_list_from: p.community.review_list_from.as_deref().map_or(
                f64::NEG_INFINITY,
                |d| {
                    let d = domain::parse_date(d).expect("validated");
                    (d - start).num_days() as f64
                },
            ),
            persons: kept.persons,
            groups: Default::default(),
            background: Vec::new(),
            spells: kept.spells,
            atts: kept.atts,
            packages: kept.packages,
            reviews: kept.reviews,
            clinicians: Resource::new(p.ae.clinicians_night, Discipline::Fifo),
            beds: Resource::new(p.hospital.beds, Discipline::Fifo),
            social_workers: Resource::new(0, Discipline::Fifo),
            brokers: Resource::new(0, Discipline::Fifo),
            provider_assessors: Resource::new(0, Discipline::Fifo),
            home_care: home_care::HomeCareAreas::new(
                d.home_care_hours * d.home_care_factor,
                d.home_care_areas,
                synthetic_log::GP_PRACTICES,
            ),
            reablement: Resource::new(d.reablement_slots, Discipline::Fifo),
            step_down: Resource::new(d.step_down_beds, Discipline::Fifo),
            step_down_today: 0,
            step_down_waiting: Vec::new(),
            waiting_for_office_hours: Vec::new(),
            care_homes: care_homes::CareHomes::new(
                p.population.residential_places,
                synthetic_log::RESIDENTIAL_HOMES,
                p.population.nursing_places,
                synthetic_log::NURSING_HOMES,
            ),
            chc_assessors: Resource::new(d.chc_assessors, Discipline::Fifo),
            reviewers: Resource::new(0, Discipline::Fifo),
            gp: gp::Gp::default(),
            community_assessors: Resource::new(0, Discipline::Fifo),
            days: Vec::new(),
            today_over_4h: 0,
            today_over_12h: 0,
            today_arrivals: 0,
            escalation_open: false,
            chc_surge_open: false,
            escalation_today: false,
            hour_count: 0,
            new_reviews: Vec::new(),
            freed: Vec::new(),
            delayed_now: 0,
            assessments: 0,
            next_nhs: Box::new(synthetic_log::nhs_numbers()),
            start_weekday: i64::from(start.weekday().num_days_from_monday()),
            weekly_norm: p
                .crisis
                .weekly
                .map(|w| w.map(|x| x / (w.iter().sum::<f64>() / 7.0)))
                .unwrap_or([1.0; 7]),
            hourly_norm: p
                .crisis
                .hourly
                .map(|h| h.map(|x| x / (h.iter().sum::<f64>() / 24.0)))
                .unwrap_or([1.0; 24]),
            audit: None,
            audit_due: false,
            meter: usage::Meter::new(p),
            resume: None,
        };
        m.profile = m.crisis_profile();
        let pop = &p.population;
        for b in 0..3 {
            let in_care_homes = pop.residential_share[b] + pop.nursing_share[b];
            m.deaths_at_home[b] =
                m.steady.deaths[b] / (1.0 + (pop.care_home_death_factor - 1.0) * in_care_homes);
        }
        m.care_home_need = steady::care_home_need(p, m.deaths_at_home);
        m
    }
}

/// The organisation responsible for a delay, as the NHS categories default it.
fn responsible(reason: DelayReason) -> Responsible {
    match reason {
        DelayReason::CarePackageHome | DelayReason::ResidentialHome | DelayReason::Assessment => {
            Responsible::SocialCare
        }
        DelayReason::NursingHome => Responsible::Both,
        _ => Responsible::Nhs,
    }
}

impl<S: Sink> Model for TwinModel<'_, S> {
    type Event = Ev;
    fn handle(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        self.dispatch(s, e);
        self.release_freed(s);
        while let Some(r) = self.new_reviews.pop() {
            self.schedule_review(s, r);
        }
        self.set_clocks_of_new_people(s);
        if self.audit_due {
            self.audit_due = false;
            self.audit_now(s.now().0);
        }
    }
}

impl<S: Sink> TwinModel<'_, S> {
    fn dispatch(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        match e {
            Ev::Crisis(p, clock) => self.on_crisis(s, p, clock),
            Ev::Death(p, clock) => self.on_death(s, p, clock),
            Ev::Birthday(p) => self.on_birthday(s, p),
            Ev::Entry => self.on_entry(s),
            Ev::BackgroundAe => self.on_background_ae(s),
            Ev::BackgroundRedraw => self.schedule_background(s),
            Ev::Elective => self.on_elective(s),
            Ev::Hour => self.on_hour(s),
            Ev::AeAssessed(a) => self.on_assessed(s, a),
            Ev::Plan(sp) => self.on_plan(s, sp),
            Ev::Optimised(sp) => self.on_optimised(s, sp),
            Ev::BackgroundLeave(sp) => self.on_background_leave(s, sp),
            Ev::AssessmentDone(sp) => self.on_assessment_done(s, sp),
            Ev::ChcDone(sp) => self.on_chc_done(s, sp),
            Ev::ChcWindowClosed(sp) => self.on_chc_window_closed(s, sp),
            Ev::BrokerFound(sp) => self.on_broker_found(s, sp),
            Ev::ProviderVisitDone(sp) => self.on_provider_visit_done(s, sp),
            Ev::ChoiceExpires(sp) => self.on_choice_expires(s, sp),
            Ev::CareStarts(sp) => self.ready_to_leave(s, sp),
            Ev::Leave(sp) => self.on_leave(s, sp),
            Ev::PackageEnds(k) => {
                let person = self.packages[k as usize].person;
                let reason = if self.persons[person as usize].alive {
                    PackageEndReason::NeedsMet
                } else {
                    PackageEndReason::Died
                };
                self.end_package(s, k, reason)
            }
            Ev::ReablementEnds(k) => self.on_reablement_ends(s, k),
            Ev::CareNeed(person, clock) => self.on_care_need(s, person, clock),
            Ev::HomeAssessmentDue(k) => self.on_home_assessment_due(s, k),
            Ev::HomeAssessmentDone(k) => self.on_home_assessment_done(s, k),
            Ev::StepDownEnds(k) => self.end_package(s, k, PackageEndReason::NeedsMet),
            Ev::ReviewDue(r) => self.on_review_due(s, r),
            Ev::ReviewQueued(r) => self.on_review_queued(s, r),
            Ev::ReviewDone(r) => self.on_review_done(s, r),
            Ev::Return(p) => self.on_return(s, p),
            Ev::TakeUp => {
                let pending = self.resume.take().unwrap_or_default();
                self.take_up(s, pending);
            }
            Ev::ExcessCrisis(p, clock) => self.on_excess_crisis(s, p, clock),
        }
    }
}
