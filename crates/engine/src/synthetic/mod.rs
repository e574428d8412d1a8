//! Small random-weight models in llama.cpp's layout, one per embedding architecture it runs, for
//! testing what cannot be downloaded here. The tensors are the ones `crate::architectures` lists
//! for the family (every required one, plus the optional ones a spec names); the tokenizer is real:
//! every `tokenizer.*` key is copied from a vocab GGUF made by llama.cpp's tools. Weights are
//! seeded pseudo-random, so files are reproducible.

mod decoder;
mod families;

use std::path::Path;

use gguf_embed_format::{GgmlType, Gguf, GgufWriter, Limits, MetaValue, TensorData};

use crate::architectures::{family_of, tensor_rules, Dims};
use crate::EngineError;

pub use decoder::{write_decoder, DecoderArch, DecoderSpec};
pub use families::{recipes, Recipe};

/// What to write: an architecture from `crate::architectures::FAMILIES` and its sizes.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    pub arch: &'static str,
    /// `general.name`: the profile is chosen from it.
    pub name: String,
    pub n_embd: u64,
    pub n_head: u64,
    pub n_head_kv: u64,
    /// Head size, when not n_embd / n_head (written as key_length and value_length).
    pub head_dim: Option<u64>,
    pub n_ff: u64,
    pub n_layer: u64,
    pub context_length: u32,
    /// llama.cpp pooling id to store (1 mean, 2 CLS, 3 last), or none.
    pub pooling: Option<u32>,
    pub seed: u64,
    /// Further keys, named after `<arch>.`.
    pub keys: Vec<(String, MetaValue)>,
    /// Write one fused `attn_qkv` instead of Q, K and V.
    pub fused_qkv: bool,
    /// jina-bert-v2: `ffn_up` twice as wide, holding the gate (GEGLU).
    pub wide_up: bool,
    /// Optional tensors to write, by name suffix (".bias", "token_types.weight", ...).
    pub optional: &'static [&'static str],
}

impl ModelSpec {
    pub fn tiny(arch: &'static str, name: &str) -> ModelSpec {
        ModelSpec {
            arch,
            name: name.to_owned(),
            n_embd: 64,
            n_head: 4,
            n_head_kv: 4,
            head_dim: None,
            n_ff: 128,
            n_layer: 2,
            context_length: 512,
            pooling: None,
            seed: 0x5eed,
            keys: Vec::new(),
            fused_qkv: false,
            wide_up: false,
            optional: &[],
        }
    }
}

/// xorshift64*, mapped to roughly N(0, scale) by summing uniforms.
struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32
    }
    fn normal(&mut self, scale: f32) -> f32 {
        (self.uniform() + self.uniform() + self.uniform() + self.uniform() - 2.0) * scale * 1.7
    }
}

fn convert_err<E: Into<crate::convert::ConvertError>>(e: E) -> EngineError {
    EngineError::Convert(e.into())
}

