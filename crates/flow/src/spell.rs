//! A hospital stay as the flow board sees it, read from one person's events.

use crate::person::{Person, Recorded};
use domain::codes::{
    AdmissionMethod, AssessmentOutcome, AssessmentType, DelayReason, Destination, PackageEndReason,
    Responsible, Service,
};
use domain::{EventBody, Instant, Text};

/// The spell an event is a step of (admission, readiness, delay reason, pathway, discharge).
pub fn spell_of(r: &Recorded) -> Option<&str> {
    match &r.event.body {
        EventBody::Admission { spell, .. }
        | EventBody::ReadyForDischarge { spell }
        | EventBody::DelayReason { spell, .. }
        | EventBody::Discharge { spell, .. } => Some(spell.as_str()),
        EventBody::Unknown { .. } => r.planned().map(|(s, _)| s),
        _ => None,
    }
}

/// What was asked for a person while in hospital: an assessment or a package, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    pub id: Text,
    /// `assessment` or `package`.
    pub kind: &'static str,
    /// The assessment type or the service.
    pub what: &'static str,
    pub requested: Instant,
    pub hours_per_week: Option<f64>,
    /// The organisation doing it (assessor, provider offering or started), if known.
    pub org: Option<Text>,
    /// `requested`, `offered`, `started`, `completed: <outcome>`, `ended: <reason>`.
    pub status: String,
    pub open: bool,
}

/// One hospital stay.
#[derive(Debug, Clone, PartialEq)]
pub struct SpellState {
    pub id: Text,
    pub org: Option<Text>,
    pub admitted: Option<Instant>,
    pub method: Option<AdmissionMethod>,
    /// The first `ready_for_discharge`.
    pub ready: Option<Instant>,
    /// Every `delay_reason`, in time order.
    pub reasons: Vec<(Instant, DelayReason, Responsible)>,
    /// The latest `pathway_planned`.
    pub planned_pathway: Option<(Instant, u8)>,
    pub discharged: Option<(Instant, Destination, Option<u8>)>,
    /// Assessments and packages that name the spell, or were asked for during it.
    pub needs: Vec<Need>,
}

impl SpellState {
    fn new(id: &Text) -> Self {
        SpellState {
            id: id.clone(),
            org: None,
            admitted: None,
            method: None,
            ready: None,
            reasons: Vec::new(),
            planned_pathway: None,
            discharged: None,
            needs: Vec::new(),
        }
    }

    /// Open at `now`: admitted at or before it, not discharged at or before it.
    pub fn open_at(&self, now: Instant) -> bool {
        self.admitted.is_some_and(|a| a <= now) && self.discharged.is_none_or(|d| d.0 > now)
    }

    /// The delay reason in force at `t`: the latest at or before it.
    pub fn reason_at(&self, t: Instant) -> Option<(DelayReason, Responsible)> {
        let n = self.reasons.partition_point(|r| r.0 <= t);
        n.checked_sub(1)
            .map(|i| (self.reasons[i].1, self.reasons[i].2))
    }

    /// The pathway: the discharge's, else the latest planned.
    pub fn pathway(&self) -> Option<u8> {
        self.discharged
            .and_then(|d| d.2)
            .or(self.planned_pathway.map(|p| p.1))
    }

    /// Whether `t` falls in the stay (from admission, to discharge if any).
    fn during(&self, t: Instant) -> bool {
        self.admitted.is_some_and(|a| a <= t) && self.discharged.is_none_or(|d| t <= d.0)
    }
}

pub(crate) fn assessment_words(t: AssessmentType) -> &'static str {
    match t {
        AssessmentType::CareNeeds => "care needs assessment",
        AssessmentType::Carer => "carer's assessment",
        AssessmentType::Chc => "continuing healthcare assessment",
        AssessmentType::OccupationalTherapy => "occupational therapy assessment",
        AssessmentType::TrustedAssessment => "trusted assessment",
    }
}

pub(crate) fn service_words(s: Service) -> &'static str {
    match s {
        Service::HomeCare => "home care",
        Service::Reablement => "reablement",
        Service::StepDownBed => "a step-down bed",
        Service::ResidentialHome => "a residential home place",
        Service::NursingHome => "a nursing home place",
        Service::Telecare => "telecare",
        Service::DirectPayment => "a direct payment",
    }
}

