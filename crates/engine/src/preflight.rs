//! Everything llama.cpp would assert on (an abort that kills Node), checked in Rust first, for
//! files that are well-formed GGUF but wrong as models: hyper-parameters out of range or of the
//! wrong type, tokenizer metadata that indexes out of bounds, tensors that do not match. Each
//! failure names its check (a stable `kind`) and the key or tensor involved.

use std::collections::HashSet;

use gguf_embed_format::{Gguf, Value, ValueType};

/// llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS.
const MAX_LAYERS: u64 = 512;
const MAX_EXPERTS: u64 = 1024;
const MAX_CONTEXT: u64 = 1 << 24;
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
const ROPE_SCALING: &[&str] = &["none", "linear", "yarn", "longrope"];
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct PreflightError {
    /// Stable name of the failed check.
    pub check: &'static str,
    pub detail: String,
}

fn fail<T>(check: &'static str, detail: String) -> Result<T, PreflightError> {
    Err(PreflightError { check, detail })
}

struct Ctx<'g, B: AsRef<[u8]>> {
    g: &'g Gguf<B>,
    arch: String,
}

impl<'g, B: AsRef<[u8]>> Ctx<'g, B> {
    fn key(&self, suffix: &str) -> String {
        format!("{}.{suffix}", self.arch)
    }

    /// An optional integer scalar of an integer type.
    fn uint(&self, key: &str) -> Result<Option<u64>, PreflightError> {
        match self.g.get(key) {
            None => Ok(None),
            Some(v) if is_int(v.value_type()) => match v.as_u64() {
                Some(n) => Ok(Some(n)),
                None => fail("WrongKeyType", format!("{key} is negative")),
            },
            Some(v) => fail(
                "WrongKeyType",
                format!(
                    "{key} has type {}, expected an unsigned integer",
                    v.value_type()
                ),
            ),
        }
    }

    fn required_uint(&self, key: &str) -> Result<u64, PreflightError> {
        self.uint(key)?
            .map_or_else(|| fail("MissingKey", format!("{key} is missing")), Ok)
    }

    /// A hyper-parameter given either as a scalar or as one value per layer.
    fn per_layer(&self, key: &str, layers: u64) -> Result<Option<Vec<u64>>, PreflightError> {
        match self.g.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => {
                if !matches!(a.element_type(), ValueType::U32 | ValueType::I32) {
                    return fail(
                        "WrongKeyType",
                        format!(
                            "{key} is an array of {}, expected u32 or i32",
                            a.element_type()
                        ),
                    );
                }
                if a.len() != layers {
                    return fail(
                        "WrongKeyType",
                        format!("{key} has {} values for {layers} layers", a.len()),
                    );
                }
                let values: Vec<u64> = a.iter().filter_map(|v| v.as_u64()).collect();
                if values.len() as u64 != layers {
                    return fail("WrongKeyType", format!("{key} holds negative values"));
                }
                Ok(Some(values))
            }
            Some(_) => self.uint(key).map(|v| v.map(|n| vec![n; layers as usize])),
        }
    }
}

fn is_int(t: ValueType) -> bool {
    matches!(
        t,
        ValueType::U8
            | ValueType::U16
            | ValueType::U32
            | ValueType::U64
            | ValueType::I8
            | ValueType::I16
            | ValueType::I32
            | ValueType::I64
    )
}

pub fn preflight<B: AsRef<[u8]>>(g: &Gguf<B>) -> Result<(), PreflightError> {
    checks(g, true)
}

/// What llama.cpp reads when it loads only a file's tokenizer (`vocab_only`): the hyper-parameters
/// and the tokenizer, not the tensors.
pub fn preflight_vocab<B: AsRef<[u8]>>(g: &Gguf<B>) -> Result<(), PreflightError> {
    checks(g, false)
}

fn checks<B: AsRef<[u8]>>(g: &Gguf<B>, with_tensors: bool) -> Result<(), PreflightError> {
    let arch = match g.get("general.architecture") {
        Some(Value::String(s)) => s.to_string_lossy().into_owned(),
        Some(v) => {
            return fail(
                "WrongKeyType",
                format!("general.architecture has type {}", v.value_type()),
            )
        }
        None => return fail("MissingKey", "general.architecture is missing".into()),
    };
    let c = Ctx { g, arch };
    hyper_parameters(&c)?;
    let n_tokens = tokenizer(&c)?;
    if with_tensors {
        tensors(&c, n_tokens)?;
    }
    Ok(())
}

