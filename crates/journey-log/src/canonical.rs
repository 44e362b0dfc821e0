//! The canonical byte encoding of a JSON value, for deciding whether two unknown fields hold the
//! same content.
//!
//! Two texts get the same encoding exactly when they are the same JSON value: object keys in any
//! order (sorted here), strings compared after unescaping, numbers compared exactly as decimals
//! (`1`, `1.0`, `10e-1` and `1E0` are one number, `-0` is `0`, but `9007199254740993` is not
//! `9007199254740992` and `0.1` is not `0.10000000000000001`). Every item of the encoding says
//! where it ends (a tag, then lengths before bytes), so the encoding is injective and a sequence
//! of encodings can be hashed as one.
//!
//! The walker reads the raw text once and builds no tree of values: its memory is a small
//! multiple of the text's size whatever the text holds. It is written by hand because
//! serde_json's `arbitrary_precision` feature, the other way to keep numbers exact, would change
//! how every crate of the workspace reads numbers.

/// The deepest nesting of arrays and objects accepted (serde_json's own limit for values).
pub const MAX_DEPTH: usize = 128;

/// Why a value could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanonError {
    TooDeep,
    ExponentTooLarge,
    /// Not JSON (the reader's JSON parser has already accepted the text, so only on misuse).
    Malformed,
}

impl std::fmt::Display for CanonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CanonError::TooDeep => "arrays and objects nested more than 128 deep",
            CanonError::ExponentTooLarge => "a number whose exponent has more than 30 digits",
            CanonError::Malformed => "not a JSON value",
        })
    }
}

// Tags of the encoding. `END` closes an array or an object.
const NULL: u8 = b'n';
const TRUE: u8 = b't';
const FALSE: u8 = b'f';
const STRING: u8 = b's';
const NUMBER: u8 = b'd';
const ARRAY: u8 = b'[';
const OBJECT: u8 = b'{';
const END: u8 = b']';

/// Appends `n` as a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut n: u128) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends `s` with its length first.
pub fn put_bytes(out: &mut Vec<u8>, s: &[u8]) {
    put_varint(out, s.len() as u128);
    out.extend_from_slice(s);
}

/// Appends the canonical encoding of the JSON value `raw` to `out`.
pub fn encode_value(raw: &str, out: &mut Vec<u8>) -> Result<(), CanonError> {
    let mut w = Walker {
        s: raw.as_bytes(),
        pos: 0,
        scratch: Vec::new(),
    };
    w.value(out, 0)?;
    w.ws();
    if w.pos != w.s.len() {
        return Err(CanonError::Malformed);
    }
    Ok(())
}

/// Appends the encoding of one object member: the key (already unescaped) and its value.
pub fn encode_member(key: &str, raw: &str, out: &mut Vec<u8>) -> Result<(), CanonError> {
    put_bytes(out, key.as_bytes());
    encode_value(raw, out)
}

struct Walker<'a> {
    s: &'a [u8],
    pos: usize,
    /// Unescaped text of the string being read, when it holds escapes.
    scratch: Vec<u8>,
}

impl<'a> Walker<'a> {
    fn peek(&self) -> Result<u8, CanonError> {
        self.s.get(self.pos).copied().ok_or(CanonError::Malformed)
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), CanonError> {
        self.ws();
        if self.peek()? != b {
            return Err(CanonError::Malformed);
        }
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), CanonError> {
        if !self.s[self.pos..].starts_with(word) {
            return Err(CanonError::Malformed);
        }
        self.pos += word.len();
        Ok(())
    }

