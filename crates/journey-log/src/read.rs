//! Reading a journey log made of one or more `.jsonl` / `.jsonl.gz` files.
//!
//! Files are read in blocks of lines; each block is parsed on all cores while the previous one
//! is checked by the [`Validator`] and handed to the caller, so memory holds two blocks, never
//! the log.

use crate::error::{LogError, LogErrors};
use crate::validate::{Loc, Validator, Verdict};
use crate::wire::{parse_line, FieldError, ParsedEvent};
use domain::OrgRegister;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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

type Parsed = (u32, Result<(ParsedEvent, Option<String>), Vec<FieldError>>);

impl<'a> LogReader<'a> {
    /// A reader checking org codes against `orgs`.
    pub fn new(orgs: &'a OrgRegister) -> Self {
        LogReader {
            orgs,
            keep_raw: false,
            block_bytes: 4 << 20,
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
    /// error the whole read fails: the caller must discard what the sink received.
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
        mut validator: Validator,
        mut sink: F,
    ) -> Result<ReadSummary, LogErrors>
    where
        F: FnMut(LogLine) + Send,
    {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let mut errors = LogErrors::default();
        let mut summary = ReadSummary::default();
        // Bytes read from the files before the current one (progress counts the whole log).
        let mut bytes_before = 0u64;
        for (file, path) in paths.iter().enumerate() {
            let input = match open(path) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(LogError {
                        source: names[file].clone(),
                        line: None,
                        field: None,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let file = file as u32;
            let mut fold = |block: Vec<Parsed>,
                            validator: &mut Validator,
                            summary: &mut ReadSummary,
                            errors: &mut LogErrors| {
                for (line, result) in block {
                    let loc = Loc { file, line };
                    match result {
                        Err(field_errors) => {
                            for fe in field_errors {
                                errors.push(LogError {
                                    source: names[file as usize].clone(),
                                    line: Some(line),
                                    field: fe.field,
                                    message: fe.message,
                                });
                            }
                        }
                        Ok((parsed, raw)) => match validator.check(loc, &parsed) {
                            Verdict::New(lifecycle_index) => {
                                summary.events += 1;
                                sink(LogLine {
                                    loc,
                                    lifecycle_index,
                                    parsed,
                                    raw,
                                });
                            }
                            Verdict::Duplicate => summary.duplicates += 1,
                            Verdict::Rejected => {}
                        },
                    }
                }
            };
            let mut blocks = Blocks::new(input, self.block_bytes);
            let earlier_files = bytes_before;
            let mut pending: Option<Vec<Parsed>> = None;
            loop {
                let block = match blocks.next_block() {
                    Ok(b) => b,
                    Err(e) => {
                        errors.push(LogError {
                            source: names[file as usize].clone(),
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
                summary.bytes += end as u64;
                let (_, parsed) = rayon::join(
                    || {
                        if let Some(p) = pending.take() {
                            fold(p, &mut validator, &mut summary, &mut errors)
                        }
                    },
                    || self.parse_block(first_line, text),
                );
                pending = Some(parsed);
                if let Some(f) = self.progress {
                    f(earlier_files + blocks.bytes);
                }
            }
            if let Some(p) = pending.take() {
                fold(p, &mut validator, &mut summary, &mut errors);
            }
            bytes_before += blocks.bytes;
        }
        let name_of = |file: u32| {
            names
                .get(file as usize)
                .cloned()
                .unwrap_or_else(|| "(the store)".to_string())
        };
        for e in validator.finish() {
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

    fn parse_block(&self, first_line: u32, bytes: &[u8]) -> Vec<Parsed> {
        let mut lines = Vec::with_capacity(bytes.len() / 150);
        for (n, line) in (first_line..).zip(lines_of(bytes)) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !line.iter().all(u8::is_ascii_whitespace) {
                lines.push((n, line));
            }
        }
        lines
            .into_par_iter()
            .with_min_len(256)
            .map(|(n, line)| {
                let result = match std::str::from_utf8(line) {
                    Err(e) => Err(vec![FieldError {
                        field: None,
                        message: format!("not UTF-8 text: {e}"),
                    }]),
                    Ok(text) => parse_line(text, self.orgs)
                        .map(|p| (p, self.keep_raw.then(|| text.trim().to_string()))),
                };
                (n, result)
            })
            .collect()
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

/// Splits a stream into blocks of whole lines, reusing one buffer.
struct Blocks {
    input: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Bytes of `buf` read from the input.
    filled: usize,
    /// Bytes of `buf` handed out by the last block.
    consumed: usize,
    block_bytes: usize,
    /// Lines handed out so far.
    line: u32,
    bytes: u64,
    done: bool,
}

impl Blocks {
    fn new(input: Box<dyn Read + Send>, block_bytes: usize) -> Self {
        Blocks {
            input,
            buf: Vec::new(),
            filled: 0,
            consumed: 0,
            block_bytes,
            line: 0,
            bytes: 0,
            done: false,
        }
    }

    /// The next block of whole lines: the number of its first line, and its length at the
    /// start of `self.buf`.
    fn next_block(&mut self) -> std::io::Result<Option<(u32, usize)>> {
        // Keep the unfinished line of the last block at the front.
        self.buf.copy_within(self.consumed..self.filled, 0);
        self.filled -= self.consumed;
        self.consumed = 0;
        loop {
            if self.buf.len() < self.block_bytes {
                self.buf.resize(self.block_bytes, 0);
            }
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
                        // A line longer than a block: read on until its end.
                        self.block_bytes *= 2;
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
}
