//! The indicators' facts kept in the store ([`store::FactsSnapshot`]), so that a reader of the
//! store (`joinedup metrics --db`) folds only the events stored after them instead of parsing
//! the whole log.
//!
//! What is kept: the open facts ([`JourneyFacts::to_snapshot`], which fold on exactly as if
//! never written) and the survey `metrics` warns from ([`Survey::to_bytes`]), framed by a
//! magic number and a checksum (XXH3-128) of the whole; [`FORMAT`] names the framing and the
//! facts' version. Who writes them: an `import` ([`ImportFold`], in the import's own
//! transaction, folded from the whole log it checks anyway) and [`refresh`] (a service after its
//! appends, when the tail outgrows [`refresh_due`]).
//!
//! Never served wrong: facts of another format, cut short, altered (the checksum), or whose
//! count of events is not the store's count up to the event they cover are ignored, and the
//! whole log is read instead (and the next writer replaces them). Events are never updated or
//! deleted (the store refuses it), so facts that covered an event cover it for good; a line
//! damaged behind the store's back is found by reading the whole log (`--no-cache`, `import`,
//! `serve`), not by a reader of the facts.

use domain::{Event, OrgRegister, Zone};
use indicators::{JourneyFacts, Survey};
use journey_log::parse_line;
use store::{Batch, Covers, JourneyStore, NewFacts, StoreError, StoreRead};

/// The framing's version.
const LAYOUT: u32 = 1;
const MAGIC: &[u8; 8] = b"JUSTORED";

/// The format of the kept bytes: the framing's version, and the facts'
/// ([`indicators::SNAPSHOT_VERSION`]).
pub const FORMAT: u32 = (LAYOUT << 16) | indicators::SNAPSHOT_VERSION;

/// Where an event of the store is, for the survey's warnings.
const PLACE: &str = "in the store";

/// The facts and survey of a stored log, folded in import order.
#[derive(Clone)]
pub struct StoredFacts {
    pub facts: JourneyFacts,
    /// Zone-free: what it gathers is in UTC hours (a reader merges it into its own).
    pub survey: Survey,
}

impl Default for StoredFacts {
    fn default() -> Self {
        StoredFacts {
            facts: JourneyFacts::new(),
            survey: Survey::new(Zone::default()),
        }
    }
}

impl StoredFacts {
    /// Folds one valid event in (the next in import order).
    pub fn push(&mut self, e: &Event) {
        // Its place in the log's order (the survey's first unknown kind is the earliest).
        let order = self.facts.events() + 1;
        self.survey.see(e, order, || PLACE.into());
        self.facts.push(e);
    }

    /// Events folded.
    pub fn events(&self) -> u64 {
        self.facts.events()
    }

    /// The facts as the store keeps them ([`FORMAT`]); `None` only for facts not folded by
    /// [`push`](Self::push) (see [`JourneyFacts::to_snapshot`]).
    pub fn encode(&self) -> Option<Vec<u8>> {
        let survey = self.survey.to_bytes();
        let facts = self.facts.to_snapshot()?;
        let mut out = Vec::with_capacity(MAGIC.len() + 8 + survey.len() + facts.len() + 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(survey.len() as u64).to_le_bytes());
        out.extend_from_slice(&survey);
        out.extend_from_slice(&facts);
        let sum = xxhash_rust::xxh3::xxh3_128(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Some(out)
    }

    /// The facts of kept bytes of `format`, or why they cannot be used.
    pub fn decode(format: u32, bytes: &[u8]) -> Result<StoredFacts, Unusable> {
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
        let rest = &body[MAGIC.len()..];
        let (len, rest) = rest
            .split_first_chunk::<8>()
            .ok_or_else(|| Unusable::Damaged("too short".into()))?;
        let len = usize::try_from(u64::from_le_bytes(*len))
            .ok()
            .filter(|&n| n <= rest.len())
            .ok_or_else(|| Unusable::Damaged("the survey's length".into()))?;
        let (survey, facts) = rest.split_at(len);
        let survey = Survey::from_bytes(survey, Zone::default(), |_| PLACE.into())
            .ok_or_else(|| Unusable::Damaged("the survey".into()))?;
        let facts =
            JourneyFacts::from_snapshot(facts).map_err(|e| Unusable::Damaged(e.to_string()))?;
        Ok(StoredFacts { facts, survey })
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
    #[error("lines stored after them no longer parse")]
    TailDamaged,
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

/// The facts of every event `held` stores: the kept facts and the events stored after them,
/// or, when `use_kept` is false or they cannot be used, every event. A damaged store (lines
/// that no longer parse) is always read whole, so its damage is counted as without kept facts.
pub fn read(
    held: &dyn StoreRead,
    orgs: &OrgRegister,
    use_kept: bool,
) -> Result<Folded, StoreError> {
    let unused = if use_kept {
        match kept(held) {
            Ok((facts, covers)) => {
                let kept = facts.events();
                let mut folded = fold_after(held, orgs, facts, covers)?;
                // Every event stored is folded once: the kept facts are those of the events
                // up to the last they cover.
                let stored = held.event_count()?;
                if folded.bad > 0 {
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
    let mut folded = fold_after(held, orgs, StoredFacts::default(), 0)?;
    folded.unused = Some(unused);
    Ok(folded)
}

/// The kept facts and the sequence number they cover, or why they cannot be used.
fn kept(held: &dyn StoreRead) -> Result<(StoredFacts, i64), Unusable> {
    let snapshot = match held.facts_snapshot() {
        Ok(Some(s)) => s,
        Ok(None) => return Err(Unusable::Absent),
        Err(e) => return Err(Unusable::Damaged(e.to_string())),
    };
    let facts = StoredFacts::decode(snapshot.format, &snapshot.bytes)?;
    Ok((facts, snapshot.covers))
}

fn fold_after(
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
                facts.push(&p.event);
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
        let folded = read(held, &orgs, true)?;
        result = Some(folded);
        Ok(())
    })?;
    let folded = result.expect("the read ran");
    if folded.bad > 0 {
        return Err(StoreError::Corrupt(format!(
            "{} stored events no longer parse",
            folded.bad
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

/// What an import folds ([`store::import_into_folding`]): the facts kept with its batch.
#[derive(Default)]
pub struct ImportFold(StoredFacts);

impl ImportFold {
    /// A fresh fold, as [`store::MakeFold`] makes one.
    pub fn boxed() -> Box<dyn store::Fold + Send> {
        Box::new(ImportFold::default())
    }
}

impl store::Fold for ImportFold {
    fn push(&mut self, e: &Event) {
        self.0.push(e);
    }
    fn finish(&mut self) -> Option<(u32, Vec<u8>)> {
        Some((FORMAT, self.0.encode()?))
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
        let back = StoredFacts::decode(FORMAT, &bytes).unwrap();
        assert_eq!(back.events(), 2);
        assert_eq!(back.encode().unwrap(), bytes);
        assert_eq!(back.survey.unknown()["note_kept"].first, PLACE);
        assert_eq!(
            StoredFacts::decode(FORMAT + 1, &bytes).err(),
            Some(Unusable::Format(FORMAT + 1))
        );
        for n in 0..bytes.len() {
            assert!(StoredFacts::decode(FORMAT, &bytes[..n]).is_err(), "{n}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(StoredFacts::decode(FORMAT, &b).is_err(), "{i}");
        }
    }
}
