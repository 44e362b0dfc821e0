//! The legitimate relationship of `docs/access.md` ("Legitimate relationship") and the decision
//! whether a user sees a person, as pure functions over [`PersonFacts`].
//!
//! [`PersonFacts`] keeps, for one person, only what the rules read (small records, not events),
//! each with the `at` of its event, so the rules can be asked at any instant: only events at or
//! before `now` count. Events may be pushed in any order.
//!
//! ```
//! use access::{relationship, PersonFacts, Relationship, DEFAULT_WINDOW_DAYS};
//! use domain::{codes::*, Event, EventBody, Instant, Org};
//! let at = Instant::parse_rfc3339("2017-02-03T10:00:00Z").unwrap();
//! let mut p = PersonFacts::default();
//! p.push(&Event {
//!     id: "e1".into(),
//!     at,
//!     person: Some("943 476 5919".parse().unwrap()),
//!     body: EventBody::PersonRegistered {
//!         birth_date: domain::parse_date("1930-01-01").unwrap(),
//!         sex: Sex::Female,
//!         gp: "GP01".into(),
//!         residence: Residence::OwnHome,
//!         care_home: None,
//!     },
//! });
//! let gp = Org {
//!     code: "GP01".into(),
//!     name: "Practice".into(),
//!     kind: OrgKind::GpPractice,
//!     cqc_rating: None,
//!     beds: None,
//!     extended_access: None,
//! };
//! assert_eq!(relationship(&gp, &p, at, DEFAULT_WINDOW_DAYS), Some(Relationship::GpPractice));
//! assert_eq!(relationship(&gp, &p, at.plus_hours(-1), DEFAULT_WINDOW_DAYS), None);
//! ```

use crate::Role;
use domain::codes::{AssessmentType, OrgKind, Residence};
use domain::time::NANOS_PER_HOUR;
use domain::{Event, EventBody, Instant, NhsNumber, Org, Text};
use std::fmt;

/// Days after a lifecycle ends that the relationship it gave lasts, unless a deployment
/// configures otherwise.
pub const DEFAULT_WINDOW_DAYS: u32 = 90;

/// How long a break-glass grant lasts, in hours.
pub const BREAK_GLASS_HOURS: i64 = 12;

/// The fewest characters (after trimming) of a break-glass reason.
pub const MIN_REASON_CHARS: usize = 10;

/// Where a person lives, as one event said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidenceFact {
    pub at: Instant,
    /// The GP practice, on a `person_registered`; `None` on a `residence_changed`.
    pub gp: Option<Text>,
    pub residence: Residence,
    pub care_home: Option<Text>,
}

/// One lifecycle (an attendance, a spell, an assessment or a package): when it opened and ended,
/// each `None` until its event is pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// The lifecycle's id (attendance, spell, assessment or package).
    pub id: Text,
    pub opened: Option<Instant>,
    pub ended: Option<Instant>,
}

impl Lifecycle {
    fn new(id: &Text) -> Self {
        Lifecycle {
            id: id.clone(),
            opened: None,
            ended: None,
        }
    }

    /// Open at `now` (opened at or before it, not ended at or before it), or ended at most
    /// `window_days` x 24 h before it.
    pub fn in_force(&self, now: Instant, window_days: u32) -> bool {
        let Some(opened) = self.opened else {
            return false;
        };
        if opened > now {
            return false;
        }
        match self.ended {
            Some(ended) if ended <= now => {
                let window = i64::from(window_days).saturating_mul(24 * NANOS_PER_HOUR);
                now.0.saturating_sub(ended.0) <= window
            }
            _ => true,
        }
    }

    /// Open at `now`: opened at or before it and not ended at or before it.
    pub fn open_at(&self, now: Instant) -> bool {
        self.opened.is_some_and(|o| o <= now) && self.ended.is_none_or(|e| e > now)
    }
}

fn earliest(slot: &mut Option<Instant>, t: Instant) {
    *slot = Some(slot.map_or(t, |s| s.min(t)));
}

