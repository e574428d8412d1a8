//! The training corpus `distill` fits a table to: JSON Lines, one object per line with a string
//! `text` and an optional `kind` ("document", the default, or "query", embedded with the model's
//! query prefix). Read whole (the corpus is a few MB), bounded in size and count, each bad line
//! named.

use std::path::Path;

use crate::embedder::Kind;
use crate::EngineError;

/// Largest corpus file read.
pub const MAX_BYTES: u64 = 1 << 30;
/// Most texts taken from one corpus.
pub const MAX_TEXTS: usize = 1_000_000;
/// Bytes of one text kept (the teacher would cut it at its context long before).
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct CorpusText {
    pub text: String,
    pub kind: Kind,
}

fn bad(m: String) -> EngineError {
    EngineError::invalid("corpus", m)
}

pub fn read_corpus(path: &Path) -> Result<Vec<CorpusText>, EngineError> {
    let name = path.display();
    let len = std::fs::metadata(path)
        .map_err(|e| bad(format!("cannot read the corpus {name}: {e}")))?
        .len();
    if len > MAX_BYTES {
        return Err(bad(format!(
            "the corpus {name} is {len} bytes; at most {MAX_BYTES} are read"
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| bad(format!("cannot read the corpus {name}: {e}")))?;
    parse_corpus(&bytes).map_err(|m| bad(format!("{name}: {m}")))
}

pub fn parse_corpus(bytes: &[u8]) -> Result<Vec<CorpusText>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 (byte {}): a corpus is JSON Lines",
            e.valid_up_to()
        )
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if out.len() == MAX_TEXTS {
            return Err(format!("more than {MAX_TEXTS} texts"));
        }
        out.push(parse_line(line).map_err(|m| format!("line {}: {m}", n + 1))?);
    }
    if out.is_empty() {
        return Err("no texts: each line needs {\"text\": \"...\"}".into());
    }
    Ok(out)
}

fn parse_line(line: &str) -> Result<CorpusText, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let object = value
        .as_object()
        .ok_or("expected an object like {\"text\": \"...\"}")?;
    let mut text = object
        .get("text")
        .and_then(|t| t.as_str())
        .ok_or("no string \"text\"")?
        .to_owned();
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    let kind = match object.get("kind").map(|k| k.as_str()) {
        None | Some(Some("document")) => Kind::Document,
        Some(Some("query")) => Kind::Query,
        Some(other) => {
            return Err(format!(
                "\"kind\" must be \"query\" or \"document\", got {}",
                other.map_or("a non-string".into(), |s| format!("{s:?}"))
            ))
        }
    };
    Ok(CorpusText { text, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_texts_and_kinds() {
        let c = parse_corpus(
            b"{\"text\":\"def f(): pass\"}\n\n{\"text\":\"open a file\",\"kind\":\"query\"}\n",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].kind, Kind::Document);
        assert_eq!(c[1].kind, Kind::Query);
        assert_eq!(c[1].text, "open a file");
    }

    #[test]
    fn names_the_bad_line() {
        let cases: [(&[u8], &str); 6] = [
            (b"{\"text\":\"a\"}\nnot json\n", "line 2: not JSON"),
            (b"[1,2]", "line 1: expected an object"),
            (b"{\"code\":\"x\"}", "line 1: no string \"text\""),
            (
                b"{\"text\":\"a\",\"kind\":\"doc\"}",
                "line 1: \"kind\" must be",
            ),
            (b"\n\n", "no texts"),
            (b"\xff\xfe", "not UTF-8"),
        ];
        for (input, expected) in cases {
            let e = parse_corpus(input).unwrap_err();
            assert!(e.starts_with(expected), "{e}");
        }
    }

    #[test]
    fn cuts_a_long_text_at_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT_BYTES);
        let line = serde_json::json!({ "text": long }).to_string();
        let c = parse_corpus(line.as_bytes()).unwrap();
        assert!(c[0].text.len() <= MAX_TEXT_BYTES && !c[0].text.is_empty());
    }
}
