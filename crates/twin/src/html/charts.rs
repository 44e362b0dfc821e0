//! The daily series (`daily.csv`) as charts drawn with plotters, as `spc` draws the dashboard's:
//! inline SVG, text as SVG `<text>`, a `<title>` and a `<desc>` saying what the chart shows, axes
//! labelled with their units, and each chart's figures month by month in a table (its text
//! alternative). `report.html` draws each series' mean over replications with the band of 95%
//! of replications, and on the beds chart the beds open and 85% of them; `compare.html` draws
//! one chart per key series with every scenario, each told apart by its line's dashes, its
//! marker and its name in the legend, never by colour alone.

use crate::summary::{SERIES, SERIES_N};
use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::esc;

/// One day of `daily.csv`: each series' mean and 95% band over replications.
pub type Daily = [(f64, f64, f64); SERIES_N];

const WIDTH: u32 = 600;
const HEIGHT: u32 = 340;
const LEGEND: u32 = 30;
const FONT: &str = "sans-serif";
const TEXT: RGBColor = RGBColor(0x21, 0x2b, 0x32);
const GRID: RGBColor = RGBColor(0xe8, 0xe8, 0xe8);
const MEAN: RGBColor = RGBColor(0x00, 0x5e, 0xb8);
const BAND: RGBColor = RGBColor(0xa9, 0xcc, 0xf0);
const CAPACITY: RGBColor = RGBColor(0x42, 0x55, 0x63);
const OCCUPANCY: RGBColor = RGBColor(0xa4, 0x00, 0x0f);

/// The share of the beds open at which the 85% occupancy line is drawn.
pub const OCCUPANCY_LINE: f64 = 0.85;

/// Each series' y axis in words, by its `daily.csv` column.
const UNITS: [(&str, &str); SERIES_N] = [
    ("beds_occupied", "beds occupied"),
    ("people_delayed", "people"),
    ("ae_over_4h", "attendances a day"),
    ("home_care_queue", "people waiting"),
    ("people_85_plus", "people"),
    ("reviews_waiting", "reviews waiting"),
    ("ae_waiting_for_bed", "patients waiting"),
    ("escalation_beds", "beds open"),
    ("care_home_places_used", "places"),
    ("care_home_queue", "patients waiting"),
    ("beds_open", "beds open"),
    ("home_care_hours_used", "hours a week"),
    ("chc_waiting", "cases waiting"),
];

/// The series `compare.html` draws, one chart each with every scenario.
pub const COMPARED: [&str; 7] = [
    "beds_occupied",
    "people_delayed",
    "ae_over_4h",
    "ae_waiting_for_bed",
    "home_care_queue",
    "care_home_queue",
    "reviews_waiting",
];

/// The position of a `daily.csv` series.
fn column(name: &str) -> usize {
    SERIES
        .iter()
        .position(|s| s.0 == name)
        .expect("a series of summary::SERIES")
}

fn unit_of(name: &str) -> &'static str {
    UNITS
        .iter()
        .find(|u| u.0 == name)
        .map(|u| u.1)
        .unwrap_or("")
}

/// A figure as read on a chart: whole numbers from 100, one decimal below.
fn figure(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// An SVG drawn by `draw`, with `role="img"`, `<title>` and `<desc>` first.
fn render(title: &str, desc: &str, draw: impl FnOnce(&Area<'_>) -> DrawResult) -> String {
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root).and_then(|()| root.present())
    };
    if drawn.is_err() {
        // Not expected with a string backend; still a valid, labelled document.
        out = format!(
            "<svg width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"20\">chart unavailable</text></svg>"
        );
    }
    let open = out.find("<svg").unwrap_or(0);
    let Some(end) = out[open..].find('>').map(|i| open + i) else {
        return out;
    };
    let (head, rest) = out.split_at(end);
    let head = head.strip_suffix('/').unwrap_or(head);
    format!(
        "{head} role=\"img\">\n<title>{}</title>\n<desc>{}</desc>{}",
        esc(title),
        esc(desc),
        &rest[1..]
    )
}

/// How a line is told apart without colour: its dashes (`None`: solid) and its marker.
#[derive(Clone, Copy)]
struct Style {
    color: RGBColor,
    dash: Option<(u32, u32)>,
    marker: Marker,
}

