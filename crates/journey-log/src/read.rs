//! Reading a journey log made of one or more `.jsonl` / `.jsonl.gz` files.
//!
//! Files are read in blocks of lines; each block is parsed on all cores while the previous one
//! is checked by the [`Validator`] and handed to the caller, and the next one is read, so memory
//! holds three blocks, never the log.
//!
//! [`LogReader::read_parts`] checks and hands on the events in partitions by person, each with a
//! validator of its own, all on their own cores: see the `parts` module for why that gives exactly
//! the errors and facts of one validator.

use crate::digest::{DigestSlot, Digesting, FileDigest};
use crate::error::{LogError, LogErrors, MAX_ERRORS};
use crate::parts::{part_of, Checker, Finished, Ids, Parts, Single};
use crate::validate::{Loc, RuleError, Validator};
use crate::wire::{parse_line_when, DigestWhen, FieldError, ParsedEvent};
use domain::OrgRegister;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

/// The longest line read, in bytes (without its line ending): 1 MiB. A longer line is an error
/// naming it, and the reader skips to its end without keeping it, so memory stays bounded
/// whatever a file holds.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How far the reader looks for the end of a line longer than a block before it gives up on the
/// rest of the file (which then holds no newline for at least this many bytes: `/dev/zero`, a
/// gzip bomb of one line).
pub const MAX_SKIP_BYTES: u64 = 64 << 20;

/// The bytes of a block: lines are handed to the parsers in blocks of about this size.
const BLOCK_BYTES: usize = 4 << 20;

/// Lines parsed together: once enough errors are found to fill the report, the read stops at
/// the end of a group (so a block of a million bad lines is neither parsed nor held whole).
const GROUP_LINES: usize = 1 << 14;

/// One accepted event of the log, with where it was found.
pub struct LogLine {
    pub loc: Loc,
    /// The dense index of the event's lifecycle id in its namespace (see [`crate::Verdict::New`]).
    pub lifecycle_index: Option<u32>,
    pub parsed: ParsedEvent,
    /// The line as written, when the reader keeps it ([`LogReader::keep_raw`]).
    pub raw: Option<String>,
}

/// What a read found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Events handed on (duplicates excluded).
    pub events: u64,
    /// Lines that repeated an event already seen (same id, same content).
    pub duplicates: u64,
    pub bytes: u64,
    /// The digest of each file's bytes as stored, when the reader digests them
    /// ([`LogReader::digest_files`]): `None` for a file not read to its end.
    pub digests: Vec<Option<FileDigest>>,
}

/// Reads and validates journey logs.
pub struct LogReader<'a> {
    orgs: &'a OrgRegister,
    keep_raw: bool,
    digest_files: bool,
    block_bytes: usize,
    progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

/// One accepted event of the log, lent to the fold of its partition
/// ([`LogReader::read_parts`]): the event stays where the parser wrote it.
pub struct LineRef<'a> {
    pub loc: Loc,
    /// The dense index of the event's lifecycle id in its namespace (see [`crate::Verdict::New`]).
    pub lifecycle_index: Option<u32>,
    pub parsed: &'a ParsedEvent,
}

/// A parsed line: its number, and the event with its text when kept, or its errors (taken
/// out once reported).
pub(crate) type ParsedLine = (u32, Option<String>, Result<ParsedEvent, Vec<FieldError>>);

/// What the parse of a block found, in line order.
#[derive(Default)]
pub(crate) struct ParsedBlock {
    /// Every line parsed, in line order, where the parsers wrote them: events are about 250
    /// bytes, so they are not moved again; the checks read them in place.
    pub(crate) lines: Vec<ParsedLine>,
    /// The indexes in `lines` of each partition's events ([`part_of`]), in line order (when
    /// there are two partitions or more).
    pub(crate) parts: Vec<Vec<u32>>,
    /// The indexes in `lines` of the lines with errors.
    errors: Vec<u32>,
    /// The first line not parsed, when the parse stopped with the report full.
    stopped_before: Option<u32>,
}

/// The state of one read across its files.
struct ReadState<'c, C> {
    checker: &'c mut C,
    summary: ReadSummary,
    errors: LogErrors,
}

impl<C: Checker> ReadState<'_, C> {
    /// Errors found so far (those of the validator included): at [`MAX_ERRORS`] the read stops.
    fn error_count(&self) -> usize {
        self.errors.len() + self.checker.error_count()
    }
}

impl<'a> LogReader<'a> {
    /// A reader checking org codes against `orgs`.
    pub fn new(orgs: &'a OrgRegister) -> Self {
        LogReader {
            orgs,
            keep_raw: false,
            digest_files: false,
            block_bytes: BLOCK_BYTES,
            progress: None,
        }
    }

    /// Keep each line's text (for storing it as written).
    pub fn keep_raw(mut self, yes: bool) -> Self {
        self.keep_raw = yes;
        self
    }

    /// Digest each file's bytes as they are read, into [`ReadSummary::digests`] (for a cache
    /// keyed by what was read, not by what a file holds by the time it is digested again).
    pub fn digest_files(mut self, yes: bool) -> Self {
        self.digest_files = yes;
        self
    }

