//! Digests of log files' bytes, to tell whether a file still holds what was read from it
//! before (`joinedup metrics` serves folded facts from its cache only for the same bytes).
//!
//! A [`FileDigest`] is the 128-bit XXH3 of a file's bytes as stored (a `.jsonl.gz` is digested
//! compressed). XXH3 runs at memory speed, so digesting a log costs a small part of parsing it;
//! it guards against change, not against someone crafting a collision (who could as well edit
//! the log itself).

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use xxhash_rust::xxh3::Xxh3;

/// The digest of a file's bytes.
pub type FileDigest = u128;

/// The digest of the file at `path`, read whole.
pub fn digest_file(path: &Path) -> std::io::Result<FileDigest> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Box::new(Xxh3::new());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(hasher.digest128()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Where a [`Digesting`] reader leaves the digest of what it read, once it has read to the end.
pub(crate) type DigestSlot = Arc<Mutex<Option<FileDigest>>>;

/// A reader that digests the bytes it passes on; the digest is set in its slot when the end
/// of the input is reached (a read stopped before the end leaves none).
pub(crate) struct Digesting<R> {
    inner: R,
    hasher: Box<Xxh3>,
    slot: DigestSlot,
}

impl<R: Read> Digesting<R> {
    pub(crate) fn new(inner: R, slot: DigestSlot) -> Self {
        if let Ok(mut s) = slot.lock() {
            *s = None;
        }
        Digesting {
            inner,
            hasher: Box::new(Xxh3::new()),
            slot,
        }
    }
}

impl<R: Read> Read for Digesting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if let Ok(mut s) = self.slot.lock() {
                *s = Some(self.hasher.digest128());
            }
        } else {
            self.hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_read_through_has_the_digest_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let whole = digest_file(&path).unwrap();
        assert_eq!(whole, xxhash_rust::xxh3::xxh3_128(&bytes));
        let slot = DigestSlot::default();
        let mut r = Digesting::new(std::fs::File::open(&path).unwrap(), slot.clone());
        let mut some = vec![0; 1000];
        r.read_exact(&mut some).unwrap();
        assert_eq!(*slot.lock().unwrap(), None, "not read to the end");
        std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        assert_eq!(*slot.lock().unwrap(), Some(whole));
        std::fs::write(&path, &bytes[1..]).unwrap();
        assert_ne!(digest_file(&path).unwrap(), whole);
    }
}
