//! Self-contained HTML pages a board member can read: the indicators against 2017 and England,
//! and the daily series as charts with their 95% bands. Written by hand: the page is small, and
//! inline SVG needs nothing a template engine would add.

mod costs;

pub use costs::sweep;

use crate::calibration::{FigureSummary, Use};
use crate::costs::{CostDifference, CostSummary};
use crate::decomposition::ReasonParts;
use crate::summary::{Difference, IndicatorSummary, SERIES};
use chrono::NaiveDate;
use indicators::catalogue::definition;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "&ndash;".into(),
        Some(x) if x.abs() >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

const STYLE: &str = ".warnings{border:2px solid #b00020;padding:0 1rem;margin:1rem 0}.warnings h2{color:#b00020}body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#1d1d1d}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:right}td{white-space:nowrap}td:first-child{white-space:normal}
th:first-child,td:first-child{text-align:left}tr.sub td:first-child{padding-left:1.5rem;color:#555}
.better{color:#0a6b2b}.worse{color:#a4000f}.flattered{color:#8a5a00}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}
.chart{margin:1rem 0}.note{color:#555;font-size:.9rem}";

/// Whether `v` is better than England's figure for this indicator ("flattered" when it looks
/// better only because the scenario jams, `jammed`, and a jam can flatter it).
fn mark(s: &IndicatorSummary, jammed: bool) -> &'static str {
    let (Some(v), Some(e)) = (s.mean, s.benchmarks.england) else {
        return "";
    };
    let better = match definition(&s.id).map(|d| d.better) {
        Some(indicators::Better::Lower | indicators::Better::AtMost(_)) => v < e,
        Some(indicators::Better::Higher) => v > e,
        Some(indicators::Better::Neither) | None => return "",
    };
    match (better, jammed && crate::warnings::flattered_by_a_jam(&s.id)) {
        (true, true) => "flattered",
        (true, false) => "better",
        (false, _) => "worse",
    }
}

/// A paired difference whose 95% interval excludes zero, marked better or worse by the
/// indicator's direction; "flattered" when it looks better but the scenario is jammed and the
/// indicator is one a jam can flatter.
fn difference_mark(id: &str, (_, lo, hi): (f64, f64, f64), jammed: bool) -> &'static str {
    let parent = id.split_once(':').map_or(id, |(p, _)| p);
    let lower = match definition(parent).map(|d| d.better) {
        Some(indicators::Better::Lower | indicators::Better::AtMost(_)) => true,
        Some(indicators::Better::Higher) => false,
        _ => return "",
    };
    let better = if hi < 0.0 {
        lower
    } else if lo > 0.0 {
        !lower
    } else {
        return "";
    };
    match (better, jammed && crate::warnings::flattered_by_a_jam(id)) {
        (true, true) => "flattered",
        (true, false) => "better",
        (false, _) => "worse",
    }
}

fn shown(s: &IndicatorSummary) -> bool {
    !s.id.contains(':') || !s.benchmarks.is_empty() || s.mean.unwrap_or(0.0) > 0.0
}

fn indicator_rows(summaries: &[IndicatorSummary]) -> String {
    let jammed = crate::warnings::jammed(summaries);
    let mut out = String::new();
    for s in summaries.iter().filter(|s| shown(s)) {
        let title = definition(&s.id).map(|d| d.title).unwrap_or("");
        let (label, class) = match s.id.split_once(':') {
            Some((parent, key)) if parent.ends_with("_by_responsible") => {
                (format!("responsible: {}", esc(key)), "sub")
            }
            Some((_, key)) => (esc(key), "sub"),
            None => (
                format!("{} <span class=note>({})</span>", esc(title), esc(&s.id)),
                "",
            ),
        };
        let ci = s
            .ci95
            .map(|(lo, hi)| format!("{} &ndash; {}", num(Some(lo)), num(Some(hi))))
            .unwrap_or_else(|| "&ndash;".into());
        let b = &s.benchmarks;
        out.push_str(&format!(
            "<tr class=\"{class}\"><td>{label}</td><td class=\"{m}\">{}{}</td><td>{ci}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            num(s.mean),
            mark_words(mark(s, jammed), " than England"),
            num(b.stoke_2017),
            num(b.england),
            num(b.target),
            esc(s.unit.as_str()),
            m = mark(s, jammed),
        ));
    }
    out
}

/// A mark in words and a symbol, beside its colour (colour alone does not tell everyone).
fn mark_words(class: &str, versus: &str) -> String {
    match class {
        "better" => format!(" <span class=note>&#9650; better{versus}</span>"),
        "worse" => format!(" <span class=note>&#9660; worse{versus}</span>"),
        "flattered" => " <span class=note>&#9670; a jam, not better</span>".into(),
        _ => String::new(),
    }
}

/// An SVG line chart of `(mean, lo, hi)` per day with a shaded band.
fn chart(title: &str, from: NaiveDate, points: &[(f64, f64, f64)]) -> String {
    let (w, h, pad) = (1000.0, 220.0, 40.0);
    if points.is_empty() {
        return String::new();
    }
    let max = points.iter().map(|p| p.2).fold(0.0, f64::max).max(1.0) * 1.05;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (points.len().max(2) - 1) as f64;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * v / max;
    let upper: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.2)))
        .collect();
    let lower: Vec<String> = points
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.1)))
        .collect();
    let line: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.0)))
        .collect();
    let mut ticks = String::new();
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        ticks.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{v:.0}</text>",
            pad - 4.0,
            y(v) + 4.0
        ));
    }
    let end = from + chrono::Duration::days(points.len() as i64 - 1);
    format!(
        "<div class=chart><h3>{}</h3><svg viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\">\
<polygon points=\"{} {}\" fill=\"#9ecae1\" opacity=\"0.6\"/><polyline points=\"{}\" fill=\"none\" stroke=\"#08519c\" stroke-width=\"1.5\"/>\
<line x1=\"{pad}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"#888\"/>{ticks}\
<text x=\"{pad}\" y=\"{t:.1}\" font-size=\"11\">{from}</text><text x=\"{r:.1}\" y=\"{t:.1}\" font-size=\"11\" text-anchor=\"end\">{end}</text></svg></div>\n",
        esc(title),
        esc(title),
        upper.join(" "),
        lower.join(" "),
        line.join(" "),
        b = h - pad,
        r = w - pad,
        t = h - pad + 16.0,
    )
}

