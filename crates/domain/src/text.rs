//! Rules for text that comes from people and other systems.

use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// True when the text holds a control character that no field accepts. PostgreSQL cannot store
/// NUL at all, so refusing these up front keeps both databases answering the same.
pub fn has_forbidden_control(text: &str, allow_line_breaks: bool) -> bool {
    text.chars().any(|c| {
        let line_break = c == '\n' || c == '\r' || c == '\t';
        c.is_control() && !(allow_line_breaks && line_break)
    })
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