#[derive(Clone, Copy)]
enum Marker {
    None,
    Circle,
    Triangle,
    Square,
    Diamond,
}

impl Marker {
    fn words(self) -> &'static str {
        match self {
            Marker::None => "",
            Marker::Circle => "circles",
            Marker::Triangle => "triangles",
            Marker::Square => "squares",
            Marker::Diamond => "diamonds",
        }
    }
}

/// The scenarios' line styles, in order (repeated past the fourth, the names still differ).
/// Okabe-Ito colours, which people with the common colour deficiencies tell apart.
const SCENARIO_STYLES: [Style; 4] = [
    Style {
        color: RGBColor(0x00, 0x72, 0xb2),
        dash: None,
        marker: Marker::Circle,
    },
    Style {
        color: RGBColor(0xd5, 0x5e, 0x00),
        dash: Some((10, 5)),
        marker: Marker::Triangle,
    },
    Style {
        color: RGBColor(0x00, 0x00, 0x00),
        dash: Some((2, 4)),
        marker: Marker::Square,
    },
    Style {
        color: RGBColor(0x00, 0x9e, 0x73),
        dash: Some((18, 5)),
        marker: Marker::Diamond,
    },
];

fn dash_words(dash: Option<(u32, u32)>) -> &'static str {
    match dash {
        None => "solid line",
        Some((a, _)) if a <= 3 => "dotted line",
        Some((a, _)) if a >= 15 => "long-dashed line",
        Some(_) => "dashed line",
    }
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::combinators::WithKeyPoints<plotters::coord::types::RangedCoordi32>,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// The days that begin a month, every `step` months from the first whole month: the x axis's
/// ticks, so they fall on the dates people read (1 Jan 2017, not 9 Jan 2017).
fn month_starts(from: NaiveDate, days: usize, step: u32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut months = 0;
    for i in 0..days {
        let d = from + chrono::Duration::days(i as i64);
        if d.day() == 1 {
            if months % step == 0 {
                out.push(i as i32);
            }
            months += 1;
        }
    }
    out
}

fn marker_at(c: &mut Chart<'_, '_>, at: (i32, f64), m: Marker, color: RGBColor) -> DrawResult {
    let e = EmptyElement::at(at);
    let s = color.filled();
    match m {
        Marker::None => return Ok(()),
        Marker::Circle => c.draw_series(std::iter::once(e + Circle::new((0, 0), 4, s)))?,
        Marker::Triangle => c.draw_series(std::iter::once(
            e + Polygon::new(vec![(0, -6), (6, 5), (-6, 5)], s),
        ))?,
        Marker::Square => {
            c.draw_series(std::iter::once(e + Rectangle::new([(-4, -4), (4, 4)], s)))?
        }
        Marker::Diamond => c.draw_series(std::iter::once(
            e + Polygon::new(vec![(0, -6), (6, 0), (0, 6), (-6, 0)], s),
        ))?,
    };
    Ok(())
}

fn line(c: &mut Chart<'_, '_>, points: Vec<(i32, f64)>, style: Style, width: u32) -> DrawResult {
    let s = style.color.stroke_width(width);
    match style.dash {
        None => {
            c.draw_series(LineSeries::new(points, s))?;
        }
        Some((on, off)) => {
            c.draw_series(DashedLineSeries::new(points, on, off, s))?;
        }
    }
    Ok(())
}

/// What a legend entry shows: a line with its dashes and marker, or a band.
enum Swatch {
    Line(Style),
    Band,
}

/// Where each legend entry goes, in rows below the plot (a row is full at the chart's width),
/// and the height of the rows.
fn legend_layout(entries: &[(Swatch, String)]) -> (Vec<(i32, i32)>, u32) {
    let (mut x, mut y) = (62, 12);
    let mut at = Vec::new();
    for (_, name) in entries {
        let width = 34 + 8 * name.chars().count() as i32;
        if x > 62 && x + width > WIDTH as i32 - 8 {
            x = 62;
            y += LEGEND as i32 - 8;
        }
        at.push((x, y));
        x += width + 18;
    }
    (at, y as u32 + LEGEND - 12)
}

