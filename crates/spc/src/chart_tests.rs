//! The rules on hand-made series. A series is written as values, `M` for a missing period;
//! the expected causes as one letter a period: `I` improvement, `C` concern, `N` neutral,
//! `.` common cause, `-` missing.

use super::*;

const M: f64 = f64::NAN;

/// 12 baseline values alternating 12, 8: mean 10, mean moving range 4, so process limits
/// -0.64 and 20.64 and 2σ lines 2.908 and 17.092; no run, no trend. Ends below the mean.
const NOISE: [f64; 12] = [
    12.0, 8.0, 12.0, 8.0, 12.0, 8.0, 12.0, 8.0, 12.0, 8.0, 12.0, 8.0,
];
const CALM: &str = "............";

fn series(values: &[f64]) -> Vec<Point> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let period = format!("P{:02}", i + 1);
            if v.is_nan() {
                Point::missing(period)
            } else {
                Point::new(period, *v)
            }
        })
        .collect()
}

/// NOISE followed by `tail`, limits from NOISE only.
fn after_noise(tail: &[f64]) -> Vec<Point> {
    series(&[&NOISE[..], tail].concat())
}

fn baseline(better: Better) -> Options {
    Options::new(better).with_baseline(NOISE.len())
}

fn causes(chart: &XmrChart) -> String {
    chart
        .points
        .iter()
        .map(|p| match (p.value, p.special_cause) {
            (None, SpecialCause::None) => '-',
            (None, _) => '!',
            (_, SpecialCause::Improvement) => 'I',
            (_, SpecialCause::Concern) => 'C',
            (_, SpecialCause::Neutral) => 'N',
            (_, SpecialCause::None) => '.',
        })
        .collect()
}

#[track_caller]
fn check(points: &[Point], options: &Options, expected: &str) -> XmrChart {
    let chart = XmrChart::compute(points, options);
    assert_eq!(causes(&chart), expected.replace(' ', ""), "{options:?}");
    for p in &chart.points {
        assert_eq!(p.rules.is_empty(), p.special_cause == SpecialCause::None);
    }
    chart
}

fn rules_at(chart: &XmrChart, i: usize) -> Vec<Rule> {
    chart.points[i].rules.clone()
}

#[test]
fn noise_has_the_expected_lines_and_no_special_cause() {
    let c = check(&series(&NOISE), &Options::new(Better::Higher), CALM);
    let l = c.limits.unwrap();
    assert_eq!((c.mean, l.mean_moving_range), (Some(10.0), 4.0));
    assert_eq!(l.upper_process, 10.0 + 2.66 * 4.0);
    assert_eq!(l.lower_process, 10.0 - 2.66 * 4.0);
    assert_eq!(l.upper_two_sigma, 10.0 + 1.773 * 4.0);
    assert_eq!(c.variation, Some(Variation::CommonCause));
    assert!(!c.trial);
}

// (b) shift

#[test]
fn a_run_of_seven_on_one_side_is_a_shift_and_every_point_of_it_is_flagged() {
    let tail = [11.0, 12.0, 11.0, 12.0, 11.0, 12.0, 11.0];
    let c = check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} IIIIIII"),
    );
    assert_eq!(rules_at(&c, 12), vec![Rule::Shift]);
    assert_eq!(c.points[12].side, Some(Side::High));
}

#[test]
fn a_run_of_six_on_one_side_is_not() {
    let tail = [11.0, 12.0, 11.0, 12.0, 11.0, 12.0, 9.0];
    check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} ......."),
    );
}

#[test]
fn a_point_on_the_mean_breaks_a_run_and_counts_on_neither_side() {
    // Below the mean: 4 below (with the last NOISE value), the mean, 4 below.
    let below = [9.0, 8.5, 9.0, 10.0, 9.0, 8.5, 9.0, 8.5];
    let o = baseline(Better::Higher);
    check(&after_noise(&below), &o, &format!("{CALM} ........"));
    let broken = [11.0, 12.0, 11.0, 10.0, 12.0, 11.0, 12.0, 11.0];
    check(
        &after_noise(&broken),
        &baseline(Better::Higher),
        &format!("{CALM} ........"),
    );
    // On the mean, then seven above: the seven are a shift, the point on the mean is not in it.
    let after = [10.0, 11.0, 12.0, 11.0, 12.0, 11.0, 12.0, 11.0];
    check(
        &after_noise(&after),
        &baseline(Better::Higher),
        &format!("{CALM} .IIIIIII"),
    );
}

