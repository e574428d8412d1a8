//! Code-aware pre-tokenisation for the static tier. An English WordPiece vocabulary cuts
//! `parseHttpHeader` into pieces no word of the query shares (`parse`, `##ht`, `##tp`, ...);
//! spaced out as `parse Http Header` it meets the query's words. The rule is recorded in the
//! table's metadata, so every caller of that table (documents and queries alike) gets it.

use std::borrow::Cow;

/// Metadata key naming the rule a static table was built with (absent: none).
pub const KEY: &str = "gguf-embed.static.pretokenize";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pretokenize {
    /// Text goes to the tokenizer as it is.
    None,
    /// Identifiers split at case changes, letter/digit boundaries and underscores.
    #[default]
    Identifiers,
}

impl Pretokenize {
    pub fn name(self) -> &'static str {
        match self {
            Pretokenize::None => "none",
            Pretokenize::Identifiers => "identifiers",
        }
    }

    pub fn from_name(name: &str) -> Option<Pretokenize> {
        match name {
            "none" | "" => Some(Pretokenize::None),
            "identifiers" => Some(Pretokenize::Identifiers),
            _ => None,
        }
    }

    pub fn apply(self, text: &str) -> Cow<'_, str> {
        match self {
            Pretokenize::None => Cow::Borrowed(text),
            Pretokenize::Identifiers => split_identifiers(text),
        }
    }
}

/// Puts a space between characters `a` and `b` (b followed by `c`) where
/// - a lower-case letter or digit meets an upper-case letter (`parseHeader`, `md5Sum`),
/// - an upper-case run ends in a capitalised word (`HTTPHeader` -> `HTTP Header`),
/// - a letter meets a digit or a digit a letter (`utf8` -> `utf 8`),
///
/// and turns every `_` into a space (`snake_case`, `__init__`). ASCII only: other characters
/// are copied as they are, so the rule never splits inside a multi-byte character.
pub fn split_identifiers(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let boundary = |i: usize| -> bool {
        let (x, y) = (b[i], b[i + 1]);
        let z = b.get(i + 2).copied().unwrap_or(0);
        let lower_or_digit = x.is_ascii_lowercase() || x.is_ascii_digit();
        (lower_or_digit && y.is_ascii_uppercase())
            || (x.is_ascii_uppercase() && y.is_ascii_uppercase() && z.is_ascii_lowercase())
            || (x.is_ascii_alphabetic() && y.is_ascii_digit())
            || (x.is_ascii_digit() && y.is_ascii_alphabetic())
    };
    let changes = b.contains(&b'_') || (0..b.len().saturating_sub(1)).any(boundary);
    if !changes {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, ch) in text.char_indices() {
        if ch == '_' {
            out.push(' ');
            continue;
        }
        out.push(ch);
        if ch.is_ascii() && i + 1 < b.len() && boundary(i) {
            out.push(' ');
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers_of_each_convention() {
        let cases = [
            ("parseHttpHeader", "parse Http Header"),
            ("HTTPHeader", "HTTP Header"),
            ("read_file_v2", "read file v 2"),
            ("__init__", "  init  "),
            ("utf8Decode", "utf 8 Decode"),
            ("IOError", "IO Error"),
            ("sha256sum", "sha 256 sum"),
            ("plain words stay", "plain words stay"),
            ("ALLCAPS", "ALLCAPS"),
        ];
        for (input, expected) in cases {
            assert_eq!(split_identifiers(input), expected, "{input}");
        }
    }

    #[test]
    fn leaves_non_ascii_alone_and_borrows_when_nothing_changes() {
        assert_eq!(split_identifiers("größeÄnderung"), "größeÄnderung");
        assert_eq!(split_identifiers("日本語Text"), "日本語Text");
        assert_eq!(split_identifiers("aé2"), "aé2");
        assert!(matches!(split_identifiers("no change"), Cow::Borrowed(_)));
        assert_eq!(split_identifiers(""), "");
        assert_eq!(split_identifiers("x"), "x");
    }

    #[test]
    fn names_round_trip() {
        for p in [Pretokenize::None, Pretokenize::Identifiers] {
            assert_eq!(Pretokenize::from_name(p.name()), Some(p));
        }
        assert_eq!(Pretokenize::from_name("camel"), None);
    }
}