/// The legend below the plot: each entry's swatch and name.
fn legend(area: &Area<'_>, entries: &[(Swatch, String)]) -> DrawResult {
    let style = (FONT, 14).into_font().color(&TEXT);
    let (at, _) = legend_layout(entries);
    for ((swatch, name), (x, y)) in entries.iter().zip(at) {
        match swatch {
            Swatch::Band => {
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + 28, y + 6)],
                    BAND.filled(),
                ))?;
            }
            Swatch::Line(s) => {
                let stroke = s.color.stroke_width(2);
                match s.dash {
                    None => area.draw(&PathElement::new(vec![(x, y), (x + 28, y)], stroke))?,
                    Some((on, off)) => {
                        let mut a = x;
                        while a < x + 28 {
                            let b = (a + on as i32).min(x + 28);
                            area.draw(&PathElement::new(vec![(a, y), (b, y)], stroke))?;
                            a = b + off as i32;
                        }
                    }
                }
                let e = EmptyElement::at((x + 14, y));
                let f = s.color.filled();
                match s.marker {
                    Marker::None => {}
                    Marker::Circle => area.draw(&(e + Circle::new((0, 0), 4, f)))?,
                    Marker::Triangle => {
                        area.draw(&(e + Polygon::new(vec![(0, -6), (6, 5), (-6, 5)], f)))?
                    }
                    Marker::Square => area.draw(&(e + Rectangle::new([(-4, -4), (4, 4)], f)))?,
                    Marker::Diamond => {
                        area.draw(&(e + Polygon::new(vec![(0, -6), (6, 0), (0, 6), (-6, 0)], f)))?
                    }
                }
            }
        }
        area.draw(&Text::new(name.clone(), (x + 34, y - 7), style.clone()))?;
    }
    Ok(())
}

/// The axes: days along the bottom labelled with their dates, the unit up the side.
fn axes<'a, 'b>(
    root: &'a Area<'b>,
    title: &str,
    unit: &str,
    from: NaiveDate,
    days: usize,
    top: f64,
    right: u32,
) -> Result<Chart<'a, 'b>, DrawingAreaErrorKind<std::io::Error>> {
    let last = (days as i32 - 1).max(1);
    let step = if days > 200 { 3 } else { 1 };
    let ticks = month_starts(from, days, step);
    let mut c = ChartBuilder::on(root)
        .caption(title, (FONT, 17).into_font().color(&TEXT))
        .margin(8)
        .margin_right(right)
        .x_label_area_size(44)
        .y_label_area_size(58)
        .build_cartesian_2d((0..last).with_key_points(ticks), 0.0..top)?;
    let label_style = (FONT, 13).into_font().color(&TEXT);
    let date = |i: &i32| (from + chrono::Duration::days(i64::from(*i))).format("%-d %b %Y");
    c.configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .x_labels(12)
        .y_labels(6)
        .x_label_formatter(&|i| date(i).to_string())
        .y_label_formatter(&|y| {
            if top >= 10.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.1}")
            }
        })
        .x_label_style(label_style.clone())
        .y_label_style(label_style.clone())
        .x_desc("date (midnight of each day)")
        .y_desc(unit)
        .axis_desc_style(label_style)
        .draw()?;
    Ok(c)
}

/// A top for the y axis a little above the highest value (at least 1).
fn top_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0_f64, f64::max).max(1.0) * 1.08
}

/// A label in words at the right end of a line.
fn end_label(c: &mut Chart<'_, '_>, at: (i32, f64), text: &str, color: RGBColor) -> DrawResult {
    c.draw_series(std::iter::once(
        EmptyElement::at(at)
            + Text::new(
                text.to_string(),
                (6, -6),
                (FONT, 13).into_font().color(&color),
            ),
    ))?;
    Ok(())
}

/// The beds open each day and 85% of them, from the `beds_open` series' means.
pub fn capacity_lines(daily: &[Daily]) -> (Vec<f64>, Vec<f64>) {
    let k = column("beds_open");
    let open: Vec<f64> = daily.iter().map(|d| d[k].0).collect();
    let line = open.iter().map(|b| OCCUPANCY_LINE * b).collect();
    (open, line)
}

/// Month by month: the month's first day and the mean of `values` over its days.
fn monthly(from: NaiveDate, values: &[f64]) -> Vec<(NaiveDate, f64)> {
    let mut out: Vec<(NaiveDate, f64, usize)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let d = from + chrono::Duration::days(i as i64);
        match out.last_mut() {
            Some((m, sum, n)) if m.month() == d.month() && m.year() == d.year() => {
                *sum += v;
                *n += 1;
            }
            _ => out.push((d, *v, 1)),
        }
    }
    out.into_iter()
        .map(|(d, sum, n)| (d, sum / n as f64))
        .collect()
}

