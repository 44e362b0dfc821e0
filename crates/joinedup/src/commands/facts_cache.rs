//! The cache of `metrics`: the folded facts of a valid log (and what the survey noticed),
//! kept so that another `metrics` over the same files (another period, format or `--by`)
//! skips reading them.
//!
//! Where: `$JOINEDUP_CACHE_DIR`, else `$XDG_CACHE_HOME/joinedup`, else `~/.cache/joinedup`
//! (made readable by its owner only: the facts are about people). Never beside the inputs,
//! never in a store. At most [`MAX_ENTRIES`] entries and [`MAX_BYTES`] bytes: the least
//! recently used go first.
//!
//! An entry is named by the identity of the inputs (each events file's and `orgs.csv`'s
//! canonical path, device and inode, in order) and of the build of joinedup that wrote it, so
//! a changed file's new facts replace its old ones. It holds, for each input, its length and
//! the digest of its bytes as they were read ([`journey_log::FileDigest`]); it is served only
//! when every input's bytes digest the same now. It also holds the snapshot's version, the
//! build's, and a checksum of the whole entry: an entry of another version, cut short or
//! altered is not read (the log is, and the entry written again). A log with any error is
//! never cached, so its errors are reported exactly as without a cache.
//!
//! `JOINEDUP_CACHE_TRACE=1` says on stderr what the cache did (for tests and benchmarks).

use domain::Zone;
use indicators::Journeys;
use indicators::Survey;
use journey_log::{digest_file, FileDigest};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The most entries kept.
pub const MAX_ENTRIES: usize = 8;
/// The most bytes kept (the newest entry is kept whatever its size).
pub const MAX_BYTES: u64 = 4 << 30;

const MAGIC: &[u8; 16] = b"JOINEDUP-METRICS";
/// The version of the entry's layout (the facts inside have their own, [`indicators::SNAPSHOT_VERSION`]).
/// 2: the facts run to the checksum, with no length before them (so they are written as they
/// are encoded).
const LAYOUT_VERSION: u32 = 2;
const SUFFIX: &str = "facts";

/// The cache folder, and whether to say what is done.
pub struct FactsCache {
    dir: PathBuf,
    trace: bool,
}

/// Who an input is: where (canonical), which file there, how long.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    path: PathBuf,
    device: u64,
    inode: u64,
    len: u64,
}

/// The entry for one set of inputs.
pub struct Entry {
    path: PathBuf,
    /// The build of joinedup (version, and the executable's length and time).
    build: Vec<u8>,
    /// The events files, then `orgs.csv`.
    inputs: Vec<Identity>,
}

impl FactsCache {
    /// The cache of this user, when a folder for it is known.
    pub fn locate() -> Option<FactsCache> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let dir = env("JOINEDUP_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("joinedup")))
            .or_else(|| env("HOME").map(|h| h.join(".cache").join("joinedup")))?;
        Some(FactsCache {
            dir,
            trace: std::env::var_os("JOINEDUP_CACHE_TRACE").is_some_and(|v| v == "1"),
        })
    }

    fn say(&self, what: impl FnOnce() -> String) {
        if self.trace {
            eprintln!("cache: {}", what());
        }
    }

    /// The entry for the log `events` checked against `orgs`, or `None` (said when tracing)
    /// when an input or the build cannot be identified.
    pub fn entry(&self, events: &[PathBuf], orgs: &Path) -> Option<Entry> {
        let build = match build_identity() {
            Ok(b) => b,
            Err(e) => {
                self.say(|| format!("off: the build of joinedup is unknown: {e}"));
                return None;
            }
        };
        let mut inputs = Vec::with_capacity(events.len() + 1);
        for path in events.iter().map(PathBuf::as_path).chain([orgs]) {
            match identity(path) {
                Ok(i) => inputs.push(i),
                Err(e) => {
                    self.say(|| format!("off: {}: {e}", path.display()));
                    return None;
                }
            }
        }
        let mut key = xxhash_rust::xxh3::Xxh3::new();
        key.update(&build);
        for i in &inputs {
            key.update(i.path.as_os_str().as_encoded_bytes());
            key.update(&[0]);
            key.update(&i.device.to_le_bytes());
            key.update(&i.inode.to_le_bytes());
        }
        let path = self.dir.join(format!("{:032x}.{SUFFIX}", key.digest128()));
        Some(Entry {
            path,
            build,
            inputs,
        })
    }

