//! Text to the token ids one input is embedded from: the kind's prefix, the model's special tokens,
//! and the truncation rule. A huge input (megabytes) is never tokenised whole: only a prefix of it,
//! grown until it holds more tokens than the limit, so the work and memory stay proportional to the
//! context size, not to the text.

use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;

use crate::EngineError;

/// Text bytes per allowed token tokenised first; grown 4x while the tokens do not yet pass the limit.
const FIRST_PROBE_BYTES_PER_TOKEN: usize = 8;
/// Inputs up to this size are tokenised whole (exact counts in INPUT_TOO_LONG); it is cheap.
const FIRST_PROBE_MIN_BYTES: usize = 64 * 1024;
/// Tokens past the limit a prefix must hold before its first `limit` tokens are trusted to equal
/// those of the whole text (the word cut at the prefix's end may tokenise differently).
const MARGIN: usize = 16;

/// Text bytes tokenised at a time when counting a long text's tokens.
const COUNT_PIECE_BYTES: usize = 64 * 1024;

/// How many tokens the model makes of `text` (special tokens included), or `None` when its
/// tokenizer cannot be run piece by piece with an exact answer. Memory stays proportional to a
/// piece, not to the text (a 20 MB text tokenised whole takes ~30x its size in native memory).
///
/// Exact for WordPiece (words never span whitespace) and GPT-style BPE, whose pre-tokenisers
/// start a new piece at a single space between two non-space characters and attach that space to
/// the following word: pieces are cut just before such a space. SentencePiece and Unigram
/// tokenizers add a space to the start of each text, so a cut would change the count.
/// `tokenizer` is the file's `tokenizer.ggml.model` (llama-cpp-2's `vocab_type()` panics on
/// WordPiece vocabularies, so the type is taken from the metadata llama.cpp chose it by).
pub fn count(model: &LlamaModel, tokenizer: &str, text: &str) -> Option<usize> {
    let vocab = model.vocab();
    if !matches!(tokenizer, "bert" | "gpt2") {
        return None;
    }
    let specials = vocab.tokenize(b"", true, false).len();
    let mut rest = text;
    let mut total = specials;
    while !rest.is_empty() {
        let at = if rest.len() <= COUNT_PIECE_BYTES {
            rest.len()
        } else {
            piece_end(rest, COUNT_PIECE_BYTES)?
        };
        total += vocab.tokenize(&rest.as_bytes()[..at], false, false).len();
        rest = &rest[at..];
    }
    Some(total)
}

/// The last position at or before `at` holding a single space between two non-whitespace
/// characters (the piece ends before the space); `None` if the last 16 KiB have none (a text
/// with no such space, e.g. one huge token run: counted whole instead).
fn piece_end(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    (at.saturating_sub(16 * 1024).max(1)..at.min(b.len() - 1))
        .rev()
        .find(|&i| {
            b[i] == b' ' && !b[i - 1].is_ascii_whitespace() && !b[i + 1].is_ascii_whitespace()
        })
}

/// How an over-long input is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncate {
    End,
    Error,
}

/// Token ids for `prefix + text`, at most `limit` of them (or INPUT_TOO_LONG).
pub fn prepare(
    model: &LlamaModel,
    index: usize,
    prefix: &str,
    text: &str,
    limit: usize,
    truncate: Truncate,
) -> Result<Vec<LlamaToken>, EngineError> {
    let vocab = model.vocab();
    let mut probe = limit
        .saturating_mul(FIRST_PROBE_BYTES_PER_TOKEN)
        .max(FIRST_PROBE_MIN_BYTES);
    loop {
        let whole = probe >= text.len();
        let part = if whole {
            text
        } else {
            &text[..cut_point(text, probe)]
        };
        let full = join(prefix, part);
        let tokens = vocab.tokenize(full.as_bytes(), true, false);
        if tokens.len() <= limit && whole {
            return Ok(tokens);
        }
        if whole || tokens.len() > limit + MARGIN {
            if truncate == Truncate::Error {
                return Err(EngineError::InputTooLong {
                    index,
                    tokens: tokens.len(),
                    at_least: !whole,
                    limit,
                });
            }
            let plain = vocab.tokenize(full.as_bytes(), false, false);
            return Ok(cut(&tokens, &plain, limit));
        }
        probe = probe.saturating_mul(4);
    }
}

