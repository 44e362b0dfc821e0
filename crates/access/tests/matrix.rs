//! The access matrix of `docs/access.md`, generated: every role x every kind of legitimate
//! relationship (each of the five rules, each lifecycle of rule 3, both halves of rule 4), a
//! lifecycle ended 90 days before (still in force) and 91 days before (not), no relationship,
//! and break glass (granted now; granted 13 hours before, expired). Then the edge cases of the
//! rules one by one.

use access::{
    break_glass, may_see, relationship, BreakGlassRefused, CouncilReason, Episode, Grant,
    PersonFacts, Relationship, Role, Why, DEFAULT_WINDOW_DAYS,
};
use domain::codes::*;
use domain::{Event, EventBody, Instant, NhsNumber, Org};

/// The role table of `access.md`, as written there: (role, sees identifiable people by
/// relationship, may break glass).
const ROLE_TABLE: [(&str, bool, bool); 8] = [
    ("discharge_coordinator", true, true),
    ("social_worker", true, true),
    ("broker", true, false),
    ("provider", true, true),
    ("gp", true, true),
    ("voluntary_sector", false, false),
    ("analyst", false, false),
    ("admin", false, false),
];

fn nhs() -> NhsNumber {
    "943 476 5919".parse().unwrap()
}

fn now() -> Instant {
    Instant::parse_rfc3339("2017-06-01T12:00:00Z").unwrap()
}

fn org(code: &str, kind: OrgKind) -> Org {
    Org {
        code: code.into(),
        name: code.into(),
        kind,
        cqc_rating: None,
        beds: None,
        extended_access: None,
    }
}

fn gp1() -> Org {
    org("GP01", OrgKind::GpPractice)
}
fn gp2() -> Org {
    org("GP02", OrgKind::GpPractice)
}
fn home() -> Org {
    org("CH01", OrgKind::ResidentialHome)
}
fn acute() -> Org {
    org("ACUTE", OrgKind::AcuteTrust)
}
fn community() -> Org {
    org("COMM", OrgKind::CommunityTrust)
}
fn agency() -> Org {
    org("HCA1", OrgKind::HomeCareAgency)
}
fn agency2() -> Org {
    org("HCA2", OrgKind::HomeCareAgency)
}
fn council() -> Org {
    org("LA", OrgKind::LocalAuthority)
}
fn ccg() -> Org {
    org("CCG", OrgKind::Ccg)
}
fn voluntary() -> Org {
    org("VOL", OrgKind::VoluntaryOrg)
}

fn all_orgs() -> Vec<Org> {
    vec![
        gp1(),
        gp2(),
        home(),
        acute(),
        community(),
        agency(),
        agency2(),
        council(),
        ccg(),
        voluntary(),
    ]
}

/// Events of one person, with ids of their own.
#[derive(Default)]
struct Log(Vec<Event>);

impl Log {
    fn at(&mut self, at: Instant, body: EventBody) -> &mut Self {
        let id = format!("e{}", self.0.len());
        self.0.push(Event {
            id: id.as_str().into(),
            at,
            person: Some(nhs()),
            body,
        });
        self
    }

    fn registered(&mut self, at: Instant, gp: &str, care_home: Option<&str>) -> &mut Self {
        self.at(
            at,
            EventBody::PersonRegistered {
                birth_date: domain::parse_date("1930-05-01").unwrap(),
                sex: Sex::Female,
                gp: gp.into(),
                residence: if care_home.is_some() {
                    Residence::ResidentialHome
                } else {
                    Residence::OwnHome
                },
                care_home: care_home.map(Into::into),
            },
        )
    }

    fn moved(&mut self, at: Instant, care_home: Option<&str>) -> &mut Self {
        self.at(
            at,
            EventBody::ResidenceChanged {
                residence: if care_home.is_some() {
                    Residence::NursingHome
                } else {
                    Residence::OwnHome
                },
                care_home: care_home.map(Into::into),
                permanent: true,
            },
        )
    }