#[test]
fn a_shift_below_the_mean_is_low() {
    let tail = [9.0, 8.5, 9.0, 8.5, 9.0, 8.5, 9.0];
    let c = check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        "........... C CCCCCCC",
    );
    // The last NOISE value (8, below the mean) starts the run: eight points.
    assert_eq!(c.points[11].rules, vec![Rule::Shift]);
}

#[test]
fn the_shift_run_is_configurable() {
    let tail = [11.0, 12.0, 11.0, 12.0, 11.0, 9.0];
    let o = baseline(Better::Higher).with_shift_run(5);
    check(&after_noise(&tail), &o, &format!("{CALM} IIIII."));
}

// (c) trend

#[test]
fn seven_rising_points_are_a_trend() {
    // From below the mean to above it: no shift; 8 → 7 falls, so the rise starts at 7.
    let tail = [7.0, 8.0, 9.0, 10.5, 11.0, 12.0, 13.0, 9.0];
    let c = check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} IIIIIII."),
    );
    assert_eq!(rules_at(&c, 12), vec![Rule::Trend]);
    assert_eq!(c.variation, Some(Variation::CommonCause));
}

#[test]
fn six_rising_points_are_not_a_trend_unless_the_run_is_six() {
    let tail = [7.0, 8.0, 9.0, 10.5, 11.0, 12.0, 9.0];
    check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} ......."),
    );
    let six = baseline(Better::Higher).with_trend_run(6);
    check(&after_noise(&tail), &six, &format!("{CALM} IIIIII."));
}

#[test]
fn an_equal_value_breaks_a_trend() {
    let falling = [13.0, 12.0, 11.0, 11.0, 10.5, 9.0, 8.0, 7.0, 9.0];
    let o = baseline(Better::Higher);
    check(&after_noise(&falling), &o, &format!("{CALM} ........."));
    let tail = [7.0, 8.0, 9.0, 9.0, 10.5, 11.0, 12.0, 13.0, 9.0];
    check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} ........."),
    );
}

#[test]
fn seven_falling_points_are_a_falling_trend() {
    let tail = [13.0, 12.0, 11.0, 10.5, 9.0, 8.0, 7.0];
    let c = check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} CCCCCCC"),
    );
    assert_eq!(c.points[18].side, Some(Side::Low));
    assert_eq!(c.variation, Some(Variation::ConcernLow));
}

// (d) two of three beyond 2σ

#[test]
fn two_of_three_beyond_the_same_two_sigma_line_flags_those_two() {
    let c = check(
        &after_noise(&[18.0, 11.0, 18.0, 9.0]),
        &baseline(Better::Higher),
        &format!("{CALM} I.I."),
    );
    assert_eq!(rules_at(&c, 12), vec![Rule::TwoOfThree]);
    check(
        &after_noise(&[2.0, 2.5]),
        &baseline(Better::Higher),
        &format!("{CALM} CC"),
    );
}

#[test]
fn two_of_three_beyond_opposite_two_sigma_lines_is_not() {
    check(
        &after_noise(&[18.0, 11.0, 2.0, 9.0]),
        &baseline(Better::Higher),
        &format!("{CALM} ...."),
    );
}

#[test]
fn two_beyond_two_sigma_but_not_within_three_points_is_not() {
    check(
        &after_noise(&[18.0, 11.0, 9.0, 18.0]),
        &baseline(Better::Higher),
        &format!("{CALM} ...."),
    );
}

#[test]
fn a_point_beyond_a_limit_also_counts_beyond_two_sigma() {
    let c = check(
        &after_noise(&[21.0, 18.0]),
        &baseline(Better::Higher),
        &format!("{CALM} II"),
    );
    assert_eq!(rules_at(&c, 12), vec![Rule::BeyondLimit, Rule::TwoOfThree]);
    assert_eq!(rules_at(&c, 13), vec![Rule::TwoOfThree]);
}

// (a) beyond a process limit

