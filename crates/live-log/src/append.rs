//! Appending events to the live log: checked against the whole log, stored in one transaction.

use crate::{CatchUp, Held, LiveError, LiveLog};
use journey_log::{parse_line, Loc, ParsedEvent, Verdict, MAX_ERRORS};
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
    #[error(transparent)]
    Live(#[from] LiveError),
}

impl From<store::StoreError> for AppendError {
    fn from(e: store::StoreError) -> Self {
        AppendError::Live(LiveError::Store(e))
    }
}

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

impl LiveLog {
    /// Appends the events of `text` (JSON Lines): all of them, or none when any line breaks
    /// the format or the log's rules (checked against every stored event, as `import` does).
    /// An event already stored with the same content is a no-op.
    pub fn append(&self, text: &str) -> Result<Appended, AppendError> {
        let mut held = self.held.lock().expect("not poisoned");
        let held = &mut *held;
        // Parsed against the register as it is now; checked again under the lock if another
        // writer changed the register meanwhile.
        let orgs = held.orgs.clone();
        let lines = parse_lines(text, &orgs).map_err(AppendError::Invalid)?;
        let Held {
            store,
            validator,
            facts,
            orgs: held_orgs,
            last_seq,
            ..
        } = held;
        let mut outcome: Option<Result<Appended, Vec<LineError>>> = None;
        let mut accepted: Vec<(Option<u32>, domain::Event)> = Vec::new();
        let mut caught = CatchUp {
            last_seq: *last_seq,
            ..CatchUp::default()
        };
        let written = store.write(&mut |w| {
            let stored_orgs = w.orgs()?;
            // What other writers stored since the last look.
            caught.fold(w, &stored_orgs, validator, facts)?;
            let lines = if stored_orgs != *held_orgs {
                match parse_lines(text, &stored_orgs) {
                    Ok(l) => l,
                    Err(e) => {
                        outcome = Some(Err(e));
                        return Ok(None);
                    }
                }
            } else {
                lines.clone()
            };
            validator.begin();
            let mut done = Appended::default();
            let mut events = Vec::new();
            accepted.clear();
            for (n, p, raw) in lines {
                match validator.check(Loc { file: 0, line: n }, &p) {
                    Verdict::New(ix) => {
                        done.appended += 1;
                        let e = &p.event;
                        events.push(NewEvent {
                            id: e.id.to_string(),
                            kind: e.body.kind().to_string(),
                            at: e.at.0,
                            person: e.person.map(|p| p.digits()),
                            content_digest: p.content_digest,
                            raw,
                        });
                        accepted.push((ix, p.event));
                    }
                    Verdict::Duplicate => done.already_stored += 1,
                    Verdict::Rejected => {}
                }
            }
            let errors = validator.pending_errors();
            if !errors.is_empty() {
                validator.rollback();
                outcome = Some(Err(errors
                    .into_iter()
                    .map(|e| LineError {
                        line: Some(e.loc.line),
                        field: e.field.map(str::to_string),
                        message: e.message,
                    })
                    .collect()));
                return Ok(None);
            }
            outcome = Some(Ok(done));
            if events.is_empty() {
                validator.commit();
                return Ok(None);
            }
            Ok(Some(Batch {
                events,
                ..Batch::default()
            }))
        });
        match written {
            Ok(wrote) => {
                held.apply(caught);
                match outcome.expect("the write ran its decision") {
                    Err(errors) => Err(AppendError::Invalid(errors)),
                    Ok(done) => {
                        if wrote {
                            held.validator.commit();
                            for (ix, e) in &accepted {
                                held.facts.push_indexed(e, *ix);
                                held.span.include(e.at);
                            }
                            held.events += done.appended;
                            held.version += 1;
                            // The next catch-up reads these events back from the store: the
                            // validator knows them by then, so they come back as duplicates
                            // and are not folded in twice.
                        }
                        Ok(done)
                    }
                }
            }
            Err(e) => {
                // Nothing was stored: forget the tentative check. What was caught up from
                // other writers stays (it is stored).
                held.validator.rollback();
                held.apply(caught);
                Err(e.into())
            }
        }
    }
}