/// An A&E attendance: the `org` of its `ae_arrival`, ended by `ae_departure`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    pub life: Lifecycle,
    pub org: Option<Text>,
}

/// A hospital spell: the `org` of its `admission`, ended by `discharge`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spell {
    pub life: Lifecycle,
    pub org: Option<Text>,
    /// The first `ready_for_discharge`.
    pub ready: Option<Instant>,
}

/// An assessment: its type and optional `org` (from `assessment_requested`), ended by
/// `assessment_completed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub life: Lifecycle,
    pub assessment_type: Option<AssessmentType>,
    pub org: Option<Text>,
}

/// A package of care: open from `package_requested`, ended by `package_ended`; its providers
/// are the orgs of `package_offered` and `package_started`, each with the `at` of its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub life: Lifecycle,
    pub providers: Vec<(Text, Instant)>,
}

/// What the access rules read about one person, built from journey-log events in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFacts {
    /// The person, from the first event pushed that names one.
    pub nhs: Option<NhsNumber>,
    /// `person_registered` and `residence_changed`, sorted by `at` (a change after a
    /// registration at the same instant; otherwise in the order pushed).
    pub residences: Vec<ResidenceFact>,
    pub attendances: Vec<Attendance>,
    pub spells: Vec<Spell>,
    pub assessments: Vec<Assessment>,
    pub packages: Vec<Package>,
}

/// The entry of `list` whose lifecycle id is `id`, added if none is.
fn entry<'a, T>(
    list: &'a mut Vec<T>,
    id: &Text,
    life: impl Fn(&T) -> &Lifecycle,
    make: impl FnOnce() -> T,
) -> &'a mut T {
    let i = match list.iter().position(|x| life(x).id == *id) {
        Some(i) => i,
        None => {
            push_small(list, make());
            list.len() - 1
        }
    };
    &mut list[i]
}

/// Pushes onto a list that stays short (a person's few lifecycles): grown by half, from one,
/// rather than doubled from four, so tens of thousands of people hold little spare room.
fn push_small<T>(list: &mut Vec<T>, x: T) {
    if list.len() == list.capacity() {
        list.reserve_exact(list.len() / 2 + 1);
    }
    list.push(x);
}

impl PersonFacts {
    /// Folds in one event about this person (events of other kinds, or about no one, change
    /// nothing but are harmless).
    pub fn push(&mut self, e: &Event) {
        if self.nhs.is_none() {
            self.nhs = e.person;
        }
        let at = e.at;
        match &e.body {
            EventBody::PersonRegistered {
                gp,
                residence,
                care_home,
                ..
            } => self.push_residence(ResidenceFact {
                at,
                gp: Some(gp.clone()),
                residence: *residence,
                care_home: care_home.clone(),
            }),
            EventBody::ResidenceChanged {
                residence,
                care_home,
                ..
            } => self.push_residence(ResidenceFact {
                at,
                gp: None,
                residence: *residence,
                care_home: care_home.clone(),
            }),
            EventBody::AeArrival {
                attendance, org, ..
            } => {
                let a = self.attendance(attendance);
                earliest(&mut a.life.opened, at);
                a.org = Some(org.clone());
            }
            EventBody::AeDeparture { attendance, .. } => {
                earliest(&mut self.attendance(attendance).life.ended, at);
            }
            EventBody::Admission { spell, org, .. } => {
                let s = self.spell(spell);
                earliest(&mut s.life.opened, at);
                s.org = Some(org.clone());
            }
            EventBody::ReadyForDischarge { spell } => earliest(&mut self.spell(spell).ready, at),
            EventBody::Discharge { spell, .. } => earliest(&mut self.spell(spell).life.ended, at),
            EventBody::AssessmentRequested {
                assessment,
                assessment_type,
                org,
                ..
            } => {
                let a = self.assessment(assessment);
                earliest(&mut a.life.opened, at);
                a.assessment_type = Some(*assessment_type);
                a.org = org.clone();
            }
            EventBody::AssessmentCompleted { assessment, .. } => {
                earliest(&mut self.assessment(assessment).life.ended, at);
            }
            EventBody::PackageRequested { package, .. } => {
                earliest(&mut self.package(package).life.opened, at);
            }
            EventBody::PackageOffered { package, org }
            | EventBody::PackageStarted { package, org } => {
                push_small(&mut self.package(package).providers, (org.clone(), at));
            }
            EventBody::PackageEnded { package, .. } => {
                earliest(&mut self.package(package).life.ended, at);
            }
            EventBody::Death
            | EventBody::DelayReason { .. }
            | EventBody::ReviewDue { .. }
            | EventBody::ReviewCompleted { .. }
            | EventBody::Unknown { .. } => {}
        }
    }

