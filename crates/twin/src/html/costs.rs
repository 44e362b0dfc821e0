//! The cost tables of `report.html` and `compare.html`: pounds with their 95% intervals, plain
//! names and units, the cost per delayed bed day avoided in words.

use super::esc;
use crate::costs::{pounds, CostDifference, CostSummary, Estimate};

fn interval(e: &Estimate) -> String {
    e.ci95
        .map(|(lo, hi)| format!("{} &ndash; {}", pounds(lo), pounds(hi)))
        .unwrap_or_else(|| "&ndash;".into())
}

fn amount(x: f64) -> String {
    if x.abs() >= 100.0 {
        pounds(x).replace('£', "")
    } else {
        format!("{x:.1}")
    }
}

const NOTE: &str = "<p class=note>Over the measured period, mean of the replications with the \
95% interval of the mean (a t interval over replications, not below £0). Staff and acute beds are costed as provided (on duty, open), places \
and home care as used. The delayed bed days line is what a delay costs beyond the bed itself \
(the bed is in the acute beds line), so no bed day is counted twice. The unit costs are \
approximate: the scenario's <code>[costs]</code> names the source of each.</p>";

/// `report.html`'s cost table.
pub fn report(c: &CostSummary) -> String {
    let mut rows = String::new();
    for l in &c.lines {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(l.line.label),
            amount(l.quantity.mean),
            esc(l.line.unit),
            pounds(l.price),
            pounds(l.cost.mean),
            interval(&l.cost),
        ));
    }
    format!(
        "<h2 id=costs>Costs</h2>{NOTE}<table><tr><th>line</th><th>quantity</th><th>unit cost</th>\
<th>cost</th><th>95% interval</th></tr>\n{rows}<tr><td><b>Total</b></td><td></td><td></td>\
<td><b>{}</b></td><td>{}</td></tr>\n<tr><td>of which capacity and services (all but delayed \
bed days)</td><td></td><td></td><td>{}</td><td>{}</td></tr></table>",
        pounds(c.total.mean),
        interval(&c.total),
        pounds(c.spent.mean),
        interval(&c.spent),
    )
}

fn difference(d: crate::summary::Difference) -> String {
    match d {
        None => "&ndash;".into(),
        Some((m, lo, hi)) if m == 0.0 && lo == 0.0 && hi == 0.0 => {
            "£0<br><span class=note>the same in every replication</span>".into()
        }
        Some((m, lo, hi)) => {
            let clear = lo > 0.0 || hi < 0.0;
            let word = if !clear {
                "<span class=note>no clear difference</span>"
            } else if m < 0.0 {
                "<span class=note>&#9650; cheaper</span>"
            } else {
                "<span class=note>&#9660; dearer</span>"
            };
            let sign = |x: f64| {
                if x > 0.0 {
                    format!("<span class=nm>+{}</span>", pounds(x))
                } else {
                    format!("<span class=nm>{}</span>", pounds(x))
                }
            };
            let (b, eb) = if clear { ("<b>", "</b>") } else { ("", "") };
            format!(
                "{b}{}{eb}<br><span class=note>{} to {}</span><br>{word}",
                sign(m),
                sign(lo),
                sign(hi)
            )
        }
    }
}

