//! The parser of the plain lines that make up nearly every log: one flat JSON object whose
//! keys and strings hold no escapes and whose values are strings, numbers, `true`, `false` or
//! `null`.
//!
//! [`parse_plain`] reads such a line in one pass over its bytes ([`Members`]) and converts each
//! field of the spec as it is read, by the kind of the event, straight into the event being
//! built ([`Draft`]); nothing is gathered into a list first and nothing large is copied. Fields
//! the kind does not define, and keys the spec does not know, are kept as their raw JSON text.
//! Fields met before `kind` (rare: logs write `id` and `kind` first) wait for it in a short
//! list, in line order.
//!
//! For anything else (an escape, nesting, a field given twice, a number or whitespace it is
//! unsure of, a line that is not JSON) and for any field that is wrong, it gives no event and
//! no error, and the line is read by serde_json (`wire::parse_line_json`), so every error of a
//! line is collected and named, with serde_json's messages. Where it gives an event, it is exactly the one
//! serde_json's path gives: the property tests below hold it to that on generated valid and
//! near-valid lines.

use crate::wire::{field, fingerprint_when, known_id, DigestWhen, FieldError, ParsedEvent, KNOWN};
use domain::codes::*;
use domain::{parse_date, Event, EventBody, Hours, Instant, NhsNumber, OrgRegister, Text};
use serde_json::value::RawValue;

/// The event of a plain line whose every field is right; for any other line an empty list of
/// errors: the line is to be read by serde_json. (Unknown fields that cannot be compared are
/// the one error given here: `fingerprint`'s, as serde_json's path gives it for the same
/// event and fields.) Returned as `parse_line` returns it, so the event is not moved again.
pub(crate) fn parse_plain(
    line: &str,
    orgs: &OrgRegister,
    when: DigestWhen,
) -> Result<ParsedEvent, Vec<FieldError>> {
    match plain_event(line, orgs) {
        Some((event, extras)) => fingerprint_when(event, extras, when),
        None => Err(Vec::new()),
    }
}

/// The event of a plain line whose every field is right, and its fields kept raw; `None` for
/// any other line.
#[inline(always)]
fn plain_event(line: &str, orgs: &OrgRegister) -> Option<(Event, Extras)> {
    let mut members = Members::new(line)?;
    let mut draft = Draft::default();
    let mut kind: Option<(Kind, &str)> = None;
    // The fields in the order logs write them, and where the line is in that order: the key
    // there is tried first, as bytes, before any key is searched for.
    let mut order = Kind::Unknown.order();
    let mut next = 0;
    // Bits of the known fields seen (a field given twice goes to serde_json, which names it).
    let mut seen = 0u32;
    let mut count = 0usize;
    // Fields met before `kind` that depend on it, in line order.
    let mut waiting: smallvec::SmallVec<[Member<'_>; 4]> = smallvec::SmallVec::new();
    let mut extras = Extras::new();
    loop {
        let expect = order.get(next).copied();
        let Some(m) = members.member(expect)? else {
            break;
        };
        // No more fields than `wire::parse_fields` takes (and unknown keys, each compared
        // with those before it, stay few).
        count += 1;
        if count >= usize::from(u8::MAX) {
            return None;
        }
        match m.field {
            Some(f) => {
                if seen & (1 << f) != 0 {
                    return None;
                }
                seen |= 1 << f;
                if m.field == expect {
                    next += 1;
                } else if let Some(at) = order.iter().position(|&o| o == f) {
                    next = at + 1;
                }
            }
            // An unknown key can only repeat an earlier unknown key.
            None if extras.iter().any(|(k, _)| k == m.key)
                || waiting.iter().any(|w| w.key == m.key) =>
            {
                return None
            }
            None => {}
        }
        match (m.field, kind) {
            (Some(field::KIND), _) => {
                let Value::Str(k) = m.value else {
                    return None;
                };
                let k = (Kind::of(k), k);
                kind = Some(k);
                order = k.0.order();
                for w in waiting.drain(..) {
                    draft.take(&w, k.0, orgs, &mut extras)?;
                }
            }
            (Some(f @ (field::ID | field::AT | field::PERSON)), _) => draft.common(f, m.value)?,
            (_, Some((k, _))) => draft.take(&m, k, orgs, &mut extras)?,
            (_, None) => waiting.push(m),
        }
    }
    let (kind, kind_text) = kind?;
    Some((draft.build(kind, kind_text)?, extras))
}

/// The fields of a line its kind does not define, as raw JSON text, in line order.
type Extras = Vec<(String, Box<RawValue>)>;

/// One member of a plain object: its key, its value's JSON text, and the value.
#[derive(Clone, Copy)]
struct Member<'a> {
    key: &'a str,
    /// The key's number among the spec's fields ([`KNOWN`]), if it is one.
    field: Option<usize>,
    /// (Bytes: a slice of them is cut without looking for a character's boundary.)
    raw: &'a [u8],
    value: Value<'a>,
}

/// A scalar JSON value; a string's text without its quotes (it holds no escape).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Value<'a> {
    Str(&'a str),
    Number,
    Bool(bool),
    Null,
}

/// The kinds of the spec (`domain::KNOWN_KINDS`), and any other.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    PersonRegistered,
    ResidenceChanged,
    Death,
    AeArrival,
    AeDeparture,
    Admission,
    ReadyForDischarge,
    DelayReason,
    Discharge,
    AssessmentRequested,
    AssessmentCompleted,
    PackageRequested,
    PackageOffered,
    PackageStarted,
    PackageEnded,
    ReviewDue,
    ReviewCompleted,
    Unknown,
}

