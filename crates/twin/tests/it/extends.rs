//! `extends` and names: a file extends a built-in or a file relative to its own folder; circles
//! are shown; names are names, and not a built-in's.

use std::path::Path;
use twin::{Scenario, ScenarioError};

fn write(path: &Path, text: &str) -> String {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn with_beds(name: &str, extends: &str, beds: u32) -> String {
    format!(
        "extends = {extends:?}\nname = {name:?}\ndescription = \"{name}\"\n[hospital]\nbeds = {beds}\n"
    )
}

#[test]
fn extends_is_relative_to_the_file_that_says_it() {
    let dir = tempfile::tempdir().unwrap();
    // A `chain.toml` beside the top folder, and the intended one beside the scenario.
    write(
        &dir.path().join("chain.toml"),
        &with_beds("wrong", "stoke-2017", 111),
    );
    write(
        &dir.path().join("plans/chain.toml"),
        &with_beds("intended", "stoke-2017", 222),
    );
    write(
        &dir.path().join("common/base.toml"),
        &with_beds("base", "stoke-2017", 333),
    );
    let top = write(
        &dir.path().join("plans/top.toml"),
        "extends = \"chain.toml\"\nname = \"top\"\n",
    );
    let s = Scenario::load(&top).unwrap();
    assert_eq!((s.name.as_str(), s.hospital.beds), ("top", 222));
    let up = write(
        &dir.path().join("plans/up.toml"),
        "extends = \"../common/base.toml\"\nname = \"up\"\n",
    );
    assert_eq!(Scenario::load(&up).unwrap().hospital.beds, 333);
    // The chain as `scenarios show` prints it.
    let sources = Scenario::sources(&top).unwrap();
    let origins: Vec<&str> = sources.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(origins.len(), 3);
    assert!(origins[1].ends_with("chain.toml") && origins[1].contains("plans"));
    assert_eq!(origins[2], "scenario stoke-2017");
    let missing = write(
        &dir.path().join("plans/missing.toml"),
        "extends = \"nowhere.toml\"\nname = \"m\"\n",
    );
    let e = Scenario::load(&missing).unwrap_err().to_string();
    assert!(e.contains("nowhere.toml"), "{e}");
}

#[test]
fn circles_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(&dir.path().join("a.toml"), "extends = \"b.toml\"\n");
    write(&dir.path().join("b.toml"), "extends = \"a.toml\"\n");
    let e = Scenario::load(&a).unwrap_err();
    assert!(matches!(e, ScenarioError::Circular(..)), "{e}");
    let e = e.to_string();
    assert!(
        e.contains("goes round in a circle") && e.contains("a.toml -> ") && e.contains("b.toml"),
        "{e}"
    );
    let me = write(&dir.path().join("me.toml"), "extends = \"./me.toml\"\n");
    let e = Scenario::load(&me).unwrap_err();
    assert!(matches!(e, ScenarioError::Circular(..)), "{e}");
}

#[test]
fn names_are_names_and_not_a_built_ins() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["/tmp/x", "../../x", "", ".hidden", "a/b", "tab\there"] {
        let f = write(
            &dir.path().join("bad.toml"),
            &format!("extends = \"stoke-2017\"\nname = {bad:?}\n"),
        );
        let e = Scenario::load(&f).unwrap_err().to_string();
        assert!(e.contains("`name` must be 1 to 64 letters"), "{bad:?}: {e}");
    }
    let f = write(
        &dir.path().join("same.toml"),
        "extends = \"stoke-2017\"\n[hospital]\nbeds = 600\n",
    );
    let e = Scenario::load(&f).unwrap_err().to_string();
    assert!(
        e.contains("`name` \"stoke-2017\" is a built-in scenario's name"),
        "{e}"
    );
}
