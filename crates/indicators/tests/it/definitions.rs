//! One test per indicator (or family), each worked out by hand in its comments.
//! Unless said otherwise the period is February 2017: D = 28 days, London time = UTC.
//! pop18 = 100,000 and pop65 = 20,000.

use crate::{check, Log};
use serde_json::json;

const FEB: (&str, &str) = ("2017-02-01", "2017-03-01");

#[test]
fn delayed_days_follow_midnights_reasons_and_ages() {
    let mut log = Log::default();
    log.person(1, "1936-05-02", "own_home");
    // The spec's example: delayed at the midnights of 9, 10, 11 and 12 February.
    log.admit(1, "s1", "2017-02-03T14:40:00Z")
        .ev(
            "ready_for_discharge",
            "2017-02-08T11:00:00Z",
            1,
            json!({"spell": "s1"}),
        )
        .ev(
            "delay_reason",
            "2017-02-08T11:00:00Z",
            1,
            json!({"spell": "s1", "reason": "care_package_home", "responsible": "social_care"}),
        )
        .discharge(
            1,
            "s1",
            "2017-02-12T15:00:00Z",
            "usual_residence_with_support",
        );
    // Ready exactly at midnight on the 20th: that midnight does not count (s < t); discharge
    // exactly at midnight on the 22nd: that one does (t <= e). Midnights 21 and 22.
    // Reason G from the start, then letter C at noon on the 21st: 21 -> G, 22 -> C (nhs).
    log.admit(1, "s2", "2017-02-15T10:00:00Z")
        .ev(
            "ready_for_discharge",
            "2017-02-20T00:00:00Z",
            1,
            json!({"spell": "s2"}),
        )
        .ev(
            "delay_reason",
            "2017-02-20T00:00:00Z",
            1,
            json!({"spell": "s2", "reason": "G"}),
        )
        .ev(
            "delay_reason",
            "2017-02-21T12:00:00Z",
            1,
            json!({"spell": "s2", "reason": "C"}),
        )
        .discharge(1, "s2", "2017-02-22T00:00:00Z", "usual_residence");
    // Open spell: ready on the 26th, no discharge: midnights 27 and 28, no reason recorded.
    log.admit(1, "s3", "2017-02-24T10:00:00Z").ev(
        "ready_for_discharge",
        "2017-02-26T10:00:00Z",
        1,
        json!({"spell": "s3"}),
    );
    // Ready before the period: only the midnights of 1 and 2 February count. Reason Di
    // (residential home, default responsible social care).
    log.person(2, "1940-01-01", "own_home")
        .admit(2, "s4", "2017-01-20T10:00:00Z")
        .ev(
            "ready_for_discharge",
            "2017-01-30T10:00:00Z",
            2,
            json!({"spell": "s4"}),
        )
        .ev(
            "delay_reason",
            "2017-01-30T10:00:00Z",
            2,
            json!({"spell": "s4", "reason": "Di"}),
        )
        .discharge(2, "s4", "2017-02-02T10:00:00Z", "residential_home");
    // A child (turns 18 on 10 February: counts from that midnight, to the 12th: 3 days).
    log.person(3, "1999-02-10", "own_home")
        .admit(3, "s5", "2017-02-01T10:00:00Z")
        .ev(
            "ready_for_discharge",
            "2017-02-05T10:00:00Z",
            3,
            json!({"spell": "s5"}),
        )
        .ev(
            "delay_reason",
            "2017-02-05T10:00:00Z",
            3,
            json!({"spell": "s5", "reason": "housing", "responsible": "both"}),
        )
        .discharge(3, "s5", "2017-02-12T10:00:00Z", "usual_residence");
    // Someone never registered counts in no age-restricted indicator.
    log.admit(4, "s6", "2017-02-01T10:00:00Z")
        .ev(
            "ready_for_discharge",
            "2017-02-02T10:00:00Z",
            4,
            json!({"spell": "s6"}),
        )
        .discharge(4, "s6", "2017-02-10T10:00:00Z", "usual_residence");
    let r = log.report(FEB.0, FEB.1);
    // 4 + 2 + 2 + 2 + 3 = 13 delayed days; 13 / 28 per 100,000 of 100,000 adults.
    let per = |days: f64| Some(days / 28.0);
    check(&r, "dtoc_delayed_days_per_100k", per(13.0));
    check(&r, "dtoc_delayed_days_per_100k:care_package_home", per(4.0));
    check(
        &r,
        "dtoc_delayed_days_per_100k:patient_family_choice",
        per(1.0),
    );
    check(
        &r,
        "dtoc_delayed_days_per_100k:non_acute_nhs_care",
        per(1.0),
    );
    check(&r, "dtoc_delayed_days_per_100k:residential_home", per(2.0));
    check(&r, "dtoc_delayed_days_per_100k:housing", per(3.0));
    check(&r, "dtoc_delayed_days_per_100k:unrecorded", per(2.0));
    check(&r, "dtoc_delayed_days_per_100k:assessment", per(0.0));
    check(
        &r,
        "dtoc_delayed_days_per_100k_by_responsible:social_care",
        per(6.0),
    );
    check(
        &r,
        "dtoc_delayed_days_per_100k_by_responsible:nhs",
        per(2.0),
    );
    check(
        &r,
        "dtoc_delayed_days_per_100k_by_responsible:both",
        per(3.0),
    );
    check(
        &r,
        "dtoc_delayed_days_per_100k_by_responsible:unrecorded",
        per(2.0),
    );
    let dtoc = r.get("dtoc_delayed_days_per_100k").unwrap();
    assert_eq!(
        (dtoc.numerator, dtoc.denominator),
        (13.0, Some(28.0 * 100_000.0 / 100_000.0))
    );
    assert_eq!(dtoc.benchmarks.stoke_2017, Some(32.0));
}

