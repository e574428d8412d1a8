//! BERT tensor names and metadata as llama.cpp's own converter writes them for architecture `bert`.

use gguf_embed_format::{ArrayValue, GgmlType, GgufWriter, MetaValue};

use super::checkpoint::Checkpoint;
use super::ConvertError;

/// The GGUF name of a Hugging Face BERT tensor; `Ok(None)` for tensors llama.cpp does not use.
pub fn gguf_name(hf: &str) -> Option<Option<String>> {
    let name = hf.strip_prefix("bert.").unwrap_or(hf);
    let owned;
    let name = if let Some(stem) = name.strip_suffix(".gamma") {
        owned = format!("{stem}.weight");
        owned.as_str()
    } else if let Some(stem) = name.strip_suffix(".beta") {
        owned = format!("{stem}.bias");
        owned.as_str()
    } else {
        name
    };
    if matches!(
        name,
        "embeddings.position_ids" | "pooler.dense.weight" | "pooler.dense.bias"
    ) || name.starts_with("cls.predictions")
        || name.starts_with("cls.seq_relationship")
    {
        return Some(None);
    }
    let (stem, suffix) = name.rsplit_once('.')?;
    if suffix != "weight" && suffix != "bias" {
        return None;
    }
    let mapped = match stem {
        "embeddings.word_embeddings" => "token_embd".to_owned(),
        "embeddings.position_embeddings" => "position_embd".to_owned(),
        "embeddings.token_type_embeddings" => "token_types".to_owned(),
        "embeddings.LayerNorm" => "token_embd_norm".to_owned(),
        _ => {
            let rest = stem.strip_prefix("encoder.layer.")?;
            let (layer, part) = rest.split_once('.')?;
            let layer: u32 = layer.parse().ok()?;
            let part = match part {
                "attention.self.query" => "attn_q",
                "attention.self.key" => "attn_k",
                "attention.self.value" => "attn_v",
                "attention.output.dense" => "attn_output",
                "attention.output.LayerNorm" => "attn_output_norm",
                "intermediate.dense" => "ffn_up",
                "output.dense" => "ffn_down",
                "output.LayerNorm" => "layer_output_norm",
                _ => return None,
            };
            format!("blk.{layer}.{part}")
        }
    };
    Some(Some(format!("{mapped}.{suffix}")))
}

/// The storage type llama.cpp's converter picks: 1-D tensors, norms, position and token-type
/// embeddings stay F32; weight matrices get the output type.
pub fn storage_type(gguf_name: &str, n_dims: usize, out: GgmlType) -> GgmlType {
    let always_f32 = n_dims <= 1
        || gguf_name.ends_with("_norm.weight")
        || gguf_name == "position_embd.weight"
        || gguf_name == "token_types.weight"
        || !gguf_name.ends_with(".weight");
    if always_f32 {
        GgmlType::F32
    } else {
        out
    }
}

/// The GGUF shape (ggml order, innermost first) each llama.cpp BERT tensor must have.
pub fn expected_shape(gguf_name: &str, c: &super::checkpoint::BertConfig) -> Option<Vec<u64>> {
    let (e, f) = (c.hidden_size as u64, c.intermediate_size as u64);
    let name = gguf_name
        .strip_prefix("blk.")
        .map(|r| r.split_once('.').map(|(_, p)| p).unwrap_or(r))
        .unwrap_or(gguf_name);
    Some(match name {
        "token_embd.weight" => vec![e, c.vocab_size as u64],
        "position_embd.weight" => vec![e, c.max_position_embeddings as u64],
        "token_types.weight" => vec![e, c.type_vocab_size as u64],
        "attn_q.weight" | "attn_k.weight" | "attn_v.weight" | "attn_output.weight" => vec![e, e],
        "ffn_up.weight" => vec![e, f],
        "ffn_up.bias" => vec![f],
        "ffn_down.weight" => vec![f, e],
        n if n.ends_with(".bias") || n.ends_with("_norm.weight") => vec![e],
        _ => return None,
    })
}

/// Tensors llama.cpp's BERT loader requires (biases and token types are optional to it).
pub fn required_tensors(layers: u32) -> Vec<String> {
    let mut names: Vec<String> = [
        "token_embd.weight",
        "position_embd.weight",
        "token_embd_norm.weight",
        "token_embd_norm.bias",
    ]
    .map(String::from)
    .to_vec();
    for l in 0..layers {
        for part in [
            "attn_q.weight",
            "attn_k.weight",
            "attn_v.weight",
            "attn_output.weight",
            "attn_output_norm.weight",
            "attn_output_norm.bias",
            "ffn_up.weight",
            "ffn_down.weight",
            "layer_output_norm.weight",
            "layer_output_norm.bias",
        ] {
            names.push(format!("blk.{l}.{part}"));
        }
    }
    names
}