#[test]
fn a_point_beyond_a_limit_is_a_special_cause() {
    let c = check(
        &after_noise(&[21.0]),
        &baseline(Better::Higher),
        &format!("{CALM} I"),
    );
    assert_eq!(rules_at(&c, 12), vec![Rule::BeyondLimit]);
    check(
        &after_noise(&[-1.0]),
        &baseline(Better::Higher),
        &format!("{CALM} C"),
    );
}

#[test]
fn a_point_exactly_on_a_limit_is_not_beyond_it() {
    let l = XmrChart::compute(&series(&NOISE), &Options::default())
        .limits
        .unwrap();
    for on in [l.upper_process, l.lower_process] {
        let c = check(
            &after_noise(&[on]),
            &baseline(Better::Higher),
            &format!("{CALM} ."),
        );
        assert_eq!(c.limits, Some(l));
    }
    let above = l.upper_process + 1e-9;
    check(
        &after_noise(&[above]),
        &baseline(Better::Higher),
        &format!("{CALM} I"),
    );
}

// direction

#[test]
fn the_better_direction_names_the_special_cause() {
    let high = after_noise(&[21.0]);
    let low = after_noise(&[-1.0]);
    for (better, h, l) in [
        (Better::Higher, "I", "C"),
        (Better::Lower, "C", "I"),
        (Better::Neutral, "N", "N"),
    ] {
        check(&high, &baseline(better), &format!("{CALM}{h}"));
        check(&low, &baseline(better), &format!("{CALM}{l}"));
    }
}

// icons

#[test]
fn the_variation_icon_is_the_latest_present_points() {
    let cases = [
        (Better::Higher, 21.0, Variation::ImprovementHigh),
        (Better::Higher, -1.0, Variation::ConcernLow),
        (Better::Lower, 21.0, Variation::ConcernHigh),
        (Better::Lower, -1.0, Variation::ImprovementLow),
        (Better::Neutral, 21.0, Variation::NeutralHigh),
        (Better::Neutral, -1.0, Variation::NeutralLow),
    ];
    for (better, v, icon) in cases {
        let c = XmrChart::compute(&after_noise(&[v, M]), &baseline(better));
        assert_eq!(c.variation, Some(icon), "{better:?} {v}");
    }
    // A special cause earlier, common cause latest.
    let c = XmrChart::compute(&after_noise(&[21.0, 11.0]), &baseline(Better::Higher));
    assert_eq!(c.variation, Some(Variation::CommonCause));
}

#[test]
fn the_assurance_icon_places_the_target_against_the_limits() {
    // Limits -0.64 and 20.64.
    let cases = [
        (Better::Higher, -5.0, Some(Assurance::Pass)),
        (Better::Higher, 25.0, Some(Assurance::Fail)),
        (Better::Higher, 10.0, Some(Assurance::HitAndMiss)),
        (
            Better::Higher,
            10.0 + 2.66 * 4.0,
            Some(Assurance::HitAndMiss),
        ),
        (Better::Lower, 25.0, Some(Assurance::Pass)),
        (Better::Lower, -5.0, Some(Assurance::Fail)),
        (Better::Lower, 0.0, Some(Assurance::HitAndMiss)),
        (Better::Neutral, 25.0, None),
    ];
    for (better, target, icon) in cases {
        let c = XmrChart::compute(&series(&NOISE), &Options::new(better).with_target(target));
        assert_eq!(c.assurance, icon, "{better:?} {target}");
        assert_eq!(c.target, Some(target));
    }
    let c = XmrChart::compute(&series(&NOISE), &Options::new(Better::Higher));
    assert_eq!(c.assurance, None);
}

// missing periods

#[test]
fn missing_periods_are_never_flagged_and_neither_break_nor_lengthen_a_run() {
    // Seven present points above the mean around two gaps: a shift.
    let tail = [11.0, M, 12.0, 11.0, M, 12.0, 11.0, 12.0, 11.0];
    check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} I-II-IIII"),
    );
    // Six present points and a gap are not seven.
    let tail = [11.0, 12.0, 11.0, M, 12.0, 11.0, 12.0, 9.0];
    check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} ...-...."),
    );
    // A gap inside a rise: the trend is of the present points.
    let tail = [7.0, 8.0, M, 9.0, 10.5, 11.0, 12.0, 13.0, 9.0];
    check(
        &after_noise(&tail),
        &baseline(Better::Higher),
        &format!("{CALM} II-IIIII."),
    );
}

