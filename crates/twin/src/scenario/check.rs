//! A scenario's TOML checked key by key against [`super::params`], before it is read into a
//! [`super::Scenario`]: unknown and missing keys, wrong types and values out of range, each
//! named by its key, in words a planner reads (not "invalid type: string, expected u32").

use super::limits::shown;
use super::params::{param, Kind, Param, PARAMS, TABLES};
use sim_kernel::Dist;
use toml::Value;

/// The largest spread a lognormal may have: a sigma of 3 already spans a factor of 100,000
/// between its 1st and 99th percentiles.
const MAX_SIGMA: f64 = 3.0;
/// The range of a gamma's shape (below 0.1 almost every draw is near 0 and a few are huge).
const GAMMA_SHAPE: (f64, f64) = (0.1, 10_000.0);
/// The most values an empirical distribution may list.
const MAX_EMPIRICAL: usize = 100_000;
/// The largest weight of an hourly or weekly profile.
const MAX_WEIGHT: f64 = 1e6;

/// Every error of `value`, each naming its key; empty when the scenario is well formed.
pub fn check(value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(top) = value.as_table() else {
        return vec!["a scenario must be a TOML table of keys".into()];
    };
    for (k, v) in top {
        if TABLES.contains(&k.as_str()) {
            let Some(table) = v.as_table() else {
                errors.push(format!(
                    "`{k}` must be a table ([{k}] followed by its keys), got {}",
                    shown_value(v)
                ));
                continue;
            };
            for (k2, v2) in table {
                let key = format!("{k}.{k2}");
                match param(&key) {
                    Some(p) => check_one(p, v2, &mut errors),
                    None => errors.push(unknown(&key)),
                }
            }
        } else {
            match param(k) {
                Some(p) if !p.key.contains('.') => check_one(p, v, &mut errors),
                _ => errors.push(unknown(k)),
            }
        }
    }
    for p in PARAMS.iter().filter(|p| !p.optional) {
        if lookup(value, p.key).is_none() && !table_is_wrong(value, p.key) {
            errors.push(format!("`{}` is missing: {}", p.key, describe(p.kind)));
        }
    }
    errors
}

fn lookup<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(value, |v, k| v.as_table()?.get(k))
}

/// The key's table is there but is not a table (already an error).
fn table_is_wrong(value: &Value, key: &str) -> bool {
    key.split_once('.')
        .and_then(|(t, _)| value.get(t))
        .is_some_and(|t| !t.is_table())
}

fn unknown(key: &str) -> String {
    let near = PARAMS
        .iter()
        .map(|p| (distance(key, p.key), p.key))
        .chain(TABLES.iter().map(|t| (distance(key, t), *t)))
        .min();
    match near {
        Some((d, k)) if d <= 3 => format!("unknown key `{key}` (did you mean `{k}`?)"),
        _ => format!("unknown key `{key}`"),
    }
}

/// Edit distance (insertions, deletions, substitutions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The key a message of [`check`] or [`super::limits::cross`] names first (`hospital.beds` of
/// "`hospital.beds` must be ..."; an element's index dropped), for showing it next to its field.
pub fn key_named(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('`')?;
    let (key, _) = rest.split_once('`')?;
    let key = key.split('[').next().unwrap_or(key);
    param(key).map(|p| p.key)
}

/// What a kind of value is, in words.
pub fn describe(kind: Kind) -> String {
    match kind {
        Kind::Count { min, max } => format!("a whole number from {min} to {max}"),
        Kind::Number { min, max } => format!("a number from {} to {}", shown(min), shown(max)),
        Kind::Probability => "a probability between 0 and 1".into(),
        Kind::Numbers { n, min, max } => {
            format!(
                "a list of {n} numbers from {} to {}",
                shown(min),
                shown(max)
            )
        }
        Kind::Probabilities(n) => format!("a list of {n} probabilities between 0 and 1"),
        Kind::Shares(n) => format!("a list of {n} shares adding up to 1"),
        Kind::Profile(n) => format!("a list of {n} relative weights of 0 or more, not all 0"),
        Kind::Dist { .. } => {
            "a distribution such as { dist = \"gamma\", mean = 2.0, shape = 2.0 } \
             (fixed, exponential, lognormal, gamma or empirical)"
                .into()
        }
        Kind::Bool => "true or false".into(),
        Kind::Date => "a date in quotes, such as \"2016-07-01\"".into(),
        Kind::Name => "a name of letters, digits, `-` and `_`".into(),
        Kind::Text => "text in quotes".into(),
    }
}

