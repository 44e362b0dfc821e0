//! The event ids of a partitioned read, written down as they come and checked once the read
//! is over, so that checking ids for duplicates needs memory for a few buffers, not for every
//! event of the log.
//!
//! The duplicate rule (a second event with an id already used is a no-op when its content is
//! the same, an error when it differs) needs, at the later event, what the earlier one was: an
//! exact check as events come keeps every id seen, 16 bytes of content digest beside it, in a
//! table of about 40 bytes an event (400 MB for 10 million events). In most logs no id comes
//! twice, so [`crate::read::LogReader::read_parts`] first reads with the rule left out
//! ([`crate::Validator::deferring_ids`]) and each partition writes its events' id fingerprints
//! into an [`IdLedger`]: 8 bytes an event, in buffers of 256 buckets (by the fingerprint's top
//! bits), each full buffer appended to a temporary file. After the read, [`any_repeated`]
//! places the ids of each bucket (of every partition together: about 40,000 ids for 10 million
//! events) in a table of their own, where an id placed twice is found. None: no two events share an id fingerprint, so the exact
//! rule would have found nothing and judged every event new, and the read's errors and events
//! are exactly those of the exact check. Any: the log is read again with the exact check, which
//! gives its messages and its no-ops as before (a log with duplicates is read twice; so is one
//! where two different ids share a 64-bit fingerprint, about 3 in a million logs of 10 million
//! ids, which the exact check then judges as one id, as it always has).
//!
//! Why not a library: an external sort (`extsort`) would sort the whole file; only equal ids
//! within a bucket matter here, and a bucket's table fits in a core's cache.

use rayon::prelude::*;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

/// The buckets: ids are spread by their fingerprint's top bits.
const BUCKET_BITS: u32 = 8;
const BUCKETS: usize = 1 << BUCKET_BITS;

/// Ids a bucket's buffer holds before it is written out (8 KiB): 2 MiB of buffers a ledger.
const CHUNK_IDS: usize = 1024;

fn bucket_of(id: u64) -> usize {
    (id >> (64 - BUCKET_BITS)) as usize
}

/// Where the full chunks of a ledger went.
enum Spill {
    /// Not needed yet: no bucket has filled its buffer.
    None,
    /// A temporary file (removed by the system when closed), and the bytes written to it.
    File(Mutex<File>, u64),
    /// No temporary file could be made or written: the chunks stay in memory.
    Memory,
}

/// The id fingerprints of one partition's events, in buckets: the last of each bucket in
/// memory, the rest in a temporary file.
pub(crate) struct IdLedger {
    buffers: Vec<Vec<u64>>,
    spill: Spill,
    /// Each bucket's chunks in the file: their offsets (every chunk holds `CHUNK_IDS` ids).
    chunks: Vec<Vec<u64>>,
    /// Each bucket's chunks kept in memory (when the file could not be used).
    kept: Vec<Vec<u64>>,
}

impl Default for IdLedger {
    fn default() -> Self {
        IdLedger {
            buffers: (0..BUCKETS).map(|_| Vec::new()).collect(),
            spill: Spill::None,
            chunks: vec![Vec::new(); BUCKETS],
            kept: vec![Vec::new(); BUCKETS],
        }
    }
}

impl IdLedger {
    /// Writes down one event's id fingerprint.
    pub(crate) fn push(&mut self, id: u64) {
        let b = bucket_of(id);
        let buf = &mut self.buffers[b];
        if buf.capacity() == 0 {
            buf.reserve_exact(CHUNK_IDS);
        }
        buf.push(id);
        if buf.len() == CHUNK_IDS {
            self.flush(b);
        }
    }

