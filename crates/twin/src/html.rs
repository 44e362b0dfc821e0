//! Self-contained HTML pages a board member can read: the warnings first, the indicators by
//! their plain names with units and which way is better, against 2017 and England, the method
//! of the intervals stated, the daily series as charts (`charts`, drawn with plotters as the
//! dashboard's are, each with a text alternative), and the assumptions with their sources
//! (`assumptions`). Written by hand: the page is small, and inline SVG needs nothing a template
//! engine would add. No script and no external resource: a page is one file that opens anywhere,
//! and fits a 1280-pixel screen with four scenarios (wide tables scroll in their own box).

pub mod assumptions;
pub mod charts;
mod costs;
pub mod names;

pub use charts::Daily;
pub use costs::sweep;

use crate::calibration::{FigureSummary, Use};
use crate::costs::{CostDifference, CostSummary};
use crate::decomposition::ReasonParts;
use crate::summary::{Difference, IndicatorSummary};
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

const STYLE: &str = "*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1230px;padding:0 1.5rem;color:#1d1d1d;line-height:1.35}
.warnings{border:2px solid #b00020;padding:0 1rem;margin:1rem 0}.warnings h2{color:#b00020;margin-top:.8rem}.warnings li{margin:.2rem 0}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}td{white-space:nowrap}td:first-child{white-space:normal}
th:first-child,td:first-child{text-align:left}tr.sub td:first-child{padding-left:1.5rem;color:#444}th{vertical-align:bottom}
.better{color:#0a6b2b}.worse{color:#a4000f}.flattered{color:#8a5a00}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}h3{font-size:1.05rem}
.note{color:#555;font-size:.88rem}.id{color:#666;font-size:.78rem;font-family:ui-monospace,monospace;overflow-wrap:anywhere}.scroll{overflow-x:auto;max-width:100%}
table.compare td{white-space:normal;min-width:5rem}table.compare th,table.compare td{padding:.3rem .35rem}table.compare td:first-child{min-width:13rem}table.inputs th,table.inputs td{white-space:normal;text-align:left}table.inputs td:first-child{white-space:nowrap}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:1rem 1.5rem}figure.chart{margin:0;min-width:0}figure.chart svg{width:100%;height:auto;display:block}
details{margin:.3rem 0 1rem}summary{cursor:pointer;color:#005eb8;font-size:.9rem}td.unit{white-space:normal}.nm{white-space:nowrap}nav{font-size:.9rem}nav a{margin-right:.8rem}code{font-size:.85rem}";

/// How every interval on the pages is made, said once.
fn method(replications: usize) -> String {
    format!(
        "<p class=note><b>Intervals.</b> Each figure is the mean of {replications} replications \
(independent runs of the simulated year). Its 95% interval is a t interval of that mean: the mean \
&plusmn; t<sub>0.975, n&minus;1</sub> &times; the standard deviation over replications / &radic;n, \
kept within what the quantity can be: not below 0 (every indicator is a count, a rate or a \
percentage) and a percentage not above 100. With few replications the intervals are wide.</p>"
    )
}

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
        let (label, class) = if s.id.contains(':') {
            (esc(&names::name(&s.id)), "sub")
        } else {
            (
                format!(
                    "{}<br><span class=note>{}</span> <span class=id>({})</span>",
                    esc(&names::name(&s.id)),
                    names::better(&s.id),
                    esc(&s.id)
                ),
                "",
            )
        };
        let ci = s
            .ci95
            .map(|(lo, hi)| format!("{} &ndash; {}", num(Some(lo)), num(Some(hi))))
            .unwrap_or_else(|| "&ndash;".into());
        let b = &s.benchmarks;
        out.push_str(&format!(
            "<tr class=\"{class}\"><td>{label}</td><td class=\"{m}\">{}{}</td><td>{ci}</td><td>{}</td><td>{}</td><td>{}</td><td class=unit>{}</td></tr>\n",
            num(s.mean),
            mark_words(mark(s, jammed), " than England"),
            num(b.stoke_2017),
            num(b.england),
            num(b.target),
            names::unit(s.unit),
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
        "<h2 id=calibration>Calibration to 2017</h2><p class=note>Each 2017 figure over its own period (first and last day), \
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
    /// The scenario's TOML as written, top first (`Scenario::sources`), for "Assumptions and
    /// sources" (empty: no such section).
    pub sources: &'a [(String, String)],
}

const MARKS: &str = "&#9650; better than England (green); &#9660; worse (red); &#9670; \
better-looking only because the scenario jams, people held in A&amp;E and in beds (amber). \
Colour is never the only mark.";

/// `report.html` for one scenario, its warnings at the top.
pub fn report(
    run: &Run<'_>,
    summaries: &[IndicatorSummary],
    daily: &[Daily],
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
        sources,
    } = *run;
    let mut figures = String::new();
    for series in charts::report_series() {
        figures.push_str(&charts::report_chart(series, from, daily, replications));
    }
    let day_by_day = if figures.is_empty() {
        String::new()
    } else {
        format!(
            "<h2 id=daily>Day by day</h2><p class=note>Each chart: the mean over the \
replications each day (solid line) and the band that holds 95% of the replications that day \
(from the 2.5th to the 97.5th percentile; with few replications, close to their range). The \
beds chart also shows the acute beds open each day (winter and escalation beds included, \
dashed) and 85% of them (dotted), the occupancy above which a hospital is taken to be under \
pressure. Under each chart, its figures month by month. The same series are in \
<code>daily.csv</code>.</p><div class=charts>{figures}</div>"
        )
    };
    let assumptions = if sources.is_empty() {
        String::new()
    } else {
        assumptions::section(&[(name, sources)])
    };
    let mut nav = vec![("indicators", "Indicators")];
    if !costs.lines.is_empty() {
        nav.push(("costs", "Costs"));
    }
    if !calibration.is_empty() {
        nav.push(("calibration", "Calibration to 2017"));
    }
    if !decomposition.is_empty() {
        nav.push(("delays", "Where the delays come from"));
    }
    if !day_by_day.is_empty() {
        nav.push(("daily", "Day by day"));
    }
    if !assumptions.is_empty() {
        nav.push(("assumptions", "Assumptions and sources"));
    }
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>joinedup: {n}</title><style>{STYLE}</style></head><body>\
<h1>Scenario {n}</h1>{w}<p>{d}</p><p class=note>Simulated {from} to {to}. {MARKS}</p>{m}{nav}\
<h2 id=indicators>Indicators</h2><div class=scroll><table><tr><th>indicator</th><th>simulated</th><th>95% interval</th><th>Stoke 2017</th><th>England</th><th>target</th><th>unit</th></tr>\n{rows}</table></div>\
{cost}{cal}{dec}{day_by_day}{assumptions}</body></html>\n",
        n = esc(name),
        w = warnings_html(warnings),
        d = esc(description),
        m = method(replications),
        nav = nav_html(&nav),
        rows = indicator_rows(summaries),
        cal = calibration_table(calibration),
        dec = decomposition_table(decomposition),
        cost = costs::report(costs),
    )
}

/// The page's sections as links.
fn nav_html(sections: &[(&str, &str)]) -> String {
    let links: String = sections
        .iter()
        .map(|(id, words)| format!("<a href=\"#{id}\">{words}</a>"))
        .collect();
    format!("<nav>On this page: {links}</nav>")
}

/// Each delay reason's delayed days split into waiting for a named capacity and time in a
/// process, in the indicator's unit.
fn decomposition_table(reasons: &[ReasonParts]) -> String {
    if reasons.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for r in reasons {
        let label = names::name(&format!("dtoc_delayed_days_per_100k:{}", r.key));
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
        "<h2 id=delays>Where the delays come from</h2><p class=note>Delayed days per 100,000 adults a day \
(the unit of the delayed transfers indicator), counted at each midnight a medically optimised \
patient is still in hospital, by the delay reason and what the patient was waiting for then: \
a queue for a named capacity, a process that takes its own time, or a rule (office hours, \
daytime discharges, a provider's window). Each reason's parts add \
up to its indicator value in every replication. The 95% interval is that of the mean (t over \
replications), not below 0: delayed days are a count.</p><table><tr><th>delay reason and part</th>\
<th>kind</th><th>delayed days per 100k a day</th><th>95% interval</th><th>share of the reason</th></tr>\n{rows}</table>"
    )
}

/// The warnings of several scenarios in one box at the top, each under its scenario's name.
fn compare_warnings(names: &[String], warnings: &[Vec<String>]) -> String {
    let mut items = String::new();
    for (n, w) in names.iter().zip(warnings) {
        for one in w {
            items.push_str(&format!("<li><b>{}</b>: {}</li>", esc(n), esc(one)));
        }
    }
    if items.is_empty() {
        return String::new();
    }
    format!("<div class=warnings><h2>Warnings</h2><ul>{items}</ul></div>")
}

/// The indicator cell of a row: its plain name, then its unit, which way is better and its id.
fn indicator_cell(s: &IndicatorSummary) -> String {
    if s.id.contains(':') {
        return esc(&names::name(&s.id));
    }
    format!(
        "{}<br><span class=note>{}; {}</span> <span class=id>{}</span>",
        esc(&names::name(&s.id)),
        names::unit(s.unit),
        names::better(&s.id),
        esc(&s.id)
    )
}

/// `compare.html`: scenarios side by side, with differences from the first; `cost`: each
/// scenario's costs and, from the second on, their difference from the first's; `daily`: each
/// scenario's daily series (empty: no charts); `sources`: each scenario's TOML as written, top
/// first (empty: no "Assumptions and sources").
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
    daily: &[Vec<Daily>],
    sources: &[Vec<(String, String)>],
) -> String {
    compare_page(&compare_body(
        names,
        replications,
        from,
        to,
        all,
        diffs,
        warnings,
        cost,
        daily,
        sources,
        None,
    ))
}

/// `compare.html`'s frame around its body ([`compare_body`]).
pub fn compare_page(body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>joinedup: comparison</title><style>{STYLE}</style></head><body>\
{body}</body></html>\n"
    )
}

/// What `compare.html` holds inside its `<body>` (headings, warnings, the tables, the charts,
/// the assumptions), for a page that has its own frame and style sheet (the service's plans;
/// the classes it uses: `note`, `sub`, `warnings`, `better`, `worse`, `flattered`, `scroll`,
/// `charts`). `start`: the recorded state every scenario started from, if any (said at the
/// top).
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
    daily: &[Vec<Daily>],
    sources: &[Vec<(String, String)>],
    start: Option<&str>,
) -> String {
    let mut top = compare_warnings(names, warnings);
    if let Some(start) = start {
        top.push_str(&format!(
            "<p class=note>Every scenario started from {}, without warm-up. The log does not \
record a broker's or a provider's work still in progress, so it is done again, and delays in \
the first weeks may come out a little higher (<code>docs/initial-state.md</code>).</p>",
            esc(start)
        ));
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
        head.push_str(&format!("<th><span class=nm>{}</span></th>", esc(n)));
        if i > 0 {
            head.push_str(&format!(
                "<th><span class=nm>{}</span> <span class=note>minus <span class=nm>{}</span></span></th>",
                esc(n),
                esc(&names[0])
            ));
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
            indicator_cell(base)
        ));
        for (k, s) in all.iter().enumerate() {
            let ci = s[i]
                .ci95
                .map(|(lo, hi)| {
                    format!(
                        "<br><span class=note>{} &ndash; {}</span>",
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
                        let jam = if jam.is_empty() {
                            jam
                        } else {
                            format!("<br>{jam}")
                        };
                        format!(
                            "{sig}{:+.2}{end}<br><span class=note>{:+.2} to {:+.2}</span>{jam}",
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
    let mut figures = String::new();
    if daily.len() == names.len() {
        for series in charts::COMPARED {
            figures.push_str(&charts::compare_chart(
                series,
                from,
                names,
                daily,
                replications,
            ));
        }
    }
    let day_by_day = if figures.is_empty() {
        String::new()
    } else {
        format!(
            "<h2 id=daily>Day by day</h2><p class=note>One chart per series with every scenario: \
each scenario's line is the weekly mean of its daily mean over the replications, told apart \
by its dashes, its marker and its name in the legend below the chart (and by colour). The beds \
chart shows the first scenario's acute beds open (dashed) and 85% of them (dotted). Shaded: the \
band that holds 95% of the first scenario's replications (weekly means of its daily 2.5th and \
97.5th percentiles), against which the others' lines can be read; each scenario's own band is in \
its <code>report.html</code> (<code>joinedup simulate</code>). Under each chart, its figures \
month by month.</p><div class=charts>{figures}</div>"
        )
    };
    let assumptions = if sources.len() == names.len() && sources.iter().any(|s| !s.is_empty()) {
        let list: Vec<(&str, &[(String, String)])> = names
            .iter()
            .zip(sources)
            .map(|(n, s)| (n.as_str(), s.as_slice()))
            .collect();
        assumptions::section(&list)
    } else {
        String::new()
    };
    let mut nav = vec![("indicators", "Indicators"), ("costs", "Costs")];
    if !day_by_day.is_empty() {
        nav.push(("daily", "Day by day"));
    }
    if !assumptions.is_empty() {
        nav.push(("assumptions", "Assumptions and sources"));
    }
    format!(
        "<h1>Scenarios compared</h1>{top}<p class=note>{from} to {to}; {replications} replications of each scenario with common random numbers \
(the same seeds, so a difference is the scenario's, not chance's). A difference is the scenario's figure minus the first's, paired replication by replication, \
with its 95% t interval (not bounded: a difference can be below 0). In bold where that interval excludes zero, marked &#9650; better (green), \
&#9660; worse (red) or &#9670; a jam, not better (amber): better-looking only because the scenario jams. Colour is never the only mark.</p>{m}{nav}\
<h2 id=indicators>Indicators</h2><div class=scroll><table class=compare>{head}{rows}</table></div>{c}{day_by_day}{assumptions}",
        m = method(replications),
        nav = nav_html(&nav),
        c = costs::compare(names, cost.0, cost.1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicators::{Benchmarks, Unit};

    fn summary(id: &str, unit: Unit, mean: f64) -> IndicatorSummary {
        IndicatorSummary {
            id: id.into(),
            unit,
            values: vec![Some(mean); 5],
            mean: Some(mean),
            sd: Some(1.0),
            ci95: Some(crate::summary::bounded((mean - 2.0, mean + 2.0), false)),
            benchmarks: Benchmarks {
                england: Some(14.0),
                ..Benchmarks::default()
            },
        }
    }

    fn summaries(delay: f64) -> Vec<IndicatorSummary> {
        vec![
            summary("dtoc_delayed_days_per_100k", Unit::PerDayPer100k, delay),
            summary(
                "dtoc_delayed_days_per_100k:care_package_home",
                Unit::PerDayPer100k,
                delay / 3.0,
            ),
            summary("ae_4h_pct", Unit::Percent, 79.0),
        ]
    }

    fn year() -> Vec<Daily> {
        (0..365)
            .map(|i| {
                let mut d = [(1.0, 0.0, 2.0); crate::summary::SERIES_N];
                d[0] = (400.0 + f64::from(i % 7), 390.0, 420.0);
                d[crate::summary::SERIES_N - 1] = (540.0, 540.0, 540.0);
                d
            })
            .collect()
    }

    fn from() -> NaiveDate {
        NaiveDate::from_ymd_opt(2016, 10, 1).unwrap()
    }

    /// No script, no resource from elsewhere: the page is one file.
    fn self_contained(page: &str) {
        for bad in [
            "<script",
            "src=",
            "http://www.w3.org/1999/xlink",
            "url(",
            "@import",
        ] {
            assert!(!page.contains(bad), "{bad} in the page");
        }
        assert!(!page.contains("href=\"http"), "a link out of the page");
    }

    #[test]
    fn four_scenarios_render_with_plain_names_charts_and_sources() {
        let names: Vec<String> = ["stoke-2017", "d2a", "seven-day", "unconstrained"]
            .map(String::from)
            .to_vec();
        let all: Vec<Vec<IndicatorSummary>> = [18.0, 13.0, 15.0, 3.0].map(summaries).to_vec();
        let diffs: Vec<Vec<Difference>> = all
            .iter()
            .map(|s| {
                s.iter()
                    .zip(&all[0])
                    .map(|(x, b)| crate::summary::paired_difference(&b.values, &x.values))
                    .collect()
            })
            .collect();
        let daily = vec![year(); 4];
        let sources: Vec<Vec<(String, String)>> = names
            .iter()
            .map(|n| crate::Scenario::sources(n).unwrap())
            .collect();
        let page = compare(
            &names,
            5,
            from(),
            NaiveDate::from_ymd_opt(2017, 10, 1).unwrap(),
            &all,
            &diffs,
            &[vec![], vec![], vec!["a warning".into()], vec![]],
            (&[], &[]),
            &daily,
            &sources,
        );
        self_contained(&page);
        // The warnings come first, before the first table.
        assert!(page.find("a warning").unwrap() < page.find("<table").unwrap());
        assert!(page.contains("<li><b>seven-day</b>: a warning</li>"));
        // Plain names, units and direction; the breakdown's key in words.
        assert!(page.contains("Delayed transfers of care: delayed days per 100,000 adults<br>"));
        assert!(page.contains("a day per 100,000; &#8595; lower is better"));
        assert!(page.contains("waiting for care package in own home (reason E)"));
        assert!(!page.contains(">care_package_home<"));
        // The method of the intervals, stated.
        assert!(page.contains("t interval of that mean"));
        // One chart per key series, each naming every scenario.
        assert_eq!(page.matches("<svg").count(), charts::COMPARED.len());
        for n in &names {
            assert!(page.contains(&format!("<th>{n}</th>")), "{n} in the tables");
        }
        // Assumptions and sources: each scenario's changes, with the sources named.
        assert!(page.contains("Assumptions and sources"));
        assert!(page.contains("What it changes from <b>scenario stoke-2017</b>"));
        assert!(page.contains("<code>discharge.reablement_slots</code>"));
        assert!(page.contains("PSSRU"));
    }

    #[test]
    fn a_report_gives_plain_names_charts_and_its_sources() {
        let sources = crate::Scenario::sources("stoke-2017").unwrap();
        let run = Run {
            name: "stoke-2017",
            description: "Baseline",
            replications: 5,
            from: from(),
            to: NaiveDate::from_ymd_opt(2017, 10, 1).unwrap(),
            sources: &sources,
        };
        let costs =
            crate::costs::summarise_bills(&[], &crate::Scenario::load("stoke-2017").unwrap().costs);
        let page = report(
            &run,
            &summaries(18.0),
            &year(),
            &["a warning".into()],
            &[],
            &[],
            &costs,
        );
        self_contained(&page);
        assert!(page.find("a warning").unwrap() < page.find("<table").unwrap());
        assert!(page.contains("&#9660; worse than England"));
        assert!(page.contains("waiting for care package in own home (reason E)"));
        assert!(page.contains("<td class=unit>a day per 100,000</td>"));
        assert!(page.contains("&#8593; higher is better"));
        assert!(page.contains("t interval of that mean"));
        // Every series but the beds open has its chart; the beds open is a line on the beds chart.
        assert_eq!(page.matches("<svg").count(), crate::summary::SERIES_N - 1);
        assert!(page.contains("85% of beds open"));
        assert!(page.contains("<code>costs.acute_bed_day</code>"));
    }
}
