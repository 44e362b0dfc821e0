//! How much the people index costs on the demo system: folding its events, the records' heap,
//! sharing it with a view, and the relationship evaluated for every person.
//!
//! `cargo run --release -p live-log --example people_footprint [YYYY-MM-DD] [seed]`

use access::{PersonFacts, Role, DEFAULT_WINDOW_DAYS};
use live_log::People;
use std::mem::size_of;
use std::time::Instant as Clock;

fn heap(p: &PersonFacts) -> usize {
    let text = |t: &domain::Text| if t.is_heap_allocated() { t.len() } else { 0 };
    let opt = |t: &Option<domain::Text>| t.as_ref().map_or(0, text);
    p.residences.capacity() * size_of::<access::ResidenceFact>()
        + p.residences
            .iter()
            .map(|r| opt(&r.gp) + opt(&r.care_home))
            .sum::<usize>()
        + p.attendances.capacity() * size_of::<access::Attendance>()
        + p.spells.capacity() * size_of::<access::Spell>()
        + p.assessments.capacity() * size_of::<access::Assessment>()
        + p.packages.capacity() * size_of::<access::Package>()
        + p.packages
            .iter()
            .map(|k| k.providers.capacity() * size_of::<(domain::Text, domain::Instant)>())
            .sum::<usize>()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let today = args
        .next()
        .map(|s| domain::parse_date(&s).expect("a date YYYY-MM-DD"))
        .unwrap_or_else(|| domain::parse_date("2026-12-01").expect("a date"));
    let seed = args.next().map_or(1, |s| s.parse().expect("a seed"));
    let demo = twin::demo::demo(today, seed).expect("the demo runs");
    let t = Clock::now();
    let mut people = People::default();
    for e in &demo.events {
        people.push(e, "");
    }
    let fold = t.elapsed();
    let records: usize = people.iter().map(|(_, p)| heap(p)).sum();
    let per_person = size_of::<PersonFacts>() + 2 * size_of::<usize>() + size_of::<u64>() + 8;
    println!(
        "{} events, {} people: folded in {:.0} ms; records {:.1} MB on the heap + {:.1} MB of map entries",
        demo.events.len(),
        people.len(),
        fold.as_secs_f64() * 1e3,
        records as f64 / 1e6,
        (people.len() * per_person) as f64 / 1e6,
    );
    let t = Clock::now();
    let shared = people.clone();
    println!(
        "a view's copy (the records shared): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let now = demo
        .orgs
        .iter()
        .next()
        .map(|_| domain::Zone::default().midnight(today))
        .expect("orgs");
    for org in demo.orgs.iter() {
        if !matches!(
            org.kind,
            domain::codes::OrgKind::AcuteTrust | domain::codes::OrgKind::LocalAuthority
        ) {
            continue;
        }
        let t = Clock::now();
        let n = shared
            .visible_to(org, &[Role::DischargeCoordinator], now, DEFAULT_WINDOW_DAYS)
            .count();
        println!(
            "{} ({}) sees {n} people; every person evaluated in {:.1} ms",
            org.code,
            org.kind,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}