    /// Moves bucket `b`'s full buffer to the file (or, failing that, to memory).
    fn flush(&mut self, b: usize) {
        if matches!(self.spill, Spill::None) {
            self.spill = match tempfile::tempfile() {
                Ok(f) => Spill::File(Mutex::new(f), 0),
                Err(_) => Spill::Memory,
            };
        }
        let buf = &mut self.buffers[b];
        if let Spill::File(file, end) = &mut self.spill {
            let bytes: Vec<u8> = buf.iter().flat_map(|id| id.to_le_bytes()).collect();
            let file = file.get_mut().unwrap_or_else(|e| e.into_inner());
            // Appended at the end: no seek is made while writing.
            match file.write_all(&bytes) {
                Ok(()) => {
                    self.chunks[b].push(*end);
                    *end += bytes.len() as u64;
                    buf.clear();
                    return;
                }
                Err(_) => {
                    // A full disk, say: the chunks from now on are kept in memory. A write cut
                    // short leaves bytes no offset names, after the last whole chunk.
                    let _ = file.seek(SeekFrom::Start(*end));
                    self.spill = Spill::Memory;
                }
            }
        }
        self.kept[b].append(buf);
    }

    /// Every id of bucket `b` appended to `out`.
    fn bucket(&self, b: usize, out: &mut Vec<u64>) -> std::io::Result<()> {
        out.extend_from_slice(&self.buffers[b]);
        out.extend_from_slice(&self.kept[b]);
        if let Spill::File(file, _) = &self.spill {
            let mut bytes = vec![0u8; CHUNK_IDS * 8];
            for &at in &self.chunks[b] {
                {
                    let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
                    f.seek(SeekFrom::Start(at))?;
                    f.read_exact(&mut bytes)?;
                }
                out.extend(
                    bytes
                        .chunks_exact(8)
                        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
                );
            }
        }
        Ok(())
    }
}

/// Whether any id fingerprint was written down twice, in one ledger or in two. `true` also when
/// a temporary file cannot be read back: the caller then checks exactly, as after a repeat.
pub(crate) fn any_repeated(ledgers: &[&IdLedger]) -> bool {
    (0..BUCKETS).into_par_iter().any(|b| {
        let mut ids = Vec::new();
        for l in ledgers {
            if l.bucket(b, &mut ids).is_err() {
                return true;
            }
        }
        has_repeat(&ids)
    })
}

/// Whether `ids`, the ids of one bucket (their top bits equal), holds one twice: each id is
/// placed in an open-addressed table of at least twice as many slots, at the slot its next bits
/// name (or the first free one after), where an equal id already placed is found. Why not a
/// sort: a sort of a bucket's tens of thousands of ids compares each about fifteen times;
/// here each is placed once, in a table that stays in a core's cache. Ids made to share their
/// bits (fingerprints are not keyed) could make the places long to find: past a few dozen
/// slots searched, the bucket is sorted instead.
fn has_repeat(ids: &[u64]) -> bool {
    placed_repeat(ids).unwrap_or_else(|| {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.windows(2).any(|w| w[0] == w[1])
    })
}

/// The most slots searched to place one id before [`has_repeat`] sorts instead.
const MAX_PROBES: usize = 64;