    /// Opens `paths[i]`, digesting its bytes into `slots[i]` when the reader digests files.
    fn opener<'p>(
        &self,
        paths: &'p [PathBuf],
        slots: &'p [DigestSlot],
    ) -> impl FnMut(usize) -> std::io::Result<Box<dyn Read + Send>> + 'p {
        let digest = self.digest_files;
        move |i| {
            let file = std::fs::File::open(&paths[i])?;
            if digest {
                open_stream(Digesting::new(file, slots[i].clone()))
            } else {
                open_stream(file)
            }
        }
    }

    /// The digests left in `slots` by a read (none when the reader does not digest files).
    fn digests(&self, slots: &[DigestSlot]) -> Vec<Option<FileDigest>> {
        if !self.digest_files {
            return Vec::new();
        }
        slots
            .iter()
            .map(|s| s.lock().ok().and_then(|d| *d))
            .collect()
    }

    /// Calls `f` with the number of bytes read so far, after each block.
    pub fn progress(mut self, f: &'a (dyn Fn(u64) + Sync)) -> Self {
        self.progress = Some(f);
        self
    }

    /// Reads `paths` as one log, handing every accepted event to `sink` in file order. With any
    /// error the whole read fails: the caller must discard what the sink received. After
    /// [`MAX_ERRORS`] errors the read stops (the rest of the log is not read).
    pub fn read<F>(&self, paths: &[PathBuf], sink: F) -> Result<ReadSummary, LogErrors>
    where
        F: FnMut(LogLine) + Send,
    {
        self.read_with(paths, Validator::new(), sink)
    }

    /// As [`read`](Self::read), continuing from a validator that has already seen other events
    /// (an import on top of a store checks against what the store holds).
    pub fn read_with<F>(
        &self,
        paths: &[PathBuf],
        validator: Validator,
        sink: F,
    ) -> Result<ReadSummary, LogErrors>
    where
        F: FnMut(LogLine) + Send,
    {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let slots: Vec<DigestSlot> = paths.iter().map(|_| DigestSlot::default()).collect();
        let mut summary = self.read_single(&names, self.opener(paths, &slots), validator, sink)?;
        summary.digests = self.digests(&slots);
        Ok(summary)
    }

    /// As [`read`](Self::read), with the rules checked and the events folded on every core: the
    /// events are split into `parts` partitions by person, each checked by a validator of its
    /// own and handed, in file order, to `push` with the state of its partition (made by
    /// `init`). `ahead` is shown each event of a partition a few events before `push` gets it,
    /// with the partition's state, to bring what `push` will read into the cache (it must
    /// change nothing: the event may yet be rejected). Returns the states (one per partition; the caller merges them). The errors, the
    /// summary and, with a fold that does not depend on the order of people, what the states
    /// hold are exactly those of [`read`](Self::read) (see the `parts` module): when an event id
    /// or lifecycle id turns out to span partitions, the log is read again on one thread.
    ///
    /// The duplicate rule is first left to the end of the read: each event's id fingerprint is
    /// written down (in a temporary file past a few hundred thousand events) rather than kept
    /// in a table, and when none repeats the read is exact and needs no memory for its events'
    /// ids. When one does (a log holding the same event twice, or an id used twice), the log is
    /// read again with the ids kept, which gives today's errors and no-ops (see the
    /// `id_ledger` module).
    pub fn read_parts<S, I, A, P>(
        &self,
        paths: &[PathBuf],
        parts: usize,
        init: I,
        ahead: A,
        push: P,
    ) -> Result<(ReadSummary, Vec<S>), LogErrors>
    where
        S: Send,
        I: Fn() -> S,
        A: Fn(&S, &ParsedEvent) + Sync,
        P: Fn(&mut S, LineRef<'_>) + Sync,
    {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let slots: Vec<DigestSlot> = paths.iter().map(|_| DigestSlot::default()).collect();
        if parts > 1 {
            let bytes: u64 = paths
                .iter()
                .filter_map(|p| std::fs::metadata(p).ok())
                .map(|m| m.len())
                .sum();
            // Lines of about 150 bytes; a compressed file holds more than its size says, and
            // the tables then grow as they need.
            let events = usize::try_from(bytes / 150)
                .unwrap_or(usize::MAX)
                .min(1 << 28);
            for ids in [Ids::Deferred, Ids::Kept] {
                let mut checker = Parts::new(parts, events, ids, &init, &ahead, &push);
                let (mut summary, errors) =
                    self.read_inputs(&names, self.opener(paths, &slots), &mut checker);
                match checker.finish(errors.stopped.is_some()) {
                    Finished::Done(rule_errors, states) => {
                        summary.digests = self.digests(&slots);
                        return complete(&names, summary, errors, rule_errors).map(|s| (s, states));
                    }
                    Finished::IdsRepeat => continue,
                    Finished::Spanning => break,
                }
            }
        }
        let mut state = init();
        let mut summary =
            self.read_single(&names, self.opener(paths, &slots), Validator::new(), |l| {
                let lent = LineRef {
                    loc: l.loc,
                    lifecycle_index: l.lifecycle_index,
                    parsed: &l.parsed,
                };
                push(&mut state, lent)
            })?;
        summary.digests = self.digests(&slots);
        Ok((summary, vec![state]))
    }

    /// Reads one stream of JSON Lines (not compressed) named `name` in errors, as a log of its
    /// own.
    pub fn read_stream<F>(
        &self,
        name: &str,
        input: Box<dyn Read + Send>,
        sink: F,
    ) -> Result<ReadSummary, LogErrors>
    where
        F: FnMut(LogLine) + Send,
    {
        let mut input = Some(input);
        self.read_single(
            &[name.to_string()],
            |_| {
                input
                    .take()
                    .ok_or_else(|| std::io::Error::other("the stream was already read"))
            },
            Validator::new(),
            sink,
        )
    }

    /// Reads the inputs `open(0)`, `open(1)` ... named `names`, as one log checked by one
    /// validator.
    fn read_single<F>(
        &self,
        names: &[String],
        open: impl FnMut(usize) -> std::io::Result<Box<dyn Read + Send>>,
        validator: Validator,
        mut sink: F,
    ) -> Result<ReadSummary, LogErrors>
    where
        F: FnMut(LogLine) + Send,
    {
        let mut checker = Single::new(validator, &mut sink);
        let (summary, errors) = self.read_inputs(names, open, &mut checker);
        let rule_errors = checker.finish(errors.stopped.is_some());
        complete(names, summary, errors, rule_errors)
    }

    /// Reads the inputs `open(0)`, `open(1)` ... named `names`, as one log, checked by
    /// `checker`: what was read, and the errors of the lines themselves (those of the rules
    /// across events stay with the checker).
    fn read_inputs<C: Checker + Send>(
        &self,
        names: &[String],
        mut open: impl FnMut(usize) -> std::io::Result<Box<dyn Read + Send>>,
        checker: &mut C,
    ) -> (ReadSummary, LogErrors) {
        let mut state = ReadState {
            checker,
            summary: ReadSummary::default(),
            errors: LogErrors::default(),
        };
        // Bytes read from the files before the current one (progress counts the whole log).
        let mut bytes_before = 0u64;
        for (file, name) in names.iter().enumerate() {
            if state.error_count() >= MAX_ERRORS {
                state.errors.stopped = Some(format!("before {name}"));
                break;
            }
            match open(file) {
                Ok(input) => {
                    bytes_before +=
                        self.read_file(file as u32, name, input, bytes_before, &mut state)
                }
                Err(e) => state.errors.push(LogError {
                    source: name.clone(),
                    line: None,
                    field: None,
                    message: e.to_string(),
                }),
            }
        }
        (state.summary, state.errors)
    }

    /// Reads one file of the log, block by block: a block is parsed on all cores while the one
    /// before is checked and handed on. Returns the bytes read.
    fn read_file<C: Checker + Send>(
        &self,
        file: u32,
        name: &str,
        input: Box<dyn Read + Send>,
        bytes_before: u64,
        state: &mut ReadState<'_, C>,
    ) -> u64 {
        // Blocks are parsed into vectors that are used again once checked: two are in use at a
        // time, one being parsed and one being checked.
        let mut spare: Option<ParsedBlock> = None;
        let fold = |mut block: ParsedBlock, state: &mut ReadState<'_, C>| {
            for &i in &block.errors {
                let (line, _, result) = &mut block.lines[i as usize];
                let field_errors = match result {
                    Err(e) => std::mem::take(e),
                    Ok(_) => Vec::new(),
                };
                for fe in field_errors {
                    state.errors.push(LogError {
                        source: name.to_string(),
                        line: Some(*line),
                        field: fe.field,
                        message: fe.message,
                    });
                }
            }
            state.checker.check(file, &mut block, &mut state.summary);
            block
        };
        let parts = state.checker.parts();
        let when = state.checker.digest_when();
        let mut blocks = Blocks::new(input, self.block_bytes);
        // The block being parsed, handed over by `blocks`, which reads the next one meanwhile.
        let mut text = vec![0; blocks.buf.len()];
        let mut pending: Option<ParsedBlock> = None;
        // The line before the block to come (what a stop names), and that block, read ahead.
        let mut line_before = 0;
        let mut next = Some(Fetched::from(&mut blocks));
        loop {
            if state.error_count() >= MAX_ERRORS {
                state.errors.stopped = Some(format!("before line {} of {name}", line_before + 1));
                break;
            }
            // Found while reading ahead, reported only now, where a read without reading ahead
            // would find them, so errors and where a read stops are the same.
            let Some(Fetched {
                block,
                overlong,
                line_after,
            }) = next.take()
            else {
                break;
            };
            for (line, message) in overlong {
                state.errors.push(LogError::at(name, line, None, message));
            }
            let block = match block {
                Ok(b) => b,
                Err(e) => {
                    state.errors.push(LogError {
                        source: name.to_string(),
                        line: Some(line_after + 1),
                        field: None,
                        message: format!("cannot read: {e}"),
                    });
                    None
                }
            };
            let Some((first_line, end)) = block else {
                break;
            };
            line_before = line_after;
            blocks.hand_over(&mut text);
            let block_text = &text[..end];
            state.summary.bytes += end as u64;
            let found_before = state.errors.len();
            let reuse = spare.take();
            let ((emptied, parsed), fetched) = rayon::join(
                || {
                    rayon::join(
                        || pending.take().map(|p| fold(p, state)),
                        || {
                            let to = (parts, when);
                            self.parse_block(first_line, block_text, found_before, to, reuse)
                        },
                    )
                },
                || Fetched::from(&mut blocks),
            );
            next = Some(fetched);
            spare = emptied;
            let stopped_before = parsed.stopped_before;
            pending = Some(parsed);
            if let Some(f) = self.progress {
                f(bytes_before + blocks.bytes);
            }
            if let Some(line) = stopped_before {
                state.errors.stopped = Some(format!("before line {line} of {name}"));
                break;
            }
        }
        if let Some(p) = pending.take() {
            fold(p, state);
        }
        blocks.bytes
    }

    /// Parses the lines of a block, `found_before` errors having been found already, into
    /// `parts` partitions, each event's content digested as `when` says; stops early once
    /// [`MAX_ERRORS`] are found.
    fn parse_block(
        &self,
        first_line: u32,
        bytes: &[u8],
        found_before: usize,
        (parts, when): (usize, DigestWhen),
        reuse: Option<ParsedBlock>,
    ) -> ParsedBlock {
        let mut out = match reuse {
            Some(mut b) => {
                // The lines of the block checked last time are parsed into again: each of its
                // events is dropped as its place is written, by the parsers (the rest, at the
                // end).
                b.parts.iter_mut().for_each(Vec::clear);
                b.errors.clear();
                b.stopped_before = None;
                b
            }
            None => ParsedBlock {
                lines: Vec::with_capacity(bytes.len() / 150),
                parts: if parts > 1 {
                    (0..parts)
                        .map(|_| Vec::with_capacity(bytes.len() / 150 / parts))
                        .collect()
                } else {
                    Vec::new()
                },
                ..Default::default()
            },
        };
        let mut found = found_before;
        let mut lines = (first_line..).zip(lines_of(bytes));
        let mut group = Vec::with_capacity(GROUP_LINES.min(bytes.len() / 64 + 1));
        // The lines of this block parsed so far (`out.lines` may hold more: the last block's).
        let mut parsed = 0;
        loop {
            group.clear();
            for (n, line) in lines.by_ref() {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if !line.iter().all(u8::is_ascii_whitespace) {
                    group.push((n, line));
                    if group.len() == GROUP_LINES {
                        break;
                    }
                }
            }
            let Some(&(first, _)) = group.first() else {
                break;
            };
            if found >= MAX_ERRORS {
                out.stopped_before = Some(first);
                break;
            }
            let (start, end) = (parsed, parsed + group.len());
            // Each event is parsed into its place in the block (events are about 250 bytes:
            // collected, each was moved again on its way).
            if out.lines.len() < end {
                out.lines.resize_with(end, || (0, None, Err(Vec::new())));
            }
            out.lines[start..end]
                .par_iter_mut()
                .zip(group.par_iter())
                .with_min_len(256)
                .for_each(|(slot, &(n, line))| {
                    slot.0 = n;
                    self.parse_one(line, when, &mut slot.1, &mut slot.2);
                });
            for (i, (_, _, result)) in (start..end).zip(&out.lines[start..end]) {
                let i = i as u32;
                match result {
                    Ok(p) if parts > 1 => out.parts[part_of(p, parts)].push(i),
                    Ok(_) => {}
                    Err(e) => {
                        found += e.len();
                        out.errors.push(i);
                    }
                }
            }
            parsed = end;
        }
        out.lines.truncate(parsed);
        out
    }

    /// Parses one line (without its line ending) into `raw`, the line as written when the
    /// reader keeps it, and `result`, the event or the line's errors (each written once, where
    /// the block keeps it).
    fn parse_one(
        &self,
        line: &[u8],
        when: DigestWhen,
        raw: &mut Option<String>,
        result: &mut Result<ParsedEvent, Vec<FieldError>>,
    ) {
        *raw = None;
        if line.len() > MAX_LINE_BYTES {
            *result = Err(vec![FieldError {
                field: None,
                message: format!(
                    "the line is {} bytes long, more than the limit of {MAX_LINE_BYTES} bytes (1 MiB)",
                    line.len()
                ),
            }]);
            return;
        }
        match std::str::from_utf8(line) {
            Err(e) => {
                *result = Err(vec![FieldError {
                    field: None,
                    message: format!("not UTF-8 text: {e}"),
                }])
            }
            Ok(text) => {
                *result = parse_line_when(text, self.orgs, when);
                if self.keep_raw && result.is_ok() {
                    *raw = Some(text.trim().to_string());
                }
            }
        }
    }
}

