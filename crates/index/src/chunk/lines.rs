//! Windows of whole lines, each under the character limit (a longer line is cut at a character
//! boundary: minified code is skipped by the walker, but a single long line must not stop us).

use super::{Limits, Span};

pub(crate) fn spans(
    src: &str,
    start: usize,
    end: usize,
    limits: &Limits,
    symbol: Option<&str>,
) -> Vec<Span> {
    let mut out = Vec::new();
    let mut from = start;
    let mut lines = 0;
    let mut pos = start;
    let push = |out: &mut Vec<Span>, a: usize, b: usize| {
        if b > a {
            out.push(Span {
                start: a,
                end: b,
                symbol: symbol.map(str::to_owned),
            });
        }
    };
    while pos < end {
        let line_end = src[pos..end].find('\n').map_or(end, |i| pos + i + 1);
        if line_end - from > limits.max_chars && pos > from {
            push(&mut out, from, pos);
            from = pos;
            lines = 0;
        }
        // One line over the limit alone: cut it.
        while line_end - from > limits.max_chars {
            let mut cut = from + limits.max_chars;
            while !src.is_char_boundary(cut) {
                cut -= 1;
            }
            push(&mut out, from, cut);
            from = cut;
        }
        lines += 1;
        pos = line_end;
        if lines >= limits.window_lines {
            push(&mut out, from, pos);
            from = pos;
            lines = 0;
        }
    }
    push(&mut out, from, end);
    out
}
