//! The wire shape of one journey-log line, and its conversion to a domain [`Event`].
//!
//! A line is read as a JSON object whose values are kept raw; each known field is then converted
//! with an error naming it, so one bad field does not hide the others. Fields the kind does not
//! define are kept, raw, to be written back out unchanged.

use crate::canonical::encode_member;
use crate::content::{digest, ContentDigest};
use domain::codes::*;
use domain::{parse_date, Event, EventBody, Hours, Instant, NhsNumber, OrgRegister, Text};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A problem with one field of a line (or with the line when `field` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
    fn line(message: impl Into<String>) -> Self {
        FieldError {
            field: None,
            message: message.into(),
        }
    }
}

/// A key of the object; borrowed from the line unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The fields of one JSON object, each value as its raw JSON text.
/// Inline room for the fields of a typical event: reading a line allocates nothing for them.
pub(crate) type FieldList<'a> = smallvec::SmallVec<[(Cow<'a, str>, &'a str); 12]>;

struct RawObject<'a>(FieldList<'a>);

impl<'de> serde::Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject<'de>, A::Error> {
                let mut fields = FieldList::new();
                while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                    let v: &'de RawValue = map.next_value()?;
                    fields.push((k, v.get()));
                }
                Ok(RawObject(fields))
            }
        }
        d.deserialize_map(V)
    }
}

/// One parsed line: the event, the fields it does not define, and its content fingerprint.
#[derive(Debug, Clone)]
pub struct ParsedEvent {
    pub event: Event,
    /// Fields not defined for the kind, as raw JSON text, in line order.
    pub extras: Vec<(String, Box<RawValue>)>,
    /// Fingerprint of the event's id (for duplicate detection).
    pub id_hash: u64,
    /// Digest of the normalised content ([`crate::content`]), when it was computed as the line
    /// was parsed ([`DigestWhen::Parsing`], or the line has fields its kind does not define);
    /// `None`: the event has none, and its digest is that of the event alone, computed when
    /// asked ([`ParsedEvent::content_digest`]).
    digest: Option<ContentDigest>,
    /// Fingerprint of the event's own lifecycle id (its spell, attendance ...), 0 if none;
    /// computed here, on the parsing threads, to spare the sequential checks.
    pub lifecycle_hash: u64,
}

impl ParsedEvent {
    /// Digest of the normalised content ([`crate::content`]): equal events (after
    /// normalisation) have equal ones, and different ones cannot be made to collide. The same
    /// value whenever it is computed: as the line was parsed or now.
    pub fn content_digest(&self) -> ContentDigest {
        match self.digest {
            Some(d) => d,
            // Left to now only for an event without extra fields (see `fingerprint_when`).
            None => digest(&self.event, &[], &[]),
        }
    }
}

/// When a parse computes the content digest of its event ([`ParsedEvent::content_digest`]);
/// its value is the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestWhen {
    /// As the line is parsed, on the parsing threads: for readers that need every event's
    /// digest (a validator keeping ids, a store).
    Parsing,
    /// Only when asked for, for a reader that does not compare contents (`read_parts`, which
    /// first checks ids for a repeat without them). A line with fields its kind does not
    /// define is digested as it is parsed all the same: their encoding is what checks that
    /// they can be compared at all, and it is at hand only then.
    Asked,
}

/// The id of the lifecycle an event is a step of, if any.
pub fn lifecycle_id(body: &EventBody) -> Option<&str> {
    use EventBody as B;
    match body {
        B::AeArrival { attendance, .. } | B::AeDeparture { attendance, .. } => Some(attendance),
        B::Admission { spell, .. }
        | B::ReadyForDischarge { spell }
        | B::DelayReason { spell, .. }
        | B::Discharge { spell, .. } => Some(spell),
        B::AssessmentRequested { assessment, .. } | B::AssessmentCompleted { assessment, .. } => {
            Some(assessment)
        }
        B::PackageRequested { package, .. }
        | B::PackageOffered { package, .. }
        | B::PackageStarted { package, .. }
        | B::PackageEnded { package, .. } => Some(package),
        B::ReviewDue { review, .. } | B::ReviewCompleted { review } => Some(review),
        B::PersonRegistered { .. } | B::ResidenceChanged { .. } | B::Death | B::Unknown { .. } => {
            None
        }
    }
}

