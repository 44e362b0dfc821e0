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
        .caption(title, (FONT, 20).into_font().color(&TEXT))
        .margin(12)
        .margin_right(110)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(-1..n.max(1), y0..y1)?;

    let label_style = (FONT, 13).into_font().color(&TEXT);
    let x_label = |i: &i32| {
        usize::try_from(*i)
            .ok()
            .and_then(|i| periods.get(i))
            .map(|p| p.to_string())
            .unwrap_or_default()
    };
    c.configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .x_labels(periods.len().clamp(1, 12))
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
                    (FONT, 13).into_font().color(&color),
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
        crate::Better::Neutral => "● common cause   ◆ special cause",
        _ => "● common cause   ▲▼ improvement   ■ concern",
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
