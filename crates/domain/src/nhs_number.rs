//! NHS numbers: ten digits whose last is a modulus-11 check digit.

use std::fmt;
use std::str::FromStr;

/// A valid NHS number. It can only be built by parsing (or from a checked 9-digit stem), so an
/// invalid one never exists past the edge of the system.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(u64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("an NHS number has 10 digits (spaces allowed), got {0:?}")]
    Shape(String),
    #[error("{0:?} fails the NHS number modulus-11 check")]
    CheckDigit(String),
}

/// The modulus-11 check digit for the first nine digits, or `None` when the stem has no valid
/// check digit (the remainder gives 10).
pub fn check_digit(stem: [u8; 9]) -> Option<u8> {
    let sum: u32 = stem
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * (10 - i as u32))
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

impl NhsNumber {
    /// Parses `9434765919` or `943 476 5919` (any spaces between digits).
    pub fn parse(s: &str) -> Result<Self, NhsNumberError> {
        // Ten digits, as files write them (a log holds millions): read in one pass.
        if let Ok(d) = <&[u8; 10]>::try_from(s.as_bytes()) {
            if d.iter().all(u8::is_ascii_digit) {
                let (mut sum, mut stem) = (0u32, 0u64);
                for (i, c) in d[..9].iter().enumerate() {
                    let x = c - b'0';
                    sum += u32::from(x) * (10 - i as u32);
                    stem = stem * 10 + u64::from(x);
                }
                let last = d[9] - b'0';
                return match 11 - sum % 11 {
                    11 if last == 0 => Ok(NhsNumber(stem * 10)),
                    c if c < 10 && c == u32::from(last) => {
                        Ok(NhsNumber(stem * 10 + u64::from(last)))
                    }
                    _ => Err(NhsNumberError::CheckDigit(s.to_string())),
                };
            }
        }
        Self::parse_spaced(s)
    }

    /// [`NhsNumber::parse`] for any text: digits and spaces.
    fn parse_spaced(s: &str) -> Result<Self, NhsNumberError> {
        let mut digits = [0u8; 10];
        let mut n = 0;
        for b in s.bytes() {
            match b {
                b' ' => {}
                b'0'..=b'9' if n < 10 => {
                    digits[n] = b - b'0';
                    n += 1;
                }
                _ => return Err(NhsNumberError::Shape(s.to_string())),
            }
        }
        if n != 10 {
            return Err(NhsNumberError::Shape(s.to_string()));
        }
        let mut stem = [0u8; 9];
        stem.copy_from_slice(&digits[..9]);
        if check_digit(stem) != Some(digits[9]) {
            return Err(NhsNumberError::CheckDigit(s.to_string()));
        }
        Ok(NhsNumber(
            digits.iter().fold(0u64, |acc, d| acc * 10 + u64::from(*d)),
        ))
    }

    /// Builds the NHS number whose first nine digits are `stem` (0..=999_999_999), if that stem has
    /// a valid check digit. Synthetic people use stems starting 999.
    pub fn from_stem(stem: u32) -> Option<Self> {
        if stem > 999_999_999 {
            return None;
        }
        let mut d = [0u8; 9];
        let mut s = stem;
        for i in (0..9).rev() {
            d[i] = (s % 10) as u8;
            s /= 10;
        }
        check_digit(d).map(|c| NhsNumber(u64::from(stem) * 10 + u64::from(c)))
    }

    /// The ten digits as a number (leading zeros are lost: use `Display` for text).
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The ten digits with no spaces: the canonical form in files.
    pub fn digits(self) -> String {
        format!("{:010}", self.0)
    }
}

/// Displays as `999 123 4567`.
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.digits();
        write!(f, "{} {} {}", &s[..3], &s[3..6], &s[6..])
    }
}

impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NhsNumber({self})")
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_digits_read_in_one_pass_as_by_the_general_reader() {
        // Every check digit of many stems, and shapes near ten digits.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for k in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = format!(
                "{:010}",
                if k < 100_000 {
                    x % 10_000_000_000
                } else {
                    k * 100_003
                }
            );
            assert_eq!(NhsNumber::parse(&s), NhsNumber::parse_spaced(&s), "{s}");
        }
        for s in [
            "999000001/",
            "999000001:",
            "000000000 ",
            "0000000000",
            "9999999999",
        ] {
            assert_eq!(NhsNumber::parse(s), NhsNumber::parse_spaced(s), "{s}");
        }
    }

    #[test]
    fn parses_with_and_without_spaces() {
        let a = NhsNumber::parse("9434765919").unwrap();
        let b = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "943 476 5919");
        assert_eq!(a.digits(), "9434765919");
    }

    #[test]
    fn rejects_bad_check_digit_and_shapes() {
        assert!(matches!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit(_))
        ));
        for bad in ["", "943476591", "94347659190", "943-476-5919", "94347659x9"] {
            assert!(
                matches!(NhsNumber::parse(bad), Err(NhsNumberError::Shape(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn stems_with_remainder_ten_have_no_number() {
        // 999000001: weights 10..2 give sum 9*10+9*9+9*8+1*2 = 245, 245 % 11 = 3, check 8.
        assert_eq!(
            NhsNumber::from_stem(999_000_001).unwrap().digits(),
            "9990000018"
        );
        let invalid = (999_000_000..999_000_100)
            .filter(|s| NhsNumber::from_stem(*s).is_none())
            .count();
        assert!(invalid > 0 && invalid < 20, "{invalid}");
        for s in 999_000_000..999_000_100 {
            if let Some(n) = NhsNumber::from_stem(s) {
                assert_eq!(NhsNumber::parse(&n.digits()), Ok(n));
                assert!(n.digits().starts_with("999"));
            }
        }
    }

    #[test]
    fn check_digit_zero_when_remainder_zero() {
        // Find a stem with remainder 0 and verify the check digit is 0.
        let n = (0..1000u32)
            .map(|s| 999_000_000 + s)
            .find_map(|s| NhsNumber::from_stem(s).filter(|n| n.as_u64() % 10 == 0))
            .unwrap();
        assert!(NhsNumber::parse(&n.digits()).is_ok());
    }
}