/// The fingerprint of a lifecycle or event id.
pub fn id_fingerprint(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// The fields the spec defines, by number (the order of [`KNOWN`]).
pub(crate) mod field {
    pub const ID: usize = 0;
    pub const KIND: usize = 1;
    pub const AT: usize = 2;
    pub const PERSON: usize = 3;
    pub const BIRTH_DATE: usize = 4;
    pub const SEX: usize = 5;
    pub const GP: usize = 6;
    pub const RESIDENCE: usize = 7;
    pub const CARE_HOME: usize = 8;
    pub const PERMANENT: usize = 9;
    pub const ATTENDANCE: usize = 10;
    pub const ORG: usize = 11;
    pub const SOURCE: usize = 12;
    pub const OUTCOME: usize = 13;
    pub const SPELL: usize = 14;
    pub const METHOD: usize = 15;
    pub const CAUSE: usize = 16;
    pub const REASON: usize = 17;
    pub const RESPONSIBLE: usize = 18;
    pub const DESTINATION: usize = 19;
    pub const PATHWAY: usize = 20;
    pub const D2A: usize = 21;
    pub const ASSESSMENT: usize = 22;
    pub const TYPE: usize = 23;
    pub const TRUSTED: usize = 24;
    pub const PACKAGE: usize = 25;
    pub const SERVICE: usize = 26;
    pub const HOURS_PER_WEEK: usize = 27;
    pub const REVIEW: usize = 28;
    pub const DUE: usize = 29;
}

/// Every field name the spec defines, for any kind.
pub(crate) const KNOWN: [&str; 30] = [
    "id",
    "kind",
    "at",
    "person",
    "birth_date",
    "sex",
    "gp",
    "residence",
    "care_home",
    "permanent",
    "attendance",
    "org",
    "source",
    "outcome",
    "spell",
    "method",
    "cause",
    "reason",
    "responsible",
    "destination",
    "pathway",
    "d2a",
    "assessment",
    "type",
    "trusted",
    "package",
    "service",
    "hours_per_week",
    "review",
    "due",
];

/// The number of a field the spec defines. The names differ in (length, first byte, last byte),
/// so one comparison of integers and one of bytes tell a key: this runs for every key of every
/// line.
pub(crate) fn known_id(k: &str) -> Option<usize> {
    let b = k.as_bytes();
    let (&first, &last) = (b.first()?, b.last()?);
    let i = match (b.len(), first, last) {
        (2, b'i', b'd') => 0,
        (4, b'k', b'd') => 1,
        (2, b'a', b't') => 2,
        (6, b'p', b'n') => 3,
        (10, b'b', b'e') => 4,
        (3, b's', b'x') => 5,
        (2, b'g', b'p') => 6,
        (9, b'r', b'e') => 7,
        (9, b'c', b'e') => 8,
        (9, b'p', b't') => 9,
        (10, b'a', b'e') => 10,
        (3, b'o', b'g') => 11,
        (6, b's', b'e') => 12,
        (7, b'o', b'e') => 13,
        (5, b's', b'l') => 14,
        (6, b'm', b'd') => 15,
        (5, b'c', b'e') => 16,
        (6, b'r', b'n') => 17,
        (11, b'r', b'e') => 18,
        (11, b'd', b'n') => 19,
        (7, b'p', b'y') => 20,
        (3, b'd', b'a') => 21,
        (10, b'a', b't') => 22,
        (4, b't', b'e') => 23,
        (7, b't', b'd') => 24,
        (7, b'p', b'e') => 25,
        (7, b's', b'e') => 26,
        (14, b'h', b'k') => 27,
        (6, b'r', b'w') => 28,
        (3, b'd', b'e') => 29,
        _ => return None,
    };
    (KNOWN[i] == k).then_some(i)
}

/// In [`Slots`]: the field is not given.
const ABSENT: u8 = u8::MAX;

/// Where each field the spec defines is in a [`FieldList`] ([`ABSENT`] if not given).
type Slots = [u8; KNOWN.len()];

/// What a field holds: absent, `null` (treated as absent), or a value.
struct Fields<'f, 'a> {
    fields: &'f FieldList<'a>,
    used: smallvec::SmallVec<[bool; 12]>,
    /// Where each known field is in `fields` (`ABSENT` if not given).
    slots: Slots,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'_, 'a> {
    fn raw(&mut self, field: usize) -> Option<&'a str> {
        let i = self.slots[field];
        if i == ABSENT {
            return None;
        }
        let i = usize::from(i);
        self.used[i] = true;
        let v = self.fields[i].1;
        (v != "null").then_some(v)
    }

    fn opt_str(&mut self, field: usize) -> Option<Cow<'a, str>> {
        let text = self.raw(field)?;
        // Fast path: a string with no escapes is its own content (the line has been checked
        // as JSON already, so it holds no control characters).
        if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            if !inner.contains('\\') {
                return Some(Cow::Borrowed(inner));
            }
        }
        match serde_json::from_str::<Key<'a>>(text) {
            Ok(Key(s)) => Some(s),
            Err(_) => {
                self.errors.push(FieldError::new(
                    KNOWN[field],
                    format!("expected a string, got {text}"),
                ));
                None
            }
        }
    }

    fn req_str(&mut self, field: usize) -> Option<Cow<'a, str>> {
        let v = self.opt_str(field);
        if v.is_none()
            && !self
                .errors
                .iter()
                .any(|e| e.field.as_deref() == Some(KNOWN[field]))
        {
            self.errors
                .push(FieldError::new(KNOWN[field], "missing required field"));
        }
        v
    }

    fn opt_bool(&mut self, field: usize) -> Option<bool> {
        match self.raw(field)? {
            "true" => Some(true),
            "false" => Some(false),
            other => {
                self.errors.push(FieldError::new(
                    KNOWN[field],
                    format!("expected true or false, got {other}"),
                ));
                None
            }
        }
    }

    fn parse_opt<T, E: fmt::Display>(
        &mut self,
        field: usize,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let s = self.opt_str(field)?;
        self.parsed(field, &s, f)
    }

    fn parse_req<T, E: fmt::Display>(
        &mut self,
        field: usize,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let s = self.req_str(field)?;
        self.parsed(field, &s, f)
    }

    /// The value `f` reads from the text of `field`, or an error naming the field.
    fn parsed<T, E: fmt::Display>(
        &mut self,
        field: usize,
        s: &str,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        f(s).map_err(|e| {
            self.errors
                .push(FieldError::new(KNOWN[field], e.to_string()))
        })
        .ok()
    }

    fn org(&mut self, field: usize, required: bool, orgs: &OrgRegister) -> Option<Text> {
        let s = if required {
            self.req_str(field)?
        } else {
            self.opt_str(field)?
        };
        if !orgs.contains(&s) {
            self.errors.push(FieldError::new(
                KNOWN[field],
                format!("org code {s:?} is not in the organisations register"),
            ));
            return None;
        }
        Some(Text::from(s.as_ref()))
    }

    fn id_ref(&mut self, field: usize, required: bool) -> Option<Text> {
        let s = if required {
            self.req_str(field)?
        } else {
            self.opt_str(field)?
        };
        if s.is_empty() {
            self.errors
                .push(FieldError::new(KNOWN[field], "an id must not be empty"));
        }
        Some(Text::from(s.as_ref()))
    }
}

