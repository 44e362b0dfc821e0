//! The indicators' facts kept in the store ([`store::FactsSnapshot`]), so that a reader of the
//! store (`joinedup metrics --db`) folds only the events stored after them instead of parsing
//! the whole log; with them, the live log's state of the same events ([`LiveState`]), so that
//! a service (`joinedup serve`) starts from it the same way.
//!
//! What is kept: the open facts ([`JourneyFacts::to_snapshot`], which fold on exactly as if
//! never written), the survey `metrics` warns from ([`Survey::to_bytes`]) and, when folded, the
//! live state (its own length first, so a reader of the facts alone skips it), framed by a
//! magic number and a checksum (XXH3-128) of the whole; [`FORMAT`] names the framing and the
//! facts' version. Who writes them: an `import` ([`ImportFold`], in the import's own
//! transaction, folded from the whole log it checks anyway), `serve --demo` as it fills a
//! store, and [`refresh`] (a service after its appends, when the tail outgrows
//! [`refresh_due`]).
//!
//! Never served wrong: facts of another format, cut short, altered (the checksum), or whose
//! count of events is not the store's count up to the event they cover are ignored, and the
//! whole log is read instead (and the next writer replaces them). Events are never updated or
//! deleted (the store refuses it), so facts that covered an event cover it for good; a line
//! damaged behind the store's back is found by reading the whole log (`--no-cache`, `import`),
//! not by a reader of the facts.

use crate::LiveState;
use domain::{Event, OrgRegister, Zone};
use indicators::{JourneyFacts, Survey};
use journey_log::bytes::{In, Out};
use journey_log::{parse_line, Loc, ParsedEvent, Verdict};
use store::{Batch, Covers, JourneyStore, NewFacts, StoreError, StoreRead};

/// The framing's version.
const LAYOUT: u32 = 4;
const MAGIC: &[u8; 8] = b"JUSTORED";

/// The format of the kept bytes: the framing's version, and the facts'
/// ([`indicators::SNAPSHOT_VERSION`]).
pub const FORMAT: u32 = (LAYOUT << 16) | indicators::SNAPSHOT_VERSION;

/// Where an event of the store is, for the survey's warnings.
const PLACE: &str = "in the store";

/// The facts and survey of a stored log, folded in import order, and the live state of the
/// same events when it is folded too.
pub struct StoredFacts {
    pub facts: JourneyFacts,
    /// Zone-free: what it gathers is in UTC hours (a reader merges it into its own).
    pub survey: Survey,
    /// `None`: not folded (a reader of the facts alone), or not kept.
    pub live: Option<LiveState>,
}

impl Default for StoredFacts {
    fn default() -> Self {
        StoredFacts {
            facts: JourneyFacts::new(),
            survey: Survey::new(Zone::default()),
            live: None,
        }
    }
}

/// What of the kept bytes a reader needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The facts and survey (`metrics --db`).
    Facts,
    /// The live state too (a service).
    Live,
}

/// The line number the validator gives a stored event: its sequence number.
pub fn line_of(seq: i64) -> Loc {
    Loc {
        file: u32::MAX,
        line: u32::try_from(seq).unwrap_or(u32::MAX),
    }
}

impl StoredFacts {
    /// Facts that fold the live state too.
    pub fn with_live() -> Self {
        StoredFacts {
            live: Some(LiveState::default()),
            ..StoredFacts::default()
        }
    }

    /// Folds one valid event in (the next in import order) into the facts and survey (not
    /// the live state: see [`push_stored`](Self::push_stored)).
    pub fn push(&mut self, e: &Event) {
        // Its place in the log's order (the survey's first unknown kind is the earliest).
        let order = self.facts.events() + 1;
        self.survey.see(e, order, || PLACE.into());
        self.facts.push(e);
    }

    /// Folds the event of a stored line (`raw`) at `loc`: with the live state, checked by
    /// its validator first and folded only if new (the verdict is returned); otherwise
    /// folded.
    pub fn push_stored(&mut self, loc: Loc, p: &ParsedEvent, raw: &str) -> Verdict {
        if let Some(live) = &mut self.live {
            let verdict = live.validator.check(loc, p);
            if !matches!(verdict, Verdict::New(_)) {
                return verdict;
            }
            live.people.push(&p.event, raw);
            live.span.include(p.event.at);
        }
        self.push(&p.event);
        Verdict::New(None)
    }