/// `compare.html`'s cost table: each scenario's costs, and each against the first.
pub fn compare(names: &[String], costs: &[CostSummary], diffs: &[CostDifference]) -> String {
    let Some(base) = costs.first() else {
        return String::new();
    };
    let mut head = String::from("<tr><th>line</th>");
    for (k, n) in names.iter().enumerate() {
        head.push_str(&format!("<th><span class=nm>{}</span></th>", esc(n)));
        if k > 0 {
            head.push_str(&format!(
                "<th><span class=nm>{}</span> <span class=note>minus <span class=nm>{}</span></span></th>",
                esc(n),
                esc(&names[0])
            ));
        }
    }
    head.push_str("</tr>\n");
    let cell = |e: &Estimate| {
        let ci = e
            .ci95
            .map(|(lo, hi)| {
                format!(
                    "<br><span class=note>{} &ndash; {}</span>",
                    pounds(lo),
                    pounds(hi)
                )
            })
            .unwrap_or_default();
        format!("<td>{}{ci}</td>", pounds(e.mean))
    };
    let mut rows = String::new();
    for (i, l) in base.lines.iter().enumerate() {
        rows.push_str(&format!("<tr><td>{}</td>", esc(l.line.label)));
        for (k, c) in costs.iter().enumerate() {
            rows.push_str(&cell(&c.lines[i].cost));
            if k > 0 {
                rows.push_str(&format!(
                    "<td>{}</td>",
                    difference(diffs[k - 1].lines.get(i).copied().flatten())
                ));
            }
        }
        rows.push_str("</tr>\n");
    }
    rows.push_str("<tr><td><b>Total</b></td>");
    for (k, c) in costs.iter().enumerate() {
        rows.push_str(&cell(&c.total));
        if k > 0 {
            rows.push_str(&format!("<td>{}</td>", difference(diffs[k - 1].total)));
        }
    }
    rows.push_str("</tr>\n<tr><td>Delayed bed days (difference: the days avoided)</td>");
    for (k, c) in costs.iter().enumerate() {
        rows.push_str(&format!(
            "<td>{} delayed days</td>",
            amount(c.delayed_days().mean)
        ));
        if k > 0 {
            let d = diffs[k - 1]
                .delayed_days_avoided
                .map(|(m, lo, hi)| {
                    format!("{m:.0} <span class=note>({lo:.0} &ndash; {hi:.0})</span>")
                })
                .unwrap_or_else(|| "&ndash;".into());
            rows.push_str(&format!("<td>{d}</td>"));
        }
    }
    rows.push_str("</tr>\n<tr><td>Cost per delayed bed day avoided</td>");
    for k in 0..costs.len() {
        rows.push_str("<td></td>");
        if k > 0 {
            let v = match diffs[k - 1].per_delayed_day_avoided {
                Some(x) if x < 0.0 => format!(
                    "{} <span class=note>(saves money on capacity and services as well)</span>",
                    pounds(x)
                ),
                Some(x) => pounds(x),
                None => {
                    "not defined <span class=note>(delays were not clearly reduced)</span>".into()
                }
            };
            rows.push_str(&format!("<td>{v}</td>"));
        }
    }
    rows.push_str("</tr>\n");
    format!(
        "<h2 id=costs>Costs</h2>{NOTE}<p class=note>Differences are paired replication by replication \
(common random numbers), with their 95% interval; in bold where it excludes zero. The cost per \
delayed bed day avoided is the difference in spending on capacity and services (the delayed \
days' own line left out) over the delayed days avoided, a ratio of the mean differences; it is \
defined only where the days avoided have a 95% interval above zero. Compare it with the price \
of a delayed day.</p><div class=scroll><table class=compare>{head}{rows}</table></div>"
    )
}

/// `sweep.html`: the total cost at each value, the lowest marked in words.
pub fn sweep(s: &crate::sweep::Sweep, replications: usize) -> String {
    let mut rows = String::new();
    for (i, p) in s.points.iter().enumerate() {
        let mark = if i == s.lowest {
            "<b>&#9733; lowest cost</b>"
        } else if p.clearly_dearer() {
            "dearer than the lowest"
        } else {
            "no clear difference from the lowest"
        };
        let above = p
            .above_lowest
            .map(|(m, lo, hi)| {
                format!(
                    "{}<br><span class=note>{} to {}</span>",
                    pounds(m),
                    pounds(lo),
                    pounds(hi)
                )
            })
            .unwrap_or_else(|| "&ndash;".into());
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{above}</td><td>{mark}</td></tr>\n",
            crate::sweep::value_text(p.value),
            pounds(p.costs.total.mean),
            interval(&p.costs.total),
            pounds(p.costs.spent.mean),
            amount(p.costs.delayed_days().mean),
        ));
    }
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>joinedup: sweep of {p}</title><style>{style}</style></head><body>\
<h1>Scenario {n}: the cost at each value of {p}</h1>{NOTE}<p class=note>{replications} replications at each value, with the same \
seed and replication numbers (common random numbers); the difference from the lowest is paired replication by replication.</p>\
<div class=scroll><table class=compare><tr><th>{p}</th><th>total cost</th><th>95% interval</th><th>of which capacity and services</th><th>delayed bed days</th>\
<th>above the lowest</th><th>mark</th></tr>\n{rows}</table></div></body></html>\n",
        n = esc(&s.scenario),
        p = esc(&s.param),
        style = super::STYLE,
    )
}
