//! Rules for text that comes from people and other systems.

use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeEmoji, UnicodeGeneralCategory};

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
///
/// With `forbid_invisible`, the invisible characters of `text_fault` are left out too; in
/// multi-line text the zero-width joiner stays in, as the rule takes it inside an emoji.
pub fn text_pattern(
    forbid_controls: bool,
    allow_line_breaks: bool,
    forbid_blank: bool,
    forbid_invisible: bool,
) -> String {
    let refused = |c: char| {
        (forbid_controls && is_forbidden_char(c, allow_line_breaks))
            || (forbid_invisible
                && is_invisible(c)
                && !(allow_line_breaks && c == ZERO_WIDTH_JOINER))
    };
    let forbidden = char_class(refused);
    let forbidden_or_blank = char_class(|c| refused(c) || c.is_whitespace());
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

/// A character that changes how text around it shows without showing itself: Unicode format
/// characters (general category Cf: the bidi overrides and isolates U+202A–U+202E and
/// U+2066–U+2069, zero-width space and joiners U+200B–U+200D, the marks U+200E/U+200F, word
/// joiner U+2060, BOM U+FEFF, soft hyphen, tag characters …) and the line and paragraph
/// separators U+2028/U+2029, which most screens do not break on. A right-to-left override in
/// a title makes `txt.exe` read as `exe.txt` in a list or an export.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// Why a text is refused; `code()` is the stable field-error code clients key on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFault {
    Control,
    Invisible,
}

impl TextFault {
    pub fn code(self) -> &'static str {
        match self {
            TextFault::Control => "control_character",
            TextFault::Invisible => "invisible_character",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            TextFault::Control => "control characters are not allowed",
            TextFault::Invisible => {
                "invisible formatting characters (such as U+202E or U+200B) are not allowed"
            }
        }
    }
}

/// The one rule for stored text: no control characters (line breaks and tabs only in
/// `multiline` text) and no invisible format characters. The one exception is the zero-width
/// joiner inside an emoji sequence (👨‍👩‍👧) in multi-line free text, where it is part of the
/// picture and cannot disguise words; titles and names, which people compare and search,
/// refuse it everywhere.
pub fn text_fault(text: &str, multiline: bool) -> Option<TextFault> {
    if has_forbidden_control(text, multiline) {
        return Some(TextFault::Control);
    }
    let chars: Vec<char> = text.chars().collect();
    let invisible = chars.iter().enumerate().any(|(i, &c)| {
        is_invisible(c) && !(multiline && c == ZERO_WIDTH_JOINER && joins_emoji(&chars, i))
    });
    invisible.then_some(TextFault::Invisible)
}

const ZERO_WIDTH_JOINER: char = '\u{200D}';
const EMOJI_PRESENTATION: char = '\u{FE0F}';

/// Whether the joiner at `at` sits between two emoji (an emoji presentation selector may
/// follow the first). Digits, `#` and `*` are emoji characters too (keycaps) but never joined.
fn joins_emoji(chars: &[char], at: usize) -> bool {
    let is_emoji = |c: &char| !c.is_ascii() && c.is_emoji_char();
    let before = chars[..at].iter().rev().find(|c| **c != EMOJI_PRESENTATION);
    before.is_some_and(is_emoji) && chars.get(at + 1).is_some_and(is_emoji)
}

/// Text with control and invisible characters removed (line breaks kept), for search terms: a
/// query pasted with a stray zero-width space must still find what it shows.
pub fn without_hidden(text: &str) -> String {
    text.chars()
        .filter(|&c| c == '\n' || !(c.is_control() || is_invisible(c)))
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
        if email.is_empty() || email.len() > Self::MAX_LEN || text_fault(&email, false).is_some() {
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
            "taro\u{200B}@city.jp",
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

    #[test]
    fn bidi_overrides_and_zero_width_characters_are_invisible_and_refused() {
        for text in [
            "申請書\u{202E}fdp.exe",
            "a\u{202A}b",
            "a\u{2066}b\u{2069}",
            "電子\u{200B}申請",
            "電子\u{200C}申請",
            "\u{200E}title",
            "\u{FEFF}title",
            "ad\u{2060}min",
            "soft\u{AD}hyphen",
            "line\u{2028}separator",
        ] {
            assert_eq!(
                text_fault(text, false),
                Some(TextFault::Invisible),
                "{text:?}"
            );
            assert_eq!(
                text_fault(text, true),
                Some(TextFault::Invisible),
                "{text:?}"
            );
        }
        assert_eq!(TextFault::Invisible.code(), "invisible_character");
        assert_eq!(text_fault("a\u{0}b", true), Some(TextFault::Control));
        assert_eq!(text_fault("課題\n取組\t（R7）", true), None);
        assert_eq!(text_fault("ｶﾅ・全角＝カナ 😀", false), None);
    }

    #[test]
    fn a_joiner_inside_an_emoji_sequence_is_allowed_only_in_free_text() {
        let family = "家族 👨\u{200D}👩\u{200D}👧 で参加";
        let rainbow_flag = "🏳\u{FE0F}\u{200D}🌈";
        assert_eq!(text_fault(family, true), None);
        assert_eq!(text_fault(rainbow_flag, true), None);
        assert_eq!(text_fault(family, false), Some(TextFault::Invisible));
        for between_letters in ["ad\u{200D}min", "1\u{200D}2", "👨\u{200D}", "\u{200D}👩"] {
            assert_eq!(
                text_fault(between_letters, true),
                Some(TextFault::Invisible),
                "{between_letters:?}"
            );
        }
    }

    #[test]
    fn search_terms_lose_hidden_characters_but_keep_what_shows() {
        assert_eq!(without_hidden("電子\u{200B}申請\u{202E}\u{0}"), "電子申請");
        assert_eq!(without_hidden("a\nb"), "a\nb");
    }
}
