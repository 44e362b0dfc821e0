//! The rules of the journey log that span events: duplicate ids, lifecycles (each step once, no
//! step before the step that opens it), ties in state, and references to ids that never appear.
//!
//! Event order in a log is not significant, so a rule is judged once both events it concerns have
//! been seen; what still waits at the end (a reference whose opener never came) is reported by
//! [`Validator::finish`]. The validator keeps, per distinct event id, its 64-bit fingerprint and
//! the first 128 bits of its content digest (so no two different contents can be found that
//! pass for one: that would take about 2^64 tries), unless its caller checks ids itself
//! (`Validator::deferring_ids`, for `read_parts`), and a state of 24 bytes per lifecycle id
//! (spell, attendance, package, assessment, review: `Life`).

use crate::wire::{id_fingerprint, ParsedEvent};
use domain::{EventBody, Instant};
use rustc_hash::{FxHashMap, FxHashSet};

/// The part of a content digest the validator keeps: 128 bits.
pub(crate) type ContentKey = [u8; 16];

fn content_key(p: &ParsedEvent) -> ContentKey {
    let mut k = [0u8; 16];
    k.copy_from_slice(&p.content_digest()[..16]);
    k
}

/// Where a line is: the index of its file among the log's files, and its line number (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
}

/// A rule broken by the line at `loc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub loc: Loc,
    pub field: Option<&'static str>,
    pub message: String,
}

/// Whether an event is new or repeats one already seen (same id, same content: a no-op).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// New, with the dense index of its lifecycle id (spell, attendance ...) in its namespace:
    /// indexes are handed out 0, 1, 2 ... per namespace in order of first sight.
    New(Option<u32>),
    Duplicate,
    Rejected,
}

/// A step of a lifecycle seen: its line, and when it happened (kept only for the steps that
/// others must not precede: see [`Life`]).
#[derive(Clone, Copy)]
struct Step {
    line: u32,
    at: i64,
}

/// The steps of one lifecycle seen so far, in 24 bytes: which (`seen`, a bit a slot), the line
/// of each (what a message names) and the instant of the opener (slot 0, which every later
/// step must not precede). The instant of no other step is compared with any, except the
/// package's start (package_ended must not precede it), kept apart ([`Table::timed`]). Three
/// full steps (file, line, instant) took 48 bytes: a log has about four lifecycles for ten
/// events, so this is about 10 bytes an event less.
#[derive(Clone, Copy, Default)]
pub(crate) struct Life {
    pub(crate) opened_at: i64,
    pub(crate) lines: [u32; 3],
    pub(crate) seen: u8,
}

/// A step that waits for another: for the opener to appear at all, or for a slot it must not
/// precede in time. Rare (only when a log is out of order), so kept apart from the states.
#[derive(Clone)]
pub(crate) struct Waiting {
    pub(crate) id: Box<str>,
    pub(crate) loc: Loc,
    pub(crate) at: i64,
    pub(crate) field: &'static str,
    pub(crate) what: &'static str,
    /// The slot this step must not precede.
    pub(crate) after: Option<usize>,
    /// Still waiting for the opener (slot 0) to appear at all.
    pub(crate) needs_opener: bool,
}

/// The ids of one namespace (spells, attendances ...) and their lifecycle states. Ids are kept
/// as 64-bit fingerprints, so the state of an id is 24 bytes whatever its length.
pub(crate) struct Table {
    pub(crate) name: &'static str,
    /// Names of the slots: slot 0 is the step that opens the lifecycle.
    pub(crate) slot_kinds: [&'static str; 3],
    /// The slot besides the opener that a step must not precede (a package's start), whose
    /// instants are kept in `timed_at`.
    pub(crate) timed: Option<usize>,
    pub(crate) index: FxHashMap<u64, u32>,
    pub(crate) lives: Vec<Life>,
    /// The instant of the `timed` slot of each life (empty without one).
    pub(crate) timed_at: Vec<i64>,
    pub(crate) waiting: FxHashMap<u32, Vec<Waiting>>,
}

/// How to undo one change of a tentative check ([`Validator::begin`]).
enum Undo {
    Id(u64),
    NewLife {
        table: usize,
        hash: u64,
    },
    Step {
        table: usize,
        life: usize,
        slot: usize,
        old: Option<Step>,
    },
    Waiting {
        table: usize,
        life: u32,
        old: Option<Vec<Waiting>>,
    },
    Death(u64),
    Residence((u64, i64)),
    Delay((u32, i64)),
}

/// The changes of tentative checks, to undo them if they are rolled back; `marks` holds, for
/// each open check (they nest), how long `undo` and the errors were when it began.
#[derive(Default)]
struct Journal {
    undo: Vec<Undo>,
    marks: Vec<(usize, usize)>,
}

impl Table {
    fn new(name: &'static str, slot_kinds: [&'static str; 3], timed: Option<usize>) -> Self {
        Table {
            name,
            slot_kinds,
            timed,
            index: FxHashMap::default(),
            lives: Vec::new(),
            timed_at: Vec::new(),
            waiting: FxHashMap::default(),
        }
    }

