//! The floor under any indicator run: how long reading a journey log takes, with and without
//! validation.
//!
//! ```text
//! cargo run --release -p journey-log --example parse_floor -- FILE [--orgs orgs.csv] [--only read|parse]
//! ```
//!
//! Two passes over `FILE` (`.jsonl` or `.jsonl.gz`), each timed on its own:
//! - `read`: [`journey_log::LogReader::read`], every line parsed and validated across events,
//!   handing each accepted event to a sink that only counts it;
//! - `parse`: the lines parsed on all cores (rayon) as `metrics` parses them
//!   ([`journey_log::parse_line_when`], the content digest left to when it is asked for, as
//!   `LogReader::read_parts` leaves it), nothing checked across lines, nothing kept; the next
//!   block is read while one is parsed.
//!
//! Org codes are checked against `orgs.csv` next to the file unless `--orgs` names another.
//! `--only` runs one pass (to measure each one's peak memory apart).
//!
//! `--only lines` compares the parsers themselves, on a machine shared with other work: the
//! first 200,000 lines held in memory, parsed on one thread by [`journey_log::parse_line`]
//! (the flat scanner, serde_json for any other line) and by
//! [`journey_log::wire::parse_line_json`] (serde_json for every line), in turns, the best of 5
//! passes of each in nanoseconds a line.

use journey_log::{parse_line_when, read_orgs_file, DigestWhen, LogReader};
use rayon::prelude::*;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const BLOCK_BYTES: usize = 4 << 20;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut file: Option<PathBuf> = None;
    let mut orgs_path: Option<PathBuf> = None;
    let mut only: Option<String> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--orgs" => orgs_path = args.next().map(PathBuf::from),
            "--only" => only = args.next(),
            "-h" | "--help" => {
                eprintln!("usage: parse_floor FILE [--orgs orgs.csv] [--only read|parse|lines]");
                return ExitCode::SUCCESS;
            }
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ => {
                eprintln!("unexpected argument {a:?}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(file) = file else {
        eprintln!("usage: parse_floor FILE [--orgs orgs.csv] [--only read|parse|lines]");
        return ExitCode::from(2);
    };
    let (run_read, run_parse) = match only.as_deref() {
        None => (true, true),
        Some("lines") => (false, false),
        Some("read") => (true, false),
        Some("parse") => (false, true),
        Some(other) => {
            eprintln!("--only takes read or parse, not {other:?}");
            return ExitCode::from(2);
        }
    };
    let orgs_path = orgs_path.unwrap_or_else(|| {
        file.parent()
            .unwrap_or_else(|| Path::new("."))
            .join("orgs.csv")
    });
    let orgs = match read_orgs_file(&orgs_path) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{}: {e:?}", orgs_path.display());
            return ExitCode::FAILURE;
        }
    };
    let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!(
        "file: {} ({:.1} MB), {} rayon threads",
        file.display(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );

    if run_read {
        let start = Instant::now();
        let mut count = 0u64;
        let result = LogReader::new(&orgs).read(std::slice::from_ref(&file), |_line| count += 1);
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok(summary) => println!(
                "validated_read_seconds={secs:.3} events={count} duplicates={} ({:.0} MB/s)",
                summary.duplicates,
                bytes as f64 / 1e6 / secs
            ),
            Err(e) => {
                eprintln!("the log has {} errors; the first:", e.len());
                for err in e.errors.iter().take(5) {
                    eprintln!("  {err}");
                }
                println!(
                    "validated_read_seconds={secs:.3} events=0 errors={}",
                    e.len()
                );
            }
        }
    }

    if only.as_deref() == Some("lines") {
        match lines_in_memory(&file, &orgs) {
            Ok(()) => {}
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        }
    }

    if run_parse {
        let start = Instant::now();
        match parse_only(&file, &orgs) {
            Ok((lines, errors)) => {
                let secs = start.elapsed().as_secs_f64();
                println!(
                    "parse_only_seconds={secs:.3} lines={lines} errors={errors} ({:.0} MB/s)",
                    bytes as f64 / 1e6 / secs
                );
            }
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// The two parsers on the first 200,000 lines, on one thread: the best of 5 passes of each.
fn lines_in_memory(path: &Path, orgs: &domain::OrgRegister) -> std::io::Result<()> {
    // 64 MB hold 200,000 lines of any plausible length.
    let mut head = Vec::new();
    open(path)?.take(64 << 20).read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(200_000)
        .collect();
    let n = lines.len();
    let mut best = [f64::MAX; 2];
    let mut errors = [0usize; 2];
    for _ in 0..5 {
        for (k, parse) in [
            journey_log::parse_line as fn(&str, &domain::OrgRegister) -> _,
            journey_log::wire::parse_line_json,
        ]
        .into_iter()
        .enumerate()
        {
            let start = Instant::now();
            errors[k] = lines
                .iter()
                .filter(|l| std::hint::black_box(parse(l, orgs)).is_err())
                .count();
            best[k] = best[k].min(start.elapsed().as_secs_f64());
        }
    }
    let ns = |s: f64| s * 1e9 / n as f64;
    println!(
        "lines={n} parse_line_ns={:.0} parse_line_json_ns={:.0} speedup={:.2} errors={}/{}",
        ns(best[0]),
        ns(best[1]),
        best[1] / best[0],
        errors[0],
        errors[1]
    );
    Ok(())
}

/// Parses every non-blank line of `path` as `metrics` does (no content digest) on all cores,
/// checking nothing across lines. Returns (lines parsed, lines with errors).
fn parse_only(path: &Path, orgs: &domain::OrgRegister) -> std::io::Result<(u64, u64)> {
    let mut input = open(path)?;
    let mut carry = Vec::new();
    let (mut lines, mut errors) = (0u64, 0u64);
    let mut current = next_block(&mut input, &mut carry)?;
    while let Some(block) = current.take() {
        let (next, (n, e)) = rayon::join(
            || next_block(&mut input, &mut carry),
            || parse_block(&block, orgs),
        );
        lines += n;
        errors += e;
        current = next?;
    }
    Ok((lines, errors))
}

fn parse_block(block: &[u8], orgs: &domain::OrgRegister) -> (u64, u64) {
    let lines: Vec<&[u8]> = block
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    let errors: u64 = lines
        .par_iter()
        .with_min_len(256)
        .map(|line| match std::str::from_utf8(line) {
            Ok(text) => u64::from(parse_line_when(text, orgs, DigestWhen::Asked).is_err()),
            Err(_) => 1,
        })
        .sum();
    (lines.len() as u64, errors)
}

/// The next block of whole lines (about `BLOCK_BYTES`); the unfinished last line stays in `carry`.
fn next_block(
    input: &mut Box<dyn Read + Send>,
    carry: &mut Vec<u8>,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = std::mem::take(carry);
    let want = buf.len() + BLOCK_BYTES;
    buf.reserve(BLOCK_BYTES);
    let mut eof = false;
    while buf.len() < want {
        let n = input
            .by_ref()
            .take((want - buf.len()) as u64)
            .read_to_end(&mut buf)?;
        if n == 0 {
            eof = true;
            break;
        }
    }
    if eof {
        return Ok((!buf.is_empty()).then_some(buf));
    }
    match memchr::memrchr(b'\n', &buf) {
        Some(i) => {
            *carry = buf.split_off(i + 1);
            Ok(Some(buf))
        }
        // No line ends in this block: keep reading it.
        None => {
            *carry = buf;
            next_block(input, carry)
        }
    }
}

/// Opens a log file, uncompressing it when it starts with the gzip magic number.
fn open(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    use std::io::BufRead;
    let mut f = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let gz = f.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    })
}