/// llama.cpp's `general.file_type` for the output type.
pub fn file_type(out: GgmlType) -> u32 {
    match out {
        GgmlType::F32 => 0,
        GgmlType::F16 => 1,
        GgmlType::Q8_0 => 7,
        _ => 0,
    }
}

/// All metadata, in the order llama.cpp's converter writes it.
pub fn write_metadata(
    w: &mut GgufWriter,
    ck: &Checkpoint,
    out: GgmlType,
) -> Result<(), ConvertError> {
    let c = &ck.config;
    let v = &ck.vocab;
    let mut add = |key: &str, value: MetaValue| w.add(key, value).map_err(ConvertError::from);
    add("general.architecture", "bert".into())?;
    add("general.type", "model".into())?;
    if !c.name.is_empty() {
        add("general.name", c.name.clone().into())?;
    }
    add("bert.block_count", c.num_hidden_layers.into())?;
    add("bert.context_length", c.max_position_embeddings.into())?;
    add("bert.embedding_length", c.hidden_size.into())?;
    add("bert.feed_forward_length", c.intermediate_size.into())?;
    add("bert.attention.head_count", c.num_attention_heads.into())?;
    add("bert.attention.layer_norm_epsilon", c.layer_norm_eps.into())?;
    add("general.file_type", file_type(out).into())?;
    add("bert.attention.causal", false.into())?;
    if let Some(p) = ck.pooling {
        add("bert.pooling_type", p.into())?;
    }
    add("general.quantization_version", 2u32.into())?;
    add("tokenizer.ggml.token_type_count", c.type_vocab_size.into())?;
    add("tokenizer.ggml.model", "bert".into())?;
    // llama.cpp ignores the pre-tokenizer name for WordPiece vocabularies.
    add("tokenizer.ggml.pre", "default".into())?;
    add(
        "tokenizer.ggml.tokens",
        ArrayValue::String(v.tokens.clone()).into(),
    )?;
    add(
        "tokenizer.ggml.token_type",
        ArrayValue::I32(v.token_types.clone()).into(),
    )?;
    let s = &v.special;
    for (key, id) in [
        ("tokenizer.ggml.bos_token_id", s.bos),
        ("tokenizer.ggml.eos_token_id", s.eos),
        ("tokenizer.ggml.unknown_token_id", s.unk),
        ("tokenizer.ggml.seperator_token_id", s.sep),
        ("tokenizer.ggml.padding_token_id", s.pad),
        ("tokenizer.ggml.mask_token_id", s.mask),
    ] {
        if let Some(id) = id {
            add(key, id.into())?;
        }
    }
    add("tokenizer.ggml.add_bos_token", true.into())?;
    add("tokenizer.ggml.add_eos_token", true.into())?;
    add("tokenizer.ggml.add_sep_token", false.into())?;
    add("tokenizer.ggml.normalizer.lowercase", v.lowercase.into())?;
    if let Some(strip) = v.strip_accents {
        add("tokenizer.ggml.normalizer.strip_accents", strip.into())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_like_llama_cpp() {
        assert_eq!(
            gguf_name("embeddings.word_embeddings.weight"),
            Some(Some("token_embd.weight".into()))
        );
        assert_eq!(
            gguf_name("bert.encoder.layer.11.output.LayerNorm.gamma"),
            Some(Some("blk.11.layer_output_norm.weight".into()))
        );
        assert_eq!(
            gguf_name("encoder.layer.0.attention.self.query.bias"),
            Some(Some("blk.0.attn_q.bias".into()))
        );
        assert_eq!(gguf_name("pooler.dense.weight"), Some(None));
        assert_eq!(
            gguf_name("encoder.layer.0.attention.self.rotary.weight"),
            None
        );
        assert_eq!(
            storage_type("blk.0.attn_q.weight", 2, GgmlType::Q8_0),
            GgmlType::Q8_0
        );
        assert_eq!(
            storage_type("position_embd.weight", 2, GgmlType::F16),
            GgmlType::F32
        );
        assert_eq!(
            storage_type("blk.0.attn_q.bias", 1, GgmlType::F16),
            GgmlType::F32
        );
    }
}