impl Kind {
    fn of(kind: &str) -> Kind {
        match kind {
            "person_registered" => Kind::PersonRegistered,
            "residence_changed" => Kind::ResidenceChanged,
            "death" => Kind::Death,
            "ae_arrival" => Kind::AeArrival,
            "ae_departure" => Kind::AeDeparture,
            "admission" => Kind::Admission,
            "ready_for_discharge" => Kind::ReadyForDischarge,
            "delay_reason" => Kind::DelayReason,
            "discharge" => Kind::Discharge,
            "assessment_requested" => Kind::AssessmentRequested,
            "assessment_completed" => Kind::AssessmentCompleted,
            "package_requested" => Kind::PackageRequested,
            "package_offered" => Kind::PackageOffered,
            "package_started" => Kind::PackageStarted,
            "package_ended" => Kind::PackageEnded,
            "review_due" => Kind::ReviewDue,
            "review_completed" => Kind::ReviewCompleted,
            _ => Kind::Unknown,
        }
    }

    /// The fields of the kind in the order logs write them (the order of `EventBody`):
    /// `id`, `kind`, `at`, `person`, then those of its body (those `wire::parse_body` reads).
    fn order(self) -> &'static [usize] {
        ORDERS[self as usize]
    }

    /// The fields of the kind's body, as bits of their numbers: any other is kept raw.
    fn fields(self) -> u32 {
        FIELDS[self as usize]
    }
}

/// [`Kind::order`] of each kind.
const ORDERS: [&[usize]; 18] = {
    use field::*;
    [
        &[
            ID, KIND, AT, PERSON, BIRTH_DATE, SEX, GP, RESIDENCE, CARE_HOME,
        ],
        &[ID, KIND, AT, PERSON, RESIDENCE, CARE_HOME, PERMANENT],
        &[ID, KIND, AT, PERSON],
        &[ID, KIND, AT, PERSON, ATTENDANCE, ORG, SOURCE],
        &[ID, KIND, AT, PERSON, ATTENDANCE, OUTCOME],
        &[ID, KIND, AT, PERSON, SPELL, ORG, METHOD, ATTENDANCE, CAUSE],
        &[ID, KIND, AT, PERSON, SPELL],
        &[ID, KIND, AT, PERSON, SPELL, REASON, RESPONSIBLE],
        &[ID, KIND, AT, PERSON, SPELL, DESTINATION, PATHWAY, D2A],
        &[ID, KIND, AT, PERSON, ASSESSMENT, TYPE, ORG, SPELL],
        &[ID, KIND, AT, PERSON, ASSESSMENT, OUTCOME, TRUSTED],
        &[
            ID,
            KIND,
            AT,
            PERSON,
            PACKAGE,
            SERVICE,
            HOURS_PER_WEEK,
            SPELL,
        ],
        &[ID, KIND, AT, PERSON, PACKAGE, ORG],
        &[ID, KIND, AT, PERSON, PACKAGE, ORG],
        &[ID, KIND, AT, PERSON, PACKAGE, REASON],
        &[ID, KIND, AT, PERSON, REVIEW, PACKAGE, DUE],
        &[ID, KIND, AT, PERSON, REVIEW],
        &[ID, KIND, AT, PERSON],
    ]
};

/// [`Kind::fields`] of each kind: its order without the four fields every kind has.
const FIELDS: [u32; 18] = {
    let mut out = [0; 18];
    let mut k = 0;
    while k < ORDERS.len() {
        let order = ORDERS[k];
        let mut i = 4;
        while i < order.len() {
            out[k] |= 1 << order[i];
            i += 1;
        }
        k += 1;
    }
    out
};

/// Each field's key as written, quoted and followed by its colon: `"id":`.
const KEYS: [&[u8]; KNOWN.len()] = [
    b"\"id\":",
    b"\"kind\":",
    b"\"at\":",
    b"\"person\":",
    b"\"birth_date\":",
    b"\"sex\":",
    b"\"gp\":",
    b"\"residence\":",
    b"\"care_home\":",
    b"\"permanent\":",
    b"\"attendance\":",
    b"\"org\":",
    b"\"source\":",
    b"\"outcome\":",
    b"\"spell\":",
    b"\"method\":",
    b"\"cause\":",
    b"\"reason\":",
    b"\"responsible\":",
    b"\"destination\":",
    b"\"pathway\":",
    b"\"d2a\":",
    b"\"assessment\":",
    b"\"type\":",
    b"\"trusted\":",
    b"\"package\":",
    b"\"service\":",
    b"\"hours_per_week\":",
    b"\"review\":",
    b"\"due\":",
];

/// `b[i..]` starts with `p`: for 4 to 16 bytes, two overlapping words of each compared.
fn starts_at(b: &[u8], i: usize, p: &[u8]) -> bool {
    let Some(s) = b.get(i..).and_then(|s| s.get(..p.len())) else {
        return false;
    };
    fn words<const W: usize>(s: &[u8], p: &[u8]) -> bool {
        s.first_chunk::<W>() == p.first_chunk::<W>() && s.last_chunk::<W>() == p.last_chunk::<W>()
    }
    match p.len() {
        4..=7 => words::<4>(s, p),
        8..=16 => words::<8>(s, p),
        _ => s == p,
    }
}