    /// The survey and facts kept for `entry`, when it is there, whole, of this build, and
    /// every input's bytes digest as they did when it was written. `names` are the events
    /// files as given (for the places the survey names).
    pub fn load(&self, entry: &Entry, names: &[String], zone: Zone) -> Option<(Survey, Journeys)> {
        let started = std::time::Instant::now();
        if std::fs::metadata(&entry.path).is_ok_and(|m| m.len() > MAX_BYTES) {
            self.say(|| "refused: larger than the cache may hold".into());
            return None;
        }
        let bytes = match std::fs::read(&entry.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.say(|| "miss".into());
                return None;
            }
            Err(e) => {
                self.say(|| format!("refused: cannot read the entry: {e}"));
                return None;
            }
        };
        let kept = match Kept::parse(&bytes, entry) {
            Ok(k) => k,
            Err(why) => {
                self.say(|| format!("refused: {why}"));
                return None;
            }
        };
        if let Some(i) = (0..entry.inputs.len()).find(|&i| kept.inputs[i].0 != entry.inputs[i].len)
        {
            let path = entry.inputs[i].path.display().to_string();
            self.say(|| format!("stale: {path} changed length"));
            return None;
        }
        // Digesting the inputs and reading the facts, side by side.
        let ((digests, digesting), (facts, reading)) = rayon::join(
            || {
                let t = std::time::Instant::now();
                let d = entry
                    .inputs
                    .par_iter()
                    .map(|i| digest_file(&i.path).ok())
                    .collect::<Vec<_>>();
                (d, t.elapsed().as_secs_f64())
            },
            || {
                let t = std::time::Instant::now();
                (
                    Journeys::from_snapshot(kept.facts),
                    t.elapsed().as_secs_f64(),
                )
            },
        );
        for (i, d) in digests.iter().enumerate() {
            if *d != Some(kept.inputs[i].1) {
                let path = entry.inputs[i].path.display().to_string();
                self.say(|| format!("stale: {path} holds other bytes"));
                return None;
            }
        }
        let facts = match facts {
            Ok(f) => f,
            Err(e) => {
                self.say(|| format!("refused: {e}"));
                return None;
            }
        };
        let survey = match read_survey(kept.survey, names, zone) {
            Some(s) => s,
            None => {
                self.say(|| "refused: the survey is damaged".into());
                return None;
            }
        };
        // Used now: the last to be evicted.
        if let Ok(f) = std::fs::File::options().write(true).open(&entry.path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        self.say(|| {
            let bytes: u64 = entry.inputs.iter().map(|i| i.len).sum();
            format!(
                "hit ({:.3} s: {:.0} MB of inputs digested in {digesting:.3} s, {:.0} MB of facts read in {reading:.3} s, side by side)",
                started.elapsed().as_secs_f64(),
                bytes as f64 / 1e6,
                kept.facts.len() as f64 / 1e6,
            )
        });
        Some((survey, facts))
    }

    /// Keeps the facts of a valid log read from `entry`'s inputs, whose bytes digested
    /// `digests` as read (the events files', then `orgs.csv`'s) and whose inputs still have
    /// the identities of `entry`. Failing to write is not an error of the
    /// command: it is said when tracing, and the cache stays as it was.
    pub fn store(
        &self,
        entry: &Entry,
        digests: &[Option<FileDigest>],
        survey: &Survey,
        journeys: &Journeys,
    ) {
        if let Err(why) = self.try_store(entry, digests, survey, journeys) {
            self.say(|| format!("not written: {why}"));
        }
    }

