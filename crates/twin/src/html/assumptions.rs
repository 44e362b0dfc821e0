//! "Assumptions and sources": a scenario's inputs with the source each names, read from its TOML
//! as written (the chain `Scenario::sources` gives, top first), where every parameter says where
//! it comes from in a comment: the CQC's 2017 review ("report"), a named public source,
//! "calibrated" (set so the runs reproduce the 2017 figures) or "assumption"; the `[costs]`
//! table names each unit cost's source the same way.

use super::esc;

/// One input: its key (`section.key`), its value as written, the source its comment names,
/// and the scenario that sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub key: String,
    pub value: String,
    pub source: String,
    pub set_by: String,
}

/// The first `#` outside a quoted string.
fn comment_at(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// The opening comment of a scenario's file: what it is and where it comes from.
pub fn preamble(text: &str) -> String {
    text.lines()
        .take_while(|l| l.trim_start().starts_with('#'))
        .map(|l| l.trim_start().trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The keys a scenario's TOML sets, in order, each with its inline comment (or, without one,
/// the comment lines just above it).
fn read(origin: &str, text: &str) -> Vec<Input> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut above: Vec<&str> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            above.clear();
            continue;
        }
        if let Some(c) = t.strip_prefix('#') {
            above.push(c.trim());
            continue;
        }
        if t.starts_with('[') {
            section = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            above.clear();
            continue;
        }
        let (body, comment) = match comment_at(t) {
            Some(i) => (&t[..i], t[i + 1..].trim()),
            None => (t, ""),
        };
        let Some((key, value)) = body.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if section.is_empty() && ["name", "description", "extends"].contains(&key) {
            above.clear();
            continue;
        }
        let source = if comment.is_empty() {
            above.join(" ")
        } else {
            comment.to_string()
        };
        out.push(Input {
            key: if section.is_empty() {
                key.to_string()
            } else {
                format!("{section}.{key}")
            },
            value: value.trim().to_string(),
            source,
            set_by: origin.to_string(),
        });
        above.clear();
    }
    out
}

/// Every input of a scenario, with the value and source of the scenario that sets it last:
/// `chain` top first (the scenario, then what it extends), as `Scenario::sources` gives it.
pub fn inputs(chain: &[(String, String)]) -> Vec<Input> {
    let mut all: Vec<Input> = Vec::new();
    for (origin, text) in chain.iter().rev() {
        for i in read(origin, text) {
            match all.iter_mut().find(|a| a.key == i.key) {
                Some(a) => *a = i,
                None => all.push(i),
            }
        }
    }
    all
}

/// Where an input's value comes from, by the word its source starts with (the `[run]` keys are
/// the run's settings: its dates and length).
pub fn kind(key: &str, source: &str) -> &'static str {
    let s = source.to_lowercase();
    if key.starts_with("run.") {
        "the run's setting"
    } else if s.is_empty() {
        "no source given"
    } else if s.starts_with("calibrated") || s.contains("(calibrated") {
        "calibrated"
    } else if s.starts_with("assumption") || s.contains("(assumption") {
        "assumption"
    } else if s.starts_with("report") {
        "the 2017 review"
    } else {
        "a named source"
    }
}

/// A table of inputs; `changes`: those a scenario sets over what it extends, where an input
/// with no comment of its own is the change the scenario's opening comment describes.
fn table(inputs: &[&Input], with_set_by: bool, changes: bool) -> String {
    let mut rows = String::new();
    for i in inputs {
        let (kind, source) = if changes && i.source.is_empty() {
            (
                "the scenario's change",
                "what the scenario is for, as said above",
            )
        } else {
            (kind(&i.key, &i.source), i.source.as_str())
        };
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>{}</tr>\n",
            esc(&i.key),
            esc(&i.value),
            kind,
            esc(source),
            if with_set_by {
                format!("<td>{}</td>", esc(&i.set_by))
            } else {
                String::new()
            }
        ));
    }
    format!(
        "<div class=scroll><table class=inputs><tr><th>input</th><th>value</th><th>kind</th>\
<th>source, as the scenario says it</th>{}</tr>\n{rows}</table></div>",
        if with_set_by { "<th>set by</th>" } else { "" }
    )
}

/// The inputs a board asks about first: the capacities a delay can wait for, and the policies.
pub const KEY_INPUTS: [&str; 21] = [
    "hospital.beds",
    "hospital.winter_beds",
    "hospital.escalation_beds",
    "discharge.social_workers",
    "discharge.chc_assessors",
    "discharge.brokers",
    "discharge.provider_assessors",
    "discharge.home_care_hours",
    "discharge.reablement_slots",
    "discharge.step_down_beds",
    "population.residential_places",
    "population.nursing_places",
    "community.reviewers",
    "discharge.community_assessors",
    "gp.same_day_per_practice",
    "gp.extended_per_practice_week",
    "gp.care_home_rounds_week",
    "policy.d2a",
    "policy.trusted_assessor",
    "policy.seven_day",
    "crisis.winter_factor",
];

