//! The folded facts of a log written down as bytes and read back, so a later run over the same
//! log can skip reading it (`joinedup metrics` keeps them in its cache).
//!
//! [`Journeys::to_snapshot`] writes every table of the finished facts, in order, in a compact
//! little-endian encoding headed by a magic number and [`SNAPSHOT_VERSION`];
//! [`Journeys::from_snapshot`] reads them back into facts that give every figure of the
//! original, to the last bit (the tables keep their order, so every sum is taken in the same
//! order). Reading checks everything it reads: a snapshot of another version, a truncated or
//! altered one, an index out of its table or a code out of its vocabulary is a
//! [`SnapshotError`], never a panic and never facts that could make the definitions panic.
//!
//! No I/O here: the caller stores the bytes (and guards them with a checksum of its own);
//! [`Journeys::snapshot_pieces`] hands them over a mebibyte at a time, so a caller writing them
//! to a file never holds them all.

use crate::facts::{
    Assessment, Attendance, Ix, JourneyFacts, Journeys, Package, Person, ResidenceFact, Review,
    Spell,
};
use chrono::{Datelike, NaiveDate};
use domain::codes::*;
use domain::Instant;

/// The version of the encoding: raised whenever the facts or their encoding change, so a
/// snapshot written by another version is refused rather than misread.
pub const SNAPSHOT_VERSION: u32 = 1;

const MAGIC: &[u8; 8] = b"JUFACTS\0";
/// The magic number of open facts ([`JourneyFacts::to_snapshot`]).
const OPEN_MAGIC: &[u8; 8] = b"JUFOLDS\0";

/// Why a snapshot cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a snapshot of journey facts")]
    NotASnapshot,
    #[error("a snapshot of version {found}, this version reads {SNAPSHOT_VERSION}")]
    Version { found: u32 },
    #[error("the snapshot ends early")]
    Truncated,
    #[error("the snapshot is damaged: {0}")]
    Damaged(&'static str),
}

impl Journeys {
    /// The facts as bytes ([`crate::snapshot`]).
    pub fn to_snapshot(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_snapshot(&mut out);
        out
    }

    /// Appends the facts as bytes to `out` (a caller framing them saves a copy).
    pub fn write_snapshot(&self, out: &mut Vec<u8>) {
        let f = &self.facts;
        out.reserve(64 + f.persons.len() * 40 + f.spells.len() * 48 + f.attendances.len() * 32);
        let mut w = Writer {
            buf: std::mem::take(out),
            sink: None,
            piece: usize::MAX,
        };
        self.write_to(&mut w);
        *out = w.buf;
    }

    /// Hands the facts as bytes to `put`, in order, in pieces of about a mebibyte: the bytes
    /// [`to_snapshot`](Self::to_snapshot) gives, never all held at once (the facts of 10
    /// million events are about 150 MB).
    pub fn snapshot_pieces(&self, put: &mut dyn FnMut(&[u8])) {
        self.pieces_of(PIECE_BYTES, put);
    }

    fn pieces_of(&self, piece: usize, put: &mut dyn FnMut(&[u8])) {
        let mut w = Writer {
            buf: Vec::with_capacity(piece.saturating_add(1024).min(2 * PIECE_BYTES)),
            sink: Some(put),
            piece,
        };
        self.write_to(&mut w);
        w.hand_over();
    }

    fn write_to(&self, w: &mut Writer<'_>) {
        write_tables(&self.facts, MAGIC, w);
    }

    /// Facts read back from [`to_snapshot`](Self::to_snapshot)'s bytes, or why they cannot be.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Journeys, SnapshotError> {
        let mut r = Reader(bytes);
        let f = read_tables(&mut r, MAGIC)?;
        if !r.0.is_empty() {
            return Err(SnapshotError::Damaged("bytes after the end"));
        }
        Ok(Journeys { facts: f })
    }
}

