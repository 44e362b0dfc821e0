//! `metrics` with its cache of folded facts: the same figures and warnings cold, warm and with
//! `--no-cache`; a changed file, a damaged entry or one of another version never served; a log
//! with errors never cached; nothing written beside the inputs.

use crate::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A folder of inputs and a cache folder of its own.
struct Case {
    inputs: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Case {
    fn new(events: &str) -> Case {
        Case {
            inputs: setup(events),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs `joinedup` in the inputs' folder with the cache saying what it does.
    fn run(&self, args: &[&str]) -> Output {
        self.run_cached_in(self.cache.path(), args)
    }

    fn run_cached_in(&self, cache: &Path, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_joinedup"))
            .args(args)
            .current_dir(self.inputs.path())
            .env("JOINEDUP_CACHE_DIR", cache)
            .env("JOINEDUP_CACHE_TRACE", "1")
            .output()
            .expect("the binary runs")
    }

    /// `metrics` with `args`: its standard output, its warnings (stderr without the cache's
    /// lines) and what the cache said.
    fn metrics(&self, args: &[&str]) -> (String, String, String) {
        let o = self.run(args);
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        let (cache, rest): (Vec<&str>, Vec<&str>) = err
            .lines()
            .map(|l| l.trim_end())
            .partition(|l| l.starts_with("cache: "));
        let text = |v: Vec<&str>| v.join("\n");
        (stdout(&o), text(rest), text(cache))
    }

    /// The cache's entries.
    fn entries(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.cache.path())
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.inputs.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// The spec's example, an event of a misspelt kind at line 8, and a person registered
/// elsewhere in time (so periods far from February are empty).
fn log() -> String {
    let mut log = SPEC_EXAMPLE.to_string();
    log.push_str(
        r#"{"id":"t1","kind":"ae_arival","at":"2017-02-20T09:00:00Z","person":"9434765919"}"#,
    );
    log.push('\n');
    log
}

/// What the cache says on a first run: not there, then written.
fn cold_and_written(said: &str) -> bool {
    said.starts_with("cache: miss\ncache: written (") && said.lines().count() == 2
}

/// Every form of `metrics` the tests compare: periods, formats, months, a period with no
/// events.
fn forms() -> Vec<Vec<&'static str>> {
    vec![
        metrics_args("2017-02-01", "2017-03-01", &["--format", "json"]),
        metrics_args(
            "2017-01-01",
            "2017-04-01",
            &["--by", "month", "--format", "csv"],
        ),
        metrics_args("2017-02-01", "2017-02-10", &[]),
        metrics_args("2030-01-01", "2030-03-01", &["--by", "month"]),
    ]
}

#[test]
fn cold_warm_and_no_cache_give_the_same_figures_and_warnings() {
    let case = Case::new(&log());
    let before = case.listing();
    let mut first = true;
    for args in forms() {
        let cold_or_warm = case.metrics(&args);
        if first {
            assert!(cold_and_written(&cold_or_warm.2), "{}", cold_or_warm.2);
            first = false;
        } else {
            assert!(
                cold_or_warm.2.starts_with("cache: hit"),
                "{}",
                cold_or_warm.2
            );
        }
        let mut plain = args.clone();
        plain.push("--no-cache");
        let without = case.metrics(&plain);
        assert_eq!(
            without.2, "",
            "--no-cache neither reads nor writes the cache"
        );
        assert_eq!(cold_or_warm.0, without.0, "{args:?}");
        assert_eq!(cold_or_warm.1, without.1, "{args:?}");
    }
    // The warnings were served too.
    let (_, warnings, _) = case.metrics(&forms()[3]);
    assert!(warnings.contains("warning: no events in 2030-01-01 to 2030-02-01; the log spans 2016-01-01 to 2017-02-21"), "{warnings}");
    assert!(warnings.contains("\"ae_arival\": 1 event, the first at events.jsonl:8"));
    assert_eq!(case.entries().len(), 1);
    assert_eq!(case.listing(), before, "nothing written beside the inputs");
}

#[test]
fn no_cache_writes_no_cache() {
    let case = Case::new(&log());
    let mut args = forms()[0].clone();
    args.push("--no-cache");
    case.metrics(&args);
    assert_eq!(case.entries(), Vec::<PathBuf>::new());
}

#[test]
fn places_are_named_as_the_files_are_given_now() {
    let case = Case::new(&log());
    case.metrics(&forms()[0]);
    let args: Vec<&str> = forms()[0]
        .iter()
        .map(|a| {
            if *a == "events.jsonl" {
                "./events.jsonl"
            } else {
                a
            }
        })
        .collect();
    let (_, warnings, said) = case.metrics(&args);
    assert!(said.starts_with("cache: hit"), "{said}");
    assert!(
        warnings.contains("the first at ./events.jsonl:8"),
        "{warnings}"
    );
}

/// Changes `path`'s bytes keeping its length and time.
fn alter_in_place(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from));
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(modified).unwrap();
}

#[test]
fn a_changed_file_is_never_served_even_with_its_length_and_time() {
    let case = Case::new(&log());
    let args = &forms()[0];
    let (cold, _, _) = case.metrics(args);
    // The discharge a day later: more delayed days.
    let events = case.inputs.path().join("events.jsonl");
    alter_in_place(&events, "2017-02-12T15", "2017-02-13T15");
    let (changed, _, said) = case.metrics(args);
    assert!(said.starts_with("cache: stale: "), "{said}");
    assert!(said.contains("\ncache: written ("), "{said}");
    assert_ne!(changed, cold);
    let mut plain = args.clone();
    plain.push("--no-cache");
    assert_eq!(changed, case.metrics(&plain).0);
    // The registers are inputs too: an org the log names, gone, is an error, not a hit.
    let orgs = case.inputs.path().join("orgs.csv");
    alter_in_place(&orgs, "RJE,", "RJF,");
    let o = case.run(args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"RJE\" is not in the organisations register"));
    // And another file appended to the log is another log.
    std::fs::write(case.inputs.path().join("more.jsonl"), "").unwrap();
    alter_in_place(&orgs, "RJF,", "RJE,");
    let mut two = args.clone();
    two.extend(["--events", "more.jsonl"]);
    let (_, _, said) = case.metrics(&two);
    assert!(cold_and_written(&said), "{said}");
}