/// The key inputs side by side: [`KEY_INPUTS`] and every input a scenario changes, a column
/// per scenario, a value that differs from the first scenario's in bold; the source is the one
/// the scenario setting the value names.
/// `scenarios`: each one's name, the origin of its own TOML when it extends another (`None`
/// when it extends nothing), and its inputs.
fn key_table(scenarios: &[(&str, Option<&str>, Vec<Input>)]) -> String {
    let Some((_, _, first)) = scenarios.first() else {
        return String::new();
    };
    let mut keys: Vec<String> = KEY_INPUTS.iter().map(|k| k.to_string()).collect();
    for (_, own, inputs) in scenarios {
        for i in inputs {
            if Some(i.set_by.as_str()) == *own && !keys.contains(&i.key) {
                keys.push(i.key.clone());
            }
        }
    }
    let get = |inputs: &[Input], key: &str| inputs.iter().find(|i| i.key == key).cloned();
    let mut head = String::from("<tr><th>input</th>");
    for (name, _, _) in scenarios {
        head.push_str(&format!("<th><span class=nm>{}</span></th>", esc(name)));
    }
    head.push_str("<th>source of the first scenario's value</th></tr>\n");
    let mut rows = String::new();
    for key in &keys {
        let base = get(first, key);
        rows.push_str(&format!("<tr><td><code>{}</code></td>", esc(key)));
        for (_, _, inputs) in scenarios {
            let cell = match get(inputs, key) {
                None => "<span class=note>the model's default</span>".to_string(),
                Some(i) if base.as_ref().is_some_and(|b| b.value == i.value) => esc(&i.value),
                Some(i) => format!("<b>{}</b>", esc(&i.value)),
            };
            rows.push_str(&format!("<td>{cell}</td>"));
        }
        let source = match base {
            Some(b) if b.source.is_empty() => kind(&b.key, &b.source).to_string(),
            Some(b) => esc(&b.source),
            None => String::new(),
        };
        rows.push_str(&format!("<td>{source}</td></tr>\n"));
    }
    format!(
        "<h3>Key inputs</h3><p class=note>The capacities a delayed patient can wait for, the \
policies{}. In bold: a value that differs from the first scenario's.</p><div class=scroll>\
<table class=inputs>{head}{rows}</table></div>",
        if scenarios.iter().any(|s| s.1.is_some()) {
            ", and every input a scenario changes"
        } else {
            ""
        }
    )
}

/// What every page says of the figures it compares with and of its method.
const SOURCES: &str = "<p>The Stoke 2017 and England figures are those of the Care Quality \
Commission's local system review of Stoke-on-Trent (2017), kept in the 2017 profile \
(<code>crates/indicators/data/stoke-2017-profile.toml</code>, each with its period). The \
indicators are computed from the simulated journey log by the same engine as \
<code>joinedup metrics</code> (<code>spec/indicators.md</code>). Calibrated inputs are set so \
the mean of the replications reproduces the 2017 figures, each over its own period \
(<code>docs/calibration.md</code>); held-out figures were never used to set them. Unit costs \
are approximate (recalled from PSSRU Unit Costs of Health and Social Care 2017 and NHS \
Reference Costs 2016/17, to be checked against the tables named).</p>";

fn counts(inputs: &[Input]) -> String {
    let mut out = Vec::new();
    for (k, words) in [
        ("the run's setting", "settings of the run"),
        ("the 2017 review", "from the 2017 review"),
        ("a named source", "from a named source"),
        ("calibrated", "calibrated"),
        ("assumption", "assumptions"),
        ("no source given", "with no source given"),
    ] {
        let n = inputs
            .iter()
            .filter(|i| kind(&i.key, &i.source) == k)
            .count();
        if n > 0 {
            out.push(format!("{n} {words}"));
        }
    }
    out.join(", ")
}

/// One scenario's assumptions: its opening comment, the inputs it changes from the scenario it
/// extends, and every input in a table that opens.
fn scenario(name: &str, chain: &[(String, String)], heading: bool) -> String {
    // Alone on its page, the inputs are listed open; beside others, each opens on demand.
    let open = if heading { "" } else { " open" };
    let all = inputs(chain);
    let mut out = String::new();
    if heading {
        out.push_str(&format!("<h3>{}</h3>", esc(name)));
    }
    if let Some((_, text)) = chain.first() {
        let p = preamble(text);
        if !p.is_empty() {
            out.push_str(&format!("<p>{}</p>", esc(&p)));
        }
    }
    if chain.len() > 1 {
        let own: Vec<&Input> = all.iter().filter(|i| i.set_by == chain[0].0).collect();
        out.push_str(&format!(
            "<p>What it changes from <b>{}</b>:</p>{}",
            esc(&chain[1].0),
            table(&own, false, true)
        ));
    }
    let every: Vec<&Input> = all.iter().collect();
    out.push_str(&format!(
        "<details{open}><summary>Every input of {} ({}): value and source</summary>{}</details>",
        esc(name),
        counts(&all),
        table(&every, chain.len() > 1, false)
    ));
    out
}

