//! The chart as a self-contained, accessible SVG drawn with plotters: no script, no external
//! asset, text as SVG `<text>` (no font files), a `<title>` and a `<desc>`.
//!
//! Points are coloured by special cause and also shaped, so colour is never the only cue:
//! common cause a grey circle, improvement a blue triangle (pointing up when high, down when
//! low), concern an orange square, neutral special cause a purple diamond. Lines are labelled
//! in words beside them.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{SpecialCause, XmrChart};
use crate::rules::Side;

const WIDTH: u32 = 800;
const HEIGHT: u32 = 420;
const FONT: &str = "sans-serif";

/// Common cause points (NHS mid grey, 3.6:1 on white).
pub const COMMON_CAUSE: RGBColor = RGBColor(0x76, 0x86, 0x92);
/// Improvement points (NHS blue).
pub const IMPROVEMENT: RGBColor = RGBColor(0x00, 0x5e, 0xb8);
/// Concern points (Making Data Count orange, 3.2:1 on white).
pub const CONCERN: RGBColor = RGBColor(0xe4, 0x6c, 0x0a);
/// Neutral special cause points (Making Data Count purple).
pub const NEUTRAL: RGBColor = RGBColor(0x49, 0x00, 0x92);
/// The target line.
pub const TARGET: RGBColor = RGBColor(0xd5, 0x28, 0x1b);
const LINE: RGBColor = RGBColor(0xa6, 0xa6, 0xa6);
const TEXT: RGBColor = RGBColor(0x21, 0x2b, 0x32);

/// Values at or beyond this magnitude are drawn in units of a power of ten (named on the axis).
const SCALE_FROM: f64 = 1e12;

type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// The chart as an SVG document with `title`, values in `unit` (e.g. `"%"`, `"per 100,000"`).
pub fn svg(chart: &XmrChart, title: &str, unit: &str) -> String {
    let desc = describe(chart, unit);
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, chart, title, unit).and_then(|()| root.present())
    };
    if drawn.is_err() {
        // Not expected with a string backend; still give a valid, labelled document.
        out = format!(
            r#"<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg"><text x="10" y="20">chart unavailable</text></svg>"#
        );
    }
    with_accessible_name(out, title, &desc)
}

/// Adds `role="img"`, `<title>` and `<desc>` as the first children of the root `<svg>`.
fn with_accessible_name(svg: String, title: &str, desc: &str) -> String {
    let open = svg.find("<svg").unwrap_or(0);
    let Some(end) = svg[open..].find('>').map(|i| open + i) else {
        return svg;
    };
    let (head, rest) = svg.split_at(end);
    let head = head.strip_suffix('/').unwrap_or(head);
    format!(
        "{head} role=\"img\">\n<title>{}</title>\n<desc>{}</desc>{}",
        escape(title),
        escape(desc),
        &rest[1..]
    )
}

fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => s.push(c),
        }
    }
    s
}

/// The chart in one paragraph: what the `<desc>` says.
pub fn describe(chart: &XmrChart, unit: &str) -> String {
    let present: Vec<_> = chart.points.iter().filter(|p| p.value.is_some()).collect();
    let mut d = format!(
        "XmR chart of {} periods ({} with a value",
        chart.points.len(),
        present.len()
    );
    if let (Some(first), Some(last)) = (chart.points.first(), chart.points.last()) {
        d += &format!(", from {} to {}", first.period, last.period);
    }
    d += ").";
    if let Some(m) = chart.mean {
        d += &format!(" Mean {} {unit}.", number(m));
    }
    match &chart.limits {
        Some(l) => {
            d += &format!(
                " {} process limits {} to {} {unit}.",
                if chart.trial {
                    "Trial"
                } else {
                    "Upper and lower"
                },
                number(l.lower_process),
                number(l.upper_process)
            )
        }
        None if !present.is_empty() => d += " Too few values for process limits.",
        None => {}
    }
    if let Some(t) = chart.target {
        d += &format!(" Target {} {unit}.", number(t));
    }
    let count = |c| present.iter().filter(|p| p.special_cause == c).count();
    d += &format!(
        " Special cause points: {} improvement, {} concern, {} neutral.",
        count(SpecialCause::Improvement),
        count(SpecialCause::Concern),
        count(SpecialCause::Neutral)
    );
    if let Some(v) = chart.variation {
        d += &format!(" Latest point: {}.", v.label());
    }
    if let Some(a) = chart.assurance {
        d += &format!(" Assurance: {}.", a.label());
    }
    d
}

