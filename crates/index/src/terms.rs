//! The text BM25 sees: identifiers split into words, so `parseHttpHeader` and `parse_http_header`
//! both match the query "parse http header" (SQLite's unicode61 tokenizer then lower-cases and
//! splits at punctuation).

use gguf_embed_engine::static_tier::pretokenize::split_identifiers;

/// A query with more words than this is cut (BM25 over hundreds of OR'ed terms is slow and no
/// better).
const MAX_QUERY_TERMS: usize = 32;

/// Words too common in questions to say anything about code.
const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "does", "for", "from", "how", "i", "in", "is",
    "it", "of", "on", "or", "that", "the", "this", "to", "what", "where", "which", "with",
];

/// What gets indexed for a chunk: its symbol, its path and its text.
pub fn document(path: &str, symbol: Option<&str>, text: &str) -> String {
    let mut s = String::with_capacity(text.len() + path.len() + 64);
    if let Some(sym) = symbol {
        s.push_str(&split_identifiers(sym));
        s.push('\n');
    }
    s.push_str(&split_identifiers(path));
    s.push('\n');
    s.push_str(&split_identifiers(text));
    s
}

/// The words a query searches for: identifiers split, lower-cased, common question words dropped,
/// each word once, at most 32.
pub fn words(text: &str) -> Vec<String> {
    let split = split_identifiers(text);
    let mut words: Vec<String> = Vec::new();
    for w in split.split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if w.is_empty() || STOP.contains(&w.as_str()) || words.contains(&w) {
            continue;
        }
        words.push(w);
        if words.len() == MAX_QUERY_TERMS {
            break;
        }
    }
    words
}

/// An FTS5 query OR-ing the query's words (each quoted, so no word is read as FTS syntax), or
/// `None` when the query has no word to search for.
pub fn query(text: &str) -> Option<String> {
    let words = words(text);
    if words.is_empty() {
        return None;
    }
    Some(
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR "),
    )
}
