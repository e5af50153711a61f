//! How a search query meets stored text: NFKC and lower case on both sides, whitespace-separated
//! terms that must all match, a few spellings staff use for the same product, and the highlighted
//! fragments of the original text a hit is shown with.

use unicode_normalization::UnicodeNormalization;

/// Spellings of one thing that staff write interchangeably. Each entry is already in search form
/// (NFKC, lower case); a term equal to one of them matches any of them.
const SYNONYMS: &[&[&str]] = &[
    &["kintone", "キントーン"],
    &["logoフォーム", "ロゴフォーム"],
    &["lineworks", "ラインワークス"],
];

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Text in the form it is searched in: NFKC, lower case, control and invisible characters
/// dropped (PostgreSQL cannot hold NUL, and stored text holds neither). The one search-text rule:
/// persistence stores every `search_text` (and reform tag key) in it and queries are folded by it,
/// so a stored record and a query can never be folded differently. Lower case goes character by
/// character, without the word-final sigma of `str::to_lowercase`, so a term folds the same
/// whether or not it ends a word.
pub fn search_form(text: &str) -> String {
    let lowered: String = text.nfkc().flat_map(char::to_lowercase).collect();
    crate::text::without_hidden(&lowered)
}

/// A record's text as search finds it, in search form: one line per searched field that is
/// filled in. Each implementation destructures its record without `..`, so a field added to a
/// record does not compile until its implementation names it, either searched or ignored (`_`).
pub trait SearchText {
    fn search_text(&self) -> String;
}

/// The search form of the filled-in parts, one per line: how every record's search text is
/// built from its fields.
pub fn search_form_of<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let present: Vec<&str> = parts.into_iter().flatten().collect();
    search_form(&present.join("\n"))
}

/// One term of a query: the record must contain at least one of its spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub spellings: Vec<String>,
}

impl Term {
    /// Whether every spelling is long enough for a trigram index to narrow the rows.
    pub fn indexable(&self) -> bool {
        self.spellings.iter().all(|s| s.chars().count() >= 3)
    }
}

/// The terms of a query, in order, without duplicates. A blank query has none.
pub fn terms(query: &str) -> Vec<Term> {
    let normalized = search_form(query);
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for word in normalized.split_whitespace() {
        if seen.iter().any(|w| w == word) {
            continue;
        }
        seen.push(word.to_owned());
        let mut spellings = vec![word.to_owned()];
        for group in SYNONYMS {
            if group.contains(&word) {
                spellings.extend(
                    group
                        .iter()
                        .filter(|s| **s != word)
                        .map(|s| (*s).to_owned()),
                );
            }
        }
        out.push(Term { spellings });
    }
    out
}

/// Whether search-form text holds every term.
pub fn matches_all(search_text: &str, terms: &[Term]) -> bool {
    terms
        .iter()
        .all(|t| t.spellings.iter().any(|s| search_text.contains(s.as_str())))
}

/// How well search-form text answers the terms: a match in the title weighs ten in the body,
/// a title that is exactly the query more still. Higher is better.
pub fn score(title: &str, search_text: &str, terms: &[Term]) -> u32 {
    let title = search_form(title);
    let mut total = 0u32;
    for term in terms {
        let best = term
            .spellings
            .iter()
            .map(|s| {
                let in_title = title.matches(s.as_str()).count().min(5) as u32;
                let in_body = search_text.matches(s.as_str()).count().min(10) as u32;
                in_title * 10 + in_body
            })
            .max()
            .unwrap_or(0);
        total += best;
    }
    let whole: Vec<&str> = terms
        .iter()
        .filter_map(|t| t.spellings.first())
        .map(String::as_str)
        .collect();
    if title.trim() == whole.join(" ") {
        total += 50;
    }
    total
}

/// A piece of shown text, highlighted where it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub highlighted: bool,
}

/// Original text with, for each piece, where its search form starts: the map from a match in the
/// search form back to the characters the person wrote.
struct Folded {
    search: String,
    /// (start in `search`, end in `search`, start in original, end in original), in bytes.
    pieces: Vec<(usize, usize, usize, usize)>,
}

fn is_attached_mark(c: char) -> bool {
    // Half-width voiced marks (ﾞ ﾟ) and combining marks fold into the character before them.
    matches!(c, '\u{FF9E}' | '\u{FF9F}' | '\u{3099}' | '\u{309A}')
        || ('\u{0300}'..='\u{036F}').contains(&c)
}

fn fold(original: &str) -> Folded {
    let mut search = String::with_capacity(original.len());
    let mut pieces = Vec::new();
    let chars: Vec<(usize, char)> = original.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = chars[i].0;
        let mut j = i + 1;
        while j < chars.len() && is_attached_mark(chars[j].1) {
            j += 1;
        }
        let end = chars.get(j).map_or(original.len(), |(at, _)| *at);
        let folded = search_form(&original[start..end]);
        let search_start = search.len();
        search.push_str(&folded);
        pieces.push((search_start, search.len(), start, end));
        i = j;
    }
    Folded { search, pieces }
}

