//! The embedding architectures of the llama.cpp we build (llama-cpp-sys-2 0.1.161), as its loader
//! and graph builders see them: which run as encoders, which hyper-parameters each one requires or
//! asserts on, and (in `tensors`) every tensor its `load_arch_tensors` asks for, with its shape.
//! Read from `src/models/<arch>.cpp` and `src/llama-model.cpp` of that tree; preflight checks files
//! against this table and the synthetic writer builds test models from it.

mod tensors;

pub use tensors::{is_generic_scale, tensor_rules, Rule};

/// How a family normalises: the epsilon key llama.cpp requires for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// `<arch>.attention.layer_norm_epsilon`
    Layer,
    /// `<arch>.attention.layer_norm_rms_epsilon`
    Rms,
}

impl Norm {
    pub fn key(self) -> &'static str {
        match self {
            Norm::Layer => "attention.layer_norm_epsilon",
            Norm::Rms => "attention.layer_norm_rms_epsilon",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// `general.architecture`
    pub arch: &'static str,
    /// llama.cpp keeps no KV cache for it and attends both ways (`encode()`, not `decode()`).
    pub encoder: bool,
    pub norm: Norm,
    /// The loader throws unless `tokenizer.ggml.token_type_count` is above 0.
    pub token_types: bool,
    /// The graph asserts key head size == value head size.
    pub same_kv_head: bool,
    /// The graph asserts `rope.dimension_count` == head size.
    pub rot_is_head: bool,
    /// Further keys (after `<arch>.`) the loader requires.
    pub required: &'static [&'static str],
}

const fn family(arch: &'static str, encoder: bool, norm: Norm) -> Family {
    Family {
        arch,
        encoder,
        norm,
        token_types: false,
        same_kv_head: true,
        rot_is_head: false,
        required: &[],
    }
}

/// Every architecture llama.cpp can embed with that this table knows: the encoders it builds
/// without a KV cache, and the decoders real embedding GGUFs use (Qwen2: gte-Qwen2,
/// nomic-embed-code; Qwen3: Qwen3-Embedding; llama: e5-mistral, SFR-Embedding; llama-embed:
/// llama-embed-nemotron).
pub const FAMILIES: &[Family] = &[
    Family {
        token_types: true,
        ..family("bert", true, Norm::Layer)
    },
    Family {
        token_types: true,
        ..family("nomic-bert", true, Norm::Layer)
    },
    Family {
        token_types: true,
        ..family("nomic-bert-moe", true, Norm::Layer)
    },
    family("jina-bert-v2", true, Norm::Layer),
    Family {
        token_types: true,
        ..family("jina-bert-v3", true, Norm::Layer)
    },
    family("modern-bert", true, Norm::Layer),
    family("neo-bert", true, Norm::Rms),
    family("eurobert", true, Norm::Rms),
    Family {
        same_kv_head: false,
        required: &["attention.sliding_window"],
        ..family("gemma-embedding", true, Norm::Rms)
    },
    Family {
        required: &["attention.relative_buckets_count"],
        ..family("t5encoder", true, Norm::Rms)
    },
    Family {
        rot_is_head: true,
        ..family("qwen2", false, Norm::Rms)
    },
    Family {
        rot_is_head: true,
        ..family("qwen3", false, Norm::Rms)
    },
    Family {
        rot_is_head: true,
        ..family("llama", false, Norm::Rms)
    },
    Family {
        rot_is_head: true,
        ..family("llama-embed", false, Norm::Rms)
    },
];

pub fn family_of(arch: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.arch == arch)
}

/// Whether llama.cpp runs `arch` as an encoder (no KV cache, attention both ways). Architectures
/// outside the table count as decoders, as llama.cpp treats them.
pub fn is_encoder(arch: &str) -> bool {
    family_of(arch).is_some_and(|f| f.encoder)
}

/// The sizes tensor shapes are made of, as llama.cpp derives them from the metadata
/// (`LLAMA_LOAD_LOCALS`): the first layer's value where a key may hold one per layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dims {
    pub n_embd: u64,
    pub n_vocab: u64,
    pub n_layer: u64,
    pub n_ff: u64,
    pub n_head: u64,
    pub n_head_kv: u64,
    /// `attention.key_length`, else n_embd / n_head.
    pub head_k: u64,
    /// `attention.value_length`, else n_embd / n_head.
    pub head_v: u64,
    /// `rope.dimension_count`, else head_k.
    pub n_rot: u64,
    pub n_ctx_train: u64,
    /// `tokenizer.ggml.token_type_count`
    pub n_token_types: u64,
    pub n_expert: u64,
    /// `moe_every_n_layers` (nomic-bert-moe)
    pub moe_every: u64,
    /// `attention.relative_buckets_count` (t5encoder)
    pub n_rel_buckets: u64,
    /// Entries of `classifier.output_labels`, else 1.
    pub n_cls_out: u64,
    pub dense_2_out: u64,
    pub dense_3_in: u64,
    /// `rope.scaling.type` is "longrope" (llama: per-layer rope factor tensors).
    pub longrope: bool,
    /// `decision.block_count` (modern-bert question-type heads).
    pub n_layer_decision: u64,
}

impl Dims {
    pub fn k_gqa(&self) -> u64 {
        self.head_k * self.n_head_kv
    }
    pub fn v_gqa(&self) -> u64 {
        self.head_v * self.n_head_kv
    }
    /// Width of the query projection (head_k x heads).
    pub fn q(&self) -> u64 {
        self.head_k * self.n_head
    }
}
