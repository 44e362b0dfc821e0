//! Appending events to the live log: checked against the whole log, stored in one transaction.

use crate::{CatchUp, Held, LiveError, LiveLog, LiveState};
use domain::Text;
use journey_log::ContentDigest;
use journey_log::{parse_line, Loc, ParsedEvent, Verdict, MAX_ERRORS};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use store::{Batch, NewEvent};

/// The most bytes of one line of an append (as a journey log file's line limit).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One problem with an appended line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line of the request; `None` for the request as a whole.
    pub line: Option<u32>,
    pub field: Option<String>,
    pub message: String,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Appended {
    pub appended: u64,
    /// Events already stored with the same content (no-ops).
    pub already_stored: u64,
}

/// Why an append wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The lines break the format or the log's rules; each error names its line and field.
    #[error("the events are not valid ({} errors)", .0.len())]
    Invalid(Vec<LineError>),
    /// A precondition of the append did not hold when it was stored (a stale form).
    #[error(transparent)]
    Refused(#[from] flow::record::Refused),
    #[error(transparent)]
    Live(#[from] LiveError),
}

/// A condition an append must meet on the person's record as stored, checked inside the
/// write transaction (after every earlier append, including those stored in the same group).
pub type Precondition =
    Box<dyn Fn(Option<&flow::Person>) -> Result<(), flow::record::Refused> + Send>;

impl From<store::StoreError> for AppendError {
    fn from(e: store::StoreError) -> Self {
        AppendError::Live(LiveError::Store(e))
    }
}

/// The audit entry that records an append, made from what the append did and stored in the
/// events' own transaction: an append is stored with its record or not at all.
pub type Record = Box<dyn Fn(&Appended) -> store::AuditEntry + Send>;

/// Parses the lines of an append (blank lines skipped); every bad field of every line.
fn parse_lines(
    text: &str,
    orgs: &domain::OrgRegister,
) -> Result<Vec<(u32, ParsedEvent, String)>, Vec<LineError>> {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
        if line.len() > MAX_LINE_BYTES {
            errors.push(LineError {
                line: Some(n),
                field: None,
                message: format!("the line is longer than {MAX_LINE_BYTES} bytes"),
            });
            continue;
        }
        match parse_line(line, orgs) {
            Ok(p) => parsed.push((n, p, line.trim().to_string())),
            Err(fields) => errors.extend(fields.into_iter().map(|f| LineError {
                line: Some(n),
                field: f.field,
                message: f.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// What checking one append's lines came to.
struct Checked {
    done: Appended,
    /// The new events, with their lines, and as the store takes them.
    mine: Vec<(domain::Event, String)>,
    mine_events: Vec<NewEvent>,
    mine_ids: HashMap<Text, ContentDigest>,
    /// Every error, by line.
    errors: Vec<LineError>,
}

/// Checks the lines of one append inside the write transaction `w`: each id against the
/// events stored (the store's unique index: the service keeps no id of its own), those accepted
/// earlier in the group and earlier in the append (the same content: a no-op; other content:
/// an error), then the new events against the log's other rules (`validator`, which leaves ids
/// to this check).
fn check_lines(
    validator: &mut journey_log::Validator,
    w: &dyn store::StoreRead,
    lines: &[(u32, ParsedEvent, String)],
    group_ids: &HashMap<Text, ContentDigest>,
) -> Result<Checked, store::StoreError> {
    let ids: Vec<&str> = lines
        .iter()
        .map(|(_, p, _)| p.event.id.as_str())
        .filter(|id| !group_ids.contains_key(*id))
        .collect();
    let mut stored: HashMap<String, ContentDigest> = HashMap::new();
    w.stored_digests(&ids, &mut |id, d| {
        stored.insert(id.to_string(), d);
    })?;
    let mut c = Checked {
        done: Appended::default(),
        mine: Vec::new(),
        mine_events: Vec::new(),
        mine_ids: HashMap::new(),
        errors: Vec::new(),
    };
    for (n, p, raw) in lines {
        let id = p.event.id.as_str();
        let digest = p.content_digest();
        let seen = c
            .mine_ids
            .get(id)
            .or_else(|| group_ids.get(id))
            .or_else(|| stored.get(id));
        if let Some(d) = seen {
            if *d == digest {
                c.done.already_stored += 1;
            } else {
                c.errors.push(LineError {
                    line: Some(*n),
                    field: Some("id".into()),
                    message: format!(
                        "event id {:?} is already used by an event with different content",
                        p.event.id
                    ),
                });
            }
            continue;
        }
        if let Verdict::New(_) = validator.check(Loc { file: 0, line: *n }, p) {
            c.done.appended += 1;
            c.mine_ids.insert(p.event.id.clone(), digest);
            c.mine_events.push(NewEvent::of(p, raw.clone()));
            c.mine.push((p.event.clone(), raw.clone()));
        }
    }
    c.errors
        .extend(validator.pending_errors().into_iter().map(|e| LineError {
            line: Some(e.loc.line),
            field: e.field.map(str::to_string),
            message: e.message,
        }));
    c.errors.sort_by_key(|e| e.line);
    Ok(c)
}

/// A record that could not be read inside the write: nothing is written.
fn damaged(e: LiveError) -> store::StoreError {
    match e {
        LiveError::Store(e) => e,
        other => store::StoreError::Corrupt(other.to_string()),
    }
}

/// An append waiting to be stored, with where its answer goes.
pub(crate) struct Queued {
    text: String,
    /// The lines parsed against `orgs`.
    lines: Vec<(u32, ParsedEvent, String)>,
    orgs: std::sync::Arc<domain::OrgRegister>,
    /// The person whose record `check` reads.
    check: Option<(domain::NhsNumber, Precondition)>,
    record: Option<Record>,
    reply: std::sync::mpsc::Sender<Result<Appended, AppendError>>,
}

/// What a queued append comes to.
enum Answer {
    Done(Appended),
    Invalid(Vec<LineError>),
    Refused(flow::record::Refused),
}

impl LiveLog {
    /// Appends the events of `text` (JSON Lines): all of them, or none when any line breaks
    /// the format or the log's rules (checked against every stored event, as `import` does).
    /// An event already stored with the same content is a no-op. Returns once the events are
    /// durable.
    ///
    /// Appends that arrive while another is being stored wait and are then stored together,
    /// each checked on its own (one rejected append does not hold back the others), in one
    /// transaction: one commit to disk for the group (group commit), every acknowledgement
    /// still after its events are durable.
    pub fn append(&self, text: &str) -> Result<Appended, AppendError> {
        self.append_with(text, None, None)
    }

    /// Appends as [`LiveLog::append`] does, only if `check` holds on `person`'s record as
    /// stored when the append is (inside the write transaction): otherwise nothing is written
    /// and the refusal is returned ([`AppendError::Refused`]).
    pub fn append_checked(
        &self,
        text: &str,
        person: domain::NhsNumber,
        check: Precondition,
    ) -> Result<Appended, AppendError> {
        self.append_with(text, Some((person, check)), None)
    }

    /// Appends as [`LiveLog::append`] does, only if `check` (when given) holds on the person's
    /// record as stored, and with the audit entry `record` (when given) makes of the append,
    /// stored in the same transaction as its events (also when every event was already stored).
    pub fn append_with(
        &self,
        text: &str,
        check: Option<(domain::NhsNumber, Precondition)>,
        record: Option<Record>,
    ) -> Result<Appended, AppendError> {
        let orgs = self.orgs.read().expect("not poisoned").clone();
        let lines = parse_lines(text, &orgs).map_err(AppendError::Invalid)?;
        let (reply, answer) = std::sync::mpsc::channel();
        self.queue.lock().expect("not poisoned").push(Queued {
            text: text.to_string(),
            lines,
            orgs,
            check,
            record,
            reply,
        });
        let mut held = self.held.lock().expect("not poisoned");
        // The writer before may have stored this append with its own group.
        if let Ok(done) = answer.try_recv() {
            return done;
        }
        let group = std::mem::take(&mut *self.queue.lock().expect("not poisoned"));
        self.store_group(&mut held, group);
        drop(held);
        answer.recv().unwrap_or_else(|_| {
            Err(LiveError::Store(store::StoreError::Corrupt("an append was lost".into())).into())
        })
    }

    /// Stores a group of appends in one write transaction, answering each.
    fn store_group(&self, held: &mut Held, group: Vec<Queued>) {
        let Held {
            store,
            kept,
            last_seq,
            own,
            ..
        } = held;
        let mut answers: Vec<Option<Answer>> = (0..group.len()).map(|_| None).collect();
        // The records of people whose events were accepted earlier in this group, with them.
        let mut touched: std::collections::HashMap<domain::NhsNumber, flow::Person> =
            std::collections::HashMap::new();
        let mut accepted: Vec<(domain::Event, String)> = Vec::new();
        // The ids of the events accepted earlier in this group, with their digests.
        let mut group_ids: HashMap<Text, ContentDigest> = HashMap::new();
        let mut audit: Vec<store::AuditEntry> = Vec::new();
        let mut caught = CatchUp {
            last_seq: *last_seq,
            ..CatchUp::default()
        };
        let mut opened = false;
        let checked: std::collections::HashSet<domain::NhsNumber> = group
            .iter()
            .filter_map(|q| q.check.as_ref().map(|c| c.0))
            .collect();
        let written = store.write(&mut |w| {
            let stored_orgs = w.orgs()?;
            // What other writers stored since the last look.
            caught.fold(w, &stored_orgs, kept, own)?;
            let LiveState {
                validator, people, ..
            } = kept.live.as_mut().expect("the live log folds its state");
            validator.begin();
            opened = true;
            let mut events = Vec::new();
            accepted.clear();
            touched.clear();
            group_ids.clear();
            audit.clear();
            for (k, q) in group.iter().enumerate() {
                if let Some((nhs, check)) = &q.check {
                    let stored;
                    let record = match touched.get(nhs) {
                        Some(p) => Some(p),
                        None => {
                            stored = people.record(*nhs, w, &stored_orgs).map_err(damaged)?;
                            stored.as_deref()
                        }
                    };
                    if let Err(r) = check(record) {
                        answers[k] = Some(Answer::Refused(r));
                        continue;
                    }
                }
                // Lines are parsed against the register; parsed again if another writer
                // changed it meanwhile.
                let reparsed;
                let lines = if *q.orgs != stored_orgs {
                    match parse_lines(&q.text, &stored_orgs) {
                        Ok(l) => {
                            reparsed = l;
                            &reparsed
                        }
                        Err(e) => {
                            answers[k] = Some(Answer::Invalid(e));
                            continue;
                        }
                    }
                } else {
                    &q.lines
                };
                validator.begin();
                let checked_lines = check_lines(validator, w, lines, &group_ids)?;
                let Checked {
                    done,
                    mine,
                    mine_events,
                    mine_ids,
                    errors,
                } = checked_lines;
                if errors.is_empty() {
                    group_ids.extend(mine_ids);
                    validator.commit();
                    for (e, raw) in &mine {
                        // Only the records a later append of the group checks.
                        if let Some(nhs) = e.person.filter(|n| checked.contains(n)) {
                            let record = match touched.entry(nhs) {
                                Entry::Occupied(o) => o.into_mut(),
                                Entry::Vacant(v) => {
                                    let stored =
                                        people.record(nhs, w, &stored_orgs).map_err(damaged)?;
                                    v.insert(stored.map(|p| (*p).clone()).unwrap_or_default())
                                }
                            };
                            record.push(e, raw);
                        }
                    }
                    events.extend(mine_events);
                    accepted.extend(mine);
                    if let Some(record) = &q.record {
                        audit.push(record(&done));
                    }
                    answers[k] = Some(Answer::Done(done));
                } else {
                    validator.rollback();
                    answers[k] = Some(Answer::Invalid(errors));
                }
            }
            if events.is_empty() && audit.is_empty() {
                return Ok(None);
            }
            Ok(Some(Batch {
                events,
                audit: std::mem::take(&mut audit),
                ..Batch::default()
            }))
        });
        match written {
            Ok(_) => {
                if opened {
                    held.live_mut().validator.commit();
                }
                held.apply(caught);
                if !accepted.is_empty() {
                    for (e, raw) in &accepted {
                        held.kept.push_checked(e, raw);
                        held.own.insert(e.id.clone());
                    }
                    held.version += 1;
                    if let Some(k) = self.keeper.get() {
                        k.appended(accepted.len() as u64, held.kept.events());
                    }
                }
                self.version
                    .store(held.version, std::sync::atomic::Ordering::Release);
                // The next catch-up reads these events back from the store: their ids are in
                // `own` until then, so they are not folded in twice.
                for (q, a) in group.into_iter().zip(answers) {
                    let a = match a.unwrap_or(Answer::Invalid(Vec::new())) {
                        Answer::Done(d) => Ok(d),
                        Answer::Invalid(e) => Err(AppendError::Invalid(e)),
                        Answer::Refused(r) => Err(AppendError::Refused(r)),
                    };
                    let _ = q.reply.send(a);
                }
            }
            Err(e) => {
                // Nothing was stored: forget the tentative checks. What was caught up from
                // other writers stays (it is stored).
                if opened {
                    held.live_mut().validator.rollback();
                }
                held.apply(caught);
                self.version
                    .store(held.version, std::sync::atomic::Ordering::Release);
                let message = e.to_string();
                let mut e = Some(e);
                for q in group {
                    let err = match e.take() {
                        Some(e) => LiveError::Store(e),
                        None => LiveError::Store(store::StoreError::Io(std::io::Error::other(
                            message.clone(),
                        ))),
                    };
                    let _ = q.reply.send(Err(err.into()));
                }
            }
        }
    }
}