fn residence_and_home(
    f: &mut Fields<'_, '_>,
    orgs: &OrgRegister,
) -> Option<(Residence, Option<Text>)> {
    let residence = f.parse_req(field::RESIDENCE, Residence::parse);
    let care_home = f.org(field::CARE_HOME, false, orgs);
    let residence = residence?;
    if residence.is_care_home()
        && care_home.is_none()
        && !f
            .errors
            .iter()
            .any(|e| e.field.as_deref() == Some("care_home"))
    {
        f.errors.push(FieldError::new(
            "care_home",
            format!("required when residence is {residence}"),
        ));
        return None;
    }
    Some((residence, care_home))
}

/// Parses one line of a journey log. `orgs` is the register org codes are checked against.
///
/// A plain line (a flat object, strings without escapes) whose fields are all right is read by
/// the flat parser (`flat::parse_plain`), each field converted as it is read; any other line
/// by serde_json ([`parse_line_json`]), which names every bad field. The flat parser gives an
/// event only where serde_json's path gives the same one, so the result, errors included, is
/// the same.
pub fn parse_line(line: &str, orgs: &OrgRegister) -> Result<ParsedEvent, Vec<FieldError>> {
    parse_line_when(line, orgs, DigestWhen::Parsing)
}

/// As [`parse_line`], the content digest computed as `when` says (the result is otherwise the
/// same, errors included).
pub fn parse_line_when(
    line: &str,
    orgs: &OrgRegister,
    when: DigestWhen,
) -> Result<ParsedEvent, Vec<FieldError>> {
    let plain = crate::flat::parse_plain(line, orgs, when);
    if plain.as_ref().is_err_and(Vec::is_empty) {
        return parse_fields(&json_fields(line)?, orgs, when);
    }
    plain
}