#[test]
fn midnights_are_local_in_summer_time() {
    // July: local midnight is 23:00 UTC the day before. Ready at 23:30 local on the 9th
    // (22:30Z), discharged 00:30 local on the 11th (23:30Z on the 10th): the local midnights of
    // the 10th and 11th, 2 days. (Counting UTC midnights would give 1.)
    let mut log = Log::default();
    log.person(1, "1936-05-02", "own_home")
        .admit(1, "s1", "2017-07-01T10:00:00Z")
        .ev(
            "ready_for_discharge",
            "2017-07-09T22:30:00Z",
            1,
            json!({"spell": "s1"}),
        )
        .discharge(1, "s1", "2017-07-10T23:30:00Z", "usual_residence");
    let r = log.report("2017-07-01", "2017-08-01");
    check(&r, "dtoc_delayed_days_per_100k", Some(2.0 / 31.0));
    // 23:30Z on Sunday 9 July... is Monday 00:30 in London: not a weekend discharge.
    check(&r, "discharges_weekend_pct", Some(0.0));
}

#[test]
fn emergency_admissions_of_older_people() {
    let mut log = Log::default();
    // Turns 65 on 15 February: the admission on the 10th is at 64, the one on the 20th at 65.
    log.person(1, "1952-02-15", "own_home")
        .admit(1, "s1", "2017-02-10T10:00:00Z")
        .discharge(1, "s1", "2017-02-11T10:00:00Z", "usual_residence")
        .admit(1, "s2", "2017-02-20T10:00:00Z");
    log.person(2, "1930-01-01", "own_home")
        // At exactly `from`: in. At exactly `to`: out. Elective: out.
        .admit(2, "s3", "2017-02-01T00:00:00Z")
        .discharge(2, "s3", "2017-02-02T00:00:00Z", "usual_residence")
        .admit(2, "s4", "2017-03-01T00:00:00Z")
        .ev(
            "admission",
            "2017-02-05T00:00:00Z",
            2,
            json!({"spell": "s5", "org": "RJE", "method": "elective"}),
        );
    // Never registered: no age, not counted.
    log.admit(3, "s6", "2017-02-05T10:00:00Z");
    let r = log.report(FEB.0, FEB.1);
    // 2 admissions / 28 days per 100,000 of 20,000.
    check(
        &r,
        "emergency_admissions_65_per_100k",
        Some(2.0 / 28.0 * 100_000.0 / 20_000.0),
    );
}