    fn idx(&mut self, hash: u64, journal: &mut Option<Journal>, table: usize) -> usize {
        let next = self.lives.len() as u32;
        let i = *self.index.entry(hash).or_insert(next);
        if i == next {
            self.lives.push(Life::default());
            if self.timed.is_some() {
                self.timed_at.push(i64::MIN);
            }
            if let Some(j) = journal {
                j.undo.push(Undo::NewLife { table, hash });
            }
        }
        i as usize
    }

    /// Slot `s` of life `i`, when seen. The instant is that of the opener or of the timed
    /// slot; of any other slot it is never read (and is `i64::MIN`).
    fn slot(&self, i: usize, s: usize) -> Option<Step> {
        let life = &self.lives[i];
        if life.seen & (1 << s) == 0 {
            return None;
        }
        let at = if s == 0 {
            life.opened_at
        } else if self.timed == Some(s) {
            self.timed_at[i]
        } else {
            i64::MIN
        };
        Some(Step {
            line: life.lines[s],
            at,
        })
    }

    /// Sets (or, `None`, clears) slot `s` of life `i`.
    fn set_slot(&mut self, i: usize, s: usize, step: Option<Step>) {
        let life = &mut self.lives[i];
        match step {
            Some(Step { line, at }) => {
                life.seen |= 1 << s;
                life.lines[s] = line;
                if s == 0 {
                    life.opened_at = at;
                } else if self.timed == Some(s) {
                    self.timed_at[i] = at;
                }
            }
            None => {
                life.seen &= !(1 << s);
                life.lines[s] = 0;
            }
        }
    }

    /// Remembers the waiting steps of life `i` before they change, once per tentative check.
    fn save_waiting(&self, i: u32, journal: &mut Option<Journal>, table: usize) {
        if let Some(j) = journal {
            j.undo.push(Undo::Waiting {
                table,
                life: i,
                old: self.waiting.get(&i).cloned(),
            });
        }
    }

    /// Records a step of the lifecycle of `id`. `slot`: the step's own slot if it happens once;
    /// `after`: the slot it must not precede in time.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        (errors, journal, table): (&mut Vec<RuleError>, &mut Option<Journal>, usize),
        id: &str,
        hash: u64,
        slot: Option<usize>,
        after: Option<usize>,
        loc: Loc,
        at: Instant,
        field: &'static str,
        what: &'static str,
    ) -> usize {
        let at = at.0;
        let i = self.idx(hash, journal, table);
        let name = self.name;
        if let Some(s) = slot {
            if let Some(first) = self.slot(i, s) {
                errors.push(RuleError {
                    loc,
                    field: Some(field),
                    message: format!(
                        "a second {what} for {name} {id:?} (the first is on line {})",
                        first.line
                    ),
                });
                return i;
            }
        }
        let needs_opener = slot != Some(0) && self.slot(i, 0).is_none();
        let order_pending = match after {
            Some(a) => match self.slot(i, a) {
                Some(prev) => {
                    if at < prev.at {
                        errors.push(RuleError {
                            loc,
                            field: Some("at"),
                            message: format!(
                                "{what} of {name} {id:?} is before its {} (line {})",
                                self.slot_kinds[a], prev.line
                            ),
                        });
                    }
                    false
                }
                None => true,
            },
            None => false,
        };
        if let Some(s) = slot {
            if let Some(j) = journal {
                j.undo.push(Undo::Step {
                    table,
                    life: i,
                    slot: s,
                    old: None,
                });
            }
            self.set_slot(i, s, Some(Step { line: loc.line, at }));
        }
        let waits = self.waiting.contains_key(&(i as u32));
        if (needs_opener || order_pending || (slot.is_some() && waits)) && journal.is_some() {
            self.save_waiting(i as u32, journal, table);
        }
        if needs_opener || order_pending {
            self.waiting.entry(i as u32).or_default().push(Waiting {
                id: id.into(),
                loc,
                at,
                field,
                what,
                after: if order_pending { after } else { None },
                needs_opener,
            });
        }
        if let Some(s) = slot {
            if let Some(waiting) = self.waiting.get_mut(&(i as u32)) {
                let slot_kind = self.slot_kinds[s];
                waiting.retain_mut(|w| {
                    if w.after == Some(s) {
                        if w.at < at {
                            errors.push(RuleError {
                                loc: w.loc,
                                field: Some("at"),
                                message: format!(
                                    "{} of {name} {:?} is before its {slot_kind} (line {})",
                                    w.what, w.id, loc.line
                                ),
                            });
                        }
                        w.after = None;
                    }
                    if s == 0 {
                        w.needs_opener = false;
                    }
                    w.after.is_some() || w.needs_opener
                });
                if waiting.is_empty() {
                    self.waiting.remove(&(i as u32));
                }
            }
        }
        i
    }

    fn finish(&self, errors: &mut Vec<RuleError>) {
        for waiting in self.waiting.values() {
            for w in waiting.iter().filter(|w| w.needs_opener) {
                errors.push(RuleError {
                    loc: w.loc,
                    field: Some(w.field),
                    message: format!(
                        "{} refers to {} {:?}, which has no {} in the log",
                        w.what, self.name, w.id, self.slot_kinds[0]
                    ),
                });
            }
        }
    }
}