/// As [`parse_line`], every line read by serde_json (the path [`parse_line`] falls back to): the
/// reference its flat parser is held to, in tests and benchmarks.
pub fn parse_line_json(line: &str, orgs: &OrgRegister) -> Result<ParsedEvent, Vec<FieldError>> {
    parse_fields(&json_fields(line)?, orgs, DigestWhen::Parsing)
}

/// The fields of a line as serde_json reads them (any JSON), or why it is not an object.
pub(crate) fn json_fields(line: &str) -> Result<FieldList<'_>, Vec<FieldError>> {
    let obj: RawObject = serde_json::from_str(line)
        .map_err(|e| vec![FieldError::line(format!("not a JSON object: {e}"))])?;
    Ok(obj.0)
}

/// Parses the fields of one line, collecting an error for each bad field.
fn parse_fields(
    fields: &FieldList<'_>,
    orgs: &OrgRegister,
    when: DigestWhen,
) -> Result<ParsedEvent, Vec<FieldError>> {
    let n = fields.len();
    if n >= usize::from(ABSENT) {
        return Err(vec![FieldError::line(format!(
            "{n} fields: more than an event can have"
        ))]);
    }
    let mut slots = [ABSENT; KNOWN.len()];
    for (i, (k, _)) in fields.iter().enumerate() {
        let twice = match known_id(k) {
            Some(j) => std::mem::replace(&mut slots[j], i as u8) != ABSENT,
            // An unknown key can only repeat an earlier unknown key.
            None => fields[..i].iter().any(|(earlier, _)| earlier == k),
        };
        if twice {
            return Err(vec![FieldError::new(k, "field given twice")]);
        }
    }
    let mut f = Fields {
        fields,
        used: smallvec::smallvec![false; n],
        slots,
        errors: Vec::new(),
    };

    let id = f.req_str(field::ID);
    if let Some(id) = &id {
        let chars = id.chars().count();
        if !(1..=128).contains(&chars) {
            f.errors.push(FieldError::new(
                "id",
                format!("must be 1 to 128 characters, has {chars}"),
            ));
        }
    }
    let kind = f.req_str(field::KIND);
    let at = f.parse_req(field::AT, Instant::parse_rfc3339);
    let known = kind
        .as_deref()
        .is_some_and(|k| domain::KNOWN_KINDS.contains(&k));
    let person = if known {
        f.parse_req(field::PERSON, NhsNumber::parse)
    } else {
        f.parse_opt(field::PERSON, NhsNumber::parse)
    };

    let body = match kind.as_deref() {
        None => None,
        Some(k) => parse_body(k, &mut f, orgs),
    };

    if !f.errors.is_empty() {
        return Err(f.errors);
    }
    let (Some(id), Some(at), Some(body)) = (id, at, body) else {
        return Err(vec![FieldError::line("invalid event")]);
    };
    let event = Event {
        id: Text::from(id.as_ref()),
        at,
        person,
        body,
    };
    let mut extras: Vec<(String, Box<RawValue>)> = Vec::new();
    for ((k, v), _) in f.fields.iter().zip(&f.used).filter(|(_, used)| !**used) {
        // The text was read as JSON already: made a raw value again, it is kept as written.
        let raw = RawValue::from_string(v.to_string())
            .map_err(|e| vec![FieldError::new(k, format!("not JSON: {e}"))])?;
        extras.push((k.to_string(), raw));
    }
    fingerprint_when(event, extras, when)
}

/// Computes the fingerprints of an event and its extra fields; an extra field whose value
/// cannot be compared (nested too deep, an exponent too large) is an error naming it.
pub fn fingerprint(
    event: Event,
    extras: Vec<(String, Box<RawValue>)>,
) -> Result<ParsedEvent, Vec<FieldError>> {
    fingerprint_when(event, extras, DigestWhen::Parsing)
}

