//! What the flow board records: each step a form on the board asks for, the check that the
//! form was made on the stay as it still is, and the event line written for it.

use crate::person::{Person, PATHWAY_PLANNED, RECORDED_BY};
use crate::spell;
use domain::codes::{DelayReason, Destination, Responsible};
use domain::{Instant, NhsNumber};
use serde_json::{json, Map, Value};

/// A step recorded from the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The person is medically ready to leave.
    Ready,
    /// The reason the discharge is delayed (who is responsible: the reason's default if none).
    DelayReason {
        reason: DelayReason,
        responsible: Option<Responsible>,
    },
    /// The discharge to assess pathway planned.
    Pathway { pathway: u8 },
    /// The person left hospital.
    Discharge {
        destination: Destination,
        pathway: Option<u8>,
    },
}

impl Step {
    /// The step named `step` (`ready`, `delay_reason`, `pathway`, `discharge`) from a form's
    /// fields; the error names the field.
    pub fn from_fields(
        step: &str,
        reason: Option<&str>,
        responsible: Option<&str>,
        pathway: Option<&str>,
        destination: Option<&str>,
    ) -> Result<Step, Refused> {
        fn blank(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|s| !s.is_empty())
        }
        let pathway = match blank(pathway) {
            None => None,
            Some(p) => Some(match p {
                "0" => 0,
                "1" => 1,
                "2" => 2,
                "3" => 3,
                _ => {
                    return Err(Refused::invalid(
                        "pathway",
                        format!("{p:?} is not a pathway (0, 1, 2 or 3)"),
                    ))
                }
            }),
        };
        match step {
            "ready" => Ok(Step::Ready),
            "delay_reason" => {
                let r = blank(reason).ok_or_else(|| Refused::invalid("reason", "choose a delay reason"))?;
                let reason = DelayReason::parse_code_or_letter(r)
                    .map_err(|e| Refused::invalid("reason", e.to_string()))?;
                let responsible = blank(responsible)
                    .map(Responsible::parse)
                    .transpose()
                    .map_err(|e| Refused::invalid("responsible", e.to_string()))?;
                Ok(Step::DelayReason {
                    reason,
                    responsible,
                })
            }
            "pathway" => Ok(Step::Pathway {
                pathway: pathway.ok_or_else(|| Refused::invalid("pathway", "choose a pathway (0 to 3)"))?,
            }),
            "discharge" => {
                let d = blank(destination)
                    .ok_or_else(|| Refused::invalid("destination", "choose where the person went"))?;
                let destination =
                    Destination::parse(d).map_err(|e| Refused::invalid("destination", e.to_string()))?;
                Ok(Step::Discharge {
                    destination,
                    pathway,
                })
            }
            other => Err(Refused::invalid(
                "step",
                format!("{other:?} is not a step the board records (ready, delay_reason, pathway, discharge)"),
            )),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Step::Ready => "ready_for_discharge",
            Step::DelayReason { .. } => "delay_reason",
            Step::Pathway { .. } => PATHWAY_PLANNED,
            Step::Discharge { .. } => "discharge",
        }
    }
}

/// A form submitted from the board: a step for one stay, made when the stay had `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub person: NhsNumber,
    pub spell: String,
    /// [`Person::spell_version`] when the form was made.
    pub version: u32,
    pub step: Step,
}

/// Why a form records nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A field is wrong; the user can correct it.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The stay changed since the form was made (someone else recorded a step).
    #[error("{0}")]
    Conflict(String),
}

impl Refused {
    fn invalid(field: &'static str, message: impl Into<String>) -> Refused {
        Refused::Invalid {
            field,
            message: message.into(),
        }
    }
}