    fn arrival(&mut self, at: Instant, id: &str, org: &str) -> &mut Self {
        self.at(
            at,
            EventBody::AeArrival {
                attendance: id.into(),
                org: org.into(),
                source: AeSource::Ambulance,
            },
        )
    }

    fn departure(&mut self, at: Instant, id: &str) -> &mut Self {
        self.at(
            at,
            EventBody::AeDeparture {
                attendance: id.into(),
                outcome: AeOutcome::Discharged,
            },
        )
    }

    fn admission(&mut self, at: Instant, id: &str, org: &str) -> &mut Self {
        self.at(
            at,
            EventBody::Admission {
                spell: id.into(),
                org: org.into(),
                method: AdmissionMethod::Emergency,
                attendance: None,
                cause: None,
            },
        )
    }

    fn ready(&mut self, at: Instant, id: &str) -> &mut Self {
        self.at(at, EventBody::ReadyForDischarge { spell: id.into() })
    }

    fn discharge(&mut self, at: Instant, id: &str) -> &mut Self {
        self.at(
            at,
            EventBody::Discharge {
                spell: id.into(),
                destination: Destination::UsualResidence,
                pathway: None,
                d2a: None,
            },
        )
    }

    fn requested(
        &mut self,
        at: Instant,
        id: &str,
        t: AssessmentType,
        org: Option<&str>,
    ) -> &mut Self {
        self.at(
            at,
            EventBody::AssessmentRequested {
                assessment: id.into(),
                assessment_type: t,
                org: org.map(Into::into),
                spell: None,
            },
        )
    }

    fn completed(&mut self, at: Instant, id: &str) -> &mut Self {
        self.at(
            at,
            EventBody::AssessmentCompleted {
                assessment: id.into(),
                outcome: AssessmentOutcome::NeedsMet,
                trusted: None,
            },
        )
    }

    fn package(&mut self, at: Instant, id: &str) -> &mut Self {
        self.at(
            at,
            EventBody::PackageRequested {
                package: id.into(),
                service: Service::HomeCare,
                hours_per_week: None,
                spell: None,
            },
        )
    }

    fn offered(&mut self, at: Instant, id: &str, org: &str) -> &mut Self {
        self.at(
            at,
            EventBody::PackageOffered {
                package: id.into(),
                org: org.into(),
            },
        )
    }

    fn started(&mut self, at: Instant, id: &str, org: &str) -> &mut Self {
        self.at(
            at,
            EventBody::PackageStarted {
                package: id.into(),
                org: org.into(),
            },
        )
    }

    fn package_ended(&mut self, at: Instant, id: &str) -> &mut Self {
        self.at(
            at,
            EventBody::PackageEnded {
                package: id.into(),
                reason: PackageEndReason::NeedsMet,
            },
        )
    }

    /// The facts, pushed in order.
    fn facts(&self) -> PersonFacts {
        let mut p = PersonFacts::default();
        for e in &self.0 {
            p.push(e);
        }
        p
    }

    /// The facts, pushed in reverse order.
    fn facts_reversed(&self) -> PersonFacts {
        let mut p = PersonFacts::default();
        for e in self.0.iter().rev() {
            p.push(e);
        }
        p
    }
}

/// A lifecycle that gives a relationship while open and for the window after it ends.
#[derive(Clone, Copy, Debug)]
enum Life {
    Attendance,
    Spell,
    Assessment,
    Package,
    CouncilAssessment,
    CouncilPackage,
    Chc,
}

impl Life {
    const ALL: [Life; 7] = [
        Life::Attendance,
        Life::Spell,
        Life::Assessment,
        Life::Package,
        Life::CouncilAssessment,
        Life::CouncilPackage,
        Life::Chc,
    ];