/// As [`fingerprint`], the content digest computed as `when` says: with no extra fields and
/// [`DigestWhen::Asked`], left to [`ParsedEvent::content_digest`].
#[inline]
pub(crate) fn fingerprint_when(
    event: Event,
    extras: Vec<(String, Box<RawValue>)>,
    when: DigestWhen,
) -> Result<ParsedEvent, Vec<FieldError>> {
    let id_hash = id_fingerprint(&event.id);
    let lifecycle_hash = lifecycle_id(&event.body).map(id_fingerprint).unwrap_or(0);
    // Each member encoded apart, then hashed in the order of their encodings (keys are
    // unique, so this is the order of the keys' lengths and bytes).
    let mut members = Vec::new();
    let mut spans = Vec::new();
    if !extras.is_empty() {
        let mut errors = Vec::new();
        for (k, v) in extras.iter().filter(|(_, v)| v.get() != "null") {
            let start = members.len();
            match encode_member(k, v.get(), &mut members) {
                Ok(()) => spans.push((start, members.len())),
                Err(e) => errors.push(FieldError::new(k, format!("cannot be compared: {e}"))),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        spans.sort_unstable_by(|a: &(usize, usize), b| members[a.0..a.1].cmp(&members[b.0..b.1]));
    }
    let digest = match when {
        DigestWhen::Asked if extras.is_empty() => None,
        _ => Some(digest(&event, &members, &spans)),
    };
    Ok(ParsedEvent {
        digest,
        event,
        extras,
        id_hash,
        lifecycle_hash,
    })
}

fn parse_body(kind: &str, f: &mut Fields<'_, '_>, orgs: &OrgRegister) -> Option<EventBody> {
    use EventBody as B;
    Some(match kind {
        "person_registered" => {
            let birth_date = f.parse_req(field::BIRTH_DATE, parse_date);
            let sex = f.parse_req(field::SEX, Sex::parse);
            let gp = f.org(field::GP, true, orgs);
            let home = residence_and_home(f, orgs);
            let (residence, care_home) = home?;
            B::PersonRegistered {
                birth_date: birth_date?,
                sex: sex?,
                gp: gp?,
                residence,
                care_home,
            }
        }
        "residence_changed" => {
            let home = residence_and_home(f, orgs);
            let permanent = f.opt_bool(field::PERMANENT).unwrap_or(true);
            let (residence, care_home) = home?;
            B::ResidenceChanged {
                residence,
                care_home,
                permanent,
            }
        }
        "death" => B::Death,
        "ae_arrival" => {
            let attendance = f.id_ref(field::ATTENDANCE, true);
            let org = f.org(field::ORG, true, orgs);
            let source = f.parse_req(field::SOURCE, AeSource::parse);
            B::AeArrival {
                attendance: attendance?,
                org: org?,
                source: source?,
            }
        }
        "ae_departure" => {
            let attendance = f.id_ref(field::ATTENDANCE, true);
            let outcome = f.parse_req(field::OUTCOME, AeOutcome::parse);
            B::AeDeparture {
                attendance: attendance?,
                outcome: outcome?,
            }
        }
        "admission" => {
            let spell = f.id_ref(field::SPELL, true);
            let org = f.org(field::ORG, true, orgs);
            let method = f.parse_req(field::METHOD, AdmissionMethod::parse);
            let attendance = f.id_ref(field::ATTENDANCE, false);
            let cause = f.parse_opt(field::CAUSE, Cause::parse);
            B::Admission {
                spell: spell?,
                org: org?,
                method: method?,
                attendance,
                cause,
            }
        }
        "ready_for_discharge" => B::ReadyForDischarge {
            spell: f.id_ref(field::SPELL, true)?,
        },
        "delay_reason" => {
            let spell = f.id_ref(field::SPELL, true);
            let reason = f.parse_req(field::REASON, DelayReason::parse_code_or_letter);
            let responsible = f.parse_opt(field::RESPONSIBLE, Responsible::parse);
            let reason = reason?;
            B::DelayReason {
                spell: spell?,
                reason,
                responsible: responsible.unwrap_or(reason.default_responsible()),
            }
        }
        "discharge" => {
            let spell = f.id_ref(field::SPELL, true);
            let destination = f.parse_req(field::DESTINATION, Destination::parse);
            let pathway = match f.raw(field::PATHWAY) {
                None => None,
                Some(raw) => match raw {
                    p @ ("0" | "1" | "2" | "3") => Some(p.as_bytes()[0] - b'0'),
                    other => {
                        f.errors.push(FieldError::new(
                            "pathway",
                            format!("expected 0, 1, 2 or 3, got {other}"),
                        ));
                        None
                    }
                },
            };
            let d2a = f.opt_bool(field::D2A);
            B::Discharge {
                spell: spell?,
                destination: destination?,
                pathway,
                d2a,
            }
        }
        "assessment_requested" => {
            let assessment = f.id_ref(field::ASSESSMENT, true);
            let assessment_type = f.parse_req(field::TYPE, AssessmentType::parse);
            let org = f.org(field::ORG, false, orgs);
            let spell = f.id_ref(field::SPELL, false);
            B::AssessmentRequested {
                assessment: assessment?,
                assessment_type: assessment_type?,
                org,
                spell,
            }
        }
        "assessment_completed" => {
            let assessment = f.id_ref(field::ASSESSMENT, true);
            let outcome = f.parse_req(field::OUTCOME, AssessmentOutcome::parse);
            let trusted = f.opt_bool(field::TRUSTED);
            B::AssessmentCompleted {
                assessment: assessment?,
                outcome: outcome?,
                trusted,
            }
        }
        "package_requested" => {
            let package = f.id_ref(field::PACKAGE, true);
            let service = f.parse_req(field::SERVICE, Service::parse);
            let hours_per_week = match f.raw(field::HOURS_PER_WEEK) {
                None => None,
                Some(raw) => match serde_json::from_str::<f64>(raw) {
                    Ok(h) if h >= 0.0 && h.is_finite() => Some(Hours(h)),
                    _ => {
                        f.errors.push(FieldError::new(
                            "hours_per_week",
                            format!("expected a number of hours, 0 or more, got {raw}"),
                        ));
                        None
                    }
                },
            };
            let spell = f.id_ref(field::SPELL, false);
            B::PackageRequested {
                package: package?,
                service: service?,
                hours_per_week,
                spell,
            }
        }
        "package_offered" => {
            let package = f.id_ref(field::PACKAGE, true);
            let org = f.org(field::ORG, true, orgs);
            B::PackageOffered {
                package: package?,
                org: org?,
            }
        }
        "package_started" => {
            let package = f.id_ref(field::PACKAGE, true);
            let org = f.org(field::ORG, true, orgs);
            B::PackageStarted {
                package: package?,
                org: org?,
            }
        }
        "package_ended" => {
            let package = f.id_ref(field::PACKAGE, true);
            let reason = f.parse_req(field::REASON, PackageEndReason::parse);
            B::PackageEnded {
                package: package?,
                reason: reason?,
            }
        }
        "review_due" => {
            let review = f.id_ref(field::REVIEW, true);
            let package = f.id_ref(field::PACKAGE, false);
            let due = f.parse_req(field::DUE, parse_date);
            B::ReviewDue {
                review: review?,
                package,
                due: due?,
            }
        }
        "review_completed" => B::ReviewCompleted {
            review: f.id_ref(field::REVIEW, true)?,
        },
        other => B::Unknown {
            kind: Text::from(other),
        },
    })
}

/// For tests: a register of acute trusts with these codes (what org-code checks need).
#[cfg(test)]
pub(crate) fn test_orgs(codes: &[&str]) -> OrgRegister {
    codes
        .iter()
        .map(|c| domain::Org {
            code: (*c).into(),
            name: (*c).into(),
            kind: OrgKind::AcuteTrust,
            cqc_rating: None,
            beds: None,
            extended_access: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs() -> OrgRegister {
        test_orgs(&["RJE", "M83001", "CH1"])
    }

    fn errors(line: &str) -> Vec<(Option<String>, String)> {
        parse_line(line, &orgs())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn parses_the_spec_example() {
        let p = parse_line(r#"{"id":"e6","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"943 476 5919","spell":"s1","reason":"E"}"#, &orgs()).unwrap();
        assert_eq!(
            p.event.body,
            EventBody::DelayReason {
                spell: "s1".into(),
                reason: DelayReason::CarePackageHome,
                responsible: Responsible::Nhs
            }
        );
        assert!(p.extras.is_empty());
    }

    #[test]
    fn equal_content_after_normalisation_has_equal_fingerprint() {
        let a = parse_line(r#"{"id":"e6","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1","reason":"care_package_home","responsible":"nhs","x":{"b":1,"a":2.0}}"#, &orgs()).unwrap();
        let b = parse_line(r#"{"kind":"delay_reason","id":"e6","at":"2017-02-08T12:00:00+01:00","person":"943 476 5919","spell":"s1","reason":"E","x":{"a":2,"b":1.0},"y":null}"#, &orgs()).unwrap();
        assert_eq!(a.content_digest(), b.content_digest());
        assert_eq!(a.id_hash, b.id_hash);
        let c = parse_line(r#"{"id":"e6","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1","reason":"E","x":{"a":3,"b":1}}"#, &orgs()).unwrap();
        assert_ne!(a.content_digest(), c.content_digest());
    }

    #[test]
    fn keeps_unknown_fields_and_kinds() {
        let p = parse_line(r#"{"id":"u1","kind":"gp_appointment","at":"2017-02-08T11:00:00Z","slot":"am","org":"NOT-IN-REGISTER"}"#, &orgs()).unwrap();
        assert_eq!(
            p.event.body,
            EventBody::Unknown {
                kind: "gp_appointment".into()
            }
        );
        assert_eq!(p.event.person, None);
        let names: Vec<_> = p.extras.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["slot", "org"]);
    }

    #[test]
    fn reports_every_bad_field_of_a_line() {
        let e = errors(
            r#"{"id":"e1","kind":"ae_arrival","at":"yesterday","person":"9434765918","attendance":"a1","org":"XYZ","source":"walk_in"}"#,
        );
        let fields: Vec<_> = e.iter().map(|(f, _)| f.clone().unwrap()).collect();
        assert_eq!(fields, ["at", "person", "org", "source"]);
        assert!(e[1].1.contains("modulus-11"));
    }

    #[test]
    fn names_missing_and_wrongly_typed_fields() {
        let e = errors(
            r#"{"id":"e1","kind":"discharge","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":7,"pathway":4}"#,
        );
        assert_eq!(e[0].0.as_deref(), Some("spell"));
        assert!(e[0].1.contains("expected a string"));
        assert_eq!(e[1].0.as_deref(), Some("destination"));
        assert!(e[1].1.contains("missing"));
        assert_eq!(e[2].0.as_deref(), Some("pathway"));
    }

    #[test]
    fn null_optional_is_absent_and_null_required_is_missing() {
        let p = parse_line(r#"{"id":"e1","kind":"admission","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1","org":"RJE","method":"emergency","cause":null}"#, &orgs()).unwrap();
        assert!(matches!(
            p.event.body,
            EventBody::Admission { cause: None, .. }
        ));
        let e = errors(r#"{"id":"e1","kind":"death","at":"2017-02-08T11:00:00Z","person":null}"#);
        assert_eq!(
            e,
            [(Some("person".into()), "missing required field".into())]
        );
    }

    #[test]
    fn a_field_given_twice_is_an_error() {
        let e = errors(
            r#"{"id":"e1","kind":"death","at":"2017-02-08T11:00:00Z","person":"9434765919","at":"2017-02-08T12:00:00Z"}"#,
        );
        assert_eq!(e, [(Some("at".into()), "field given twice".into())]);
        let e = errors(
            r#"{"id":"e1","kind":"death","at":"2017-02-08T11:00:00Z","person":"9434765919","x":1,"x":2}"#,
        );
        assert_eq!(e, [(Some("x".into()), "field given twice".into())]);
    }

    #[test]
    fn care_home_required_for_care_home_residence() {
        let e = errors(
            r#"{"id":"e1","kind":"residence_changed","at":"2017-02-08T11:00:00Z","person":"9434765919","residence":"nursing_home"}"#,
        );
        assert_eq!(e[0].0.as_deref(), Some("care_home"));
    }

    #[test]
    fn rejects_non_objects_and_long_ids() {
        assert!(errors("[1,2]")[0].1.contains("not a JSON object"));
        assert!(errors("{\"id\":")[0].1.contains("not a JSON object"));
        let long = "x".repeat(129);
        let e = errors(&format!(
            r#"{{"id":"{long}","kind":"death","at":"2017-02-08T11:00:00Z","person":"9434765919"}}"#
        ));
        assert_eq!(e[0].0.as_deref(), Some("id"));
    }

    fn digest_of(line: &str) -> ContentDigest {
        parse_line(line, &orgs())
            .unwrap_or_else(|e| panic!("{line}: {e:?}"))
            .content_digest()
    }

    #[test]
    fn a_forged_line_does_not_pass_for_the_stored_one() {
        // Same id, another NHS number, 902 s earlier: with the 64-bit FxHash of the event this
        // pair had equal content fingerprints (at·K² + person is what the hash kept of them).
        let real =
            r#"{"id":"e9","kind":"death","at":"2017-02-03T14:40:00Z","person":"9995148129"}"#;
        let forged = r#"{"id":"e9","kind":"death","at":"2017-02-03T14:24:57.984950811Z","person":"9990000190"}"#;
        assert_ne!(digest_of(real), digest_of(forged));
    }

    #[test]
    fn numbers_in_unknown_fields_are_compared_exactly() {
        let with = |x: &str| {
            digest_of(&format!(
                r#"{{"id":"u1","kind":"death","at":"2017-02-08T11:00:00Z","person":"9434765919","x":{x}}}"#
            ))
        };
        assert_ne!(with("9007199254740993"), with("9007199254740992"));
        assert_ne!(with("0.1"), with("0.10000000000000001"));
        for same in ["1.0", "10e-1", "1E0"] {
            assert_eq!(with("1"), with(same), "{same}");
        }
        assert_eq!(with("-0"), with("0"));
        assert_eq!(with(r#""\u00e9""#), with(r#""é""#));
        assert_ne!(with("1"), with(r#""1""#));
    }

    #[test]
    fn equal_lines_after_normalisation_have_equal_digests() {
        let orgs = orgs();
        let pairs = [
            // Spaces in the NHS number, an offset in `at`, key order.
            (
                r#"{"id":"a","kind":"death","at":"2017-02-08T11:00:00Z","person":"9434765919"}"#,
                r#"{"person":"943 476 5919","at":"2017-02-08T12:00:00+01:00","kind":"death","id":"a"}"#,
            ),
            // A delay reason as a letter or a code, its default `responsible` given or not.
            (
                r#"{"id":"d","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1","reason":"E"}"#,
                r#"{"id":"d","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1","reason":"care_package_home","responsible":"nhs"}"#,
            ),
            // The default `permanent`, null as absent.
            (
                r#"{"id":"r","kind":"residence_changed","at":"2017-02-08T11:00:00Z","person":"9434765919","residence":"own_home"}"#,
                r#"{"id":"r","kind":"residence_changed","at":"2017-02-08T11:00:00Z","person":"9434765919","residence":"own_home","permanent":true,"care_home":null,"x":null}"#,
            ),
            // Key order of unknown objects, numbers written differently.
            (
                r#"{"id":"u","kind":"gp_visit","at":"2017-02-08T11:00:00Z","y":[1,{"b":true,"a":"\u0041"}],"x":{"p":1.50,"q":[]}}"#,
                r#"{"x":{"q":[],"p":15e-1},"id":"u","kind":"gp_visit","at":"2017-02-08T11:00:00Z","y":[1.0,{"a":"A","b":true}]}"#,
            ),
        ];
        for (a, b) in pairs {
            let pa = parse_line(a, &orgs).unwrap();
            let pb = parse_line(b, &orgs).unwrap();
            assert_eq!(pa.content_digest(), pb.content_digest(), "{a}\n{b}");
        }
        let d = r#"{"id":"d","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"9434765919","spell":"s1","reason":"E","responsible":"social_care"}"#;
        assert_ne!(digest_of(pairs[1].0), digest_of(d));
    }

    #[test]
    fn an_unknown_value_too_deep_to_compare_is_an_error_naming_it() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let e = errors(&format!(
            r#"{{"id":"u1","kind":"death","at":"2017-02-08T11:00:00Z","person":"9434765919","deep":{deep}}}"#
        ));
        assert_eq!(e[0].0.as_deref(), Some("deep"));
        assert!(e[0].1.contains("nested more than 128"), "{e:?}");
    }
}
