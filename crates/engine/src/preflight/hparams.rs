//! Hyper-parameters: the keys every architecture needs, the ones its family requires, and the
//! combinations llama.cpp asserts on.

use gguf_embed_format::{Value, ValueType};

use crate::architectures::{family_of, Dims};

use super::{fail, Ctx, PreflightError, MAX_CONTEXT, MAX_EXPERTS, MAX_LAYERS};

const ROPE_SCALING: &[&str] = &["none", "linear", "yarn", "longrope"];

pub(super) fn hyper_parameters<B: AsRef<[u8]>>(c: &Ctx<B>) -> Result<(), PreflightError> {
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
    let value_size = value_len.or_else(|| heads.as_ref().map(|h| n_embd / h[0].max(1)));
    let rot = c.uint(&c.key("rope.dimension_count"))?;
    let family = family_of(&c.arch);
    let same_kv_head = family.map_or(c.arch == "qwen3moe", |f| f.same_kv_head);
    let rot_is_head = family.map_or(c.arch == "qwen3moe", |f| f.rot_is_head);
    if same_kv_head && head_size != value_size {
        return fail(
            "HeadSize",
            format!(
                "{}: key head size {head_size:?} != value head size {value_size:?} (attention.key_length / value_length)",
                c.arch
            ),
        );
    }
    if rot_is_head {
        if let Some(rot) = rot {
            if Some(rot) != head_size {
                return fail(
                    "HeadSize",
                    format!("rope.dimension_count {rot} != head size {head_size:?}"),
                );
            }
        }
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
    if experts > MAX_EXPERTS || used > experts || (experts > 0 && used == 0) {
        return fail(
            "ExpertCount",
            format!("expert_count {experts}, expert_used_count {used} (at most {MAX_EXPERTS})"),
        );
    }
    Ok(())
}

/// The keys an architecture of the table requires beyond the common ones, and the sizes its
/// tensors are made of. `None` for architectures outside the table.
pub(super) fn family_parameters<B: AsRef<[u8]>>(
    c: &Ctx<B>,
    n_vocab: u64,
) -> Result<Option<Dims>, PreflightError> {
    let Some(family) = family_of(&c.arch) else {
        return Ok(None);
    };
    let need = |suffix: &str| c.required_uint(&c.key(suffix));
    let n_layer = need("block_count")?;
    let n_embd = need("embedding_length")?;
    let first = |suffix: &str| -> Result<u64, PreflightError> {
        match c.per_layer(&c.key(suffix), n_layer)? {
            Some(v) => Ok(v[0]),
            None => fail("MissingKey", format!("{} is missing", c.key(suffix))),
        }
    };
    let n_head = first("attention.head_count")?;
    let n_ff = first("feed_forward_length")?;
    let n_head_kv = c
        .per_layer(&c.key("attention.head_count_kv"), n_layer)?
        .map_or(n_head, |v| v[0]);
    if c.g.get(&c.key(family.norm.key())).is_none() {
        return fail(
            "MissingKey",
            format!("{} is missing", c.key(family.norm.key())),
        );
    }
    for key in family.required {
        need(key)?;
    }
    let n_token_types = c.uint("tokenizer.ggml.token_type_count")?.unwrap_or(0);
    if family.token_types && n_token_types == 0 {
        return fail(
            "TokenTypeCount",
            format!(
                "{} needs tokenizer.ggml.token_type_count above 0 (BERT token types)",
                c.arch
            ),
        );
    }
    let head_k = c
        .uint(&c.key("attention.key_length"))?
        .unwrap_or(n_embd / n_head.max(1));
    let head_v = c
        .uint(&c.key("attention.value_length"))?
        .unwrap_or(n_embd / n_head.max(1));
    let n_expert = c.uint(&c.key("expert_count"))?.unwrap_or(0);
    let moe_every = c.uint(&c.key("moe_every_n_layers"))?.unwrap_or(0);
    if moe_every > 0 && n_expert == 0 {
        return fail(
            "ExpertCount",
            format!(
                "{} is {moe_every} but {} is 0",
                c.key("moe_every_n_layers"),
                c.key("expert_count")
            ),
        );
    }
    let opt = |suffix: &str| c.uint(&c.key(suffix)).map(|v| v.unwrap_or(0));
    // gemma-embedding: llama.cpp asserts the dense projections start and end at the embedding.
    for suffix in ["dense_2_feat_in", "dense_3_feat_out"] {
        let v = opt(suffix)?;
        if v != 0 && v != n_embd {
            return fail(
                "DenseFeatures",
                format!(
                    "{} is {v}, must be 0 or the embedding length {n_embd}",
                    c.key(suffix)
                ),
            );
        }
    }
    swa_pattern(c, n_layer)?;
    let n_cls_out = match c.g.get(&c.key("classifier.output_labels")) {
        Some(Value::Array(a)) if !a.is_empty() => a.len(),
        _ => 1,
    };
    let longrope =
        c.g.get(&c.key("rope.scaling.type"))
            .and_then(|v| v.as_str())
            == Some("longrope");
    Ok(Some(Dims {
        n_embd,
        n_vocab,
        n_layer,
        n_ff,
        n_head,
        n_head_kv,
        head_k,
        head_v,
        n_rot: c.uint(&c.key("rope.dimension_count"))?.unwrap_or(head_k),
        n_ctx_train: need("context_length")?,
        n_token_types,
        n_expert,
        moe_every,
        n_rel_buckets: opt("attention.relative_buckets_count")?,
        n_cls_out,
        dense_2_out: opt("dense_2_feat_out")?,
        dense_3_in: opt("dense_3_feat_in")?,
        longrope,
        n_layer_decision: opt("decision.block_count")?,
    }))
}

/// gemma-embedding (and modern-bert with a sliding window) build one attention mask for the
/// sliding-window layers and one for the full ones; a file whose layers are all of one kind leaves
/// a mask out of the graph, and llama.cpp asserts on it at the first batch. Real models mix them
/// (EmbeddingGemma: every 6th layer full).
fn swa_pattern<B: AsRef<[u8]>>(c: &Ctx<B>, n_layer: u64) -> Result<(), PreflightError> {
    let (default, dense_first) = match c.arch.as_str() {
        "gemma-embedding" => (6, false),
        "modern-bert" if c.uint(&c.key("attention.sliding_window"))?.unwrap_or(0) > 0 => (3, true),
        _ => return Ok(()),
    };
    let key = c.key("attention.sliding_window_pattern");
    let swa: Vec<bool> = match c.g.get(&key) {
        Some(Value::Array(a)) if a.element_type() == ValueType::Bool => a
            .iter()
            .take(n_layer as usize)
            .map(|v| v.as_bool().unwrap_or(false))
            .collect(),
        Some(Value::Array(a)) => {
            return fail(
                "WrongKeyType",
                format!("{key} is an array of {}, expected bool", a.element_type()),
            )
        }
        _ => {
            let n = c.uint(&key)?.unwrap_or(default);
            (0..n_layer)
                .map(|l| {
                    n == 0
                        || if dense_first {
                            l % n != 0
                        } else {
                            l % n < n - 1
                        }
                })
                .collect()
        }
    };
    if !swa.contains(&true) || !swa.contains(&false) {
        return fail(
            "SwaPattern",
            format!(
                "{} ({key}): its {n_layer} layers are all {} attention; llama.cpp needs both sliding-window and full layers",
                c.arch,
                if swa.contains(&true) { "sliding-window" } else { "full" }
            ),
        );
    }
    Ok(())
}