/// Rewrites the checksum at the end of a cache entry, as a writer of another version would.
fn seal(bytes: &mut [u8]) {
    let n = bytes.len() - 16;
    let sum = xxhash_rust::xxh3::xxh3_128(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum.to_le_bytes());
}

#[test]
fn a_damaged_or_foreign_entry_is_read_again_from_the_files() {
    let case = Case::new(&log());
    let args = &forms()[1];
    let (cold, cold_warnings, _) = case.metrics(args);
    let [entry] = case.entries().try_into().unwrap();
    let good = std::fs::read(&entry).unwrap();
    let mut damaged: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x20;
    damaged.push(("the checksum does not match", flipped));
    damaged.push((
        "the checksum does not match",
        good[..good.len() - 100].to_vec(),
    ));
    damaged.push(("too short", good[..7].to_vec()));
    damaged.push((
        "not an entry of this cache",
        b"{\"not\": \"ours\"}".repeat(3),
    ));
    // The layout's version, then the facts'.
    for at in [16, 20] {
        let mut other = good.clone();
        other[at] = other[at].wrapping_add(1);
        seal(&mut other);
        damaged.push(("written by another version", other));
    }
    // Facts that pass the checksum but not the snapshot's own checks.
    let mut inner = good.clone();
    let n = inner.len();
    inner[n - 17] ^= 0xff;
    seal(&mut inner);
    damaged.push(("refused: ", inner));
    for (why, bytes) in damaged {
        std::fs::write(&entry, &bytes).unwrap();
        let (out, warnings, said) = case.metrics(args);
        assert!(said.contains(why), "{why}: {said}");
        assert!(said.contains("\ncache: written ("), "{said}");
        assert_eq!((out, warnings), (cold.clone(), cold_warnings.clone()));
        // Written again whole.
        let (_, _, said) = case.metrics(args);
        assert!(said.starts_with("cache: hit"), "{said}");
    }
}

