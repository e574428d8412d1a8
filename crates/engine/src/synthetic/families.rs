//! One synthetic model per embedding family: the architecture, a real tokenizer of that family
//! (a vocab GGUF llama.cpp ships, by file name under its `models/`), the `general.name` a real
//! GGUF of the family carries on the hub (the profile is chosen from it), and the pooling id those
//! files store.

use gguf_embed_format::MetaValue;

use super::ModelSpec;

#[derive(Debug, Clone)]
pub struct Recipe {
    /// A label for the test and the README table.
    pub label: &'static str,
    /// The vocab GGUF under llama.cpp's `models/` whose tokenizer the model takes.
    pub vocab: &'static str,
    pub spec: ModelSpec,
}

/// The optional tensors a BERT-style converter writes: every bias and the token-type table.
const BERT_OPTIONAL: &[&str] = &[".bias", "token_types.weight"];

fn spec(arch: &'static str, name: &str, pooling: u32) -> ModelSpec {
    ModelSpec {
        pooling: Some(pooling),
        ..ModelSpec::tiny(arch, name)
    }
}

fn key(k: &str, v: impl Into<MetaValue>) -> (String, MetaValue) {
    (k.to_owned(), v.into())
}

pub fn recipes() -> Vec<Recipe> {
    let recipe = |label, vocab, spec| Recipe { label, vocab, spec };
    vec![
        recipe(
            "bert (WordPiece)",
            "ggml-vocab-bert-bge.gguf",
            ModelSpec {
                optional: BERT_OPTIONAL,
                ..spec("bert", "bge-small-en-v1.5", 2)
            },
        ),
        recipe(
            "bert (XLM-R unigram)",
            "ggml-vocab-nomic-bert-moe.gguf",
            ModelSpec {
                optional: BERT_OPTIONAL,
                ..spec("bert", "bge-m3", 2)
            },
        ),
        recipe(
            "bert (XLM-R unigram), e5",
            "ggml-vocab-nomic-bert-moe.gguf",
            ModelSpec {
                optional: BERT_OPTIONAL,
                ..spec("bert", "multilingual-e5-small", 1)
            },
        ),
        recipe(
            "nomic-bert",
            "ggml-vocab-bert-bge.gguf",
            ModelSpec {
                fused_qkv: true,
                context_length: 2048,
                keys: vec![key("rope.freq_base", 1000f32)],
                optional: &["token_types.weight"],
                ..spec("nomic-bert", "nomic-embed-text-v1.5", 1)
            },
        ),
        recipe(
            "nomic-bert-moe",
            "ggml-vocab-nomic-bert-moe.gguf",
            ModelSpec {
                fused_qkv: true,
                keys: vec![
                    key("moe_every_n_layers", 2u32),
                    key("expert_count", 4u32),
                    key("expert_used_count", 2u32),
                ],
                optional: &[".bias", "token_types.weight"],
                ..spec("nomic-bert-moe", "Nomic Embed Text V2 Moe", 1)
            },
        ),
        recipe(
            "jina-bert-v2",
            "ggml-vocab-bert-bge.gguf",
            ModelSpec {
                wide_up: true,
                optional: &[".bias"],
                ..spec("jina-bert-v2", "jina-embeddings-v2-small-en", 1)
            },
        ),
        recipe(
            "jina-bert-v3",
            "ggml-vocab-nomic-bert-moe.gguf",
            ModelSpec {
                fused_qkv: true,
                context_length: 2048,
                keys: vec![key("rope.freq_base", 20000f32)],
                optional: &[".bias", "token_types.weight"],
                ..spec("jina-bert-v3", "jina-embeddings-v3", 1)
            },
        ),
        recipe(
            "modern-bert",
            "ggml-vocab-gpt-neox.gguf",
            ModelSpec {
                keys: vec![key("rope.freq_base", 160000f32)],
                ..spec("modern-bert", "Granite Embedding Small English R2", 2)
            },
        ),
        recipe(
            "neo-bert",
            "ggml-vocab-bert-bge.gguf",
            spec("neo-bert", "NeoBERT", 2),
        ),
        recipe(
            "eurobert",
            "ggml-vocab-llama-bpe.gguf",
            spec("eurobert", "EuroBERT 210m", 1),
        ),
        recipe(
            "gemma-embedding",
            "ggml-vocab-llama-spm.gguf",
            ModelSpec {
                head_dim: Some(32),
                n_head_kv: 1,
                context_length: 2048,
                // Every 2nd layer full (the real model: every 6th of 24), so both kinds exist.
                keys: vec![
                    key("attention.sliding_window", 512u32),
                    key("attention.sliding_window_pattern", 2u32),
                ],
                ..spec("gemma-embedding", "Embeddinggemma 300m", 1)
            },
        ),
        recipe(
            "t5encoder",
            "ggml-vocab-nomic-bert-moe.gguf",
            ModelSpec {
                head_dim: Some(16),
                keys: vec![key("attention.relative_buckets_count", 32u32)],
                ..spec("t5encoder", "sentence-t5-base", 1)
            },
        ),
        recipe(
            "qwen2",
            "ggml-vocab-qwen2.gguf",
            ModelSpec {
                n_head_kv: 2,
                context_length: 2048,
                optional: &["attn_q.bias", "attn_k.bias", "attn_v.bias"],
                ..spec("qwen2", "gte-Qwen2-1.5B-instruct", 3)
            },
        ),
        recipe(
            "qwen3",
            "ggml-vocab-qwen2.gguf",
            ModelSpec {
                n_head_kv: 2,
                head_dim: Some(16),
                context_length: 2048,
                ..spec("qwen3", "Qwen3 Embedding 0.6B", 3)
            },
        ),
        recipe(
            "llama",
            "ggml-vocab-llama-spm.gguf",
            ModelSpec {
                n_head_kv: 2,
                context_length: 2048,
                ..spec("llama", "e5-mistral-7b-instruct", 3)
            },
        ),
        recipe(
            "llama-embed",
            "ggml-vocab-llama-bpe.gguf",
            ModelSpec {
                n_head_kv: 2,
                context_length: 2048,
                ..spec("llama-embed", "llama-embed-nemotron-8b", 1)
            },
        ),
    ]
}