fn join<'a>(prefix: &str, text: &'a str) -> std::borrow::Cow<'a, str> {
    if prefix.is_empty() {
        text.into()
    } else {
        format!("{prefix}{text}").into()
    }
}

/// A cut at or before `at` on a character boundary, just after whitespace when there is some in
/// the last kilobyte (tokenisers split words on whitespace, so the prefix tokenises as the whole).
fn cut_point(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let floor = (at.saturating_sub(1024)..=at)
        .rev()
        .find(|&i| i > 0 && bytes[i - 1].is_ascii_whitespace());
    if let Some(i) = floor {
        return i;
    }
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `limit` tokens of an over-long input: the special tokens the model adds around the text
/// ([CLS] ... [SEP], BOS ... EOS) are kept, the text between them is cut at its end.
fn cut(tokens: &[LlamaToken], plain: &[LlamaToken], limit: usize) -> Vec<LlamaToken> {
    let (lead, tail) = specials_around(tokens, plain);
    let keep = limit.saturating_sub(lead + tail);
    let mut out = Vec::with_capacity(limit);
    out.extend_from_slice(&tokens[..lead]);
    out.extend_from_slice(&plain[..keep.min(plain.len())]);
    out.extend_from_slice(&tokens[tokens.len() - tail..]);
    out
}

/// How many special tokens the model adds before and after a text: `tokens` is the text tokenised
/// with them, `plain` without.
pub fn specials_around(tokens: &[LlamaToken], plain: &[LlamaToken]) -> (usize, usize) {
    let lead = (0..=tokens.len().saturating_sub(plain.len()))
        .find(|&k| tokens[k..].starts_with(&plain[..plain.len().min(8)]))
        .unwrap_or(0);
    (lead, tokens.len().saturating_sub(lead + plain.len()))
}

/// Native bytes one queued input may hold until it is answered: its text, its token ids (at most
/// twice the limit while a long input is cut) and its vector. An upper bound, reserved up front.
pub fn input_bytes(text_len: usize, prefix_len: usize, limit: usize, dims: usize) -> u64 {
    let tokens = (text_len + prefix_len + 8).min(limit.saturating_mul(2) + MARGIN);
    (text_len + 64 + 4 * tokens + 4 * dims + 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_end_before_a_single_space_between_words() {
        assert_eq!(piece_end("ab cd  ef", 8), Some(2));
        assert_eq!(piece_end("abcdefgh", 7), None);
        // Never inside a run of spaces or next to a newline.
        assert_eq!(piece_end("a  \nb", 5), None);
        let s = format!("{} é", "x".repeat(10));
        assert_eq!(piece_end(&s, s.len()), Some(10));
    }

    #[test]
    fn cuts_after_whitespace_or_on_a_char_boundary() {
        assert_eq!(cut_point("abc def ghi", 9), 8);
        let s = "é".repeat(600);
        let c = cut_point(&s, 1001);
        assert!(s.is_char_boundary(c) && (1000..=1001).contains(&c));
    }

    #[test]
    fn truncation_keeps_the_special_tokens_around_the_text() {
        let t = |v: &[i32]| v.iter().map(|&i| LlamaToken(i)).collect::<Vec<_>>();
        let tokens = t(&[101, 1, 2, 3, 4, 5, 102]);
        let plain = t(&[1, 2, 3, 4, 5]);
        assert_eq!(cut(&tokens, &plain, 4), t(&[101, 1, 2, 102]));
    }
}
