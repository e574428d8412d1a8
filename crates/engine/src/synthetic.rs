//! Small random-weight decoder models (Qwen2 / Qwen3 layout, as llama.cpp's loader expects it) for
//! testing the decoder path: code embedders such as nomic-embed-code and Qwen3-Embedding cannot be
//! downloaded here. The tokenizer is real: every `tokenizer.*` key is copied from a vocab GGUF made
//! by llama.cpp's tools. Weights are seeded pseudo-random, so files are reproducible.

use std::path::Path;

use gguf_embed_format::{GgmlType, Gguf, GgufWriter, Limits, MetaValue, TensorData};

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

fn f32_bytes(values: impl Iterator<Item = f32>) -> Vec<u8> {
    values.flat_map(f32::to_le_bytes).collect()
}

/// Writes the model to `output`, taking the tokenizer from `vocab` (a llama.cpp vocab-only GGUF).
pub fn write_decoder(spec: &DecoderSpec, vocab: &Path, output: &Path) -> Result<(), EngineError> {
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
    let arch = match spec.arch {
        DecoderArch::Qwen2 => "qwen2",
        DecoderArch::Qwen3 => "qwen3",
    };
    let head_dim = spec.n_embd / spec.n_head;
    let mut w = GgufWriter::new();
    let mut add =
        |k: &str, val: MetaValue| w.add(k, val).map_err(|e| EngineError::Convert(e.into()));
    add("general.architecture", arch.into())?;
    add("general.name", spec.name.clone().into())?;
    add(
        &format!("{arch}.context_length"),
        spec.context_length.into(),
    )?;
    add(
        &format!("{arch}.embedding_length"),
        (spec.n_embd as u32).into(),
    )?;
    add(&format!("{arch}.block_count"), (spec.n_layer as u32).into())?;
    add(
        &format!("{arch}.feed_forward_length"),
        (spec.n_ff as u32).into(),
    )?;
    add(
        &format!("{arch}.attention.head_count"),
        (spec.n_head as u32).into(),
    )?;
    add(
        &format!("{arch}.attention.head_count_kv"),
        (spec.n_head_kv as u32).into(),
    )?;
    add(
        &format!("{arch}.attention.layer_norm_rms_epsilon"),
        1e-6f32.into(),
    )?;
    add(&format!("{arch}.rope.freq_base"), 1_000_000f32.into())?;
    if spec.arch == DecoderArch::Qwen3 {
        add(
            &format!("{arch}.attention.key_length"),
            (head_dim as u32).into(),
        )?;
        add(
            &format!("{arch}.attention.value_length"),
            (head_dim as u32).into(),
        )?;
    }
    if let Some(p) = spec.pooling {
        add(&format!("{arch}.pooling_type"), p.into())?;
    }
    for kv in v.kvs().filter(|kv| kv.key.starts_with("tokenizer.")) {
        add(kv.key, MetaValue::from_value(&kv.value))?;
    }

    let mut rng = Rng(spec.seed | 1);
    let mut tensor =
        |w: &mut GgufWriter, name: &str, dims: &[u64], fill: Fill| -> Result<(), EngineError> {
            let n: u64 = dims.iter().product();
            let values: Vec<f32> = match fill {
                Fill::Ones => vec![1.0; n as usize],
                Fill::Random(scale) => (0..n).map(|_| rng.normal(scale)).collect(),
            };
            let (ty, bytes) = if dims.len() >= 2 {
                (
                    GgmlType::F16,
                    values
                        .iter()
                        .flat_map(|&x| half::f16::from_f32(x).to_le_bytes())
                        .collect(),
                )
            } else {
                (GgmlType::F32, f32_bytes(values.into_iter()))
            };
            w.add_tensor(name, dims, ty, TensorData::Bytes(bytes))
                .map_err(|e| EngineError::Convert(e.into()))
        };
    let (e, ff, kv) = (spec.n_embd, spec.n_ff, spec.n_head_kv * head_dim);
    tensor(
        &mut w,
        "token_embd.weight",
        &[e, n_vocab],
        Fill::Random(0.5),
    )?;
    tensor(&mut w, "output_norm.weight", &[e], Fill::Ones)?;
    for l in 0..spec.n_layer {
        let t = |part: &str| format!("blk.{l}.{part}");
        tensor(&mut w, &t("attn_norm.weight"), &[e], Fill::Ones)?;
        tensor(&mut w, &t("attn_q.weight"), &[e, e], Fill::Random(0.15))?;
        tensor(&mut w, &t("attn_k.weight"), &[e, kv], Fill::Random(0.15))?;
        tensor(&mut w, &t("attn_v.weight"), &[e, kv], Fill::Random(0.15))?;
        if spec.arch == DecoderArch::Qwen2 {
            tensor(&mut w, &t("attn_q.bias"), &[e], Fill::Random(0.02))?;
            tensor(&mut w, &t("attn_k.bias"), &[kv], Fill::Random(0.02))?;
            tensor(&mut w, &t("attn_v.bias"), &[kv], Fill::Random(0.02))?;
        } else {
            tensor(&mut w, &t("attn_q_norm.weight"), &[head_dim], Fill::Ones)?;
            tensor(&mut w, &t("attn_k_norm.weight"), &[head_dim], Fill::Ones)?;
        }
        tensor(
            &mut w,
            &t("attn_output.weight"),
            &[e, e],
            Fill::Random(0.15),
        )?;
        tensor(&mut w, &t("ffn_norm.weight"), &[e], Fill::Ones)?;
        tensor(&mut w, &t("ffn_gate.weight"), &[e, ff], Fill::Random(0.15))?;
        tensor(&mut w, &t("ffn_up.weight"), &[e, ff], Fill::Random(0.15))?;
        tensor(&mut w, &t("ffn_down.weight"), &[ff, e], Fill::Random(0.1))?;
    }
    w.write_file(output)
        .map_err(|e| EngineError::Convert(e.into()))?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Fill {
    Ones,
    Random(f32),
}