/// Whether `form` may be recorded at `now` on `person` as the log holds them now: the stay is
/// theirs, open, and unchanged since the form was made.
pub fn check(person: Option<&Person>, form: &Form, now: Instant) -> Result<(), Refused> {
    let p = person
        .ok_or_else(|| Refused::invalid("person", "no event of the log names this person"))?;
    let version = p.spell_version(&form.spell);
    if version != form.version {
        return Err(Refused::Conflict(format!(
            "the stay {} changed since this form was opened ({} steps then, {} now): look again before recording",
            form.spell, form.version, version
        )));
    }
    let stay = spell::spells(p, now)
        .into_iter()
        .find(|s| s.id == form.spell)
        .ok_or_else(|| {
            Refused::invalid(
                "spell",
                format!("{:?} is not a hospital stay of this person", form.spell),
            )
        })?;
    if !stay.open_at(now) {
        return Err(Refused::Conflict(format!(
            "the stay {} has ended: the person has left hospital",
            form.spell
        )));
    }
    match form.step {
        Step::Ready if stay.ready.is_some() => Err(Refused::Conflict(
            "the person is already recorded as ready for discharge".into(),
        )),
        Step::DelayReason { .. } | Step::Pathway { .. } if stay.ready.is_none() => Err(
            Refused::invalid("step", "record the person as ready for discharge first"),
        ),
        Step::DelayReason {
            reason,
            responsible,
        } => {
            let now_reason = stay.reason_at(now);
            let responsible = responsible.unwrap_or(reason.default_responsible());
            if now_reason == Some((reason, responsible)) {
                return Err(Refused::invalid(
                    "reason",
                    "this delay reason is already in force",
                ));
            }
            if stay.reasons.iter().any(|r| r.0 == now) {
                return Err(Refused::Conflict(
                    "another delay reason was recorded at this same instant: look again".into(),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The event line for `form`, with event id `id`, at `at`, recorded by `org`.
pub fn line(form: &Form, id: &str, at: Instant, org: &str) -> String {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("kind".into(), json!(form.step.kind()));
    o.insert(
        "at".into(),
        json!(at
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    o.insert("person".into(), json!(form.person.digits()));
    o.insert("spell".into(), json!(form.spell));
    match &form.step {
        Step::Ready => {}
        Step::DelayReason {
            reason,
            responsible,
        } => {
            o.insert("reason".into(), json!(reason.as_str()));
            if let Some(r) = responsible {
                o.insert("responsible".into(), json!(r.as_str()));
            }
        }
        Step::Pathway { pathway } => {
            o.insert("pathway".into(), json!(pathway));
        }
        Step::Discharge {
            destination,
            pathway,
        } => {
            o.insert("destination".into(), json!(destination.as_str()));
            if let Some(p) = pathway {
                o.insert("pathway".into(), json!(p));
            }
        }
    }
    o.insert(RECORDED_BY.into(), json!(org));
    Value::Object(o).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::codes::AdmissionMethod;
    use domain::{Event, EventBody};

    fn stay() -> Person {
        let mut p = Person::default();
        p.push(
            &Event {
                id: "a".into(),
                at: Instant::parse_rfc3339("2017-02-03T14:40:00Z").unwrap(),
                person: Some("9434765919".parse().unwrap()),
                body: EventBody::Admission {
                    spell: "s1".into(),
                    org: "RJE".into(),
                    method: AdmissionMethod::Emergency,
                    attendance: None,
                    cause: None,
                },
            },
            "",
        );
        p
    }

    fn form(version: u32, step: Step) -> Form {
        Form {
            person: "9434765919".parse().unwrap(),
            spell: "s1".into(),
            version,
            step,
        }
    }

    #[test]
    fn a_form_is_checked_against_the_stay_as_it_is() {
        let now = Instant::parse_rfc3339("2017-02-05T10:00:00Z").unwrap();
        let mut p = stay();
        let reason = Step::DelayReason {
            reason: DelayReason::Housing,
            responsible: None,
        };
        assert!(
            matches!(
                check(Some(&p), &form(1, reason.clone()), now),
                Err(Refused::Invalid { field: "step", .. })
            ),
            "not ready yet"
        );
        assert_eq!(check(Some(&p), &form(1, Step::Ready), now), Ok(()));
        assert!(matches!(
            check(Some(&p), &form(0, Step::Ready), now),
            Err(Refused::Conflict(_))
        ));
        assert!(matches!(
            check(None, &form(0, Step::Ready), now),
            Err(Refused::Invalid {
                field: "person",
                ..
            })
        ));
        // Record it: the line parses as the event it says, and the form made before is stale.
        let text = line(&form(1, Step::Ready), "x1", now, "RJE");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["kind"], "ready_for_discharge");
        assert_eq!(v["at"], "2017-02-05T10:00:00.000Z");
        assert_eq!(v["recorded_by"], "RJE");
        p.push(
            &Event {
                id: "x1".into(),
                at: now,
                person: Some("9434765919".parse().unwrap()),
                body: EventBody::ReadyForDischarge { spell: "s1".into() },
            },
            &text,
        );
        assert_eq!(p.spell_version("s1"), 2);
        assert!(matches!(
            check(Some(&p), &form(1, reason.clone()), now),
            Err(Refused::Conflict(_))
        ));
        assert_eq!(check(Some(&p), &form(2, reason), now), Ok(()));
        assert!(
            matches!(
                check(Some(&p), &form(2, Step::Ready), now),
                Err(Refused::Conflict(_))
            ),
            "ready once"
        );
        // Steps from a form's fields, each bad field named.
        assert_eq!(
            Step::from_fields("pathway", None, None, Some("2"), None),
            Ok(Step::Pathway { pathway: 2 })
        );
        for (step, reason, pathway, dest, field) in [
            ("delay_reason", Some("Q"), None, None, "reason"),
            ("delay_reason", None, None, None, "reason"),
            ("pathway", None, Some("4"), None, "pathway"),
            ("discharge", None, None, Some("moon"), "destination"),
            ("teleport", None, None, None, "step"),
        ] {
            match Step::from_fields(step, reason, None, pathway, dest) {
                Err(Refused::Invalid { field: f, .. }) => assert_eq!(f, field, "{step}"),
                other => panic!("{step}: {other:?}"),
            }
        }
    }
}