/// The end of a read: the errors of the rules across events added to those of the lines, all in
/// file order.
fn complete(
    names: &[String],
    summary: ReadSummary,
    mut errors: LogErrors,
    rule_errors: Vec<RuleError>,
) -> Result<ReadSummary, LogErrors> {
    let name_of = |file: u32| {
        names
            .get(file as usize)
            .cloned()
            .unwrap_or_else(|| "(the store)".to_string())
    };
    for e in rule_errors {
        errors.push(LogError {
            source: name_of(e.loc.file),
            line: Some(e.loc.line),
            field: e.field.map(str::to_string),
            message: e.message,
        });
    }
    errors.errors.sort_by(|a, b| {
        let key = |e: &LogError| (names.iter().position(|n| *n == e.source), e.line);
        key(a).cmp(&key(b))
    });
    errors.into_result(summary)
}

/// The lines of a block (the last one may lack its newline), found with SIMD search.
fn lines_of(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', bytes);
    std::iter::from_fn(move || {
        if start > bytes.len() {
            return None;
        }
        let end = ends.next().unwrap_or(bytes.len());
        let line = &bytes[start..end];
        start = end + 1;
        Some(line)
    })
}

/// Opens a log file, uncompressing it when it starts with the gzip magic number.
/// A log file's bytes as lines: uncompressed when they start with the gzip magic number.
fn open_stream(input: impl Read + Send + 'static) -> std::io::Result<Box<dyn Read + Send>> {
    let mut f = BufReader::with_capacity(1 << 16, input);
    let gz = f.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    })
}

