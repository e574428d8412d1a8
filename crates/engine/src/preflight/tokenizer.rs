//! The tokenizer metadata llama.cpp indexes with: a token list of strings without duplicates, types
//! and scores of the same length, special ids inside the vocabulary.

use std::collections::HashSet;

use gguf_embed_format::{Value, ValueType};

use super::{fail, Ctx, PreflightError};

const TOKENIZER_MODELS: &[&str] = &[
    "no_vocab",
    "none",
    "llama",
    "bert",
    "gpt2",
    "t5",
    "rwkv",
    "plamo2",
    "gemma4",
    "hybriddna",
    "whitespace",
];
const SPECIAL_KEYS: &[&str] = &[
    "bos",
    "eos",
    "unknown",
    "seperator",
    "padding",
    "mask",
    "cls",
    "eot",
    "eom",
];

/// Returns the number of tokens.
pub(super) fn tokenizer<B: AsRef<[u8]>>(c: &Ctx<B>) -> Result<u64, PreflightError> {
    let model = match c.g.get("tokenizer.ggml.model") {
        None => return fail("MissingKey", "tokenizer.ggml.model is missing".into()),
        Some(Value::String(s)) => s.to_string_lossy().into_owned(),
        Some(v) => {
            return fail(
                "WrongKeyType",
                format!("tokenizer.ggml.model has type {}", v.value_type()),
            )
        }
    };
    if !TOKENIZER_MODELS.contains(&model.as_str()) {
        return fail(
            "TokenizerModel",
            format!("tokenizer.ggml.model {model:?} is not one llama.cpp knows"),
        );
    }
    let tokens = match c.g.get("tokenizer.ggml.tokens") {
        Some(Value::Array(a)) if a.element_type() == ValueType::String => a,
        Some(v) => {
            return fail(
                "TokenList",
                format!(
                    "tokenizer.ggml.tokens has type {}, expected an array of strings",
                    describe(&v)
                ),
            )
        }
        None if matches!(model.as_str(), "none" | "no_vocab") => return Ok(0),
        None => return fail("TokenList", "tokenizer.ggml.tokens is missing".into()),
    };
    let n = tokens.len();
    if n == 0 || n > i32::MAX as u64 {
        return fail(
            "TokenList",
            format!("tokenizer.ggml.tokens has {n} entries"),
        );
    }
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(n as usize);
    let types = match c.g.get("tokenizer.ggml.token_type") {
        None => None,
        Some(Value::Array(a)) if a.element_type() == ValueType::I32 && a.len() == n => Some(a),
        Some(v) => {
            return fail(
                "TokenTypes",
                format!(
                    "tokenizer.ggml.token_type is {}, expected i32[{n}]",
                    describe(&v)
                ),
            )
        }
    };
    for (i, t) in tokens.iter().enumerate() {
        let Value::String(s) = t else { continue };
        if !s.as_bytes().is_empty() && !seen.insert(s.as_bytes()) {
            return fail(
                "DuplicateToken",
                format!(
                    "token {i} {:?} appears twice in tokenizer.ggml.tokens",
                    s.to_string_lossy()
                ),
            );
        }
        // A byte token (type 6) must be spelled <0xHH>: llama.cpp parses it as hex.
        if let Some(types) = &types {
            if types.get(i as u64).and_then(|v| v.as_u64()) == Some(6) && model == "llama" {
                let ok = s
                    .as_str()
                    .and_then(|s| s.strip_prefix("<0x"))
                    .and_then(|s| s.strip_suffix('>'))
                    .is_some_and(|h| h.len() == 2 && h.bytes().all(|b| b.is_ascii_hexdigit()));
                if !ok {
                    return fail(
                        "ByteToken",
                        format!("byte token {i} {:?} is not <0xHH>", s.to_string_lossy()),
                    );
                }
            }
        }
    }
    if let Some(v) = c.g.get("tokenizer.ggml.scores") {
        if !matches!(v, Value::Array(a) if a.element_type() == ValueType::F32 && a.len() == n) {
            return fail(
                "TokenScores",
                format!(
                    "tokenizer.ggml.scores is {}, expected f32[{n}]",
                    describe(&v)
                ),
            );
        }
    }
    if let Some(v) = c.g.get("tokenizer.ggml.precompiled_charsmap") {
        let ok = matches!(v, Value::Array(a) if matches!(a.element_type(), ValueType::U8 | ValueType::I8) && a.len() >= 4);
        if !ok {
            return fail(
                "CharsMap",
                format!(
                    "tokenizer.ggml.precompiled_charsmap is {}, needs at least 4 bytes",
                    describe(&v)
                ),
            );
        }
    }
    // Special ids: explicit ones must index the vocabulary; the defaults llama.cpp falls back to
    // must too when the tokenizer will use them.
    let mut ids = std::collections::HashMap::new();
    for name in SPECIAL_KEYS {
        let key = format!("tokenizer.ggml.{name}_token_id");
        if let Some(v) = c.g.get(&key) {
            match v {
                Value::U32(id) if (id as u64) < n => {
                    ids.insert(*name, id as u64);
                }
                // -1 (or u32::MAX read as int32 by llama.cpp) means "no such token".
                Value::I32(-1) | Value::U32(u32::MAX) => {}
                other => {
                    return fail(
                        "SpecialTokenId",
                        format!("{key} is {other:?}, the vocabulary has {n} tokens"),
                    )
                }
            }
        }
    }
    let add_bos =
        c.g.get("tokenizer.ggml.add_bos_token")
            .and_then(|v| v.as_bool());
    let defaults: &[(&str, u64)] = match model.as_str() {
        "bert" => &[("bos", 101), ("seperator", 102), ("unknown", 100)],
        "llama" => &[("bos", 1), ("eos", 2), ("unknown", 0)],
        "gpt2" => &[("bos", 11), ("eos", 11)],
        _ => &[],
    };
    let id_of = |name: &str| {
        ids.get(name)
            .copied()
            .or_else(|| defaults.iter().find(|d| d.0 == name).map(|d| d.1))
    };
    if model == "bert" {
        for name in ["bos", "seperator"] {
            if id_of(name).is_none_or(|id| id >= n) {
                return fail(
                    "SpecialTokenId",
                    format!(
                        "the WordPiece vocabulary of {n} tokens has no {name} ([CLS]/[SEP]) token"
                    ),
                );
            }
        }
    }
    if add_bos == Some(true) && id_of("bos").is_none_or(|id| id >= n) {
        return fail(
            "SpecialTokenId",
            format!(
                "tokenizer.ggml.add_bos_token is set but no BOS id fits the {n}-token vocabulary"
            ),
        );
    }
    Ok(n)
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("{}[{}]", a.element_type(), a.len()),
        other => other.value_type().to_string(),
    }
}
