//! `joinedup scenarios`: the digital twin's built-in scenarios.

use super::InvalidInput;
use crate::cli::{ScenariosArgs, ScenariosCommand};
use twin::{Scenario, BUILT_IN};

pub fn run(a: ScenariosArgs) -> anyhow::Result<()> {
    match a.show {
        None => {
            let width = BUILT_IN.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for (name, _) in BUILT_IN {
                let s = Scenario::load(name)?;
                outln!("{name:<width$}  {}", s.description)?;
            }
        }
        Some(ScenariosCommand::Show { name }) => match Scenario::text(&name) {
            Some(text) if !text.contains("\nextends") && !text.starts_with("extends") => {
                out!("{text}")?
            }
            _ => {
                // A scenario that extends another: check it loads, then print its own file and
                // the one it extends, so every value in force is shown.
                Scenario::load(&name).map_err(|e| InvalidInput(format!("error: {e}")))?;
                let mut chain = vec![name.clone()];
                while let Some(parent) = chain.last().and_then(|n| scenario_text(n)).and_then(|t| {
                    t.lines().find_map(|l| {
                        l.strip_prefix("extends = ")
                            .map(|v| v.trim().trim_matches('"').to_string())
                    })
                }) {
                    chain.push(parent);
                }
                for (i, n) in chain.iter().enumerate() {
                    if i > 0 {
                        outln!("\n# ---- extends {n}: ----\n")?;
                    }
                    out!("{}", scenario_text(n).unwrap_or_default())?;
                }
            }
        },
    }
    Ok(())
}

fn scenario_text(name: &str) -> Option<String> {
    Scenario::text(name)
        .map(str::to_string)
        .or_else(|| std::fs::read_to_string(name).ok())
}
