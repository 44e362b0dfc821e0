//! Checking a log's events in partitions by person, each partition with a validator of its own
//! and on its own core.
//!
//! Every rule of [`crate::validate`] concerns events that share a key: an event id (duplicates),
//! a lifecycle id (steps once, in order, references to an opener), a person (deaths, residence
//! ties) or a spell (delay ties). An event goes to the partition of its person ([`part_of`]);
//! each partition is checked in file order. When no event id and no lifecycle id is seen in
//! two partitions, every key's events are all in one partition, in file order, so each
//! partition finds exactly the errors one validator would find among its events, and the
//! verdict of every event is the same: merged in file order (errors of one line stay together,
//! in the order one validator gives them), they are the errors of one validator. The count of
//! errors after each block is the same too, so a read stops (at [`crate::MAX_ERRORS`]) where
//! one validator would stop it.
//!
//! Ids that span partitions are possible in a valid log (a spell whose events name two people)
//! and in an invalid one (one event id used for two people's events): [`Parts::finish`] checks
//! for them, and the read is then done again with one validator. Lifecycle indexes
//! ([`crate::Verdict::New`]) are dense per partition.
//!
//! The partitions may leave the duplicate rule to the end of the read ([`Ids::Deferred`]): each
//! writes its events' ids down in an [`IdLedger`] instead of keeping them in a table, and
//! [`Parts::finish`] says whether any repeats (see the `id_ledger` module).

use crate::id_ledger::{any_repeated, IdLedger};
use crate::read::{LineRef, LogLine, ParsedBlock, ReadSummary};
use crate::validate::{Loc, RuleError, Validator, Verdict};
use crate::wire::{DigestWhen, ParsedEvent};
use rayon::prelude::*;

/// The partition (of `parts`) of an event: by its person, or by its id for an event with no
/// person (an unknown kind, which only the duplicate rule concerns).
pub(crate) fn part_of(p: &ParsedEvent, parts: usize) -> usize {
    if parts <= 1 {
        return 0;
    }
    let key = match p.event.person {
        Some(n) => n.as_u64(),
        None => p.id_hash,
    };
    // The high bits of a multiplicative hash: NHS numbers are close to sequential.
    let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (((h >> 32) * parts as u64) >> 32) as usize
}

/// How many events ahead of its check an event's table entries are brought into the cache
/// ([`Validator::prefetch`]): enough for a miss to memory to be over by the time the check
/// reaches it.
const PREFETCH_AHEAD: usize = 8;

/// What checks the events of a read, block by block, and hands them on.
pub(crate) trait Checker {
    /// The partitions the parser sorts events into.
    fn parts(&self) -> usize;
    /// When the parsers digest each event's content: as they parse, unless the checks
    /// compare no contents.
    fn digest_when(&self) -> DigestWhen;
    /// Errors of the rules found so far.
    fn error_count(&self) -> usize;
    /// Checks the events of one block of file `file`, counting them into `summary`.
    fn check(&mut self, file: u32, block: &mut ParsedBlock, summary: &mut ReadSummary);
}

/// Checks the events of `block` with `validator` in line order, handing each new one to
/// `sink` and leaving the block empty: returns how many were new and how many repeated an
/// event already seen.
fn check_all(
    validator: &mut Validator,
    file: u32,
    block: &mut ParsedBlock,
    mut sink: impl FnMut(LogLine),
) -> (u64, u64) {
    let (mut new, mut duplicates) = (0, 0);
    // Drained, not consumed: the parser fills the same vector again.
    for (line, raw, result) in block.lines.drain(..) {
        let Ok(parsed) = result else {
            continue;
        };
        let loc = Loc { file, line };
        match validator.check(loc, &parsed) {
            Verdict::New(lifecycle_index) => {
                new += 1;
                sink(LogLine {
                    loc,
                    lifecycle_index,
                    parsed,
                    raw,
                });
            }
            Verdict::Duplicate => duplicates += 1,
            Verdict::Rejected => {}
        }
    }
    (new, duplicates)
}