/// The event being built: each field of the spec as its value, once converted (`None`: not
/// given, or `null`). A field whose meaning depends on the kind (`outcome`, `reason`) has a
/// slot for each.
#[derive(Default)]
struct Draft {
    id: Option<Text>,
    at: Option<Instant>,
    person: Option<NhsNumber>,
    birth_date: Option<chrono::NaiveDate>,
    sex: Option<Sex>,
    gp: Option<Text>,
    residence: Option<Residence>,
    care_home: Option<Text>,
    permanent: Option<bool>,
    attendance: Option<Text>,
    org: Option<Text>,
    source: Option<AeSource>,
    ae_outcome: Option<AeOutcome>,
    assessment_outcome: Option<AssessmentOutcome>,
    spell: Option<Text>,
    method: Option<AdmissionMethod>,
    cause: Option<Cause>,
    delay_reason: Option<DelayReason>,
    end_reason: Option<PackageEndReason>,
    responsible: Option<Responsible>,
    destination: Option<Destination>,
    pathway: Option<u8>,
    d2a: Option<bool>,
    assessment: Option<Text>,
    assessment_type: Option<AssessmentType>,
    trusted: Option<bool>,
    package: Option<Text>,
    service: Option<Service>,
    hours_per_week: Option<Hours>,
    review: Option<Text>,
    due: Option<chrono::NaiveDate>,
}

