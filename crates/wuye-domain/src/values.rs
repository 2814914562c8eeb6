//! Values parsed at the edge ("parse, don't validate"): once a `Phone` exists
//! it is a valid phone number, and nothing downstream checks it again.

use crate::error::Error;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

fn trimmed(raw: &str) -> &str {
    raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}

/// A person's or a thing's display name: 1–50 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> Result<Self, Error> {
        let t = trimmed(raw);
        if t.is_empty() {
            return Err(Error::invalid(
                "name_empty",
                "名称不能为空",
                "Name must not be empty",
            ));
        }
        if t.chars().count() > Self::MAX_CHARS {
            return Err(Error::invalid(
                "name_too_long",
                format!("名称不能超过 {} 个字", Self::MAX_CHARS),
                format!("Name must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if t.chars().any(|c| c.is_control()) {
            return Err(Error::invalid(
                "name_invalid",
                "名称里有不可见的控制字符",
                "Name contains control characters",
            ));
        }
        Ok(Self(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number in mainland China: an 11-digit mobile number (1[3-9]…),
/// or a landline with area code (010-12345678, 0755-1234567). Spaces, dashes
/// and a +86 / 86 prefix are accepted and normalised away for mobiles.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let t = trimmed(raw);
        let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .unwrap_or(&digits)
            .to_string();
        let digits = if digits.len() == 13 && digits.starts_with("86") {
            digits[2..].to_string()
        } else {
            digits
        };
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            let b = digits.as_bytes();
            if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
                return Ok(Self(digits));
            }
            // Landline: 0 + 2–3 digit area code + 7–8 digit number.
            if b[0] == b'0' && (10..=12).contains(&b.len()) {
                let area = if b[1] == b'1' || b[1] == b'2' { 3 } else { 4 };
                return Ok(Self(format!("{}-{}", &digits[..area], &digits[area..])));
            }
        }
        Err(Error::invalid(
            "phone_invalid",
            format!("手机号“{t}”格式不正确，请填写 11 位手机号或带区号的座机号"),
            format!(
                "“{t}” is not a valid phone number: use an 11-digit mobile or a landline with area code"
            ),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as lists show it (PIPL: minimum exposure): 138****1234.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks the middle of a phone number: 13812341234 → 138****1234.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let tail = 4;
    let head = 3.min(chars.len() - tail);
    let mut s: String = chars[..head].iter().collect();
    s.push_str(&"*".repeat(chars.len() - head - tail));
    s.extend(&chars[chars.len() - tail..]);
    s
}

impl TryFrom<String> for Phone {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A sign-in name: 3–32 of a–z, 0–9, `.`, `_`, `-`, starting with a letter.
/// Stored lower-case so `Admin` and `admin` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let t = trimmed(raw).to_ascii_lowercase();
        let ok = (3..=32).contains(&t.len())
            && t.starts_with(|c: char| c.is_ascii_lowercase())
            && t.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
        if ok {
            Ok(Self(t))
        } else {
            Err(Error::invalid(
                "username_invalid",
                "用户名需为 3–32 位字母、数字或 . _ -，并以字母开头",
                "A username has 3–32 letters, digits or . _ -, and starts with a letter",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

/// A new password: 8–128 characters, not all the same kind of character.
/// (Kept out of `Debug` so it never lands in a log.)
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let n = raw.chars().count();
        if n < 8 {
            return Err(Error::invalid(
                "password_too_short",
                "密码至少需要 8 位",
                "A password needs at least 8 characters",
            ));
        }
        if n > 128 {
            return Err(Error::invalid(
                "password_too_long",
                "密码不能超过 128 位",
                "A password may have at most 128 characters",
            ));
        }
        let classes = [
            raw.chars().any(|c| c.is_ascii_digit()),
            raw.chars().any(|c| c.is_alphabetic()),
            raw.chars().any(|c| !c.is_alphanumeric()),
        ];
        if classes.iter().filter(|b| **b).count() < 2 {
            return Err(Error::invalid(
                "password_too_weak",
                "密码需同时包含字母、数字或符号中的两类",
                "A password needs two of: letters, digits, symbols",
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A floor area in square metres: exact, non-negative, at most 2 decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Area(Decimal);

impl Area {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let t = trimmed(raw)
            .trim_end_matches("平方米")
            .trim_end_matches("平米")
            .trim_end_matches('㎡')
            .trim_end_matches("m2")
            .trim();
        let bad = || {
            Error::invalid(
                "area_invalid",
                format!("面积“{raw}”不正确：应为 0 到 100000 之间、最多两位小数的数字（单位㎡）"),
                format!(
                    "Area “{raw}” is not valid: a number from 0 to 100000 m² with at most 2 decimals"
                ),
            )
        };
        let d = Decimal::from_str(t).map_err(|_| bad())?;
        if d.is_sign_negative() || d > Decimal::from(100_000) || d.normalize().scale() > 2 {
            return Err(bad());
        }
        Ok(Self(d.normalize()))
    }

    pub fn value(&self) -> Decimal {
        self.0
    }
}

impl TryFrom<String> for Area {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Area> for String {
    fn from(a: Area) -> String {
        a.0.to_string()
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A short label inside a property: a building (3栋), an entrance (2单元),
/// or a home number (1202). 1–20 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

impl Label {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let t = trimmed(raw);
        if t.is_empty() || t.chars().count() > 20 || t.chars().any(|c| c.is_control()) {
            return Err(Error::invalid(
                "label_invalid",
                format!("“{t}”不是有效的编号：应为 1–20 个字"),
                format!("“{t}” is not a valid label: 1–20 characters"),
            ));
        }
        Ok(Self(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Label {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Label> for String {
    fn from(l: Label) -> String {
        l.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise() {
        assert_eq!(
            Phone::parse("138 1234 5678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            Phone::parse("+86 138-1234-5678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            Phone::parse("8613812345678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            Phone::parse("010-12345678").unwrap().as_str(),
            "010-12345678"
        );
        assert_eq!(
            Phone::parse("075512345678").unwrap().as_str(),
            "0755-12345678"
        );
        for bad in ["", "123", "12812345678", "1381234567x", "138123456789"] {
            assert_eq!(
                Phone::parse(bad).unwrap_err().code,
                "phone_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn phones_mask() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("010-12345678"), "010*****5678");
    }

    #[test]
    fn areas_are_exact() {
        assert_eq!(Area::parse("89.50").unwrap().to_string(), "89.5");
        assert_eq!(Area::parse("120㎡").unwrap().to_string(), "120");
        assert_eq!(Area::parse(" 66.66 平米").unwrap().to_string(), "66.66");
        for bad in ["-1", "abc", "1.234", "1000001", ""] {
            assert_eq!(Area::parse(bad).unwrap_err().code, "area_invalid", "{bad}");
        }
    }

    #[test]
    fn names_trim_and_limit() {
        assert_eq!(Name::parse("　张三 ").unwrap().as_str(), "张三");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"长".repeat(51)).is_err());
    }

    #[test]
    fn passwords_need_strength() {
        assert!(NewPassword::parse("short1").is_err());
        assert!(NewPassword::parse("abcdefgh").is_err());
        assert!(NewPassword::parse("abcdefg1").is_ok());
        assert!(NewPassword::parse("物业密码12345").is_ok());
    }

    #[test]
    fn usernames() {
        assert_eq!(Username::parse("Admin").unwrap().as_str(), "admin");
        assert!(Username::parse("1abc").is_err());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("zhang san").is_err());
    }
}
