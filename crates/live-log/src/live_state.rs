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
    /// tentative check.
    pub(crate) fn put(&self, o: &mut Out) -> Option<()> {
        let rules = self.validator.to_bytes()?;
        o.bytes(&rules);
        self.people.write_to(o);
        self.span.put(o);
        Some(())
    }

    pub(crate) fn get(i: &mut In<'_>) -> Result<LiveState, Damaged> {
        let validator = Validator::from_bytes(i.bytes()?)?;
        let people = People::read_from(i)?;
        let span = Span::get(i)?;
        Ok(LiveState {
            validator,
            people,
            span,
        })
    }
}
