//! The [`Validator`]'s state as bytes, so that a service can go on checking a stored log from
//! the state kept beside it instead of reading the whole log again.
//!
//! Kept: every event id (fingerprint and content key) when the validator checks ids, each
//! lifecycle's state and waiting steps, deaths, residence and delay instants. Only a state at
//! rest is written (no error found, no tentative check open). Reading checks every count and
//! index against what was read, so damaged bytes are an error, never a panic; the keys are
//! written in order, so one state gives one encoding.

use crate::bytes::{Damaged, In, Out};
use crate::validate::{Life, Table, Validator, Waiting};
use crate::Loc;
use domain::KNOWN_KINDS;

/// The encoding's version (raised when the validator's state changes).
const VERSION: u8 = 1;

fn bad(what: &str) -> Damaged {
    Damaged(format!("the validator's state: {what}"))
}

fn sorted<K: Copy + Ord, V>(map: impl Iterator<Item = (K, V)>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = map.collect();
    v.sort_unstable_by_key(|(k, _)| *k);
    v
}

fn put_loc(o: &mut Out, l: Loc) {
    o.u32(l.file);
    o.u32(l.line);
}

fn get_loc(i: &mut In<'_>) -> Result<Loc, Damaged> {
    Ok(Loc {
        file: i.u32()?,
        line: i.u32()?,
    })
}

/// The `&'static str` among `names` equal to `s`.
fn known(names: &[&'static str], s: &str) -> Result<&'static str, Damaged> {
    names
        .iter()
        .find(|n| **n == s)
        .copied()
        .ok_or_else(|| bad(&format!("unknown name {s:?}")))
}

impl Validator {
    /// The state as bytes; `None` while an error is recorded or a tentative check is open.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let mut o = Out::default();
        self.write_to(&mut o)?;
        Some(o.0)
    }

    /// Writes [`to_bytes`](Self::to_bytes)' bytes to `o` (nothing when it gives `None`).
    pub fn write_to(&self, o: &mut Out) -> Option<()> {
        if !self.at_rest() {
            return None;
        }
        o.u8(VERSION);
        o.u8(u8::from(self.keep_ids));
        o.len(self.ids.len());
        for (k, v) in sorted(self.ids.iter().map(|(k, v)| (*k, v))) {
            o.u64(k);
            o.0.extend_from_slice(v);
        }
        for t in &self.tables {
            put_table(o, t);
        }
        o.len(self.deaths.len());
        for (k, l) in sorted(self.deaths.iter().map(|(k, l)| (*k, *l))) {
            o.u64(k);
            put_loc(o, l);
        }
        let mut residence: Vec<(u64, i64)> = self.residence_at.iter().copied().collect();
        residence.sort_unstable();
        o.len(residence.len());
        for (p, at) in residence {
            o.u64(p);
            o.i64(at);
        }
        let mut delay: Vec<(u32, i64)> = self.delay_at.iter().copied().collect();
        delay.sort_unstable();
        o.len(delay.len());
        for (s, at) in delay {
            o.u32(s);
            o.i64(at);
        }
        Some(())
    }

    /// The validator whose state [`to_bytes`](Self::to_bytes) wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Validator, Damaged> {
        let mut i = In(bytes);
        if i.u8()? != VERSION {
            return Err(bad("another version"));
        }
        let mut v = Validator::new();
        v.keep_ids = match i.u8()? {
            0 => false,
            1 => true,
            _ => return Err(bad("the id flag")),
        };
        let n = i.len(24)?;
        v.ids.reserve(n);
        for _ in 0..n {
            let k = i.u64()?;
            if v.ids.insert(k, i.array()?).is_some() {
                return Err(bad("an id twice"));
            }
        }
        for t in &mut v.tables {
            get_table(&mut i, t)?;
        }
        let n = i.len(16)?;
        for _ in 0..n {
            let k = i.u64()?;
            v.deaths.insert(k, get_loc(&mut i)?);
        }
        let n = i.len(16)?;
        v.residence_at.reserve(n);
        for _ in 0..n {
            v.residence_at.insert((i.u64()?, i.i64()?));
        }
        let n = i.len(12)?;
        for _ in 0..n {
            v.delay_at.insert((i.u32()?, i.i64()?));
        }
        i.end()?;
        Ok(v)
    }
}

fn put_table(o: &mut Out, t: &Table) {
    o.len(t.lives.len());
    for l in &t.lives {
        o.i64(l.opened_at);
        for line in l.lines {
            o.u32(line);
        }
        o.u8(l.seen);
    }
    // Each life's key, in the order of the lives (indexes are dense: 0, 1, 2 ...).
    let mut keys = vec![0u64; t.lives.len()];
    for (k, ix) in &t.index {
        keys[*ix as usize] = *k;
    }
    for k in keys {
        o.u64(k);
    }
    o.len(t.timed_at.len());
    for at in &t.timed_at {
        o.i64(*at);
    }
    o.len(t.waiting.len());
    for (life, waiting) in sorted(t.waiting.iter().map(|(k, w)| (*k, w))) {
        o.u32(life);
        o.len(waiting.len());
        for w in waiting {
            o.str(&w.id);
            put_loc(o, w.loc);
            o.i64(w.at);
            o.str(w.field);
            o.str(w.what);
            o.opt(w.after, |o, a| o.u8(a as u8));
            o.u8(u8::from(w.needs_opener));
        }
    }
}