/// Checks the events of one partition, `lines[i]` for each `i` of `part` (in line order), with
/// `validator`, lending each new one to `push` with `state`: returns how many were new and
/// how many repeated an event already seen. `ahead` is shown each event a few places before
/// its check, to bring what `push` will read of `state` into the cache (as
/// [`Validator::prefetch`] does for the validator's tables).
fn check_part<S>(
    (validator, ledger): (&mut Validator, &mut Option<IdLedger>),
    file: u32,
    (lines, part): (&[crate::read::ParsedLine], &[u32]),
    state: &mut S,
    ahead: impl Fn(&S, &ParsedEvent),
    push: impl Fn(&mut S, LineRef<'_>),
) -> (u64, u64) {
    let event = |k: usize| match part.get(k).map(|&i| &lines[i as usize]) {
        Some((line, _, Ok(parsed))) => Some((*line, parsed)),
        _ => None,
    };
    let (mut new, mut duplicates) = (0, 0);
    for k in 0..part.len() {
        if let Some((_, next)) = event(k + PREFETCH_AHEAD) {
            validator.prefetch(next);
            ahead(state, next);
        }
        let Some((line, parsed)) = event(k) else {
            continue;
        };
        if let Some(ledger) = ledger {
            ledger.push(parsed.id_hash);
        }
        let loc = Loc { file, line };
        match validator.check(loc, parsed) {
            Verdict::New(lifecycle_index) => {
                new += 1;
                push(
                    state,
                    LineRef {
                        loc,
                        lifecycle_index,
                        parsed,
                    },
                );
            }
            Verdict::Duplicate => duplicates += 1,
            Verdict::Rejected => {}
        }
    }
    (new, duplicates)
}

/// One validator, one sink, in file order.
pub(crate) struct Single<'s, F> {
    validator: Validator,
    sink: &'s mut F,
}

impl<'s, F: FnMut(LogLine) + Send> Single<'s, F> {
    pub(crate) fn new(validator: Validator, sink: &'s mut F) -> Self {
        Single { validator, sink }
    }

    /// The errors of the rules, in file order (references not judged after a `stopped` read:
    /// their opener may be in what was not read).
    pub(crate) fn finish(self, stopped: bool) -> Vec<RuleError> {
        if stopped {
            self.validator.finish_seen()
        } else {
            self.validator.finish()
        }
    }
}

impl<F: FnMut(LogLine) + Send> Checker for Single<'_, F> {
    fn parts(&self) -> usize {
        1
    }

    fn digest_when(&self) -> DigestWhen {
        // The validator keeps ids, and the sink may store events with their digests.
        DigestWhen::Parsing
    }

    fn error_count(&self) -> usize {
        self.validator.error_count()
    }

    fn check(&mut self, file: u32, block: &mut ParsedBlock, summary: &mut ReadSummary) {
        let (new, dup) = check_all(&mut self.validator, file, block, &mut *self.sink);
        summary.events += new;
        summary.duplicates += dup;
    }
}

/// How the partitions check the duplicate rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ids {
    /// Each partition's validator keeps the ids it has seen (about 40 bytes an event).
    Kept,
    /// The ids are written down ([`IdLedger`]) and checked for a repeat once the read is over.
    Deferred,
}

/// One partition: its validator, the caller's state, and where its ids are written down.
struct Part<S> {
    validator: Validator,
    state: S,
    ledger: Option<IdLedger>,
}

/// A validator and a state per partition, each partition checked on its own core.
pub(crate) struct Parts<'p, S, A, P> {
    parts: Vec<Part<S>>,
    ids: Ids,
    ahead: &'p A,
    push: &'p P,
}

/// How a partitioned check ended.
pub(crate) enum Finished<S> {
    /// The errors of the rules in file order, and the states: those of one exact validator.
    Done(Vec<RuleError>, Vec<S>),
    /// An event id or a lifecycle id spans partitions: the partitions' findings are not those
    /// of one validator.
    Spanning,
    /// With the duplicate rule deferred, an id fingerprint was seen twice (or the ids could
    /// not be read back): the rule must be checked exactly.
    IdsRepeat,
}

