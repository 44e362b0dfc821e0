//! A new scenario made from another by changing some of its values (the service's plans form):
//! each key's value as a form shows it ([`fields`]), and the TOML that `extends` the base with
//! the keys whose values changed ([`changes`]). The TOML is then checked as a file is
//! ([`super::Scenario::from_saved`]), with the same messages.

use super::check::describe;
use super::extends::{self, Link};
use super::params::{Kind, PARAMS};
use super::{ScenarioError, BUILT_IN};
use toml::Value;

/// The most characters a value typed in a form may have (an empirical distribution of a few
/// thousand values fits).
pub const MAX_VALUE_CHARS: usize = 100_000;

/// One key as a form shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// `table.key`, or `key` at the top.
    pub key: &'static str,
    /// The table it is in (`""` at the top).
    pub table: &'static str,
    /// Its value as written in TOML (text without quotes for dates, names and text).
    pub text: String,
    /// What it may hold, in words.
    pub hint: String,
    /// Text typed as is (a date, a name, text), not a TOML value.
    pub plain: bool,
}

fn plain(kind: Kind) -> bool {
    matches!(kind, Kind::Date | Kind::Name | Kind::Text)
}

fn lookup<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(value, |v, k| v.as_table()?.get(k))
}

/// The merged TOML of a built-in or saved scenario (`saved` gives a saved one's TOML).
pub fn base_value(
    name: &str,
    saved: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, ScenarioError> {
    let links: Vec<Link> = if BUILT_IN.iter().any(|(n, _)| *n == name) {
        extends::chain(name)?
    } else {
        let text = saved(name).ok_or_else(|| ScenarioError::Unknown(name.to_string()))?;
        extends::chain_of_text(name, &text, saved)?
    };
    Ok(extends::merged(&links))
}

/// Every key of a scenario (`extends`, `name` and `description` apart), in the order of
/// [`PARAMS`], with its value in `base` (empty where the base leaves an optional key out).
pub fn fields(base: &Value) -> Vec<Field> {
    PARAMS
        .iter()
        .filter(|p| !matches!(p.key, "extends" | "name" | "description"))
        .map(|p| {
            let text = match lookup(base, p.key) {
                Some(Value::String(s)) if plain(p.kind) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            };
            Field {
                key: p.key,
                table: p.key.split_once('.').map(|(t, _)| t).unwrap_or(""),
                text,
                hint: describe(p.kind),
                plain: plain(p.kind),
            }
        })
        .collect()
}

/// A value typed for `key` read as TOML (or as text for a date, a name or text).
fn read(key: &str, kind: Kind, text: &str) -> Result<Value, String> {
    if text.chars().count() > MAX_VALUE_CHARS {
        return Err(format!(
            "`{key}` is longer than {MAX_VALUE_CHARS} characters"
        ));
    }
    if plain(kind) {
        return Ok(Value::String(text.to_string()));
    }
    let doc: toml::Table = toml::from_str(&format!("v = {text}")).map_err(|_| {
        format!(
            "`{key}` must be {}, written as in a scenario file; got {:?}",
            describe(kind),
            text
        )
    })?;
    match (doc.len(), doc.get("v")) {
        (1, Some(v)) => Ok(v.clone()),
        _ => Err(format!(
            "`{key}` must be one value, {}; got {text:?}",
            describe(kind)
        )),
    }
}

/// The TOML of a scenario `name` that extends `base_name` (whose merged TOML is `base`) with
/// the values of `entries` (`table.key`, text as the form sent it) that differ from the
/// base's. Each error is a key and its message (a key not of a scenario, a value that is not
/// TOML); ranges are checked afterwards, as for a file.
pub fn changes(
    base_name: &str,
    base: &Value,
    name: &str,
    description: &str,
    entries: &[(String, String)],
) -> Result<String, Vec<(String, String)>> {
    let mut top = toml::Table::new();
    top.insert("extends".into(), Value::String(base_name.into()));
    top.insert("name".into(), Value::String(name.into()));
    top.insert("description".into(), Value::String(description.into()));
    let mut errors = Vec::new();
    for (key, text) in entries {
        let Some(p) = PARAMS
            .iter()
            .find(|p| p.key == key && !matches!(p.key, "extends" | "name" | "description"))
        else {
            errors.push((key.clone(), format!("unknown key `{key}`")));
            continue;
        };
        let old = lookup(base, p.key);
        if text.trim().is_empty() && old.is_none() {
            continue; // an optional key the base leaves out, left out
        }
        let value = match read(p.key, p.kind, text.trim()) {
            Ok(v) => v,
            Err(m) => {
                errors.push((key.clone(), m));
                continue;
            }
        };
        if old == Some(&value) {
            continue;
        }
        match p.key.split_once('.') {
            Some((table, k)) => {
                let t = top
                    .entry(table.to_string())
                    .or_insert_with(|| Value::Table(toml::Table::new()));
                if let Some(t) = t.as_table_mut() {
                    t.insert(k.to_string(), value);
                }
            }
            None => {
                top.insert(p.key.to_string(), value);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    toml::to_string(&top).map_err(|e| vec![(String::new(), e.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn only_the_values_changed_are_written_and_the_result_loads() {
        let base = base_value("stoke-2017", &none).unwrap();
        let f = fields(&base);
        let beds = f.iter().find(|f| f.key == "hospital.beds").unwrap();
        assert_eq!(beds.table, "hospital");
        assert!(beds.hint.contains("whole number"), "{}", beds.hint);
        let start = f.iter().find(|f| f.key == "run.start").unwrap();
        assert!(start.plain && !start.text.contains('"'), "{start:?}");
        // Every field sent back as shown, one changed.
        let entries: Vec<(String, String)> = f
            .iter()
            .map(|x| {
                let text = if x.key == "hospital.beds" {
                    "650".to_string()
                } else {
                    x.text.clone()
                };
                (x.key.to_string(), text)
            })
            .collect();
        let toml = changes("stoke-2017", &base, "beds-650", "more beds", &entries).unwrap();
        assert!(toml.contains("extends = \"stoke-2017\""), "{toml}");
        assert!(toml.contains("[hospital]\nbeds = 650"), "{toml}");
        assert_eq!(toml.matches(" = ").count(), 4, "only the change: {toml}");
        let s = Scenario::from_saved("beds-650", &toml, &none).unwrap();
        assert_eq!(s.hospital.beds, 650);
    }

    #[test]
    fn a_value_that_is_not_toml_or_smuggles_keys_is_refused() {
        let base = base_value("stoke-2017", &none).unwrap();
        let e = changes(
            "stoke-2017",
            &base,
            "x",
            "",
            &[
                ("hospital.beds".into(), "six hundred".into()),
                (
                    "hospital.escalation_open_at".into(),
                    "1\nname = \"other\"".into(),
                ),
                ("nowhere.key".into(), "1".into()),
            ],
        )
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].1.contains("whole number"), "{e:?}");
        assert!(e[1].1.contains("one value"), "{e:?}");
        assert!(e[2].1.contains("unknown key"), "{e:?}");
    }
}
