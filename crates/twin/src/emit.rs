//! Turning what happens in the model into journey-log events.

use domain::codes::DelayReason;
use domain::{Event, EventBody, Instant, NhsNumber, Text};

/// Who an event is about, with the model's own dense indexes: the person, and the spell,
/// attendance, assessment, package or review whose step it is.
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub nhs: NhsNumber,
    pub person: u32,
    pub lifecycle: Option<u32>,
}

/// Where a run's events go: the indicator engine, a file, or both.
pub trait Sink {
    fn event(&mut self, e: &Event, who: Who);
}

impl<F: FnMut(&Event, Who)> Sink for F {
    fn event(&mut self, e: &Event, who: Who) {
        self(e, who)
    }
}

const SECOND: i64 = 1_000_000_000;

/// The latest instant a run emits: a thousand days short of the last an instant holds (in
/// 2262), so that follow-up windows added to it still fit.
pub const LAST_INSTANT: i64 = i64::MAX - 1000 * domain::time::NANOS_PER_DAY;

/// Stamps events with ids and instants and hands them to a sink.
pub struct Emitter<S> {
    pub sink: S,
    /// The instant of model time 0.
    origin: i64,
    /// A prefix that keeps ids unique across replications.
    prefix: String,
    n: u64,
    /// Whether ids are written out: without a log, the indicator engine takes the model's
    /// dense indexes ([`Who`]) and no id is read, so none is built (see [`Emitter::without_ids`]).
    ids: bool,
    pub events: u64,
}

impl<S: Sink> Emitter<S> {
    pub fn new(sink: S, origin: Instant, replication: u64) -> Self {
        Emitter {
            sink,
            origin: origin.0,
            prefix: format!("r{replication}-"),
            n: 0,
            ids: true,
            events: 0,
        }
    }

    /// An emitter whose ids (of events and lifecycles) are all empty, for a sink that reads
    /// none of them: formatting them was a tenth of a replication's time. The count behind
    /// them still advances, so anything else a run does is unchanged.
    pub fn without_ids(mut self) -> Self {
        self.ids = false;
        self
    }

    /// The instant of model time `t` (days), to the second. A time past what an instant holds
    /// (a far-off completion drawn from a long-tailed distribution) stops at [`LAST_INSTANT`].
    pub fn instant(&self, t: f64) -> Instant {
        let seconds = (t * 86_400.0).round() as i64;
        let ns = self.origin.saturating_add(seconds.saturating_mul(SECOND));
        Instant(ns.min(LAST_INSTANT))
    }

    /// A new lifecycle id: `kind` is a letter (`s` spell, `a` attendance ...); empty
    /// [`without_ids`](Self::without_ids).
    pub fn id(&mut self, kind: char) -> Text {
        self.n += 1;
        if !self.ids {
            return Text::default();
        }
        let mut t = Text::from(self.prefix.as_str());
        t.push(kind);
        // Digits by hand: this runs for every event, and `format!` costs more than the rest.
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = self.n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        t.push_str(std::str::from_utf8(&digits[i..]).expect("ASCII digits"));
        t
    }

    /// Ids start with `prefix` (after the replication's): a run from a recorded state keeps
    /// its own ids apart from the state's.
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix.push_str(prefix);
        self
    }

    /// Hands on an event of a recorded state as it was written (its id and instant kept).
    pub fn emit_original(&mut self, e: &Event, who: Who) {
        self.events += 1;
        self.sink.event(e, who);
    }

    pub fn emit(&mut self, t: f64, who: Who, body: EventBody) {
        self.emit_at(self.instant(t), who, body);
    }

    pub fn emit_at(&mut self, at: Instant, who: Who, body: EventBody) {
        let id = self.id('e');
        self.events += 1;
        self.sink.event(
            &Event {
                id,
                at,
                person: Some(who.nhs),
                body,
            },
            who,
        );
    }
}

/// The delay reasons of one spell: emits a reason only when it changes, never two at one second.
#[derive(Debug, Clone, Default)]
pub struct ReasonTrack {
    pub current: Option<DelayReason>,
    last_at: Option<Instant>,
}

impl ReasonTrack {
    /// A track whose reason `reason` was recorded at `at` (a stay of a recorded state).
    pub fn in_force(reason: DelayReason, at: Instant) -> Self {
        ReasonTrack {
            current: Some(reason),
            last_at: Some(at),
        }
    }

    /// The instant to record a new reason at (a second after the last one if they would tie),
    /// or `None` if the reason is already in force.
    pub fn next(&mut self, reason: DelayReason, at: Instant) -> Option<Instant> {
        if self.current == Some(reason) {
            return None;
        }
        let at = match self.last_at {
            Some(last) if at <= last => Instant(last.0 + SECOND),
            _ => at,
        };
        self.current = Some(reason);
        self.last_at = Some(at);
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_off_times_stop_at_the_last_instant() {
        let e = Emitter::new(|_: &Event, _: Who| {}, Instant(0), 0);
        assert_eq!(e.instant(1.5), Instant(129_600 * SECOND));
        // 10^9 days is far past 2262: without the limit this overflows.
        assert_eq!(e.instant(1e9), Instant(LAST_INSTANT));
        assert_eq!(e.instant(f64::MAX), Instant(LAST_INSTANT));
    }
}