impl<'p, S, A, P> Parts<'p, S, A, P>
where
    S: Send,
    A: Fn(&S, &ParsedEvent) + Sync,
    P: Fn(&mut S, LineRef<'_>) + Sync,
{
    /// `parts` partitions of a log of about `events` events, each event shown to `ahead` a
    /// few places before it is checked and handed to `push`; the duplicate rule checked as
    /// `ids` says.
    pub(crate) fn new(
        parts: usize,
        events: usize,
        ids: Ids,
        init: &impl Fn() -> S,
        ahead: &'p A,
        push: &'p P,
    ) -> Self {
        let parts = parts.max(1);
        Parts {
            parts: (0..parts)
                .map(|_| match ids {
                    Ids::Kept => Part {
                        validator: Validator::with_capacity(events / parts),
                        state: init(),
                        ledger: None,
                    },
                    Ids::Deferred => Part {
                        validator: Validator::deferring_ids(events / parts),
                        state: init(),
                        ledger: Some(IdLedger::default()),
                    },
                })
                .collect(),
            ids,
            ahead,
            push,
        }
    }

    /// The errors of the rules in file order, and the states, when no id spans partitions
    /// and (deferred) no id repeats.
    pub(crate) fn finish(self, stopped: bool) -> Finished<S> {
        let validators: Vec<&Validator> = self.parts.iter().map(|p| &p.validator).collect();
        if !Validator::disjoint(&validators) {
            return Finished::Spanning;
        }
        let ledgers: Vec<&IdLedger> = self
            .parts
            .iter()
            .filter_map(|p| p.ledger.as_ref())
            .collect();
        if !ledgers.is_empty() && any_repeated(&ledgers) {
            return Finished::IdsRepeat;
        }
        let mut errors = Vec::new();
        let mut states = Vec::with_capacity(self.parts.len());
        for p in self.parts {
            let v = p.validator;
            errors.extend(if stopped { v.finish_seen() } else { v.finish() });
            states.push(p.state);
        }
        // Stable: the errors of one line (all from one partition) keep their order.
        errors.sort_by_key(|e| e.loc);
        Finished::Done(errors, states)
    }
}

impl<S, A, P> Checker for Parts<'_, S, A, P>
where
    S: Send,
    A: Fn(&S, &ParsedEvent) + Sync,
    P: Fn(&mut S, LineRef<'_>) + Sync,
{
    fn parts(&self) -> usize {
        self.parts.len()
    }

    fn digest_when(&self) -> DigestWhen {
        // Deferred, the partitions compare ids only: the digests are needed only if an id
        // repeats, and the log is then read again with the ids kept.
        match self.ids {
            Ids::Kept => DigestWhen::Parsing,
            Ids::Deferred => DigestWhen::Asked,
        }
    }

    fn error_count(&self) -> usize {
        self.parts.iter().map(|p| p.validator.error_count()).sum()
    }

    fn check(&mut self, file: u32, block: &mut ParsedBlock, summary: &mut ReadSummary) {
        let (ahead, push) = (self.ahead, self.push);
        let lines = &block.lines;
        let counts: Vec<(u64, u64)> = self
            .parts
            .par_iter_mut()
            .zip(block.parts.par_iter())
            .with_max_len(1)
            .map(|(p, part)| {
                let checks = (&mut p.validator, &mut p.ledger);
                check_part(checks, file, (lines, part), &mut p.state, ahead, push)
            })
            .collect();
        for (new, dup) in counts {
            summary.events += new;
            summary.duplicates += dup;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_spread_over_the_partitions() {
        let orgs = domain::OrgRegister::default();
        let mut seen = [0u32; 3];
        for k in 0..3000u32 {
            let Some(n) = domain::NhsNumber::from_stem(999_000_000 + k * 7) else {
                continue;
            };
            let line = format!(
                r#"{{"id":"e{k}","kind":"death","at":"2017-02-01T00:00:00Z","person":"{n}"}}"#
            );
            let p = crate::parse_line(&line, &orgs).unwrap();
            seen[part_of(&p, 3)] += 1;
            assert_eq!(part_of(&p, 1), 0);
        }
        assert!(seen.iter().all(|&n| n > 600), "{seen:?}");
    }
}