#[test]
fn ae_four_hours_and_older_peoples_attendances() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "own_home")
        .person(2, "2010-01-01", "own_home");
    let mut att = |p: u32, a: &str, arrive: &str, source: &str, depart: Option<(&str, &str)>| {
        log.ev(
            "ae_arrival",
            arrive,
            p,
            json!({"attendance": a, "org": "RJE", "source": source}),
        );
        if let Some((at, outcome)) = depart {
            log.ev(
                "ae_departure",
                at,
                p,
                json!({"attendance": a, "outcome": outcome}),
            );
        }
    };
    // Exactly 4 hours: within. One second more: not.
    att(
        1,
        "a1",
        "2017-02-03T09:00:00Z",
        "gp",
        Some(("2017-02-03T13:00:00Z", "discharged")),
    );
    att(
        1,
        "a2",
        "2017-02-04T09:00:00Z",
        "gp",
        Some(("2017-02-04T13:00:01Z", "admitted")),
    );
    att(
        1,
        "a3",
        "2017-02-05T09:00:00Z",
        "ambulance",
        Some(("2017-02-05T10:00:00Z", "admitted")),
    );
    // No departure: over four hours (in the four-hour denominator), out of the admitted
    // denominator, in the attendance count.
    att(1, "a4", "2017-02-06T09:00:00Z", "gp", None);
    // A child, within 4 hours: counts for ae_4h_pct (all ages) only.
    att(
        2,
        "a5",
        "2017-02-06T09:00:00Z",
        "self",
        Some(("2017-02-06T10:00:00Z", "discharged")),
    );
    // Arrived before the period, departed inside: not counted.
    att(
        1,
        "a6",
        "2017-01-31T23:00:00Z",
        "self",
        Some(("2017-02-01T05:00:00Z", "discharged")),
    );
    let r = log.report(FEB.0, FEB.1);
    check(&r, "ae_4h_pct", Some(300.0 / 5.0)); // a1, a3, a5 of a1 to a5
    check(&r, "ae_12h_pct", Some(100.0 / 5.0)); // a4 of a1 to a5
    check(
        &r,
        "ae_attendances_65_per_1000",
        Some(4.0 / 20_000.0 * 1000.0 / 28.0 * 365.0),
    );
    check(&r, "ae_admitted_pct_65", Some(200.0 / 3.0)); // a2, a3 of a1, a2, a3
    check(&r, "ae_gp_referred_pct_65", Some(75.0)); // a1, a2, a4 of 4
    check(&r, "ae_gp_referred_discharged_pct_65", Some(50.0)); // a1 of a1, a2
}