#[test]
fn a_missing_period_beside_special_causes_has_none() {
    let c = check(
        &after_noise(&[21.0, M, 21.0]),
        &baseline(Better::Higher),
        &format!("{CALM} I-I"),
    );
    assert_eq!((c.points[13].value, c.points[13].side), (None, None));
}

#[test]
fn the_moving_range_spans_a_gap_between_present_values() {
    let c = XmrChart::compute(&series(&[1.0, M, 3.0, 4.0]), &Options::default());
    // |3 - 1| and |4 - 3|.
    assert_eq!(c.limits.unwrap().mean_moving_range, 1.5);
    assert_eq!(c.mean, Some(8.0 / 3.0));
}

#[test]
fn values_that_are_not_finite_are_missing_periods() {
    let mut points = series(&NOISE);
    points.push(Point::new("P13", f64::NAN));
    points.push(Point::new("P14", f64::INFINITY));
    let c = check(&points, &Options::new(Better::Higher), &format!("{CALM}--"));
    assert_eq!(c.mean, Some(10.0));
    assert_eq!(c.variation, Some(Variation::CommonCause));
}

// trial, baseline, edge cases

#[test]
fn fewer_than_twelve_present_values_give_trial_limits() {
    let c = XmrChart::compute(&series(&NOISE[..11]), &Options::default());
    assert!(c.trial && c.limits.is_some());
    let c = XmrChart::compute(&series(&[&NOISE[..11], &[M]].concat()), &Options::default());
    assert!(c.trial, "a missing period does not count");
    let c = XmrChart::compute(&series(&NOISE), &Options::default());
    assert!(!c.trial);
}

#[test]
fn the_baseline_fixes_the_limits_and_decides_trial() {
    let points = after_noise(&[30.0, 30.0, 30.0]);
    let fixed = XmrChart::compute(&points, &baseline(Better::Higher));
    assert_eq!(
        (fixed.mean, fixed.baseline_values, fixed.trial),
        (Some(10.0), 12, false)
    );
    let short = XmrChart::compute(&points, &Options::default().with_baseline(6));
    assert!(short.trial);
    assert_eq!(short.baseline_values, 6);
    let all = XmrChart::compute(&points, &Options::default());
    assert_eq!(all.baseline_values, 15);
    let beyond = XmrChart::compute(&points, &Options::default().with_baseline(100));
    assert_eq!(beyond.limits, all.limits);
}

#[test]
fn all_equal_values_put_every_line_on_the_mean_and_flag_nothing() {
    let c = check(
        &series(&[5.0; 15]),
        &Options::new(Better::Higher),
        "...............",
    );
    let l = c.limits.unwrap();
    assert_eq!((c.mean, l.mean_moving_range), (Some(5.0), 0.0));
    assert_eq!((l.lower_process, l.upper_process), (5.0, 5.0));
    assert_eq!((l.lower_two_sigma, l.upper_two_sigma), (5.0, 5.0));
    assert_eq!(c.variation, Some(Variation::CommonCause));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["limits"]["mean_moving_range"], 0.0);
    assert_eq!(json["limits"]["upper_two_sigma"], 5.0);
    // After an all-equal baseline, any other value is beyond a limit.
    let mut points = series(&[5.0; 12]);
    points.push(Point::new("P13", 5.5));
    check(
        &points,
        &Options::new(Better::Higher).with_baseline(12),
        &format!("{CALM}I"),
    );
}

#[test]
fn an_empty_series_has_no_figures() {
    let c = XmrChart::compute(&[], &Options::new(Better::Higher).with_target(3.0));
    assert_eq!(
        (c.mean, c.limits, c.variation, c.assurance),
        (None, None, None, None)
    );
    assert!(c.points.is_empty() && c.trial);
    let c = XmrChart::compute(&series(&[M, M]), &Options::default());
    assert_eq!((c.mean, c.variation), (None, None));
    assert_eq!(causes(&c), "--");
}

#[test]
fn one_point_has_a_mean_but_no_limits() {
    let c = check(
        &series(&[4.0]),
        &Options::new(Better::Higher).with_target(3.0),
        ".",
    );
    assert_eq!((c.mean, c.limits), (Some(4.0), None));
    assert_eq!(
        (c.variation, c.assurance),
        (Some(Variation::CommonCause), None)
    );
    assert!(c.trial);
}

