//! `joinedup scenarios`: the digital twin's built-in scenarios.

use super::InvalidInput;
use crate::cli::{ScenariosArgs, ScenariosCommand};
use twin::{Scenario, ScenarioError, BUILT_IN};

fn invalid(e: ScenarioError) -> InvalidInput {
    InvalidInput(format!("error: {e}"))
}

pub fn run(a: ScenariosArgs) -> anyhow::Result<()> {
    match a.show {
        None => {
            let width = BUILT_IN.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for (name, _) in BUILT_IN {
                let s = Scenario::load(name)?;
                outln!("{name:<width$}  {}", s.description)?;
            }
        }
        Some(ScenariosCommand::Show { name }) => {
            // The scenario's own TOML, then each it extends (found as `load` finds them:
            // relative to the file that says `extends`), so every value in force is shown.
            let sources = Scenario::sources(&name).map_err(invalid)?;
            if sources.len() > 1 || Scenario::text(&name).is_none() {
                Scenario::load(&name).map_err(invalid)?;
            }
            for (i, (origin, text)) in sources.iter().enumerate() {
                if i > 0 {
                    outln!("\n# ---- extends {origin}: ----\n")?;
                }
                out!("{text}")?;
            }
        }
    }
    Ok(())
}