/// The warnings of a run, as a list at the top of a page (nothing when there are none).
fn warnings_html(warnings: &[String]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let items: String = warnings
        .iter()
        .map(|w| format!("<li>{}</li>", esc(w)))
        .collect();
    format!("<div class=warnings><h2>Warnings</h2><ul>{items}</ul></div>")
}

/// The 2017 figures, each over its own period: met or not by symbol and word.
fn calibration_table(figures: &[FigureSummary]) -> String {
    if figures.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for f in figures {
        let fig = &f.figure;
        let ci = f
            .ci95
            .map(|(lo, hi)| format!(" ({} &ndash; {})", num(Some(lo)), num(Some(hi))))
            .unwrap_or_default();
        let met = match f.met {
            Some(true) => "&#10003; met",
            Some(false) => "&#10007; not met",
            None => "&ndash; not measured",
        };
        let mut role = match fig.use_ {
            Use::Fitted => String::from("fitted"),
            Use::HeldOut => String::from("held out"),
        };
        if fig.input_by_nature.is_some() {
            role.push_str(", input by nature");
        }
        let target = match fig.tolerance {
            crate::calibration::Tolerance::Above => format!("above {}", num(f.target)),
            t => format!("{} <span class=note>({})</span>", num(f.target), t.words()),
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{} to {}</td><td>{target}</td><td>{}{ci}</td><td>{met}</td><td>{role}</td></tr>\n",
            esc(fig.words),
            fig.from,
            (fig.period().to - chrono::Duration::days(1)),
            num(f.mean),
        ));
    }
    let met = figures.iter().filter(|f| f.met == Some(true)).count();
    format!(
        "<h2>Calibration to 2017</h2><p class=note>Each 2017 figure over its own period (first and last day), \
the simulated mean with its 95% interval; met when the mean is within the tolerance. {met} of {} met. \
Held out: never used to fit the model. Input by nature: set by inputs the model takes as given, so \
matching it is calibration, not validation.</p>\
<table><tr><th>figure</th><th>period</th><th>2017</th><th>simulated (95% interval)</th><th>met</th><th>use</th></tr>\n{rows}</table>",
        figures.len()
    )
}