    /// Folds an event the live state's validator has already taken (an append's).
    pub(crate) fn push_checked(&mut self, e: &Event, raw: &str) {
        if let Some(live) = &mut self.live {
            live.people.push(e, raw);
            live.span.include(e.at);
        }
        self.push(e);
    }

    /// Events folded.
    pub fn events(&self) -> u64 {
        self.facts.events()
    }

    /// The facts as the store keeps them ([`FORMAT`]); `None` only for facts not folded by
    /// [`push`](Self::push) (see [`JourneyFacts::to_snapshot`]). The live state is left out
    /// while its validator holds an error or a tentative check.
    pub fn encode(&self) -> Option<Vec<u8>> {
        let survey = self.survey.to_bytes();
        let facts = self.facts.to_snapshot()?;
        let mut o = Out(Vec::with_capacity(
            MAGIC.len() + 24 + survey.len() + facts.len() + 16,
        ));
        o.0.extend_from_slice(MAGIC);
        o.bytes(&survey);
        o.bytes(&facts);
        o.u8(1);
        let live = self.live.as_ref();
        if live.and_then(|l| o.nested(|o| l.put(o))).is_none() {
            // None folded, or not at rest: the flag says so.
            o.0.pop();
            o.u8(0);
        }
        let mut out = o.0;
        let sum = xxhash_rust::xxh3::xxh3_128(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Some(out)
    }

    /// What `want` needs of kept bytes of `format`, or why they cannot be used.
    pub fn decode(format: u32, bytes: &[u8], want: Want) -> Result<StoredFacts, Unusable> {
        if format != FORMAT {
            return Err(Unusable::Format(format));
        }
        let Some((body, sum)) = bytes.split_last_chunk::<16>() else {
            return Err(Unusable::Damaged("too short".into()));
        };
        if !body.starts_with(MAGIC) {
            return Err(Unusable::Damaged("not facts kept by joinedup".into()));
        }
        if xxhash_rust::xxh3::xxh3_128(body) != u128::from_le_bytes(*sum) {
            return Err(Unusable::Damaged(
                "the checksum does not match (cut short or altered)".into(),
            ));
        }
        let damaged = |e: journey_log::bytes::Damaged| Unusable::Damaged(e.0);
        let mut i = In(&body[MAGIC.len()..]);
        let survey = i.bytes().map_err(damaged)?;
        let facts = i.bytes().map_err(damaged)?;
        let kept_live = i.u8().map_err(damaged)?;
        let live = match (kept_live, want) {
            (0, Want::Live) => return Err(Unusable::NoLiveState),
            (0, Want::Facts) => None,
            (1, Want::Facts) => {
                i.bytes().map_err(damaged)?;
                None
            }
            (1, Want::Live) => Some(i.bytes().map_err(damaged)?),
            _ => return Err(Unusable::Damaged("the live state's flag".into())),
        };
        i.end().map_err(damaged)?;
        // The facts and the live state are read side by side (the live state's two parts too:
        // see `LiveState::from_bytes`): a service's start waits for the longest, not for all.
        let (facts, live) = std::thread::scope(|scope| {
            let live = live.map(|bytes| scope.spawn(move || LiveState::from_bytes(bytes)));
            let facts = Survey::from_bytes(survey, Zone::default(), |_| PLACE.into())
                .ok_or_else(|| Unusable::Damaged("the survey".into()))
                .and_then(|survey| {
                    JourneyFacts::from_snapshot(facts)
                        .map(|facts| (survey, facts))
                        .map_err(|e| Unusable::Damaged(e.to_string()))
                });
            let live = live
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(journey_log::bytes::Damaged("a reader failed".into()))
                    })
                })
                .transpose()
                .map_err(damaged);
            (facts, live)
        });
        let ((survey, facts), live) = (facts?, live?);
        Ok(StoredFacts {
            facts,
            survey,
            live,
        })
    }
}

/// Why kept facts were not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("not asked for")]
    NotAsked,
    #[error("none kept")]
    Absent,
    #[error("of another format ({0:#x}, this joinedup reads {FORMAT:#x})")]
    Format(u32),
    #[error("damaged: {0}")]
    Damaged(String),
    #[error("they cover {kept} events, the store holds {stored} up to their last")]
    Count { kept: u64, stored: u64 },
    #[error("lines stored after them no longer parse or break the log's rules")]
    TailDamaged,
    #[error("they hold no state of the live log")]
    NoLiveState,
}