/// A value as it was written, for messages.
fn shown_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => shown(*f),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => format!("{d} (without quotes)"),
        Value::Array(a) => format!("a list of {} values", a.len()),
        Value::Table(_) => "a table".into(),
    }
}

/// A number of a TOML value (integers too), if it is one.
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn above(p: &Param) -> String {
    if p.why.is_empty() {
        String::new()
    } else {
        format!(" ({})", p.why)
    }
}

fn check_one(p: &Param, v: &Value, errors: &mut Vec<String>) {
    let key = p.key;
    match p.kind {
        Kind::Count { min, max } => match v.as_integer() {
            Some(i) if i < 0 || (i as u64) < min => errors.push(format!(
                "`{key}` must be a whole number of {min} or more, got {i}"
            )),
            Some(i) if i as u64 > max => errors.push(format!(
                "`{key}` must be a whole number of at most {max}{}, got {i}",
                above(p)
            )),
            Some(_) => {}
            None => errors.push(format!(
                "`{key}` must be a whole number of {min} or more, got {}",
                shown_value(v)
            )),
        },
        Kind::Number { min, max } => number(key, v, min, max, &above(p), errors),
        Kind::Probability => probability(key, v, errors),
        Kind::Numbers { n, min, max } => {
            if let Some(items) = list(key, v, n, p.kind, errors) {
                for (i, x) in items.iter().enumerate() {
                    number(&format!("{key}[{i}]"), x, min, max, &above(p), errors);
                }
            }
        }
        Kind::Probabilities(n) => {
            if let Some(items) = list(key, v, n, p.kind, errors) {
                for (i, x) in items.iter().enumerate() {
                    probability(&format!("{key}[{i}]"), x, errors);
                }
            }
        }
        Kind::Shares(n) => {
            if let Some(items) = list(key, v, n, p.kind, errors) {
                let before = errors.len();
                for (i, x) in items.iter().enumerate() {
                    probability(&format!("{key}[{i}]"), x, errors);
                }
                if errors.len() == before {
                    let sum: f64 = items.iter().filter_map(as_number).sum();
                    if (sum - 1.0).abs() > 1e-6 {
                        errors.push(format!(
                            "`{key}` shares must add up to 1; they add up to {}",
                            shown(sum)
                        ));
                    }
                }
            }
        }
        Kind::Profile(n) => {
            if let Some(items) = list(key, v, n, p.kind, errors) {
                let before = errors.len();
                for (i, x) in items.iter().enumerate() {
                    number(&format!("{key}[{i}]"), x, 0.0, MAX_WEIGHT, "", errors);
                }
                if errors.len() == before && items.iter().filter_map(as_number).sum::<f64>() <= 0.0
                {
                    errors.push(format!(
                        "`{key}` must not be all 0: it is a profile of relative arrivals \
                         (leave it out for a flat profile)"
                    ));
                }
            }
        }
        Kind::Dist { max_mean, unit } => {
            if let Err(e) = dist(key, v, max_mean, unit) {
                errors.push(e);
            }
        }
        Kind::Bool => {
            if !v.is_bool() {
                errors.push(format!(
                    "`{key}` must be true or false, got {}",
                    shown_value(v)
                ));
            }
        }
        Kind::Date => match v.as_str() {
            Some(s) if domain::parse_date(s).is_ok() => {}
            _ => errors.push(format!(
                "`{key}` must be a date in quotes (YYYY-MM-DD), such as \"2016-07-01\", got {}",
                shown_value(v)
            )),
        },
        Kind::Name => match v.as_str() {
            Some(s) if name_is_valid(s) => {}
            _ => errors.push(format!(
                "`{key}` must be 1 to 64 letters, digits, `-` or `_` (it names the run's \
                 folder under runs/), got {}",
                shown_value(v)
            )),
        },
        Kind::Text => {
            if !v.is_str() {
                errors.push(format!(
                    "`{key}` must be text in quotes, got {}",
                    shown_value(v)
                ));
            }
        }
    }
}