#[test]
fn ae_waits_count_every_arrival_of_the_period() {
    let mut log = Log::default();
    log.person(1, "1980-01-01", "own_home");
    let mut att = |a: &str, arrive: &str, depart: Option<&str>| {
        log.ev(
            "ae_arrival",
            arrive,
            1,
            json!({"attendance": a, "org": "RJE", "source": "self"}),
        );
        if let Some(at) = depart {
            log.ev(
                "ae_departure",
                at,
                1,
                json!({"attendance": a, "outcome": "discharged"}),
            );
        }
    };
    // Exactly 4 hours: within 4 hours.
    att("b1", "2017-02-10T09:00:00Z", Some("2017-02-10T13:00:00Z"));
    // 4 hours and a second: over 4 hours, not over 12.
    att("b2", "2017-02-11T09:00:00Z", Some("2017-02-11T13:00:01Z"));
    // Exactly 12 hours: over 4, not over 12.
    att("b3", "2017-02-12T09:00:00Z", Some("2017-02-12T21:00:00Z"));
    // 12 hours and a second: over 12.
    att("b4", "2017-02-13T09:00:00Z", Some("2017-02-13T21:00:01Z"));
    // Never departs: over 4 and over 12 (a jammed A&E cannot look better).
    att("b5", "2017-02-14T09:00:00Z", None);
    // Departs after `to`, 3h30 after arriving: within 4 hours (read past the period).
    att("b6", "2017-02-28T22:00:00Z", Some("2017-03-01T01:30:00Z"));
    // Departs after `to`, 13 hours after arriving: over 12.
    att("b7", "2017-02-28T20:00:00Z", Some("2017-03-01T09:00:00Z"));
    // Arrived before the period (15 hours, departing inside it): not counted.
    att("b8", "2017-01-31T23:00:00Z", Some("2017-02-01T14:00:00Z"));
    let r = log.report(FEB.0, FEB.1);
    // 7 arrivals (b1 to b7); within 4 hours: b1, b6; over 12 hours: b4, b5, b7.
    check(&r, "ae_4h_pct", Some(200.0 / 7.0));
    check(&r, "ae_12h_pct", Some(300.0 / 7.0));
    let four = r.get("ae_4h_pct").unwrap();
    assert_eq!((four.numerator, four.denominator), (2.0, Some(7.0)));
    let twelve = r.get("ae_12h_pct").unwrap();
    assert_eq!((twelve.numerator, twelve.denominator), (3.0, Some(7.0)));
    // January holds b8 alone: 15 hours.
    let jan = log.report("2017-01-01", "2017-02-01");
    check(&jan, "ae_4h_pct", Some(0.0));
    check(&jan, "ae_12h_pct", Some(100.0));
}

#[test]
fn bed_occupancy_counts_acute_beds_at_midnight() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "own_home")
        .person(2, "2012-01-01", "own_home");
    // Midnights of the 2nd and 3rd: 2 bed-nights.
    log.admit(1, "s1", "2017-02-01T10:00:00Z").discharge(
        1,
        "s1",
        "2017-02-03T10:00:00Z",
        "usual_residence",
    );
    // Open: the midnight of the 28th. Admitted in January: the 1st too... no: admitted on the
    // 27th at noon, so only the 28th.
    log.admit(1, "s2", "2017-02-27T12:00:00Z");
    // A child's elective stay counts (any age): admitted at midnight on the 10th (not counted),
    // discharged at midnight on the 12th (counted): 11th and 12th.
    log.ev(
        "admission",
        "2017-02-10T00:00:00Z",
        2,
        json!({"spell": "s3", "org": "RJE", "method": "elective"}),
    )
    .discharge(2, "s3", "2017-02-12T00:00:00Z", "usual_residence");
    // A community trust's bed is not an acute bed; an acute trust with no beds is left out.
    log.ev(
        "admission",
        "2017-02-05T10:00:00Z",
        2,
        json!({"spell": "s4", "org": "CT1", "method": "elective"}),
    );
    log.ev(
        "admission",
        "2017-02-05T10:00:00Z",
        1,
        json!({"spell": "s5", "org": "RJ0", "method": "emergency"}),
    );
    let r = log.report(FEB.0, FEB.1);
    check(&r, "bed_occupancy_pct", Some(5.0 / (10.0 * 28.0) * 100.0));
    check(
        &r,
        "bed_occupancy_pct:RJE",
        Some(5.0 / (10.0 * 28.0) * 100.0),
    );
    assert!(r.get("bed_occupancy_pct:RJ0").is_none());
}

#[test]
fn lengths_of_stay_over_7_and_21_days() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "own_home");
    // Exactly 7 x 24 hours: not over 7 days.
    log.admit(1, "s1", "2017-01-30T10:00:00Z").discharge(
        1,
        "s1",
        "2017-02-06T10:00:00Z",
        "usual_residence",
    );
    // One second more: over 7.
    log.admit(1, "s2", "2017-02-06T11:00:00Z").discharge(
        1,
        "s2",
        "2017-02-13T11:00:01Z",
        "usual_residence",
    );
    // 22 days: over 7 and over 21; a death in hospital still counts.
    log.admit(1, "s3", "2017-01-25T10:00:00Z");
    log.ev(
        "admission",
        "2017-01-01T10:00:00Z",
        1,
        json!({"spell": "s4", "org": "RJE", "method": "elective"}),
    )
    .discharge(1, "s4", "2017-02-20T10:00:00Z", "usual_residence"); // elective: not counted
    log.discharge(1, "s3", "2017-02-16T10:00:00Z", "died");
    let r = log.report(FEB.0, FEB.1);
    check(&r, "los_over_7d_pct_65", Some(200.0 / 3.0));
    check(&r, "los_over_21d_pct_65", Some(100.0 / 3.0));
}