    fn value(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<(), CanonError> {
        self.ws();
        match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                out.push(NULL);
            }
            b't' => {
                self.literal(b"true")?;
                out.push(TRUE);
            }
            b'f' => {
                self.literal(b"false")?;
                out.push(FALSE);
            }
            b'"' => {
                self.pos += 1;
                out.push(STRING);
                self.string(out)?;
            }
            b'-' | b'0'..=b'9' => self.number(out)?,
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(CanonError::TooDeep);
                }
                self.pos += 1;
                out.push(ARRAY);
                self.ws();
                if self.peek()? == b']' {
                    self.pos += 1;
                } else {
                    loop {
                        self.value(out, depth + 1)?;
                        self.ws();
                        match self.peek()? {
                            b',' => self.pos += 1,
                            b']' => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(CanonError::Malformed),
                        }
                    }
                }
                out.push(END);
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(CanonError::TooDeep);
                }
                self.pos += 1;
                self.object(out, depth)?;
            }
            _ => return Err(CanonError::Malformed),
        }
        Ok(())
    }

    /// An object after its `{`: members encoded apart, then written in sorted order (a key
    /// given twice keeps both members, so the object is compared as the multiset it is).
    fn object(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<(), CanonError> {
        let mut members = Vec::new();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        self.ws();
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                let start = members.len();
                self.eat(b'"')?;
                self.string(&mut members)?;
                self.eat(b':')?;
                self.value(&mut members, depth + 1)?;
                spans.push((start, members.len()));
                self.ws();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(CanonError::Malformed),
                }
                self.ws();
            }
        }
        spans.sort_unstable_by(|a, b| members[a.0..a.1].cmp(&members[b.0..b.1]));
        out.push(OBJECT);
        for (a, b) in spans {
            out.extend_from_slice(&members[a..b]);
        }
        out.push(END);
        Ok(())
    }

    /// A string after its opening quote: its unescaped bytes, length first. A `\u` escape of a
    /// lone surrogate is kept as its WTF-8 bytes, so distinct strings stay distinct.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), CanonError> {
        let start = self.pos;
        let plain = self.s[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .ok_or(CanonError::Malformed)?;
        self.pos += plain;
        if self.s[self.pos] == b'"' {
            put_bytes(out, &self.s[start..self.pos]);
            self.pos += 1;
            return Ok(());
        }
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        text.extend_from_slice(&self.s[start..self.pos]);
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => text.push(e),
                        b'b' => text.push(0x08),
                        b'f' => text.push(0x0c),
                        b'n' => text.push(b'\n'),
                        b'r' => text.push(b'\r'),
                        b't' => text.push(b'\t'),
                        b'u' => {
                            let mut cp = u32::from(self.hex4()?);
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let low = u32::from(self.hex4()?);
                                if (0xDC00..0xE000).contains(&low) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                                } else {
                                    self.pos = save;
                                }
                            }
                            push_wtf8(&mut text, cp);
                        }
                        _ => return Err(CanonError::Malformed),
                    }
                }
                other => text.push(other),
            }
        }
        put_bytes(out, &text);
        self.scratch = text;
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, CanonError> {
        let digits = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or(CanonError::Malformed)?;
        let mut v = 0u16;
        for &d in digits {
            let x = (d as char).to_digit(16).ok_or(CanonError::Malformed)?;
            v = (v << 4) | x as u16;
        }
        self.pos += 4;
        Ok(v)
    }

    fn digits(&mut self) -> &'a [u8] {
        let s: &'a [u8] = self.s;
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        &s[start..self.pos]
    }

    /// A number as sign, significant digits (no leading or trailing zeros) and the power of ten
    /// of the last digit: the value is `±digits × 10^exponent`; zero has no digits and no sign.
    fn number(&mut self, out: &mut Vec<u8>) -> Result<(), CanonError> {
        let negative = self.s[self.pos] == b'-';
        if negative {
            self.pos += 1;
        }
        let int = self.digits();
        if int.is_empty() {
            return Err(CanonError::Malformed);
        }
        let frac = if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            let f = self.digits();
            if f.is_empty() {
                return Err(CanonError::Malformed);
            }
            f
        } else {
            &[]
        };
        let mut exponent: i128 = 0;
        let mut exponent_too_large = false;
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            let minus = match self.s.get(self.pos) {
                Some(b'-') => {
                    self.pos += 1;
                    true
                }
                Some(b'+') => {
                    self.pos += 1;
                    false
                }
                _ => false,
            };
            let e = self.digits();
            if e.is_empty() {
                return Err(CanonError::Malformed);
            }
            let first = e.iter().position(|&d| d != b'0').unwrap_or(e.len());
            let e = &e[first..];
            if e.len() > 30 {
                exponent_too_large = true;
            } else {
                for &d in e {
                    exponent = exponent * 10 + i128::from(d - b'0');
                }
                if minus {
                    exponent = -exponent;
                }
            }
        }
        // The digits of int and frac as one sequence, without leading and trailing zeros.
        let all = |i: usize| {
            if i < int.len() {
                int[i]
            } else {
                frac[i - int.len()]
            }
        };
        let n = int.len() + frac.len();
        let Some(first) = (0..n).find(|&i| all(i) != b'0') else {
            out.extend_from_slice(&[NUMBER, 0, 0, 0]);
            return Ok(());
        };
        if exponent_too_large {
            return Err(CanonError::ExponentTooLarge);
        }
        let last = (0..n).rev().find(|&i| all(i) != b'0').unwrap_or(first);
        let exponent = exponent - frac.len() as i128 + (n - 1 - last) as i128;
        out.push(NUMBER);
        out.push(if negative { 2 } else { 1 });
        put_varint(out, (last + 1 - first) as u128);
        if first < int.len() {
            out.extend_from_slice(&int[first..int.len().min(last + 1)]);
        }
        if last >= int.len() {
            out.extend_from_slice(&frac[first.saturating_sub(int.len())..last + 1 - int.len()]);
        }
        // Zigzag, so small exponents of either sign stay short.
        put_varint(out, ((exponent << 1) ^ (exponent >> 127)) as u128);
        Ok(())
    }
}