/// Whether no key is in both maps.
fn keys_disjoint<V: Sync, W: Sync>(a: &FxHashMap<u64, V>, b: &FxHashMap<u64, W>) -> bool {
    let (small, large): (Vec<u64>, _) = if a.len() <= b.len() {
        (a.keys().copied().collect(), b as &dyn Contains)
    } else {
        (b.keys().copied().collect(), a as &dyn Contains)
    };
    use rayon::prelude::*;
    small
        .par_chunks(1 << 16)
        .all(|keys| keys.iter().all(|k| !large.has(*k)))
}

/// A map of u64 keys, whatever its values.
trait Contains: Sync {
    fn has(&self, k: u64) -> bool;
}

impl<V: Sync> Contains for FxHashMap<u64, V> {
    fn has(&self, k: u64) -> bool {
        self.contains_key(&k)
    }
}

/// The names of the lifecycle namespaces, in the order of [`Lifecycle`] (also the fields
/// naming their ids).
pub(crate) const LIFECYCLE_NAMES: [&str; 5] =
    ["spell", "attendance", "assessment", "package", "review"];

/// The lifecycle namespaces, indexing [`Validator`]'s tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Spell = 0,
    Attendance = 1,
    Assessment = 2,
    Package = 3,
    Review = 4,
}

/// Checks the rules that span events, one event at a time, in file order.
pub struct Validator {
    /// Event id fingerprint -> the first 128 bits of the content digest.
    pub(crate) ids: FxHashMap<u64, ContentKey>,
    /// Whether the duplicate rule is checked here (see [`Validator::deferring_ids`]).
    pub(crate) keep_ids: bool,
    pub(crate) tables: [Table; 5],
    pub(crate) deaths: FxHashMap<u64, Loc>,
    pub(crate) residence_at: FxHashSet<(u64, i64)>,
    pub(crate) delay_at: FxHashSet<(u32, i64)>,
    errors: Vec<RuleError>,
    journal: Option<Journal>,
}

impl Default for Validator {
    fn default() -> Self {
        Validator {
            ids: FxHashMap::default(),
            keep_ids: true,
            tables: [
                Table::new(
                    "spell",
                    ["admission", "ready_for_discharge", "discharge"],
                    None,
                ),
                Table::new("attendance", ["ae_arrival", "ae_departure", ""], None),
                Table::new(
                    "assessment",
                    ["assessment_requested", "assessment_completed", ""],
                    None,
                ),
                // package_ended must not precede package_started.
                Table::new(
                    "package",
                    ["package_requested", "package_started", "package_ended"],
                    Some(1),
                ),
                Table::new("review", ["review_due", "review_completed", ""], None),
            ],
            deaths: FxHashMap::default(),
            residence_at: FxHashSet::default(),
            delay_at: FxHashSet::default(),
            errors: Vec::new(),
            journal: None,
        }
    }
}

/// A step of an event's own lifecycle: namespace, id, its slot, the slot it must follow, the
/// field naming the id, and the kind.
type OwnStep<'e> = (
    Lifecycle,
    &'e str,
    Option<usize>,
    Option<usize>,
    &'static str,
    &'static str,
);

