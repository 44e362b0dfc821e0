//! A scanner for the plain lines that make up nearly every log: one flat JSON object of the
//! spec's fields, whose strings hold no escapes and whose values are strings, numbers, `true`,
//! `false` or `null`.
//!
//! [`scan`] splits such a line into its fields (each value as its JSON text) in one pass over
//! its bytes, with nothing copied; for anything else (an escape, nesting, a field the spec does
//! not define, a number or whitespace it is unsure of, a line that is not JSON) it gives
//! `None`, and the line is read by serde_json as before, so its errors and their messages are
//! those serde_json gives. Where it gives fields, they are exactly those serde_json would:
//! the property tests below hold it to that on generated valid and near-valid lines.

use crate::wire::{known_id, FieldList, Slots, ABSENT};
use std::borrow::Cow;

/// Splits a plain line into `fields` (empty before), noting where each is in `slots` (all
/// [`ABSENT`] before): `false`, with both as they were, when the line is anything else (a
/// field given twice included: serde_json's path says so).
pub(crate) fn scan<'a>(line: &'a str, fields: &mut FieldList<'a>, slots: &mut Slots) -> bool {
    let plain = scan_fields(line, fields, slots).is_some();
    if !plain {
        fields.clear();
        *slots = [ABSENT; crate::wire::KNOWN.len()];
    }
    plain
}

fn scan_fields<'a>(line: &'a str, fields: &mut FieldList<'a>, slots: &mut Slots) -> Option<()> {
    let b = line.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(());
    }
    loop {
        // A key: a plain string naming a field of the spec.
        let (key, after) = string(b, i)?;
        let key = &line[key.0..key.1];
        let slot = &mut slots[known_id(key)?];
        if *slot != ABSENT {
            return None;
        }
        // At most one field of each of the 30 names: the index fits.
        *slot = fields.len() as u8;
        i = skip_ws(b, after);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let start = i;
        i = match *b.get(i)? {
            b'"' => string(b, i)?.1,
            b't' => literal(b, i, b"true")?,
            b'f' => literal(b, i, b"false")?,
            b'n' => literal(b, i, b"null")?,
            b'-' | b'0'..=b'9' => number(b, i)?,
            _ => return None,
        };
        fields.push((Cow::Borrowed(key), &line[start..i]));
        i = skip_ws(b, i);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return (skip_ws(b, i + 1) == b.len()).then_some(()),
            _ => return None,
        }
    }
}