/// [`has_repeat`] by placing the ids; `None` when one takes more than [`MAX_PROBES`] slots.
fn placed_repeat(ids: &[u64]) -> Option<bool> {
    let bits = (usize::BITS - (ids.len() * 2).leading_zeros()).clamp(1, 24);
    let shift = 64 - BUCKET_BITS - bits;
    let mask = (1usize << bits) - 1;
    // 0 marks a free slot: the id 0 is counted apart.
    let mut slots = vec![0u64; mask + 1];
    let mut zeros = 0;
    for &id in ids {
        if id == 0 {
            zeros += 1;
            if zeros > 1 {
                return Some(true);
            }
            continue;
        }
        let mut at = (id >> shift) as usize & mask;
        let mut probes = 0;
        loop {
            match slots[at] {
                0 => {
                    slots[at] = id;
                    break;
                }
                x if x == id => return Some(true),
                _ if probes == MAX_PROBES => return None,
                _ => {
                    at = (at + 1) & mask;
                    probes += 1;
                }
            }
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fingerprints spread over every bucket, as xxh3's are.
    fn spread(k: u64) -> u64 {
        k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (k >> 7)
    }

    #[test]
    fn no_repeat_among_distinct_ids_even_once_spilled() {
        let mut a = IdLedger::default();
        let mut b = IdLedger::default();
        // Enough for many chunks of every bucket to reach the file.
        for k in 0..600_000u64 {
            if k % 2 == 0 {
                a.push(spread(k));
            } else {
                b.push(spread(k));
            }
        }
        assert!(matches!(a.spill, Spill::File(..)));
        let ids = |l: &IdLedger| {
            let mut v = Vec::new();
            (0..BUCKETS).for_each(|k| l.bucket(k, &mut v).unwrap());
            v.len()
        };
        assert_eq!(ids(&a) + ids(&b), 600_000);
        assert!(!any_repeated(&[&a, &b]));
    }

    #[test]
    fn a_repeat_is_found_in_one_ledger_or_across_two_whether_spilled_or_not() {
        for (first, second) in [(3u64, 590_000u64), (10, 11), (400_000, 5)] {
            // In one ledger.
            let mut a = IdLedger::default();
            for k in 0..600_000u64 {
                a.push(spread(if k == second { first } else { k }));
            }
            assert!(any_repeated(&[&a]), "{first} {second}");
            // Across two.
            let mut a = IdLedger::default();
            let mut b = IdLedger::default();
            for k in 0..600_000u64 {
                let id = spread(if k == second { first } else { k });
                if k == second {
                    b.push(id);
                } else {
                    a.push(id);
                }
            }
            assert!(any_repeated(&[&a, &b]), "{first} {second}");
        }
    }

    #[test]
    fn without_a_file_the_chunks_stay_in_memory() {
        let mut a = IdLedger {
            spill: Spill::Memory,
            ..IdLedger::default()
        };
        for k in 0..300_000u64 {
            a.push(spread(k));
        }
        assert!(a.kept.iter().all(|k| !k.is_empty()));
        assert!(!any_repeated(&[&a]));
        a.push(spread(123));
        assert!(any_repeated(&[&a]));
    }

    #[test]
    fn a_bucket_repeats_exactly_when_sorted_it_has_equal_neighbours() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for len in [0usize, 1, 2, 3, 5, 8, 63, 64, 65, 1000, 40_000, 300_000] {
            // One bucket's ids: the top bits equal, the rest random; and some of them again.
            let top = 0xA5u64 << (64 - BUCKET_BITS);
            let ids: Vec<u64> = (0..len).map(|_| top | (next() >> BUCKET_BITS)).collect();
            for again in [None, Some(0), Some(len / 2), Some(len.saturating_sub(1))] {
                let mut ids = ids.clone();
                if let Some(k) = again.filter(|_| len > 0) {
                    let at = (next() as usize) % (len + 1);
                    ids.insert(at, ids[k]);
                }
                let mut sorted = ids.clone();
                sorted.sort_unstable();
                let expected = sorted.windows(2).any(|w| w[0] == w[1]);
                assert_eq!(has_repeat(&ids), expected, "{len} {again:?}");
            }
        }
        // Ids alike in every bit but the last, and the id 0.
        assert!(!has_repeat(&[8, 9, 10, 11, 12, 13, 14, 15, 16, 0]));
        assert!(has_repeat(&[8, 9, 10, 11, 12, 13, 14, 15, 9]));
        assert!(has_repeat(&[0, 8, 0]));
        // Made to share the bits that place them: sorted instead, with the same answer.
        let alike: Vec<u64> = (1..=1000u64).collect();
        assert_eq!(placed_repeat(&alike), None);
        assert!(!has_repeat(&alike));
        let mut again = alike.clone();
        again.push(500);
        assert!(has_repeat(&again));
    }

    #[test]
    fn small_ledgers_stay_in_memory() {
        let mut a = IdLedger::default();
        for k in 0..1000u64 {
            a.push(spread(k));
        }
        assert!(matches!(a.spill, Spill::None));
        assert!(!any_repeated(&[&a]));
        assert!(!any_repeated(&[]));
        let mut a = IdLedger::default();
        a.push(7);
        a.push(7);
        assert!(any_repeated(&[&a]));
    }
}