/// A reference to another lifecycle's id: namespace, id, field, kind.
type RefStep<'e> = (Lifecycle, &'e str, &'static str, &'static str);

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// A validator with room for about `events` events (and their lifecycles) before its
    /// tables grow: growing a table of millions copies it.
    pub fn with_capacity(events: usize) -> Self {
        let mut v = Self::with_lifecycles(events);
        v.ids.reserve(events);
        v
    }

    /// A validator with room for the lifecycles of about `events` events.
    fn with_lifecycles(events: usize) -> Self {
        let mut v = Self::default();
        // A hash table's entries are touched at random, so all of what it reserves is memory
        // held: the lifecycle and residence maps start at a size the smallest namespaces fill
        // (a log has a few lifecycles of each kind per hundred events) and the large ones grow,
        // which for tables of a few hundred thousand entries takes milliseconds. Vectors are
        // filled in order, so what they reserve and do not use is never touched.
        for t in &mut v.tables {
            t.index.reserve(events / 32);
            t.lives.reserve(events / 8);
        }
        v.residence_at.reserve(events / 32);
        v
    }

    /// A validator (with room for about `events` events) that leaves the duplicate rule to
    /// its caller: it keeps no event id, and judges every event as if its id were new. Its
    /// errors and verdicts are those of an exact validator for any log in which no two events
    /// share an id fingerprint; the caller must establish that, otherwise check again exactly
    /// (`read_parts` writes the ids down in an `IdLedger` and looks for a repeat after the
    /// read: see the `id_ledger` module; the live log checks ids against its store's unique
    /// index).
    pub fn deferring_ids(events: usize) -> Self {
        let mut v = Self::with_lifecycles(events);
        v.keep_ids = false;
        v
    }

    /// Brings into the cache what [`check`](Self::check) will read for `p`: its id's entry, its
    /// lifecycle's index entry and state, its person's residence entry. Changes nothing and
    /// judges nothing.
    ///
    /// Why: these tables hold millions of entries, so each lookup of a check is a miss to
    /// memory, and a check waits for each in turn. Looking up the tables for an event a few
    /// places ahead lets those misses overlap the checks of the events before it (the hash
    /// maps offer no prefetch of their own, so the lookup is made and its answer dropped).
    pub(crate) fn prefetch(&self, p: &ParsedEvent) {
        if self.keep_ids {
            std::hint::black_box(self.ids.get(&p.id_hash));
        }
        use EventBody as B;
        use Lifecycle::*;
        let ns = match &p.event.body {
            B::AeArrival { .. } | B::AeDeparture { .. } => Attendance,
            B::Admission { .. }
            | B::ReadyForDischarge { .. }
            | B::DelayReason { .. }
            | B::Discharge { .. } => Spell,
            B::AssessmentRequested { .. } | B::AssessmentCompleted { .. } => Assessment,
            B::PackageRequested { .. }
            | B::PackageOffered { .. }
            | B::PackageStarted { .. }
            | B::PackageEnded { .. } => Package,
            B::ReviewDue { .. } | B::ReviewCompleted { .. } => Review,
            B::PersonRegistered { .. } | B::ResidenceChanged { .. } => {
                let person = p.event.person.map(|n| n.as_u64()).unwrap_or(0);
                std::hint::black_box(self.residence_at.contains(&(person, p.event.at.0)));
                return;
            }
            B::Death | B::Unknown { .. } => return,
        };
        let table = &self.tables[ns as usize];
        if let Some(&i) = table.index.get(&p.lifecycle_hash) {
            std::hint::black_box(table.lives.get(i as usize).copied());
        }
    }

    /// Checks one parsed event found at `loc`.
    pub fn check(&mut self, loc: Loc, p: &ParsedEvent) -> Verdict {
        if self.keep_ids {
            if let Some(verdict) = self.check_id(loc, p) {
                return verdict;
            }
        }
        self.check_rules(loc, p)
    }

    /// The duplicate rule: the verdict when the id was seen before, else `None` (and the id
    /// kept).
    fn check_id(&mut self, loc: Loc, p: &ParsedEvent) -> Option<Verdict> {
        let key = content_key(p);
        match self.ids.get(&p.id_hash) {
            Some(&h) if h == key => Some(Verdict::Duplicate),
            Some(_) => {
                self.errors.push(RuleError {
                    loc,
                    field: Some("id"),
                    message: format!(
                        "event id {:?} is already used by an event with different content",
                        p.event.id
                    ),
                });
                Some(Verdict::Rejected)
            }
            None => {
                self.ids.insert(p.id_hash, key);
                self.note(Undo::Id(p.id_hash));
                None
            }
        }
    }

    /// The rules besides the duplicate rule, for an event whose id is new.
    fn check_rules(&mut self, loc: Loc, p: &ParsedEvent) -> Verdict {
        let before = self.errors.len();
        let e = &p.event;
        let at = e.at;
        let person = e.person.map(|n| n.as_u64()).unwrap_or(0);
        use EventBody as B;
        use Lifecycle::*;
        let (own, reference): (Option<OwnStep<'_>>, Option<RefStep<'_>>) = match &e.body {
            B::PersonRegistered { .. } | B::ResidenceChanged { .. } => {
                if self.residence_at.insert((person, at.0)) {
                    self.note(Undo::Residence((person, at.0)));
                } else {
                    self.errors.push(RuleError {
                        loc,
                        field: Some("at"),
                        message: format!(
                            "person {} already has a residence event at {at}: the residence in force would be a tie",
                            e.person.map(|n| n.to_string()).unwrap_or_default()
                        ),
                    });
                }
                (None, None)
            }
            B::Death => {
                if let Some(first) = self.deaths.get(&person) {
                    self.errors.push(RuleError {
                        loc,
                        field: Some("person"),
                        message: format!(
                            "a second death of this person (the first is on line {})",
                            first.line
                        ),
                    });
                } else {
                    self.deaths.insert(person, loc);
                    self.note(Undo::Death(person));
                }
                (None, None)
            }
            B::AeArrival { attendance, .. } => (
                Some((
                    Attendance,
                    attendance,
                    Some(0),
                    None,
                    "attendance",
                    "ae_arrival",
                )),
                None,
            ),
            B::AeDeparture { attendance, .. } => (
                Some((
                    Attendance,
                    attendance,
                    Some(1),
                    Some(0),
                    "attendance",
                    "ae_departure",
                )),
                None,
            ),
            B::Admission {
                spell, attendance, ..
            } => (
                Some((Spell, spell, Some(0), None, "spell", "admission")),
                attendance
                    .as_deref()
                    .map(|a| (Attendance, a, "attendance", "admission")),
            ),
            B::ReadyForDischarge { spell } => (
                Some((
                    Spell,
                    spell,
                    Some(1),
                    Some(0),
                    "spell",
                    "ready_for_discharge",
                )),
                None,
            ),
            B::DelayReason { spell, .. } => (
                Some((Spell, spell, None, None, "spell", "delay_reason")),
                None,
            ),
            B::Discharge { spell, .. } => (
                Some((Spell, spell, Some(2), Some(0), "spell", "discharge")),
                None,
            ),
            B::AssessmentRequested {
                assessment, spell, ..
            } => (
                Some((
                    Assessment,
                    assessment,
                    Some(0),
                    None,
                    "assessment",
                    "assessment_requested",
                )),
                spell
                    .as_deref()
                    .map(|s| (Spell, s, "spell", "assessment_requested")),
            ),
            B::AssessmentCompleted { assessment, .. } => (
                Some((
                    Assessment,
                    assessment,
                    Some(1),
                    Some(0),
                    "assessment",
                    "assessment_completed",
                )),
                None,
            ),
            B::PackageRequested { package, spell, .. } => (
                Some((
                    Package,
                    package,
                    Some(0),
                    None,
                    "package",
                    "package_requested",
                )),
                spell
                    .as_deref()
                    .map(|s| (Spell, s, "spell", "package_requested")),
            ),
            B::PackageOffered { package, .. } => (
                Some((
                    Package,
                    package,
                    None,
                    Some(0),
                    "package",
                    "package_offered",
                )),
                None,
            ),
            B::PackageStarted { package, .. } => (
                Some((
                    Package,
                    package,
                    Some(1),
                    Some(0),
                    "package",
                    "package_started",
                )),
                None,
            ),
            B::PackageEnded { package, .. } => (
                Some((
                    Package,
                    package,
                    Some(2),
                    Some(1),
                    "package",
                    "package_ended",
                )),
                None,
            ),
            B::ReviewDue {
                review, package, ..
            } => (
                Some((Review, review, Some(0), None, "review", "review_due")),
                package
                    .as_deref()
                    .map(|k| (Package, k, "package", "review_due")),
            ),
            B::ReviewCompleted { review } => (
                Some((Review, review, Some(1), None, "review", "review_completed")),
                None,
            ),
            B::Unknown { .. } => (None, None),
        };
        let mut index = None;
        if let Some((ns, id, slot, after, field, what)) = own {
            let i = self.tables[ns as usize].step(
                (&mut self.errors, &mut self.journal, ns as usize),
                id,
                p.lifecycle_hash,
                slot,
                after,
                loc,
                at,
                field,
                what,
            );
            index = Some(i as u32);
            if let B::DelayReason { spell, .. } = &e.body {
                if self.delay_at.insert((i as u32, at.0)) {
                    self.note(Undo::Delay((i as u32, at.0)));
                } else {
                    self.errors.push(RuleError {
                        loc,
                        field: Some("at"),
                        message: format!("spell {spell:?} already has a delay_reason at {at}: the reason in force would be a tie"),
                    });
                }
            }
        }
        if let Some((ns, id, field, what)) = reference {
            self.tables[ns as usize].step(
                (&mut self.errors, &mut self.journal, ns as usize),
                id,
                id_fingerprint(id),
                None,
                None,
                loc,
                at,
                field,
                what,
            );
        }
        if self.errors.len() > before {
            Verdict::Rejected
        } else {
            Verdict::New(index)
        }
    }

    fn note(&mut self, u: Undo) {
        if let Some(j) = &mut self.journal {
            j.undo.push(u);
        }
    }

    /// Starts a tentative check: what is checked from now on can be undone with
    /// [`rollback`](Self::rollback) or kept with [`commit`](Self::commit). A long-running
    /// service checks each append this way against the whole log it holds, and forgets a
    /// rejected (or not stored) append without checking the log again. Checks nest: a group of
    /// appends stored in one transaction is one check, each append a check inside it.
    pub fn begin(&mut self) {
        let errors = self.errors.len();
        let j = self.journal.get_or_insert_with(Journal::default);
        j.marks.push((j.undo.len(), errors));
    }

    /// Keeps what was checked since the last [`begin`](Self::begin) (inside an outer check, it
    /// is still undone if that one is rolled back).
    pub fn commit(&mut self) {
        if let Some(j) = &mut self.journal {
            j.marks.pop();
            if j.marks.is_empty() {
                self.journal = None;
            }
        }
    }

    /// Forgets everything checked since the last [`begin`](Self::begin), errors included: the
    /// validator is as it was then.
    pub fn rollback(&mut self) {
        let Some(j) = &mut self.journal else {
            return;
        };
        let Some((undo_len, errors)) = j.marks.pop() else {
            return;
        };
        let undo: Vec<Undo> = j.undo.drain(undo_len..).collect();
        if j.marks.is_empty() {
            self.journal = None;
        }
        self.errors.truncate(errors);
        for u in undo.into_iter().rev() {
            match u {
                Undo::Id(h) => {
                    self.ids.remove(&h);
                }
                Undo::NewLife { table, hash } => {
                    let t = &mut self.tables[table];
                    t.lives.pop();
                    if t.timed.is_some() {
                        t.timed_at.pop();
                    }
                    t.index.remove(&hash);
                }
                Undo::Step {
                    table,
                    life,
                    slot,
                    old,
                } => self.tables[table].set_slot(life, slot, old),
                Undo::Waiting { table, life, old } => {
                    let w = &mut self.tables[table].waiting;
                    match old {
                        Some(v) => {
                            w.insert(life, v);
                        }
                        None => {
                            w.remove(&life);
                        }
                    }
                }
                Undo::Death(p) => {
                    self.deaths.remove(&p);
                }
                Undo::Residence(k) => {
                    self.residence_at.remove(&k);
                }
                Undo::Delay(k) => {
                    self.delay_at.remove(&k);
                }
            }
        }
    }

    /// The errors found since [`begin`](Self::begin) (or all, outside a tentative check),
    /// with the references still waiting for an opener that has not appeared: what
    /// [`finish`](Self::finish) would add, without ending the check.
    pub fn pending_errors(&self) -> Vec<RuleError> {
        let from = self
            .journal
            .as_ref()
            .and_then(|j| j.marks.last())
            .map_or(0, |m| m.1);
        let mut errors = self.errors[from..].to_vec();
        for t in &self.tables {
            t.finish(&mut errors);
        }
        errors.sort_by_key(|e| e.loc);
        errors
    }

    /// Whether no event id and no lifecycle id is known to two of `validators` (so each key's
    /// events were all checked by one of them: see [`crate::parts`]).
    pub(crate) fn disjoint(validators: &[&Validator]) -> bool {
        use rayon::prelude::*;
        // Each key kind and each pair, the smaller table probed into the larger.
        let mut pairs = Vec::new();
        for (i, a) in validators.iter().enumerate() {
            for b in &validators[i + 1..] {
                pairs.push((*a, *b));
            }
        }
        pairs.par_iter().all(|(a, b)| {
            let tables = (0..a.tables.len()).into_par_iter();
            keys_disjoint(&a.ids, &b.ids)
                && tables.all(|t| keys_disjoint(&a.tables[t].index, &b.tables[t].index))
        })
    }

    /// Whether no error was found and no tentative check is open (a state worth keeping).
    pub(crate) fn at_rest(&self) -> bool {
        self.errors.is_empty() && self.journal.is_none()
    }

    /// Errors found so far.
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Ends a check that stopped before the end of the log: every error found, in file order,
    /// without judging references still waiting for their opener (it may be in what was not
    /// read).
    pub fn finish_seen(mut self) -> Vec<RuleError> {
        self.errors.sort_by_key(|e| e.loc);
        self.errors
    }

    /// Ends the check: adds the references that never found their opener, and returns every
    /// error, in file order.
    pub fn finish(mut self) -> Vec<RuleError> {
        for t in &self.tables {
            t.finish(&mut self.errors);
        }
        self.errors.sort_by_key(|e| e.loc);
        self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::parse_line;
    const P: &str = "9434765919";

    /// Runs the validator over lines and returns `(line, field, message)` for each error.
    fn check(lines: &[String]) -> Vec<(u32, Option<&'static str>, String)> {
        let orgs = crate::wire::test_orgs(&["RJE"]);
        let mut v = Validator::new();
        for (i, l) in lines.iter().enumerate() {
            let p = parse_line(l, &orgs).unwrap();
            v.check(
                Loc {
                    file: 0,
                    line: i as u32 + 1,
                },
                &p,
            );
        }
        v.finish()
            .into_iter()
            .map(|e| (e.loc.line, e.field, e.message))
            .collect()
    }

    fn ev(id: &str, kind: &str, at: &str, rest: &str) -> String {
        format!(r#"{{"id":"{id}","kind":"{kind}","at":"2017-02-{at}Z","person":"{P}"{rest}}}"#)
    }
    fn adm(id: &str, at: &str) -> String {
        ev(
            id,
            "admission",
            at,
            r#","spell":"s1","org":"RJE","method":"emergency""#,
        )
    }

    #[test]
    fn a_valid_spell_in_any_order_passes() {
        let lines = [
            ev(
                "e3",
                "discharge",
                "05T10:00:00",
                r#","spell":"s1","destination":"usual_residence""#,
            ),
            ev(
                "e2",
                "ready_for_discharge",
                "03T10:00:00",
                r#","spell":"s1""#,
            ),
            adm("e1", "01T10:00:00"),
        ];
        assert_eq!(check(&lines), []);
    }

    #[test]
    fn a_second_step_names_the_later_line() {
        let lines = [adm("e1", "01T10:00:00"), adm("e2", "01T11:00:00")];
        let e = check(&lines);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, 2);
        assert!(e[0].2.contains("second admission"), "{e:?}");
    }

    #[test]
    fn a_step_too_early_names_its_own_line_whatever_the_file_order() {
        let early = ev(
            "e2",
            "discharge",
            "01T09:00:00",
            r#","spell":"s1","destination":"died""#,
        );
        for lines in [
            vec![adm("e1", "01T10:00:00"), early.clone()],
            vec![early.clone(), adm("e1", "01T10:00:00")],
        ] {
            let e = check(&lines);
            let discharge_line = lines.iter().position(|l| *l == early).unwrap() as u32 + 1;
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!((e[0].0, e[0].1), (discharge_line, Some("at")));
            assert!(e[0].2.contains("before its admission"));
        }
    }

    #[test]
    fn references_to_ids_that_never_appear() {
        let lines = [
            ev(
                "e1",
                "discharge",
                "01T09:00:00",
                r#","spell":"nope","destination":"died""#,
            ),
            ev("e2", "review_completed", "01T09:00:00", r#","review":"r9""#),
            ev(
                "e3",
                "package_started",
                "01T09:00:00",
                r#","package":"k9","org":"RJE""#,
            ),
        ];
        let e = check(&lines);
        assert_eq!(
            e.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
            [
                (1, Some("spell")),
                (2, Some("review")),
                (3, Some("package"))
            ]
        );
        assert!(e[0].2.contains("no admission"));
    }

    #[test]
    fn duplicate_ids_are_no_ops_only_with_equal_content() {
        let same = [adm("e1", "01T10:00:00"), adm("e1", "01T10:00:00")];
        assert_eq!(check(&same), []);
        let different = [adm("e1", "01T10:00:00"), adm("e1", "01T11:00:00")];
        let e = check(&different);
        assert_eq!((e[0].0, e[0].1), (2, Some("id")));
    }

    #[test]
    fn ties_in_state_are_errors() {
        let lines = [
            adm("e1", "01T10:00:00"),
            ev(
                "e2",
                "delay_reason",
                "02T10:00:00",
                r#","spell":"s1","reason":"E""#,
            ),
            ev(
                "e3",
                "delay_reason",
                "02T10:00:00",
                r#","spell":"s1","reason":"G""#,
            ),
            ev(
                "e4",
                "residence_changed",
                "02T10:00:00",
                r#","residence":"own_home""#,
            ),
            ev(
                "e5",
                "residence_changed",
                "02T10:00:00",
                r#","residence":"extra_care""#,
            ),
            ev("e6", "death", "03T10:00:00", ""),
            ev("e7", "death", "04T10:00:00", ""),
        ];
        let e = check(&lines);
        assert_eq!(e.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 5, 7]);
    }

    #[test]
    fn package_steps_follow_their_openers() {
        let lines = [
            ev(
                "e1",
                "package_requested",
                "05T10:00:00",
                r#","package":"k1","service":"home_care""#,
            ),
            ev(
                "e2",
                "package_offered",
                "04T10:00:00",
                r#","package":"k1","org":"RJE""#,
            ),
            ev(
                "e3",
                "package_started",
                "06T10:00:00",
                r#","package":"k1","org":"RJE""#,
            ),
            ev(
                "e4",
                "package_ended",
                "05T12:00:00",
                r#","package":"k1","reason":"needs_met""#,
            ),
        ];
        let e = check(&lines);
        assert_eq!(e.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 4], "{e:?}");
    }

    #[test]
    fn a_rolled_back_check_leaves_the_validator_as_it_was() {
        let orgs = crate::wire::test_orgs(&["RJE"]);
        let loc = |line| Loc { file: 0, line };
        let p = |l: &str| parse_line(l, &orgs).unwrap();
        let mut v = Validator::new();
        let base = [
            adm("e1", "01T10:00:00"),
            ev(
                "r1",
                "residence_changed",
                "01T09:00:00",
                r#","residence":"own_home""#,
            ),
        ];
        for (i, l) in base.iter().enumerate() {
            assert!(matches!(v.check(loc(i as u32 + 1), &p(l)), Verdict::New(_)));
        }
        // A batch with every kind of change, and an error: rolled back.
        let batch = [
            ev(
                "e2",
                "ready_for_discharge",
                "02T10:00:00",
                r#","spell":"s1""#,
            ),
            ev(
                "e3",
                "delay_reason",
                "02T10:00:00",
                r#","spell":"s1","reason":"E""#,
            ),
            ev("e4", "death", "05T10:00:00", ""),
            ev(
                "e5",
                "residence_changed",
                "03T09:00:00",
                r#","residence":"extra_care""#,
            ),
            ev(
                "e6",
                "discharge",
                "03T10:00:00",
                r#","spell":"s9","destination":"died""#,
            ),
            adm("e7", "01T11:00:00"),
        ];
        v.begin();
        for (i, l) in batch.iter().enumerate() {
            v.check(loc(i as u32 + 1), &p(l));
        }
        let errs = v.pending_errors();
        assert_eq!(
            errs.iter().map(|e| e.loc.line).collect::<Vec<_>>(),
            [5, 6],
            "{:?}",
            errs.iter().map(|e| &e.message).collect::<Vec<_>>()
        );
        v.rollback();
        assert!(v.pending_errors().is_empty());
        // The valid part, checked again, is new (not a duplicate, not a second step).
        v.begin();
        for (i, l) in batch[..4].iter().enumerate() {
            assert!(
                matches!(v.check(loc(i as u32 + 1), &p(l)), Verdict::New(_)),
                "{l}"
            );
        }
        assert!(v.pending_errors().is_empty());
        v.commit();
        // Committed: the same lines are duplicates now, and a second death is an error.
        v.begin();
        assert_eq!(v.check(loc(1), &p(&batch[2])), Verdict::Duplicate);
        v.check(loc(2), &p(&ev("e8", "death", "06T10:00:00", "")));
        assert_eq!(v.pending_errors().len(), 1);
        v.rollback();
        assert!(v.finish().is_empty());
    }

    #[test]
    fn tentative_checks_nest() {
        let orgs = crate::wire::test_orgs(&["RJE"]);
        let p = |l: &str| parse_line(l, &orgs).unwrap();
        let loc = Loc { file: 0, line: 1 };
        let mut v = Validator::new();
        // A group: the first append kept, the second (a second admission) rolled back.
        v.begin();
        v.begin();
        assert!(matches!(
            v.check(loc, &p(&adm("e1", "01T10:00:00"))),
            Verdict::New(_)
        ));
        v.commit();
        v.begin();
        v.check(
            loc,
            &p(&ev(
                "e2",
                "admission",
                "01T11:00:00",
                r#","spell":"s1","org":"RJE","method":"emergency""#,
            )),
        );
        assert_eq!(v.pending_errors().len(), 1);
        v.rollback();
        assert!(v.pending_errors().is_empty());
        // The group is not stored after all: the first append goes too.
        v.rollback();
        assert!(matches!(
            v.check(loc, &p(&adm("e1", "01T10:00:00"))),
            Verdict::New(_)
        ));
        assert!(v.finish().is_empty());
    }
}
