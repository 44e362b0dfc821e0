//! Reading a journey log made of one or more `.jsonl` / `.jsonl.gz` files.
//!
//! Files are read in blocks of lines; each block is parsed on all cores while the previous one
//! is checked by the [`Validator`] and handed to the caller, so memory holds two blocks, never
//! the log.

use crate::error::{LogError, LogErrors, MAX_ERRORS};
use crate::validate::{Loc, Validator, Verdict};
use crate::wire::{parse_line, FieldError, ParsedEvent};
use domain::OrgRegister;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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

/// Lines parsed together: once enough errors are kept to fill the report, the errors of later
/// groups are only counted (so a block of a million bad lines does not hold a million messages).
const GROUP_LINES: usize = 1 << 14;

/// One accepted event of the log, with where it was found.
pub struct LogLine {
    pub loc: Loc,
    /// The dense index of the event's lifecycle id in its namespace (see [`Verdict::New`]).
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
}

/// Reads and validates journey logs.
pub struct LogReader<'a> {
    orgs: &'a OrgRegister,
    keep_raw: bool,
    block_bytes: usize,
    progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

/// What the parse of a block found, in line order.
#[derive(Default)]
struct ParsedBlock {
    events: Vec<(u32, ParsedEvent, Option<String>)>,
    errors: Vec<(u32, Vec<FieldError>)>,
    /// Errors found once the report was full: counted, not kept.
    counted: usize,
}

/// What one line gave.
enum Outcome {
    Event(ParsedEvent, Option<String>),
    Errors(Vec<FieldError>),
    /// This many errors, not kept.
    Counted(usize),
}

/// The state of one read across its files.
struct ReadState<'v> {
    validator: &'v mut Validator,
    summary: ReadSummary,
    errors: LogErrors,
}

impl ReadState<'_> {
    /// Errors found so far (those of the validator included): at [`MAX_ERRORS`] the read stops.
    fn error_count(&self) -> usize {
        self.errors.len() + self.validator.error_count()
    }
}

impl<'a> LogReader<'a> {
    /// A reader checking org codes against `orgs`.
    pub fn new(orgs: &'a OrgRegister) -> Self {
        LogReader {
            orgs,
            keep_raw: false,
            block_bytes: BLOCK_BYTES,
            progress: None,
        }
    }