fn month_words(d: NaiveDate) -> String {
    d.format("%B %Y").to_string()
}

/// The lowest and highest of `values`, each with its day.
fn extremes(from: NaiveDate, values: &[f64]) -> Option<((f64, NaiveDate), (f64, NaiveDate))> {
    let day = |i: usize| from + chrono::Duration::days(i as i64);
    let lo = values
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))?;
    let hi = values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    Some(((*lo.1, day(lo.0)), (*hi.1, day(hi.0))))
}

/// A chart of one series for `report.html`: the mean over replications, the band of 95% of
/// replications, and, on the beds chart, the beds open and 85% of them; with its monthly table.
pub fn report_chart(name: &str, from: NaiveDate, daily: &[Daily], replications: usize) -> String {
    let k = column(name);
    let (_, title, _) = SERIES[k];
    let unit = unit_of(name);
    let points: Vec<(f64, f64, f64)> = daily.iter().map(|d| d[k]).collect();
    if points.is_empty() {
        return String::new();
    }
    let means: Vec<f64> = points.iter().map(|p| p.0).collect();
    let beds = (name == "beds_occupied").then(|| capacity_lines(daily));
    let end = from + chrono::Duration::days(points.len() as i64 - 1);
    let mut desc = format!(
        "Line chart of {} days, {from} to {end}: the mean of {replications} replications each \
         day, with a band from the 2.5th to the 97.5th percentile of replications. Mean over \
         the period {} {unit}",
        points.len(),
        figure(means.iter().sum::<f64>() / means.len() as f64),
    );
    if let Some(((lo, dlo), (hi, dhi))) = extremes(from, &means) {
        desc += &format!(
            "; lowest {} on {dlo}, highest {} on {dhi}",
            figure(lo),
            figure(hi)
        );
    }
    let band_lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let band_hi = points.iter().map(|p| p.2).fold(0.0, f64::max);
    desc += &format!(
        ". The band spans {} to {} {unit}.",
        figure(band_lo),
        figure(band_hi)
    );
    if let Some((open, line)) = &beds {
        let over = means.iter().zip(line).filter(|(m, l)| m > l).count();
        let full = means.iter().zip(open).filter(|(m, o)| m >= o).count();
        let (lo, hi) = open
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(a, b), v| (a.min(*v), b.max(*v)));
        desc += &format!(
            " Beds open (dashed line) {} to {}; 85% of them (dotted line) {} to {}. The mean \
             was above 85% of the beds open on {over} of {} days, and at or above every bed \
             open on {full}.",
            figure(lo),
            figure(hi),
            figure(OCCUPANCY_LINE * lo),
            figure(OCCUPANCY_LINE * hi),
            points.len()
        );
    }
    let top = top_of(
        points
            .iter()
            .map(|p| p.2)
            .chain(beds.iter().flat_map(|(o, _)| o.iter().copied())),
    );
    let mean_style = Style {
        color: MEAN,
        dash: None,
        marker: Marker::None,
    };
    let open_style = Style {
        color: CAPACITY,
        dash: Some((9, 4)),
        marker: Marker::None,
    };
    let line_style = Style {
        color: OCCUPANCY,
        dash: Some((2, 3)),
        marker: Marker::None,
    };
    let mut entries = vec![
        (Swatch::Line(mean_style), "mean".to_string()),
        (Swatch::Band, "95% of replications".to_string()),
    ];
    if beds.is_some() {
        entries.push((Swatch::Line(open_style), "beds open".into()));
        entries.push((Swatch::Line(line_style), "85% of beds open".into()));
    }
    let svg = render(title, &desc, |root| {
        root.fill(&WHITE)?;
        let (plot, key) = root.split_vertically(HEIGHT - legend_layout(&entries).1);
        let right = if beds.is_some() { 120 } else { 16 };
        let mut c = axes(&plot, title, unit, from, points.len(), top, right)?;
        let band: Vec<(i32, f64)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as i32, p.2))
            .chain(
                points
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, p)| (i as i32, p.1)),
            )
            .collect();
        c.draw_series(std::iter::once(Polygon::new(band, BAND.filled())))?;
        let last = points.len() as i32 - 1;
        if let Some((open, line85)) = &beds {
            let at = |v: &[f64]| v.iter().enumerate().map(|(i, b)| (i as i32, *b)).collect();
            line(&mut c, at(open), open_style, 2)?;
            line(&mut c, at(line85), line_style, 2)?;
            let (o, l) = (open[open.len() - 1], line85[line85.len() - 1]);
            end_label(
                &mut c,
                (last, o),
                &format!("beds open {}", figure(o)),
                CAPACITY,
            )?;
            end_label(&mut c, (last, l), &format!("85%: {}", figure(l)), OCCUPANCY)?;
        }
        line(
            &mut c,
            means
                .iter()
                .enumerate()
                .map(|(i, m)| (i as i32, *m))
                .collect(),
            mean_style,
            2,
        )?;
        legend(&key, &entries)
    });
    let mut head =
        String::from("<tr><th>month</th><th>mean</th><th>lowest day</th><th>highest day</th>");
    if beds.is_some() {
        head.push_str("<th>beds open</th><th>85% of beds open</th>");
    }
    head.push_str("</tr>");
    let mut rows = String::new();
    let months = monthly(from, &means);
    let opens = beds.as_ref().map(|(o, _)| monthly(from, o));
    let mut start = 0;
    for (m, (first, mean)) in months.iter().enumerate() {
        let len = months
            .get(m + 1)
            .map(|(d, _)| (*d - *first).num_days() as usize)
            .unwrap_or(means.len() - start);
        let days = &means[start..start + len];
        let (lo, hi) = days
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            month_words(*first),
            figure(*mean),
            figure(lo),
            figure(hi)
        ));
        if let Some(o) = &opens {
            rows.push_str(&format!(
                "<td>{}</td><td>{}</td>",
                figure(o[m].1),
                figure(OCCUPANCY_LINE * o[m].1)
            ));
        }
        rows.push_str("</tr>");
        start += len;
    }
    format!(
        "<figure class=chart>{svg}<details><summary>{} month by month ({unit}, mean of the \
         replications)</summary><table>{head}{rows}</table></details></figure>\n",
        esc(title)
    )
}

