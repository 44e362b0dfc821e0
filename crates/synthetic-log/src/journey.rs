//! One person's journey over the period, drawn from their own random stream.

use crate::after;
use crate::capacity::Stay;
use crate::registers::*;
use chrono::{Datelike, Duration, NaiveDate};
use domain::{Instant, NhsNumber, Zone};
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal};
use std::fmt::Write as _;

/// A person's lines of the log.
pub struct Drawn {
    pub text: String,
    pub events: u64,
    pub older: bool,
    /// 0: 65-74, 1: 75-84, 2: 85+ (older people only).
    pub band65: usize,
    /// The beds and places the person occupied (to size the registers).
    pub stays: Vec<Stay>,
}

enum V<'a> {
    S(&'a str),
    N(f64),
    I(i64),
}

/// Writes one person's events as JSON Lines; events at or after `end` are left out (the log
/// stops at the end of the period, so a lifecycle is cut, never broken).
struct Lines {
    text: String,
    events: u64,
    person: String,
    key: u32,
    end: Instant,
}

impl Lines {
    fn ev(&mut self, kind: &str, at: Instant, fields: &[(&str, V<'_>)]) {
        if at >= self.end {
            return;
        }
        self.events += 1;
        let _ = write!(
            self.text,
            r#"{{"id":"p{}e{}","kind":"{kind}","at":"{at}","person":"{}""#,
            self.key, self.events, self.person
        );
        for (k, v) in fields {
            let _ = match v {
                V::S(s) => write!(self.text, r#","{k}":"{s}""#),
                V::N(x) => write!(self.text, r#","{k}":{x}"#),
                V::I(i) => write!(self.text, r#","{k}":{i}"#),
            };
        }
        self.text.push_str("}\n");
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen::<f64>() * total;
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

fn days(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    LogNormal::new(median.ln(), sigma)
        .expect("valid lognormal")
        .sample(rng)
}

/// Draws person `key` (NHS number `nhs`) over `[from, to)`.
pub fn person(
    seed: u64,
    key: u32,
    nhs: NhsNumber,
    from: Instant,
    to: Instant,
    zone: Zone,
) -> Drawn {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(key));
    let mut w = Lines {
        text: String::with_capacity(2048),
        events: 0,
        person: nhs.digits(),
        key,
        end: to,
    };

    // Who they are.
    let older = rng.gen_bool(0.75);
    let (age, band65) = if older {
        match *pick(&mut rng, &[(0usize, 0.54), (1, 0.33), (2, 0.13)]) {
            0 => (rng.gen_range(65..75), 0),
            1 => (rng.gen_range(75..85), 1),
            _ => (rng.gen_range(85..101), 2),
        }
    } else {
        (rng.gen_range(18..65), 0)
    };
    let start_date: NaiveDate = zone.local_date(from);
    let birth = start_date
        .with_year(start_date.year() - age)
        .unwrap_or(start_date - Duration::days(365 * age as i64))
        - Duration::days(rng.gen_range(0..365));
    let care_home_p = if !older {
        0.0
    } else {
        [0.015, 0.05, 0.15][band65]
    };
    let (mut residence, mut home) = if rng.gen_bool(care_home_p) {
        if rng.gen_bool(0.7) {
            (
                "residential_home",
                residential_code(rng.gen_range(0..RESIDENTIAL_HOMES)),
            )
        } else {
            (
                "nursing_home",
                nursing_code(rng.gen_range(0..NURSING_HOMES)),
            )
        }
    } else if older && rng.gen_bool(0.03) {
        ("extra_care", String::new())
    } else {
        ("own_home", String::new())
    };
    let gp = gp_code(rng.gen_range(0..GP_PRACTICES));
    let registered = after(from, -(rng.gen_range(30.0..3000.0)));
    let birth_s = birth.to_string();
    let sex = if rng.gen_bool(0.57) { "female" } else { "male" };
    let mut fields = vec![
        ("birth_date", V::S(&birth_s)),
        ("sex", V::S(sex)),
        ("gp", V::S(&gp)),
        ("residence", V::S(residence)),
    ];
    if !home.is_empty() {
        fields.push(("care_home", V::S(&home)));
    }
    w.ev("person_registered", registered, &fields);
    let mut stays: Vec<Stay> = Vec::new();
    // Care home places held until death (or the end): the index of the stay that is open.
    let mut in_place: Option<usize> = None;
    if !home.is_empty() {
        in_place = Some(stays.len());
        stays.push(Stay {
            org: home.clone(),
            start: registered,
            end: None,
        });
    }

    let in_care_home = |r: &str| r == "residential_home" || r == "nursing_home";
    // Yearly rates.
    let crisis_rate = if older {
        [0.35, 0.55, 0.9][band65]
    } else {
        0.25
    } * if in_care_home(residence) { 1.6 } else { 1.0 };
    let death_rate = if older {
        [0.02, 0.05, 0.14][band65]
    } else {
        0.003
    } * if in_care_home(residence) { 2.0 } else { 1.0 };
    let death = after(
        from,
        Exp::new(death_rate / 365.0)
            .expect("positive rate")
            .sample(&mut rng),
    );
    let mut n = 0u32; // lifecycle ids of this person
    let mut next_id = |prefix: &str| {
        n += 1;
        format!("{prefix}{key}-{n}")
    };

    // A home care package already running, with reviews falling due.
    if older && !in_care_home(residence) && rng.gen_bool(0.08) {
        let k = next_id("k");
        let agency = home_care_code(rng.gen_range(0..HOME_CARE_AGENCIES));
        let start = after(from, -rng.gen_range(30.0..700.0));
        w.ev(
            "package_requested",
            after(start, -14.0),
            &[
                ("package", V::S(&k)),
                ("service", V::S("home_care")),
                ("hours_per_week", V::N(f64::from(rng.gen_range(3..25)))),
            ],
        );
        w.ev(
            "package_started",
            start,
            &[("package", V::S(&k)), ("org", V::S(&agency))],
        );
        let mut due = zone.local_date(start) + Duration::days(182);
        while zone.midnight(due) < to {
            reviews(&mut rng, &mut w, &mut next_id, &k, due, zone, death);
            due += Duration::days(182);
        }
    }

    // Crises, one after another, until death or the end of the period.
    let mut t = from;
    // When the last crisis drawn was over (set at the top of each round): a death is not
    // written before it.
    let mut settled;
    let mut died: Option<Instant> = None;
    let mut soon: Option<Instant> = None; // an early readmission drawn at the last discharge
    loop {
        let gap = Exp::new(crisis_rate / 365.0)
            .expect("positive rate")
            .sample(&mut rng);
        settled = t;
        t = soon.take().unwrap_or(after(t, gap));
        if t >= death || t >= to {
            break;
        }
        // Planned (elective) stays now and then.
        if older && rng.gen_bool(0.15) {
            let s = next_id("s");
            w.ev(
                "admission",
                t,
                &[
                    ("spell", V::S(&s)),
                    ("org", V::S(ACUTE_TRUST)),
                    ("method", V::S("elective")),
                ],
            );
            let ready = after(t, days(&mut rng, 2.0, 0.6));
            w.ev("ready_for_discharge", ready, &[("spell", V::S(&s))]);
            let out = after(ready, rng.gen_range(0.05..0.5));
            stays.push(Stay {
                org: ACUTE_TRUST.into(),
                start: t,
                end: Some(out),
            });
            w.ev(
                "discharge",
                out,
                &[
                    ("spell", V::S(&s)),
                    ("destination", V::S("usual_residence")),
                    ("pathway", V::I(0)),
                ],
            );
            t = after(out, 1.0);
            continue;
        }
        let a = next_id("a");
        let source = *pick(
            &mut rng,
            &[
                ("ambulance", 0.5),
                ("self", 0.28),
                ("gp", 0.05),
                (
                    "care_home",
                    if in_care_home(residence) { 0.15 } else { 0.0 },
                ),
                ("nhs111", 0.04),
                ("other", 0.03),
            ],
        );
        w.ev(
            "ae_arrival",
            t,
            &[
                ("attendance", V::S(&a)),
                ("org", V::S(ACUTE_TRUST)),
                ("source", V::S(source)),
            ],
        );
        let departed = after(t, days(&mut rng, 2.8, 0.5) / 24.0);
        let admit_p = if source == "gp" {
            0.86
        } else if older {
            0.5
        } else {
            0.25
        };
        if !rng.gen_bool(admit_p) {
            let outcome = *pick(
                &mut rng,
                &[("discharged", 0.85), ("referred", 0.1), ("left", 0.05)],
            );
            w.ev(
                "ae_departure",
                departed,
                &[("attendance", V::S(&a)), ("outcome", V::S(outcome))],
            );
            t = departed;
            continue;
        }
        w.ev(
            "ae_departure",
            departed,
            &[("attendance", V::S(&a)), ("outcome", V::S("admitted"))],
        );
        let s = next_id("s");
        let cause = if in_care_home(residence) {
            *pick(
                &mut rng,
                &[
                    ("pneumonia", 0.2),
                    ("fall_injury", 0.2),
                    ("uti", 0.1),
                    ("dementia", 0.05),
                    ("other", 0.45),
                ],
            )
        } else {
            *pick(
                &mut rng,
                &[
                    ("pneumonia", 0.1),
                    ("fall_injury", 0.15),
                    ("uti", 0.08),
                    ("dementia", 0.02),
                    ("other", 0.65),
                ],
            )
        };
        w.ev(
            "admission",
            departed,
            &[
                ("spell", V::S(&s)),
                ("org", V::S(ACUTE_TRUST)),
                ("method", V::S("emergency")),
                ("attendance", V::S(&a)),
                ("cause", V::S(cause)),
            ],
        );
        let ready = after(departed, days(&mut rng, 4.0, 0.9));
        if older && rng.gen_bool(0.06) {
            w.ev(
                "discharge",
                ready,
                &[("spell", V::S(&s)), ("destination", V::S("died"))],
            );
            w.ev("death", ready, &[]);
            stays.push(Stay {
                org: ACUTE_TRUST.into(),
                start: departed,
                end: Some(ready),
            });
            died = Some(ready);
            break;
        }
        w.ev("ready_for_discharge", ready, &[("spell", V::S(&s))]);
        let pathway = if in_care_home(residence) {
            0
        } else if older {
            *pick(&mut rng, &[(0u8, 0.6), (1, 0.27), (2, 0.05), (3, 0.08)])
        } else {
            0
        };
        // What the person waits for, if anything.
        let (reason, delay_p, mean_days) = match pathway {
            0 => ("other", 0.04, 2.0),
            1 => ("care_package_home", 0.45, 7.0),
            2 => ("non_acute_nhs_care", 0.4, 5.0),
            _ => (
                *pick(
                    &mut rng,
                    &[
                        ("patient_family_choice", 0.5),
                        ("residential_home", 0.25),
                        ("nursing_home", 0.25),
                    ],
                ),
                0.6,
                9.0,
            ),
        };
        let delayed = rng.gen_bool(delay_p);
        let out = if delayed {
            let d: f64 = Exp::new(1.0 / mean_days)
                .expect("positive mean")
                .sample(&mut rng);
            let d = d.max(0.1);
            // Waiting first for an assessment now and then, then for the service.
            if rng.gen_bool(0.2) {
                w.ev(
                    "delay_reason",
                    ready,
                    &[("spell", V::S(&s)), ("reason", V::S("A"))],
                );
                w.ev(
                    "delay_reason",
                    after(ready, d * 0.3),
                    &[("spell", V::S(&s)), ("reason", V::S(reason))],
                );
            } else {
                let responsible = if reason == "care_package_home" {
                    "social_care"
                } else {
                    "nhs"
                };
                w.ev(
                    "delay_reason",
                    ready,
                    &[
                        ("spell", V::S(&s)),
                        ("reason", V::S(reason)),
                        ("responsible", V::S(responsible)),
                    ],
                );
            }
            after(ready, d)
        } else {
            after(ready, rng.gen_range(0.05..0.8))
        };
        if pathway == 1 || pathway == 3 {
            let c = next_id("c");
            w.ev(
                "assessment_requested",
                ready,
                &[
                    ("assessment", V::S(&c)),
                    ("type", V::S("care_needs")),
                    ("spell", V::S(&s)),
                ],
            );
            let done = after(
                ready,
                (out.0 - ready.0) as f64 / 2.0 / domain::time::NANOS_PER_DAY as f64,
            );
            w.ev(
                "assessment_completed",
                done,
                &[("assessment", V::S(&c)), ("outcome", V::S("eligible"))],
            );
        }
        if pathway == 3 && rng.gen_bool(0.25) {
            let c = next_id("c");
            w.ev(
                "assessment_requested",
                ready,
                &[
                    ("assessment", V::S(&c)),
                    ("type", V::S("chc")),
                    ("spell", V::S(&s)),
                ],
            );
            let done = after(ready, days(&mut rng, 21.0, 0.5));
            let outcome = if rng.gen_bool(0.3) {
                "eligible"
            } else {
                "not_eligible"
            };
            w.ev(
                "assessment_completed",
                done,
                &[("assessment", V::S(&c)), ("outcome", V::S(outcome))],
            );
        }
        stays.push(Stay {
            org: ACUTE_TRUST.into(),
            start: departed,
            end: Some(out),
        });
        let destination = match pathway {
            0 => "usual_residence",
            1 => "usual_residence_with_support",
            2 => "step_down_bed",
            _ => "residential_home",
        };
        w.ev(
            "discharge",
            out,
            &[
                ("spell", V::S(&s)),
                ("destination", V::S(destination)),
                ("pathway", V::I(i64::from(pathway))),
            ],
        );
        match pathway {
            1 => {
                let k = next_id("k");
                let (service, org) = if rng.gen_bool(0.12) {
                    ("reablement", REABLEMENT.to_string())
                } else {
                    (
                        "home_care",
                        home_care_code(rng.gen_range(0..HOME_CARE_AGENCIES)),
                    )
                };
                w.ev(
                    "package_requested",
                    ready,
                    &[
                        ("package", V::S(&k)),
                        ("service", V::S(service)),
                        ("hours_per_week", V::N(f64::from(rng.gen_range(5..20)))),
                        ("spell", V::S(&s)),
                    ],
                );
                w.ev(
                    "package_offered",
                    after(ready, 0.01),
                    &[("package", V::S(&k)), ("org", V::S(&org))],
                );
                let start = after(out, rng.gen_range(0.0..2.5));
                w.ev(
                    "package_started",
                    start,
                    &[("package", V::S(&k)), ("org", V::S(&org))],
                );
                if service == "reablement" {
                    let end = after(start, 42.0).min(death).max(start);
                    let reason = if death <= end {
                        "died"
                    } else {
                        *pick(
                            &mut rng,
                            &[("independent", 0.6), ("needs_met", 0.3), ("other", 0.1)],
                        )
                    };
                    w.ev(
                        "package_ended",
                        end,
                        &[("package", V::S(&k)), ("reason", V::S(reason))],
                    );
                } else {
                    let due = zone.local_date(start) + Duration::days(42);
                    reviews(&mut rng, &mut w, &mut next_id, &k, due, zone, death);
                }
            }
            2 => {
                let k = next_id("k");
                w.ev(
                    "package_requested",
                    ready,
                    &[
                        ("package", V::S(&k)),
                        ("service", V::S("step_down_bed")),
                        ("spell", V::S(&s)),
                    ],
                );
                w.ev(
                    "package_started",
                    out,
                    &[("package", V::S(&k)), ("org", V::S(COMMUNITY_TRUST))],
                );
                let end = after(out, days(&mut rng, 14.0, 0.4));
                w.ev(
                    "package_ended",
                    end,
                    &[("package", V::S(&k)), ("reason", V::S("needs_met"))],
                );
                stays.push(Stay {
                    org: COMMUNITY_TRUST.into(),
                    start: out,
                    end: Some(end),
                });
            }
            3 => {
                let k = next_id("k");
                home = residential_code(rng.gen_range(0..RESIDENTIAL_HOMES));
                residence = "residential_home";
                w.ev(
                    "package_requested",
                    ready,
                    &[
                        ("package", V::S(&k)),
                        ("service", V::S("residential_home")),
                        ("spell", V::S(&s)),
                    ],
                );
                w.ev(
                    "package_started",
                    out,
                    &[("package", V::S(&k)), ("org", V::S(&home))],
                );
                w.ev(
                    "residence_changed",
                    out,
                    &[("residence", V::S(residence)), ("care_home", V::S(&home))],
                );
                in_place = Some(stays.len());
                stays.push(Stay {
                    org: home.clone(),
                    start: out,
                    end: None,
                });
            }
            _ => {}
        }
        // About one in six older people come back as an emergency within 30 days.
        if older && rng.gen_bool(0.17) {
            soon = Some(after(out, rng.gen_range(0.5..30.0)));
        }
        t = out;
    }
    // Deaths in hospital were written with their discharge (unless it fell after the end).
    if death < to && !w.text.contains(r#""kind":"death""#) {
        // At its drawn instant (not postponed to the next crisis, which never comes).
        died = Some(death.max(settled));
        w.ev("death", death.max(settled), &[]);
    }
    if let Some(i) = in_place {
        stays[i].end = died;
    }
    Drawn {
        text: w.text,
        events: w.events,
        older,
        band65,
        stays,
    }
}

/// A review of package `k` due on `due`, completed (or not) by the review team.
fn reviews(
    rng: &mut ChaCha8Rng,
    w: &mut Lines,
    next_id: &mut impl FnMut(&str) -> String,
    k: &str,
    due: NaiveDate,
    zone: Zone,
    death: Instant,
) {
    let r = next_id("r");
    let due_s = due.to_string();
    let set = after(zone.midnight(due), -28.0);
    w.ev(
        "review_due",
        set,
        &[
            ("review", V::S(&r)),
            ("package", V::S(k)),
            ("due", V::S(&due_s)),
        ],
    );
    if rng.gen_bool(0.65) {
        let done = after(zone.midnight(due), rng.gen_range(-10.0..25.0)).max(set);
        if done < death {
            w.ev("review_completed", done, &[("review", V::S(&r))]);
        }
    }
}