    fn push_residence(&mut self, r: ResidenceFact) {
        // A change sorts after a registration at the same instant; otherwise the order pushed.
        let rank = |f: &ResidenceFact| (f.at, f.gp.is_none());
        let key = rank(&r);
        let i = self.residences.partition_point(|f| rank(f) <= key);
        if self.residences.len() == self.residences.capacity() {
            self.residences.reserve_exact(self.residences.len() / 2 + 1);
        }
        self.residences.insert(i, r);
    }

    fn attendance(&mut self, id: &Text) -> &mut Attendance {
        entry(
            &mut self.attendances,
            id,
            |a| &a.life,
            || Attendance {
                life: Lifecycle::new(id),
                org: None,
            },
        )
    }

    fn spell(&mut self, id: &Text) -> &mut Spell {
        entry(
            &mut self.spells,
            id,
            |s| &s.life,
            || Spell {
                life: Lifecycle::new(id),
                org: None,
                ready: None,
            },
        )
    }

    fn assessment(&mut self, id: &Text) -> &mut Assessment {
        entry(
            &mut self.assessments,
            id,
            |a| &a.life,
            || Assessment {
                life: Lifecycle::new(id),
                assessment_type: None,
                org: None,
            },
        )
    }

    fn package(&mut self, id: &Text) -> &mut Package {
        entry(
            &mut self.packages,
            id,
            |p| &p.life,
            || Package {
                life: Lifecycle::new(id),
                providers: Vec::new(),
            },
        )
    }

    /// The GP practice in force at `now`: the `gp` of the latest `person_registered` at or
    /// before it.
    pub fn gp_at(&self, now: Instant) -> Option<&str> {
        self.residences
            .iter()
            .rev()
            .filter(|r| r.at <= now)
            .find_map(|r| r.gp.as_deref())
    }

    /// The residence in force at `now`: the latest `person_registered` or `residence_changed`
    /// at or before it.
    pub fn residence_at(&self, now: Instant) -> Option<&ResidenceFact> {
        self.residences.iter().rev().find(|r| r.at <= now)
    }
}

/// Which lifecycle gives a care episode (rule 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Episode {
    Attendance,
    Spell,
    Assessment,
    Package,
}

impl Episode {
    pub const ALL: [Episode; 4] = [
        Episode::Attendance,
        Episode::Spell,
        Episode::Assessment,
        Episode::Package,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Episode::Attendance => "an A&E attendance",
            Episode::Spell => "a hospital stay",
            Episode::Assessment => "an assessment",
            Episode::Package => "a package of care",
        }
    }
}

/// Why the local authority has a relationship (rule 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CouncilReason {
    /// 4(a): an assessment other than `chc` with no `org`.
    Assessment,
    /// 4(a): any package (the council brokers them).
    Package,
    /// 4(b): a spell open now that has had a `ready_for_discharge`.
    ReadyForDischarge,
}

impl CouncilReason {
    pub const ALL: [CouncilReason; 3] = [
        CouncilReason::Assessment,
        CouncilReason::Package,
        CouncilReason::ReadyForDischarge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CouncilReason::Assessment => "a council assessment",
            CouncilReason::Package => "a package of care the council brokers",
            CouncilReason::ReadyForDischarge => "a hospital stay ready for discharge",
        }
    }
}