/// A string's text, or `None` (the line goes to serde_json) for any other value.
fn text(v: Value<'_>) -> Option<&str> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// An id referring to a lifecycle: not empty.
fn id_ref(v: Value<'_>) -> Option<Text> {
    Some(text(v)?).filter(|s| !s.is_empty()).map(Text::from)
}

/// An org code in the register.
fn org(v: Value<'_>, orgs: &OrgRegister) -> Option<Text> {
    Some(text(v)?).filter(|s| orgs.contains(s)).map(Text::from)
}

fn boolean(v: Value<'_>) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

impl Draft {
    /// `id`, `at` or `person`: read alike for every kind.
    fn common(&mut self, f: usize, v: Value<'_>) -> Option<()> {
        if v == Value::Null {
            return Some(());
        }
        let s = text(v)?;
        match f {
            field::ID => {
                // 1 to 128 characters (a character has at most 4 bytes).
                let ok = !s.is_empty() && (s.len() <= 128 || s.chars().count() <= 128);
                self.id = Some(Text::from(ok.then_some(s)?));
            }
            field::AT => self.at = Some(Instant::parse_rfc3339(s).ok()?),
            _ => self.person = Some(NhsNumber::parse(s).ok()?),
        }
        Some(())
    }

    /// Any other member, once the kind is known: converted if the kind defines it, else kept
    /// raw in `extras`. `None` when its value is wrong.
    fn take(
        &mut self,
        m: &Member<'_>,
        kind: Kind,
        orgs: &OrgRegister,
        extras: &mut Extras,
    ) -> Option<()> {
        let f = match m.field {
            Some(f) if kind.fields() & (1 << f) != 0 => f,
            _ => {
                let raw = std::str::from_utf8(m.raw).ok()?;
                let raw = RawValue::from_string(raw.to_string()).ok()?;
                extras.push((m.key.to_string(), raw));
                return Some(());
            }
        };
        let v = m.value;
        if v == Value::Null {
            return Some(());
        }
        match f {
            field::BIRTH_DATE => self.birth_date = Some(parse_date(text(v)?).ok()?),
            field::SEX => self.sex = Some(Sex::parse(text(v)?).ok()?),
            field::GP => self.gp = Some(org(v, orgs)?),
            field::RESIDENCE => self.residence = Some(Residence::parse(text(v)?).ok()?),
            field::CARE_HOME => self.care_home = Some(org(v, orgs)?),
            field::PERMANENT => self.permanent = Some(boolean(v)?),
            field::ATTENDANCE => self.attendance = Some(id_ref(v)?),
            field::ORG => self.org = Some(org(v, orgs)?),
            field::SOURCE => self.source = Some(AeSource::parse(text(v)?).ok()?),
            field::OUTCOME if kind == Kind::AeDeparture => {
                self.ae_outcome = Some(AeOutcome::parse(text(v)?).ok()?);
            }
            field::OUTCOME => {
                self.assessment_outcome = Some(AssessmentOutcome::parse(text(v)?).ok()?);
            }
            field::SPELL => self.spell = Some(id_ref(v)?),
            field::METHOD => self.method = Some(AdmissionMethod::parse(text(v)?).ok()?),
            field::CAUSE => self.cause = Some(Cause::parse(text(v)?).ok()?),
            field::REASON if kind == Kind::DelayReason => {
                self.delay_reason = Some(DelayReason::parse_code_or_letter(text(v)?).ok()?);
            }
            field::REASON => self.end_reason = Some(PackageEndReason::parse(text(v)?).ok()?),
            field::RESPONSIBLE => self.responsible = Some(Responsible::parse(text(v)?).ok()?),
            field::DESTINATION => self.destination = Some(Destination::parse(text(v)?).ok()?),
            field::PATHWAY => {
                self.pathway = match m.raw {
                    [p @ b'0'..=b'3'] => Some(p - b'0'),
                    _ => return None,
                }
            }
            field::D2A => self.d2a = Some(boolean(v)?),
            field::ASSESSMENT => self.assessment = Some(id_ref(v)?),
            field::TYPE => self.assessment_type = Some(AssessmentType::parse(text(v)?).ok()?),
            field::TRUSTED => self.trusted = Some(boolean(v)?),
            field::PACKAGE => self.package = Some(id_ref(v)?),
            field::SERVICE => self.service = Some(Service::parse(text(v)?).ok()?),
            field::HOURS_PER_WEEK => {
                // Read by serde_json, as its path does, so the value is the same to the bit.
                if v != Value::Number {
                    return None;
                }
                let h: f64 = serde_json::from_slice(m.raw).ok()?;
                self.hours_per_week = Some((h >= 0.0 && h.is_finite()).then_some(Hours(h))?);
            }
            field::REVIEW => self.review = Some(id_ref(v)?),
            field::DUE => self.due = Some(parse_date(text(v)?).ok()?),
            _ => return None,
        }
        Some(())
    }

    /// The event, when every field its kind requires is given (its fields taken out of the
    /// draft, which is not moved whole).
    #[inline(always)]
    fn build(&mut self, kind: Kind, kind_text: &str) -> Option<Event> {
        use EventBody as B;
        // A care home residence names its home.
        let home = |residence: Option<Residence>, care_home: Option<Text>| {
            let residence = residence?;
            (!residence.is_care_home() || care_home.is_some()).then_some((residence, care_home))
        };
        let body = match kind {
            Kind::PersonRegistered => {
                let (residence, care_home) = home(self.residence, self.care_home.take())?;
                B::PersonRegistered {
                    birth_date: self.birth_date?,
                    sex: self.sex?,
                    gp: self.gp.take()?,
                    residence,
                    care_home,
                }
            }
            Kind::ResidenceChanged => {
                let (residence, care_home) = home(self.residence, self.care_home.take())?;
                B::ResidenceChanged {
                    residence,
                    care_home,
                    permanent: self.permanent.unwrap_or(true),
                }
            }
            Kind::Death => B::Death,
            Kind::AeArrival => B::AeArrival {
                attendance: self.attendance.take()?,
                org: self.org.take()?,
                source: self.source?,
            },
            Kind::AeDeparture => B::AeDeparture {
                attendance: self.attendance.take()?,
                outcome: self.ae_outcome?,
            },
            Kind::Admission => B::Admission {
                spell: self.spell.take()?,
                org: self.org.take()?,
                method: self.method?,
                attendance: self.attendance.take(),
                cause: self.cause,
            },
            Kind::ReadyForDischarge => B::ReadyForDischarge {
                spell: self.spell.take()?,
            },
            Kind::DelayReason => {
                let reason = self.delay_reason?;
                B::DelayReason {
                    spell: self.spell.take()?,
                    reason,
                    responsible: self.responsible.unwrap_or(reason.default_responsible()),
                }
            }
            Kind::Discharge => B::Discharge {
                spell: self.spell.take()?,
                destination: self.destination?,
                pathway: self.pathway,
                d2a: self.d2a,
            },
            Kind::AssessmentRequested => B::AssessmentRequested {
                assessment: self.assessment.take()?,
                assessment_type: self.assessment_type?,
                org: self.org.take(),
                spell: self.spell.take(),
            },
            Kind::AssessmentCompleted => B::AssessmentCompleted {
                assessment: self.assessment.take()?,
                outcome: self.assessment_outcome?,
                trusted: self.trusted,
            },
            Kind::PackageRequested => B::PackageRequested {
                package: self.package.take()?,
                service: self.service?,
                hours_per_week: self.hours_per_week,
                spell: self.spell.take(),
            },
            Kind::PackageOffered => B::PackageOffered {
                package: self.package.take()?,
                org: self.org.take()?,
            },
            Kind::PackageStarted => B::PackageStarted {
                package: self.package.take()?,
                org: self.org.take()?,
            },
            Kind::PackageEnded => B::PackageEnded {
                package: self.package.take()?,
                reason: self.end_reason?,
            },
            Kind::ReviewDue => B::ReviewDue {
                review: self.review.take()?,
                package: self.package.take(),
                due: self.due?,
            },
            Kind::ReviewCompleted => B::ReviewCompleted {
                review: self.review.take()?,
            },
            Kind::Unknown => B::Unknown {
                kind: Text::from(kind_text),
            },
        };
        // Every known kind names its person.
        if kind != Kind::Unknown && self.person.is_none() {
            return None;
        }
        Some(Event {
            id: self.id.take()?,
            at: self.at?,
            person: self.person,
            body,
        })
    }
}

/// The members of a plain object, read one at a time.
struct Members<'a> {
    line: &'a str,
    /// Where the next member starts (after `{` or `,` and whitespace).
    i: usize,
    /// Before the first member: the object may be empty.
    open: bool,
    /// The object has ended (and nothing but whitespace follows it).
    done: bool,
}

impl<'a> Members<'a> {
    /// The members of `line`, if it opens an object.
    fn new(line: &'a str) -> Option<Self> {
        let b = line.as_bytes();
        let i = skip_ws(b, 0);
        (b.get(i) == Some(&b'{')).then(|| Members {
            line,
            i: skip_ws(b, i + 1),
            open: true,
            done: false,
        })
    }

    /// The next member, `expect` being the field likely to come next; `Some(None)` after the
    /// last (the object closed, nothing but whitespace after it); `None` when the line is not
    /// plain.
    fn member(&mut self, expect: Option<usize>) -> Option<Option<Member<'a>>> {
        if self.done {
            return Some(None);
        }
        let (line, b) = (self.line, self.line.as_bytes());
        let mut i = self.i;
        if std::mem::take(&mut self.open) && b.get(i) == Some(&b'}') {
            self.done = true;
            return (skip_ws(b, i + 1) == b.len()).then_some(None);
        }
        // The expected key, quoted, then its colon; or any key.
        let (key, field);
        match expect.filter(|&f| starts_at(b, i, KEYS[f])) {
            Some(f) => {
                (key, field) = (KNOWN[f], Some(f));
                i += KEYS[f].len() - 1;
            }
            None => {
                let (span, after) = string(b, i)?;
                key = &line[span.0..span.1];
                field = known_id(key);
                i = skip_ws(b, after);
                if b.get(i) != Some(&b':') {
                    return None;
                }
            }
        }
        i = skip_ws(b, i + 1);
        let start = i;
        let value;
        (value, i) = match *b.get(i)? {
            b'"' => {
                let ((a, z), end) = string(b, i)?;
                (Value::Str(&line[a..z]), end)
            }
            b't' => (Value::Bool(true), literal(b, i, b"true")?),
            b'f' => (Value::Bool(false), literal(b, i, b"false")?),
            b'n' => (Value::Null, literal(b, i, b"null")?),
            b'-' | b'0'..=b'9' => (Value::Number, number(b, i)?),
            _ => return None,
        };
        let member = Member {
            key,
            field,
            raw: b.get(start..i)?,
            value,
        };
        i = skip_ws(b, i);
        match b.get(i)? {
            b',' => self.i = skip_ws(b, i + 1),
            b'}' if skip_ws(b, i + 1) == b.len() => self.done = true,
            _ => return None,
        }
        Some(Some(member))
    }
}