#[test]
fn readmissions_within_30_days_read_past_the_period() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "own_home")
        .person(2, "1940-01-01", "own_home")
        .person(3, "1940-01-01", "own_home");
    // Discharged 25 Feb, readmitted exactly 30 x 24 hours later (after `to`): readmitted.
    log.admit(1, "s1", "2017-02-20T10:00:00Z")
        .discharge(1, "s1", "2017-02-25T10:00:00Z", "usual_residence")
        .admit(1, "s2", "2017-03-27T10:00:00Z");
    // Readmitted 30 days and a minute later: not. An elective stay in between: not.
    log.admit(2, "s3", "2017-02-01T10:00:00Z")
        .discharge(2, "s3", "2017-02-02T10:00:00Z", "usual_residence")
        .ev(
            "admission",
            "2017-02-10T10:00:00Z",
            2,
            json!({"spell": "s4", "org": "RJE", "method": "elective"}),
        )
        .discharge(2, "s4", "2017-02-11T10:00:00Z", "usual_residence")
        .admit(2, "s5", "2017-03-04T10:01:00Z");
    // s4 (elective, discharged 11 Feb) is in the denominator too; s5 is 21 days after it: readmitted.
    // A death in hospital is out of the denominator.
    log.admit(3, "s6", "2017-02-01T10:00:00Z")
        .discharge(3, "s6", "2017-02-03T10:00:00Z", "died");
    let r = log.report(FEB.0, FEB.1);
    // Denominator s1, s3, s4; readmitted s1, s4.
    check(&r, "readmission_30d_pct_65", Some(200.0 / 3.0));
}

#[test]
fn reablement_offered_and_at_home_after_91_days() {
    let mut log = Log::default();
    let reable = |log: &mut Log, p: u32, k: &str, start: &str| {
        log.ev(
            "package_requested",
            "2017-02-09T10:00:00Z",
            p,
            json!({"package": k, "service": "reablement"}),
        )
        .ev(
            "package_started",
            start,
            p,
            json!({"package": k, "org": "RB1"}),
        );
    };
    for p in 1..=6 {
        log.person(p, "1940-01-01", "own_home");
        log.admit(p, &format!("s{p}"), "2017-02-05T10:00:00Z")
            .discharge(
                p,
                &format!("s{p}"),
                "2017-02-10T10:00:00Z",
                "reablement_home",
            );
    }
    // 1: reablement exactly 72 hours after discharge; at home at discharge + 91 days.
    reable(&mut log, 1, "k1", "2017-02-13T10:00:00Z");
    // 2: reablement starts the moment of discharge; dies before 91 days: not at home.
    reable(&mut log, 2, "k2", "2017-02-10T10:00:00Z");
    log.ev("death", "2017-04-01T10:00:00Z", 2, json!({}));
    // 3: in hospital at discharge + 91 days (12 May 10:00), discharged exactly then: still in.
    reable(&mut log, 3, "k3", "2017-02-11T10:00:00Z");
    log.admit(3, "s30", "2017-05-01T10:00:00Z").discharge(
        3,
        "s30",
        "2017-05-12T10:00:00Z",
        "usual_residence",
    );
    // 4: moved permanently to a nursing home: not at home. Extra care counts as home (5).
    reable(&mut log, 4, "k4", "2017-02-11T10:00:00Z");
    log.ev(
        "residence_changed",
        "2017-04-01T10:00:00Z",
        4,
        json!({"residence": "nursing_home", "care_home": "NH1"}),
    );
    reable(&mut log, 5, "k5", "2017-02-11T10:00:00Z");
    log.ev(
        "residence_changed",
        "2017-04-01T10:00:00Z",
        5,
        json!({"residence": "extra_care"}),
    );
    // 6: reablement 72 hours and a second after discharge: not "after discharge". A home care
    // package is not reablement either.
    reable(&mut log, 6, "k6", "2017-02-13T10:00:01Z");
    log.ev(
        "package_requested",
        "2017-02-09T10:00:00Z",
        6,
        json!({"package": "k7", "service": "home_care"}),
    )
    .ev(
        "package_started",
        "2017-02-11T10:00:00Z",
        6,
        json!({"package": "k7", "org": "HC1"}),
    );
    let r = log.report(FEB.0, FEB.1);
    check(&r, "reablement_offered_pct", Some(500.0 / 6.0));
    check(&r, "reablement_91d_at_home_pct", Some(40.0)); // 1 and 5 of 1..=5
    check(&r, "new_home_care_packages", Some(1.0));
    // Readmission (s30 is 80 days later): none.
    check(&r, "readmission_30d_pct_65", Some(0.0));
}