    /// The organisation the lifecycle relates to, and the relationship it gives.
    fn related(self) -> (Org, Relationship) {
        match self {
            Life::Attendance => (
                acute(),
                Relationship::CareEpisode {
                    kind: Episode::Attendance,
                },
            ),
            Life::Spell => (
                acute(),
                Relationship::CareEpisode {
                    kind: Episode::Spell,
                },
            ),
            Life::Assessment => (
                community(),
                Relationship::CareEpisode {
                    kind: Episode::Assessment,
                },
            ),
            Life::Package => (
                agency(),
                Relationship::CareEpisode {
                    kind: Episode::Package,
                },
            ),
            Life::CouncilAssessment => (
                council(),
                Relationship::LocalAuthority {
                    why: CouncilReason::Assessment,
                },
            ),
            Life::CouncilPackage => (
                council(),
                Relationship::LocalAuthority {
                    why: CouncilReason::Package,
                },
            ),
            Life::Chc => (ccg(), Relationship::Ccg),
        }
    }

    /// A person with the lifecycle opened a year before `now`, ended at `ended` if given.
    fn log(self, ended: Option<Instant>) -> Log {
        let opened = now().plus_days(-365);
        let mut log = Log::default();
        log.registered(opened.plus_days(-1000), "GP01", None);
        match self {
            Life::Attendance => {
                log.arrival(opened, "a1", "ACUTE");
                if let Some(t) = ended {
                    log.departure(t, "a1");
                }
            }
            Life::Spell => {
                log.admission(opened, "s1", "ACUTE");
                if let Some(t) = ended {
                    log.discharge(t, "s1");
                }
            }
            Life::Assessment | Life::CouncilAssessment | Life::Chc => {
                let (t, o) = match self {
                    Life::Assessment => (AssessmentType::OccupationalTherapy, Some("COMM")),
                    Life::CouncilAssessment => (AssessmentType::CareNeeds, None),
                    _ => (AssessmentType::Chc, None),
                };
                log.requested(opened, "as1", t, o);
                if let Some(t) = ended {
                    log.completed(t, "as1");
                }
            }
            Life::Package | Life::CouncilPackage => {
                log.package(opened, "p1");
                log.offered(opened.plus_hours(2), "p1", "HCA1");
                log.started(opened.plus_hours(30), "p1", "HCA1");
                if let Some(t) = ended {
                    log.package_ended(t, "p1");
                }
            }
        }
        log
    }
}