/// The first byte at or after `i` that is not JSON whitespace.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// A string at `i` with no escape and no control character: the span of its content and the
/// index after its closing quote.
fn string(b: &[u8], i: usize) -> Option<((usize, usize), usize)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let mut j = start;
    // Eight bytes at a time while they hold no stop (as serde_json does), then byte by byte.
    while let Some(word) = b.get(j..j + 8) {
        let x = u64::from_le_bytes(word.try_into().ok()?);
        let stops = zero_bytes(x ^ (ONES * u64::from(b'"')))
            | zero_bytes(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if stops != 0 {
            // The lowest flagged byte is the first stop (a flag can be false only above a true one).
            j += (stops.trailing_zeros() / 8) as usize;
            return (b[j] == b'"').then_some(((start, j), j + 1));
        }
        j += 8;
    }
    while !STOPS[usize::from(*b.get(j)?)] {
        j += 1;
    }
    (b[j] == b'"').then_some(((start, j), j + 1))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is zero (exact for the lowest).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The bytes that end a plain string: its quote, or what it must not hold (an escape, a control
/// character).
const STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// `word` at `i`: the index after it.
fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    b.get(i..i + word.len())
        .filter(|w| *w == word)
        .map(|_| i + word.len())
}

/// A number of JSON's grammar at `i` (`-`? (`0` | `[1-9][0-9]*`) (`.` digits)? (`e` sign?
/// digits)?): the index after it.
fn number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match *b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(b, i)?,
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    // What follows must end the value: a leading zero followed by a digit is not JSON.
    match b.get(i) {
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}') => Some(i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{json_fields, parse_fields, parse_line};
    use proptest::prelude::*;

    fn orgs() -> domain::OrgRegister {
        crate::wire::test_orgs(&["RJE", "M83001", "CH1"])
    }

    /// What serde_json makes of `line`, and the parse through it alone.
    fn by_serde(line: &str) -> (Option<Vec<(String, String)>>, String) {
        let fields = json_fields(line).ok().map(|f| {
            f.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        });
        let parsed = match json_fields(line) {
            Ok(f) => format!("{:?}", parse_fields(&f, None, &orgs())),
            Err(e) => format!("{:?}", Err::<(), _>(e)),
        };
        (fields, parsed)
    }

    /// The scanner takes `line` only as serde_json reads it, and `parse_line` says of it what
    /// the serde_json path says.
    fn check(line: &str) -> Result<bool, TestCaseError> {
        let mut fields = FieldList::new();
        let mut slots = [ABSENT; crate::wire::KNOWN.len()];
        let plain = scan(line, &mut fields, &mut slots);
        prop_assert!(plain || fields.is_empty());
        let scanned = plain.then(|| {
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        });
        let (serde, parsed) = by_serde(line);
        if let Some(s) = &scanned {
            prop_assert_eq!(Some(s), serde.as_ref(), "{:?}", line);
        }
        prop_assert_eq!(
            format!("{:?}", parse_line(line, &orgs())),
            parsed,
            "{:?}",
            line
        );
        Ok(scanned.is_some())
    }

    #[test]
    fn strings_end_at_their_quote_and_not_at_an_escape_or_control_anywhere() {
        for len in 0..20 {
            for at in 0..=len {
                let body: String = (0..len)
                    .map(|k| if k % 3 == 0 { 'é' } else { 'a' })
                    .collect();
                let quoted = format!("\"{body}\"x");
                let b = quoted.as_bytes();
                let end = b.len() - 2;
                assert_eq!(string(b, 0), Some(((1, end), end + 1)), "{quoted}");
                // A stop put at any byte of the content (a whole char replaced).
                let mut chars: Vec<char> = body.chars().collect();
                if at < chars.len() {
                    for stop in ['\\', '\u{1}', '\u{1f}'] {
                        chars[at] = stop;
                        let s: String = chars.iter().collect();
                        assert_eq!(string(format!("\"{s}\"").as_bytes(), 0), None, "{s:?}");
                    }
                    chars[at] = '"';
                    let s: String = chars.iter().collect();
                    let cut = s.find('"').unwrap() + 1;
                    assert_eq!(
                        string(format!("\"{s}\"").as_bytes(), 0),
                        Some(((1, cut), cut + 1))
                    );
                }
            }
        }
        // DEL and bytes above 0x7f are content.
        assert_eq!(
            string(b"\"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\"", 0),
            Some(((1, 10), 11))
        );
        assert_eq!(string(b"\"abc", 0), None);
    }

    #[test]
    fn plain_lines_are_scanned_and_others_left_to_serde() {
        let plain = [
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919"}"#,
            r#" { "id" : "e1" , "kind":"discharge","at":"2017-02-12T15:00:00Z","person":"9434765919","spell":"s1","destination":"usual_residence","pathway":1,"d2a":true } "#,
            r#"{"id":"e8","kind":"package_requested","at":"2017-02-12T15:00:00Z","person":"9434765919","package":"k1","service":"home_care","hours_per_week":-1.5e+3}"#,
            r#"{"id":"é","kind":"death","at":"2017-02-03T09:10:00Z","person":null}"#,
            r#"{}"#,
        ];
        for line in plain {
            assert!(check(line).unwrap(), "{line}");
        }
        let other = [
            r#"{"id":"e\u0031","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919"}"#,
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":"9434765919","x":1}"#,
            r#"{"id":"e1","kind":"death","at":"2017-02-03T09:10:00Z","person":["9434765919"]}"#,
            r#"{"id":"e1","pathway":01}"#,
            r#"{"id":"e1","pathway":1.}"#,
            r#"{"id":"e1","pathway":-}"#,
            r#"{"id":"e1","d2a":tru}"#,
            r#"{"id":"e1","d2a":truex}"#,
            r#"{"id":"e1",}"#,
            r#"{"id":"e1","id":"e2"}"#,
            r#"{"id":"e1"} x"#,
            r#"{"id":"e1""#,
            "{\"id\":\"e\u{1}\"}",
            "\u{feff}{}",
            r#"["id"]"#,
            "",
        ];
        for line in other {
            assert!(!check(line).unwrap(), "{line}");
        }
    }

    /// A value's text: mostly plausible, some near-valid.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(vec![
                "\"e1\"", "\"death\"", "\"admission\"", "\"discharge\"", "\"ae_arrival\"",
                "\"2017-02-03T09:10:00Z\"", "\"2017-02-03T09:10:00+01:00\"", "\"9434765919\"",
                "\"943 476 5919\"", "\"1936-05-02\"", "\"female\"", "\"own_home\"", "\"RJE\"",
                "\"M83001\"", "\"s1\"", "\"emergency\"", "\"usual_residence\"", "\"E\"",
                "\"home_care\"", "\"k1\"", "\"\"", "\"é\"", "1", "0", "3", "10.5", "-0.0e-0",
                "true", "false", "null",
            ]).prop_map(str::to_string),
            1 => prop::sample::select(vec![
                "\"a\\\"b\"", "\"\\u00e9\"", "01", "1.", "-", "+1", "1e", ".5", "tru", "nul",
                "{}", "[1]", "{\"a\":1}", "\"\u{1}\"", "1x", "\"open", "NaN", "1e999",
                "123456789012345678901234567890",
            ]).prop_map(str::to_string),
            1 => "[ -~]{0,6}".prop_map(|s| format!("\"{s}\"")),
            1 => "-?[0-9]{1,3}(\\.[0-9]{1,2})?([eE][+-]?[0-9]{1,2})?",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => prop::sample::select(crate::wire::KNOWN.to_vec()).prop_map(str::to_string),
            1 => prop::sample::select(vec!["x", "Id", "i\\u0064", "", "kind "]).prop_map(str::to_string),
        ]
    }

    fn ws() -> impl Strategy<Value = &'static str> {
        prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\t"), 1 => Just("\r")]
    }

    fn line() -> impl Strategy<Value = String> {
        let member = (key(), value(), ws(), ws())
            .prop_map(|(k, v, a, b)| format!("{a}\"{k}\"{b}:{a}{v}{b}"));
        (
            prop::collection::vec(member, 0..12),
            ws(),
            prop::sample::select(vec!["", "", "", "", "x", ",", "}"]),
            prop::sample::select(vec!["", "", "", "", ",", "{"]),
        )
            .prop_map(|(members, w, tail, lead)| {
                format!("{w}{{{lead}{}}}{w}{tail}", members.join(","))
            })
    }

    /// A valid line of some kind, with fields in any order.
    fn valid_line() -> impl Strategy<Value = String> {
        let kinds: Vec<Vec<(&str, &str)>> = vec![
            vec![("kind", "\"death\"")],
            vec![
                ("kind", "\"admission\""),
                ("spell", "\"s1\""),
                ("org", "\"RJE\""),
                ("method", "\"emergency\""),
                ("cause", "\"fall_injury\""),
            ],
            vec![
                ("kind", "\"discharge\""),
                ("spell", "\"s1\""),
                ("destination", "\"usual_residence\""),
                ("pathway", "1"),
                ("d2a", "false"),
            ],
            vec![
                ("kind", "\"package_requested\""),
                ("package", "\"k1\""),
                ("service", "\"home_care\""),
                ("hours_per_week", "10.5"),
            ],
            vec![
                ("kind", "\"person_registered\""),
                ("birth_date", "\"1936-05-02\""),
                ("sex", "\"female\""),
                ("gp", "\"M83001\""),
                ("residence", "\"nursing_home\""),
                ("care_home", "\"CH1\""),
            ],
        ];
        (prop::sample::select(kinds), any::<u64>(), "[a-z0-9-]{1,8}").prop_map(
            |(body, seed, id)| {
                let id = format!("\"{id}\"");
                let mut fields: Vec<(&str, &str)> = vec![
                    ("id", &id),
                    ("at", "\"2017-02-03T09:10:00Z\""),
                    ("person", "\"9434765919\""),
                ];
                fields.extend(body);
                // A fixed shuffle from the seed.
                let mut x = seed | 1;
                for i in (1..fields.len()).rev() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    fields.swap(i, (x % (i as u64 + 1)) as usize);
                }
                let members: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", members.join(","))
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn the_scanner_agrees_with_serde_json_on_near_valid_lines(line in line()) {
            check(&line)?;
        }

        #[test]
        fn valid_lines_are_scanned_and_parse_as_through_serde_json(line in valid_line()) {
            prop_assert!(check(&line)?, "{}", line);
            prop_assert!(parse_line(&line, &orgs()).is_ok(), "{}", line);
        }
    }
}
