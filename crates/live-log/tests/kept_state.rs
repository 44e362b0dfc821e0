//! A service starts from the state kept with the log (the facts, the rules' state, every
//! person's facts) and the events stored after it, and then holds and judges exactly what it
//! would have after reading the whole log.

use live_log::stored_facts::{ImportFold, Unusable};
use live_log::{AppendError, LiveLog};
use std::path::{Path, PathBuf};
use std::time::Duration;
use store::{Access, JourneyStore, Location, SqliteStore, StoreRead};

/// A synthetic log (about 20,000 events) and its registers, in `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let log = dir.join("events.jsonl");
    let mut out = std::fs::File::create(&log).unwrap();
    let config = synthetic_log::Config {
        people65: 0,
        target_events: 20_000,
        from: domain::parse_date("2016-10-01").unwrap(),
        to: domain::parse_date("2017-04-01").unwrap(),
        seed: 11,
    };
    let stats = synthetic_log::generate(&config, &mut out, &|_| {}).unwrap();
    let orgs = dir.join("orgs.csv");
    journey_log::write_orgs(
        std::fs::File::create(&orgs).unwrap(),
        &synthetic_log::orgs_sized(&stats.places),
    )
    .unwrap();
    let population = dir.join("population.csv");
    journey_log::write_population(
        std::fs::File::create(&population).unwrap(),
        &synthetic_log::population_for(stats.bands65),
    )
    .unwrap();
    vec![orgs, population, log]
}

fn import(db: &Path, files: &[PathBuf], keep: bool) {
    let fold = ImportFold::boxed;
    store::import_into_folding(
        &Location::Sqlite(db.to_path_buf()),
        files,
        Duration::from_secs(5),
        &|_| {},
        keep.then_some(&fold as store::MakeFold<'_>),
    )
    .unwrap();
}

fn open(db: &Path) -> LiveLog {
    LiveLog::open(Box::new(SqliteStore::open_with(db, Access::Write).unwrap())).unwrap()
}

/// Everything a view shows, as text: the indicators of each month, every person's facts,
/// the span's coverage, and the records of the people in hospital.
fn shown(live: &LiveLog) -> String {
    let v = live.fresh_view().unwrap();
    let b = indicators::BenchmarkSet::stoke_2017();
    let mut out = format!(
        "{} events, first {:?}, last {:?}\n",
        v.events, v.span.first, v.span.last
    );
    let mut month = domain::parse_date("2016-10-01").unwrap();
    while month < domain::parse_date("2017-04-01").unwrap() {
        let next = month.checked_add_months(chrono::Months::new(1)).unwrap();
        let p = indicators::Period::new(month, next).unwrap();
        let r = v.report(p, &b, domain::Zone::default()).unwrap();
        out += &format!("{month}: covered {} {:?}\n", v.span.covers(month, next), r);
        month = next;
    }
    for (nhs, facts) in v.people().iter() {
        out += &format!("{nhs} {} {facts:?}\n", v.people().events_of(nhs));
    }
    for (nhs, r) in v.records_in_hospital().unwrap() {
        out += &format!("{nhs} {:?}\n", r.events());
    }
    out
}

/// Appends a test batch: a new person's admission (accepted), then lines each breaking a rule
/// against stored events; every answer, as text.
fn appends(live: &LiveLog, stored: &str) -> String {
    let mut answers = String::new();
    let mut answer = |r: Result<live_log::Appended, AppendError>| {
        answers += &match r {
            Ok(a) => format!("ok {a:?}\n"),
            Err(AppendError::Invalid(e)) => format!("invalid {e:?}\n"),
            Err(e) => format!("error {e}\n"),
        };
    };
    // The first stored line again: a no-op.
    answer(live.append(stored));
    // Its id with other content.
    answer(live.append(&stored.replacen("\"at\":\"20", "\"at\":\"19", 1)));
    let reg = r#"{"id":"new-0","kind":"person_registered","at":"2017-03-01T00:00:00Z","person":"9990000018","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}"#;
    answer(live.append(reg));
    let adm = r#"{"id":"new-1","kind":"admission","at":"2017-03-02T10:00:00Z","person":"9990000018","spell":"new-s1","org":"RJE","method":"emergency"}"#;
    answer(live.append(adm));
    // A second admission of that spell, and a step of a spell never opened.
    answer(live.append(&adm.replace("new-1", "new-2")));
    answer(live.append(r#"{"id":"new-3","kind":"ready_for_discharge","at":"2017-03-03T10:00:00Z","person":"9990000018","spell":"nowhere"}"#));
    answers
}

#[test]
fn a_service_starts_from_the_kept_state_as_if_it_read_the_whole_log() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    let (kept_db, whole_db) = (dir.path().join("kept.db"), dir.path().join("whole.db"));
    import(&kept_db, &files, true);
    import(&whole_db, &files, false);

    let kept = open(&kept_db);
    assert_eq!(kept.started().unused, None);
    assert_eq!(kept.started().parsed, 0);
    let whole = open(&whole_db);
    assert_eq!(whole.started().unused, Some(Unusable::Absent));
    assert!(whole.events() > 15_000);
    assert_eq!(kept.events(), whole.events());
    assert_eq!(shown(&kept), shown(&whole));

    let stored = std::fs::read_to_string(&files[2]).unwrap();
    let first = stored.lines().next().unwrap();
    let a = appends(&kept, first);
    assert_eq!(a, appends(&whole, first));
    assert_eq!(a.lines().filter(|l| l.starts_with("ok")).count(), 3, "{a}");
    assert!(
        a.contains("already used by an event with different content"),
        "{a}"
    );
    assert!(a.contains("a second admission"), "{a}");
    assert!(a.contains("no admission in the log"), "{a}");
    assert_eq!(shown(&kept), shown(&whole));

    // After the appends (a tail), a service starts from the kept state and the tail.
    drop(kept);
    let again = open(&kept_db);
    assert_eq!(again.started().unused, None);
    assert_eq!(again.started().parsed, 2);
    assert_eq!(shown(&again), shown(&whole));
    // A tail that short is not worth a refresh at start.
    let at = kept_db.clone();
    again.keep_facts(std::sync::Arc::new(move || {
        Ok(Box::new(SqliteStore::open_with(&at, Access::Write)?) as Box<dyn JourneyStore + Send>)
    }));
    assert_eq!(again.facts_refreshed(), None);
    // And goes on judging as the whole log does.
    let more = r#"{"id":"new-4","kind":"admission","at":"2017-03-05T10:00:00Z","person":"9990000018","spell":"new-s1","org":"RJE","method":"emergency"}"#;
    assert!(matches!(again.append(more), Err(AppendError::Invalid(_))));
}

#[test]
fn kept_bytes_that_cannot_be_used_are_read_past() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    let db = dir.path().join("j.db");
    import(&db, &files, true);
    let whole = {
        let w = dir.path().join("whole.db");
        import(&w, &files, false);
        shown(&open(&w))
    };
    // Altered behind the store's back: the checksum no longer matches.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let mut bytes: Vec<u8> = c
            .query_row("SELECT bytes FROM facts_snapshot", [], |r| r.get(0))
            .unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        c.execute("UPDATE facts_snapshot SET bytes = ?1", [bytes])
            .unwrap();
    }
    let s = SqliteStore::open_with(&db, Access::Read).unwrap();
    assert!(s.facts_snapshot().unwrap().is_some());
    drop(s);
    let live = open(&db);
    assert!(
        matches!(live.started().unused, Some(Unusable::Damaged(_))),
        "{:?}",
        live.started()
    );
    assert_eq!(shown(&live), whole);
}