#[test]
fn runs_shorter_than_two_are_raised_to_two() {
    let o = Options::new(Better::Higher)
        .with_trend_run(0)
        .with_shift_run(1);
    let c = check(&series(&[1.0, 2.0]), &o, "II");
    assert_eq!((c.trend_run, c.shift_run), (2, 2));
    assert_eq!(rules_at(&c, 0), vec![Rule::Trend]);
}

#[test]
fn serializes_with_the_api_names() {
    let c = XmrChart::compute(
        &after_noise(&[21.0, M]),
        &baseline(Better::Higher).with_target(15.0),
    );
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["points"][12]["special_cause"], "improvement");
    assert_eq!(json["points"][12]["rules"][0], "beyond_limit");
    assert_eq!(json["points"][12]["side"], "high");
    assert_eq!(json["points"][13]["special_cause"], "none");
    assert_eq!(json["points"][13]["value"], serde_json::Value::Null);
    assert_eq!(json["points"][0]["period"], "P01");
    assert_eq!(json["variation"], "improvement_high");
    assert_eq!(json["assurance"], "hit_and_miss");
    assert_eq!(json["mean"], 10.0);
    assert_eq!(json["limits"]["upper_process"], 10.0 + 2.66 * 4.0);
    assert_eq!(json["better"], "higher");
    let back: XmrChart = serde_json::from_value(json).unwrap();
    assert_eq!(back, c);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn finite() -> impl Strategy<Value = f64> {
        prop_oneof![
            -1e3..1e3_f64,
            Just(0.0),
            Just(f64::MAX),
            Just(-f64::MAX),
            Just(f64::MIN_POSITIVE),
            any::<f64>().prop_filter("finite", |v| v.is_finite()),
        ]
    }

    fn points() -> impl Strategy<Value = Vec<Point>> {
        prop::collection::vec(prop::option::weighted(0.85, finite()), 0..40).prop_map(|vs| {
            vs.into_iter()
                .enumerate()
                .map(|(i, value)| Point {
                    period: format!("P{i}"),
                    value,
                })
                .collect()
        })
    }

    fn options() -> impl Strategy<Value = Options> {
        (
            prop_oneof![
                Just(Better::Higher),
                Just(Better::Lower),
                Just(Better::Neutral)
            ],
            prop::option::of(finite()),
            0..10_usize,
            0..10_usize,
            prop::option::of(0..45_usize),
        )
            .prop_map(|(better, target, trend_run, shift_run, baseline)| Options {
                better,
                target,
                trend_run,
                shift_run,
                baseline,
            })
    }

    proptest! {
        #[test]
        fn never_panics_and_every_figure_is_finite_or_absent(points in points(), o in options()) {
            let c = XmrChart::compute(&points, &o);
            prop_assert_eq!(c.points.len(), points.len());
            prop_assert!(c.mean.is_none_or(f64::is_finite));
            if let Some(l) = c.limits {
                for x in [l.mean_moving_range, l.upper_process, l.lower_process, l.upper_two_sigma, l.lower_two_sigma] {
                    prop_assert!(x.is_finite());
                }
                prop_assert!(l.mean_moving_range >= 0.0);
                prop_assert!(l.lower_process <= l.upper_process);
            }
            for (p, input) in c.points.iter().zip(&points) {
                prop_assert_eq!(&p.value, &input.value);
                if p.value.is_none() {
                    prop_assert_eq!(p.special_cause, SpecialCause::None);
                    prop_assert!(p.rules.is_empty());
                }
                if o.better == Better::Neutral {
                    prop_assert!(matches!(p.special_cause, SpecialCause::Neutral | SpecialCause::None));
                }
            }
            prop_assert_eq!(c.variation.is_some(), points.iter().any(|p| p.value.is_some()));
            let json = serde_json::to_string(&c).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
        }

        #[test]
        fn the_svg_always_parses(points in points(), o in options()) {
            let c = XmrChart::compute(&points, &o);
            let text = crate::svg(&c, "t", "u");
            prop_assert!(roxmltree::Document::parse(&text).is_ok());
            prop_assert_eq!(crate::table_rows(&c).len(), points.len());
        }
    }
}