#[test]
fn care_home_admissions_by_cause_and_permanent_moves() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "residential_home")
        .person(2, "1940-01-01", "nursing_home");
    log.person(3, "1940-01-01", "own_home")
        .person(4, "1960-01-01", "residential_home");
    log.ev(
        "admission",
        "2017-02-03T10:00:00Z",
        1,
        json!({"spell": "s1", "org": "RJE", "method": "emergency", "cause": "pneumonia"}),
    )
    .discharge(1, "s1", "2017-02-08T10:00:00Z", "residential_home");
    // No cause: "other".
    log.admit(2, "s2", "2017-02-04T10:00:00Z");
    // From own home, then moved permanently to a nursing home (counts as a permanent admission).
    log.ev(
        "admission",
        "2017-02-03T10:00:00Z",
        3,
        json!({"spell": "s3", "org": "RJE", "method": "emergency", "cause": "fall_injury"}),
    )
    .discharge(3, "s3", "2017-02-08T10:00:00Z", "nursing_home")
    .ev(
        "residence_changed",
        "2017-02-08T10:00:00Z",
        3,
        json!({"residence": "nursing_home", "care_home": "NH1"}),
    );
    // Under 65: neither.
    log.ev(
        "admission",
        "2017-02-03T10:00:00Z",
        4,
        json!({"spell": "s4", "org": "RJE", "method": "emergency", "cause": "fall_injury"}),
    );
    // 5: temporary stay in a care home, then made permanent: the temporary stay is a care home,
    // so the permanent change is not a new admission. 6: a move with no residence before it counts.
    // 7: a move from residential to nursing home does not count. 8: temporary only: not.
    log.person(5, "1940-01-01", "own_home")
        .ev(
            "residence_changed",
            "2017-02-10T10:00:00Z",
            5,
            json!({"residence": "residential_home", "care_home": "RH1", "permanent": false}),
        )
        .ev(
            "residence_changed",
            "2017-02-20T10:00:00Z",
            5,
            json!({"residence": "residential_home", "care_home": "RH1", "permanent": true}),
        );
    log.ev(
        "residence_changed",
        "2017-02-10T10:00:00Z",
        6,
        json!({"residence": "nursing_home", "care_home": "NH2"}),
    );
    log.ev("person_registered", "2017-02-11T10:00:00Z", 6, json!({"birth_date": "1930-01-01", "sex": "male", "gp": "GP1", "residence": "nursing_home", "care_home": "NH2"}));
    log.person(7, "1940-01-01", "residential_home").ev(
        "residence_changed",
        "2017-02-10T10:00:00Z",
        7,
        json!({"residence": "nursing_home", "care_home": "NH1"}),
    );
    log.person(8, "1940-01-01", "own_home").ev(
        "residence_changed",
        "2017-02-10T10:00:00Z",
        8,
        json!({"residence": "nursing_home", "care_home": "NH1", "permanent": false}),
    );
    let r = log.report(FEB.0, FEB.1);
    let per_year = |n: f64| Some(n / 28.0 * 365.0 / 20_000.0 * 100_000.0);
    check(&r, "care_home_admissions_65_per_100k", per_year(2.0));
    check(
        &r,
        "care_home_admissions_65_per_100k:pneumonia",
        per_year(1.0),
    );
    check(&r, "care_home_admissions_65_per_100k:other", per_year(1.0));
    check(
        &r,
        "care_home_admissions_65_per_100k:fall_injury",
        per_year(0.0),
    );
    check(
        &r,
        "permanent_care_home_admissions_65_per_100k",
        per_year(2.0),
    ); // 3 and 6
}

