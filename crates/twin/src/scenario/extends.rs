//! Finding a scenario and the ones it `extends`, and merging them.
//!
//! `extends` names a built-in scenario, or a file by a path relative to the folder of the file
//! that says `extends` (not the current directory). A built-in may extend only built-ins. A
//! chain that comes back to a scenario already in it is an error that shows the circle.

use super::limits::MAX_EXTENDS;
use super::{ScenarioError, BUILT_IN};
use std::path::{Path, PathBuf};

/// One scenario of an `extends` chain.
#[derive(Debug, Clone)]
pub struct Link {
    /// How messages name it: `scenario NAME` or the file's path.
    pub origin: String,
    /// Its TOML as written.
    pub text: String,
    /// Its TOML, parsed.
    pub value: toml::Value,
    /// The file it was read from (none for a built-in).
    pub file: Option<PathBuf>,
}

/// Where a scenario comes from.
enum Source {
    BuiltIn(&'static str, &'static str),
    File(PathBuf),
}

/// Finds `name_or_file`: a built-in name, or a file (relative to `dir` when given).
fn locate(
    name_or_file: &str,
    dir: Option<&Path>,
    from_built_in: bool,
) -> Result<Source, ScenarioError> {
    if let Some((name, text)) = BUILT_IN.iter().find(|(n, _)| *n == name_or_file) {
        return Ok(Source::BuiltIn(name, text));
    }
    if from_built_in || name_or_file.is_empty() {
        return Err(ScenarioError::Unknown(name_or_file.to_string()));
    }
    let path = match dir {
        Some(d) => d.join(name_or_file),
        None => PathBuf::from(name_or_file),
    };
    if path.extension().is_some_and(|e| e == "toml") || path.exists() {
        return Ok(Source::File(path));
    }
    Err(ScenarioError::Unknown(path.display().to_string()))
}

/// What identifies a scenario in a chain: its built-in name, or the file's canonical path.
fn identity(source: &Source) -> String {
    match source {
        Source::BuiltIn(name, _) => format!("built-in {name}"),
        Source::File(path) => std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.clone())
            .display()
            .to_string(),
    }
}

/// Whether scenario `id` may come next in a chain that holds `links` (`seen`: their ids): not
/// one already in it (a circle, named from where it closes), and not one too many. It is then
/// seen.
fn check_next(links: &[Link], seen: &mut Vec<String>, id: String) -> Result<(), ScenarioError> {
    if let Some(at) = seen.iter().position(|s| *s == id) {
        let mut circle: Vec<&str> = links[at..].iter().map(|l| l.origin.as_str()).collect();
        circle.push(&links[at].origin);
        return Err(ScenarioError::Circular(
            circle.join(" -> "),
            links[0].origin.clone(),
        ));
    }
    if links.len() == MAX_EXTENDS {
        return Err(ScenarioError::Invalid {
            origin: links[0].origin.clone(),
            message: format!(
                "`extends` chains more than {MAX_EXTENDS} scenarios; join some of them"
            ),
        });
    }
    seen.push(id);
    Ok(())
}

/// The chain of scenarios from `name_or_file` to the one that extends nothing, top first.
pub fn chain(name_or_file: &str) -> Result<Vec<Link>, ScenarioError> {
    let mut links: Vec<Link> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut next = locate(name_or_file, None, false)?;
    loop {
        let id = identity(&next);
        check_next(&links, &mut seen, id)?;
        let (origin, text, file) = match next {
            Source::BuiltIn(name, text) => (format!("scenario {name}"), text.to_string(), None),
            Source::File(path) => {
                let text = std::fs::read_to_string(&path).map_err(|source| ScenarioError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                (path.display().to_string(), text, Some(path))
            }
        };
        let value: toml::Value = toml::from_str(&text).map_err(|e| ScenarioError::Invalid {
            origin: origin.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let parent = match value.get("extends") {
            None => None,
            Some(toml::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(other) => {
                return Err(ScenarioError::Invalid {
                    origin,
                    message: format!(
                        "`extends` must name a built-in scenario or a .toml file in quotes, got {other}"
                    ),
                })
            }
        };
        let dir = file
            .as_deref()
            .map(|f| f.parent().unwrap_or(Path::new("")).to_path_buf());
        let from_built_in = file.is_none();
        links.push(Link {
            origin,
            text,
            value,
            file,
        });
        let Some(parent) = parent else {
            return Ok(links);
        };
        next = locate(&parent, dir.as_deref(), from_built_in).map_err(|e| match e {
            ScenarioError::Unknown(what) => ScenarioError::Invalid {
                origin: links.last().expect("pushed").origin.clone(),
                message: format!(
                    "`extends`: no scenario {what:?}: give a built-in name (joinedup scenarios) \
                     or a .toml file relative to this file's folder"
                ),
            },
            e => e,
        })?;
    }
}

/// The chain from a scenario saved outside files (the service's plans): `text`, named `origin`,
/// whose `extends` names a built-in or another saved scenario, whose TOML `saved` gives.
pub fn chain_of_text(
    origin: &str,
    text: &str,
    saved: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Link>, ScenarioError> {
    let mut links: Vec<Link> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut next = (origin.to_string(), text.to_string(), false);
    loop {
        let (name, text, built_in) = next;
        let id = if built_in {
            format!("built-in {name}")
        } else {
            format!("saved {name}")
        };
        check_next(&links, &mut seen, id)?;
        let origin = format!("scenario {name}");
        let value: toml::Value = toml::from_str(&text).map_err(|e| ScenarioError::Invalid {
            origin: origin.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let parent = match value.get("extends") {
            None => None,
            Some(toml::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(other) => {
                return Err(ScenarioError::Invalid {
                    origin,
                    message: format!(
                        "`extends` must name a built-in or saved scenario in quotes, got {other}"
                    ),
                })
            }
        };
        links.push(Link {
            origin,
            text,
            value,
            file: None,
        });
        let Some(parent) = parent else {
            return Ok(links);
        };
        next = if let Some((n, t)) = BUILT_IN.iter().find(|(n, _)| *n == parent) {
            (n.to_string(), t.to_string(), true)
        } else if let Some(t) = saved(&parent).filter(|_| !built_in) {
            (parent, t, false)
        } else {
            return Err(ScenarioError::Invalid {
                origin: links.last().expect("pushed").origin.clone(),
                message: format!(
                    "`extends`: no scenario {parent:?}: give a built-in or a saved scenario's name"
                ),
            });
        };
    }
}

/// Merges `over` into `base`: tables key by key, anything else replaced.
fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                // A distribution is one value: it is replaced whole, never merged.
                let is_dist = v.get("dist").is_some();
                match b.get_mut(&k) {
                    Some(slot) if slot.is_table() && v.is_table() && !is_dist => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// The chain's values merged: each scenario over the one it extends.
pub fn merged(links: &[Link]) -> toml::Value {
    let mut iter = links.iter().rev();
    let mut value = iter
        .next()
        .map(|l| l.value.clone())
        .unwrap_or_else(|| toml::Value::Table(Default::default()));
    for link in iter {
        merge(&mut value, link.value.clone());
    }
    value
}