/// What [`read`] gives: the facts of every stored event.
pub struct Folded {
    pub facts: StoredFacts,
    /// The sequence number of the last event folded (0: none).
    pub last_seq: i64,
    /// Stored lines that no longer parse (the store is damaged; the facts are then not to be
    /// used).
    pub bad: u64,
    /// Events parsed and folded after the kept facts (all of them when none were used).
    pub parsed: u64,
    /// Why kept facts were not used (`None`: they were).
    pub unused: Option<Unusable>,
}

impl Folded {
    /// Stored events that break the log's rules (found only when the live state is folded).
    pub fn broken(&self) -> usize {
        self.facts
            .live
            .as_ref()
            .map_or(0, |l| l.validator.error_count())
    }
}

/// The facts of every event `held` stores (and the live state, as `want`s): the kept facts
/// and the events stored after them, or, when `use_kept` is false or they cannot be used,
/// every event. A damaged store (lines that no longer parse, or, for the live state, break
/// the log's rules) is always read whole, so its damage is counted as without kept facts.
pub fn read(
    held: &dyn StoreRead,
    orgs: &OrgRegister,
    use_kept: bool,
    want: Want,
) -> Result<Folded, StoreError> {
    let unused = if use_kept {
        match kept(held, want) {
            Ok((facts, covers)) => {
                let kept = facts.events();
                let mut folded = fold_after(held, orgs, facts, covers)?;
                // Every event stored is folded once: the kept facts are those of the events
                // up to the last they cover.
                let stored = held.event_count()?;
                if folded.bad > 0 || folded.broken() > 0 {
                    Unusable::TailDamaged
                } else if folded.facts.events() == stored {
                    folded.unused = None;
                    return Ok(folded);
                } else {
                    Unusable::Count {
                        kept,
                        stored: stored.saturating_sub(folded.parsed),
                    }
                }
            }
            Err(why) => why,
        }
    } else {
        Unusable::NotAsked
    };
    let start = match want {
        Want::Facts => StoredFacts::default(),
        Want::Live => StoredFacts::with_live(),
    };
    let mut folded = fold_after(held, orgs, start, 0)?;
    folded.unused = Some(unused);
    Ok(folded)
}

/// The kept facts and the sequence number they cover, or why they cannot be used.
fn kept(held: &dyn StoreRead, want: Want) -> Result<(StoredFacts, i64), Unusable> {
    let snapshot = match held.facts_snapshot() {
        Ok(Some(s)) => s,
        Ok(None) => return Err(Unusable::Absent),
        Err(e) => return Err(Unusable::Damaged(e.to_string())),
    };
    let facts = StoredFacts::decode(snapshot.format, &snapshot.bytes, want)?;
    Ok((facts, snapshot.covers))
}

/// Folds the events stored after `after` into `facts`.
pub(crate) fn fold_after(
    held: &dyn StoreRead,
    orgs: &OrgRegister,
    mut facts: StoredFacts,
    after: i64,
) -> Result<Folded, StoreError> {
    let (mut last_seq, mut bad, mut parsed) = (after, 0u64, 0u64);
    held.scan_since(after, &mut |seq, raw| {
        last_seq = seq;
        match parse_line(raw, orgs) {
            Ok(p) => {
                parsed += 1;
                facts.push_stored(line_of(seq), &p, raw);
            }
            Err(_) => bad += 1,
        }
    })?;
    Ok(Folded {
        facts,
        last_seq,
        bad,
        parsed,
        unused: Some(Unusable::NotAsked),
    })
}

/// Whether kept facts with `tail` events stored after them, of a log of `events`, are to be
/// brought up to date: when the tail holds at least [`REFRESH_MIN_TAIL`] events and a
/// sixteenth of the log. A reader parses the tail (about a microsecond an event), a refresh
/// encodes and writes the whole facts once: so a reader never parses more than about a
/// sixteenth of the log, and the refreshes' cost grows with the log, not with the appends.
pub fn refresh_due(tail: u64, events: u64) -> bool {
    tail >= REFRESH_MIN_TAIL.max(events / 16)
}