impl JourneyFacts {
    /// The facts folded so far, still open to more events, as bytes: the tables as
    /// [`Journeys::to_snapshot`] writes them (under a magic number of their own, so one is
    /// never read as the other), then the fingerprint of each table's ids in index order, so
    /// [`from_snapshot`](Self::from_snapshot) gives facts that fold further events exactly as
    /// these would. `None` when the facts were folded with the caller's indexes
    /// ([`push_indexed`](Self::push_indexed) with `Some`, [`push_hinted`](Self::push_hinted)):
    /// their ids are the caller's, not kept here.
    pub fn to_snapshot(&self) -> Option<Vec<u8>> {
        let ids = self.ids_in_order()?;
        let mut w = Writer {
            buf: Vec::new(),
            sink: None,
            piece: usize::MAX,
        };
        write_tables(self, OPEN_MAGIC, &mut w);
        w.buf.reserve(ids.iter().map(|t| t.len() * 8).sum());
        for table in ids {
            for fp in table {
                w.u64(fp);
            }
        }
        Some(w.buf)
    }

    /// Open facts read back from [`to_snapshot`](Self::to_snapshot)'s bytes, or why they
    /// cannot be (as [`Journeys::from_snapshot`]; an id repeated in a table is damage too).
    pub fn from_snapshot(bytes: &[u8]) -> Result<JourneyFacts, SnapshotError> {
        let mut r = Reader(bytes);
        let mut f = read_tables(&mut r, OPEN_MAGIC)?;
        let lens = f.table_lens();
        let mut ids = Vec::with_capacity(lens.len());
        for n in lens {
            if n > r.0.len() / 8 {
                return Err(SnapshotError::Truncated);
            }
            let mut table = Vec::with_capacity(n);
            for _ in 0..n {
                table.push(r.u64()?);
            }
            ids.push(table);
        }
        if !r.0.is_empty() {
            return Err(SnapshotError::Damaged("bytes after the end"));
        }
        if !f.set_ids_in_order(&ids) {
            return Err(SnapshotError::Damaged("an id repeated in its table"));
        }
        Ok(f)
    }
}

fn write_tables(f: &JourneyFacts, magic: &[u8; 8], w: &mut Writer<'_>) {
    w.buf.extend_from_slice(magic);
    w.u32(SNAPSHOT_VERSION);
    w.u64(f.events);
    for n in [
        f.orgs.len(),
        f.persons.len(),
        f.spells.len(),
        f.attendances.len(),
        f.packages.len(),
        f.assessments.len(),
        f.reviews.len(),
    ] {
        w.len(n);
    }
    for code in &f.orgs {
        w.len(code.len());
        w.buf.extend_from_slice(code.as_bytes());
    }
    for p in &f.persons {
        w.opt(p.birth, |w, (at, date)| {
            w.instant(at);
            w.date(date);
        });
        w.len(p.residences.len());
        for r in &p.residences {
            w.instant(r.at);
            w.code(Residence::ALL, r.residence);
            w.u8(u8::from(r.permanent) | (u8::from(r.is_change) << 1));
        }
        w.opt(p.death, Writer::instant);
        w.instants(&p.emergency_admissions);
        w.len(p.spells.len());
        for &s in &p.spells {
            w.u32(s);
        }
        w.instants(&p.reablement_starts);
        w.piece();
    }
    for s in &f.spells {
        w.opt(s.person, Writer::u32);
        w.opt(s.org, Writer::u32);
        w.opt(s.method, |w, m| w.code(AdmissionMethod::ALL, m));
        w.opt(s.cause, |w, c| w.code(Cause::ALL, c));
        w.opt(s.admitted, Writer::instant);
        w.opt(s.ready, Writer::instant);
        w.opt(s.discharge, |w, (at, d)| {
            w.instant(at);
            w.code(Destination::ALL, d);
        });
        w.len(s.delay_reasons.len());
        for &(at, reason, responsible) in &s.delay_reasons {
            w.instant(at);
            w.code(DelayReason::ALL, reason);
            w.code(Responsible::ALL, responsible);
        }
        w.piece();
    }
    for a in &f.attendances {
        w.opt(a.person, Writer::u32);
        w.opt(a.arrival, |w, (at, s)| {
            w.instant(at);
            w.code(AeSource::ALL, s);
        });
        w.opt(a.departure, |w, (at, o)| {
            w.instant(at);
            w.code(AeOutcome::ALL, o);
        });
        w.piece();
    }
    for k in &f.packages {
        w.opt(k.person, Writer::u32);
        w.opt(k.service, |w, s| w.code(Service::ALL, s));
        w.opt(k.started, Writer::instant);
        w.piece();
    }
    for a in &f.assessments {
        w.opt(a.kind, |w, k| w.code(AssessmentType::ALL, k));
        w.opt(a.requested, Writer::instant);
        w.opt(a.completed, |w, (at, o)| {
            w.instant(at);
            w.code(AssessmentOutcome::ALL, o);
        });
        w.piece();
    }
    for r in &f.reviews {
        w.opt(r.person, Writer::u32);
        w.opt(r.due, Writer::date);
        w.opt(r.completed, Writer::instant);
        w.piece();
    }
}

