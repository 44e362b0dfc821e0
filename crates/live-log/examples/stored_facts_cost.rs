//! What the facts kept in a store cost (`bench/metrics_store.sh`): reading them (the facts
//! alone, as `metrics --db` does, and with the live state, as a service starting does) and
//! the events after them against reading every event, encoding them, and storing them (a
//! refresh holds the write lock only for that).
//!
//!     cargo run --release -p live-log --example stored_facts_cost -- STORE [--tail FILE.jsonl]
//!
//! `--tail FILE`: imports FILE as a writer that keeps no facts would (so the kept facts are
//! followed by its events), and stops.

use live_log::stored_facts::{self, Want, FORMAT};
use std::time::Instant;
use store::{Access, Batch, Covers, Location, NewFacts};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        return Err("usage: stored_facts_cost STORE [--tail FILE.jsonl]".into());
    };
    let location = Location::parse(path)?;
    if let (Some("--tail"), Some(file)) = (args.get(1).map(String::as_str), args.get(2)) {
        let t = Instant::now();
        let s = store::import_into(
            &location,
            &[file.into()],
            std::time::Duration::from_secs(60),
            &|_| {},
        )?;
        println!(
            "tail: {} events imported without facts in {:.3} s",
            s.events_added,
            t.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let store = store::open(&location, Access::Read)?;
    for (use_kept, want) in [
        (true, Want::Facts),
        (true, Want::Live),
        (false, Want::Facts),
        (false, Want::Live),
    ] {
        let t = Instant::now();
        let mut folded = None;
        store.read(&mut |r| {
            folded = Some(stored_facts::read(r, &r.orgs()?, use_kept, want)?);
            Ok(())
        })?;
        let f = folded.expect("the read ran");
        println!(
            "read {} ({}): {} events, {} parsed, in {:.3} s{}",
            if use_kept {
                "from the kept facts"
            } else {
                "every event"
            },
            match want {
                Want::Facts => "the facts",
                Want::Live => "with the live state",
            },
            f.facts.events(),
            f.parsed,
            t.elapsed().as_secs_f64(),
            f.unused.map(|u| format!(" ({u})")).unwrap_or_default()
        );
        if use_kept || want == Want::Facts {
            continue;
        }
        let t = Instant::now();
        let bytes = f.facts.encode().ok_or("facts not folded here")?;
        println!(
            "encode: {:.1} MB in {:.3} s",
            bytes.len() as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        let mut writer = store::open(&location, Access::Write)?;
        let t = Instant::now();
        let mut batch = Some(Batch {
            facts: Some(NewFacts {
                covers: Covers::Through(f.last_seq),
                format: FORMAT,
                bytes,
            }),
            ..Batch::default()
        });
        writer.write(&mut |_| Ok(batch.take()))?;
        println!(
            "store them (the write lock held): {:.3} s",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let r = stored_facts::refresh(writer.as_mut(), true)?;
        println!(
            "a whole refresh (read, encode, store): {:.3} s, {r:?}",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