/// Splits a stream into blocks of whole lines, reusing buffers of a fixed size (one read into,
/// one handed over: [`Blocks::hand_over`]). A line that does not fit in the buffer is skipped
/// to its end without being kept, and noted in [`Blocks::overlong`].
struct Blocks {
    input: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Bytes of `buf` read from the input.
    filled: usize,
    /// Bytes of `buf` handed out by the last block.
    consumed: usize,
    /// Lines handed out (or skipped) so far.
    line: u32,
    bytes: u64,
    done: bool,
    /// Lines too long for a block found since last looked at: line number and message.
    overlong: Vec<(u32, String)>,
}

/// Where the skip of an overlong line ended.
enum Skipped {
    /// At its newline, the line being this long: what follows is at the front of the buffer.
    Newline(u64),
    /// At the end of the input, the line being this long.
    EndOfInput(u64),
    /// No newline within [`MAX_SKIP_BYTES`].
    GaveUp,
}

/// A block read by [`Blocks::next_block`], with what was found reading it.
struct Fetched {
    block: std::io::Result<Option<(u32, usize)>>,
    /// The lines too long for a block skipped on the way.
    overlong: Vec<(u32, String)>,
    /// The lines handed out or skipped once it was read.
    line_after: u32,
}

impl Fetched {
    /// Reads the next block of `blocks`.
    fn from(blocks: &mut Blocks) -> Self {
        let block = blocks.next_block();
        Fetched {
            block,
            overlong: std::mem::take(&mut blocks.overlong),
            line_after: blocks.line,
        }
    }
}

