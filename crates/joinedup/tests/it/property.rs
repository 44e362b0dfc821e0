//! Hostile command lines: whatever the arguments, `joinedup` exits 0, 1 or 2 and never panics.
//!
//! Arguments are drawn from every subcommand's flags with values at and past their limits
//! (dates beyond what an instant holds, numbers at their type's ends, empty strings, files that
//! are not there or are folders). Runs stay small: a tiny log, one or two replications of a day
//! or two.

use crate::*;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::RngSeed;

/// Dates a period can take.
const GOOD_DATES: &[&str] = &[
    "2017-02-01",
    "2017-03-01",
    "1900-01-01",
    "2199-12-31",
    "2016-12-25",
];
/// Dates it cannot: past what an instant holds, at its very ends, not dates at all.
const BAD_DATES: &[&str] = &[
    "1600-01-01",
    "9999-12-31",
    "1677-09-21",
    "2262-04-11",
    "1899-12-31",
    "2200-01-01",
    "2017-02-30",
    "01/02/2017",
    "2017-2-1",
    "",
    "-1",
];
/// Numbers at and past the ends of their types, and not numbers.
const BAD_NUMBERS: &[&str] = &[
    "-1",
    "",
    "x",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
];
/// Paths that are not there, are folders, or are the wrong kind of file.
const BAD_PATHS: &[&str] = &["nothere.jsonl", "", ".", "nothere/x.csv", "events.jsonl"];

type Args = Vec<String>;

/// A value: mostly one that works, sometimes a hostile one.
fn value(good: &'static [&'static str], bad: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(good).prop_map(str::to_string),
        1 => select(bad).prop_map(str::to_string),
    ]
    .boxed()
}

/// `--flag=value`, always.
fn given(
    name: &'static str,
    good: &'static [&'static str],
    bad: &'static [&'static str],
) -> BoxedStrategy<Args> {
    value(good, bad)
        .prop_map(move |v| vec![format!("{name}={v}")])
        .boxed()
}

/// `--flag=value`, or (one time in five) nothing.
fn flag(
    name: &'static str,
    good: &'static [&'static str],
    bad: &'static [&'static str],
) -> BoxedStrategy<Args> {
    prop_oneof![1 => Just(Vec::new()), 4 => given(name, good, bad)].boxed()
}

/// A switch, present or not.
fn switch(name: &'static str) -> BoxedStrategy<Args> {
    any::<bool>()
        .prop_map(move |b| if b { vec![name.to_string()] } else { vec![] })
        .boxed()
}

fn command(name: &'static str, parts: Vec<BoxedStrategy<Args>>) -> BoxedStrategy<Args> {
    parts
        .prop_map(move |ps| {
            let mut v = vec![name.to_string()];
            v.extend(ps.into_iter().flatten());
            v
        })
        .boxed()
}

/// Replications kept to a day or two, one or two runs.
fn run_args() -> Vec<BoxedStrategy<Args>> {
    vec![
        given("--days", &["1", "2"], &["0", "-1", "", "x"]),
        given("--replications", &["1", "2"], &["0", "-1", "", "x"]),
        flag(
            "--threads",
            &["1", "2"],
            &["0", "1025", "-1", "", "18446744073709551616"],
        ),
        flag("--seed", &["0", "18446744073709551615"], BAD_NUMBERS),
    ]
}

fn command_line() -> impl Strategy<Value = Args> {
    let metrics_files = command(
        "metrics",
        vec![
            given("--events", &["events.jsonl"], BAD_PATHS),
            given("--orgs", &["orgs.csv"], BAD_PATHS),
            given("--population", &["population.csv"], BAD_PATHS),
            given("--from", GOOD_DATES, BAD_DATES),
            given("--to", GOOD_DATES, BAD_DATES),
            flag("--by", &["month"], &["year", ""]),
            flag("--format", &["table", "json", "csv"], &["xml", ""]),
            flag(
                "--zone",
                &[
                    "Europe/London",
                    "Pacific/Kiritimati",
                    "Pacific/Apia",
                    "America/Sao_Paulo",
                ],
                &["Nowhere/City", ""],
            ),
            flag("--out", &["out.txt"], &["", ".", "nothere/out.txt"]),
        ],
    );
    let metrics_db = command(
        "metrics",
        vec![
            given("--db", &["nothere.db"], &["events.jsonl", "", "."]),
            given("--from", GOOD_DATES, BAD_DATES),
            given("--to", GOOD_DATES, BAD_DATES),
        ],
    );
    let import = command(
        "import",
        vec![
            given("--db", &["new.db"], &["events.jsonl", "", "."]),
            value(&["events.jsonl", "orgs.csv", "population.csv"], BAD_PATHS)
                .prop_map(|f| vec![f])
                .boxed(),
        ],
    );
    let export = command(
        "export",
        vec![
            given("--db", &["nothere.db"], &["events.jsonl", "", "."]),
            given("--out", &["out"], &["", ".", "events.jsonl"]),
            switch("--force"),
        ],
    );
    let generate = command(
        "generate",
        vec![
            given("--out", &["g"], &["", ".", "events.jsonl"]),
            given("--people", &["0", "1", "3"], BAD_NUMBERS),
            given("--events", &["0", "20"], BAD_NUMBERS),
            given("--from", &["2016-10-01", "2017-01-01"], BAD_DATES),
            given("--to", &["2017-01-01", "2017-02-01"], BAD_DATES),
            flag("--seed", &["0", "18446744073709551615"], BAD_NUMBERS),
            switch("--gzip"),
        ],
    );
    let scenarios = prop_oneof![
        Just(vec!["scenarios".to_string()]),
        value(
            &["d2a", "stoke-2017"],
            &["nothere", "", "events.jsonl", "."]
        )
        .prop_map(|n| vec!["scenarios".into(), "show".into(), n]),
    ]
    .boxed();
    let mut sim = vec![given(
        "--scenario",
        &["stoke-2017", "d2a"],
        &["nothere", "", "events.jsonl"],
    )];
    sim.extend(run_args());
    sim.push(given("--out", &["s"], &["", "events.jsonl"]));
    sim.push(flag("--events-out", &["log"], &["", "events.jsonl"]));
    let simulate = command("simulate", sim);
    let mut cmp = vec![
        given("--scenario", &["stoke-2017"], &["nothere"]),
        flag("--scenario", &["d2a"], &["", "events.jsonl"]),
    ];
    cmp.extend(run_args());
    cmp.push(given("--out", &["c"], &["", "events.jsonl"]));
    let compare = command("compare", cmp);
    prop_oneof![
        metrics_files,
        metrics_db,
        import,
        export,
        generate,
        scenarios,
        simulate,
        compare,
        // Nothing, or no such subcommand.
        select(&["", "nothere", "--help", "--version"][..]).prop_map(|s| vec![s.to_string()]),
    ]
}

proptest! {
    // A fixed seed: the same command lines on every run (PROPTEST_RNG_SEED draws others).
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        rng_seed: std::env::var("PROPTEST_RNG_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(RngSeed::Fixed(2017), RngSeed::Fixed),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_command_line_panics(args in command_line()) {
        let dir = setup(SPEC_EXAMPLE);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = joinedup(dir.path(), &argv);
        if std::env::var_os("JOINEDUP_SHOW_ARGS").is_some() {
            eprintln!("{:?} {argv:?}", o.status.code());
        }
        let err = stderr(&o);
        prop_assert!(!err.contains("panicked"), "{argv:?}: {err}");
        prop_assert!(
            matches!(o.status.code(), Some(0..=2)),
            "{argv:?}: exit {:?}: {err}",
            o.status.code()
        );
    }
}