/// The byte ranges of the original text that match any spelling of any term, merged.
fn matched_ranges(original: &str, terms: &[Term]) -> Vec<(usize, usize)> {
    let folded = fold(original);
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for spelling in terms.iter().flat_map(|t| t.spellings.iter()) {
        if spelling.is_empty() {
            continue;
        }
        for (at, _) in folded.search.match_indices(spelling.as_str()) {
            let end = at + spelling.len();
            let first = folded.pieces.iter().find(|p| p.1 > at);
            let last = folded.pieces.iter().rev().find(|p| p.0 < end);
            if let (Some(first), Some(last)) = (first, last) {
                ranges.push((first.2, last.3));
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn fragments_of(text: &str, ranges: &[(usize, usize)]) -> Vec<Fragment> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in ranges {
        if start > at {
            out.push(Fragment {
                text: text[at..start].to_owned(),
                highlighted: false,
            });
        }
        out.push(Fragment {
            text: text[start..end].to_owned(),
            highlighted: true,
        });
        at = end;
    }
    if at < text.len() {
        out.push(Fragment {
            text: text[at..].to_owned(),
            highlighted: false,
        });
    }
    out
}

/// The whole text, with its matches highlighted.
pub fn highlight(text: &str, terms: &[Term]) -> Vec<Fragment> {
    fragments_of(text, &matched_ranges(text, terms))
}

/// About `width` characters of the text around its first match (from the start when nothing
/// matches), line breaks shown as spaces, with … where the text was cut.
pub fn snippet(text: &str, terms: &[Term], width: usize) -> Vec<Fragment> {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let ranges = matched_ranges(&flat, terms);
    let char_starts: Vec<usize> = flat.char_indices().map(|(at, _)| at).collect();
    let total_chars = char_starts.len();
    let first_match_char = ranges
        .first()
        .map(|(start, _)| char_starts.partition_point(|&at| at < *start))
        .unwrap_or(0);
    let lead = width / 4;
    let from_char = first_match_char.saturating_sub(lead);
    let to_char = (from_char + width).min(total_chars);
    let from = char_starts.get(from_char).copied().unwrap_or(flat.len());
    let to = char_starts.get(to_char).copied().unwrap_or(flat.len());
    let window: Vec<(usize, usize)> = ranges
        .iter()
        .filter(|(start, end)| *start >= from && *end <= to)
        .map(|(start, end)| (start - from, end - from))
        .collect();
    let mut out = fragments_of(&flat[from..to], &window);
    if from_char > 0 {
        out.insert(
            0,
            Fragment {
                text: "…".into(),
                highlighted: false,
            },
        );
    }
    if to_char < total_chars {
        out.push(Fragment {
            text: "…".into(),
            highlighted: false,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn shown(fragments: &[Fragment]) -> String {
        fragments
            .iter()
            .map(|f| {
                if f.highlighted {
                    format!("[{}]", f.text)
                } else {
                    f.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn half_width_katakana_and_full_width_latin_meet_their_ordinary_forms() {
        assert_eq!(search_form("ｶｲｶｸ"), "カイカク");
        assert_eq!(search_form("ＡＩ活用"), "ai活用");
        assert_eq!(search_form("ｶﾞｲﾄﾞ"), "ガイド");
    }

    #[test]
    fn stored_text_and_a_query_meet_across_characters_a_query_cannot_hold() {
        // Multi-line text may keep the joiner of an emoji sequence and tabs; a query drops them.
        let stored = search_form("家族👨\u{200D}👩\u{200D}👧の\t手続");
        assert!(matches_all(&stored, &terms("👨\u{200D}👩\u{200D}👧")));
        assert!(matches_all(&stored, &terms("の手続")));
        assert_eq!(search_form("ΟΔΟΣ"), search_form("οδοσ"));
    }

    #[test]
    fn a_query_is_split_into_terms_and_known_spellings_are_added() {
        let found = terms("  Kintone 　申請  kintone ");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].spellings, vec!["kintone", "キントーン"]);
        assert_eq!(found[1].spellings, vec!["申請"]);
        assert!(terms(" \u{3000} ").is_empty());
    }

    #[test]
    fn every_term_must_match_and_short_terms_are_not_indexable() {
        let query = terms("電子 申請");
        assert!(matches_all("電子申請の拡大", &query));
        assert!(!matches_all("電子決裁", &query));
        assert!(!query[0].indexable());
        assert!(terms("電子申請")[0].indexable());
    }

    #[test]
    fn highlights_land_on_the_characters_as_written() {
        let query = terms("ガイド ai");
        assert_eq!(
            shown(&highlight("窓口ｶﾞｲﾄﾞとＡＩ", &query)),
            "窓口[ｶﾞｲﾄﾞ]と[ＡＩ]"
        );
        assert_eq!(
            shown(&highlight("Kintoneとキントーン", &terms("kintone"))),
            "[Kintone]と[キントーン]"
        );
    }

    #[test]
    fn a_snippet_is_cut_around_the_first_match() {
        let text = format!("{}電子申請{}", "あ".repeat(50), "い".repeat(50));
        let cut = shown(&snippet(&text, &terms("電子申請"), 20));
        assert!(cut.starts_with('…'));
        assert!(cut.ends_with('…'));
        assert!(cut.contains("[電子申請]"));
        assert_eq!(shown(&snippet("短い", &terms("なし"), 20)), "短い");
    }

    #[test]
    fn the_title_weighs_more_than_the_body() {
        let query = terms("申請");
        assert!(score("電子申請", "電子申請", &query) > score("窓口", "窓口 申請", &query));
        assert!(score("申請", "申請", &query) > score("電子申請", "電子申請", &query));
    }
}