/// A figure as people read it: at most 4 decimals, no trailing zeros.
pub fn number(x: f64) -> String {
    if x.abs() >= SCALE_FROM || (x != 0.0 && x.abs() < 1e-4) {
        return format!("{x:e}");
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// A power of ten the values are divided by to draw, and its name for the axis.
fn scale(chart: &XmrChart) -> (f64, String) {
    let max = values_drawn(chart).fold(0.0_f64, |m, v| m.max(v.abs()));
    if max < SCALE_FROM {
        return (1.0, String::new());
    }
    let k = max.log10().floor() as i32;
    (10f64.powi(k), format!(" (× 1e{k})"))
}

fn values_drawn(chart: &XmrChart) -> impl Iterator<Item = f64> + '_ {
    let lines = chart
        .limits
        .iter()
        .flat_map(|l| [l.upper_process, l.lower_process]);
    chart
        .points
        .iter()
        .filter_map(|p| p.value)
        .chain(lines)
        .chain(chart.mean)
        .chain(chart.target)
}

fn y_range(chart: &XmrChart, scale: f64) -> (f64, f64) {
    let (lo, hi) = values_drawn(chart)
        .map(|v| v / scale)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = if hi - lo > 0.0 {
        (hi - lo) * 0.08
    } else {
        (hi.abs() * 0.1).max(1.0)
    };
    (lo - pad, hi + pad)
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &XmrChart,
    title: &str,
    unit: &str,
) -> DrawResult {
    root.fill(&WHITE)?;
    let (scale, scale_name) = scale(chart);
    let (y0, y1) = y_range(chart, scale);
    let n = chart.points.len() as i32;
    let periods: Vec<&str> = chart.points.iter().map(|p| p.period.as_str()).collect();

    let mut c = ChartBuilder::on(root)
        .caption(title, (FONT, 24).into_font().color(&TEXT))
        .margin(12)
        .margin_right(110)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(-1..n.max(1), y0..y1)?;

    let label_style = (FONT, 16).into_font().color(&TEXT);
    let x_label = |i: &i32| {
        usize::try_from(*i)
            .ok()
            .and_then(|i| periods.get(i))
            .map(|p| p.to_string())
            .unwrap_or_default()
    };
    c.configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xe8, 0xe8, 0xe8))
        .x_labels(periods.len().clamp(1, 12))
        .y_labels(8)
        .x_label_formatter(&x_label)
        .y_label_formatter(&|y| number(*y))
        .x_label_style(label_style.clone())
        .y_label_style(label_style.clone())
        .y_desc(format!("{unit}{scale_name}"))
        .axis_desc_style(label_style.clone())
        .draw()?;

    let last = (n - 1).max(0);
    let line_label = |c: &mut ChartContext<'_, _, _>, y: f64, text: &str, color: RGBColor| {
        c.draw_series(std::iter::once(
            EmptyElement::at((last, y))
                + Text::new(
                    text.to_string(),
                    (10, -7),
                    (FONT, 16).into_font().color(&color),
                ),
        ))
        .map(|_| ())
    };

    if let Some(mean) = chart.mean {
        let y = mean / scale;
        c.draw_series(LineSeries::new([(0, y), (last, y)], TEXT.stroke_width(2)))?;
        line_label(&mut c, y, "mean", TEXT)?;
    }
    if let Some(l) = &chart.limits {
        let word = if chart.trial { "trial " } else { "" };
        for (v, name) in [
            (l.upper_process, "upper limit"),
            (l.lower_process, "lower limit"),
        ] {
            let y = v / scale;
            c.draw_series(DashedLineSeries::new(
                [(0, y), (last, y)],
                6,
                4,
                TEXT.stroke_width(1),
            ))?;
            line_label(&mut c, y, &format!("{word}{name}"), TEXT)?;
        }
    }
    if let Some(t) = chart.target {
        let y = t / scale;
        c.draw_series(DashedLineSeries::new(
            [(0, y), (last, y)],
            2,
            3,
            TARGET.stroke_width(2),
        ))?;
        line_label(&mut c, y, "target", TARGET)?;
    }

    // The data line, broken at missing periods.
    let mut segment: Vec<(i32, f64)> = Vec::new();
    for (i, p) in chart.points.iter().enumerate() {
        match p.value {
            Some(v) => segment.push((i as i32, v / scale)),
            None => {
                draw_segment(&mut c, &mut segment)?;
            }
        }
    }
    draw_segment(&mut c, &mut segment)?;

    for (i, p) in chart.points.iter().enumerate() {
        if let Some(v) = p.value {
            draw_marker(&mut c, (i as i32, v / scale), p.special_cause, p.side)?;
        }
    }

    if chart.points.is_empty() {
        root.draw(&Text::new("No data", (90, 60), label_style.clone()))?;
    }
    if chart.trial && chart.limits.is_some() {
        root.draw(&Text::new(
            format!(
                "Trial limits: fewer than {} values",
                crate::chart::TRIAL_BELOW
            ),
            (90, 40),
            label_style.clone(),
        ))?;
    }
    let legend = match chart.better {
        crate::Better::Neutral => "● common cause\u{a0}\u{a0}\u{a0} ◆ special cause",
        _ => "● common cause\u{a0}\u{a0}\u{a0} ▲▼ improvement\u{a0}\u{a0}\u{a0} ■ concern",
    };
    root.draw(&Text::new(legend, (90, HEIGHT as i32 - 16), label_style))?;
    Ok(())
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordi32, plotters::coord::types::RangedCoordf64>,
>;

