//! Hostile scenarios: a random numeric key of a small baseline set to a random or hostile
//! value. Loading either succeeds or fails with an error naming the key, never a panic; what
//! loads also validates, and a few days of it run without a panic.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use toml::Value;
use twin::scenario::params::{Kind, PARAMS};
use twin::Scenario;

/// Keys whose values are numbers (or lists or distributions of them).
fn numeric_keys() -> Vec<(&'static str, Kind)> {
    PARAMS
        .iter()
        .filter(|p| !matches!(p.kind, Kind::Bool | Kind::Date | Kind::Name | Kind::Text))
        .map(|p| (p.key, p.kind))
        .collect()
}

fn hostile_number() -> BoxedStrategy<Value> {
    prop_oneof![
        prop::sample::select(vec![
            0i64,
            -1,
            1,
            2,
            24,
            365,
            3650,
            3651,
            100_000,
            9_500_000,
            i64::from(u32::MAX),
            i64::from(u32::MAX) + 1,
            i64::MAX,
            i64::MIN,
        ])
        .prop_map(Value::Integer),
        prop::sample::select(vec![
            0.0,
            -0.0,
            0.5,
            1.0,
            1.0 + 1e-9,
            -1e-9,
            1e-300,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ])
        .prop_map(Value::Float),
        any::<i64>().prop_map(Value::Integer),
        (-10.0f64..10.0).prop_map(Value::Float),
        (0.0f64..1e7).prop_map(Value::Float),
        Just(Value::String("many".into())),
        Just(Value::Boolean(true)),
    ]
    .boxed()
}

/// Numbers a key of `kind` might plausibly hold (so that many cases load and run).
fn plausible(kind: Kind) -> BoxedStrategy<Value> {
    let list = |n: usize, lo: f64, hi: f64| {
        prop::collection::vec(lo..hi, n)
            .prop_map(|v| Value::Array(v.into_iter().map(Value::Float).collect()))
            .boxed()
    };
    match kind {
        Kind::Count { min, max } => (min..=max.min(1000))
            .prop_map(|i| Value::Integer(i as i64))
            .boxed(),
        Kind::Number { min, max } => (min..=max).prop_map(Value::Float).boxed(),
        Kind::Probability => (0.0f64..=1.0).prop_map(Value::Float).boxed(),
        Kind::Numbers { n, min, max } => list(n, min, max),
        Kind::Probabilities(n) => list(n, 0.0, 0.3),
        Kind::Shares(n) => prop::collection::vec(0.01f64..1.0, n)
            .prop_map(|v| {
                let total: f64 = v.iter().sum();
                Value::Array(v.into_iter().map(|x| Value::Float(x / total)).collect())
            })
            .boxed(),
        Kind::Profile(n) => list(n, 0.0, 5.0),
        Kind::Dist { .. } => dist(),
        _ => hostile_number(),
    }
}

fn dist() -> BoxedStrategy<Value> {
    let kinds = prop::sample::select(vec![
        "fixed",
        "exponential",
        "lognormal",
        "gamma",
        "empirical",
        "weibull",
    ]);
    let params = prop::sample::select(vec![
        "value", "mean", "median", "sigma", "shape", "values", "weights",
    ]);
    let param_value = prop_oneof![
        3 => hostile_number(),
        3 => (0.01f64..5.0).prop_map(Value::Float),
        1 => prop::collection::vec(hostile_number(), 0..4).prop_map(Value::Array),
        1 => prop::collection::vec((0.0f64..10.0).prop_map(Value::Float), 0..4)
            .prop_map(Value::Array),
    ];
    (kinds, prop::collection::vec((params, param_value), 0..4))
        .prop_map(|(kind, ps)| {
            let mut t = toml::map::Map::new();
            t.insert("dist".into(), Value::String(kind.into()));
            for (k, v) in ps {
                t.insert(k.into(), v);
            }
            Value::Table(t)
        })
        .boxed()
}

fn value_for(kind: Kind) -> BoxedStrategy<Value> {
    prop_oneof![
        3 => hostile_number(),
        1 => prop::collection::vec(hostile_number(), 0..30).prop_map(Value::Array),
        1 => dist(),
        4 => plausible(kind),
    ]
    .boxed()
}

/// A small, short baseline with `key` set to `value`.
fn scenario_text(key: &str, value: Value) -> String {
    let mut top: Value = toml::from_str(
        "extends = \"stoke-2017\"\nname = \"hostile\"\ndescription = \"hostile values\"\n\
         [run]\nwarmup_days = 0\ndays = 3\ncooldown_days = 1\n\
         [population]\naged_65_74 = 300\naged_75_84 = 200\naged_85_plus = 100\n\
         [discharge]\nexisting_home_care_packages = 40\n",
    )
    .expect("the small baseline parses");
    let (table, k) = key.split_once('.').expect("numeric keys are in tables");
    let t = top
        .as_table_mut()
        .expect("a table")
        .entry(table)
        .or_insert_with(|| Value::Table(Default::default()));
    t.as_table_mut()
        .expect("a table")
        .insert(k.to_string(), value);
    toml::to_string(&top).expect("any value serialises")
}

#[test]
fn hostile_values_load_or_are_named_and_never_panic() {
    let keys = numeric_keys();
    assert!(keys.len() > 60, "{} numeric keys", keys.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.toml");
    let strategy = (0..keys.len()).prop_flat_map(move |i| {
        let (key, kind) = keys[i];
        (Just(key), value_for(kind))
    });
    let mut runner = TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    });
    let (loaded, ran) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(&strategy, |(key, value)| {
            let text = scenario_text(key, value);
            std::fs::write(&path, &text).unwrap();
            match Scenario::load(path.to_str().unwrap()) {
                Err(e) => {
                    let e = e.to_string();
                    prop_assert!(e.contains(key), "{key}: {e}\n{text}");
                }
                Ok(s) => {
                    loaded.set(loaded.get() + 1);
                    prop_assert!(s.validate().is_ok(), "{key}: {:?}", s.validate());
                    let p = &s.population;
                    let people = p.aged_65_74 + p.aged_75_84 + p.aged_85_plus;
                    let days = s.run.warmup_days + s.run.days + s.run.cooldown_days;
                    if people <= 20_000 && days <= 30 {
                        let run = twin::replicate(&s, 7, 0, None);
                        prop_assert!(run.days.len() == s.run.days as usize);
                        ran.set(ran.get() + 1);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    // The test means something only if both sides are exercised.
    let (loaded, ran) = (loaded.get(), ran.get());
    eprintln!("{loaded} loaded, {ran} ran");
    assert!(loaded > 20 && ran > 10, "{loaded} loaded, {ran} ran");
}