/// Which rule of the legitimate relationship holds (the first in rule order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// Rule 1: the organisation is the person's GP practice.
    GpPractice,
    /// Rule 2: the organisation is the care home the person lives in.
    CareHome,
    /// Rule 3: the organisation cares for the person in an episode open or recently ended.
    CareEpisode { kind: Episode },
    /// Rule 4: the local authority.
    LocalAuthority { why: CouncilReason },
    /// Rule 5: the CCG, for a continuing healthcare assessment.
    Ccg,
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Relationship::GpPractice => f.write_str("the person's GP practice"),
            Relationship::CareHome => f.write_str("the care home the person lives in"),
            Relationship::CareEpisode { kind } => {
                write!(f, "cares for the person in {}", kind.as_str())
            }
            Relationship::LocalAuthority { why } => {
                write!(f, "the local authority, for {}", why.as_str())
            }
            Relationship::Ccg => f.write_str("the CCG, for a continuing healthcare assessment"),
        }
    }
}

/// The legitimate relationship `org` has with `person` at `now` (rules 1 to 5 of
/// `docs/access.md`, the first that holds), counting only events at or before `now`; a
/// lifecycle ended at most `window_days` x 24 h before `now` still counts.
pub fn relationship(
    org: &Org,
    person: &PersonFacts,
    now: Instant,
    window_days: u32,
) -> Option<Relationship> {
    let code = org.code.as_str();
    // 1. The GP practice in force.
    if person.gp_at(now) == Some(code) {
        return Some(Relationship::GpPractice);
    }
    // 2. The care home of the residence in force.
    if person
        .residence_at(now)
        .and_then(|r| r.care_home.as_deref())
        == Some(code)
    {
        return Some(Relationship::CareHome);
    }
    // 3. The org of a lifecycle in force.
    let ours = |o: &Option<Text>| o.as_deref() == Some(code);
    let episode = if person
        .attendances
        .iter()
        .any(|a| ours(&a.org) && a.life.in_force(now, window_days))
    {
        Some(Episode::Attendance)
    } else if person
        .spells
        .iter()
        .any(|s| ours(&s.org) && s.life.in_force(now, window_days))
    {
        Some(Episode::Spell)
    } else if person
        .assessments
        .iter()
        .any(|a| ours(&a.org) && a.life.in_force(now, window_days))
    {
        Some(Episode::Assessment)
    } else if person.packages.iter().any(|p| {
        p.providers.iter().any(|(o, at)| o == code && *at <= now)
            && p.life.in_force(now, window_days)
    }) {
        Some(Episode::Package)
    } else {
        None
    };
    if let Some(kind) = episode {
        return Some(Relationship::CareEpisode { kind });
    }
    let unassigned = |a: &&Assessment, chc: bool| {
        a.org.is_none()
            && a.assessment_type
                .is_some_and(|t| (t == AssessmentType::Chc) == chc)
            && a.life.in_force(now, window_days)
    };
    match org.kind {
        // 4. The local authority.
        OrgKind::LocalAuthority => {
            let why = if person.assessments.iter().any(|a| unassigned(&a, false)) {
                Some(CouncilReason::Assessment)
            } else if person
                .packages
                .iter()
                .any(|p| p.life.in_force(now, window_days))
            {
                Some(CouncilReason::Package)
            } else if person
                .spells
                .iter()
                .any(|s| s.life.open_at(now) && s.ready.is_some_and(|r| r <= now))
            {
                Some(CouncilReason::ReadyForDischarge)
            } else {
                None
            };
            why.map(|why| Relationship::LocalAuthority { why })
        }
        // 5. The CCG.
        OrgKind::Ccg => person
            .assessments
            .iter()
            .any(|a| unassigned(&a, true))
            .then_some(Relationship::Ccg),
        _ => None,
    }
}