impl Blocks {
    /// Hands the block just read over in `out` (a buffer of the same size), whose buffer
    /// becomes this one's, starting with the block's unfinished last line: the next block can
    /// be read while this one is parsed.
    fn hand_over(&mut self, out: &mut Vec<u8>) {
        let tail = self.filled - self.consumed;
        out[..tail].copy_from_slice(&self.buf[self.consumed..self.filled]);
        std::mem::swap(&mut self.buf, out);
        self.filled = tail;
        self.consumed = 0;
    }

    fn new(input: Box<dyn Read + Send>, block_bytes: usize) -> Self {
        Blocks {
            input,
            // A block holds at least one line of the longest length allowed.
            buf: vec![0; block_bytes.max(MAX_LINE_BYTES + 2)],
            filled: 0,
            consumed: 0,
            line: 0,
            bytes: 0,
            done: false,
            overlong: Vec::new(),
        }
    }

    /// The next block of whole lines: the number of its first line, and its length at the
    /// start of `self.buf`.
    fn next_block(&mut self) -> std::io::Result<Option<(u32, usize)>> {
        loop {
            // Keep the unfinished line of the last block at the front.
            self.buf.copy_within(self.consumed..self.filled, 0);
            self.filled -= self.consumed;
            self.consumed = 0;
            while !self.done && self.filled < self.buf.len() {
                let n = self.input.read(&mut self.buf[self.filled..])?;
                if n == 0 {
                    self.done = true;
                }
                self.filled += n;
                self.bytes += n as u64;
            }
            let end = if self.done {
                self.filled
            } else {
                match memchr::memrchr(b'\n', &self.buf[..self.filled]) {
                    Some(i) => i + 1,
                    None => {
                        // A line longer than the buffer (so than the limit): skip it.
                        self.line += 1;
                        let line = self.line;
                        let so_far = self.filled as u64;
                        self.filled = 0;
                        let message = match self.skip_line(so_far)? {
                            Skipped::Newline(len) | Skipped::EndOfInput(len) => format!(
                                "the line is {len} bytes long, more than the limit of {MAX_LINE_BYTES} bytes (1 MiB)"
                            ),
                            Skipped::GaveUp => {
                                self.done = true;
                                format!(
                                    "the line is longer than the limit of {MAX_LINE_BYTES} bytes (1 MiB) and has no end within {MAX_SKIP_BYTES} bytes: the rest of the file was not read"
                                )
                            }
                        };
                        self.overlong.push((line, message));
                        continue;
                    }
                }
            };
            if end == 0 {
                return Ok(None);
            }
            self.consumed = end;
            let block = &self.buf[..end];
            let first = self.line + 1;
            self.line += memchr::memchr_iter(b'\n', block).count() as u32;
            if self.done && !block.ends_with(b"\n") {
                self.line += 1;
            }
            return Ok(Some((first, end)));
        }
    }

