//! `joinedup serve --demo` on SQLite and on PostgreSQL: the same demo on both, a clean stop on
//! SIGTERM, and the demo users kept in either store. Skipped with a notice without
//! `JOINEDUP_TEST_DATABASE_URL`.

use crate::*;
use std::io::BufRead as _;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `serve --demo` on `db` until it says it is serving, stops it with SIGTERM and returns
/// what it wrote to standard error; asserts that it exited 0.
fn serve_demo_and_stop(dir: &Path, db: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args([
            "serve",
            "--demo",
            "--today",
            "2026-12-01",
            "--addr",
            "127.0.0.1:0",
            "--db",
            db,
        ])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut said = String::new();
    loop {
        // A guard against a hang only: the demo takes seconds.
        match rx.recv_timeout(Duration::from_secs(900)) {
            Ok(line) => {
                said.push_str(&line);
                said.push('\n');
                if line.starts_with("joinedup is serving") {
                    assert!(line.contains("at http://127.0.0.1:"), "{line}");
                    break;
                }
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve did not start ({e}):\n{said}");
            }
        }
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().unwrap();
    reader.join().unwrap();
    said.extend(rx.try_iter().map(|l| l + "\n"));
    assert!(
        status.success(),
        "serve exited with {status} on SIGTERM:\n{said}"
    );
    assert!(said.contains("stopped"), "{said}");
    said
}

#[test]
fn the_demo_is_the_same_on_sqlite_and_postgres() {
    let Some((url, _db)) = ::store::testing::fresh_postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let on_sqlite = serve_demo_and_stop(d, "demo.db");
    let on_pg = serve_demo_and_stop(d, &url);
    assert!(on_sqlite.contains("demo: sign in as any of"), "{on_sqlite}");
    assert!(on_pg.contains("demo: sign in as any of"), "{on_pg}");
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, p)| p.to_string());
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        assert!(
            !on_pg.contains(&p),
            "the URL's password was shown:\n{on_pg}"
        );
    }

    ok(joinedup(
        d,
        &["export", "--db", "demo.db", "--out", "sqlite"],
    ));
    ok(joinedup(d, &["export", "--db", &url, "--out", "pg"]));
    for f in ["events.jsonl", "orgs.csv", "population.csv"] {
        let a = std::fs::read_to_string(d.join("sqlite").join(f)).unwrap();
        let b = std::fs::read_to_string(d.join("pg").join(f)).unwrap();
        assert!(a.lines().count() > 1, "{f} is empty");
        assert!(a == b, "{f} differs between SQLite and PostgreSQL");
    }
    let events = std::fs::read_to_string(d.join("pg").join("events.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert!(events > 10_000, "only {events} events");

    // The demo is stored with its facts: `metrics --db` reads them, and gives the figures of
    // every event read.
    for db in ["demo.db", url.as_str()] {
        let mut args = vec![
            "metrics",
            "--db",
            db,
            "--from",
            "2017-01-01",
            "--to",
            "2017-02-01",
        ];
        let kept = std::process::Command::new(env!("CARGO_BIN_EXE_joinedup"))
            .args(&args)
            .current_dir(d)
            .env("JOINEDUP_CACHE_TRACE", "1")
            .output()
            .unwrap();
        let said = stderr(&kept);
        assert!(
            said.contains(&format!(
                "the kept facts of {events} events, and 0 events after"
            )),
            "{said}"
        );
        args.push("--no-cache");
        assert_eq!(stdout(&kept), ok(joinedup(d, &args)));
    }

    // The demo users are in both stores, listed alike.
    let users = ok(joinedup(d, &["users", "--db", &url, "list"]));
    assert_eq!(
        users,
        ok(joinedup(d, &["users", "--db", "demo.db", "list"]))
    );
    assert_eq!(users.lines().count(), 8, "{users}");
    assert!(
        users.contains("discharge_coordinator\tRJE\tdischarge_coordinator"),
        "{users}"
    );

    // Users are managed on PostgreSQL as on SQLite.
    ok(joinedup(d, &["users", "--db", &url, "disable", "gp"]));
    let users = ok(joinedup(d, &["users", "--db", &url, "list"]));
    assert!(users.contains("gp\tM83001\tgp\tdisabled"), "{users}");
}
