//! Every indicator on small hand-built logs whose values are worked out by hand in each test.

mod definitions;

use domain::codes::{CqcRating, OrgKind};
use domain::{NhsNumber, Org, OrgRegister, Population};
use indicators::{
    BenchmarkSet, Context, JourneyFacts, Journeys, Period, Report, Section, Sections,
};
use journey_log::{parse_line, Loc, Validator, Verdict};
use serde_json::{json, Value};

/// The organisations of the test system.
pub fn orgs() -> OrgRegister {
    let org =
        |code: &str, kind, rating: Option<CqcRating>, beds: Option<u32>, ext: Option<bool>| Org {
            code: code.into(),
            name: code.into(),
            kind,
            cqc_rating: rating,
            beds,
            extended_access: ext,
        };
    [
        org(
            "RJE",
            OrgKind::AcuteTrust,
            Some(CqcRating::RequiresImprovement),
            Some(10),
            None,
        ),
        org("RJ0", OrgKind::AcuteTrust, None, None, None),
        org("CT1", OrgKind::CommunityTrust, None, Some(20), None),
        org(
            "GP1",
            OrgKind::GpPractice,
            Some(CqcRating::Good),
            None,
            Some(true),
        ),
        org(
            "GP2",
            OrgKind::GpPractice,
            Some(CqcRating::Good),
            None,
            Some(false),
        ),
        org("GP3", OrgKind::GpPractice, None, None, None),
        org(
            "GP4",
            OrgKind::GpPractice,
            Some(CqcRating::Good),
            None,
            Some(false),
        ),
        org(
            "RH1",
            OrgKind::ResidentialHome,
            Some(CqcRating::Good),
            Some(30),
            None,
        ),
        org(
            "RH2",
            OrgKind::ResidentialHome,
            Some(CqcRating::Unrated),
            Some(30),
            None,
        ),
        org(
            "NH1",
            OrgKind::NursingHome,
            Some(CqcRating::Inadequate),
            Some(40),
            None,
        ),
        org(
            "NH2",
            OrgKind::NursingHome,
            Some(CqcRating::RequiresImprovement),
            Some(40),
            None,
        ),
        org(
            "NH3",
            OrgKind::NursingHome,
            Some(CqcRating::Good),
            Some(40),
            None,
        ),
        org("NH4", OrgKind::NursingHome, None, Some(40), None),
        org(
            "HC1",
            OrgKind::HomeCareAgency,
            Some(CqcRating::RequiresImprovement),
            None,
            None,
        ),
        org("RB1", OrgKind::ReablementService, None, None, None),
    ]
    .into_iter()
    .collect()
}

/// 100,000 adults, of whom 20,000 are 65 or over.
pub fn population() -> Population {
    Population::new([30_000, 80_000, 10_000, 6_000, 4_000])
}

/// The NHS number of test person `k` (a valid number starting 999).
pub fn nhs(k: u32) -> String {
    (0..)
        .filter_map(|i| NhsNumber::from_stem(999_000_000 + k * 20 + i))
        .next()
        .unwrap()
        .digits()
}

/// A journey log built line by line.
#[derive(Default)]
pub struct Log {
    lines: Vec<String>,
}

impl Log {
    /// Adds an event of `kind` at `at` (RFC 3339) for person `p`, with extra fields.
    pub fn ev(&mut self, kind: &str, at: &str, p: u32, fields: Value) -> &mut Self {
        let mut e = json!({"id": format!("e{}", self.lines.len() + 1), "kind": kind, "at": at, "person": nhs(p)});
        for (k, v) in fields.as_object().unwrap() {
            e[k] = v.clone();
        }
        self.lines.push(e.to_string());
        self
    }

    /// Registers person `p`, born on `birth`, living in `residence`.
    pub fn person(&mut self, p: u32, birth: &str, residence: &str) -> &mut Self {
        let mut f =
            json!({"birth_date": birth, "sex": "female", "gp": "GP1", "residence": residence});
        if residence == "residential_home" {
            f["care_home"] = json!("RH1");
        }
        if residence == "nursing_home" {
            f["care_home"] = json!("NH1");
        }
        self.ev("person_registered", "2010-01-01T00:00:00Z", p, f)
    }