    /// Reads on to the end of a line of which `so_far` bytes have been read, keeping nothing
    /// of it; the buffer is empty when called.
    fn skip_line(&mut self, mut so_far: u64) -> std::io::Result<Skipped> {
        loop {
            let n = self.input.read(&mut self.buf)?;
            if n == 0 {
                self.done = true;
                return Ok(Skipped::EndOfInput(so_far));
            }
            self.bytes += n as u64;
            if let Some(i) = memchr::memchr(b'\n', &self.buf[..n]) {
                self.buf.copy_within(i + 1..n, 0);
                self.filled = n - i - 1;
                return Ok(Skipped::Newline(so_far + i as u64));
            }
            so_far += n as u64;
            if so_far > MAX_SKIP_BYTES {
                return Ok(Skipped::GaveUp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    fn death(id: &str, person: &str, extra: &str) -> String {
        format!(
            r#"{{"id":"{id}","kind":"death","at":"2017-02-01T00:00:00Z","person":"{person}"{extra}}}"#
        )
    }

    /// A valid line of exactly `len` bytes (an unknown field pads it).
    fn line_of(len: usize) -> String {
        let bare = death("big", "9990000018", r#","pad":"""#).len();
        death(
            "big",
            "9990000018",
            &format!(r#","pad":"{}""#, "x".repeat(len - bare)),
        )
    }

    fn write(dir: &Path, name: &str, text: &str, gzip: bool) -> PathBuf {
        let path = dir.join(name);
        if gzip {
            let mut gz = flate2::write::GzEncoder::new(
                std::fs::File::create(&path).unwrap(),
                flate2::Compression::fast(),
            );
            gz.write_all(text.as_bytes()).unwrap();
            gz.finish().unwrap();
        } else {
            std::fs::write(&path, text).unwrap();
        }
        path
    }

    fn read(paths: &[PathBuf]) -> Result<ReadSummary, LogErrors> {
        LogReader::new(&OrgRegister::default()).read(paths, |_| {})
    }

    /// `(line, field, message)` of each error.
    fn errors(e: &LogErrors) -> Vec<(Option<u32>, Option<&str>, &str)> {
        e.errors
            .iter()
            .map(|e| (e.line, e.field.as_deref(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn a_line_of_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let text = line_of(MAX_LINE_BYTES) + "\n";
        let s = read(&[write(dir.path(), "a.jsonl", &text, false)]).unwrap();
        assert_eq!(s.events, 1);
    }

    #[test]
    fn a_line_over_the_limit_is_an_error_naming_it_and_reading_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        // Just over the limit (within a block), and longer than a block (skipped unbuffered).
        for len in [MAX_LINE_BYTES + 1, 5 << 20] {
            for gzip in [false, true] {
                let text = [
                    death("e1", "9990000018", ""),
                    line_of(len),
                    death("e3", "9990000026", ""),
                    death("e4", "123", ""),
                ]
                .join("\n");
                let path = write(dir.path(), "a.jsonl", &text, gzip);
                let e = read(&[path]).unwrap_err();
                let found = errors(&e);
                assert_eq!(found.len(), 2, "{len} {gzip}: {found:?}");
                assert_eq!((found[0].0, found[0].1), (Some(2), None));
                assert!(
                    found[0].2.contains(&format!(
                        "the line is {len} bytes long, more than the limit"
                    )),
                    "{found:?}"
                );
                assert_eq!((found[1].0, found[1].1), (Some(4), Some("person")));
                assert!(e.to_string().contains("a.jsonl:2: the line is"), "{e}");
            }
        }
    }

    /// Zeros for ever, counting what was read.
    struct Zeros(Arc<AtomicU64>);

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(0);
            self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
            Ok(buf.len())
        }
    }

    #[test]
    fn a_stream_with_no_newline_ever_is_one_error_and_the_read_stops() {
        let read = Arc::new(AtomicU64::new(0));
        let e = LogReader::new(&OrgRegister::default())
            .read_stream("zeros", Box::new(Zeros(read.clone())), |_| {})
            .unwrap_err();
        let found = errors(&e);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (Some(1), None));
        assert!(found[0].2.contains("has no end within"), "{found:?}");
        assert!(found[0].2.contains("the rest of the file was not read"));
        // What was read: one buffer and the skip, not more.
        let bytes = read.load(Ordering::Relaxed);
        assert!(bytes <= 2 * BLOCK_BYTES as u64 + MAX_SKIP_BYTES, "{bytes}");
    }

    /// The same bad line for ever.
    struct BadLines;

    impl Read for BadLines {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len() / 2 * 2;
            for pair in buf[..n].chunks_mut(2) {
                pair.copy_from_slice(b"x\n");
            }
            Ok(n)
        }
    }

    #[test]
    fn the_read_stops_once_the_report_is_full() {
        let e = LogReader::new(&OrgRegister::default())
            .read_stream("bad", Box::new(BadLines), |_| {})
            .unwrap_err();
        assert_eq!(e.errors.len(), MAX_ERRORS);
        assert_eq!(e.len(), GROUP_LINES);
        let stop = format!("before line {} of bad", GROUP_LINES + 1);
        assert_eq!(e.stopped.as_deref(), Some(stop.as_str()));
        assert!(
            e.to_string().contains(&format!("reading stopped {stop}")),
            "{e}"
        );
    }

    #[test]
    fn a_full_report_stops_before_the_next_file_and_judges_no_reference() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = vec![format!(
            r#"{{"id":"d","kind":"discharge","at":"2017-02-02T00:00:00Z","person":"9990000018","spell":"s1","destination":"died"}}"#
        )];
        first.extend((0..MAX_ERRORS).map(|i| death(&format!("x{i}"), "123", "")));
        let a = write(dir.path(), "a.jsonl", &first.join("\n"), false);
        let admission = r#"{"id":"a","kind":"admission","at":"2017-02-01T00:00:00Z","person":"9990000018","spell":"s1","org":"RJE","method":"emergency"}"#;
        let b = write(dir.path(), "b.jsonl", admission, false);
        let e = read(&[a, b.clone()]).unwrap_err();
        assert_eq!(e.len(), MAX_ERRORS);
        assert!(errors(&e).iter().all(|(_, f, _)| *f == Some("person")));
        let stop = format!("before {}", b.display());
        assert_eq!(e.stopped.as_deref(), Some(stop.as_str()));
    }

    /// A shuffled log of `people` people's spells, attendances and deaths; with `errors`, every
    /// kind of error the rules find (and some of the lines), spread over the people; with
    /// `spanning`, ids shared by two people.
    fn shuffled_log(people: u32, errors: bool, spanning: bool) -> Vec<String> {
        let mut lines = Vec::new();
        let mut k = 0u32;
        let mut n = 0;
        let mut prev = None;
        while n < people {
            k += 1;
            let Some(person) = domain::NhsNumber::from_stem(999_000_000 + k) else {
                continue;
            };
            n += 1;
            let ev = |id: &str, kind: &str, at: &str, rest: &str| {
                format!(
                    r#"{{"id":"{id}-{k}","kind":"{kind}","at":"2017-02-{at}Z","person":"{person}"{rest}}}"#
                )
            };
            let spell = format!(r#","spell":"s{k}""#);
            let bad = |m: u32| errors && k.is_multiple_of(m);
            lines.push(ev(
                "arr",
                "ae_arrival",
                "01T08:00:00",
                &format!(r#","attendance":"a{k}","org":"RJE","source":"gp""#),
            ));
            lines.push(ev(
                "dep",
                "ae_departure",
                "01T11:00:00",
                &format!(r#","attendance":"a{k}","outcome":"admitted""#),
            ));
            let attendance = if bad(23) { "missing" } else { "a" };
            let admission = ev(
                "adm",
                "admission",
                "01T12:00:00",
                &format!(
                    r#"{spell},"org":"RJE","method":"emergency","attendance":"{attendance}{k}""#
                ),
            );
            lines.push(admission.clone());
            if bad(17) {
                lines.push(ev(
                    "adm2",
                    "admission",
                    "01T13:00:00",
                    &format!(r#"{spell},"org":"RJE","method":"emergency""#),
                ));
            }
            if errors && k.is_multiple_of(29) {
                lines.push(admission);
            }
            if bad(31) {
                lines.push(ev(
                    "adm",
                    "admission",
                    "01T12:30:00",
                    &format!(r#"{spell},"org":"RJE","method":"emergency""#),
                ));
            }
            lines.push(ev("rfd", "ready_for_discharge", "03T10:00:00", &spell));
            lines.push(ev(
                "dr",
                "delay_reason",
                "03T11:00:00",
                &format!(r#"{spell},"reason":"E""#),
            ));
            if bad(43) {
                lines.push(ev(
                    "dr2",
                    "delay_reason",
                    "03T11:00:00",
                    &format!(r#"{spell},"reason":"G""#),
                ));
            }
            let discharged = if bad(19) {
                "01T09:00:00"
            } else {
                "05T10:00:00"
            };
            lines.push(ev(
                "dis",
                "discharge",
                discharged,
                &format!(r#"{spell},"destination":"usual_residence""#),
            ));
            lines.push(ev(
                "res",
                "residence_changed",
                "06T10:00:00",
                r#","residence":"own_home""#,
            ));
            if bad(41) {
                lines.push(ev(
                    "res2",
                    "residence_changed",
                    "06T10:00:00",
                    r#","residence":"extra_care""#,
                ));
            }
            if k.is_multiple_of(5) {
                lines.push(ev("d", "death", "20T10:00:00", ""));
                if bad(37) {
                    lines.push(ev("d2", "death", "21T10:00:00", ""));
                }
            }
            if bad(47) {
                lines.push(ev("x", "death", "22T10:00:00", "").replace(&person.to_string(), "123"));
            }
            if k.is_multiple_of(53) {
                lines.push(ev("u", "ae_arival", "02T10:00:00", ""));
            }
            if let (true, Some(prev)) = (spanning && k.is_multiple_of(61), prev) {
                // An admission from the last person's attendance, and (with errors) an event
                // id of theirs.
                lines.push(ev(
                    "adm-b",
                    "admission",
                    "02T11:00:00",
                    &format!(
                        r#","spell":"b{k}","org":"RJE","method":"emergency","attendance":"a{prev}""#
                    ),
                ));
                if errors {
                    lines.push(
                        ev("dep", "death", "25T10:00:00", "")
                            .replace(&format!("dep-{k}"), &format!("dep-{prev}")),
                    );
                }
            }
            prev = Some(k);
        }
        // A fixed shuffle (xorshift), so order across people and within a spell is mixed.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for i in (1..lines.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            lines.swap(i, (x % (i as u64 + 1)) as usize);
        }
        lines
    }

    /// Reads `lines` (split in two files) with one validator and in `parts` partitions: the
    /// outcome of both as text (summary or errors, and every event handed on, by line), and how
    /// many partitions the events came in.
    fn both_ways(lines: &[String], parts: usize) -> (String, String, usize) {
        let dir = tempfile::tempdir().unwrap();
        let half = lines.len() / 2;
        let paths = [
            write(dir.path(), "a.jsonl", &lines[..half].join("\n"), false),
            write(dir.path(), "b.jsonl.gz", &lines[half..].join("\n"), true),
        ];
        let orgs = crate::wire::test_orgs(&["RJE"]);
        let mut reader = LogReader::new(&orgs);
        reader.block_bytes = 1; // blocks of the smallest size (a little over 1 MiB)
        let show = |loc: Loc, p: &ParsedEvent, lifecycle_index: Option<u32>| {
            format!("{loc:?} {} {}", p.event.id, lifecycle_index.is_some())
        };
        let mut one = Vec::new();
        let single = reader.read(&paths, |l| {
            one.push(show(l.loc, &l.parsed, l.lifecycle_index))
        });
        let single = match single {
            Ok(s) => format!("{s:?}\n{}", one.join("\n")),
            Err(e) => format!("{e:?}\n{e}"),
        };
        let split = reader.read_parts(
            &paths,
            parts,
            Vec::new,
            |_, _| {},
            |v, l| v.push((l.loc, show(l.loc, l.parsed, l.lifecycle_index))),
        );
        let (split, states) = match split {
            Ok((s, states)) => {
                let n = states.len();
                let mut all: Vec<_> = states.into_iter().flatten().collect();
                all.sort();
                let all: Vec<_> = all.into_iter().map(|(_, s)| s).collect();
                (format!("{s:?}\n{}", all.join("\n")), n)
            }
            Err(e) => (format!("{e:?}\n{e}"), 0),
        };
        let dir = dir.path().display().to_string();
        (
            single.replace(&dir, "DIR"),
            split.replace(&dir, "DIR"),
            states,
        )
    }

    #[test]
    fn partitions_give_exactly_the_events_and_errors_of_one_validator() {
        for (people, errors, spanning) in [
            (3000, false, false),
            (3000, true, false),
            (300, true, false),
            (3000, false, true),
            (300, true, true),
        ] {
            let lines = shuffled_log(people, errors, spanning);
            let mut outcomes = Vec::new();
            for parts in [1, 2, 3, 4] {
                let (single, split, states) = both_ways(&lines, parts);
                assert_eq!(single, split, "{people} {errors} {spanning} {parts}");
                if !errors {
                    // Valid: the events came in their partitions, unless an id spans two.
                    let expected = if spanning { 1 } else { parts };
                    assert_eq!(states, expected, "{people} {spanning} {parts}");
                    assert!(single.starts_with("ReadSummary"), "{single:.300}");
                } else {
                    assert!(single.starts_with("LogErrors"), "{single:.300}");
                }
                outcomes.push(split);
            }
            assert!(outcomes.windows(2).all(|w| w[0] == w[1]));
        }
        // The large log with errors fills the report and stops at a block's end, the small one
        // has each kind of error once or more.
        let (many, _, _) = both_ways(&shuffled_log(3000, true, false), 2);
        assert!(many.contains("reading stopped before line"), "{many:.2000}");
        let (few, _, _) = both_ways(&shuffled_log(300, true, true), 2);
        for what in [
            "a second admission",
            "is before its admission",
            "which has no ae_arrival in the log",
            "already used by an event with different content",
            "a second death",
            "the residence in force would be a tie",
            "the reason in force would be a tie",
            "person",
        ] {
            assert!(few.contains(what), "{what}: {few}");
        }
        assert!(!few.contains("reading stopped"), "{few}");
    }

    #[test]
    fn ids_are_checked_after_the_read_and_again_exactly_only_when_one_repeats() {
        let orgs = crate::wire::test_orgs(&["RJE"]);
        let dir = tempfile::tempdir().unwrap();
        let valid = shuffled_log(3000, false, false);
        // The same log with a few events written twice (no-ops: the same content), one of
        // them at the very end.
        let mut repeated = valid.clone();
        for k in [5, 700, 1900] {
            repeated.insert(k + 1000, valid[k].clone());
        }
        repeated.push(valid[0].clone());
        for (lines, reads, duplicates) in [(&valid, 1, 0), (&repeated, 2, 4)] {
            let path = write(dir.path(), "a.jsonl", &lines.join("\n"), false);
            let made = std::sync::atomic::AtomicUsize::new(0);
            let (summary, states) = LogReader::new(&orgs)
                .read_parts(
                    std::slice::from_ref(&path),
                    2,
                    || {
                        made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        0u64
                    },
                    |_, _| {},
                    |n, _| *n += 1,
                )
                .unwrap();
            // One read (two partitions' states made) without a repeat; with one, a second.
            assert_eq!(made.into_inner(), 2 * reads);
            assert_eq!(summary.duplicates, duplicates);
            assert_eq!(states.iter().sum::<u64>(), summary.events);
            assert_eq!(summary.events, valid.len() as u64);
        }
        // And the errors of a log whose events repeat with other content are those of one
        // validator (`partitions_give_exactly_the_events_and_errors_of_one_validator` compares
        // every kind).
        let mut wrong = valid.clone();
        wrong.push(valid[9].replace("2017-02-", "2016-02-"));
        let (single, split, _) = both_ways(&wrong, 2);
        assert_eq!(single, split);
        assert!(single.contains("already used by an event with different content"));
    }

    #[test]
    fn errors_found_with_the_ids_left_to_the_end_are_those_of_one_validator() {
        // Logs with errors of every kind but no id used twice: read once, in partitions, with
        // the duplicate rule left to the end, they give what one exact validator gives (the
        // large one fills the report and stops the read).
        for people in [300, 3000] {
            let mut seen = std::collections::HashSet::new();
            let lines: Vec<String> = shuffled_log(people, true, false)
                .into_iter()
                .filter(|l| seen.insert(l.split('"').nth(3).unwrap_or("").to_string()))
                .collect();
            let (single, split, _) = both_ways(&lines, 2);
            assert_eq!(single, split, "{people}");
            assert!(single.contains("a second admission"), "{single:.2000}");
            assert!(!single.contains("different content"), "{single:.2000}");
            assert_eq!(single.contains("reading stopped"), people == 3000);
            // One read: no id repeats, so the partitions' findings stood.
            let dir = tempfile::tempdir().unwrap();
            let path = write(dir.path(), "a.jsonl", &lines.join("\n"), false);
            let orgs = crate::wire::test_orgs(&["RJE"]);
            let made = std::sync::atomic::AtomicUsize::new(0);
            let read = LogReader::new(&orgs).read_parts(
                std::slice::from_ref(&path),
                2,
                || made.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                |_, _| {},
                |_, _| {},
            );
            assert!(read.is_err());
            assert_eq!(made.into_inner(), 2);
        }
    }

    #[test]
    fn a_forged_duplicate_in_one_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        // Equal 64-bit FxHash content fingerprints before the content digest (see wire.rs).
        let text = concat!(
            r#"{"id":"e9","kind":"death","at":"2017-02-03T14:40:00Z","person":"9995148129"}"#,
            "\n",
            r#"{"id":"e9","kind":"death","at":"2017-02-03T14:24:57.984950811Z","person":"9990000190"}"#,
            "\n",
        );
        let e = read(&[write(dir.path(), "a.jsonl", text, false)]).unwrap_err();
        let found = errors(&e);
        assert_eq!((found[0].0, found[0].1), (Some(2), Some("id")), "{found:?}");
        assert!(found[0].2.contains("different content"));
        // The same event written differently is a duplicate, not an error.
        let text = concat!(
            r#"{"id":"e9","kind":"death","at":"2017-02-03T14:40:00Z","person":"9995148129"}"#,
            "\n",
            r#"{"person":"999 514 8129","at":"2017-02-03T15:40:00+01:00","kind":"death","id":"e9"}"#,
            "\n",
        );
        let s = read(&[write(dir.path(), "a.jsonl", text, false)]).unwrap();
        assert_eq!((s.events, s.duplicates), (1, 1));
    }
}
