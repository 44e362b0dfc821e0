//! The live log on a real SQLite file: appends checked against the whole log, other writers
//! folded in, concurrent appends keeping the rules.

use live_log::{AppendError, LiveLog};
use std::path::Path;
use std::sync::Arc;
use store::{Access, Batch, JourneyStore, SqliteStore, StoreRead};

const ORGS: &str = "code,name,kind,cqc_rating,beds,extended_access
RJE,Acute trust,acute_trust,requires_improvement,10,
M83001,Surgery,gp_practice,good,,true
";
const POPULATION: &str = "band,count\n0-17,30000\n18-64,80000\n65-74,10000\n75-84,6000\n85+,4000\n";
const P: &str = "9434765919";

fn line(id: &str, kind: &str, at: &str, rest: &str) -> String {
    format!(r#"{{"id":"{id}","kind":"{kind}","at":"2017-02-{at}Z","person":"{P}"{rest}}}"#)
}

fn new_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("j.db");
    let mut s = SqliteStore::open_with(&db, Access::Create).unwrap();
    let orgs = journey_log::read_orgs("orgs.csv", ORGS.as_bytes()).unwrap();
    let population = journey_log::read_population("population.csv", POPULATION.as_bytes()).unwrap();
    s.append(&Batch {
        orgs: orgs.iter().cloned().collect(),
        population: Some(population),
        ..Batch::default()
    })
    .unwrap();
    db
}

fn open(db: &Path) -> LiveLog {
    LiveLog::open(Box::new(SqliteStore::open_with(db, Access::Write).unwrap())).unwrap()
}

#[test]
fn appends_are_checked_against_the_whole_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    let adm = line(
        "e1",
        "admission",
        "01T10:00:00",
        r#","spell":"s1","org":"RJE","method":"emergency""#,
    );
    let reg = r#"{"id":"e0","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9434765919","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}"#;
    let a = live.append(&format!("{reg}\n{adm}\n")).unwrap();
    assert_eq!((a.appended, a.already_stored), (2, 0));
    // Again: no-ops.
    let a = live.append(&format!("{adm}\n")).unwrap();
    assert_eq!((a.appended, a.already_stored), (0, 1));
    // A second admission of the stored spell, beside a valid event: nothing written.
    let bad = format!(
        "{}\n\n{}\n",
        line(
            "e2",
            "ready_for_discharge",
            "02T10:00:00",
            r#","spell":"s1""#
        ),
        line(
            "e3",
            "admission",
            "03T10:00:00",
            r#","spell":"s1","org":"RJE","method":"emergency""#
        )
    );
    match live.append(&bad) {
        Err(AppendError::Invalid(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].line, Some(3));
            assert_eq!(errors[0].field.as_deref(), Some("spell"));
        }
        other => panic!("{other:?}"),
    }
    // Bad fields and references to nothing are errors naming line and field.
    match live.append(&line(
        "e4",
        "discharge",
        "03T10:00:00",
        r#","spell":"nope","destination":"sideways""#,
    )) {
        Err(AppendError::Invalid(errors)) => {
            assert_eq!(
                errors[0].field.as_deref(),
                Some("destination"),
                "{errors:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    match live.append(&line(
        "e4",
        "discharge",
        "03T10:00:00",
        r#","spell":"nope","destination":"died""#,
    )) {
        Err(AppendError::Invalid(errors)) => assert_eq!(errors[0].field.as_deref(), Some("spell")),
        other => panic!("{other:?}"),
    }
    // The rejected appends left nothing behind: the valid event goes in now.
    let a = live
        .append(&line(
            "e2",
            "ready_for_discharge",
            "02T10:00:00",
            r#","spell":"s1""#,
        ))
        .unwrap();
    assert_eq!(a.appended, 1);
    let store = SqliteStore::open_with(&db, Access::Read).unwrap();
    assert_eq!(store.event_count().unwrap(), 3);
    assert_eq!(live.view().unwrap().events, 3);
}