    fn try_store(
        &self,
        entry: &Entry,
        digests: &[Option<FileDigest>],
        survey: &Survey,
        journeys: &Journeys,
    ) -> Result<(), String> {
        let started = std::time::Instant::now();
        if digests.len() != entry.inputs.len() {
            return Err("the read did not digest every file".into());
        }
        let kept: Vec<FileDigest> = digests
            .iter()
            .map(|d| d.ok_or("a file was not read to its end"))
            .collect::<Result<_, _>>()?;
        // The inputs must still be the files that were read (a file replaced meanwhile would
        // be another file under the same name).
        for i in &entry.inputs {
            if identity(&i.path).ok().as_ref() != Some(i) {
                return Err(format!("{} changed while it was read", i.path.display()));
            }
        }
        let mut head = Vec::new();
        head.extend_from_slice(MAGIC);
        put_u32(&mut head, LAYOUT_VERSION);
        put_u32(&mut head, indicators::SNAPSHOT_VERSION);
        put_bytes(&mut head, &entry.build);
        put_u32(&mut head, entry.inputs.len() as u32);
        for (i, d) in entry.inputs.iter().zip(&kept) {
            put_u64(&mut head, i.len);
            head.extend_from_slice(&d.to_le_bytes());
        }
        put_bytes(&mut head, &write_survey(survey));
        // The facts follow to the checksum, written a piece at a time as they are encoded: held
        // whole, they were a second copy of the facts (150 MB for 10 million events) at the
        // moment memory peaks. They are encoded on this thread while another sums and writes
        // the pieces already encoded (a few at most wait between them).
        let n = self
            .write_entry(&entry.path, |out| {
                use std::io::Write as _;
                let (pieces, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
                std::thread::scope(|scope| {
                    let writer = scope.spawn(move || {
                        let mut sum = xxhash_rust::xxh3::Xxh3::new();
                        let mut written = 0u64;
                        for piece in received {
                            sum.update(&piece);
                            written += piece.len() as u64;
                            // On an error the receiver is dropped: the encoding stops sending.
                            out.write_all(&piece)?;
                        }
                        out.write_all(&sum.digest128().to_le_bytes())?;
                        Ok(written + 16)
                    });
                    let mut open = pieces.send(head).is_ok();
                    journeys.snapshot_pieces(&mut |bytes: &[u8]| {
                        open = open && pieces.send(bytes.to_vec()).is_ok();
                    });
                    drop(pieces);
                    writer
                        .join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("the writer failed")))
                })
            })
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        self.say(|| {
            let secs = started.elapsed().as_secs_f64();
            format!("written ({n} bytes in {secs:.3} s)")
        });
        self.evict(&entry.path);
        Ok(())
    }

    /// Writes the entry at `path` with `write` (which says how many bytes it wrote): whole or
    /// not at all (a temporary file renamed into place), readable by the user only.
    fn write_entry(
        &self,
        path: &Path,
        write: impl FnOnce(&mut std::fs::File) -> std::io::Result<u64>,
    ) -> std::io::Result<u64> {
        if !self.dir.is_dir() {
            // Made readable by its owner only; a folder that exists already (one named by
            // $JOINEDUP_CACHE_DIR) is left as it is.
            if let Some(parent) = self.dir.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut folder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
            match folder.create(&self.dir) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
        }
        // Entries are readable by their owner only (as temporary files are made).
        let mut tmp = tempfile::Builder::new()
            .prefix(".entry-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        let n = write(tmp.as_file_mut())?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(n)
    }

    /// Removes the least recently used entries beyond [`MAX_ENTRIES`] and [`MAX_BYTES`],
    /// never `newest`.
    fn evict(&self, newest: &Path) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let paths: Vec<PathBuf> = dir.filter_map(Result::ok).map(|d| d.path()).collect();
        // Entries a run stopped while writing (killed) left behind, a day on.
        let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
        for p in &paths {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let old = std::fs::metadata(p)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < day_ago);
            if name.starts_with(".entry-") && name.ends_with(".tmp") && old {
                let _ = std::fs::remove_file(p);
            }
        }
        let mut entries: Vec<(std::time::SystemTime, u64, PathBuf)> = paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == SUFFIX) && p != newest)
            .filter_map(|p| {
                let m = std::fs::metadata(&p).ok()?;
                Some((m.modified().ok()?, m.len(), p))
            })
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut bytes = std::fs::metadata(newest).map(|m| m.len()).unwrap_or(0);
        for (n, (_, len, path)) in entries.into_iter().enumerate() {
            bytes += len;
            if n + 1 >= MAX_ENTRIES || bytes > MAX_BYTES {
                let _ = std::fs::remove_file(&path);
                self.say(|| format!("evicted {}", path.display()));
            }
        }
    }
}

/// The build of joinedup: its version, the snapshot's, and its executable's length and time
/// (a rebuilt binary writes entries of its own).
fn build_identity() -> std::io::Result<Vec<u8>> {
    let exe = std::env::current_exe()?;
    let m = std::fs::metadata(&exe)?;
    let since = m
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut b = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    b.push(0);
    b.extend_from_slice(&indicators::SNAPSHOT_VERSION.to_le_bytes());
    b.extend_from_slice(&m.len().to_le_bytes());
    b.extend_from_slice(&since.to_le_bytes());
    Ok(b)
}

