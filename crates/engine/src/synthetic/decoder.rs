//! The decoder models the first synthetic tests used (Qwen2 / Qwen3 with last-token pooling), kept
//! as a shorthand over `write_model`: code embedders such as nomic-embed-code (Qwen2) and
//! Qwen3-Embedding cannot be downloaded here.

use std::path::Path;

use gguf_embed_format::MetaValue;

use super::{write_model, ModelSpec};
use crate::EngineError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecoderArch {
    Qwen2,
    Qwen3,
}

#[derive(Debug, Clone)]
pub struct DecoderSpec {
    pub arch: DecoderArch,
    pub name: String,
    pub n_embd: u64,
    pub n_head: u64,
    pub n_head_kv: u64,
    pub n_ff: u64,
    pub n_layer: u64,
    pub context_length: u32,
    /// llama.cpp pooling id to store (3 = last), or none.
    pub pooling: Option<u32>,
    pub seed: u64,
}

impl DecoderSpec {
    pub fn tiny(arch: DecoderArch, name: &str) -> DecoderSpec {
        DecoderSpec {
            arch,
            name: name.to_owned(),
            n_embd: 64,
            n_head: 4,
            n_head_kv: 2,
            n_ff: 128,
            n_layer: 2,
            context_length: 2048,
            pooling: Some(3),
            seed: 0x5eed,
        }
    }

    pub fn model_spec(&self) -> ModelSpec {
        let (arch, optional, head_dim): (_, &'static [&'static str], _) = match self.arch {
            // Qwen2 has biases on Q, K and V; Qwen3 norms on Q and K and an explicit head size.
            DecoderArch::Qwen2 => (
                "qwen2",
                &["attn_q.bias", "attn_k.bias", "attn_v.bias"],
                None,
            ),
            DecoderArch::Qwen3 => ("qwen3", &[], Some(self.n_embd / self.n_head)),
        };
        ModelSpec {
            n_embd: self.n_embd,
            n_head: self.n_head,
            n_head_kv: self.n_head_kv,
            head_dim,
            n_ff: self.n_ff,
            n_layer: self.n_layer,
            context_length: self.context_length,
            pooling: self.pooling,
            seed: self.seed,
            keys: vec![("rope.freq_base".into(), MetaValue::F32(1_000_000.0))],
            optional,
            ..ModelSpec::tiny(arch, &self.name)
        }
    }
}

/// Writes the model to `output`, taking the tokenizer from `vocab` (a llama.cpp vocab-only GGUF).
pub fn write_decoder(spec: &DecoderSpec, vocab: &Path, output: &Path) -> Result<(), EngineError> {
    write_model(&spec.model_spec(), vocab, output)
}
