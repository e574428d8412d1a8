//! Cutting a file into the pieces that get embedded and searched: one per definition where a
//! grammar knows the file's language (syntax.rs), windows of lines otherwise (lines.rs).

mod lines;
mod syntax;

use sha2::{Digest, Sha256};

use crate::lang::FileKind;

/// How big a chunk may be. Characters, not tokens: the chunker runs before any model is chosen,
/// and code runs 3-4 characters a token in the WordPiece vocabularies of small models.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Larger definitions are split at statement boundaries.
    pub max_chars: usize,
    /// Smaller definitions are merged with their neighbours.
    pub min_chars: usize,
    /// Line windows for text files and for code that fails to parse.
    pub window_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chars: 1500,
            min_chars: 120,
            window_lines: 40,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// 1-based, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    /// `Class.method` for a definition (or a piece of one); `None` for code between definitions.
    pub symbol: Option<String>,
    pub text: String,
    /// SHA-256 of the text, truncated: vectors are stored per hash, so a moved or renamed
    /// function keeps its vectors.
    pub hash: [u8; 16],
}

/// How a file was chunked, for the index's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Syntax,
    /// The grammar failed (or the file is not code): line windows.
    Lines,
}

/// Chunks `src` as its kind says. Never fails: a file the grammar cannot parse is cut by lines.
pub fn chunk_file(src: &str, kind: FileKind, limits: &Limits) -> (Vec<Chunk>, Method) {
    let limits = Limits {
        max_chars: limits.max_chars.max(64),
        min_chars: limits.min_chars.min(limits.max_chars),
        window_lines: limits.window_lines.max(1),
    };
    if let FileKind::Code(lang) = kind {
        if let Some(spans) = syntax::spans(src, lang, &limits) {
            return (to_chunks(src, spans), Method::Syntax);
        }
    }
    (
        to_chunks(src, lines::spans(src, 0, src.len(), &limits, None)),
        Method::Lines,
    )
}

/// A byte range of the file and the symbol it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub symbol: Option<String>,
}

fn to_chunks(src: &str, spans: Vec<Span>) -> Vec<Chunk> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |byte: usize| line_starts.partition_point(|&s| s <= byte) as u32;
    spans
        .into_iter()
        .filter_map(|s| {
            // Whole lines: back to the line's start when only indentation precedes the span.
            let line_start = line_starts[line_of(s.start) as usize - 1];
            let start = if src[line_start..s.start].trim().is_empty() {
                line_start
            } else {
                s.start
            };
            let text = src[start..s.end].trim_end();
            if text.trim().is_empty() {
                return None;
            }
            let end = start + text.len();
            Some(Chunk {
                start_line: line_of(start),
                end_line: line_of(end.saturating_sub(1).max(start)),
                symbol: s.symbol,
                hash: content_hash(text),
                text: text.to_owned(),
            })
        })
        .collect()
}

pub fn content_hash(text: &str) -> [u8; 16] {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}