/// A break-glass grant: `user` may see `person` for [`BREAK_GLASS_HOURS`] from `granted_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub user: String,
    pub person: NhsNumber,
    pub granted_at: Instant,
    pub reason: String,
}

impl Grant {
    /// When the grant lapses.
    pub fn expires(&self) -> Instant {
        Instant(
            self.granted_at
                .0
                .saturating_add(BREAK_GLASS_HOURS * NANOS_PER_HOUR),
        )
    }

    /// Whether the grant is in force at `now`: from when granted, for 12 hours.
    pub fn in_force(&self, now: Instant) -> bool {
        self.granted_at <= now && now < self.expires()
    }

    /// Whether the grant lets `user` see `person` at `now`.
    pub fn covers(&self, user: &str, person: NhsNumber, now: Instant) -> bool {
        self.user == user && self.person == person && self.in_force(now)
    }
}

/// Why a user sees a person, or does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The user's organisation has a legitimate relationship with the person.
    Relationship(Relationship),
    /// The user holds a break-glass grant for the person, in force until `until`.
    BreakGlass { until: Instant },
    /// No role of the user sees identifiable people (aggregates only).
    AggregatesOnly,
    /// The user's organisation has no legitimate relationship with the person.
    NoRelationship,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Relationship(r) => write!(f, "legitimate relationship: {r}"),
            Why::BreakGlass { until } => {
                write!(
                    f,
                    "you broke glass for this person; access lasts until {until}"
                )
            }
            Why::AggregatesOnly => {
                f.write_str("your role sees aggregates only, never identifiable people")
            }
            Why::NoRelationship => {
                f.write_str("your organisation has no legitimate relationship with this person")
            }
        }
    }
}

/// Whether a user sees a person, why, and (when refused) whether break glass is possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub why: Why,
    pub break_glass_possible: bool,
}

/// Whether a user with `roles` of `org` sees `person` at `now`: when a role of theirs sees
/// people by relationship and `org` has a legitimate relationship with the person, or holds
/// `grant` in force for this person. `grant` is the caller's latest grant for this user and
/// person (one for another person does not count). Voluntary-sector, analyst and admin roles
/// alone never see a person.
pub fn may_see(
    roles: &[Role],
    org: &Org,
    person: &PersonFacts,
    now: Instant,
    window_days: u32,
    grant: Option<&Grant>,
) -> Decision {
    if !roles.iter().any(|r| r.sees_identifiable_people()) {
        return Decision {
            allowed: false,
            why: Why::AggregatesOnly,
            break_glass_possible: false,
        };
    }
    if let Some(r) = relationship(org, person, now, window_days) {
        return Decision {
            allowed: true,
            why: Why::Relationship(r),
            break_glass_possible: false,
        };
    }
    if let Some(g) = grant {
        if person.nhs == Some(g.person) && g.in_force(now) {
            return Decision {
                allowed: true,
                why: Why::BreakGlass { until: g.expires() },
                break_glass_possible: false,
            };
        }
    }
    Decision {
        allowed: false,
        why: Why::NoRelationship,
        break_glass_possible: roles.iter().any(|r| r.may_break_glass()),
    }
}

/// Why a break-glass request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakGlassRefused {
    #[error("the role {0} may not break glass")]
    Role(Role),
    #[error(
        "a reason of at least {MIN_REASON_CHARS} characters is needed to break glass (got {0})"
    )]
    ReasonTooShort(usize),
}

/// Whether a user of `role` may break glass with `reason` (at least [`MIN_REASON_CHARS`]
/// characters once trimmed).
pub fn break_glass(role: Role, reason: &str) -> Result<(), BreakGlassRefused> {
    if !role.may_break_glass() {
        return Err(BreakGlassRefused::Role(role));
    }
    let n = reason.trim().chars().count();
    if n < MIN_REASON_CHARS {
        return Err(BreakGlassRefused::ReasonTooShort(n));
    }
    Ok(())
}
