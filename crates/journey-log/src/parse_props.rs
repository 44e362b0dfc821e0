//! Property tests of the line parser: whatever a line holds, [`parse_line`] returns, never
//! panics, and every error names a field of the spec, a key of the line, or the line itself.

use crate::canonical::encode_value;
use crate::wire::{parse_line, FieldError};
use domain::OrgRegister;
use proptest::prelude::*;

/// Every field the spec defines.
const FIELDS: &[&str] = &crate::wire::KNOWN;

/// Valid lines of every shape (from the spec's example journey and more).
const VALID: &[&str] = &[
    r#"{"id":"e1","kind":"person_registered","at":"2016-01-01T00:00:00Z","person":"9990000018","birth_date":"1936-05-02","sex":"female","gp":"M83001","residence":"own_home"}"#,
    r#"{"id":"e2","kind":"ae_arrival","at":"2017-02-03T09:10:00Z","person":"999 000 0018","attendance":"a1","org":"RJE","source":"ambulance"}"#,
    r#"{"id":"e4","kind":"admission","at":"2017-02-03T14:40:00+01:00","person":"9990000018","spell":"s1","org":"RJE","method":"emergency","attendance":"a1","cause":"fall_injury"}"#,
    r#"{"id":"e6","kind":"delay_reason","at":"2017-02-08T11:00:00Z","person":"9990000018","spell":"s1","reason":"Di","x":{"b":[1,2.5e3,"\u00e9"],"a":null}}"#,
    r#"{"id":"e7","kind":"discharge","at":"2017-02-12T15:00:00Z","person":"9990000018","spell":"s1","destination":"usual_residence_with_support","pathway":1,"d2a":true}"#,
    r#"{"id":"e8","kind":"package_requested","at":"2017-02-12T15:00:00Z","person":"9990000018","package":"k1","service":"home_care","hours_per_week":10.5}"#,
    r#"{"id":"e9","kind":"review_due","at":"2017-02-12T15:00:00Z","person":"9990000018","review":"r1","due":"2017-05-12"}"#,
    r#"{"id":"u1","kind":"gp_visit","at":"2017-02-12T15:00:00.123456789Z","slot":"am","n":-0.0e-0}"#,
];

fn orgs() -> OrgRegister {
    crate::wire::test_orgs(&["RJE", "M83001", "CH1"])
}

/// Checks what `parse_line` says of `line`: it returns, and each error names a field of the
/// spec, a key of the line, or the line (no field), with a message.
fn check(line: &str, orgs: &OrgRegister) -> Result<(), TestCaseError> {
    if let Err(errors) = parse_line(line, orgs) {
        prop_assert!(!errors.is_empty());
        for FieldError { field, message } in &errors {
            prop_assert!(!message.is_empty(), "empty message for {line:?}");
            if let Some(f) = field {
                let a_key = serde_json::from_str::<
                    std::collections::HashMap<String, serde::de::IgnoredAny>,
                >(line)
                .is_ok_and(|m| m.contains_key(f));
                prop_assert!(
                    FIELDS.contains(&f.as_str()) || a_key,
                    "field {f:?} is neither of the spec nor of {line:?}"
                );
            }
        }
    }
    Ok(())
}

/// The text of a JSON value: plausible field values, odd numbers, nesting.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        prop::sample::select(vec![
            "death",
            "admission",
            "discharge",
            "delay_reason",
            "package_requested",
            "review_due",
            "gp_visit",
            "2017-02-03T14:40:00Z",
            "2017-02-03T14:40:00+01:00",
            "2017-13-40T99:00:00Z",
            "1936-05-02",
            "9990000018",
            "999 000 0018",
            "9434765918",
            "RJE",
            "XYZ",
            "E",
            "Di",
            "own_home",
            "nursing_home",
            "emergency",
            "female",
            "usual_residence",
            "home_care",
            "s1",
            "",
        ])
        .prop_map(|s| format!("{s:?}")),
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,40})?",
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        "\"(\\\\u[dD][89abAB][0-9a-f]{2}|\\\\u[0-9a-f]{4}|\\\\[nt\"\\\\/]|[a-z])*\"",
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-c]{1,2}", inner), 0..6).prop_map(|kv| {
                let members: Vec<String> =
                    kv.into_iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// An object of fields of the spec (and some others), possibly repeated, with any values.
fn object() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        4 => prop::sample::select(FIELDS.to_vec()).prop_map(str::to_string),
        1 => "[a-z_]{1,8}",
    ];
    prop::collection::vec((key, value()), 0..14).prop_map(|fields| {
        let members: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("{k:?}:{v}"))
            .collect();
        format!("{{{}}}", members.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_is_parsed_or_named(line in prop_oneof![
        any::<String>(),
        "[{}\\[\\]\":,0-9a-z .eE+\\-\\\\]{0,80}",
    ]) {
        check(&line, &orgs())?;
        let _ = encode_value(&line, &mut Vec::new());
    }

    #[test]
    fn any_object_of_known_fields_is_parsed_or_named(line in object()) {
        check(&line, &orgs())?;
    }

    #[test]
    fn truncated_and_flipped_valid_lines_are_parsed_or_named(
        i in 0..VALID.len(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let orgs = orgs();
        let valid = VALID[i];
        prop_assert!(parse_line(valid, &orgs).is_ok(), "{valid}");
        check(&valid[..cut.index(valid.len())], &orgs)?;
        let mut bytes = valid.as_bytes().to_vec();
        for (at, x) in flips {
            let at = at.index(bytes.len());
            bytes[at] ^= x;
        }
        let flipped = String::from_utf8_lossy(&bytes);
        check(&flipped, &orgs)?;
        if let Ok(p) = parse_line(&flipped, &orgs) {
            // What parses has a digest, and the same line the same one.
            prop_assert_eq!(p.content_digest(), parse_line(&flipped, &orgs).unwrap().content_digest());
        }
    }
}

/// The digests of [`VALID`], as the encoding of `crate::content` gives them: a change of the
/// parser or the encoder that changes any is caught here (stored digests must not change).
#[test]
fn the_digests_of_valid_lines_are_pinned() {
    let orgs = orgs();
    let got: Vec<String> = VALID
        .iter()
        .map(|l| {
            let p = parse_line(l, &orgs).unwrap();
            blake3::Hash::from(p.content_digest()).to_hex().to_string()
        })
        .collect();
    assert_eq!(got, PINNED);
}

const PINNED: [&str; 8] = [
    "29d4a6f75af73664bb54dcd4012de116748efba4dd7c70ebc9d3883fba8c1415",
    "8c886c3f0db504a77d438cce223b864f574ce5b865f28d93e5ba9711288784a3",
    "da83996173cce137ccd70218d3a32961f9af041e8c6c733fb14fc8d0fb87f5db",
    "7e82a33a40a36fd03d42d2eedf92765124009574704c915adabc29d62e4ef75c",
    "4a18e5c1a1f899a3aad91e16749f895082719c7fc275f3ea895dbcd9decba81a",
    "a2167a79cbc0408ae31d6442a97f64db824eaaefc6b061c6a6fee39b583bb6bb",
    "d5d7c4bb5251d600ec5b2bf0ff69395a0a2a389b82ccb38f8039554b91c31196",
    "75ab63e8e28252f418ed68332b9dc0a86e84d59ef4a1c223544d03bdd7b6475e",
];