    /// Keep each line's text (for storing it as written).
    pub fn keep_raw(mut self, yes: bool) -> Self {
        self.keep_raw = yes;
        self
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
        self.read_inputs(&names, |i| open(&paths[i]), validator, sink)
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
        self.read_inputs(
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

    /// Reads the inputs `open(0)`, `open(1)` ... named `names`, as one log.
    fn read_inputs<F>(
        &self,
        names: &[String],
        mut open: impl FnMut(usize) -> std::io::Result<Box<dyn Read + Send>>,
        mut validator: Validator,
        mut sink: F,
    ) -> Result<ReadSummary, LogErrors>
    where
        F: FnMut(LogLine) + Send,
    {
        let mut state = ReadState {
            validator: &mut validator,
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
                    bytes_before += self.read_file(
                        file as u32,
                        name,
                        input,
                        bytes_before,
                        &mut state,
                        &mut sink,
                    )
                }
                Err(e) => state.errors.push(LogError {
                    source: name.clone(),
                    line: None,
                    field: None,
                    message: e.to_string(),
                }),
            }
        }
        let ReadState {
            summary,
            mut errors,
            ..
        } = state;
        let name_of = |file: u32| {
            names
                .get(file as usize)
                .cloned()
                .unwrap_or_else(|| "(the store)".to_string())
        };
        // After a stop, references are not judged: their opener may be in what was not read.
        let rule_errors = if errors.stopped.is_some() {
            validator.finish_seen()
        } else {
            validator.finish()
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

    /// Reads one file of the log, block by block: a block is parsed on all cores while the one
    /// before is checked and handed on. Returns the bytes read.
    fn read_file<F>(
        &self,
        file: u32,
        name: &str,
        input: Box<dyn Read + Send>,
        bytes_before: u64,
        state: &mut ReadState<'_>,
        sink: &mut F,
    ) -> u64
    where
        F: FnMut(LogLine) + Send,
    {
        let fold = |block: ParsedBlock, state: &mut ReadState<'_>, sink: &mut F| {
            for (line, field_errors) in block.errors {
                for fe in field_errors {
                    state.errors.push(LogError {
                        source: name.to_string(),
                        line: Some(line),
                        field: fe.field,
                        message: fe.message,
                    });
                }
            }
            state.errors.count_more(block.counted);
            for (line, parsed, raw) in block.events {
                let loc = Loc { file, line };
                match state.validator.check(loc, &parsed) {
                    Verdict::New(lifecycle_index) => {
                        state.summary.events += 1;
                        sink(LogLine {
                            loc,
                            lifecycle_index,
                            parsed,
                            raw,
                        });
                    }
                    Verdict::Duplicate => state.summary.duplicates += 1,
                    Verdict::Rejected => {}
                }
            }
        };
        let mut blocks = Blocks::new(input, self.block_bytes);
        let mut pending: Option<ParsedBlock> = None;
        loop {
            if state.error_count() >= MAX_ERRORS {
                state.errors.stopped = Some(format!("before line {} of {name}", blocks.line + 1));
                break;
            }
            let block = blocks.next_block();
            for (line, message) in blocks.overlong.drain(..) {
                state.errors.push(LogError::at(name, line, None, message));
            }
            let block = match block {
                Ok(b) => b,
                Err(e) => {
                    state.errors.push(LogError {
                        source: name.to_string(),
                        line: Some(blocks.line + 1),
                        field: None,
                        message: format!("cannot read: {e}"),
                    });
                    None
                }
            };
            let Some((first_line, end)) = block else {
                break;
            };
            let text = &blocks.buf[..end];
            state.summary.bytes += end as u64;
            let kept_before = state.errors.len();
            let (_, parsed) = rayon::join(
                || {
                    if let Some(p) = pending.take() {
                        fold(p, state, sink)
                    }
                },
                || self.parse_block(first_line, text, kept_before),
            );
            pending = Some(parsed);
            if let Some(f) = self.progress {
                f(bytes_before + blocks.bytes);
            }
        }
        if let Some(p) = pending.take() {
            fold(p, state, sink);
        }
        blocks.bytes
    }

    /// Parses the lines of a block, `kept_before` errors having been kept already.
    fn parse_block(&self, first_line: u32, bytes: &[u8], kept_before: usize) -> ParsedBlock {
        let mut out = ParsedBlock {
            events: Vec::with_capacity(bytes.len() / 150),
            ..Default::default()
        };
        let mut kept = kept_before;
        let mut lines = (first_line..).zip(lines_of(bytes));
        let mut group = Vec::with_capacity(GROUP_LINES.min(bytes.len() / 64 + 1));
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
            if group.is_empty() {
                return out;
            }
            let keep = kept < MAX_ERRORS;
            let outcomes: Vec<(u32, Outcome)> = group
                .par_iter()
                .with_min_len(256)
                .map(|&(n, line)| (n, self.parse_one(line, keep)))
                .collect();
            for (n, outcome) in outcomes {
                match outcome {
                    Outcome::Event(p, raw) => out.events.push((n, p, raw)),
                    Outcome::Errors(e) => {
                        kept += e.len();
                        out.errors.push((n, e));
                    }
                    Outcome::Counted(k) => out.counted += k,
                }
            }
        }
    }

    /// Parses one line (without its line ending); `keep`: whether to keep its errors or only
    /// count them.
    fn parse_one(&self, line: &[u8], keep: bool) -> Outcome {
        let result = if line.len() > MAX_LINE_BYTES {
            Err(vec![FieldError {
                field: None,
                message: format!(
                    "the line is {} bytes long, more than the limit of {MAX_LINE_BYTES} bytes (1 MiB)",
                    line.len()
                ),
            }])
        } else {
            match std::str::from_utf8(line) {
                Err(e) => Err(vec![FieldError {
                    field: None,
                    message: format!("not UTF-8 text: {e}"),
                }]),
                Ok(text) => parse_line(text, self.orgs)
                    .map(|p| (p, self.keep_raw.then(|| text.trim().to_string()))),
            }
        };
        match result {
            Ok((p, raw)) => Outcome::Event(p, raw),
            Err(e) if keep => Outcome::Errors(e),
            Err(e) => Outcome::Counted(e.len()),
        }
    }
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
fn open(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    let mut f = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let gz = f.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    })
}

/// Splits a stream into blocks of whole lines, reusing one buffer of a fixed size. A line that
/// does not fit in the buffer is skipped to its end without being kept, and noted in
/// [`Blocks::overlong`].
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

impl Blocks {
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
