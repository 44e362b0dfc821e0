//! What a running service holds of a stored log beside its indicators' facts: the log's rules
//! (the [`Validator`], every event id and lifecycle), every person's facts ([`People`]) and
//! when the events happened ([`Span`]). Kept with the facts in the store
//! ([`crate::stored_facts`]), so a service starts from them and the events stored after them
//! instead of reading the whole log.

use crate::{People, Span};
use journey_log::bytes::{Damaged, In, Out};
use journey_log::Validator;

/// The live log's state of the events folded in.
pub struct LiveState {
    pub validator: Validator,
    pub people: People,
    pub span: Span,
}

impl Default for LiveState {
    fn default() -> Self {
        LiveState {
            // Ids are the store's to check (its unique index), so memory follows people and
            // lifecycles, not events.
            validator: Validator::deferring_ids(0),
            people: People::default(),
            span: Span::default(),
        }
    }
}

impl LiveState {
    /// Writes the state; `None` (nothing written) while the validator holds an error or a
    /// tentative check. The validator's state and the people's are each length-prefixed, so
    /// they are read side by side.
    pub(crate) fn put(&self, o: &mut Out) -> Option<()> {
        o.nested(|o| self.validator.write_to(o))?;
        o.nested(|o| {
            self.people.write_to(o);
            Some(())
        })?;
        self.span.put(o);
        Some(())
    }

    /// The state [`put`](Self::put) wrote, all of `bytes`.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<LiveState, Damaged> {
        let mut i = In(bytes);
        let rules = i.bytes()?;
        let people = i.bytes()?;
        let span = Span::get(&mut i)?;
        i.end()?;
        let (validator, people) = std::thread::scope(|scope| {
            let rules = scope.spawn(|| Validator::from_bytes(rules));
            let people = read_all(people, People::read_from);
            let rules = rules
                .join()
                .unwrap_or_else(|_| Err(Damaged("a reader failed".into())));
            (rules, people)
        });
        Ok(LiveState {
            validator: validator?,
            people: people?,
            span,
        })
    }
}

/// What `get` reads of all of `bytes`.
fn read_all<T>(
    bytes: &[u8],
    get: impl FnOnce(&mut In<'_>) -> Result<T, Damaged>,
) -> Result<T, Damaged> {
    let mut i = In(bytes);
    let t = get(&mut i)?;
    i.end()?;
    Ok(t)
}