/// The tables of the facts, after `magic` and the version.
fn read_tables(r: &mut Reader<'_>, magic: &[u8; 8]) -> Read<JourneyFacts> {
    if r.take(magic.len()).ok() != Some(magic.as_slice()) {
        return Err(SnapshotError::NotASnapshot);
    }
    let version = r.u32()?;
    if version != SNAPSHOT_VERSION {
        return Err(SnapshotError::Version { found: version });
    }
    let mut f = JourneyFacts::new();
    f.events = r.u64()?;
    let [orgs, persons, spells, attendances, packages, assessments, reviews] =
        [(); 7].map(|_| r.u32());
    let (orgs, persons, spells) = (orgs?, persons?, spells?);
    let (attendances, packages, assessments, reviews) =
        (attendances?, packages?, assessments?, reviews?);
    let person = |r: &mut Reader| r.index(persons);
    f.orgs = r.many(orgs, |r| {
        let n = r.u32()? as usize;
        let text = std::str::from_utf8(r.take(n)?)
            .map_err(|_| SnapshotError::Damaged("an org code is not UTF-8"))?;
        Ok(text.to_string())
    })?;
    f.persons = r.many(persons, |r| {
        let birth = r.opt(|r| Ok((r.instant()?, r.date()?)))?;
        let residences = r.many_counted(|r| {
            let at = r.instant()?;
            let residence = r.code(Residence::ALL)?;
            let flags = r.u8()?;
            if flags > 3 {
                return Err(SnapshotError::Damaged("residence flags"));
            }
            Ok(ResidenceFact {
                at,
                residence,
                permanent: flags & 1 != 0,
                is_change: flags & 2 != 0,
            })
        })?;
        Ok(Person {
            birth,
            residences,
            death: r.opt(Reader::instant)?,
            emergency_admissions: r.many_counted(Reader::instant)?,
            spells: r.many_counted(|r| r.index(spells))?,
            reablement_starts: r.many_counted(Reader::instant)?,
        })
    })?;
    f.spells = r.many(spells, |r| {
        Ok(Spell {
            person: r.opt(person)?,
            org: r.opt(|r| r.index(orgs))?,
            method: r.opt(|r| r.code(AdmissionMethod::ALL))?,
            cause: r.opt(|r| r.code(Cause::ALL))?,
            admitted: r.opt(Reader::instant)?,
            ready: r.opt(Reader::instant)?,
            discharge: r.opt(|r| Ok((r.instant()?, r.code(Destination::ALL)?)))?,
            delay_reasons: r.many_counted(|r| {
                Ok((
                    r.instant()?,
                    r.code(DelayReason::ALL)?,
                    r.code(Responsible::ALL)?,
                ))
            })?,
        })
    })?;
    f.attendances = r.many(attendances, |r| {
        Ok(Attendance {
            person: r.opt(person)?,
            arrival: r.opt(|r| Ok((r.instant()?, r.code(AeSource::ALL)?)))?,
            departure: r.opt(|r| Ok((r.instant()?, r.code(AeOutcome::ALL)?)))?,
        })
    })?;
    f.packages = r.many(packages, |r| {
        Ok(Package {
            person: r.opt(person)?,
            service: r.opt(|r| r.code(Service::ALL))?,
            started: r.opt(Reader::instant)?,
        })
    })?;
    f.assessments = r.many(assessments, |r| {
        Ok(Assessment {
            kind: r.opt(|r| r.code(AssessmentType::ALL))?,
            requested: r.opt(Reader::instant)?,
            completed: r.opt(|r| Ok((r.instant()?, r.code(AssessmentOutcome::ALL)?)))?,
        })
    })?;
    f.reviews = r.many(reviews, |r| {
        Ok(Review {
            person: r.opt(person)?,
            due: r.opt(Reader::date)?,
            completed: r.opt(Reader::instant)?,
        })
    })?;
    Ok(f)
}

