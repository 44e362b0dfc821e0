//! Each built-in scenario moves what its mechanism acts on the way the mechanism implies,
//! checked with common random numbers against the baseline (paired replication by
//! replication): seven-day services with the same staff spread over the week cut the waits for
//! office hours at the same staff cost; with extra weekend staff they cut more and cost more
//! staff hours; a trusted assessor removes the providers' visits. General practice acts through
//! its appointment books: ward rounds in care homes and extended access lower A&E attendances by
//! the crises their appointments resolve, and nothing without them; D2A uses community
//! assessors' time, and some people assessed at home go on to a care home.

use twin::costs::Item;
use twin::decomposition::{Component, REASONS};
use twin::{replicate, Replication, Scenario};

fn runs(name: &str) -> Vec<Replication> {
    let mut s = Scenario::load(name).unwrap();
    // 26 whole weeks from October: the winter, and staff hours comparable week for week.
    s.run.days = 182;
    (0..3).map(|r| replicate(&s, 2017, r, None)).collect()
}

fn each(runs: &[Replication], f: impl Fn(&Replication) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

fn delays(r: &Replication) -> f64 {
    r.report.value("dtoc_delayed_days_per_100k").unwrap()
}

/// Component `c` summed over every reason (per 100k a day).
fn part(r: &Replication, c: Component) -> f64 {
    (0..REASONS)
        .map(|i| r.delay_decomposition.value(i, c))
        .sum()
}

fn staff_hours(r: &Replication) -> f64 {
    [Item::SocialWorkers, Item::Brokers, Item::Reviewers]
        .iter()
        .map(|&i| r.usage.quantity(i))
        .sum()
}

#[test]
fn built_in_scenarios_move_what_their_mechanisms_act_on() {
    let base = runs("stoke-2017");
    let spread = runs("seven-day");
    let extra = runs("seven-day-extra-staff");
    let trusted = runs("trusted-assessor");
    for r in 0..base.len() {
        let (b, s, e, t) = (&base[r], &spread[r], &extra[r], &trusted[r]);
        // Seven days, the same staff: the same staff hours, fewer waits for office hours and
        // fewer delays.
        assert_eq!(staff_hours(s), staff_hours(b), "replication {r}");
        assert!(
            part(s, Component::OfficeHours) < 0.5 * part(b, Component::OfficeHours),
            "replication {r}: office hours {} -> {}",
            part(b, Component::OfficeHours),
            part(s, Component::OfficeHours)
        );
        assert!(delays(s) < delays(b), "replication {r}");
        // Weekday staffing at the weekend too: 7/5 of the staff hours, fewer delays still.
        assert!((staff_hours(e) - 1.4 * staff_hours(b)).abs() < 1e-6 * staff_hours(b));
        assert!(delays(e) < delays(s), "replication {r}");
        // A trusted assessor: nobody waits for, or is in, a provider's visit.
        assert_eq!(part(t, Component::QueueProviderAssessors), 0.0);
        assert_eq!(part(t, Component::ProviderAssessments), 0.0);
        assert!(part(b, Component::QueueProviderAssessors) > 0.0);
        let package = |x: &Replication| {
            x.report
                .value("dtoc_delayed_days_per_100k:care_package_home")
                .unwrap()
        };
        assert!(package(t) < package(b), "replication {r}");
    }
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    assert!(mean(&each(&spread, delays)) < mean(&each(&base, delays)));
}

fn runs_of(s: &Scenario) -> Vec<Replication> {
    let mut s = s.clone();
    s.run.days = 182;
    (0..3).map(|r| replicate(&s, 2017, r, None)).collect()
}

fn care_home_admissions(r: &Replication) -> f64 {
    ["pneumonia", "fall_injury"]
        .iter()
        .map(|c| {
            r.report
                .value(&format!("care_home_admissions_65_per_100k:{c}"))
                .unwrap()
        })
        .sum()
}

#[test]
fn general_practice_and_d2a_act_through_their_capacity() {
    let base = runs("stoke-2017");
    let support = runs("care-home-support");
    let extended = runs("extended-gp-access");
    let d2a = runs("d2a");
    let stoke = Scenario::load("stoke-2017").unwrap();
    // No GP appointments at all: no crisis is seen, none resolved by a GP.
    let mut none = stoke.clone();
    none.gp.same_day_per_practice = 0;
    none.gp.extended_per_practice_week = 0;
    let none = runs_of(&none);
    // One same-day appointment a practice: the book fills, crises are turned away.
    let mut one = stoke.clone();
    one.gp.same_day_per_practice = 1;
    let one = runs_of(&one);
    // Extended access at every practice with no appointments in it: nothing changes.
    let mut empty = Scenario::load("extended-gp-access").unwrap();
    empty.gp.extended_per_practice_week = 0;
    let empty = runs_of(&empty);
    let mut base_empty = stoke.clone();
    base_empty.gp.extended_per_practice_week = 0;
    let base_empty = runs_of(&base_empty);
    // The ward rounds without room: nothing changes.
    let mut no_room = Scenario::load("care-home-support").unwrap();
    no_room.gp.care_home_round_residents = 0;
    let no_room = runs_of(&no_room);
    for r in 0..base.len() {
        let (b, g) = (&base[r], &base[r].gp);
        assert!(g.same_day > 0 && g.resolved > 0, "replication {r}: {g:?}");
        assert!(
            g.refused * 100 < g.same_day,
            "the baseline's books rarely fill: {g:?}"
        );
        // Without appointments: no one seen, no one resolved, more A&E attendances.
        let n = &none[r].gp;
        assert_eq!((n.same_day, n.extended, n.round, n.resolved), (0, 0, 0, 0));
        assert!(
            n.ae_65 > g.ae_65,
            "replication {r}: {} vs {}",
            n.ae_65,
            g.ae_65
        );
        // A smaller book turns crises away and sends more to A&E.
        let o = &one[r].gp;
        assert!(o.refused > 10 * g.refused.max(1), "replication {r}: {o:?}");
        assert!(
            o.resolved < g.resolved && o.ae_65 > g.ae_65,
            "replication {r}"
        );
        // Extended access: the evening and weekend appointments it adds are used and lower
        // A&E attendances; with no appointments in them, nothing changes.
        let e = &extended[r].gp;
        assert!(e.extended > 5 * g.extended, "replication {r}: {e:?}");
        assert!(
            e.ae_65 < g.ae_65,
            "replication {r}: {} vs {}",
            e.ae_65,
            g.ae_65
        );
        let ae = |x: &Replication| x.report.value("ae_attendances_65_per_1000").unwrap();
        assert!(ae(&extended[r]) < ae(b), "replication {r}");
        // (Those who asked for an appointment at every practice now and found none are
        // counted as turned away: the rest is the same.)
        let asked = |c: &twin::model::GpCounts| twin::model::GpCounts { refused: 0, ..*c };
        assert_eq!(
            asked(&empty[r].gp),
            asked(&base_empty[r].gp),
            "replication {r}"
        );
        assert!(empty[r].gp.refused > base_empty[r].gp.refused);
        assert_eq!(delays(&empty[r]), delays(&base_empty[r]), "replication {r}");
        // Ward rounds: residents seen on them, fewer attendances and admissions from care
        // homes; with no room on the rounds, nothing changes.
        let c = &support[r].gp;
        assert!(c.round > 0 && g.round == 0, "replication {r}: {c:?}");
        assert!(
            c.ae_care_home < g.ae_care_home,
            "replication {r}: {c:?} vs {g:?}"
        );
        assert!(
            care_home_admissions(&support[r]) < care_home_admissions(b),
            "replication {r}"
        );
        assert_eq!(no_room[r].gp, *g, "replication {r}");
        // D2A: community assessors' time is used (and costed), and some assessed at home go
        // to a care home; the baseline has neither.
        let d = &d2a[r];
        assert!(d.gp.home_assessments > 0 && d.gp.home_assessed_to_care_home > 0);
        assert!(d.usage.quantity(Item::CommunityAssessors) > 0.0);
        assert_eq!(g.home_assessments, 0);
        assert_eq!(b.usage.quantity(Item::CommunityAssessors), 0.0);
    }
    // With seven-day services the community assessors' same staff days are spread over the
    // week, as the other staff's.
    let all = runs("all-recommendations");
    for r in 0..base.len() {
        let hours = |x: &Replication| x.usage.quantity(Item::CommunityAssessors);
        assert!(hours(&d2a[r]) > 0.0);
        assert!((hours(&all[r]) - hours(&d2a[r])).abs() < 1e-6 * hours(&d2a[r]));
    }
    // What the added capacity costs: extended appointments offered at every practice, a
    // ward-round session a week in every home.
    let weeks = 26.0;
    let offered = |x: &Replication| x.usage.quantity(Item::GpExtendedAppointments);
    let practices = 46.0;
    assert!((offered(&extended[0]) - weeks * 4.0 * practices).abs() < 4.0 * practices);
    assert!(offered(&extended[0]) > 10.0 * offered(&base[0]));
    let sessions = support[0].usage.quantity(Item::CareHomeRounds);
    assert!((sessions - weeks * 87.0).abs() < 87.0, "{sessions}");
    assert_eq!(base[0].usage.quantity(Item::CareHomeRounds), 0.0);
}