/// The first byte at or after `i` that is not JSON whitespace.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// A string at `i` with no escape and no control character: the span of its content and the
/// index after its closing quote.
fn string(b: &[u8], i: usize) -> Option<((usize, usize), usize)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let mut j = start;
    // Eight bytes at a time while they hold no stop (as serde_json does), then byte by byte.
    while let Some(word) = b.get(j..j + 8) {
        let x = u64::from_le_bytes(word.try_into().ok()?);
        let stops = zero_bytes(x ^ (ONES * u64::from(b'"')))
            | zero_bytes(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if stops != 0 {
            // The lowest flagged byte is the first stop (a flag can be false only above a true one).
            j += (stops.trailing_zeros() / 8) as usize;
            return (b[j] == b'"').then_some(((start, j), j + 1));
        }
        j += 8;
    }
    while !STOPS[usize::from(*b.get(j)?)] {
        j += 1;
    }
    (b[j] == b'"').then_some(((start, j), j + 1))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is zero (exact for the lowest).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The bytes that end a plain string: its quote, or what it must not hold (an escape, a control
/// character).
const STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// `word` at `i`: the index after it.
fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    b.get(i..i + word.len())
        .filter(|w| *w == word)
        .map(|_| i + word.len())
}

/// A number of JSON's grammar at `i` (`-`? (`0` | `[1-9][0-9]*`) (`.` digits)? (`e` sign?
/// digits)?): the index after it.
fn number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match *b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(b, i)?,
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    // What follows must end the value: a leading zero followed by a digit is not JSON.
    match b.get(i) {
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}') => Some(i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{json_fields, parse_line, parse_line_json, parse_line_when};
    use proptest::prelude::*;

    fn orgs() -> domain::OrgRegister {
        crate::wire::test_orgs(&["RJE", "M83001", "CH1"])
    }

    /// The members [`Members`] reads from `line` (keys and raw values), if it is plain, each
    /// read expecting the field `expect` says for its place.
    fn members(
        line: &str,
        expect: impl Fn(usize) -> Option<usize>,
    ) -> Option<Vec<(String, String)>> {
        let mut m = Members::new(line)?;
        let mut out = Vec::new();
        while let Some(x) = m.member(expect(out.len()))? {
            assert_eq!(x.field, known_id(x.key), "{line:?}");
            out.push((
                x.key.to_string(),
                String::from_utf8_lossy(x.raw).into_owned(),
            ));
        }
        Some(out)
    }

    /// What `check` found: the line is plain (read by [`Members`]), and its event was built by
    /// [`parse_plain`].
    struct Seen {
        plain: bool,
        built: bool,
    }

    /// [`Members`] reads `line` only as serde_json reads it; [`parse_plain`] gives exactly the
    /// event serde_json's path gives, and gives one for every plain line that path accepts;
    /// `parse_line` says of the line what serde_json's path says.
    fn check(line: &str) -> Result<Seen, TestCaseError> {
        let orgs = orgs();
        let serde = json_fields(line).ok().map(|f| {
            f.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        });
        // Read expecting nothing, the right field, and a wrong one.
        let right = |n: usize| known_id(&serde.as_ref()?.get(n)?.0);
        let lexed = members(line, |_| None);
        for expect in [
            &right as &dyn Fn(usize) -> Option<usize>,
            &|n| right(n).map(|f| (f + 1) % KNOWN.len()),
            &|n| Some(n % KNOWN.len()),
        ] {
            prop_assert_eq!(&members(line, expect), &lexed, "{:?}", line);
        }
        if let Some(l) = &lexed {
            prop_assert_eq!(Some(l), serde.as_ref(), "{:?}", line);
        }
        let json = parse_line_json(line, &orgs);
        let built = parse_plain(line, &orgs, DigestWhen::Parsing);
        match (&built, &json) {
            (Ok(b), Ok(j)) => prop_assert_eq!(format!("{b:?}"), format!("{j:?}"), "{:?}", line),
            (Ok(b), Err(e)) => prop_assert!(false, "{line:?}: built {b:?}, serde_json: {e:?}"),
            // Errors of its own: serde_json's path gives the same.
            (Err(e), _) if !e.is_empty() => {
                prop_assert_eq!(format!("{built:?}"), format!("{json:?}"), "{:?}", line)
            }
            (Err(_), Ok(_)) => {
                prop_assert!(lexed.is_none(), "{line:?}: plain and valid, not built")
            }
            (Err(_), Err(_)) => {}
        }
        prop_assert_eq!(
            format!("{:?}", parse_line(line, &orgs)),
            format!("{json:?}"),
            "{:?}",
            line
        );
        // With the digest left to when it is asked for: the same event, errors and digest.
        let digested = |r: Result<ParsedEvent, Vec<FieldError>>| {
            format!(
                "{:?}",
                r.map(|p| {
                    let d = p.content_digest();
                    (p.event, p.extras, p.id_hash, p.lifecycle_hash, d)
                })
            )
        };
        prop_assert_eq!(
            digested(parse_line_when(line, &orgs, DigestWhen::Asked)),
            digested(json),
            "{:?}",
            line
        );
        Ok(Seen {
            plain: lexed.is_some(),
            built: built.is_ok(),
        })
    }

    #[test]
    fn keys_are_the_spec_fields_quoted() {
        for (f, k) in KNOWN.iter().enumerate() {
            assert_eq!(KEYS[f], format!("\"{k}\":").as_bytes());
        }
    }

    #[test]
    fn every_kind_of_the_spec_is_known_here() {
        for k in domain::KNOWN_KINDS {
            assert_ne!(Kind::of(k), Kind::Unknown, "{k}");
        }
        assert_eq!(domain::KNOWN_KINDS.len(), Kind::Unknown as usize);
    }

    #[test]
    fn strings_end_at_their_quote_and_not_at_an_escape_or_control_anywhere() {
        for len in 0..20 {
            for at in 0..=len {
                let body: String = (0..len)
                    .map(|k| if k % 3 == 0 { 'é' } else { 'a' })
                    .collect();
                let quoted = format!("\"{body}\"x");
                let b = quoted.as_bytes();
                let end = b.len() - 2;
                assert_eq!(string(b, 0), Some(((1, end), end + 1)), "{quoted}");
                // A stop put at any byte of the content (a whole char replaced).
                let mut chars: Vec<char> = body.chars().collect();
                if at < chars.len() {
                    for stop in ['\\', '\u{1}', '\u{1f}'] {
                        chars[at] = stop;
                        let s: String = chars.iter().collect();
                        assert_eq!(string(format!("\"{s}\"").as_bytes(), 0), None, "{s:?}");
                    }
                    chars[at] = '"';
                    let s: String = chars.iter().collect();
                    let cut = s.find('"').unwrap() + 1;
                    assert_eq!(
                        string(format!("\"{s}\"").as_bytes(), 0),
                        Some(((1, cut), cut + 1))
                    );
                }
            }
        }
        // DEL and bytes above 0x7f are content.
        assert_eq!(
            string(b"\"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\"", 0),
            Some(((1, 10), 11))
        );
        assert_eq!(string(b"\"abc", 0), None);
    }

    #[test]
    fn plain_lines_are_built_and_others_left_to_serde() {
        let built = [
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919"}"#,
            r#" { "id" : "e1" , "kind":"discharge","at":"2017-02-12T15:00:00Z","person":"9434765919","spell":"s1","destination":"usual_residence","pathway":1,"d2a":true } "#,
            r#"{"id":"e8","kind":"package_requested","at":"2017-02-12T15:00:00Z","person":"9434765919","package":"k1","service":"home_care","hours_per_week":-0.0e+3}"#,
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919","x":1,"spell":"s1","y":null}"#,
            r#"{"spell":"s1","x":"a","id":"e1","reason":"E","kind":"delay_reason","at":"2017-02-03T09:10:00Z","person":"9434765919"}"#,
            r#"{"id":"é","kind":"gp_visit","at":"2017-02-03T09:10:00Z","person":null,"org":"XYZ"}"#,
        ];
        for line in built {
            let seen = check(line).unwrap();
            assert!(seen.plain && seen.built, "{line}");
        }
        // Plain, but an error: serde_json's path names it.
        let wrong = [
            r#"{}"#,
            r#"{"id":"é","kind":"death","at":"2017-02-03T09:10:00Z","person":null}"#,
            r#"{"id":"e8","kind":"package_requested","at":"2017-02-12T15:00:00Z","person":"9434765919","package":"k1","service":"home_care","hours_per_week":-1.5e+3}"#,
            r#"{"id":"e8","kind":"package_requested","at":"2017-02-12T15:00:00Z","person":"9434765919","package":"k1","service":"home_care","hours_per_week":1e999}"#,
            r#"{"id":"e1","kind":"discharge","at":"2017-02-12T15:00:00Z","person":"9434765919","spell":"s1","destination":"usual_residence","pathway":"1"}"#,
            r#"{"id":"e1","kind":"residence_changed","at":"2017-02-12T15:00:00Z","person":"9434765919","residence":"nursing_home"}"#,
            r#"{"id":"","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919"}"#,
            r#"{"id":"e1","kind":7,"at":"2017-02-03T09:10:00Z","person":"9434765919"}"#,
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765918"}"#,
            r#"{"id":"e1","x":1,"kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919","x":2}"#,
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919","at":"2017-02-03T09:10:00Z"}"#,
        ];
        for line in wrong {
            let seen = check(line).unwrap();
            assert!(seen.plain && !seen.built, "{line}");
        }
        let other = [
            r#"{"id":"e\u0031","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919"}"#,
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":["9434765919"]}"#,
            r#"{"id":"e1","pathway":01}"#,
            r#"{"id":"e1","pathway":1.}"#,
            r#"{"id":"e1","pathway":-}"#,
            r#"{"id":"e1","d2a":tru}"#,
            r#"{"id":"e1","d2a":truex}"#,
            r#"{"id":"e1",}"#,
            r#"{"id":"e1"} x"#,
            r#"{"id":"e1""#,
            "{\"id\":\"e\u{1}\"}",
            "\u{feff}{}",
            r#"["id"]"#,
            "",
        ];
        for line in other {
            let seen = check(line).unwrap();
            assert!(!seen.plain && !seen.built, "{line}");
        }
    }

    #[test]
    fn hostile_lines_are_answered_as_serde_json_answers_them() {
        let head = r#"{"id":"e1","kind":"package_requested","at":"2017-02-12T15:00:00Z","person":"9434765919","package":"k1","service":"home_care""#;
        let digits = "9".repeat(100_000);
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let many: String = (0..300).map(|k| format!(",\"x{k}\":{k}")).collect();
        // Distinct unknown keys, each compared with those before it: no more than 255 are.
        let most: String = (0..100_000).map(|k| format!(",\"{k}\":0")).collect();
        let lines = [
            format!(r#"{head},"hours_per_week":{digits}}}"#),
            format!(r#"{head},"hours_per_week":0.{digits}}}"#),
            format!(r#"{head},"hours_per_week":1e{digits}}}"#),
            format!(r#"{head},"pathway":{digits}}}"#),
            format!(r#"{head},"x":{digits}}}"#),
            format!(r#"{head},"x":-0.{digits}e-{digits}}}"#),
            format!(r#"{head},"x":{deep}}}"#),
            format!(r#"{head},"x":"\ud800"}}"#),
            format!(r#"{head},"\u0078":"\n\"\\"}}"#),
            format!(r#"{head}{many}}}"#),
            format!(r#"{head}{most}}}"#),
            format!(r#"{head},"{}":1}}"#, "k".repeat(100_000)),
            format!(r#"{head},"x":"{}"}}"#, "é".repeat(100_000)),
            format!(
                r#"{{"id":"{}","kind":"death","at":"2017-02-12T15:00:00Z","person":"9434765919"}}"#,
                "é".repeat(129)
            ),
            format!(
                r#"{{"id":"{}","kind":"death","at":"2017-02-12T15:00:00Z","person":"9434765919"}}"#,
                "é".repeat(128)
            ),
            "{".repeat(100_000),
            "\u{0}\u{7f}\u{10ffff}".to_string(),
        ];
        for line in &lines {
            check(line).unwrap();
        }
    }

    /// A value's text: mostly plausible, some near-valid, some wrong for the field.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(vec![
                "\"e1\"", "\"death\"", "\"admission\"", "\"discharge\"", "\"ae_arrival\"",
                "\"delay_reason\"", "\"package_requested\"", "\"review_due\"", "\"gp_visit\"",
                "\"2017-02-03T09:10:00Z\"", "\"2017-02-03T09:10:00+01:00\"", "\"9434765919\"",
                "\"943 476 5919\"", "\"9434765918\"", "\"1936-05-02\"", "\"1936-02-30\"",
                "\"female\"", "\"own_home\"", "\"nursing_home\"", "\"RJE\"", "\"XYZ\"",
                "\"M83001\"", "\"CH1\"", "\"s1\"", "\"emergency\"", "\"usual_residence\"", "\"E\"",
                "\"home_care\"", "\"k1\"", "\"\"", "\"é\"", "1", "0", "3", "4", "10.5", "-1",
                "-0.0e-0", "true", "false", "null",
            ]).prop_map(str::to_string),
            1 => prop::sample::select(vec![
                "\"a\\\"b\"", "\"\\u00e9\"", "01", "1.", "-", "+1", "1e", ".5", "tru", "nul",
                "{}", "[1]", "{\"a\":1}", "\"\u{1}\"", "1x", "\"open", "NaN", "1e999",
                "123456789012345678901234567890",
            ]).prop_map(str::to_string),
            1 => "[ -~]{0,6}".prop_map(|s| format!("\"{s}\"")),
            1 => "-?[0-9]{1,3}(\\.[0-9]{1,2})?([eE][+-]?[0-9]{1,2})?",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => prop::sample::select(crate::wire::KNOWN.to_vec()).prop_map(str::to_string),
            1 => prop::sample::select(vec!["x", "Id", "i\\u0064", "", "kind "]).prop_map(str::to_string),
        ]
    }

    fn ws() -> impl Strategy<Value = &'static str> {
        prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\t"), 1 => Just("\r")]
    }

    fn line() -> impl Strategy<Value = String> {
        let member = (key(), value(), ws(), ws())
            .prop_map(|(k, v, a, b)| format!("{a}\"{k}\"{b}:{a}{v}{b}"));
        (
            prop::collection::vec(member, 0..12),
            ws(),
            prop::sample::select(vec!["", "", "", "", "x", ",", "}"]),
            prop::sample::select(vec!["", "", "", "", ",", "{"]),
        )
            .prop_map(|(members, w, tail, lead)| {
                format!("{w}{{{lead}{}}}{w}{tail}", members.join(","))
            })
    }

    /// A valid line of every kind (optional fields given, `null` or left out), with fields
    /// the kind does not define and unknown ones, in any order.
    fn valid_line() -> impl Strategy<Value = String> {
        // (key, value); a value `?v` is optional: given, null or absent.
        let kinds: Vec<Vec<(&str, &str)>> = vec![
            vec![
                ("kind", "\"person_registered\""),
                ("birth_date", "\"1936-05-02\""),
                ("sex", "\"female\""),
                ("gp", "\"M83001\""),
                ("residence", "\"nursing_home\""),
                ("care_home", "\"CH1\""),
            ],
            vec![
                ("kind", "\"residence_changed\""),
                ("residence", "\"own_home\""),
                ("care_home", "?\"CH1\""),
                ("permanent", "?false"),
            ],
            vec![("kind", "\"death\"")],
            vec![
                ("kind", "\"ae_arrival\""),
                ("attendance", "\"a1\""),
                ("org", "\"RJE\""),
                ("source", "\"ambulance\""),
            ],
            vec![
                ("kind", "\"ae_departure\""),
                ("attendance", "\"a1\""),
                ("outcome", "\"admitted\""),
            ],
            vec![
                ("kind", "\"admission\""),
                ("spell", "\"s1\""),
                ("org", "\"RJE\""),
                ("method", "\"emergency\""),
                ("attendance", "?\"a1\""),
                ("cause", "?\"fall_injury\""),
            ],
            vec![("kind", "\"ready_for_discharge\""), ("spell", "\"s1\"")],
            vec![
                ("kind", "\"delay_reason\""),
                ("spell", "\"s1\""),
                ("reason", "\"Di\""),
                ("responsible", "?\"social_care\""),
            ],
            vec![
                ("kind", "\"discharge\""),
                ("spell", "\"s1\""),
                ("destination", "\"usual_residence\""),
                ("pathway", "?1"),
                ("d2a", "?false"),
            ],
            vec![
                ("kind", "\"assessment_requested\""),
                ("assessment", "\"x1\""),
                ("type", "\"chc\""),
                ("org", "?\"RJE\""),
                ("spell", "?\"s1\""),
            ],
            vec![
                ("kind", "\"assessment_completed\""),
                ("assessment", "\"x1\""),
                ("outcome", "\"eligible\""),
                ("trusted", "?true"),
            ],
            vec![
                ("kind", "\"package_requested\""),
                ("package", "\"k1\""),
                ("service", "\"home_care\""),
                ("hours_per_week", "?10.5"),
                ("spell", "?\"s1\""),
            ],
            vec![
                ("kind", "\"package_offered\""),
                ("package", "\"k1\""),
                ("org", "\"CH1\""),
            ],
            vec![
                ("kind", "\"package_started\""),
                ("package", "\"k1\""),
                ("org", "\"CH1\""),
            ],
            vec![
                ("kind", "\"package_ended\""),
                ("package", "\"k1\""),
                ("reason", "\"died\""),
            ],
            vec![
                ("kind", "\"review_due\""),
                ("review", "\"r1\""),
                ("package", "?\"k1\""),
                ("due", "\"2017-05-12\""),
            ],
            vec![("kind", "\"review_completed\""), ("review", "\"r1\"")],
            vec![("kind", "\"gp_visit\""), ("slot", "\"am\"")],
        ];
        // Fields of no kind here or of other kinds: kept raw when the kind does not define them.
        let others = [
            ("x", "1"),
            ("note", "null"),
            ("y_1", "\"a b\""),
            ("due", "\"not a date\""),
            ("sex", "7"),
            ("hours_per_week", "2.50"),
        ];
        (
            prop::sample::select(kinds),
            any::<u64>(),
            "[a-z0-9-]{1,8}",
            any::<u8>(),
        )
            .prop_map(move |(body, seed, id, pick)| {
                let id = format!("\"{id}\"");
                let mut fields: Vec<(&str, &str)> = vec![
                    ("id", &id),
                    ("at", "\"2017-02-03T09:10:00Z\""),
                    ("person", "\"9434765919\""),
                ];
                for (k, (key, v)) in body.into_iter().enumerate() {
                    match v.strip_prefix('?') {
                        None => fields.push((key, v)),
                        Some(v) => match (seed >> (2 * k)) % 3 {
                            0 => fields.push((key, v)),
                            1 => fields.push((key, "null")),
                            _ => {}
                        },
                    }
                }
                for (k, (key, v)) in others.iter().enumerate() {
                    if pick & (1 << k) != 0 && fields.iter().all(|(f, _)| f != key) {
                        fields.push((key, v));
                    }
                }
                // A fixed shuffle from the seed.
                let mut x = seed | 1;
                for i in (1..fields.len()).rev() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    fields.swap(i, (x % (i as u64 + 1)) as usize);
                }
                let members: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", members.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn the_parser_agrees_with_serde_json_on_near_valid_lines(line in line()) {
            check(&line)?;
        }

        #[test]
        fn valid_lines_are_built_and_parse_as_through_serde_json(line in valid_line()) {
            let seen = check(&line)?;
            prop_assert!(seen.plain && seen.built, "{}", line);
            prop_assert!(parse_line(&line, &orgs()).is_ok(), "{}", line);
        }
    }
}