/// The "Assumptions and sources" section of a page: each scenario's `(name, chain)`.
pub fn section(scenarios: &[(&str, &[(String, String)])]) -> String {
    let resolved: Vec<(&str, Option<&str>, Vec<Input>)> = scenarios
        .iter()
        .map(|(name, chain)| {
            let own = (chain.len() > 1).then(|| chain[0].0.as_str());
            (*name, own, inputs(chain))
        })
        .collect();
    let mut body = key_table(&resolved);
    let several = scenarios.len() > 1;
    for (name, chain) in scenarios {
        if !chain.is_empty() {
            body.push_str(&scenario(name, chain, several));
        }
    }
    format!(
        "<h2 id=assumptions>Assumptions and sources</h2>{SOURCES}<p class=note>Each input as \
the scenario's TOML states it, with the source its comment names: the 2017 review (the CQC's \
report), a named public source, calibrated, or an assumption (a judgement to challenge).</p>{body}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Vec<(String, String)> {
        vec![
            (
                "d2a".into(),
                "# Discharge to assess (report: D2A \"due to launch\").\nextends = \"base\"\nname = \"d2a\"\n\n[policy]\nd2a = true\n\n[discharge]\nreablement_slots = 120      # NHS England D2A guidance (assumption)\n".into(),
            ),
            (
                "base".into(),
                "# The baseline.\nname = \"base\"\n\n[policy]\nd2a = false   # report: not started\n\n[discharge]\n# Hospital social workers.\nsocial_workers = 16   # calibrated: assessing at once\nreablement_slots = 40 # calibrated\nhours = { dist = \"gamma\", mean = 3.0 }   # assumption: a guess\n".into(),
            ),
        ]
    }

    #[test]
    fn every_input_with_the_source_of_whoever_sets_it_last() {
        let all = inputs(&chain());
        let get = |k: &str| all.iter().find(|i| i.key == k).unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(get("policy.d2a").value, "true");
        assert_eq!(get("policy.d2a").source, "");
        assert_eq!(get("policy.d2a").set_by, "d2a");
        assert_eq!(get("discharge.reablement_slots").value, "120");
        let kind_of = |k: &str| kind(k, &get(k).source);
        assert_eq!(kind_of("discharge.reablement_slots"), "assumption");
        assert_eq!(kind_of("discharge.social_workers"), "calibrated");
        assert_eq!(
            get("discharge.hours").value,
            "{ dist = \"gamma\", mean = 3.0 }"
        );
        assert_eq!(kind("policy.d2a", "report: not started"), "the 2017 review");
        assert_eq!(kind("x.y", "ONS life tables"), "a named source");
        assert_eq!(kind("run.days", "one year measured"), "the run's setting");
        assert_eq!(
            preamble(&chain()[0].1),
            "Discharge to assess (report: D2A \"due to launch\")."
        );
    }

    #[test]
    fn the_section_lists_the_changes_and_every_input() {
        let c = chain();
        let html = section(&[("d2a", &c)]);
        assert!(html.contains("Assumptions and sources"));
        assert!(html.contains("What it changes from <b>base</b>"));
        assert!(html.contains("<code>discharge.social_workers</code>"));
        assert!(html.contains("calibrated: assessing at once"));
        assert!(html.contains("CQC"));
        // The key inputs: the capacities, and what the scenario changes.
        assert!(html.contains("<h3>Key inputs</h3>"));
        assert!(html.contains("<td><code>discharge.reablement_slots</code></td><td>120</td>"));
    }

    #[test]
    fn key_inputs_side_by_side() {
        let names = ["stoke-2017", "d2a", "unconstrained"];
        let chains: Vec<Vec<(String, String)>> = names
            .iter()
            .map(|n| crate::Scenario::sources(n).unwrap())
            .collect();
        let list: Vec<(&str, &[(String, String)])> = names
            .iter()
            .zip(&chains)
            .map(|(n, c)| (*n, c.as_slice()))
            .collect();
        let html = section(&list);
        let row = |key: &str| {
            let at = html
                .find(&format!("<tr><td><code>{key}</code></td>"))
                .unwrap();
            html[at..at + html[at..].find("</tr>").unwrap()].to_string()
        };
        assert!(
            row("discharge.social_workers").contains("<td>16</td><td>16</td><td><b>10000</b></td>")
        );
        // A key only one scenario sets: the others take the model's default.
        assert!(row("discharge.home_care_factor").contains("the model's default"));
        assert!(row("hospital.beds").contains("calibrated"));
    }

    #[test]
    fn every_built_in_input_names_its_source() {
        let chain = crate::Scenario::sources("stoke-2017").unwrap();
        let all = inputs(&chain);
        assert!(all.len() > 80, "{}", all.len());
        assert!(all
            .iter()
            .any(|i| i.key == "costs.acute_bed_day" && i.source.contains("NHS Reference Costs")));
        let missing: Vec<&str> = all
            .iter()
            .filter(|i| i.source.is_empty())
            .map(|i| i.key.as_str())
            .collect();
        // Every input of the baseline says where it comes from (in its comment or above it).
        assert!(missing.len() <= 5, "inputs without a source: {missing:?}");
    }
}