/// Weekly means of a daily series: the value drawn at each week's middle day (the days left
/// over after the last whole week join it).
fn weekly(values: &[f64]) -> Vec<(i32, f64)> {
    let weeks = (values.len() / 7).max(1);
    (0..weeks)
        .map(|w| {
            let end = if w + 1 == weeks {
                values.len()
            } else {
                7 * (w + 1)
            };
            let c = &values[7 * w..end];
            (
                (7 * w + c.len() / 2) as i32,
                c.iter().sum::<f64>() / c.len() as f64,
            )
        })
        .collect()
}

/// A chart of one series for `compare.html`: each scenario's weekly mean (of the daily mean over
/// replications) as its own line style, marker and name; on the beds chart the first scenario's
/// beds open and 85% of them. With its monthly table.
pub fn compare_chart(
    name: &str,
    from: NaiveDate,
    names: &[String],
    daily: &[Vec<Daily>],
    replications: usize,
) -> String {
    let k = column(name);
    let (_, title, _) = SERIES[k];
    let unit = unit_of(name);
    let means: Vec<Vec<f64>> = daily
        .iter()
        .map(|d| d.iter().map(|day| day[k].0).collect())
        .collect();
    let days = means.iter().map(Vec::len).min().unwrap_or(0);
    if days == 0 || names.is_empty() {
        return String::new();
    }
    let weeks: Vec<Vec<(i32, f64)>> = means.iter().map(|m| weekly(&m[..days])).collect();
    // The first scenario's band across replications, week by week: the weekly means of its
    // daily 2.5th and 97.5th percentiles.
    let band_of = |f: fn(&(f64, f64, f64)) -> f64| {
        weekly(
            &daily[0][..days]
                .iter()
                .map(|d| f(&d[k]))
                .collect::<Vec<f64>>(),
        )
    };
    let (band_lo, band_hi) = (band_of(|p| p.1), band_of(|p| p.2));
    let beds = (name == "beds_occupied").then(|| capacity_lines(&daily[0][..days]));
    let style = |s: usize| SCENARIO_STYLES[s % SCENARIO_STYLES.len()];
    let end = from + chrono::Duration::days(days as i64 - 1);
    let mut desc = format!(
        "Line chart, {from} to {end}: for each of {} scenarios, the weekly mean of the daily \
         mean of {replications} replications.",
        names.len()
    );
    for (s, n) in names.iter().enumerate() {
        let w: Vec<f64> = weeks[s].iter().map(|p| p.1).collect();
        let (lo, hi) = w
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        desc += &format!(
            " {n} ({} with {}): mean {} {unit}, weeks from {} to {}.",
            dash_words(style(s).dash),
            style(s).marker.words(),
            figure(means[s][..days].iter().sum::<f64>() / days as f64),
            figure(lo),
            figure(hi),
        );
    }
    if let Some((open, _)) = &beds {
        let mean = open.iter().sum::<f64>() / open.len() as f64;
        desc += &format!(
            " Grey dashed line: {}'s beds open, {} on average; red dotted line: 85% of them.",
            names[0],
            figure(mean)
        );
    }
    desc += &format!(
        " Shaded: the band holding 95% of {}'s replications, weekly.",
        names[0]
    );
    let top = top_of(
        weeks
            .iter()
            .flat_map(|w| w.iter().map(|p| p.1))
            .chain(band_hi.iter().map(|p| p.1))
            .chain(beds.iter().flat_map(|(o, _)| o.iter().copied())),
    );
    let mut entries = vec![(Swatch::Band, format!("{}: 95% band", names[0]))];
    for (s, n) in names.iter().enumerate() {
        entries.push((Swatch::Line(style(s)), n.clone()));
    }
    let svg = render(title, &desc, |root| {
        root.fill(&WHITE)?;
        let (plot, key) = root.split_vertically(HEIGHT - legend_layout(&entries).1);
        let right = if beds.is_some() { 120 } else { 16 };
        let mut c = axes(&plot, title, unit, from, days, top, right)?;
        let band: Vec<(i32, f64)> = band_hi
            .iter()
            .copied()
            .chain(band_lo.iter().rev().copied())
            .collect();
        c.draw_series(std::iter::once(Polygon::new(band, BAND.mix(0.6).filled())))?;
        if let Some((open, line85)) = &beds {
            let at = |v: &[f64]| v.iter().enumerate().map(|(i, b)| (i as i32, *b)).collect();
            let open_style = Style {
                color: CAPACITY,
                dash: Some((9, 4)),
                marker: Marker::None,
            };
            let line_style = Style {
                color: OCCUPANCY,
                dash: Some((2, 3)),
                marker: Marker::None,
            };
            line(&mut c, at(open), open_style, 1)?;
            line(&mut c, at(line85), line_style, 1)?;
            let last = days as i32 - 1;
            let (o, l) = (open[days - 1], line85[days - 1]);
            end_label(
                &mut c,
                (last, o),
                &format!("beds open {}", figure(o)),
                CAPACITY,
            )?;
            end_label(&mut c, (last, l), &format!("85%: {}", figure(l)), OCCUPANCY)?;
        }
        for (s, w) in weeks.iter().enumerate() {
            line(&mut c, w.clone(), style(s), 2)?;
            // A marker every fourth week, each scenario's weeks shifted so markers do not sit
            // on one another.
            for p in w.iter().skip(s % 4).step_by(4) {
                marker_at(&mut c, *p, style(s).marker, style(s).color)?;
            }
        }
        legend(&key, &entries)
    });
    let mut head = String::from("<tr><th>month</th>");
    for n in names {
        head.push_str(&format!("<th>{}</th>", esc(n)));
    }
    head.push_str("</tr>");
    let months: Vec<Vec<(NaiveDate, f64)>> =
        means.iter().map(|m| monthly(from, &m[..days])).collect();
    let mut rows = String::new();
    for (m, (first, _)) in months[0].iter().enumerate() {
        rows.push_str(&format!("<tr><td>{}</td>", month_words(*first)));
        for s in &months {
            rows.push_str(&format!("<td>{}</td>", figure(s[m].1)));
        }
        rows.push_str("</tr>");
    }
    format!(
        "<figure class=chart>{svg}<details><summary>{} month by month ({unit}, mean of the \
         replications)</summary><table>{head}{rows}</table></details></figure>\n",
        esc(title)
    )
}