fn hyper_parameters<B: AsRef<[u8]>>(c: &Ctx<B>) -> Result<(), PreflightError> {
    let layers = c.required_uint(&c.key("block_count"))?;
    if layers == 0 || layers > MAX_LAYERS {
        return fail(
            "BlockCount",
            format!(
                "{} is {layers}, must be 1 to {MAX_LAYERS}",
                c.key("block_count")
            ),
        );
    }
    let n_embd = c.required_uint(&c.key("embedding_length"))?;
    if n_embd == 0 || n_embd > 1 << 20 {
        return fail(
            "EmbeddingLength",
            format!("{} is {n_embd}", c.key("embedding_length")),
        );
    }
    let ctx_len = c.required_uint(&c.key("context_length"))?;
    if ctx_len == 0 || ctx_len > MAX_CONTEXT {
        return fail(
            "ContextLength",
            format!(
                "{} is {ctx_len}, must be 1 to {MAX_CONTEXT}",
                c.key("context_length")
            ),
        );
    }
    c.per_layer(&c.key("feed_forward_length"), layers)?;
    let heads = c.per_layer(&c.key("attention.head_count"), layers)?;
    let heads_kv = c.per_layer(&c.key("attention.head_count_kv"), layers)?;
    let key_len = c.uint(&c.key("attention.key_length"))?;
    let value_len = c.uint(&c.key("attention.value_length"))?;
    if let Some(heads) = &heads {
        for (layer, &h) in heads.iter().enumerate() {
            if h == 0 {
                return fail(
                    "HeadCount",
                    format!("{} is 0 at layer {layer}", c.key("attention.head_count")),
                );
            }
            if key_len.is_none() && n_embd % h != 0 {
                return fail(
                    "HeadCount",
                    format!(
                        "{} {h} does not divide the embedding length {n_embd}",
                        c.key("attention.head_count")
                    ),
                );
            }
            if let Some(kv) = heads_kv.as_ref().map(|v| v[layer]) {
                if kv == 0 || h % kv != 0 {
                    return fail(
                        "HeadCount",
                        format!(
                            "{} {kv} does not divide the head count {h}",
                            c.key("attention.head_count_kv")
                        ),
                    );
                }
            }
        }
    }
    let head_size = key_len.or_else(|| heads.as_ref().map(|h| n_embd / h[0].max(1)));
    match c.arch.as_str() {
        "bert" | "nomic-bert" | "jina-bert-v2" => {
            if let (Some(k), Some(v)) = (key_len, value_len) {
                if k != v {
                    return fail(
                        "HeadSize",
                        format!("attention.key_length {k} != attention.value_length {v}"),
                    );
                }
            }
        }
        "qwen3" | "qwen3moe" => {
            if value_len.is_some_and(|v| Some(v) != head_size) {
                return fail(
                    "HeadSize",
                    format!("attention.value_length {value_len:?} != head size {head_size:?}"),
                );
            }
            if let Some(rot) = c.uint(&c.key("rope.dimension_count"))? {
                if Some(rot) != head_size {
                    return fail(
                        "HeadSize",
                        format!("rope.dimension_count {rot} != head size {head_size:?}"),
                    );
                }
            }
        }
        _ => {}
    }
    if let Some(p) = c.uint(&c.key("pooling_type"))? {
        if p > 4 {
            return fail(
                "PoolingType",
                format!("{} is {p}, must be 0 to 4", c.key("pooling_type")),
            );
        }
    }
    if let Some(v) = c.g.get(&c.key("attention.causal")) {
        if v.value_type() != ValueType::Bool {
            return fail(
                "WrongKeyType",
                format!(
                    "{} has type {}, expected bool",
                    c.key("attention.causal"),
                    v.value_type()
                ),
            );
        }
    }
    for eps in [
        "attention.layer_norm_epsilon",
        "attention.layer_norm_rms_epsilon",
    ] {
        if let Some(v) = c.g.get(&c.key(eps)) {
            if v.value_type() != ValueType::F32 {
                return fail(
                    "WrongKeyType",
                    format!("{} has type {}, expected f32", c.key(eps), v.value_type()),
                );
            }
        }
    }
    if let Some(v) = c.g.get(&c.key("rope.scaling.type")) {
        let s = v.as_str().unwrap_or("");
        if !ROPE_SCALING.contains(&s) {
            return fail(
                "RopeScaling",
                format!(
                    "{} {s:?} is not one of {ROPE_SCALING:?}",
                    c.key("rope.scaling.type")
                ),
            );
        }
    }
    let experts = c.uint(&c.key("expert_count"))?.unwrap_or(0);
    let used = c.uint(&c.key("expert_used_count"))?.unwrap_or(0);
    if experts > MAX_EXPERTS || used > experts {
        return fail(
            "ExpertCount",
            format!("expert_count {experts}, expert_used_count {used} (at most {MAX_EXPERTS})"),
        );
    }
    Ok(())
}

/// Returns the number of tokens.
fn tokenizer<B: AsRef<[u8]>>(c: &Ctx<B>) -> Result<u64, PreflightError> {
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

fn describe(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("{}[{}]", a.element_type(), a.len()),
        other => other.value_type().to_string(),
    }
}

fn tensors<B: AsRef<[u8]>>(c: &Ctx<B>, n_vocab: u64) -> Result<(), PreflightError> {
    let n_embd = c.required_uint(&c.key("embedding_length"))?;
    let Some(embd) = c.g.tensor("token_embd.weight") else {
        return fail("MissingTensor", "token_embd.weight is missing".into());
    };
    if embd.n_dims != 2 || embd.dims[0] != n_embd || (n_vocab > 0 && embd.dims[1] != n_vocab) {
        return fail(
            "VocabSize",
            format!("token_embd.weight is {:?}, expected [{n_embd}, {n_vocab}] (embedding length, tokens)", embd.shape()),
        );
    }
    let layers = c.required_uint(&c.key("block_count"))?;
    let required: &[&str] = match c.arch.as_str() {
        "bert" => &[
            "attn_q.weight",
            "attn_k.weight",
            "attn_v.weight",
            "attn_output.weight",
            "ffn_up.weight",
            "ffn_down.weight",
        ],
        "qwen2" | "qwen3" => &[
            "attn_norm.weight",
            "attn_q.weight",
            "attn_k.weight",
            "attn_v.weight",
            "attn_output.weight",
            "ffn_gate.weight",
            "ffn_up.weight",
            "ffn_down.weight",
        ],
        _ => &[],
    };
    for l in 0..layers {
        for part in required {
            let name = format!("blk.{l}.{part}");
            let Some(t) = c.g.tensor(&name) else {
                return fail("MissingTensor", format!("{name} is missing"));
            };
            if t.dims[0] != n_embd
                && !part.starts_with("ffn_down")
                && !part.starts_with("attn_output")
            {
                return fail(
                    "TensorShape",
                    format!("{name} is {:?}, its rows must be {n_embd} long", t.shape()),
                );
            }
        }
    }
    Ok(())
}