/// One case of the matrix: a person, the organisation asking, the relationship the rules give
/// (if any) and the break-glass grant the user holds (if any).
struct Case {
    name: String,
    log: Log,
    org: Org,
    expect: Option<Relationship>,
    grant: Option<Grant>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let t0 = now().plus_days(-400);
    // Rule 1.
    let mut log = Log::default();
    log.registered(t0, "GP01", None);
    cases.push(Case {
        name: "gp practice".into(),
        log,
        org: gp1(),
        expect: Some(Relationship::GpPractice),
        grant: None,
    });
    // Rule 2.
    let mut log = Log::default();
    log.registered(t0, "GP01", Some("CH01"));
    cases.push(Case {
        name: "care home".into(),
        log,
        org: home(),
        expect: Some(Relationship::CareHome),
        grant: None,
    });
    // Rules 3, 4(a) and 5: open, ended 90 days before (in force), ended 91 days before (not).
    for life in Life::ALL {
        let (org, rel) = life.related();
        for (what, ended, expect) in [
            ("open", None, Some(rel)),
            ("ended now", Some(now()), Some(rel)),
            ("ended 90 days ago", Some(now().plus_days(-90)), Some(rel)),
            ("ended 91 days ago", Some(now().plus_days(-91)), None),
            ("ended after now", Some(now().plus_hours(1)), Some(rel)),
        ] {
            cases.push(Case {
                name: format!("{life:?} {what}"),
                log: life.log(ended),
                org: org.clone(),
                expect,
                grant: None,
            });
        }
    }
    // Rule 4(b): a spell open now that has had a ready_for_discharge.
    for (what, ready, discharged, expect) in [
        (
            "ready",
            Some(now().plus_days(-3)),
            None,
            Some(Relationship::LocalAuthority {
                why: CouncilReason::ReadyForDischarge,
            }),
        ),
        ("not ready", None, None, None),
        ("ready after now", Some(now().plus_hours(2)), None, None),
        (
            "ready, discharged",
            Some(now().plus_days(-3)),
            Some(now().plus_days(-1)),
            None,
        ),
        (
            "ready, discharged after now",
            Some(now().plus_days(-3)),
            Some(now().plus_hours(1)),
            Some(Relationship::LocalAuthority {
                why: CouncilReason::ReadyForDischarge,
            }),
        ),
    ] {
        let mut log = Log::default();
        log.registered(t0, "GP01", None)
            .admission(now().plus_days(-10), "s1", "ACUTE");
        if let Some(t) = ready {
            log.ready(t, "s1");
        }
        if let Some(t) = discharged {
            log.discharge(t, "s1");
        }
        cases.push(Case {
            name: format!("council, spell {what}"),
            log,
            org: council(),
            expect,
            grant: None,
        });
    }
    // No relationship, and break glass.
    let none = || {
        let mut log = Log::default();
        log.registered(t0, "GP02", None)
            .admission(now().plus_days(-2), "s1", "ACUTE");
        log
    };
    cases.push(Case {
        name: "none".into(),
        log: none(),
        org: gp1(),
        expect: None,
        grant: None,
    });
    for (what, granted, in_force) in [
        ("break glass granted now", now(), true),
        (
            "break glass granted 11 hours ago",
            now().plus_hours(-11),
            true,
        ),
        (
            "break glass granted 12 hours ago",
            now().plus_hours(-12),
            false,
        ),
        (
            "break glass granted 13 hours ago",
            now().plus_hours(-13),
            false,
        ),
        ("break glass granted after now", now().plus_hours(1), false),
    ] {
        cases.push(Case {
            name: what.into(),
            log: none(),
            org: gp1(),
            expect: None,
            grant: Some(Grant {
                user: "u".into(),
                person: nhs(),
                granted_at: granted,
                reason: "covering the ward tonight".into(),
            }),
        });
        if in_force {
            // A grant for someone else does not count.
            cases.push(Case {
                name: format!("{what}, for another person"),
                log: none(),
                org: gp1(),
                expect: None,
                grant: Some(Grant {
                    user: "u".into(),
                    person: "401 023 2137".parse().unwrap(),
                    granted_at: granted,
                    reason: "covering the ward tonight".into(),
                }),
            });
        }
    }
    cases
}

fn grant_in_force(c: &Case) -> bool {
    c.grant.as_ref().is_some_and(|g| {
        g.person == nhs() && now() >= g.granted_at && now() < g.granted_at.plus_hours(12)
    })
}

