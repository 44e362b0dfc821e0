//! One person's record in plain words: the state in force at the top, then every event.

use crate::person::{Person, Recorded};
use crate::spell::{self, end_words, service_words, Need, SpellState};
use crate::words;
use domain::codes::{AdmissionMethod, OrgKind};
use domain::{EventBody, Instant, OrgRegister, Text};
use std::collections::HashMap;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub at: Instant,
    pub event_id: Text,
    pub kind: Text,
    /// What happened, in plain words.
    pub what: String,
    /// The organisation that recorded it (or whose care it is part of), if known.
    pub org: Option<Text>,
}

/// Where the person is now and what is open for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    pub died: Option<Instant>,
    /// Where they live, in words, and the care home's code when it is one.
    pub lives: Option<String>,
    pub care_home: Option<Text>,
    pub gp: Option<Text>,
    pub age: Option<i32>,
    pub open_spells: Vec<SpellState>,
    /// Packages and assessments not ended.
    pub open_needs: Vec<Need>,
    /// Reviews due and not completed: (review, due date, whether overdue).
    pub reviews_due: Vec<(Text, chrono::NaiveDate, bool)>,
}

/// The state in force at `now` (`today` its local date).
pub fn current(person: &Person, now: Instant, today: chrono::NaiveDate) -> Current {
    let events = person.events_until(now);
    let residence = person.facts.residence_at(now);
    let mut reviews: Vec<(Text, chrono::NaiveDate)> = Vec::new();
    let mut done: Vec<&str> = Vec::new();
    for r in events {
        match &r.event.body {
            EventBody::ReviewDue { review, due, .. } => reviews.push((review.clone(), *due)),
            EventBody::ReviewCompleted { review } => done.push(review),
            _ => {}
        }
    }
    let reviews_due = reviews
        .into_iter()
        .filter(|(id, _)| !done.contains(&id.as_str()))
        .map(|(id, due)| (id, due, due < today))
        .collect();
    Current {
        died: person.died().filter(|d| *d <= now),
        lives: residence.map(|r| words::residence(r.residence).to_string()),
        care_home: residence.and_then(|r| r.care_home.clone()),
        gp: person.facts.gp_at(now).map(Text::from),
        age: person.age_on(today),
        open_spells: spell::spells(person, now)
            .into_iter()
            .filter(|s| s.open_at(now))
            .collect(),
        open_needs: spell::community_needs(person, now)
            .into_iter()
            .filter(|n| n.open)
            .collect(),
        reviews_due,
    }
}