    /// An emergency admission of `p` in spell `spell` at RJE.
    pub fn admit(&mut self, p: u32, spell: &str, at: &str) -> &mut Self {
        self.ev(
            "admission",
            at,
            p,
            json!({"spell": spell, "org": "RJE", "method": "emergency"}),
        )
    }

    pub fn discharge(&mut self, p: u32, spell: &str, at: &str, destination: &str) -> &mut Self {
        self.ev(
            "discharge",
            at,
            p,
            json!({"spell": spell, "destination": destination}),
        )
    }

    /// Checks the log is valid, then computes the indicators for `[from, to)`: folded as one,
    /// and folded in three parts by person (as `metrics` does on every core) and merged, which
    /// must give the same report.
    pub fn report(&self, from: &str, to: &str) -> Report {
        let orgs = orgs();
        let parsed: Vec<_> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                parse_line(line, &orgs).unwrap_or_else(|e| panic!("line {}: {e:?}", i + 1))
            })
            .collect();
        // Folded as one: `push` interns the lifecycle ids itself.
        let mut validator = Validator::new();
        let mut facts = JourneyFacts::new();
        for (i, p) in parsed.iter().enumerate() {
            validator.check(
                Loc {
                    file: 0,
                    line: i as u32 + 1,
                },
                p,
            );
            facts.push(&p.event);
        }
        let errors = validator.finish();
        assert!(errors.is_empty(), "the test log is invalid: {errors:?}");
        // Folded in parts by person, with each part's validator's lifecycle indexes.
        let mut parts: Vec<(Validator, JourneyFacts)> = (0..3)
            .map(|_| (Validator::new(), JourneyFacts::new()))
            .collect();
        for (i, p) in parsed.iter().enumerate() {
            let k = p.event.person.map_or(0, |n| n.as_u64() % 3) as usize;
            let (validator, facts) = &mut parts[k];
            let loc = Loc {
                file: 0,
                line: i as u32 + 1,
            };
            match validator.check(loc, p) {
                Verdict::New(index) => facts.push_indexed(&p.event, index),
                other => panic!("line {}: {other:?}", i + 1),
            }
        }
        let merged = Journeys::merge(
            parts
                .into_iter()
                .map(|(v, f)| {
                    assert!(v.finish().is_empty());
                    f.finish()
                })
                .collect(),
        );
        let benchmarks = BenchmarkSet::stoke_2017();
        let population = population();
        let ctx = Context {
            orgs: &orgs,
            population: &population,
            benchmarks: &benchmarks,
            zone: Default::default(),
        };
        let period = Period::new(
            domain::parse_date(from).unwrap(),
            domain::parse_date(to).unwrap(),
        )
        .unwrap();
        let journeys = facts.finish();
        let whole = journeys.report(period, &ctx);
        assert_eq!(
            merged.report(period, &ctx).to_json(),
            whole.to_json(),
            "folded in parts"
        );
        // Each section alone gives exactly the whole report's indicators of that section.
        for section in Section::ALL {
            let alone = journeys.report_of(period, &ctx, Sections::of([section]));
            let expected: Vec<_> = whole
                .indicators
                .iter()
                .filter(|i| Section::of(&i.id) == section)
                .collect();
            assert!(!expected.is_empty(), "{section:?} computes something");
            assert_eq!(
                alone.indicators.iter().collect::<Vec<_>>(),
                expected,
                "{section:?} alone"
            );
        }
        whole
    }
}

/// Asserts an indicator's value to 1e-9.
#[track_caller]
pub fn check(report: &Report, id: &str, expected: Option<f64>) {
    let got = report
        .get(id)
        .unwrap_or_else(|| panic!("no indicator {id}"))
        .value;
    match (got, expected) {
        (Some(g), Some(e)) => assert!((g - e).abs() < 1e-9, "{id}: got {g}, expected {e}"),
        _ => assert_eq!(got, expected, "{id}"),
    }
}