#[test]
fn the_access_matrix() {
    let cases = cases();
    let mut checked = 0;
    let kinds: std::collections::HashSet<_> = cases.iter().filter_map(|c| c.expect).collect();
    // Every relationship kind appears: 2 + 4 episodes + 3 council reasons + ccg.
    assert_eq!(kinds.len(), 10, "{kinds:?}");
    for c in &cases {
        for facts in [c.log.facts(), c.log.facts_reversed()] {
            let got = relationship(&c.org, &facts, now(), DEFAULT_WINDOW_DAYS);
            assert_eq!(got, c.expect, "{}: relationship", c.name);
            for (name, sees, glass) in ROLE_TABLE {
                let role: Role = name.parse().unwrap();
                let d = may_see(
                    &[role],
                    &c.org,
                    &facts,
                    now(),
                    DEFAULT_WINDOW_DAYS,
                    c.grant.as_ref(),
                );
                let allowed = sees && (c.expect.is_some() || grant_in_force(c));
                assert_eq!(d.allowed, allowed, "{}: {name}: {d:?}", c.name);
                assert_eq!(
                    d.break_glass_possible,
                    !allowed && sees && glass,
                    "{}: {name}: {d:?}",
                    c.name
                );
                match (&d.why, allowed) {
                    (Why::Relationship(r), true) => assert_eq!(Some(*r), c.expect),
                    (Why::BreakGlass { until }, true) => {
                        assert!(c.expect.is_none() && grant_in_force(c));
                        assert_eq!(*until, c.grant.as_ref().unwrap().granted_at.plus_hours(12));
                    }
                    (Why::AggregatesOnly, false) => assert!(!sees),
                    (Why::NoRelationship, false) => assert!(sees),
                    (why, _) => panic!("{}: {name}: {why:?}", c.name),
                }
                assert!(!d.why.to_string().is_empty());
                // Break glass itself, by role and reason.
                let reason = "patient in A&E, unconscious";
                assert_eq!(break_glass(role, reason).is_ok(), glass, "{name}");
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "{checked}");
}

#[test]
fn unrelated_organisations_are_not_related() {
    // No case relates the voluntary organisation or the second agency; the second practice
    // only where the person is registered there.
    for c in cases() {
        let facts = c.log.facts();
        for o in [voluntary(), agency2(), gp2()] {
            let expect =
                (facts.gp_at(now()) == Some(o.code.as_str())).then_some(Relationship::GpPractice);
            assert_eq!(
                relationship(&o, &facts, now(), DEFAULT_WINDOW_DAYS),
                expect,
                "{}: {}",
                c.name,
                o.code
            );
        }
    }
}

#[test]
fn the_window_is_configurable() {
    let (org, rel) = Life::Spell.related();
    let facts = Life::Spell.log(Some(now().plus_days(-20))).facts();
    assert_eq!(relationship(&org, &facts, now(), 30), Some(rel));
    assert_eq!(relationship(&org, &facts, now(), 20), Some(rel));
    assert_eq!(relationship(&org, &facts, now(), 19), None);
    assert_eq!(relationship(&org, &facts, now(), 0), None);
    let at_end = now().plus_days(-20);
    assert_eq!(relationship(&org, &facts, at_end, 0), Some(rel));
}

#[test]
fn an_event_after_now_does_not_count() {
    let mut log = Log::default();
    log.registered(now().plus_hours(1), "GP01", Some("CH01"))
        .arrival(now().plus_hours(1), "a1", "ACUTE")
        .requested(now().plus_hours(1), "as1", AssessmentType::Chc, None)
        .package(now().plus_hours(1), "p1");
    for facts in [log.facts(), log.facts_reversed()] {
        for o in all_orgs() {
            assert_eq!(relationship(&o, &facts, now(), 90), None, "{}", o.code);
        }
        assert_eq!(
            relationship(&gp1(), &facts, now().plus_hours(1), 90),
            Some(Relationship::GpPractice)
        );
        assert_eq!(
            relationship(&ccg(), &facts, now().plus_hours(1), 90),
            Some(Relationship::Ccg)
        );
    }
    // A provider named after now does not count, though the package is open.
    let mut log = Log::default();
    log.package(now().plus_days(-1), "p1")
        .offered(now().plus_hours(1), "p1", "HCA1");
    assert_eq!(relationship(&agency(), &log.facts(), now(), 90), None);
}

#[test]
fn moving_out_of_the_care_home_ends_rule_2() {
    let t0 = now().plus_days(-100);
    let mut log = Log::default();
    log.registered(t0, "GP01", Some("CH01"))
        .moved(now().plus_days(-5), None)
        .moved(now().plus_days(5), Some("CH01"));
    for facts in [log.facts(), log.facts_reversed()] {
        assert_eq!(
            relationship(&home(), &facts, now().plus_days(-6), 90),
            Some(Relationship::CareHome)
        );
        assert_eq!(relationship(&home(), &facts, now().plus_days(-5), 90), None);
        assert_eq!(relationship(&home(), &facts, now(), 90), None);
        assert_eq!(
            relationship(&home(), &facts, now().plus_days(5), 90),
            Some(Relationship::CareHome)
        );
        // A move does not change the GP practice.
        assert_eq!(
            relationship(&gp1(), &facts, now(), 90),
            Some(Relationship::GpPractice)
        );
    }
    // Registered again at the same instant as a move: the move wins, whatever the order.
    let mut log = Log::default();
    log.registered(t0, "GP01", None).moved(t0, Some("CH01"));
    for facts in [log.facts(), log.facts_reversed()] {
        assert_eq!(
            relationship(&home(), &facts, now(), 90),
            Some(Relationship::CareHome)
        );
    }
}

#[test]
fn a_later_registration_with_another_gp_changes_rule_1() {
    let mut log = Log::default();
    log.registered(now().plus_days(-100), "GP01", None)
        .registered(now().plus_days(-1), "GP02", None);
    for facts in [log.facts(), log.facts_reversed()] {
        assert_eq!(relationship(&gp1(), &facts, now(), 90), None);
        assert_eq!(
            relationship(&gp2(), &facts, now(), 90),
            Some(Relationship::GpPractice)
        );
        assert_eq!(
            relationship(&gp1(), &facts, now().plus_days(-2), 90),
            Some(Relationship::GpPractice)
        );
        assert_eq!(relationship(&gp2(), &facts, now().plus_days(-2), 90), None);
    }
}

#[test]
fn an_assessment_with_an_org_is_rule_3_for_that_org() {
    // chc with an org: rule 3 for that org, not rule 5 for the CCG.
    let mut log = Log::default();
    log.requested(
        now().plus_days(-1),
        "as1",
        AssessmentType::Chc,
        Some("COMM"),
    );
    let facts = log.facts();
    assert_eq!(
        relationship(&community(), &facts, now(), 90),
        Some(Relationship::CareEpisode {
            kind: Episode::Assessment
        })
    );
    assert_eq!(relationship(&ccg(), &facts, now(), 90), None);
    assert_eq!(relationship(&council(), &facts, now(), 90), None);
    // chc by the CCG itself: rule 3 comes first.
    let mut log = Log::default();
    log.requested(now().plus_days(-1), "as1", AssessmentType::Chc, Some("CCG"));
    assert_eq!(
        relationship(&ccg(), &log.facts(), now(), 90),
        Some(Relationship::CareEpisode {
            kind: Episode::Assessment
        })
    );
    // Not chc, with an org: rule 3 for that org, not 4(a) for the council.
    for t in AssessmentType::ALL
        .iter()
        .filter(|t| **t != AssessmentType::Chc)
    {
        let mut log = Log::default();
        log.requested(now().plus_days(-1), "as1", *t, Some("COMM"));
        let facts = log.facts();
        assert_eq!(
            relationship(&community(), &facts, now(), 90),
            Some(Relationship::CareEpisode {
                kind: Episode::Assessment
            }),
            "{t}"
        );
        assert_eq!(relationship(&council(), &facts, now(), 90), None, "{t}");
        assert_eq!(relationship(&ccg(), &facts, now(), 90), None, "{t}");
        // Without an org: the council's (4(a)), not the CCG's.
        let mut log = Log::default();
        log.requested(now().plus_days(-1), "as1", *t, None);
        assert_eq!(
            relationship(&council(), &log.facts(), now(), 90),
            Some(Relationship::LocalAuthority {
                why: CouncilReason::Assessment
            }),
            "{t}"
        );
        assert_eq!(relationship(&ccg(), &log.facts(), now(), 90), None, "{t}");
    }
    // chc without an org is the CCG's, not the council's.
    let mut log = Log::default();
    log.requested(now().plus_days(-1), "as1", AssessmentType::Chc, None);
    assert_eq!(relationship(&council(), &log.facts(), now(), 90), None);
}

#[test]
fn a_package_s_providers_and_the_council() {
    let mut log = Log::default();
    log.package(now().plus_days(-10), "p1")
        .offered(now().plus_days(-9), "p1", "HCA1")
        .started(now().plus_days(-8), "p1", "HCA2");
    let pkg = Some(Relationship::CareEpisode {
        kind: Episode::Package,
    });
    for facts in [log.facts(), log.facts_reversed()] {
        assert_eq!(relationship(&agency(), &facts, now(), 90), pkg, "offered");
        assert_eq!(relationship(&agency2(), &facts, now(), 90), pkg, "started");
        assert_eq!(
            relationship(&agency2(), &facts, now().plus_days(-9), 90),
            None,
            "not started yet"
        );
        assert_eq!(
            relationship(&council(), &facts, now(), 90),
            Some(Relationship::LocalAuthority {
                why: CouncilReason::Package
            })
        );
        assert_eq!(relationship(&voluntary(), &facts, now(), 90), None);
    }
    // The council for any package, even one no provider has offered for yet.
    let mut log = Log::default();
    log.package(now().plus_days(-1), "p9");
    assert_eq!(
        relationship(&council(), &log.facts(), now(), 90),
        Some(Relationship::LocalAuthority {
            why: CouncilReason::Package
        })
    );
    assert_eq!(
        relationship(&council(), &log.facts(), now().plus_days(-2), 90),
        None
    );
}

#[test]
fn the_first_rule_that_holds() {
    // The GP practice is also the org of an assessment: rule 1 is named.
    let mut log = Log::default();
    log.registered(now().plus_days(-10), "GP01", None)
        .requested(
            now().plus_days(-1),
            "as1",
            AssessmentType::CareNeeds,
            Some("GP01"),
        );
    assert_eq!(
        relationship(&gp1(), &log.facts(), now(), 90),
        Some(Relationship::GpPractice)
    );
    // The council with an assessment of its own (rule 3) and a package (4(a)): rule 3.
    let mut log = Log::default();
    log.requested(
        now().plus_days(-1),
        "as1",
        AssessmentType::CareNeeds,
        Some("LA"),
    )
    .package(now().plus_days(-1), "p1");
    assert_eq!(
        relationship(&council(), &log.facts(), now(), 90),
        Some(Relationship::CareEpisode {
            kind: Episode::Assessment
        })
    );
}

#[test]
fn several_roles() {
    let facts = Life::Spell.log(None).facts();
    let d = may_see(
        &[Role::Analyst, Role::Broker],
        &acute(),
        &facts,
        now(),
        90,
        None,
    );
    assert!(d.allowed);
    let d = may_see(
        &[Role::Analyst, Role::Broker],
        &gp2(),
        &facts,
        now(),
        90,
        None,
    );
    assert!(!d.allowed && !d.break_glass_possible);
    assert_eq!(d.why, Why::NoRelationship);
    let d = may_see(&[Role::Admin, Role::Gp], &gp2(), &facts, now(), 90, None);
    assert!(!d.allowed && d.break_glass_possible);
    let d = may_see(
        &[Role::Admin, Role::Analyst],
        &acute(),
        &facts,
        now(),
        90,
        None,
    );
    assert!(!d.allowed && !d.break_glass_possible);
    assert_eq!(d.why, Why::AggregatesOnly);
    assert!(!may_see(&[], &acute(), &facts, now(), 90, None).allowed);
}

#[test]
fn break_glass_needs_a_reason_of_ten_characters() {
    assert_eq!(break_glass(Role::Gp, "0123456789"), Ok(()));
    assert_eq!(break_glass(Role::Gp, "  0123456789  "), Ok(()));
    assert_eq!(
        break_glass(Role::Gp, "  012345678   "),
        Err(BreakGlassRefused::ReasonTooShort(9))
    );
    assert_eq!(
        break_glass(Role::Gp, ""),
        Err(BreakGlassRefused::ReasonTooShort(0))
    );
    // Characters, not bytes.
    assert!(break_glass(Role::Gp, "ééééé").is_err());
    assert!(break_glass(Role::Gp, "éééééééééé").is_ok());
    assert_eq!(
        break_glass(Role::Broker, "a long enough reason"),
        Err(BreakGlassRefused::Role(Role::Broker))
    );
    assert!(!break_glass(Role::Admin, "a long enough reason")
        .unwrap_err()
        .to_string()
        .is_empty());
}

#[test]
fn facts_ignore_events_of_no_interest() {
    let mut log = Log::default();
    log.registered(now().plus_days(-1), "GP01", None)
        .at(now(), EventBody::Death)
        .at(
            now(),
            EventBody::Unknown {
                kind: "future".into(),
            },
        );
    let facts = log.facts();
    assert_eq!(facts.nhs, Some(nhs()));
    assert_eq!(facts.residences.len(), 1);
    assert!(facts.spells.is_empty() && facts.packages.is_empty());
}