fn draw_segment(c: &mut Chart<'_, '_>, segment: &mut Vec<(i32, f64)>) -> DrawResult {
    if segment.len() > 1 {
        c.draw_series(LineSeries::new(
            segment.iter().copied(),
            LINE.stroke_width(2),
        ))?;
    }
    segment.clear();
    Ok(())
}

/// One marker: a single SVG shape whose kind and colour both tell the special cause.
fn draw_marker(
    c: &mut Chart<'_, '_>,
    at: (i32, f64),
    cause: SpecialCause,
    side: Option<Side>,
) -> DrawResult {
    let e = EmptyElement::at(at);
    match cause {
        SpecialCause::None => {
            c.draw_series(std::iter::once(
                e + Circle::new((0, 0), 4, COMMON_CAUSE.filled()),
            ))?;
        }
        SpecialCause::Improvement => {
            let tip = if side == Some(Side::Low) { 6 } else { -6 };
            c.draw_series(std::iter::once(
                e + Polygon::new(vec![(0, tip), (6, -tip), (-6, -tip)], IMPROVEMENT.filled()),
            ))?;
        }
        SpecialCause::Concern => {
            c.draw_series(std::iter::once(
                e + Rectangle::new([(-5, -5), (5, 5)], CONCERN.filled()),
            ))?;
        }
        SpecialCause::Neutral => {
            c.draw_series(std::iter::once(
                e + Polygon::new(vec![(0, -7), (7, 0), (0, 7), (-7, 0)], NEUTRAL.filled()),
            ))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Better, Options, Point};

    fn chart(values: &[Option<f64>], options: &Options) -> XmrChart {
        let points: Vec<Point> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                period: format!("2017-{:02}", i + 1),
                value: *v,
            })
            .collect();
        XmrChart::compute(&points, options)
    }

    /// 12 alternating values, a gap, then one high (improvement), one low (concern) point.
    fn mixed() -> XmrChart {
        let mut v: Vec<Option<f64>> = (0..12)
            .map(|i| Some(if i % 2 == 0 { 12.0 } else { 8.0 }))
            .collect();
        v.extend([None, Some(25.0), Some(-3.0), Some(11.0)]);
        chart(
            &v,
            &Options::new(Better::Higher)
                .with_target(15.0)
                .with_baseline(12),
        )
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
    }

    fn filled(doc: &roxmltree::Document<'_>, tag: &str, color: RGBColor) -> usize {
        let hex = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
        doc.descendants()
            .filter(|n| n.has_tag_name(tag))
            .filter(|n| {
                n.attribute("fill")
                    .is_some_and(|f| f.eq_ignore_ascii_case(&hex))
            })
            .count()
    }

    #[test]
    fn is_xml_with_a_title_and_desc_first_and_one_marker_per_present_point() {
        let c = mixed();
        let text = svg(&c, "Delays & <transfers>", "days");
        let doc = parse(&text);
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        let kids: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        assert_eq!(kids[0].tag_name().name(), "title");
        assert_eq!(kids[0].text(), Some("Delays & <transfers>"));
        assert_eq!(kids[1].tag_name().name(), "desc");
        let desc = kids[1].text().unwrap();
        assert!(desc.contains("16 periods (15 with a value"), "{desc}");
        assert!(desc.contains("1 improvement, 1 concern"), "{desc}");
        // 13 common cause circles, one improvement triangle, one concern square.
        assert_eq!(filled(&doc, "circle", COMMON_CAUSE), 13);
        assert_eq!(filled(&doc, "polygon", IMPROVEMENT), 1);
        assert_eq!(filled(&doc, "rect", CONCERN), 1);
        let all_markers = ["circle", "polygon", "rect"]
            .iter()
            .map(|t| {
                [COMMON_CAUSE, IMPROVEMENT, CONCERN, NEUTRAL]
                    .iter()
                    .map(|c| filled(&doc, t, *c))
                    .sum::<usize>()
            })
            .sum::<usize>();
        assert_eq!(all_markers, 15);
    }

    #[test]
    fn is_self_contained_and_has_its_words_as_text() {
        let text = svg(&mixed(), "Chart", "days");
        let doc = parse(&text);
        for n in doc.descendants().filter(|n| n.is_element()) {
            assert!(
                !["script", "image", "foreignObject", "use", "a"].contains(&n.tag_name().name())
            );
            for a in n.attributes() {
                assert!(!a.name().starts_with("on"), "event handler {}", a.name());
                assert!(
                    !a.value().contains("url("),
                    "external reference {}",
                    a.value()
                );
                assert!(a.name() != "href", "link");
            }
        }
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::trim))
            .collect();
        for word in [
            "Chart",
            "mean",
            "upper limit",
            "lower limit",
            "target",
            "2017-01",
            "days",
        ] {
            assert!(
                texts.iter().any(|t| t.contains(word)),
                "no {word:?} in {texts:?}"
            );
        }
        assert!(!texts.iter().any(|t| t.contains("Trial")));
    }

    #[test]
    fn trial_limits_are_marked() {
        let c = chart(
            &[Some(1.0), Some(3.0), Some(2.0)],
            &Options::new(Better::Lower),
        );
        let text = svg(&c, "Short", "%");
        assert!(text.contains("Trial limits"));
        assert!(text.contains("trial upper limit"));
        assert!(describe(&c, "%").contains("Trial process limits"));
    }

    #[test]
    fn neutral_special_causes_are_diamonds_and_improvement_low_points_down() {
        let mut v: Vec<Option<f64>> = (0..12)
            .map(|i| Some(if i % 2 == 0 { 12.0 } else { 8.0 }))
            .collect();
        v.push(Some(-5.0));
        let neutral = chart(&v, &Options::new(Better::Neutral).with_baseline(12));
        let text = svg(&neutral, "N", "");
        assert_eq!(filled(&parse(&text), "polygon", NEUTRAL), 1);
        let lower = chart(&v, &Options::new(Better::Lower).with_baseline(12));
        let text = svg(&lower, "L", "");
        let doc = parse(&text);
        let tri = doc
            .descendants()
            .find(|n| n.has_tag_name("polygon"))
            .unwrap();
        let ys: Vec<i32> = tri
            .attribute("points")
            .unwrap()
            .split_whitespace()
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        // The tip (first point) is below the base: SVG y grows downwards.
        assert!(ys[0] > ys[1] && ys[1] == ys[2], "{ys:?}");
    }

    #[test]
    fn empty_and_huge_series_still_draw() {
        let empty = chart(&[], &Options::default());
        let doc_text = svg(&empty, "Nothing", "");
        assert!(parse(&doc_text)
            .descendants()
            .any(|n| n.text().map(str::trim) == Some("No data")));
        let huge = chart(
            &[Some(f64::MAX), Some(-f64::MAX / 2.0), Some(1.0)],
            &Options::default(),
        );
        let doc_text = svg(&huge, "Huge", "n");
        assert!(doc_text.contains("(× 1e308)"));
        parse(&doc_text);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(10.0), "10");
        assert_eq!(number(20.64), "20.64");
        assert_eq!(number(-0.00001), "-1e-5");
        assert_eq!(number(1.0 / 3.0), "0.3333");
        assert_eq!(number(-0.00004 * 0.0), "0");
    }

    /// `SPC_SVG_OUT=/tmp/x.svg cargo test -p spc write_example` writes an example to look at.
    #[test]
    fn write_example() {
        if let Ok(path) = std::env::var("SPC_SVG_OUT") {
            std::fs::write(
                path,
                svg(&mixed(), "Example: delayed transfers of care", "days"),
            )
            .unwrap();
        }
    }
}
