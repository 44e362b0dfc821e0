//! Writing events as JSON Lines in the canonical form of the spec.

use crate::wire::ParsedEvent;
use domain::{Event, EventBody};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The canonical JSON object of an event: NHS number without spaces, `at` in UTC, delay reasons
/// as codes, defaults written out, then the extra fields as they were.
pub fn event_json(event: &Event, extras: &[(String, Box<RawValue>)]) -> String {
    let mut m = Map::new();
    m.insert("id".into(), event.id.as_str().into());
    m.insert("kind".into(), event.body.kind().into());
    m.insert("at".into(), event.at.to_string().into());
    if let Some(p) = event.person {
        m.insert("person".into(), p.digits().into());
    }
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    fn opt<T: Into<Value>>(v: Option<T>) -> Value {
        v.map(Into::into).unwrap_or(Value::Null)
    }
    use EventBody as B;
    match &event.body {
        B::PersonRegistered {
            birth_date,
            sex,
            gp,
            residence,
            care_home,
        } => {
            put("birth_date", birth_date.to_string().into());
            put("sex", sex.as_str().into());
            put("gp", gp.as_str().into());
            put("residence", residence.as_str().into());
            put("care_home", opt(care_home.as_deref()));
        }
        B::ResidenceChanged {
            residence,
            care_home,
            permanent,
        } => {
            put("residence", residence.as_str().into());
            put("care_home", opt(care_home.as_deref()));
            put("permanent", (*permanent).into());
        }
        B::Death | B::Unknown { .. } => {}
        B::AeArrival {
            attendance,
            org,
            source,
        } => {
            put("attendance", attendance.as_str().into());
            put("org", org.as_str().into());
            put("source", source.as_str().into());
        }
        B::AeDeparture {
            attendance,
            outcome,
        } => {
            put("attendance", attendance.as_str().into());
            put("outcome", outcome.as_str().into());
        }
        B::Admission {
            spell,
            org,
            method,
            attendance,
            cause,
        } => {
            put("spell", spell.as_str().into());
            put("org", org.as_str().into());
            put("method", method.as_str().into());
            put("attendance", opt(attendance.as_deref()));
            put("cause", opt(cause.map(|c| c.as_str())));
        }
        B::ReadyForDischarge { spell } => put("spell", spell.as_str().into()),
        B::DelayReason {
            spell,
            reason,
            responsible,
        } => {
            put("spell", spell.as_str().into());
            put("reason", reason.as_str().into());
            put("responsible", responsible.as_str().into());
        }
        B::Discharge {
            spell,
            destination,
            pathway,
            d2a,
        } => {
            put("spell", spell.as_str().into());
            put("destination", destination.as_str().into());
            put("pathway", opt(*pathway));
            put("d2a", opt(*d2a));
        }
        B::AssessmentRequested {
            assessment,
            assessment_type,
            org,
            spell,
        } => {
            put("assessment", assessment.as_str().into());
            put("type", assessment_type.as_str().into());
            put("org", opt(org.as_deref()));
            put("spell", opt(spell.as_deref()));
        }
        B::AssessmentCompleted {
            assessment,
            outcome,
            trusted,
        } => {
            put("assessment", assessment.as_str().into());
            put("outcome", outcome.as_str().into());
            put("trusted", opt(*trusted));
        }
        B::PackageRequested {
            package,
            service,
            hours_per_week,
            spell,
        } => {
            put("package", package.as_str().into());
            put("service", service.as_str().into());
            put("hours_per_week", opt(hours_per_week.map(|h| h.0)));
            put("spell", opt(spell.as_deref()));
        }
        B::PackageOffered { package, org } | B::PackageStarted { package, org } => {
            put("package", package.as_str().into());
            put("org", org.as_str().into());
        }
        B::PackageEnded { package, reason } => {
            put("package", package.as_str().into());
            put("reason", reason.as_str().into());
        }
        B::ReviewDue {
            review,
            package,
            due,
        } => {
            put("review", review.as_str().into());
            put("package", opt(package.as_deref()));
            put("due", due.to_string().into());
        }
        B::ReviewCompleted { review } => put("review", review.as_str().into()),
    }
    m.retain(|_, v| !v.is_null());
    let mut s = serde_json::to_string(&m).expect("a map of JSON values serialises");
    if !extras.is_empty() {
        s.pop();
        for (k, v) in extras {
            s.push(',');
            s.push_str(&serde_json::to_string(k).expect("a string serialises"));
            s.push(':');
            s.push_str(v.get());
        }
        s.push('}');
    }
    s
}

/// The canonical line of a parsed event.
pub fn parsed_json(p: &ParsedEvent) -> String {
    event_json(&p.event, &p.extras)
}