pub(crate) fn outcome_words(o: AssessmentOutcome) -> &'static str {
    match o {
        AssessmentOutcome::Eligible => "eligible",
        AssessmentOutcome::NotEligible => "not eligible",
        AssessmentOutcome::NeedsMet => "needs met",
        AssessmentOutcome::NoNeeds => "no needs",
    }
}

pub(crate) fn end_words(r: PackageEndReason) -> &'static str {
    match r {
        PackageEndReason::NeedsMet => "needs met",
        PackageEndReason::Independent => "independent",
        PackageEndReason::Hospital => "went into hospital",
        PackageEndReason::CareHome => "moved to a care home",
        PackageEndReason::Died => "died",
        PackageEndReason::Moved => "moved away",
        PackageEndReason::Other => "other",
    }
}

/// An assessment or package being read, with the spell it names.
struct Building {
    need: Need,
    spell: Option<Text>,
}

/// Every assessment and package of the person (at or before `now`), each with the spell it
/// names.
fn needs(events: &[Recorded]) -> Vec<Building> {
    let mut out: Vec<Building> = Vec::new();
    let find = |out: &mut Vec<Building>, kind: &str, id: &Text| {
        out.iter()
            .position(|b| b.need.kind == kind && b.need.id == *id)
    };
    for r in events {
        let at = r.event.at;
        match &r.event.body {
            EventBody::AssessmentRequested {
                assessment,
                assessment_type,
                org,
                spell,
            } => out.push(Building {
                need: Need {
                    id: assessment.clone(),
                    kind: "assessment",
                    what: assessment_words(*assessment_type),
                    requested: at,
                    hours_per_week: None,
                    org: org.clone(),
                    status: "requested".into(),
                    open: true,
                },
                spell: spell.clone(),
            }),
            EventBody::AssessmentCompleted {
                assessment,
                outcome,
                ..
            } => {
                if let Some(i) = find(&mut out, "assessment", assessment) {
                    out[i].need.status = format!("completed: {}", outcome_words(*outcome));
                    out[i].need.open = false;
                }
            }
            EventBody::PackageRequested {
                package,
                service,
                hours_per_week,
                spell,
            } => out.push(Building {
                need: Need {
                    id: package.clone(),
                    kind: "package",
                    what: service_words(*service),
                    requested: at,
                    hours_per_week: hours_per_week.map(|h| h.0),
                    org: None,
                    status: "requested".into(),
                    open: true,
                },
                spell: spell.clone(),
            }),
            EventBody::PackageOffered { package, org } => {
                if let Some(i) = find(&mut out, "package", package) {
                    if out[i].need.status == "requested"
                        || out[i].need.status.starts_with("offered")
                    {
                        out[i].need.status = "offered".into();
                        out[i].need.org = Some(org.clone());
                    }
                }
            }
            EventBody::PackageStarted { package, org } => {
                if let Some(i) = find(&mut out, "package", package) {
                    out[i].need.status = "started".into();
                    out[i].need.org = Some(org.clone());
                }
            }
            EventBody::PackageEnded { package, reason } => {
                if let Some(i) = find(&mut out, "package", package) {
                    out[i].need.status = format!("ended: {}", end_words(*reason));
                    out[i].need.open = false;
                }
            }
            _ => {}
        }
    }
    out
}

