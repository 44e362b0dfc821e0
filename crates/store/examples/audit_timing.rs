//! Times audit appends (one appender, then 8 concurrent) and `verify` on a new store:
//! `cargo run --release -p store --example audit_timing -- [STORE|postgres://URL] [N]`
//! (default: a temporary SQLite file, 2,000 entries per run).

use std::time::Instant;
use store::{open, open_audit, Access, Action, AuditEntry, Location};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = tempfile::tempdir()?;
    let location = match args.first() {
        Some(l) => Location::parse(l)?,
        None => Location::Sqlite(dir.path().join("store.db")),
    };
    let n: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    drop(open(&location, Access::Create)?);
    let entry = |i: usize| AuditEntry {
        at: 1_700_000_000 + i as i64,
        username: format!("user{}", i % 8),
        org: "RJE".into(),
        action: Action::ViewPerson,
        person: Some("9434765919".into()),
        reason: None,
        client: Some("127.0.0.1".into()),
    };
    let mut log = open_audit(&location)?;
    let t = Instant::now();
    for i in 0..n {
        log.append(&entry(i))?;
    }
    let one = t.elapsed();
    println!(
        "{n} appends, one appender: {:.0}/s",
        n as f64 / one.as_secs_f64()
    );
    let t = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let location = location.clone();
            std::thread::spawn(move || -> Result<(), store::StoreError> {
                let mut log = open_audit(&location)?;
                for i in 0..n / 8 {
                    log.append(&entry(i))?;
                }
                Ok(())
            })
        })
        .collect();
    for th in threads {
        th.join().map_err(|_| "a thread panicked")??;
    }
    let eight = t.elapsed();
    println!(
        "{} appends, 8 appenders: {:.0}/s",
        n / 8 * 8,
        (n / 8 * 8) as f64 / eight.as_secs_f64()
    );
    let t = Instant::now();
    let v = log.verify()?;
    println!(
        "verify of {} entries: {:.0} ms",
        v.entries,
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