/// The smallest tail worth a refresh (about 10 ms for a reader to parse).
pub const REFRESH_MIN_TAIL: u64 = 10_000;

/// What [`refresh`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// The kept facts were recent enough (`tail` events after them).
    Fresh { tail: u64 },
    /// New facts were stored, covering every event up to `covers`.
    Stored { covers: i64, events: u64 },
}

/// Brings the facts kept in `store` up to date when [`refresh_due`] (or always, with
/// `force`): reads them and the events after them in one read (not blocking writers), then
/// stores the new facts in a write of their own (holding the write lock only to store them),
/// never over newer ones. A store whose lines no longer parse is left as it is.
pub fn refresh(store: &mut dyn JourneyStore, force: bool) -> Result<Refreshed, StoreError> {
    let mut result = None;
    store.read(&mut |held| {
        let orgs = held.orgs()?;
        let folded = read(held, &orgs, true, Want::Live)?;
        result = Some(folded);
        Ok(())
    })?;
    let folded = result.expect("the read ran");
    if folded.bad > 0 || folded.broken() > 0 {
        return Err(StoreError::Corrupt(format!(
            "{} stored events no longer parse, {} break the log's rules",
            folded.bad,
            folded.broken()
        )));
    }
    let events = folded.facts.events();
    let bytes = match folded.facts.encode() {
        Some(b) if force || folded.unused.is_some() || refresh_due(folded.parsed, events) => b,
        _ => {
            return Ok(Refreshed::Fresh {
                tail: folded.parsed,
            })
        }
    };
    let mut batch = Some(Batch {
        facts: Some(NewFacts {
            covers: Covers::Through(folded.last_seq),
            format: FORMAT,
            bytes,
        }),
        ..Batch::default()
    });
    store.write(&mut |_| Ok(batch.take()))?;
    Ok(Refreshed::Stored {
        covers: folded.last_seq,
        events,
    })
}

/// What an import folds ([`store::import_into_folding`]): the facts and the live state kept
/// with its batch, every event checked by a validator of the fold's own (the import's checks
/// decide; this one numbers the events by their place in the store, as a service does).
pub struct ImportFold {
    facts: StoredFacts,
    seen: i64,
}

impl Default for ImportFold {
    fn default() -> Self {
        ImportFold {
            facts: StoredFacts::with_live(),
            seen: 0,
        }
    }
}

impl ImportFold {
    /// A fresh fold, as [`store::MakeFold`] makes one.
    pub fn boxed() -> Box<dyn store::Fold + Send> {
        Box::new(ImportFold::default())
    }
}

impl store::Fold for ImportFold {
    fn push(&mut self, p: &ParsedEvent, raw: &str) {
        self.seen += 1;
        self.facts.push_stored(line_of(self.seen), p, raw);
    }
    fn finish(&mut self) -> Option<(u32, Vec<u8>)> {
        Some((FORMAT, self.facts.encode()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> StoredFacts {
        let mut f = StoredFacts::default();
        for (i, kind) in ["death", "note_kept"].iter().enumerate() {
            let line = format!(
                r#"{{"id":"e{i}","kind":"{kind}","at":"2017-02-0{}T10:00:00Z","person":"9434765919"}}"#,
                i + 1
            );
            f.push(&parse_line(&line, &OrgRegister::default()).unwrap().event);
        }
        f
    }

    #[test]
    fn kept_facts_read_back_whole_or_not_at_all() {
        let f = facts();
        let bytes = f.encode().unwrap();
        let back = StoredFacts::decode(FORMAT, &bytes, Want::Facts).unwrap();
        assert_eq!(back.events(), 2);
        assert_eq!(back.encode().unwrap(), bytes);
        assert_eq!(back.survey.unknown()["note_kept"].first, PLACE);
        assert_eq!(
            StoredFacts::decode(FORMAT + 1, &bytes, Want::Facts).err(),
            Some(Unusable::Format(FORMAT + 1))
        );
        for n in 0..bytes.len() {
            assert!(
                StoredFacts::decode(FORMAT, &bytes[..n], Want::Facts).is_err(),
                "{n}"
            );
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(StoredFacts::decode(FORMAT, &b, Want::Facts).is_err(), "{i}");
        }
    }
}