/// What `report.html` says of the run.
pub struct Run<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub replications: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// `report.html` for one scenario, its warnings at the top.
pub fn report(
    run: &Run<'_>,
    summaries: &[IndicatorSummary],
    daily: &[[(f64, f64, f64); crate::summary::SERIES_N]],
    warnings: &[String],
    calibration: &[FigureSummary],
    decomposition: &[ReasonParts],
    costs: &CostSummary,
) -> String {
    let Run {
        name,
        description,
        replications,
        from,
        to,
    } = *run;
    let mut charts = String::new();
    for (k, (_, title, _)) in SERIES.iter().enumerate() {
        let pts: Vec<(f64, f64, f64)> = daily.iter().map(|d| d[k]).collect();
        charts.push_str(&chart(title, from, &pts));
    }
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>joinedup: {n}</title><style>{STYLE}</style></head><body>\
<h1>Scenario {n}</h1>{w}<p>{d}</p><p class=note>Simulated {from} to {to}, mean of {replications} replications; the 95% interval is that of the mean (t over replications), kept within what the \
quantity can be (not below 0, a percentage not above 100). \
&#9650; better than England (green); &#9660; worse (red); &#9670; better-looking only because the scenario jams, people held in A&E and in beds (amber).</p>\
<h2>Indicators</h2><table><tr><th>indicator</th><th>simulated</th><th>95% interval</th><th>Stoke 2017</th><th>England</th><th>target</th><th>unit</th></tr>\n{rows}</table>\
{cost}{cal}{dec}<h2>Day by day</h2><p class=note>Line: mean over replications; band: 95% of replications.</p>{charts}</body></html>\n",
        n = esc(name),
        w = warnings_html(warnings),
        d = esc(description),
        rows = indicator_rows(summaries),
        cal = calibration_table(calibration),
        dec = decomposition_table(decomposition),
        cost = costs::report(costs),
    )
}

/// Each delay reason's delayed days split into waiting for a named capacity and time in a
/// process, in the indicator's unit.
fn decomposition_table(reasons: &[ReasonParts]) -> String {
    if reasons.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for r in reasons {
        let label = r.key.replace('_', " ");
        rows.push_str(&format!(
            "<tr><td><b>{}</b></td><td></td><td><b>{}</b></td><td></td><td>100%</td></tr>\n",
            esc(&label),
            num(Some(r.indicator)),
        ));
        for p in &r.parts {
            let ci = p
                .ci95
                .map(|(lo, hi)| format!("{} &ndash; {}", num(Some(lo)), num(Some(hi))))
                .unwrap_or_else(|| "&ndash;".into());
            let share = if r.indicator > 0.0 {
                format!("{:.0}%", 100.0 * p.mean / r.indicator)
            } else {
                "&ndash;".into()
            };
            rows.push_str(&format!(
                "<tr class=sub><td>{}</td><td>{}</td><td>{}</td><td>{ci}</td><td>{share}</td></tr>\n",
                esc(p.component.label()),
                if p.component.is_queue() {
                    "queue for capacity"
                } else if p.component.kind() == "process" {
                    "process (its own duration)"
                } else if p.component.kind() == "rule" {
                    "rule (hours of work, windows)"
                } else {
                    "other"
                },
                num(Some(p.mean)),
            ));
        }
    }
    format!(
        "<h2>Where the delays come from</h2><p class=note>Delayed days per 100,000 adults a day \
(the unit of the delayed transfers indicator), counted at each midnight a medically optimised \
patient is still in hospital, by the delay reason and what the patient was waiting for then: \
a queue for a named capacity, a process that takes its own time, or a rule (office hours, \
daytime discharges, a provider's window). Each reason's parts add \
up to its indicator value in every replication. The 95% interval is that of the mean (t over \
replications), not below 0: delayed days are a count.</p><table><tr><th>delay reason and part</th>\
<th>kind</th><th>delayed days per 100k a day</th><th>95% interval</th><th>share of the reason</th></tr>\n{rows}</table>"
    )
}