/// The series `report.html` draws: every one but the beds open (a line on the beds chart).
pub fn report_series() -> impl Iterator<Item = &'static str> {
    SERIES.iter().map(|s| s.0).filter(|n| *n != "beds_open")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(beds_occupied: f64, beds_open: f64) -> Daily {
        let mut d = [(1.0, 0.5, 2.0); SERIES_N];
        d[column("beds_occupied")] = (beds_occupied, beds_occupied - 10.0, beds_occupied + 10.0);
        d[column("beds_open")] = (beds_open, beds_open, beds_open);
        d
    }

    fn year(beds_open: f64) -> Vec<Daily> {
        (0..365)
            .map(|i| day(400.0 + 60.0 * (f64::from(i) / 58.0).sin(), beds_open))
            .collect()
    }

    fn from() -> NaiveDate {
        NaiveDate::from_ymd_opt(2016, 10, 1).unwrap()
    }

    fn svg_of(figure: &str) -> &str {
        let a = figure.find("<svg").unwrap();
        let b = figure.find("</svg>").unwrap() + "</svg>".len();
        &figure[a..b]
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
    }

    fn texts<'a>(doc: &'a roxmltree::Document<'_>) -> Vec<&'a str> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::trim))
            .collect()
    }

    #[test]
    fn a_report_chart_has_title_desc_axis_labels_and_the_capacity_lines() {
        let page = report_chart("beds_occupied", from(), &year(540.0), 5);
        let doc = parse(svg_of(&page));
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        let kids: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        assert_eq!(kids[0].tag_name().name(), "title");
        assert_eq!(kids[0].text(), Some("Acute beds occupied at midnight"));
        assert_eq!(kids[1].tag_name().name(), "desc");
        let desc = kids[1].text().unwrap();
        assert!(desc.contains("mean of 5 replications"), "{desc}");
        assert!(
            desc.contains("85% of them (dotted line) 459 to 459"),
            "{desc}"
        );
        let t = texts(&doc);
        for word in [
            "beds occupied",
            "date (midnight of each day)",
            "1 Oct 2016",
            "beds open 540",
            "85%: 459",
            "95% of replications",
            "85% of beds open",
        ] {
            assert!(t.iter().any(|x| x.contains(word)), "no {word:?} in {t:?}");
        }
        // Self-contained: no script, no link, no external reference.
        for n in doc.descendants().filter(|n| n.is_element()) {
            assert!(!["script", "image", "foreignObject", "a"].contains(&n.tag_name().name()));
            for a in n.attributes() {
                assert!(!a.name().starts_with("on") && a.name() != "href");
            }
        }
        // The text alternative: a table of the months.
        assert!(page.contains("<td>October 2016</td>"), "{page}");
        assert!(page.contains("<th>85% of beds open</th>"));
    }

    #[test]
    fn the_85_percent_line_is_85_percent_of_the_beds_open_each_day() {
        let mut daily = year(500.0);
        for d in daily.iter_mut().skip(60).take(90) {
            d[column("beds_open")].0 = 540.0; // winter beds
        }
        let (open, line) = capacity_lines(&daily);
        assert_eq!(open[0], 500.0);
        assert_eq!(line[0], 425.0);
        assert_eq!(open[70], 540.0);
        assert_eq!(line[70], 459.0);
        // Drawn where the axis says 425: the dotted line's first point lies on the y of the
        // beds-occupied scale, between the gridlines it falls between.
        let page = report_chart("beds_occupied", from(), &daily, 5);
        assert!(
            page.contains("85% of them (dotted line) 425 to 459"),
            "{page}"
        );
    }

    /// The first point of the first polyline drawn in `color`.
    fn first_point(doc: &roxmltree::Document<'_>, color: RGBColor) -> (f64, f64) {
        let hex = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
        let line = doc
            .descendants()
            .find(|n| {
                n.has_tag_name("polyline")
                    && n.attribute("stroke")
                        .is_some_and(|s| s.eq_ignore_ascii_case(&hex))
            })
            .unwrap_or_else(|| panic!("no line in {hex}"));
        let p = line
            .attribute("points")
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap();
        let (x, y) = p.split_once(',').unwrap();
        (x.parse().unwrap(), y.parse().unwrap())
    }

    #[test]
    fn the_85_percent_line_is_drawn_at_85_percent_of_the_height_of_the_beds_open() {
        // Beds occupied 0 all year: its line lies on the axis, the zero the lines are read from.
        let daily: Vec<Daily> = (0..365)
            .map(|_| {
                let mut d = day(0.0, 500.0);
                d[column("beds_occupied")] = (0.0, 0.0, 0.0);
                d
            })
            .collect();
        let page = report_chart("beds_occupied", from(), &daily, 5);
        let doc = parse(svg_of(&page));
        let zero = first_point(&doc, MEAN).1;
        let open = first_point(&doc, CAPACITY).1;
        let line = first_point(&doc, OCCUPANCY).1;
        let share = (zero - line) / (zero - open);
        assert!(
            (share - 0.85).abs() < 0.01,
            "drawn at {share} of the beds open"
        );
    }

    #[test]
    fn other_charts_have_no_capacity_lines() {
        let page = report_chart("people_delayed", from(), &year(540.0), 5);
        assert!(!page.contains("beds open"));
        assert!(page.contains("<title>People medically optimised still in hospital</title>"));
    }

    #[test]
    fn four_scenarios_each_have_their_line_marker_and_name() {
        let names: Vec<String> = ["stoke-2017", "d2a", "seven-day", "unconstrained"]
            .map(String::from)
            .to_vec();
        let daily = vec![year(540.0), year(540.0), year(540.0), year(540.0)];
        let page = compare_chart("beds_occupied", from(), &names, &daily, 5);
        let doc = parse(svg_of(&page));
        let t = texts(&doc);
        for n in &names {
            assert!(t.contains(&n.as_str()), "no legend entry {n} in {t:?}");
        }
        let desc = doc
            .descendants()
            .find(|n| n.has_tag_name("desc"))
            .and_then(|n| n.text())
            .unwrap();
        for words in [
            "stoke-2017 (solid line with circles)",
            "d2a (dashed line with triangles)",
            "seven-day (dotted line with squares)",
            "unconstrained (long-dashed line with diamonds)",
            "stoke-2017's beds open",
        ] {
            assert!(desc.contains(words), "{words:?} not in {desc}");
        }
        // Each marker shape is drawn (circles, triangles, squares, diamonds).
        assert!(doc.descendants().any(|n| n.has_tag_name("circle")));
        assert!(doc.descendants().any(|n| n.has_tag_name("rect")));
        assert!(page.contains("<th>unconstrained</th>"));
        assert!(t.contains(&"stoke-2017: 95% band"), "{t:?}");
    }

    #[test]
    fn the_date_axis_ticks_on_the_first_of_the_month() {
        let ticks = month_starts(from(), 365, 3);
        let dates: Vec<String> = ticks
            .iter()
            .map(|i| (from() + chrono::Duration::days(i64::from(*i))).to_string())
            .collect();
        assert_eq!(
            dates,
            ["2016-10-01", "2017-01-01", "2017-04-01", "2017-07-01"]
        );
    }

    #[test]
    fn a_legend_too_wide_for_one_row_takes_two() {
        let entries: Vec<(Swatch, String)> = [
            "stoke-2017: 95% band",
            "stoke-2017",
            "d2a",
            "seven-day",
            "unconstrained",
        ]
        .iter()
        .map(|n| (Swatch::Band, n.to_string()))
        .collect();
        let (at, height) = legend_layout(&entries);
        assert!(at.iter().all(|(x, _)| *x < WIDTH as i32));
        assert!(at.last().unwrap().1 > at[0].1, "{at:?}");
        assert!(height > LEGEND);
        let (_, one) = legend_layout(&entries[..2]);
        assert_eq!(one, LEGEND);
    }

    #[test]
    fn weeks_take_in_the_days_left_over() {
        let v: Vec<f64> = (0..15).map(f64::from).collect();
        assert_eq!(weekly(&v), vec![(3, 3.0), (11, 10.5)]);
        assert_eq!(weekly(&[2.0, 4.0]), vec![(1, 3.0)]);
    }

    #[test]
    fn months_are_averaged_over_their_own_days() {
        let v: Vec<f64> = (0..61).map(f64::from).collect();
        let m = monthly(from(), &v);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0], (from(), 15.0));
        assert_eq!(m[1].1, 45.5);
    }
}