fn identity(path: &Path) -> std::io::Result<Identity> {
    let path = path.canonicalize()?;
    let m = std::fs::metadata(&path)?;
    #[cfg(unix)]
    let (device, inode) = {
        use std::os::unix::fs::MetadataExt as _;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let (device, inode) = (0, 0);
    Ok(Identity {
        path,
        device,
        inode,
        len: m.len(),
    })
}

/// An entry's parts, checked against its checksum and the entry it should be.
struct Kept<'a> {
    /// Each input's length and digest.
    inputs: Vec<(u64, FileDigest)>,
    survey: &'a [u8],
    facts: &'a [u8],
}

impl<'a> Kept<'a> {
    fn parse(bytes: &'a [u8], entry: &Entry) -> Result<Kept<'a>, String> {
        let Some((body, sum)) = bytes.split_last_chunk::<16>() else {
            return Err("too short".into());
        };
        if !body.starts_with(MAGIC) {
            return Err("not an entry of this cache".into());
        }
        if xxhash_rust::xxh3::xxh3_128(body) != u128::from_le_bytes(*sum) {
            return Err("the checksum does not match (cut short or altered)".into());
        }
        let mut r = Bytes(&body[MAGIC.len()..]);
        let damaged = || "damaged".to_string();
        let layout = r.u32().ok_or_else(damaged)?;
        let snapshot = r.u32().ok_or_else(damaged)?;
        if layout != LAYOUT_VERSION || snapshot != indicators::SNAPSHOT_VERSION {
            return Err(format!(
                "written by another version (layout {layout}, facts {snapshot})"
            ));
        }
        if r.bytes().ok_or_else(damaged)? != entry.build.as_slice() {
            return Err("written by another build of joinedup".into());
        }
        let n = r.u32().ok_or_else(damaged)? as usize;
        if n != entry.inputs.len() {
            return Err("for other inputs".into());
        }
        let mut inputs = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.u64().ok_or_else(damaged)?;
            let digest = u128::from_le_bytes(r.array().ok_or_else(damaged)?);
            inputs.push((len, digest));
        }
        let survey = r.bytes().ok_or_else(damaged)?;
        // The facts run to the checksum.
        let facts = r.0;
        Ok(Kept {
            inputs,
            survey,
            facts,
        })
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u64(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A cursor over bytes; `None` past their end.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
}

fn write_survey(s: &Survey) -> Vec<u8> {
    s.to_bytes()
}

fn read_survey(bytes: &[u8], names: &[String], zone: Zone) -> Option<Survey> {
    Survey::from_bytes(bytes, zone, |order| place(names, order))
}

/// The place in the log of order `order` (`file << 32 | line`): `at events.jsonl:3`.
pub fn place(names: &[String], order: u64) -> String {
    let name = names
        .get((order >> 32) as usize)
        .map(String::as_str)
        .unwrap_or_default();
    format!("at {name}:{}", order & 0xffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Event, EventBody, Instant};

    fn event(at: &str, body: EventBody) -> Event {
        Event {
            id: "e".into(),
            at: Instant::parse_rfc3339(at).unwrap(),
            person: None,
            body,
        }
    }

    #[test]
    fn a_survey_reads_back_with_places_named_from_the_files_given() {
        let mut s = Survey::new(Zone::default());
        let names = ["a.jsonl".to_string(), "b.jsonl".to_string()];
        s.see(
            &event("2017-02-03T09:00:00Z", EventBody::Death),
            1,
            String::new,
        );
        s.see(
            &event(
                "2017-05-03T09:30:00Z",
                EventBody::Unknown {
                    kind: "dischage".into(),
                },
            ),
            (1 << 32) | 7,
            || place(&names, (1 << 32) | 7),
        );
        let bytes = write_survey(&s);
        let back = read_survey(&bytes, &names, Zone::default()).unwrap();
        let period = |a, b| {
            indicators::Period::new(
                domain::parse_date(a).unwrap(),
                domain::parse_date(b).unwrap(),
            )
            .unwrap()
        };
        let periods = [
            period("2017-02-01", "2017-03-01"),
            period("2017-03-01", "2017-04-01"),
        ];
        assert_eq!(back.warnings(&periods), s.warnings(&periods));
        assert!(back.warnings(&periods)[1].contains("the first at b.jsonl:7"));
        let other = ["x.jsonl".to_string(), "y.jsonl".to_string()];
        let moved = read_survey(&bytes, &other, Zone::default()).unwrap();
        assert!(moved.warnings(&periods)[1].contains("the first at y.jsonl:7"));
        for n in 0..bytes.len() {
            assert!(read_survey(&bytes[..n], &names, Zone::default()).is_none());
        }
    }
}