/// The size of the pieces [`Journeys::snapshot_pieces`] hands over.
const PIECE_BYTES: usize = 1 << 20;

/// What takes the pieces of a snapshot.
type Sink<'s> = &'s mut dyn FnMut(&[u8]);

/// Where the bytes go: a buffer, handed to `sink` (when there is one) once a record ends with
/// at least `piece` bytes in it.
struct Writer<'s> {
    buf: Vec<u8>,
    sink: Option<Sink<'s>>,
    piece: usize,
}

impl Writer<'_> {
    /// At the end of a record: hands a full piece over.
    fn piece(&mut self) {
        if self.buf.len() >= self.piece {
            self.hand_over();
        }
    }
    /// Hands what the buffer holds to the sink.
    fn hand_over(&mut self) {
        if let Some(put) = &mut self.sink {
            if !self.buf.is_empty() {
                put(&self.buf);
                self.buf.clear();
            }
        }
    }
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A length or count: tables are indexed by `u32` ([`Ix`]), so every one fits.
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn instant(&mut self, t: Instant) {
        self.buf.extend_from_slice(&t.0.to_le_bytes());
    }
    fn instants(&mut self, ts: &[Instant]) {
        self.len(ts.len());
        for &t in ts {
            self.instant(t);
        }
    }
    fn date(&mut self, d: NaiveDate) {
        self.buf
            .extend_from_slice(&d.num_days_from_ce().to_le_bytes());
    }
    /// A code of a closed vocabulary, as its place in `all`.
    fn code<T: Copy + PartialEq>(&mut self, all: &[T], v: T) {
        let i = all.iter().position(|&x| x == v).unwrap_or(usize::MAX);
        self.u8(u8::try_from(i).unwrap_or(u8::MAX));
    }
    fn opt<T>(&mut self, v: Option<T>, put: impl FnOnce(&mut Self, T)) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                put(self, v);
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

