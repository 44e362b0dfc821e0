//! `import`, `export` and `metrics --db` on a PostgreSQL URL: the same lines and the same figures
//! as on an SQLite file. Skipped with a notice without `JOINEDUP_TEST_DATABASE_URL`.

use crate::*;

fn example_files() -> Vec<String> {
    let ex = example();
    ["orgs.csv", "population.csv", "events.jsonl"]
        .iter()
        .map(|f| ex.join(f).to_str().unwrap().to_string())
        .collect()
}

fn run(dir: &Path, head: &[&str], files: &[String]) -> std::process::Output {
    let mut args: Vec<&str> = head.to_vec();
    args.extend(files.iter().map(String::as_str));
    joinedup(dir, &args)
}

#[test]
fn a_store_on_postgres_gives_back_the_lines_and_the_figures_of_one_on_sqlite() {
    let Some((url, _db)) = ::store::testing::fresh_postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = example_files();
    let n = std::fs::read_to_string(example().join("events.jsonl"))
        .unwrap()
        .lines()
        .count();
    let said = stderr(&run(d, &["import", "--db", &url], &files));
    assert!(said.contains(&format!("imported {n} events")), "{said}");
    ok(run(d, &["import", "--db", "store.db"], &files));

    // Importing again is a no-op.
    let again = run(d, &["import", "--db", &url], &files);
    assert!(stderr(&again).contains(&format!("imported 0 events ({n} already stored)")));

    ok(joinedup(d, &["export", "--db", &url, "--out", "out"]));
    for f in ["events.jsonl", "orgs.csv", "population.csv"] {
        assert_eq!(
            std::fs::read_to_string(d.join("out").join(f)).unwrap(),
            std::fs::read_to_string(example().join(f)).unwrap(),
            "{f}"
        );
    }

    for by in [&[][..], &["--by", "month"][..]] {
        let metrics = |db: &str| {
            let mut args = vec![
                "metrics",
                "--db",
                db,
                "--from",
                "2017-02-01",
                "--to",
                "2017-05-01",
                "--format",
                "json",
            ];
            args.extend_from_slice(by);
            ok(joinedup(d, &args))
        };
        let on_pg = metrics(&url);
        assert!(on_pg.contains("dtoc_delayed_days_per_100k"));
        assert_eq!(on_pg, metrics("store.db"), "{by:?}");
    }
}

#[test]
fn a_bad_import_into_postgres_writes_nothing() {
    let Some((url, _db)) = ::store::testing::fresh_postgres() else {
        return;
    };
    let dir = setup(SPEC_EXAMPLE);
    let d = dir.path();
    std::fs::write(
        d.join("bad.jsonl"),
        SPEC_EXAMPLE.replace(
            "\"person\":\"9434765919\",\"birth",
            "\"person\":\"9434765918\",\"birth",
        ),
    )
    .unwrap();
    let o = joinedup(
        d,
        &[
            "import",
            "--db",
            &url,
            "orgs.csv",
            "population.csv",
            "bad.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bad.jsonl:1: field `person`"),
        "{}",
        stderr(&o)
    );
    // Nothing was written, not even the schema: the database is still no store.
    let o = joinedup(d, &["export", "--db", &url, "--out", "out"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("is not a joinedup store"),
        "{}",
        stderr(&o)
    );

    ok(joinedup(
        d,
        &[
            "import",
            "--db",
            &url,
            "orgs.csv",
            "population.csv",
            "events.jsonl",
        ],
    ));
    let o = joinedup(d, &["import", "--db", &url, "bad.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    ok(joinedup(d, &["export", "--db", &url, "--out", "out"]));
    assert_eq!(
        std::fs::read_to_string(d.join("out/events.jsonl")).unwrap(),
        SPEC_EXAMPLE
    );
}

#[test]
fn a_url_password_is_never_shown() {
    // Nothing listens on port 1: the connection fails, and the message names the store masked.
    let dir = setup(SPEC_EXAMPLE);
    let url = "postgres://joe:hunter2@127.0.0.1:1/care";
    for args in [
        &["import", "--db", url, "events.jsonl"][..],
        &["export", "--db", url, "--out", "out"][..],
        &[
            "metrics",
            "--db",
            url,
            "--from",
            "2017-02-01",
            "--to",
            "2017-03-01",
        ][..],
        &[
            "import",
            "--db",
            "postgres://joe:hunter2@127.0.0.1:notaport/care",
            "events.jsonl",
        ][..],
        &[
            "import",
            "--db",
            "mysql://joe:hunter2@127.0.0.1/care",
            "events.jsonl",
        ][..],
    ] {
        let o = joinedup(dir.path(), args);
        assert!(!o.status.success(), "{args:?}");
        let said = format!("{}{}", stderr(&o), stdout(&o));
        assert!(!said.contains("hunter2"), "{args:?}: {said}");
        assert!(!said.contains("panicked"), "{args:?}: {said}");
    }
    let o = joinedup(dir.path(), &["import", "--db", url, "events.jsonl"]);
    assert!(
        stderr(&o).contains("postgres://joe:***@127.0.0.1:1/care"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("out").exists());
}
