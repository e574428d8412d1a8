//! Chunks from the syntax tree. Walking a scope (the file, a class body, a function too big for one
//! chunk), each definition that fits becomes one chunk with the comments and attributes just above
//! it; a definition or statement too big for one chunk is walked as a scope of its own (a class's
//! methods, a function's statements), its name carried into its pieces' symbols; everything else,
//! and definitions too small to stand alone, is merged with its neighbours up to the limit.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use tree_sitter::{Node, ParseOptions, Parser};

use super::{lines, Limits, Span};
use crate::lang::Language;

/// tree-sitter's error recovery can run long on hostile input; past this, the file is cut by lines.
const PARSE_BUDGET: Duration = Duration::from_secs(5);
/// Deeper than this the walk stops recursing and cuts by lines (the syntax tree of hostile input
/// nests as deep as its brackets).
const MAX_DEPTH: usize = 48;

/// `None` when the grammar does not parse the file (timeout, or mostly errors).
pub(crate) fn spans(src: &str, lang: Language, limits: &Limits) -> Option<Vec<Span>> {
    let mut parser = Parser::new();
    parser.set_language(&lang.grammar()).ok()?;
    let bytes = src.as_bytes();
    let deadline = Instant::now() + PARSE_BUDGET;
    let mut past_deadline = |_: &tree_sitter::ParseState| {
        if Instant::now() > deadline {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let tree = parser.parse_with_options(
        &mut |i, _| if i < bytes.len() { &bytes[i..] } else { &[] },
        None,
        Some(ParseOptions::new().progress_callback(&mut past_deadline)),
    )?;
    let root = tree.root_node();
    if root.has_error() && error_bytes(root) * 2 > src.len() {
        return None;
    }
    let mut walk = Walk {
        src,
        lang,
        limits,
        out: Vec::new(),
        pending: None,
    };
    walk.scope(root, None, 0);
    if let Some(start) = walk.pending.take() {
        walk.out.push(Span {
            start,
            end: root.end_byte(),
            symbol: None,
        });
    }
    Some(merge_small(walk.out, limits))
}

/// Pieces under the minimum (the last statement of a split function, a closing brace) join the
/// piece before them when both belong to the same symbol.
fn merge_small(spans: Vec<Span>, limits: &Limits) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if let Some(prev) = out.last_mut() {
            let small = s.end - s.start < limits.min_chars;
            let fits = s.end - prev.start <= limits.max_chars + limits.min_chars;
            if small && fits && prev.symbol == s.symbol && prev.end <= s.start {
                prev.end = s.end;
                continue;
            }
        }
        out.push(s);
    }
    out
}

fn error_bytes(root: Node) -> usize {
    let mut cursor = root.walk();
    root.children(&mut cursor)
        .filter(|c| c.is_error())
        .map(|c| c.end_byte() - c.start_byte())
        .sum()
}

struct Walk<'a> {
    src: &'a str,
    lang: Language,
    limits: &'a Limits,
    out: Vec<Span>,
    /// Where the next chunk must start: a small header (a signature, `class Foo:`) carried into
    /// the first piece of the big body after it.
    pending: Option<usize>,
}

/// Consecutive small nodes waiting to become one chunk.
#[derive(Default)]
struct Group {
    range: Option<(usize, usize)>,
    names: Vec<String>,
}

impl Group {
    fn len(&self) -> usize {
        self.range.map_or(0, |(a, b)| b - a)
    }
}

impl Walk<'_> {
    fn emit(&mut self, start: usize, end: usize, symbol: Option<String>) {
        let start = self.pending.take().map_or(start, |p| p.min(start));
        self.out.push(Span { start, end, symbol });
    }

    fn flush(&mut self, group: &mut Group, scope: Option<&str>) {
        if let Some((a, b)) = group.range.take() {
            let names = std::mem::take(&mut group.names);
            let symbol = match scope {
                Some(s) => Some(s.to_owned()),
                None if names.is_empty() => None,
                None => Some(names.join(", ")),
            };
            self.emit(a, b, symbol);
        }
    }

    fn scope(&mut self, node: Node, scope: Option<&str>, depth: usize) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        if children.is_empty() || depth >= MAX_DEPTH {
            let start = self
                .pending
                .take()
                .map_or(node.start_byte(), |p| p.min(node.start_byte()));
            let pieces = lines::spans(self.src, start, node.end_byte(), self.limits, scope);
            self.out.extend(pieces);
            return;
        }
        let mut group = Group::default();
        let mut lead: Option<usize> = None;
        let mut previous: Option<Node> = None;
        for child in children {
            if self.lang.is_leading(child.kind()) {
                // `}  // end of foo`: a comment on the line where the node before it ends is that node's.
                let trailing = lead.is_none()
                    && previous.is_some_and(|p| p.end_position().row == child.start_position().row);
                if trailing {
                    let p_end = previous.map_or(0, |p| p.end_byte());
                    if let Some((a, b)) = group.range.filter(|(_, b)| *b == p_end) {
                        group.range = Some((a, child.end_byte().max(b)));
                    } else if let Some(last) = self.out.last_mut().filter(|s| s.end == p_end) {
                        last.end = child.end_byte();
                    }
                    previous = Some(child);
                    continue;
                }
                lead.get_or_insert(child.start_byte());
                continue;
            }
            previous = Some(child);
            let start = lead.take().unwrap_or(child.start_byte());
            let end = child.end_byte();
            let def = self.lang.definition(child, self.src.as_bytes());
            let qualified = |name: &str| match scope {
                Some(s) => format!("{s}.{name}"),
                None => name.to_owned(),
            };
            let size = end - start;
            if size <= self.limits.max_chars {
                if let Some(d) = def.as_ref().filter(|_| size >= self.limits.min_chars) {
                    self.flush(&mut group, scope);
                    self.emit(start, end, Some(qualified(&d.name)));
                    continue;
                }
                if group.len() + size > self.limits.max_chars {
                    self.flush(&mut group, scope);
                }
                let from = group.range.map_or(start, |(a, _)| a);
                group.range = Some((from, end));
                if let Some(d) = def {
                    group.names.push(qualified(&d.name));
                }
                continue;
            }
            // Too big for one chunk: its pieces, with a small group before it carried into the first.
            if group.len() >= self.limits.min_chars {
                self.flush(&mut group, scope);
            }
            let carry = group.range.take().map_or(start, |(a, _)| a.min(start));
            group.names.clear();
            self.pending = Some(self.pending.map_or(carry, |p| p.min(carry)));
            let inner = match &def {
                Some(d) if !d.wrapper => Some(qualified(&d.name)),
                _ => scope.map(str::to_owned),
            };
            self.scope(child, inner.as_deref(), depth + 1);
        }
        if let Some(l) = lead {
            // Comments at the end of a scope join what is before them.
            let from = group.range.map_or(l, |(a, _)| a);
            group.range = Some((from, node.end_byte()));
        }
        self.flush(&mut group, scope);
    }
}