fn name(orgs: &OrgRegister, code: &str) -> String {
    orgs.get(code)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The timeline, newest first, of the events at or before `now`.
pub fn timeline(person: &Person, now: Instant, orgs: &OrgRegister) -> Vec<Line> {
    let events = person.events_until(now);
    // The organisation of each lifecycle, from the event that opened it.
    let mut org_of: HashMap<(&str, &str), Text> = HashMap::new();
    let mut service_of: HashMap<&str, &'static str> = HashMap::new();
    for r in events {
        match &r.event.body {
            EventBody::AeArrival {
                attendance, org, ..
            } => {
                org_of.insert(("attendance", attendance), org.clone());
            }
            EventBody::Admission { spell, org, .. } => {
                org_of.insert(("spell", spell), org.clone());
            }
            EventBody::AssessmentRequested {
                assessment,
                org: Some(org),
                ..
            } => {
                org_of.insert(("assessment", assessment), org.clone());
            }
            EventBody::PackageRequested {
                package, service, ..
            } => {
                service_of.insert(package, service_words(*service));
            }
            EventBody::PackageStarted { package, org } => {
                org_of.insert(("package", package), org.clone());
            }
            _ => {}
        }
    }
    let council = orgs
        .iter()
        .find(|o| o.kind == OrgKind::LocalAuthority)
        .map(|o| Text::from(o.code.as_str()));
    let mut out: Vec<Line> = events
        .iter()
        .map(|r| line(r, orgs, &org_of, &service_of, council.as_ref()))
        .collect();
    out.reverse();
    out
}

fn line(
    r: &Recorded,
    orgs: &OrgRegister,
    org_of: &HashMap<(&str, &str), Text>,
    service_of: &HashMap<&str, &'static str>,
    council: Option<&Text>,
) -> Line {
    let of = |kind: &str, id: &str| org_of.get(&(kind, id)).cloned();
    let service = |p: &str| service_of.get(p).copied().unwrap_or("a package of care");
    let (what, org): (String, Option<Text>) = match &r.event.body {
        EventBody::PersonRegistered {
            gp,
            residence,
            care_home,
            birth_date,
            ..
        } => (
            format!(
                "Registered with {} (born {birth_date}); lives {}{}",
                name(orgs, gp),
                words::residence(*residence),
                care_home
                    .as_ref()
                    .map(|c| format!(", {}", name(orgs, c)))
                    .unwrap_or_default()
            ),
            Some(gp.clone()),
        ),
        EventBody::ResidenceChanged {
            residence,
            care_home,
            permanent,
        } => (
            format!(
                "Moved to live {}{}{}",
                words::residence(*residence),
                care_home
                    .as_ref()
                    .map(|c| format!(", {}", name(orgs, c)))
                    .unwrap_or_default(),
                if *permanent { "" } else { " (for a while)" }
            ),
            care_home.clone(),
        ),
        EventBody::Death => ("Died".into(), None),
        EventBody::AeArrival { org, source, .. } => (
            format!(
                "Arrived at A&E, {} ({})",
                name(orgs, org),
                words::source(*source)
            ),
            Some(org.clone()),
        ),
        EventBody::AeDeparture {
            attendance,
            outcome,
        } => (
            format!("Left A&E: {}", words::ae_outcome(*outcome)),
            of("attendance", attendance),
        ),
        EventBody::Admission {
            org, method, cause, ..
        } => (
            format!(
                "Admitted to {} ({}{})",
                name(orgs, org),
                if *method == AdmissionMethod::Emergency {
                    "emergency"
                } else {
                    "planned"
                },
                cause
                    .map(|c| format!(", {}", words::cause(c)))
                    .unwrap_or_default()
            ),
            Some(org.clone()),
        ),
        EventBody::ReadyForDischarge { spell } => (
            "Medically ready to leave hospital".into(),
            of("spell", spell),
        ),
        EventBody::DelayReason {
            spell,
            reason,
            responsible,
        } => (
            format!(
                "Discharge delayed: {} ({}); responsible: {}",
                reason.meaning(),
                reason.letter(),
                words::responsible(*responsible)
            ),
            of("spell", spell),
        ),
        EventBody::Discharge {
            spell,
            destination,
            pathway,
            d2a,
        } => (
            format!(
                "Left hospital to {}{}{}",
                words::destination(*destination),
                pathway
                    .map(|p| format!(" ({})", words::pathway(p)))
                    .unwrap_or_default(),
                if *d2a == Some(true) {
                    ", discharge to assess"
                } else {
                    ""
                }
            ),
            of("spell", spell),
        ),
        EventBody::AssessmentRequested {
            assessment_type,
            org,
            ..
        } => (
            format!(
                "{} requested",
                capitalise(crate::spell::assessment_words(*assessment_type))
            ),
            org.clone().or_else(|| council.cloned()),
        ),
        EventBody::AssessmentCompleted {
            assessment,
            outcome,
            trusted,
        } => (
            format!(
                "Assessment completed: {}{}",
                crate::spell::outcome_words(*outcome),
                if *trusted == Some(true) {
                    " (by a trusted assessor)"
                } else {
                    ""
                }
            ),
            of("assessment", assessment).or_else(|| council.cloned()),
        ),
        EventBody::PackageRequested {
            service,
            hours_per_week,
            ..
        } => (
            format!(
                "{} asked for{}",
                capitalise(service_words(*service)),
                hours_per_week
                    .map(|h| format!(", {} hours a week", h.0))
                    .unwrap_or_default()
            ),
            council.cloned(),
        ),
        EventBody::PackageOffered { package, org } => (
            format!(
                "{} offered by {}",
                capitalise(service(package)),
                name(orgs, org)
            ),
            Some(org.clone()),
        ),
        EventBody::PackageStarted { package, org } => (
            format!(
                "{} started with {}",
                capitalise(service(package)),
                name(orgs, org)
            ),
            Some(org.clone()),
        ),
        EventBody::PackageEnded { package, reason } => (
            format!(
                "{} ended: {}",
                capitalise(service(package)),
                end_words(*reason)
            ),
            of("package", package),
        ),
        EventBody::ReviewDue { due, .. } => (format!("Review due by {due}"), council.cloned()),
        EventBody::ReviewCompleted { .. } => ("Review completed".into(), council.cloned()),
        EventBody::Unknown { kind } => match r.planned() {
            Some((spell, p)) => (
                format!("Discharge planned on {}", words::pathway(p)),
                of("spell", spell),
            ),
            None => (format!("Recorded: {kind}"), None),
        },
    };
    Line {
        at: r.event.at,
        event_id: r.event.id.clone(),
        kind: Text::from(r.event.body.kind()),
        what,
        org: r.recorded_by().map(Text::from).or(org),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