/// Every hospital stay of `person` as of `now` (only events at or before it count), in order of
/// admission.
pub fn spells(person: &Person, now: Instant) -> Vec<SpellState> {
    let events = person.events_until(now);
    let mut out: Vec<SpellState> = Vec::new();
    let slot = |out: &mut Vec<SpellState>, id: &Text| -> usize {
        match out.iter().position(|s| s.id == *id) {
            Some(i) => i,
            None => {
                out.push(SpellState::new(id));
                out.len() - 1
            }
        }
    };
    for r in events {
        let at = r.event.at;
        match &r.event.body {
            EventBody::Admission {
                spell, org, method, ..
            } => {
                let i = slot(&mut out, spell);
                out[i].admitted = Some(at);
                out[i].org = Some(org.clone());
                out[i].method = Some(*method);
            }
            EventBody::ReadyForDischarge { spell } => {
                let i = slot(&mut out, spell);
                out[i].ready.get_or_insert(at);
            }
            EventBody::DelayReason {
                spell,
                reason,
                responsible,
            } => {
                let i = slot(&mut out, spell);
                out[i].reasons.push((at, *reason, *responsible));
            }
            EventBody::Discharge {
                spell,
                destination,
                pathway,
                ..
            } => {
                let i = slot(&mut out, spell);
                out[i].discharged = Some((at, *destination, *pathway));
            }
            EventBody::Unknown { .. } => {
                if let Some((spell, pathway)) = r.planned() {
                    let spell = Text::from(spell);
                    let i = slot(&mut out, &spell);
                    out[i].planned_pathway = Some((at, pathway));
                }
            }
            _ => {}
        }
    }
    // A spell only heard of through a pathway plan (no admission) is no stay.
    out.retain(|s| s.admitted.is_some());
    for b in needs(events) {
        let home = match &b.spell {
            Some(id) => out.iter().position(|s| s.id == *id),
            None => out.iter().position(|s| s.during(b.need.requested)),
        };
        if let Some(i) = home {
            out[i].needs.push(b.need);
        }
    }
    out.sort_by_key(|s| s.admitted);
    out
}

/// The person's assessments and packages not tied to a stay, and those open now.
pub fn community_needs(person: &Person, now: Instant) -> Vec<Need> {
    needs(person.events_until(now))
        .into_iter()
        .map(|b| b.need)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Event, NhsNumber};

    fn ev(id: &str, at: &str, body: EventBody) -> Event {
        Event {
            id: id.into(),
            at: Instant::parse_rfc3339(at).unwrap(),
            person: Some(NhsNumber::parse("9434765919").unwrap()),
            body,
        }
    }

    #[test]
    fn a_stay_with_its_reasons_pathway_and_needs() {
        let mut p = Person::default();
        p.push(
            &ev(
                "a",
                "2017-02-03T14:40:00Z",
                EventBody::Admission {
                    spell: "s1".into(),
                    org: "RJE".into(),
                    method: AdmissionMethod::Emergency,
                    attendance: None,
                    cause: None,
                },
            ),
            "",
        );
        p.push(
            &ev(
                "r",
                "2017-02-08T11:00:00Z",
                EventBody::ReadyForDischarge { spell: "s1".into() },
            ),
            "",
        );
        for (id, t, reason) in [
            ("d1", "2017-02-08T11:00:00Z", DelayReason::Assessment),
            ("d2", "2017-02-10T09:00:00Z", DelayReason::CarePackageHome),
        ] {
            p.push(
                &ev(
                    id,
                    t,
                    EventBody::DelayReason {
                        spell: "s1".into(),
                        reason,
                        responsible: Responsible::SocialCare,
                    },
                ),
                "",
            );
        }
        p.push(
            &ev(
                "p",
                "2017-02-09T09:00:00Z",
                EventBody::PackageRequested {
                    package: "k1".into(),
                    service: Service::HomeCare,
                    hours_per_week: Some(domain::Hours(10.0)),
                    spell: None,
                },
            ),
            "",
        );
        let now = Instant::parse_rfc3339("2017-02-11T00:00:00Z").unwrap();
        let s = &spells(&p, now)[0];
        assert!(s.open_at(now));
        assert_eq!(
            s.reason_at(Instant::parse_rfc3339("2017-02-09T00:00:00Z").unwrap()),
            Some((DelayReason::Assessment, Responsible::SocialCare))
        );
        assert_eq!(s.reason_at(now).unwrap().0, DelayReason::CarePackageHome);
        assert_eq!(s.needs.len(), 1, "asked for during the stay");
        assert_eq!(s.needs[0].what, "home care");
        // Seen from before the second reason, the stay has one.
        let before = Instant::parse_rfc3339("2017-02-09T12:00:00Z").unwrap();
        assert_eq!(spells(&p, before)[0].reasons.len(), 1);
        assert_eq!(p.spell_version("s1"), 4);
    }
}