/// A scenario's name: 1 to 64 ASCII letters, digits, `-` and `_` (so no path separator, `..`,
/// leading dot, space or control character: it is a folder name under `runs/`).
pub fn name_is_valid(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn list<'a>(
    key: &str,
    v: &'a Value,
    n: usize,
    kind: Kind,
    errors: &mut Vec<String>,
) -> Option<&'a Vec<Value>> {
    match v.as_array() {
        Some(items) if items.len() == n => Some(items),
        _ => {
            errors.push(format!(
                "`{key}` must be {}, got {}",
                describe(kind),
                shown_value(v)
            ));
            None
        }
    }
}

fn number(key: &str, v: &Value, min: f64, max: f64, why: &str, errors: &mut Vec<String>) {
    match as_number(v) {
        Some(x) if x.is_finite() && x >= min && x <= max => {}
        Some(x) if x.is_finite() && x > max => errors.push(format!(
            "`{key}` must be a number of at most {}{why}, got {}",
            shown(max),
            shown(x)
        )),
        _ => errors.push(format!(
            "`{key}` must be a number from {} to {}, got {}",
            shown(min),
            shown(max),
            shown_value(v)
        )),
    }
}

fn probability(key: &str, v: &Value, errors: &mut Vec<String>) {
    match as_number(v) {
        Some(x) if (0.0..=1.0).contains(&x) => {}
        _ => errors.push(format!(
            "`{key}` must be a probability between 0 and 1, got {}",
            shown_value(v)
        )),
    }
}