fn get_table(i: &mut In<'_>, t: &mut Table) -> Result<(), Damaged> {
    let n = i.len(29)?;
    t.lives.reserve(n);
    for _ in 0..n {
        let opened_at = i.i64()?;
        let lines = [i.u32()?, i.u32()?, i.u32()?];
        let seen = i.u8()?;
        if seen >= 1 << 3 {
            return Err(bad("a lifecycle's steps"));
        }
        t.lives.push(Life {
            opened_at,
            lines,
            seen,
        });
    }
    t.index.reserve(n);
    for ix in 0..n {
        if t.index.insert(i.u64()?, ix as u32).is_some() {
            return Err(bad("a lifecycle id twice"));
        }
    }
    let timed = i.len(8)?;
    if timed != if t.timed.is_some() { n } else { 0 } {
        return Err(bad("the timed steps' count"));
    }
    for _ in 0..timed {
        t.timed_at.push(i.i64()?);
    }
    let lives = i.len(12)?;
    let fields: Vec<&'static str> = Vec::from(crate::validate::LIFECYCLE_NAMES);
    for _ in 0..lives {
        let life = i.u32()?;
        if life as usize >= n {
            return Err(bad("a waiting step of no lifecycle"));
        }
        let count = i.len(40)?;
        let mut waiting = Vec::with_capacity(count);
        for _ in 0..count {
            let id: Box<str> = i.str()?.into();
            let loc = get_loc(i)?;
            let at = i.i64()?;
            let field = known(&fields, i.str()?)?;
            let what = known(KNOWN_KINDS, i.str()?)?;
            let after = i.opt(|i| i.u8())?.map(usize::from);
            if after.is_some_and(|a| a >= 3) {
                return Err(bad("a waiting step's slot"));
            }
            let needs_opener = match i.u8()? {
                0 => false,
                1 => true,
                _ => return Err(bad("a waiting step's flag")),
            };
            waiting.push(Waiting {
                id,
                loc,
                at,
                field,
                what,
                after,
                needs_opener,
            });
        }
        if waiting.is_empty() || t.waiting.insert(life, waiting).is_some() {
            return Err(bad("a lifecycle's waiting steps"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_line, Verdict};

    fn check(v: &mut Validator, line: u32, text: &str) -> Verdict {
        let p = parse_line(text, &crate::wire::test_orgs(&["RJE", "X", "M83001"])).unwrap();
        v.check(Loc { file: 0, line }, &p)
    }

    const P: &str = r#""person":"9434765919""#;

    fn log() -> Vec<String> {
        vec![
            format!(
                r#"{{"id":"e1","kind":"admission","at":"2017-02-01T10:00:00Z",{P},"spell":"s1","org":"RJE","method":"emergency"}}"#
            ),
            format!(
                r#"{{"id":"e2","kind":"package_requested","at":"2017-02-02T10:00:00Z",{P},"package":"k1","service":"home_care","spell":"s1"}}"#
            ),
            // Ended, its start not (yet) seen: a step that waits.
            format!(
                r#"{{"id":"e3","kind":"package_ended","at":"2017-02-05T10:00:00Z",{P},"package":"k1","reason":"other"}}"#
            ),
            format!(
                r#"{{"id":"e4","kind":"person_registered","at":"2016-01-01T00:00:00Z",{P},"birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}}"#
            ),
            format!(r#"{{"id":"e5","kind":"death","at":"2017-03-01T10:00:00Z",{P}}}"#),
        ]
    }

    #[test]
    fn a_state_read_back_judges_as_the_validator_that_wrote_it() {
        let mut v = Validator::new();
        for (n, l) in log().iter().enumerate() {
            assert!(
                matches!(check(&mut v, n as u32 + 1, l), Verdict::New(_)),
                "{l}"
            );
        }
        let bytes = v.to_bytes().unwrap();
        let mut back = Validator::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes().unwrap(), bytes);
        assert_eq!(back.tables[3].waiting.len(), 1);
        // The same verdicts on what comes next, in both.
        let next = [
            log()[0].clone(),
            log()[0].replace("10:00:00", "11:00:00"),
            format!(
                r#"{{"id":"e6","kind":"package_started","at":"2017-02-06T10:00:00Z",{P},"package":"k1","org":"X"}}"#
            ),
            format!(r#"{{"id":"e7","kind":"death","at":"2017-03-02T10:00:00Z",{P}}}"#),
            format!(
                r#"{{"id":"e8","kind":"discharge","at":"2017-02-04T10:00:00Z",{P},"spell":"s1","destination":"usual_residence"}}"#
            ),
        ];
        for (n, l) in next.iter().enumerate() {
            let line = 10 + n as u32;
            assert_eq!(check(&mut v, line, l), check(&mut back, line, l), "{l}");
        }
        assert_eq!(v.finish_seen().len(), 3);
        assert_eq!(
            back.finish_seen()
                .iter()
                .map(|e| &e.message)
                .collect::<Vec<_>>(),
            {
                let mut v2 = Validator::from_bytes(&bytes).unwrap();
                for (n, l) in next.iter().enumerate() {
                    check(&mut v2, 10 + n as u32, l);
                }
                v2.finish_seen()
            }
            .iter()
            .map(|e| &e.message)
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn no_state_while_errors_or_a_check_are_open_and_damage_is_an_error() {
        let mut v = Validator::new();
        check(&mut v, 1, &log()[0]);
        v.begin();
        assert!(v.to_bytes().is_none());
        v.commit();
        let bytes = v.to_bytes().unwrap();
        check(&mut v, 2, &log()[0].replace("10:00:00", "11:00:00"));
        assert!(v.to_bytes().is_none(), "an error is recorded");
        for n in 0..bytes.len() {
            assert!(Validator::from_bytes(&bytes[..n]).is_err(), "{n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Validator::from_bytes(&longer).is_err());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            // Never a panic; what still reads is a state of its own.
            let _ = Validator::from_bytes(&b);
        }
    }
}