#[test]
fn weekend_discharges_in_local_time() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "own_home");
    // Saturday 4 Feb, Sunday 5 Feb 23:59, Monday 6 Feb 00:00, Friday 3 Feb.
    for (i, at) in [
        "2017-02-04T12:00:00Z",
        "2017-02-05T23:59:00Z",
        "2017-02-06T00:00:00Z",
        "2017-02-03T12:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let s = format!("s{i}");
        log.admit(1, &s, "2017-02-01T10:00:00Z")
            .discharge(1, &s, at, "usual_residence");
    }
    let r = log.report(FEB.0, FEB.1);
    check(&r, "discharges_weekend_pct", Some(50.0));
}

#[test]
fn reviews_completed_and_overdue() {
    let mut log = Log::default();
    for p in 1..=3 {
        log.person(p, "1940-01-01", "own_home");
    }
    let due = |log: &mut Log, p: u32, r: &str, date: &str| {
        log.ev(
            "review_due",
            "2017-01-01T00:00:00Z",
            p,
            json!({"review": r, "due": date}),
        );
    };
    // r1 due in Feb, done in Feb. r2 due in Feb, done on 1 March at 00:00 (not before `to`).
    due(&mut log, 1, "r1", "2017-02-10");
    log.ev(
        "review_completed",
        "2017-02-12T10:00:00Z",
        1,
        json!({"review": "r1"}),
    );
    due(&mut log, 1, "r2", "2017-02-20");
    log.ev(
        "review_completed",
        "2017-03-01T00:00:00Z",
        1,
        json!({"review": "r2"}),
    );
    // r3 due in January, never done: overdue, not in the February percentage.
    due(&mut log, 1, "r3", "2017-01-20");
    // r4 due 28 Feb, person 2 died on 27 Feb with no review: in neither indicator.
    due(&mut log, 2, "r4", "2017-02-28");
    log.ev("death", "2017-02-27T10:00:00Z", 2, json!({}));
    // r5 due 5 Feb, person 3 died 6 Feb: counts (due before the death), not done, overdue.
    due(&mut log, 3, "r5", "2017-02-05");
    log.ev("death", "2017-02-06T10:00:00Z", 3, json!({}));
    // r6 due in March: in neither.
    due(&mut log, 1, "r6", "2017-03-05");
    let r = log.report(FEB.0, FEB.1);
    check(&r, "reviews_completed_pct", Some(100.0 / 3.0)); // r1 of r1, r2, r5
    check(&r, "reviews_overdue", Some(3.0)); // r2, r3, r5
}