#[test]
fn other_writers_are_folded_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    assert_eq!(live.fresh_view().unwrap().events, 0);
    // Another process imports.
    let file = dir.path().join("more.jsonl");
    std::fs::write(&file, line("d1", "death", "05T10:00:00", "") + "\n").unwrap();
    let mut other = SqliteStore::open_with(&db, Access::Write).unwrap();
    store::import(&mut other, &[file]).unwrap();
    let v = live.fresh_view().unwrap();
    assert_eq!(v.events, 1);
    // The service knows of the death: a second one is refused.
    match live.append(&line("d2", "death", "06T10:00:00", "")) {
        Err(AppendError::Invalid(e)) => assert!(e[0].message.contains("second death"), "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn concurrent_appends_keep_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = Arc::new(open(&db));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let live = live.clone();
            std::thread::spawn(move || {
                let death = live.append(&line(
                    &format!("d{i}"),
                    "death",
                    &format!("05T10:0{i}:00"),
                    "",
                ));
                let same = live.append(&line(
                    "same",
                    "residence_changed",
                    "01T00:00:00",
                    r#","residence":"own_home""#,
                ));
                (death.is_ok(), same.unwrap())
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.0).count(), 1);
    assert_eq!(results.iter().map(|r| r.1.appended).sum::<u64>(), 1);
    let store = SqliteStore::open_with(&db, Access::Read).unwrap();
    assert_eq!(store.event_count().unwrap(), 2);
}

#[test]
fn the_view_gives_the_indicators_of_the_stored_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    let lines = [
        r#"{"id":"e0","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9434765919","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}"#.to_string(),
        line("e1", "admission", "01T10:00:00", r#","spell":"s1","org":"RJE","method":"emergency""#),
        line("e2", "ready_for_discharge", "02T10:00:00", r#","spell":"s1""#),
        line("e3", "discharge", "06T10:00:00", r#","spell":"s1","destination":"usual_residence""#),
    ];
    live.append(&lines.join("\n")).unwrap();
    let period = indicators::Period::new(
        chrono::NaiveDate::from_ymd_opt(2017, 2, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2017, 3, 1).unwrap(),
    )
    .unwrap();
    let b = indicators::BenchmarkSet::stoke_2017();
    let v = live.view().unwrap();
    let r = v.report(period, &b, domain::Zone::default()).unwrap();
    // Delayed at the midnights of 3, 4, 5 and 6 February: 4 days over 28, per 100k of 100,000 adults.
    let dtoc = r.value("dtoc_delayed_days_per_100k").unwrap();
    assert!(
        (dtoc - 4.0 / 28.0 / 100_000.0 * 100_000.0).abs() < 1e-9,
        "{dtoc}"
    );
    // A later append gives a new view with new figures; the old one keeps its own.
    live.append(&line(
        "x1",
        "admission",
        "10T10:00:00",
        r#","spell":"s2","org":"RJE","method":"emergency""#,
    ))
    .unwrap();
    let v2 = live.view().unwrap();
    assert!(v2.version > v.version);
    let r2 = v2.report(period, &b, domain::Zone::default()).unwrap();
    assert_ne!(
        r2.value("emergency_admissions_65_per_100k"),
        r.value("emergency_admissions_65_per_100k")
    );
}

#[test]
fn a_view_s_relationships_follow_appends() {
    use access::{Episode, Relationship, Role};
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    let p: domain::NhsNumber = P.parse().unwrap();
    let at = |s: &str| domain::Instant::parse_rfc3339(s).unwrap();
    let v = live.view().unwrap();
    let hospital = v.orgs.get("RJE").unwrap().clone();
    let surgery = v.orgs.get("M83001").unwrap().clone();
    assert!(v.person(p).is_none());
    let now = at("2017-02-10T00:00:00Z");
    let visible = |v: &live_log::View, org: &domain::Org, roles: &[Role], now| {
        v.people_visible_to(org, roles, now, 90)
            .map(|(n, _, r)| (n, r))
            .collect::<Vec<_>>()
    };
    assert!(visible(&v, &hospital, &[Role::DischargeCoordinator], now).is_empty());

    let reg = r#"{"id":"e0","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9434765919","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}"#;
    live.append(reg).unwrap();
    let v = live.view().unwrap();
    assert_eq!(v.person(p).unwrap().gp_at(now), Some("M83001"));
    assert_eq!(
        visible(&v, &surgery, &[Role::Gp], now),
        [(p, Relationship::GpPractice)]
    );
    assert!(visible(&v, &hospital, &[Role::DischargeCoordinator], now).is_empty());
    // Aggregates-only roles see no one, though the organisation is related.
    assert!(visible(&v, &surgery, &[Role::Analyst, Role::Admin], now).is_empty());

    live.append(&line(
        "e1",
        "admission",
        "01T10:00:00",
        r#","spell":"s1","org":"RJE","method":"emergency""#,
    ))
    .unwrap();
    let v2 = live.view().unwrap();
    let spell = Relationship::CareEpisode {
        kind: Episode::Spell,
    };
    assert_eq!(
        visible(&v2, &hospital, &[Role::DischargeCoordinator], now),
        [(p, spell)]
    );
    // The view taken before the append is unchanged.
    assert!(visible(&v, &hospital, &[Role::DischargeCoordinator], now).is_empty());
    assert!(v.person(p).unwrap().spells.is_empty());

    live.append(&line(
        "e2",
        "discharge",
        "03T10:00:00",
        r#","spell":"s1","destination":"usual_residence""#,
    ))
    .unwrap();
    let v3 = live.view().unwrap();
    let discharged = at("2017-02-03T10:00:00Z");
    assert_eq!(
        visible(
            &v3,
            &hospital,
            &[Role::DischargeCoordinator],
            discharged.plus_days(90)
        ),
        [(p, spell)]
    );
    assert!(visible(
        &v3,
        &hospital,
        &[Role::DischargeCoordinator],
        discharged.plus_days(91)
    )
    .is_empty());

    // Opening the store again folds in the same facts; so does another writer's import.
    let reopened = open(&db).view().unwrap();
    assert_eq!(reopened.person(p), v3.person(p));
    let file = dir.path().join("more.jsonl");
    std::fs::write(
        &file,
        line(
            "e3",
            "admission",
            "05T10:00:00",
            r#","spell":"s2","org":"RJE","method":"emergency""#,
        ) + "\n",
    )
    .unwrap();
    let mut other = SqliteStore::open_with(&db, Access::Write).unwrap();
    store::import(&mut other, &[file]).unwrap();
    let v4 = live.fresh_view().unwrap();
    assert_eq!(v4.person(p).unwrap().spells.len(), 2);
    assert_eq!(
        visible(
            &v4,
            &hospital,
            &[Role::DischargeCoordinator],
            discharged.plus_days(91)
        ),
        [(p, spell)]
    );
    assert_eq!(v4.people().len(), 1);
}

#[test]
fn the_facts_kept_with_the_log_follow_appends() {
    use live_log::stored_facts::{self, Refreshed};
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    let at = db.clone();
    live.keep_facts(Arc::new(move || {
        Ok(Box::new(SqliteStore::open_with(&at, Access::Write)?) as Box<dyn JourneyStore + Send>)
    }));
    // A store that keeps none gets them at once.
    assert_eq!(
        live.facts_refreshed(),
        Some(Ok(Refreshed::Stored {
            covers: 0,
            events: 0
        }))
    );
    let kept = |db: &Path| {
        let s = SqliteStore::open_with(db, Access::Read).unwrap();
        let mut folded = None;
        s.read(&mut |r| {
            folded = Some(stored_facts::read(
                r,
                &r.orgs()?,
                true,
                stored_facts::Want::Live,
            )?);
            Ok(())
        })
        .unwrap();
        let f = folded.unwrap();
        (f.facts.events() - f.parsed, f.parsed, f.unused)
    };
    // Fewer appends than a refresh waits for: a reader folds them after the kept facts.
    live.append(&line("n0", "note_kept", "01T10:00:00", ""))
        .unwrap();
    assert_eq!(kept(&db), (0, 1, None));
    // Enough, and the facts are brought up to date behind the appends.
    let n = stored_facts::REFRESH_MIN_TAIL;
    let many: String = (1..=n)
        .map(|i| line(&format!("n{i}"), "note_kept", "02T10:00:00", "") + "\n")
        .collect();
    assert_eq!(live.append(&many).unwrap().appended, n);
    let last = SqliteStore::open_with(&db, Access::Read)
        .unwrap()
        .last_seq()
        .unwrap();
    assert_eq!(
        live.facts_refreshed(),
        Some(Ok(Refreshed::Stored {
            covers: last,
            events: n + 1
        }))
    );
    assert_eq!(kept(&db), (n + 1, 0, None));
    // And the refresh writes nothing when the tail is short.
    assert_eq!(
        stored_facts::refresh(
            &mut SqliteStore::open_with(&db, Access::Write).unwrap(),
            false
        )
        .unwrap(),
        Refreshed::Fresh { tail: 0 }
    );
}

#[test]
fn a_record_is_read_from_the_store_as_of_its_view() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    let p: domain::NhsNumber = P.parse().unwrap();
    let reg = r#"{"id":"e0","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9434765919","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}"#;
    live.append(reg).unwrap();
    let adm = line(
        "e1",
        "admission",
        "01T10:00:00",
        r#","spell":"s1","org":"RJE","method":"emergency""#,
    );
    live.append(&adm).unwrap();
    let v1 = live.view().unwrap();
    // Nothing read yet: the service holds facts, not records.
    assert_eq!(v1.people().records_kept(), 0);
    let nobody: domain::NhsNumber = "9990000018".parse().unwrap();
    assert!(v1.record(nobody).unwrap().is_none());
    let r1 = v1.record(p).unwrap().unwrap();
    assert_eq!(r1.events().len(), 2);
    assert!(r1.in_hospital());
    assert_eq!(
        r1.age_on(domain::parse_date("2017-02-01").unwrap()),
        Some(80)
    );
    assert_eq!(v1.people().records_kept(), 1);
    assert_eq!(
        v1.records_in_hospital()
            .unwrap()
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>(),
        [p]
    );

    // An append folds on into the kept record; the older view still gets its own.
    live.append(&line(
        "e2",
        "ready_for_discharge",
        "02T10:00:00",
        r#","spell":"s1""#,
    ))
    .unwrap();
    // Another process stores the discharge.
    let file = dir.path().join("more.jsonl");
    std::fs::write(
        &file,
        line(
            "e3",
            "discharge",
            "03T10:00:00",
            r#","spell":"s1","destination":"usual_residence""#,
        ) + "\n",
    )
    .unwrap();
    let mut other = SqliteStore::open_with(&db, Access::Write).unwrap();
    store::import(&mut other, &[file]).unwrap();
    let v2 = live.fresh_view().unwrap();
    let r2 = v2.record(p).unwrap().unwrap();
    assert_eq!(r2.events().len(), 4);
    assert!(!r2.in_hospital());
    assert!(v2.records_in_hospital().unwrap().is_empty());
    let kinds: Vec<&str> = r2.events().iter().map(|r| r.event.body.kind()).collect();
    assert_eq!(
        kinds,
        [
            "person_registered",
            "admission",
            "ready_for_discharge",
            "discharge"
        ]
    );
    let again = v1.record(p).unwrap().unwrap();
    assert_eq!(again.events().len(), 2, "the older view's record");
    assert_eq!(*again.events(), *r1.events());

    // Read afresh by a new service, the same record.
    drop(live);
    let fresh = open(&db);
    let r3 = fresh.view().unwrap().record(p).unwrap().unwrap();
    assert_eq!(*r3.events(), *r2.events());
    assert_eq!(r3.facts, r2.facts);
    // Every stored event, for a reader of the whole log.
    let mut n = 0;
    assert_eq!(fresh.each_event(&mut |_| n += 1).unwrap(), 4);
    assert_eq!(n, 4);
}

#[test]
fn ids_are_checked_against_the_store_and_the_append() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    let d1 = line("d1", "death", "05T10:00:00", "");
    // The same line twice in one append: stored once, then a no-op.
    let a = live.append(&format!("{d1}\n{d1}\n")).unwrap();
    assert_eq!((a.appended, a.already_stored), (1, 1));
    // An id used twice in one append with different contents: the later line is the error.
    let twice = format!(
        "{}\n{}\n",
        line("n1", "note_kept", "01T10:00:00", ""),
        line("n1", "note_kept", "02T10:00:00", "")
    );
    match live.append(&twice) {
        Err(AppendError::Invalid(e)) => {
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!((e[0].line, e[0].field.as_deref()), (Some(2), Some("id")));
            assert!(e[0]
                .message
                .contains("already used by an event with different content"));
        }
        other => panic!("{other:?}"),
    }
    // Stored by another process: its content decides.
    let file = dir.path().join("more.jsonl");
    std::fs::write(&file, line("x1", "note_kept", "03T10:00:00", "") + "\n").unwrap();
    let mut other = SqliteStore::open_with(&db, Access::Write).unwrap();
    store::import(&mut other, &[file]).unwrap();
    match live.append(&line("x1", "note_kept", "04T10:00:00", "")) {
        Err(AppendError::Invalid(e)) => {
            assert_eq!((e[0].line, e[0].field.as_deref()), (Some(1), Some("id")))
        }
        other => panic!("{other:?}"),
    }
    let a = live
        .append(&line("x1", "note_kept", "03T10:00:00", ""))
        .unwrap();
    assert_eq!((a.appended, a.already_stored), (0, 1));
    // The service's own appends, read back by the catch-ups, are folded in once.
    let v = live.fresh_view().unwrap();
    assert_eq!(v.events, 2);
    assert_eq!(live.fresh_view().unwrap().events, 2);
    assert_eq!(open(&db).fresh_view().unwrap().events, 2);
}

#[test]
fn a_record_read_for_an_older_view_is_never_folded_on_wrongly() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_store(dir.path());
    let live = open(&db);
    let p: domain::NhsNumber = P.parse().unwrap();
    let note = |id: &str, day: &str| line(id, "note_kept", &format!("{day}T10:00:00"), "");
    live.append(&format!("{}\n{}\n", note("a", "01"), note("b", "02")))
        .unwrap();
    let v1 = live.view().unwrap();
    live.append(&note("c", "03")).unwrap();
    let v2 = live.view().unwrap();
    // Read for the older view after the writer moved on, then the writer folds another event.
    assert_eq!(v1.record(p).unwrap().unwrap().events().len(), 2);
    live.append(&note("d", "04")).unwrap();
    let ids = |v: &live_log::View| -> Vec<String> {
        v.record(p)
            .unwrap()
            .unwrap()
            .events()
            .iter()
            .map(|r| r.event.id.to_string())
            .collect()
    };
    assert_eq!(ids(&v2), ["a", "b", "c"]);
    assert_eq!(ids(&v1), ["a", "b"]);
    assert_eq!(ids(&live.view().unwrap()), ["a", "b", "c", "d"]);
    live.append(&note("e", "05")).unwrap();
    assert_eq!(ids(&live.view().unwrap()), ["a", "b", "c", "d", "e"]);
    assert_eq!(ids(&v2), ["a", "b", "c"]);
}
