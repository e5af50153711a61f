//! Rules for text that comes from people and other systems.

use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// True when the text holds a control character that no field accepts. PostgreSQL cannot store
/// NUL at all, so refusing these up front keeps both databases answering the same.
pub fn has_forbidden_control(text: &str, allow_line_breaks: bool) -> bool {
    text.chars()
        .any(|c| is_forbidden_char(c, allow_line_breaks))
}

/// The one character rule behind `has_forbidden_control`, and behind the pattern the API
/// documents for text fields (`text_pattern`).
pub fn is_forbidden_char(c: char, allow_line_breaks: bool) -> bool {
    let line_break = c == '\n' || c == '\r' || c == '\t';
    c.is_control() && !(allow_line_breaks && line_break)
}

/// A regular expression (ECMA 262, as JSON Schema uses) that matches exactly the texts the rules
/// accept: without forbidden characters (`forbid_controls`, line breaks and tabs allowed with
/// `allow_line_breaks`) and, with `forbid_blank`, with something besides white space (what
/// `str::trim` would leave). Built from the same predicates the validators call, by going through
/// every code point, so the documented pattern cannot drift from the rule.
pub fn text_pattern(forbid_controls: bool, allow_line_breaks: bool, forbid_blank: bool) -> String {
    let forbidden = char_class(|c| forbid_controls && is_forbidden_char(c, allow_line_breaks));
    let forbidden_or_blank = char_class(|c| {
        (forbid_controls && is_forbidden_char(c, allow_line_breaks)) || c.is_whitespace()
    });
    match (forbid_controls, forbid_blank) {
        (true, true) => format!("^[^{forbidden}]*[^{forbidden_or_blank}][^{forbidden}]*$"),
        (true, false) => format!("^[^{forbidden}]*$"),
        (false, true) => format!("[^{forbidden_or_blank}]"),
        (false, false) => String::new(),
    }
}

/// The inside of a bracket expression holding every character for which `member` is true, as
/// ranges of literal characters (only `\\`, `]`, `^` and `-` escaped).
fn char_class(member: impl Fn(char) -> bool) -> String {
    let mut ranges: Vec<(char, char)> = Vec::new();
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        if !member(c) {
            continue;
        }
        match ranges.last_mut() {
            Some((_, last)) if u32::from(*last) + 1 == u32::from(c) => *last = c,
            _ => ranges.push((c, c)),
        }
    }
    let literal = |c: char| {
        if matches!(c, '\\' | ']' | '^' | '-') {
            format!("\\{c}")
        } else {
            c.to_string()
        }
    };
    ranges
        .iter()
        .map(|&(first, last)| match u32::from(last) - u32::from(first) {
            0 => literal(first),
            1 => format!("{}{}", literal(first), literal(last)),
            _ => format!("{}-{}", literal(first), literal(last)),
        })
        .collect()
}

/// NFKC normalisation, so that full-width ＡＢＣ１２３ and half-width ｶﾅ meet their ordinary forms.
pub fn normalize(text: &str) -> String {
    text.nfkc().collect()
}

/// A sign-in address, normalised (NFKC, trimmed, lower case) so that the same person is one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address")]
pub struct InvalidEmail;

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let email = normalize(raw).trim().to_lowercase();
        if email.is_empty() || email.len() > Self::MAX_LEN || has_forbidden_control(&email, false) {
            return Err(InvalidEmail);
        }
        let (local, domain) = email.split_once('@').ok_or(InvalidEmail)?;
        let domain_ok = !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@');
        if local.is_empty() || !domain_ok || email.chars().any(char::is_whitespace) {
            return Err(InvalidEmail);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_upper_case_addresses_are_the_same_account() {
        let typed = Email::parse(" Ｔａｒｏ@City.Kitakyushu.lg.jp ");
        assert_eq!(
            typed.map(|e| e.to_string()),
            Ok("taro@city.kitakyushu.lg.jp".into())
        );
    }

    #[test]
    fn addresses_without_a_domain_or_with_control_characters_are_refused() {
        for raw in [
            "",
            "taro",
            "taro@",
            "@city.jp",
            "ta ro@city.jp",
            "taro@city.jp\u{0}",
            "a@b@c",
        ] {
            assert_eq!(Email::parse(raw), Err(InvalidEmail), "{raw:?}");
        }
    }

    #[test]
    fn nul_is_forbidden_everywhere_and_line_breaks_only_where_allowed() {
        assert!(has_forbidden_control("a\u{0}b", true));
        assert!(has_forbidden_control("a\nb", false));
        assert!(!has_forbidden_control("課題\n取組", true));
    }
}