#[test]
fn a_log_with_errors_is_never_cached_and_its_errors_are_those_without_a_cache() {
    let mut bad = log();
    bad.push_str(r#"{"id":"e9","kind":"death","at":"2017-02-20T09:00:00Z","person":"123"}"#);
    bad.push('\n');
    let case = Case::new(&bad);
    let args = &forms()[0];
    let mut plain = args.clone();
    plain.push("--no-cache");
    let without = case.run(&plain);
    for _ in 0..2 {
        let o = case.run(args);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(o.stdout, without.stdout);
        let err = stderr(&o);
        let err: Vec<&str> = err.lines().filter(|l| !l.starts_with("cache: ")).collect();
        assert_eq!(err.join("\n"), stderr(&without).trim_end());
        assert!(stderr(&o).contains("events.jsonl:9: field `person`"));
    }
    assert_eq!(case.entries(), Vec::<PathBuf>::new());
}

#[test]
fn the_cache_keeps_a_bounded_number_of_entries() {
    let case = Case::new(&log());
    let args = &forms()[0];
    for i in 0..12 {
        let name = format!("copy{i}.jsonl");
        std::fs::copy(
            case.inputs.path().join("events.jsonl"),
            case.inputs.path().join(&name),
        )
        .unwrap();
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "events.jsonl" {
                    name.as_str()
                } else {
                    a
                }
            })
            .collect();
        case.metrics(&args);
    }
    let entries = case.entries();
    assert_eq!(entries.len(), 8, "{entries:?}");
}

#[cfg(unix)]
#[test]
fn a_cache_folder_made_is_its_owners_alone_and_one_given_is_left_as_it_is() {
    use std::os::unix::fs::PermissionsExt as _;
    let case = Case::new(&log());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let made = case.cache.path().join("home/.cache/joinedup");
    assert!(case.run_cached_in(&made, &forms()[0]).status.success());
    assert_eq!(mode(&made), 0o700);
    let entries: Vec<_> = std::fs::read_dir(&made).unwrap().collect();
    assert_eq!(entries.len(), 1);
    let entry = entries.into_iter().next().unwrap().unwrap().path();
    assert_eq!(mode(&entry), 0o600);
    let shared = case.cache.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(case.run_cached_in(&shared, &forms()[0]).status.success());
    assert_eq!(mode(&shared), 0o755);
}

#[test]
fn a_log_in_several_files_and_gzip_is_served_too_and_each_file_is_checked() {
    use std::io::Write as _;
    let case = Case::new(&log());
    let write_gz = |text: &str| {
        let gz = std::fs::File::create(case.inputs.path().join("b.jsonl.gz")).unwrap();
        let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap();
    };
    let death = |day: u32| {
        format!(
            r#"{{"id":"d1","kind":"death","at":"2017-02-{day:02}T09:00:00Z","person":"9434765919"}}"#
        )
    };
    write_gz(&death(25));
    let mut args = forms()[0].clone();
    args.extend(["--events", "b.jsonl.gz"]);
    let (cold, _, said) = case.metrics(&args);
    assert!(cold_and_written(&said), "{said}");
    let (warm, _, said) = case.metrics(&args);
    assert!(said.starts_with("cache: hit"), "{said}");
    assert_eq!(warm, cold);
    // The second file changed: read again, and the figures are those of the files now.
    write_gz(&death(26));
    let (changed, _, said) = case.metrics(&args);
    assert!(said.starts_with("cache: stale: "), "{said}");
    let mut plain = args.clone();
    plain.push("--no-cache");
    assert_eq!(changed, case.metrics(&plain).0);
}