/// Appends a code point as (generalised) UTF-8: WTF-8 for a lone surrogate.
fn push_wtf8(out: &mut Vec<u8>, cp: u32) {
    match cp {
        0..=0x7f => out.push(cp as u8),
        0x80..=0x7ff => out.extend_from_slice(&[0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]),
        0x800..=0xffff => out.extend_from_slice(&[
            0xe0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xf0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(raw: &str) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(raw, &mut out).unwrap_or_else(|e| panic!("{raw}: {e}"));
        out
    }

    #[track_caller]
    fn same(a: &str, b: &str) {
        assert_eq!(enc(a), enc(b), "{a} and {b} should be equal");
    }

    #[track_caller]
    fn differ(a: &str, b: &str) {
        assert_ne!(enc(a), enc(b), "{a} and {b} should differ");
    }

    #[test]
    fn numbers_are_equal_as_exact_decimals() {
        for n in [
            "1.0", "10e-1", "1E0", "1e+0", "0.1e1", "001", "100e-2", "1.000",
        ] {
            same("1", n);
        }
        for z in ["-0", "0.0", "0e5", "-0.000E-7", "00"] {
            same("0", z);
        }
        same("-12.5", "-1.25e1");
        same("1e400", "10e399");
        same("123000", "1.23e5");
        differ("9007199254740993", "9007199254740992");
        differ("0.1", "0.10000000000000001");
        differ("1", "-1");
        differ("1", "10");
        differ("1", "0.1");
        differ("12", "21");
        differ(
            "1e100000000000000000000000000000",
            "1e100000000000000000000000000001",
        );
    }

    #[test]
    fn a_huge_exponent_is_an_error_unless_the_number_is_zero() {
        let e = format!("1e{}", "9".repeat(31));
        assert_eq!(
            encode_value(&e, &mut Vec::new()),
            Err(CanonError::ExponentTooLarge)
        );
        same(&format!("0e{}", "9".repeat(31)), "0");
        same(&format!("1e{}5", "0".repeat(40)), "1e5");
    }

    #[test]
    fn objects_are_compared_whatever_their_key_order() {
        same(
            r#"{"b":1,"a":[1,{"y":2,"x":3}]}"#,
            r#"{ "a" : [1.0, {"x":3,"y":2}], "b": 1 }"#,
        );
        differ(r#"{"a":1,"b":2}"#, r#"{"a":2,"b":1}"#);
        differ(r#"{"a":1}"#, r#"{"a":1,"a":1}"#);
        same(r#"{"a":1,"a":2}"#, r#"{"a":2,"a":1}"#);
        differ("[1,2]", "[2,1]");
        differ("[[1],2]", "[[1,2]]");
        differ("[]", "{}");
        differ("null", "false");
        differ(r#""1""#, "1");
        differ(r#"{"ab":"c"}"#, r#"{"a":"bc"}"#);
    }

    #[test]
    fn strings_are_compared_unescaped() {
        same(r#""a/b""#, r#""a\/b""#);
        same(r#""é""#, r#""\u00e9""#);
        same(r#""😀""#, r#""\ud83d\ude00""#);
        same(r#"{"k\u0041":1}"#, r#"{"kA":1}"#);
        same(r#""\n\t\"\\""#, "\"\\u000a\\u0009\\u0022\\u005c\"");
        differ(r#""\ud800""#, r#""\ud801""#);
        differ(r#""\ud800x""#, r#""x""#);
        differ(r#""a""#, r#""a ""#);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        enc(&ok);
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(
            encode_value(&deep, &mut Vec::new()),
            Err(CanonError::TooDeep)
        );
        let deep = "{\"a\":".repeat(100_000) + "1" + &"}".repeat(100_000);
        assert_eq!(
            encode_value(&deep, &mut Vec::new()),
            Err(CanonError::TooDeep)
        );
    }

    #[test]
    fn malformed_text_is_an_error() {
        for bad in [
            "",
            "[1,",
            "{\"a\"}",
            "01x",
            "1.",
            "-",
            "\"abc",
            "tru",
            "1e",
            "[1]]",
            "\"\\u12\"",
        ] {
            assert!(encode_value(bad, &mut Vec::new()).is_err(), "{bad}");
        }
    }

    #[test]
    fn many_small_numbers_encode_in_a_few_bytes_each() {
        let raw = format!("[{}1]", "1,".repeat(500_000));
        let out = enc(&raw);
        assert!(out.len() < 6 * 500_001, "{}", out.len());
    }
}