/// Reads and checks a distribution: its kind, its parameters, and a mean of at most `max_mean`.
fn dist(key: &str, v: &Value, max_mean: f64, unit: &str) -> Result<Dist, String> {
    let Some(t) = v.as_table() else {
        return Err(format!(
            "`{key}` must be {}, got {}",
            describe(Kind::Dist { max_mean, unit: "" }),
            shown_value(v)
        ));
    };
    let kinds = ["fixed", "exponential", "lognormal", "gamma", "empirical"];
    let kind = match t.get("dist").and_then(Value::as_str) {
        Some(k) if kinds.contains(&k) => k,
        Some(_) | None => {
            return Err(format!(
                "`{key}.dist` must be one of \"fixed\", \"exponential\", \"lognormal\", \
                 \"gamma\" or \"empirical\", got {}",
                t.get("dist")
                    .map(shown_value)
                    .unwrap_or_else(|| "nothing".into())
            ))
        }
    };
    let takes: &[&str] = match kind {
        "fixed" => &["value"],
        "exponential" => &["mean"],
        "lognormal" => &["median", "sigma"],
        "gamma" => &["mean", "shape"],
        _ => &["values", "weights"],
    };
    if let Some(k) = t
        .keys()
        .find(|k| *k != "dist" && !takes.contains(&k.as_str()))
    {
        return Err(format!(
            "`{key}.{k}` is not a parameter of a {kind} distribution (it takes {})",
            takes.join(", ")
        ));
    }
    let num = |name: &str| -> Result<f64, String> {
        match t.get(name) {
            Some(x) => match as_number(x) {
                Some(f) if f.is_finite() => Ok(f),
                _ => Err(format!(
                    "`{key}.{name}` must be a number, got {}",
                    shown_value(x)
                )),
            },
            None => Err(format!(
                "`{key}.{name}` is missing: a {kind} distribution takes {}",
                takes.join(", ")
            )),
        }
    };
    let nums = |name: &str, required: bool| -> Result<Vec<f64>, String> {
        let Some(x) = t.get(name) else {
            return if required {
                Err(format!("`{key}.{name}` is missing: a list of numbers"))
            } else {
                Ok(Vec::new())
            };
        };
        let items = x
            .as_array()
            .ok_or_else(|| format!("`{key}.{name}` must be a list of numbers"))?;
        if items.len() > MAX_EMPIRICAL {
            return Err(format!(
                "`{key}.{name}` may hold at most {MAX_EMPIRICAL} numbers, got {}",
                items.len()
            ));
        }
        items
            .iter()
            .map(|i| {
                as_number(i).filter(|f| f.is_finite()).ok_or_else(|| {
                    format!(
                        "`{key}.{name}` must be a list of numbers, got {} in it",
                        shown_value(i)
                    )
                })
            })
            .collect()
    };
    let d = match kind {
        "fixed" => Dist::Fixed {
            value: num("value")?,
        },
        "exponential" => Dist::Exponential { mean: num("mean")? },
        "lognormal" => Dist::Lognormal {
            median: num("median")?,
            sigma: num("sigma")?,
        },
        "gamma" => Dist::Gamma {
            mean: num("mean")?,
            shape: num("shape")?,
        },
        _ => Dist::Empirical {
            values: nums("values", true)?,
            weights: nums("weights", false)?,
        },
    };
    d.validate()
        .map_err(|e| format!("`{key}.{}` {}", e.parameter, e.message))?;
    match &d {
        Dist::Lognormal { sigma, .. } if *sigma > MAX_SIGMA => {
            return Err(format!(
                "`{key}.sigma` must be at most {} (a wider spread draws durations of \
                 centuries), got {}",
                shown(MAX_SIGMA),
                shown(*sigma)
            ))
        }
        Dist::Gamma { shape, .. } if *shape < GAMMA_SHAPE.0 || *shape > GAMMA_SHAPE.1 => {
            return Err(format!(
                "`{key}.shape` must be a number from {} to {}, got {}",
                shown(GAMMA_SHAPE.0),
                shown(GAMMA_SHAPE.1),
                shown(*shape)
            ))
        }
        Dist::Empirical { values, .. } if values.iter().any(|v| *v > 10.0 * max_mean) => {
            return Err(format!(
                "`{key}.values` must each be at most {} {unit}",
                shown(10.0 * max_mean)
            ))
        }
        _ => {}
    }
    let mean = d.mean();
    if mean > max_mean {
        return Err(format!(
            "`{key}` must have a mean of at most {} {unit}, got a mean of {}",
            shown(max_mean),
            shown(mean)
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(toml_text: &str) -> Vec<String> {
        let mut base: Value = toml::from_str(include_str!("../../scenarios/stoke-2017.toml"))
            .expect("the baseline parses");
        let over: Value = toml::from_str(toml_text).expect("test TOML parses");
        for (k, v) in over.as_table().unwrap() {
            match (base.get_mut(k), v) {
                (Some(Value::Table(b)), Value::Table(o)) => {
                    for (k2, v2) in o {
                        b.insert(k2.clone(), v2.clone());
                    }
                }
                _ => {
                    base.as_table_mut().unwrap().insert(k.clone(), v.clone());
                }
            }
        }
        check(&base)
    }

    fn one(toml_text: &str) -> String {
        let e = errors(toml_text);
        assert_eq!(e.len(), 1, "{e:?}");
        e[0].clone()
    }

    #[test]
    fn the_baseline_is_well_formed() {
        assert_eq!(errors(""), Vec::<String>::new());
    }

    #[test]
    fn type_errors_are_in_plain_words() {
        assert_eq!(
            one("[discharge]\nsocial_workers = \"many\""),
            "`discharge.social_workers` must be a whole number of 0 or more, got \"many\""
        );
        assert_eq!(
            one("[hospital]\nbeds = 2.5"),
            "`hospital.beds` must be a whole number of 1 or more, got 2.5"
        );
        assert_eq!(
            one("[run]\nstart = 2016-07-01"),
            "`run.start` must be a date in quotes (YYYY-MM-DD), such as \"2016-07-01\", got \
             2016-07-01 (without quotes)"
        );
        assert_eq!(
            one("[policy]\nd2a = \"yes\""),
            "`policy.d2a` must be true or false, got \"yes\""
        );
        assert_eq!(
            one("hospital = 3"),
            "`hospital` must be a table ([hospital] followed by its keys), got 3"
        );
    }

    #[test]
    fn shares_must_add_up_to_one() {
        assert_eq!(
            one("[discharge]\npathway = [1.0, 0.5, 0.25, 0.25]"),
            "`discharge.pathway` shares must add up to 1; they add up to 2.0"
        );
        assert!(one("[ae]\nsources = [0.5, 0.5]").contains("a list of 4 shares"));
        assert!(errors("[crisis]\ncauses_home = [0.2, 0.2, 0.2, 0.2, 0.2]").is_empty());
    }

    #[test]
    fn ranges_and_sizes_are_checked() {
        assert_eq!(
            one("[hospital]\nbeds = 0"),
            "`hospital.beds` must be a whole number of 1 or more, got 0"
        );
        assert_eq!(
            one("[run]\ndays = 100000000"),
            "`run.days` must be a whole number of at most 3650 (so that a run fits in memory \
             and time), got 100000000"
        );
        assert!(one("[population]\naged_85_plus = 9500000")
            .starts_with("`population.aged_85_plus` must be a whole number of at most 500000"));
        assert!(one("[ae]\nclinicians_day = 4294967295").contains("`ae.clinicians_day`"));
        assert!(one("[crisis]\nper_year = [0.3, 1e300, 1.0]").contains("`crisis.per_year[1]`"));
        assert!(one("[gp]\nresolves = nan").contains("`gp.resolves` must be a probability"));
        assert!(one("[discharge]\nbridged_need_home_care = 2.0")
            .contains("`discharge.bridged_need_home_care` must be a probability"));
        assert!(one("[community]\nreview_interval_days = 0").contains("review_interval_days"));
        assert!(one("[discharge]\nchc_providers_reassessing = 4294967295")
            .contains("chc_providers_reassessing"));
        assert!(one("[crisis]\nhourly = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]")
            .contains("`crisis.hourly` must not be all 0"));
        assert!(one("[crisis]\nwinter_factor = inf").contains("`crisis.winter_factor`"));
    }

    #[test]
    fn distributions_are_checked() {
        assert_eq!(
            one("[ae]\nassessment_hours = { dist = \"lognormal\", median = 1.6, sigma = 1e10 }"),
            "`ae.assessment_hours.sigma` makes the mean of the distribution infinite"
        );
        assert!(
            one("[ae]\nassessment_hours = { dist = \"lognormal\", median = 1.6, sigma = 5 }")
                .contains("`ae.assessment_hours.sigma` must be at most 3")
        );
        assert!(
            one("[discharge]\npackage_days = { dist = \"empirical\", values = [] }")
                .contains("`discharge.package_days.values` must hold at least one value")
        );
        assert!(
            one("[discharge]\npackage_days = { dist = \"exponential\", mean = 1e9 }")
                .contains("`discharge.package_days` must have a mean of at most 3650.0 days")
        );
        assert!(
            one("[discharge]\npackage_days = { dist = \"weibull\", mean = 3 }")
                .contains("`discharge.package_days.dist` must be one of")
        );
        assert!(
            one("[discharge]\npackage_days = { dist = \"gamma\", mean = 3, sigma = 2 }")
                .contains("`discharge.package_days.sigma` is not a parameter")
        );
        assert!(one("[discharge]\npackage_days = 30").contains("must be a distribution"));
    }

    #[test]
    fn unknown_and_missing_keys_are_named() {
        assert_eq!(
            one("[discharge]\nsocial_workerz = 3"),
            "unknown key `discharge.social_workerz` (did you mean `discharge.social_workers`?)"
        );
        let mut v: Value = toml::from_str(include_str!("../../scenarios/stoke-2017.toml")).unwrap();
        v["hospital"].as_table_mut().unwrap().remove("beds");
        assert_eq!(
            check(&v),
            ["`hospital.beds` is missing: a whole number from 1 to 100000"]
        );
    }

    #[test]
    fn names_are_names() {
        for bad in [
            "", "/tmp/x", "../../x", ".hidden", "a b", "a\nb", "x/y", "é",
        ] {
            assert!(!name_is_valid(bad), "{bad:?}");
        }
        for good in ["stoke-2017", "more_social_workers", "D2A"] {
            assert!(name_is_valid(good), "{good:?}");
        }
        assert!(one("name = \"../../x\"").starts_with("`name` must be 1 to 64 letters"));
    }
}