/// Writes the model to `output`, taking the tokenizer from `vocab` (a llama.cpp vocab-only GGUF).
pub fn write_model(spec: &ModelSpec, vocab: &Path, output: &Path) -> Result<(), EngineError> {
    let family = family_of(spec.arch).ok_or_else(|| {
        EngineError::invalid("arch", format!("{} is not in the table", spec.arch))
    })?;
    let v = Gguf::open(vocab, &Limits::default())?;
    let n_vocab = v
        .get("tokenizer.ggml.tokens")
        .and_then(|t| t.as_array())
        .map(|a| a.len())
        .ok_or_else(|| {
            EngineError::invalid(
                "vocab",
                format!("{} has no tokenizer.ggml.tokens", vocab.display()),
            )
        })?;
    let n_token_types = v
        .get("tokenizer.ggml.token_type_count")
        .and_then(|t| t.as_u64())
        .unwrap_or(0);
    let arch = spec.arch;
    let head = spec.head_dim.unwrap_or(spec.n_embd / spec.n_head);
    let mut w = GgufWriter::new();
    let mut kvs: Vec<(String, MetaValue)> = vec![
        ("general.architecture".into(), arch.into()),
        ("general.name".into(), spec.name.clone().into()),
        (format!("{arch}.context_length"), spec.context_length.into()),
        (
            format!("{arch}.embedding_length"),
            (spec.n_embd as u32).into(),
        ),
        (format!("{arch}.block_count"), (spec.n_layer as u32).into()),
        (
            format!("{arch}.feed_forward_length"),
            (spec.n_ff as u32).into(),
        ),
        (
            format!("{arch}.attention.head_count"),
            (spec.n_head as u32).into(),
        ),
        (
            format!("{arch}.attention.head_count_kv"),
            (spec.n_head_kv as u32).into(),
        ),
        (
            format!("{arch}.{}", family.norm.key()),
            match family.norm {
                crate::architectures::Norm::Layer => 1e-12f32,
                crate::architectures::Norm::Rms => 1e-6f32,
            }
            .into(),
        ),
    ];
    if let Some(d) = spec.head_dim {
        kvs.push((format!("{arch}.attention.key_length"), (d as u32).into()));
        kvs.push((format!("{arch}.attention.value_length"), (d as u32).into()));
    }
    if let Some(p) = spec.pooling {
        kvs.push((format!("{arch}.pooling_type"), p.into()));
    }
    for (k, val) in &spec.keys {
        kvs.push((format!("{arch}.{k}"), val.clone()));
    }
    for (k, val) in kvs {
        w.add(&k, val).map_err(convert_err)?;
    }
    for kv in v.kvs().filter(|kv| kv.key.starts_with("tokenizer.")) {
        w.add(kv.key, MetaValue::from_value(&kv.value))
            .map_err(convert_err)?;
    }

    let uint = |k: &str| {
        spec.keys
            .iter()
            .find(|(key, _)| key == k)
            .and_then(|(_, v)| match v {
                MetaValue::U32(n) => Some(*n as u64),
                _ => None,
            })
            .unwrap_or(0)
    };
    let dims = Dims {
        n_embd: spec.n_embd,
        n_vocab,
        n_layer: spec.n_layer,
        n_ff: spec.n_ff,
        n_head: spec.n_head,
        n_head_kv: spec.n_head_kv,
        head_k: head,
        head_v: head,
        n_rot: head,
        n_ctx_train: spec.context_length as u64,
        n_token_types,
        n_expert: uint("expert_count"),
        moe_every: uint("moe_every_n_layers"),
        n_rel_buckets: uint("attention.relative_buckets_count"),
        n_cls_out: 1,
        ..Dims::default()
    };
    // The optional tensors the file will hold: llama.cpp decides some tensors by what the file
    // holds (a fused attn_qkv, its bias, a wide ffn_up), so the table is asked with this answer.
    let chosen = |name: &str| -> Option<Vec<u64>> {
        if spec.fused_qkv && name.ends_with("attn_qkv.weight") {
            return Some(vec![]);
        }
        if spec.wide_up && name.ends_with("ffn_up.weight") {
            return Some(vec![spec.n_embd, spec.n_ff * 2]);
        }
        // Classifier heads only when named outright: a converter writes them as a set.
        let named = spec
            .optional
            .iter()
            .any(|s| name.ends_with(s) && (!name.starts_with("cls") || s.starts_with("cls")));
        named.then(Vec::new)
    };
    let rules = tensor_rules(arch, &dims, &chosen).ok_or_else(|| {
        EngineError::invalid(
            "arch",
            format!("no tensor table for {arch} with these sizes"),
        )
    })?;
    let mut rng = Rng(spec.seed | 1);
    for rule in rules {
        if !rule.required && chosen(&rule.name).is_none() {
            continue;
        }
        let shape = if spec.wide_up {
            rule.shapes.last()
        } else {
            rule.shapes.first()
        };
        let dims = shape.cloned().unwrap_or_default();
        let n: u64 = dims.iter().product();
        let name = rule.name.as_str();
        let values: Vec<f32> = if name.contains("norm") && name.ends_with(".weight") {
            vec![1.0; n as usize]
        } else {
            let scale = if name.ends_with(".bias") {
                0.02
            } else if name.starts_with("token_embd") {
                0.5
            } else if name.starts_with("position_embd") || name.starts_with("token_types") {
                0.1
            } else {
                0.15
            };
            (0..n).map(|_| rng.normal(scale)).collect()
        };
        let (ty, bytes) = if !rule.f32_only {
            (
                GgmlType::F16,
                values
                    .iter()
                    .flat_map(|&x| half::f16::from_f32(x).to_le_bytes())
                    .collect(),
            )
        } else {
            (
                GgmlType::F32,
                values.iter().flat_map(|x| x.to_le_bytes()).collect(),
            )
        };
        w.add_tensor(name, &dims, ty, TensorData::Bytes(bytes))
            .map_err(convert_err)?;
    }
    w.write_file(output).map_err(convert_err)?;
    Ok(())
}