type Read<T> = Result<T, SnapshotError>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Read<&'a [u8]> {
        if n > self.0.len() {
            return Err(SnapshotError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Read<[u8; N]> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Read<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u32(&mut self) -> Read<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Read<u64> {
        self.array().map(u64::from_le_bytes)
    }
    fn instant(&mut self) -> Read<Instant> {
        self.array().map(|b| Instant(i64::from_le_bytes(b)))
    }
    fn date(&mut self) -> Read<NaiveDate> {
        let days = i32::from_le_bytes(self.array()?);
        NaiveDate::from_num_days_from_ce_opt(days).ok_or(SnapshotError::Damaged("a date"))
    }
    /// An index into a table of `len` rows.
    fn index(&mut self, len: u32) -> Read<Ix> {
        let i = self.u32()?;
        if i < len {
            Ok(i)
        } else {
            Err(SnapshotError::Damaged("an index out of its table"))
        }
    }
    fn code<T: Copy>(&mut self, all: &[T]) -> Read<T> {
        all.get(usize::from(self.u8()?))
            .copied()
            .ok_or(SnapshotError::Damaged("a code out of its vocabulary"))
    }
    fn opt<T>(&mut self, get: impl FnOnce(&mut Self) -> Read<T>) -> Read<Option<T>> {
        match self.u8()? {
            0 => Ok(None),
            1 => get(self).map(Some),
            _ => Err(SnapshotError::Damaged("an option tag")),
        }
    }
    /// `n` rows; room is made only for what the bytes left can hold (each row takes at least
    /// one), so a damaged count cannot ask for a huge allocation.
    fn many<T>(&mut self, n: u32, mut get: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let n = n as usize;
        if n > self.0.len() {
            return Err(SnapshotError::Truncated);
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(get(self)?);
        }
        Ok(v)
    }
    fn many_counted<T>(&mut self, get: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let n = self.u32()?;
        self.many(n, get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Event, EventBody, NhsNumber};

    fn at(s: &str) -> Instant {
        Instant::parse_rfc3339(s).unwrap()
    }

    /// A few people with every kind of fact.
    fn journeys() -> Journeys {
        let mut f = JourneyFacts::new();
        for e in &events() {
            f.push(e);
        }
        f.finish()
    }

    /// The events of [`journeys`], in the order they are folded.
    fn events() -> Vec<Event> {
        let person = NhsNumber::parse("9434765919").unwrap();
        let date = |s| domain::parse_date(s).unwrap();
        let ev = |id: &str, t: &str, body| Event {
            id: id.into(),
            at: at(t),
            person: Some(person),
            body,
        };
        use EventBody as B;
        let events = vec![
            ev(
                "e1",
                "2016-01-01T00:00:00Z",
                B::PersonRegistered {
                    birth_date: date("1936-05-02"),
                    sex: Sex::Female,
                    gp: "M83001".into(),
                    residence: Residence::OwnHome,
                    care_home: None,
                },
            ),
            ev(
                "e2",
                "2017-02-03T09:10:00Z",
                B::AeArrival {
                    attendance: "a1".into(),
                    org: "RJE".into(),
                    source: AeSource::Ambulance,
                },
            ),
            ev(
                "e3",
                "2017-02-03T14:40:00Z",
                B::AeDeparture {
                    attendance: "a1".into(),
                    outcome: AeOutcome::Admitted,
                },
            ),
            ev(
                "e4",
                "2017-02-03T14:40:00Z",
                B::Admission {
                    spell: "s1".into(),
                    org: "RJE".into(),
                    method: AdmissionMethod::Emergency,
                    attendance: Some("a1".into()),
                    cause: Some(Cause::FallInjury),
                },
            ),
            ev(
                "e5",
                "2017-02-08T11:00:00Z",
                B::ReadyForDischarge { spell: "s1".into() },
            ),
            ev(
                "e6",
                "2017-02-08T11:00:00Z",
                B::DelayReason {
                    spell: "s1".into(),
                    reason: DelayReason::CarePackageHome,
                    responsible: Responsible::SocialCare,
                },
            ),
            ev(
                "e7",
                "2017-02-12T15:00:00Z",
                B::Discharge {
                    spell: "s1".into(),
                    destination: Destination::UsualResidenceWithSupport,
                    pathway: Some(1),
                    d2a: None,
                },
            ),
            ev(
                "e8",
                "2017-02-12T15:00:00Z",
                B::ResidenceChanged {
                    residence: Residence::ExtraCare,
                    care_home: None,
                    permanent: false,
                },
            ),
            ev(
                "e9",
                "2017-02-13T15:00:00Z",
                B::ReviewDue {
                    review: "r1".into(),
                    due: date("2017-05-12"),
                    package: Some("k1".into()),
                },
            ),
            ev(
                "e11",
                "2017-02-13T16:00:00Z",
                B::PackageRequested {
                    package: "k1".into(),
                    service: Service::Reablement,
                    hours_per_week: None,
                    spell: None,
                },
            ),
            ev(
                "e12",
                "2017-02-14T16:00:00Z",
                B::PackageStarted {
                    package: "k1".into(),
                    org: "P1".into(),
                },
            ),
            ev(
                "e13",
                "2017-02-04T16:00:00Z",
                B::AssessmentRequested {
                    assessment: "x1".into(),
                    assessment_type: AssessmentType::Chc,
                    org: None,
                    spell: Some("s1".into()),
                },
            ),
            ev(
                "e14",
                "2017-02-06T16:00:00Z",
                B::AssessmentCompleted {
                    assessment: "x1".into(),
                    outcome: AssessmentOutcome::Eligible,
                    trusted: None,
                },
            ),
            ev(
                "e15",
                "2017-05-10T16:00:00Z",
                B::ReviewCompleted {
                    review: "r1".into(),
                },
            ),
            ev("e10", "2017-06-13T15:00:00Z", B::Death),
        ];
        events
    }

    #[test]
    fn open_facts_read_back_fold_on_as_if_never_written() {
        let events = events();
        let mut whole = JourneyFacts::new();
        for e in &events {
            whole.push(e);
        }
        let whole = whole.finish().to_snapshot();
        for cut in 0..=events.len() {
            let mut f = JourneyFacts::new();
            for e in &events[..cut] {
                f.push(e);
            }
            let bytes = f.to_snapshot().unwrap();
            let mut back = JourneyFacts::from_snapshot(&bytes).unwrap();
            assert_eq!(back.to_snapshot().unwrap(), bytes, "{cut}");
            for e in &events[cut..] {
                back.push(e);
            }
            assert_eq!(back.finish().to_snapshot(), whole, "{cut}");
            // Open facts are not finished facts, nor the other way round.
            assert_eq!(
                Journeys::from_snapshot(&bytes).err(),
                Some(SnapshotError::NotASnapshot)
            );
        }
        assert_eq!(
            JourneyFacts::from_snapshot(&whole).err(),
            Some(SnapshotError::NotASnapshot)
        );
    }

    #[test]
    fn open_facts_of_the_callers_indexes_are_not_written() {
        let mut f = JourneyFacts::new();
        for (i, e) in events().iter().enumerate() {
            f.push_indexed(e, Some(i as u32));
        }
        assert!(f.to_snapshot().is_none());
    }

    #[test]
    fn damaged_open_facts_are_refused_without_panic() {
        let mut f = JourneyFacts::new();
        for e in &events() {
            f.push(e);
        }
        let bytes = f.to_snapshot().unwrap();
        for n in 0..bytes.len() {
            assert!(JourneyFacts::from_snapshot(&bytes[..n]).is_err(), "{n}");
        }
        for i in 0..bytes.len() {
            for v in [0u8, 1, 0xff, bytes[i] ^ 0x10] {
                let mut b = bytes.clone();
                b[i] = v;
                if let Ok(f) = JourneyFacts::from_snapshot(&b) {
                    // Whatever reads back folds on and finishes without a panic.
                    let mut f = f;
                    for e in &events() {
                        f.push(e);
                    }
                    let _ = f.finish().to_snapshot();
                }
            }
        }
    }

    #[test]
    fn a_snapshot_reads_back_to_the_same_facts() {
        let j = journeys();
        let bytes = j.to_snapshot();
        let back = Journeys::from_snapshot(&bytes).unwrap();
        // Written again, the same bytes: every table came back whole and in order.
        assert_eq!(back.to_snapshot(), bytes);
        let mut framed = b"xy".to_vec();
        back.write_snapshot(&mut framed);
        assert_eq!((&framed[..2], &framed[2..]), (&b"xy"[..], &bytes[..]));
        assert_eq!(back.facts.events, 15);
        assert_eq!(back.facts.persons[0].reablement_starts.len(), 1);
        assert_eq!(back.facts.spells[0].delay_reasons.len(), 1);
        assert_eq!(back.facts.persons[0].residences.len(), 2);
        // And the same report, to the last digit.
        let orgs = domain::OrgRegister::default();
        let population = domain::Population::new([0, 100_000, 20_000, 0, 0]);
        let benchmarks = crate::BenchmarkSet::stoke_2017();
        let ctx = crate::Context {
            orgs: &orgs,
            population: &population,
            benchmarks: &benchmarks,
            zone: Default::default(),
        };
        let year = crate::Period::new(
            domain::parse_date("2017-01-01").unwrap(),
            domain::parse_date("2018-01-01").unwrap(),
        )
        .unwrap();
        let show = |j: &Journeys| j.report(year, &ctx).to_json().to_string();
        assert_eq!(show(&back), show(&j));
    }

    #[test]
    fn pieces_make_the_snapshot_whatever_their_size() {
        let j = journeys();
        let whole = j.to_snapshot();
        for piece in [1, 7, 64, 1 << 20] {
            let mut pieces = Vec::new();
            j.pieces_of(piece, &mut |p: &[u8]| pieces.push(p.to_vec()));
            assert!(pieces.iter().all(|p| !p.is_empty()));
            // Small pieces: one a record at least (a person, a spell ...); large: one.
            if piece == 1 {
                assert!(pieces.len() > 5, "{}", pieces.len());
            }
            if piece == 1 << 20 {
                assert_eq!(pieces.len(), 1);
            }
            assert_eq!(pieces.concat(), whole, "{piece}");
        }
        let mut all = Vec::new();
        j.snapshot_pieces(&mut |p: &[u8]| all.extend_from_slice(p));
        assert_eq!(all, whole);
    }

    #[test]
    fn another_version_or_other_bytes_are_refused() {
        let mut bytes = journeys().to_snapshot();
        bytes[8..12].copy_from_slice(&(SNAPSHOT_VERSION + 1).to_le_bytes());
        assert_eq!(
            Journeys::from_snapshot(&bytes).err(),
            Some(SnapshotError::Version {
                found: SNAPSHOT_VERSION + 1
            })
        );
        assert_eq!(
            Journeys::from_snapshot(b"{\"id\":1}").err(),
            Some(SnapshotError::NotASnapshot)
        );
        assert_eq!(
            Journeys::from_snapshot(b"").err(),
            Some(SnapshotError::NotASnapshot)
        );
    }

    #[test]
    fn every_truncation_and_extension_is_refused() {
        let bytes = journeys().to_snapshot();
        for n in 0..bytes.len() {
            assert!(Journeys::from_snapshot(&bytes[..n]).is_err(), "{n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Journeys::from_snapshot(&longer).is_err());
    }

    #[test]
    fn any_altered_byte_is_refused_or_read_without_panic() {
        // Some alterations still read (an instant changed); none panics, and none gives facts
        // with an index out of its table (writing them again would then show it).
        let bytes = journeys().to_snapshot();
        for i in 0..bytes.len() {
            for v in [0u8, 1, 2, 0x7f, 0xff, bytes[i] ^ 0x10] {
                let mut b = bytes.clone();
                b[i] = v;
                if let Ok(j) = Journeys::from_snapshot(&b) {
                    let f = &j.facts;
                    let people = f.persons.len() as u32;
                    assert!(f.spells.iter().all(|s| s.person.is_none_or(|p| p < people)));
                    assert!(f
                        .persons
                        .iter()
                        .all(|p| p.spells.iter().all(|&s| (s as usize) < f.spells.len())));
                }
            }
        }
    }
}
