//! Bad input: every error names the file, the line and the field; the run exits non-zero and
//! writes nothing.

use crate::*;

const GOOD: &str = r#"{"id":"e1","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9434765919","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}"#;

/// Runs metrics on `events` (written after a valid first line) and returns standard error,
/// checking that the run failed and wrote no output file.
fn rejected(events: &str) -> String {
    let dir = setup(&format!("{GOOD}\n{events}\n"));
    let o = joinedup(
        dir.path(),
        &metrics_args(
            "2017-02-01",
            "2017-03-01",
            &["--out", "out.json", "--format", "json"],
        ),
    );
    assert!(!o.status.success(), "accepted: {events}");
    assert!(stdout(&o).is_empty());
    assert!(
        !dir.path().join("out.json").exists(),
        "wrote output despite errors"
    );
    stderr(&o)
}

#[track_caller]
fn expect(events: &str, wanted: &[&str]) {
    let err = rejected(events);
    for w in wanted {
        assert!(err.contains(w), "expected {w:?} in:\n{err}");
    }
}

#[test]
fn malformed_lines() {
    expect("{not json", &["events.jsonl:2: not a JSON object"]);
    expect("[1,2,3]", &["events.jsonl:2: not a JSON object"]);
    expect(
        r#"{"id":"x","kind":"death","at":"2017-02-01T00:00:00Z"}"#,
        &["events.jsonl:2: field `person`: missing required field"],
    );
}

#[test]
fn invalid_nhs_numbers() {
    expect(
        r#"{"id":"x","kind":"death","at":"2017-02-01T00:00:00Z","person":"9434765918"}"#,
        &["events.jsonl:2: field `person`", "modulus-11"],
    );
    expect(
        r#"{"id":"x","kind":"death","at":"2017-02-01T00:00:00Z","person":"94347659"}"#,
        &["events.jsonl:2: field `person`", "10 digits"],
    );
}

#[test]
fn unknown_codes_and_orgs() {
    expect(
        r#"{"id":"x","kind":"ae_arrival","at":"2017-02-01T00:00:00Z","person":"9434765919","attendance":"a1","org":"RJE","source":"walked"}"#,
        &["events.jsonl:2: field `source`: unknown A&E source \"walked\""],
    );
    expect(
        r#"{"id":"x","kind":"ae_arrival","at":"2017-02-01T00:00:00Z","person":"9434765919","attendance":"a1","org":"XXX","source":"self"}"#,
        &[
            "events.jsonl:2: field `org`",
            "not in the organisations register",
        ],
    );
    expect(
        r#"{"id":"x","kind":"delay_reason","at":"2017-02-01T00:00:00Z","person":"9434765919","spell":"s1","reason":"e"}"#,
        &["events.jsonl:2: field `reason`: unknown delay reason"],
    );
}

#[test]
fn wrong_types_and_dates() {
    expect(
        r#"{"id":"x","kind":"death","at":"1 Feb 2017","person":"9434765919"}"#,
        &["events.jsonl:2: field `at`", "RFC 3339"],
    );
    expect(
        r#"{"id":7,"kind":"death","at":"2017-02-01T00:00:00Z","person":"9434765919"}"#,
        &["events.jsonl:2: field `id`: expected a string"],
    );
    expect(
        r#"{"id":"x","kind":"review_due","at":"2017-02-01T00:00:00Z","person":"9434765919","review":"r1","due":"2017-02-30"}"#,
        &["events.jsonl:2: field `due`"],
    );
}

#[test]
fn broken_lifecycles_and_references() {
    expect(
        r#"{"id":"x","kind":"discharge","at":"2017-02-01T00:00:00Z","person":"9434765919","spell":"nope","destination":"died"}"#,
        &["events.jsonl:2: field `spell`", "no admission"],
    );
    let adm = r#"{"id":"a","kind":"admission","at":"2017-02-02T00:00:00Z","person":"9434765919","spell":"s1","org":"RJE","method":"emergency"}"#;
    let early = r#"{"id":"b","kind":"discharge","at":"2017-02-01T00:00:00Z","person":"9434765919","spell":"s1","destination":"died"}"#;
    expect(
        &format!("{early}\n{adm}"),
        &["events.jsonl:2: field `at`: discharge of spell \"s1\" is before its admission"],
    );
    let again = r#"{"id":"c","kind":"admission","at":"2017-02-03T00:00:00Z","person":"9434765919","spell":"s1","org":"RJE","method":"emergency"}"#;
    expect(
        &format!("{adm}\n{again}"),
        &["events.jsonl:3: field `spell`: a second admission"],
    );
    let same_id = r#"{"id":"a","kind":"admission","at":"2017-02-05T00:00:00Z","person":"9434765919","spell":"s1","org":"RJE","method":"emergency"}"#;
    expect(
        &format!("{adm}\n{same_id}"),
        &["events.jsonl:3: field `id`", "different content"],
    );
}

#[test]
fn every_error_is_reported_up_to_a_limit() {
    let bad: Vec<String> = (0..500)
        .map(|i| {
            format!(r#"{{"id":"x{i}","kind":"death","at":"2017-02-01T00:00:00Z","person":"123"}}"#)
        })
        .collect();
    let err = rejected(&bad.join("\n"));
    assert!(err.contains("500 errors"), "{}", &err[..200]);
    assert!(err.contains("events.jsonl:2: field `person`"));
    assert!(err.contains("events.jsonl:201: field `person`"));
    assert!(!err.contains("events.jsonl:202:"));
    assert!(err.contains("and 300 more errors"));
}

#[test]
fn bad_registers_name_line_and_field() {
    let dir = setup(GOOD);
    std::fs::write(
        dir.path().join("orgs.csv"),
        "code,name,kind,cqc_rating,beds,extended_access\nRJE,Trust,acute_trust,good,lots,\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("population.csv"),
        "band,count\n0-17,1\n18-64,1\n65-74,1\n75-84,1\n90+,1\n",
    )
    .unwrap();
    let o = joinedup(dir.path(), &metrics_args("2017-02-01", "2017-03-01", &[]));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("orgs.csv:2: field `beds`"), "{err}");
    assert!(err.contains("population.csv:6: field `band`"), "{err}");
}

#[test]
fn bad_arguments() {
    let dir = setup(GOOD);
    let run = |from: &str, to: &str| joinedup(dir.path(), &metrics_args(from, to, &[]));
    // Bad argument values are a wrong command line: exit 2, as for any other.
    for (from, to, says) in [
        ("2017-02-30", "2017-03-01", "--from"),
        ("01/02/2017", "2017-03-01", "--from"),
        ("2017-02-01", "", "--to"),
        (
            "2017-03-01",
            "2017-02-01",
            "--to 2017-02-01 must be after --from 2017-03-01",
        ),
        ("2017-03-01", "2017-03-01", "must be after"),
    ] {
        let o = run(from, to);
        assert_eq!(o.status.code(), Some(2), "{from} {to}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{from} {to}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    let o = joinedup(
        dir.path(),
        &[
            "metrics",
            "--events",
            "missing.jsonl",
            "--orgs",
            "orgs.csv",
            "--population",
            "population.csv",
            "--from",
            "2017-02-01",
            "--to",
            "2017-03-01",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: cannot read missing.jsonl: No such file or directory\n"
    );
    // Neither files nor a store: a usage error.
    let o = joinedup(
        dir.path(),
        &["metrics", "--from", "2017-02-01", "--to", "2017-03-01"],
    );
    assert_eq!(o.status.code(), Some(2));
}