#[test]
fn assessments_and_continuing_healthcare() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "own_home");
    let mut assess = |a: &str, ty: &str, req: &str, done: &str, outcome: &str| {
        log.ev(
            "assessment_requested",
            req,
            1,
            json!({"assessment": a, "type": ty}),
        )
        .ev(
            "assessment_completed",
            done,
            1,
            json!({"assessment": a, "outcome": outcome}),
        );
    };
    assess(
        "c1",
        "care_needs",
        "2017-01-20T10:00:00Z",
        "2017-02-02T10:00:00Z",
        "eligible",
    );
    assess(
        "c2",
        "care_needs",
        "2017-02-20T10:00:00Z",
        "2017-03-02T10:00:00Z",
        "eligible",
    ); // March
    assess(
        "c3",
        "carer",
        "2017-02-02T10:00:00Z",
        "2017-02-03T10:00:00Z",
        "eligible",
    );
    // CHC: exactly 28 x 24 hours (within), 28 days and a second (not), eligible 1 of 3.
    assess(
        "h1",
        "chc",
        "2017-01-10T10:00:00Z",
        "2017-02-07T10:00:00Z",
        "eligible",
    );
    assess(
        "h2",
        "chc",
        "2017-01-10T10:00:00Z",
        "2017-02-07T10:00:01Z",
        "not_eligible",
    );
    assess(
        "h3",
        "chc",
        "2017-02-10T10:00:00Z",
        "2017-02-11T10:00:00Z",
        "not_eligible",
    );
    let r = log.report(FEB.0, FEB.1);
    check(&r, "assessments_completed", Some(1.0));
    check(&r, "chc_eligible_pct", Some(100.0 / 3.0));
    check(&r, "chc_within_28d_pct", Some(200.0 / 3.0));
}

#[test]
fn register_indicators_read_ratings_and_access() {
    let r = Log::default().report(FEB.0, FEB.1);
    // GP1 true, GP2 false, GP3 empty (not true), GP4 false: 1 of 4.
    check(&r, "gp_extended_access_pct", Some(25.0));
    // Nursing homes rated: NH1 inadequate, NH2 requires improvement, NH3 good (NH4 no rating).
    check(&r, "nursing_homes_inadequate_pct", Some(100.0 / 3.0));
    check(
        &r,
        "nursing_homes_requires_improvement_pct",
        Some(100.0 / 3.0),
    );
    // Residential: RH1 good, RH2 unrated (left out): 0 of 1.
    check(&r, "residential_homes_inadequate_pct", Some(0.0));
    check(&r, "home_care_requires_improvement_pct", Some(100.0));
}

#[test]
fn zero_denominators_are_null_and_counts_zero() {
    let r = Log::default().report(FEB.0, FEB.1);
    for id in [
        "ae_4h_pct",
        "ae_12h_pct",
        "ae_admitted_pct_65",
        "ae_gp_referred_pct_65",
        "los_over_7d_pct_65",
        "readmission_30d_pct_65",
        "reablement_offered_pct",
        "reablement_91d_at_home_pct",
        "discharges_weekend_pct",
        "reviews_completed_pct",
        "chc_eligible_pct",
        "chc_within_28d_pct",
    ] {
        check(&r, id, None);
    }
    check(&r, "dtoc_delayed_days_per_100k", Some(0.0));
    check(&r, "reviews_overdue", Some(0.0));
    check(&r, "bed_occupancy_pct", Some(0.0));
    // Every breakdown key is reported, 0 when none occur.
    assert_eq!(
        r.indicators
            .iter()
            .filter(|i| i.id.starts_with("dtoc_delayed_days_per_100k:"))
            .count(),
        12
    );
    assert_eq!(
        r.indicators
            .iter()
            .filter(|i| i.id.starts_with("care_home_admissions_65_per_100k:"))
            .count(),
        5
    );
}

#[test]
fn months_split_the_period() {
    let mut log = Log::default();
    log.person(1, "1940-01-01", "own_home")
        .admit(1, "s1", "2017-01-31T10:00:00Z")
        .admit(1, "s2", "2017-02-01T10:00:00Z");
    let p = indicators::Period::new(
        domain::parse_date("2017-01-15").unwrap(),
        domain::parse_date("2017-03-10").unwrap(),
    )
    .unwrap();
    let months = p.months();
    assert_eq!(months.len(), 3);
    assert_eq!(
        (months[0].days(), months[1].days(), months[2].days()),
        (17, 28, 9)
    );
    let jan = log.report("2017-01-15", "2017-02-01");
    check(
        &jan,
        "emergency_admissions_65_per_100k",
        Some(1.0 / 17.0 * 5.0),
    );
}