/// `compare.html`: scenarios side by side, with differences from the first; `cost`: each
/// scenario's costs and, from the second on, their difference from the first's.
#[allow(clippy::too_many_arguments)] // one page's inputs, each a different thing
pub fn compare(
    names: &[String],
    replications: usize,
    from: NaiveDate,
    to: NaiveDate,
    all: &[Vec<IndicatorSummary>],
    diffs: &[Vec<Difference>],
    warnings: &[Vec<String>],
    cost: (&[CostSummary], &[CostDifference]),
) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>joinedup: comparison</title><style>{STYLE}</style></head><body>\
{}</body></html>\n",
        compare_body(
            names,
            replications,
            from,
            to,
            all,
            diffs,
            warnings,
            cost,
            &|id: &str| id.to_string()
        )
    )
}

/// What `compare.html` holds inside its `<body>` (headings, warnings, the tables), for a page
/// that has its own frame and style sheet (the service's plans; the classes it uses: `note`,
/// `sub`, `warnings`, `better`, `worse`, `flattered`). `label` names an indicator's row from
/// its id (`compare.html`: the id itself).
#[allow(clippy::too_many_arguments)] // one page's inputs, each a different thing
pub fn compare_body(
    names: &[String],
    replications: usize,
    from: NaiveDate,
    to: NaiveDate,
    all: &[Vec<IndicatorSummary>],
    diffs: &[Vec<Difference>],
    warnings: &[Vec<String>],
    cost: (&[CostSummary], &[CostDifference]),
    label: &dyn Fn(&str) -> String,
) -> String {
    let mut top = String::new();
    for (n, w) in names.iter().zip(warnings) {
        if !w.is_empty() {
            top.push_str(&format!("<h3>{}</h3>{}", esc(n), warnings_html(w)));
        }
    }
    // Scenarios whose A&E or beds are far worse than the first's: their better-looking
    // admissions, readmissions and reviews are marked as a jam's, not as better.
    let jammed: Vec<bool> = diffs
        .iter()
        .enumerate()
        .map(|(k, d)| k > 0 && crate::warnings::far_worse(&all[0], d).is_some())
        .collect();
    let mut head = String::from("<tr><th>indicator</th>");
    for (i, n) in names.iter().enumerate() {
        head.push_str(&format!("<th>{}</th>", esc(n)));
        if i > 0 {
            head.push_str(&format!("<th>difference from {}</th>", esc(&names[0])));
        }
    }
    head.push_str("<th>Stoke 2017</th><th>England</th></tr>\n");
    let mut rows = String::new();
    for (i, base) in all[0].iter().enumerate() {
        if !shown(base) {
            continue;
        }
        rows.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td>",
            if base.id.contains(':') { "sub" } else { "" },
            esc(&label(&base.id))
        ));
        for (k, s) in all.iter().enumerate() {
            let ci = s[i]
                .ci95
                .map(|(lo, hi)| {
                    format!(
                        " <span class=note>({} &ndash; {})</span>",
                        num(Some(lo)),
                        num(Some(hi))
                    )
                })
                .unwrap_or_default();
            rows.push_str(&format!("<td>{}{ci}</td>", num(s[i].mean)));
            if k > 0 {
                let class = diffs[k][i]
                    .map(|d| difference_mark(&base.id, d, jammed[k]))
                    .unwrap_or("");
                let d = diffs[k][i]
                    .map(|(m, lo, hi)| {
                        let sig = if lo > 0.0 || hi < 0.0 { "<b>" } else { "" };
                        let end = if sig.is_empty() { "" } else { "</b>" };
                        let jam = mark_words(class, "");
                        format!(
                            "{sig}{:+.2}{end} <span class=note>({:+.2} &ndash; {:+.2})</span>{jam}",
                            m, lo, hi
                        )
                    })
                    .unwrap_or_else(|| "&ndash;".into());
                rows.push_str(&format!("<td class=\"{class}\">{d}</td>"));
            }
        }
        rows.push_str(&format!(
            "<td>{}</td><td>{}</td></tr>\n",
            num(base.benchmarks.stoke_2017),
            num(base.benchmarks.england)
        ));
    }
    format!(
        "<h1>Scenarios compared</h1>{top}<p class=note>{from} to {to}; {replications} replications each with common random numbers. \
Differences in bold have a 95% interval that excludes zero, marked &#9650; better (green), &#9660; worse (red) or &#9670; a jam, not better (amber): better-looking only because the scenario jams.</p><table>{head}{rows}</table>{c}",
        c = costs::compare(names, cost.0, cost.1),
    )
}
