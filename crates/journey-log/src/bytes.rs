//! Little-endian writing and bounds-checked reading of the binary states kept beside a stored
//! log (the validator's here, the live log's people in `live-log`).
//!
//! Written by hand: a few fixed-width integers and length-prefixed byte strings, read back
//! with every length checked against what is left, so damaged bytes are an error and never a
//! panic or a huge allocation. A general serialisation crate would need serde on types whose
//! invariants (fingerprints, dense indexes) it cannot check.

/// Bytes being written.
#[derive(Debug, Default)]
pub struct Out(pub Vec<u8>);

impl Out {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A count (of what follows).
    pub fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    /// A byte string, its length first.
    pub fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    /// What `write` writes, its length first (as [`bytes`](Self::bytes) writes it), written in
    /// place rather than built apart and copied; when `write` gives `None`, nothing.
    pub fn nested(&mut self, write: impl FnOnce(&mut Self) -> Option<()>) -> Option<()> {
        let at = self.0.len();
        self.u64(0);
        if write(self).is_none() {
            self.0.truncate(at);
            return None;
        }
        let n = (self.0.len() - at - 8) as u64;
        self.0[at..at + 8].copy_from_slice(&n.to_le_bytes());
        Some(())
    }
    /// An optional value: a 0 or 1, then the value.
    pub fn opt<T>(&mut self, v: Option<T>, mut put: impl FnMut(&mut Self, T)) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                put(self, v);
            }
        }
    }
}

/// Why bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("damaged state: {0}")]
pub struct Damaged(pub String);

fn damaged(what: &str) -> Damaged {
    Damaged(what.to_string())
}

/// Bytes being read.
#[derive(Debug)]
pub struct In<'a>(pub &'a [u8]);

impl<'a> In<'a> {
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Damaged> {
        if n > self.0.len() {
            return Err(damaged("cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Damaged> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    pub fn u8(&mut self) -> Result<u8, Damaged> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32, Damaged> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64, Damaged> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64, Damaged> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    /// A count of items of at least `min_size` bytes each: never more than what is left
    /// could hold, so a damaged count allocates nothing large.
    pub fn len(&mut self, min_size: usize) -> Result<usize, Damaged> {
        let n = self.u64()?;
        usize::try_from(n)
            .ok()
            .filter(|n| n.saturating_mul(min_size.max(1)) <= self.0.len())
            .ok_or_else(|| damaged("a count larger than the bytes left"))
    }
    pub fn bytes(&mut self) -> Result<&'a [u8], Damaged> {
        let n = self.len(1)?;
        self.take(n)
    }
    pub fn str(&mut self) -> Result<&'a str, Damaged> {
        std::str::from_utf8(self.bytes()?).map_err(|_| damaged("text that is not UTF-8"))
    }
    pub fn opt<T>(
        &mut self,
        get: impl FnOnce(&mut Self) -> Result<T, Damaged>,
    ) -> Result<Option<T>, Damaged> {
        match self.u8()? {
            0 => Ok(None),
            1 => get(self).map(Some),
            _ => Err(damaged("an option's tag")),
        }
    }
    /// Whether every byte was read.
    pub fn end(&self) -> Result<(), Damaged> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(damaged("bytes left over"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_and_short_bytes_are_errors() {
        let mut o = Out::default();
        o.u8(7);
        o.u32(70_000);
        o.i64(-5);
        o.str("spell");
        o.opt(Some(3u64), |o, v| o.u64(v));
        o.opt(None::<u64>, |o, v| o.u64(v));
        assert_eq!(o.nested(|_| None), None, "nothing written");
        o.nested(|o| {
            o.str("in");
            Some(())
        })
        .unwrap();
        let bytes = o.0;
        let mut i = In(&bytes);
        assert_eq!(i.u8().unwrap(), 7);
        assert_eq!(i.u32().unwrap(), 70_000);
        assert_eq!(i.i64().unwrap(), -5);
        assert_eq!(i.str().unwrap(), "spell");
        assert_eq!(i.opt(|i| i.u64()).unwrap(), Some(3));
        assert_eq!(i.opt(|i| i.u64()).unwrap(), None);
        assert_eq!(In(i.bytes().unwrap()).str().unwrap(), "in");
        i.end().unwrap();
        for n in 0..bytes.len() {
            let mut i = In(&bytes[..n]);
            let r = (|| {
                i.u8()?;
                i.u32()?;
                i.i64()?;
                i.str()?;
                i.opt(|i| i.u64())?;
                i.opt(|i| i.u64())?;
                i.bytes()
            })();
            assert!(r.is_err(), "{n}");
        }
        // A count far beyond the bytes left.
        let mut o = Out::default();
        o.u64(u64::MAX);
        assert!(In(&o.0).len(8).is_err());
    }
}
