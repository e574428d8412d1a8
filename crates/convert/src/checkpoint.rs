//! Reads a Hugging Face / sentence-transformers BERT checkpoint folder: hyper-parameters from
//! config.json, pooling from modules.json + 1_Pooling/config.json, the WordPiece vocabulary and
//! special tokens from tokenizer.json (or vocab.txt + tokenizer_config.json).

use std::path::{Path, PathBuf};

use gguf_embed_format::read_regular_to_string;
use serde_json::Value as Json;

use super::ConvertError;

/// llama.cpp's token types (tokenizer.ggml.token_type).
pub const NORMAL: i32 = 1;
pub const CONTROL: i32 = 3;
pub const USER_DEFINED: i32 = 4;
pub const UNUSED: i32 = 5;

#[derive(Debug, Clone)]
pub struct BertConfig {
    pub hidden_size: u32,
    pub num_hidden_layers: u32,
    pub num_attention_heads: u32,
    pub intermediate_size: u32,
    pub max_position_embeddings: u32,
    pub layer_norm_eps: f32,
    pub vocab_size: u32,
    pub type_vocab_size: u32,
    pub name: String,
    pub pad_token_id: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct SpecialIds {
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    pub unk: Option<u32>,
    pub sep: Option<u32>,
    pub pad: Option<u32>,
    pub mask: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Vocab {
    /// Already in llama.cpp's phantom-space form.
    pub tokens: Vec<String>,
    pub token_types: Vec<i32>,
    pub special: SpecialIds,
    pub lowercase: bool,
    pub strip_accents: Option<bool>,
}

pub struct Checkpoint {
    pub dir: PathBuf,
    pub config: BertConfig,
    /// llama.cpp pooling type id: 1 mean, 2 cls, 3 last; None when the folder names no pooling.
    pub pooling: Option<u32>,
    pub vocab: Vocab,
}

/// Largest config-style JSON read (config.json, modules.json, pooling and tokenizer configs).
pub(crate) const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// Largest vocabulary file read (tokenizer.json of a 250k-token vocabulary is ~17 MiB).
const MAX_VOCAB_BYTES: u64 = 256 << 20;
/// Most tokens a vocabulary may declare (the largest real ones have ~260k).
const MAX_VOCAB_SIZE: u32 = 1 << 22;

fn read_text(path: &Path, limit: u64) -> Result<String, ConvertError> {
    use gguf_embed_format::OpenError;
    read_regular_to_string(path, limit).map_err(|e| match e {
        OpenError::Io(source) => ConvertError::Io {
            path: path.to_path_buf(),
            source,
        },
        OpenError::NotAFile => ConvertError::BadCheckpoint {
            path: path.to_path_buf(),
            reason: "not a regular file".into(),
        },
        OpenError::TooLarge { size, limit } => ConvertError::BadCheckpoint {
            path: path.to_path_buf(),
            reason: format!("{size} bytes, over the {limit}-byte limit for this file"),
        },
    })
}

pub(crate) fn read_json(path: &Path, limit: u64) -> Result<Json, ConvertError> {
    let text = read_text(path, limit)?;
    serde_json::from_str(&text).map_err(|e| ConvertError::BadCheckpoint {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn read_optional_json(path: &Path, limit: u64) -> Result<Option<Json>, ConvertError> {
    if path.exists() {
        read_json(path, limit).map(Some)
    } else {
        Ok(None)
    }
}

/// What the checkpoint's tensors say about its size: the numbers config.json declares are checked
/// against these before anything is allocated from them.
#[derive(Debug, Clone, Copy)]
pub struct Backing {
    /// Rows of the word embedding table.
    pub vocab_rows: u64,
    /// Encoder layers that have at least one tensor.
    pub layers: u32,
}

impl Checkpoint {
    pub fn open(dir: &Path, backing: Backing) -> Result<Checkpoint, ConvertError> {
        let config_path = dir.join("config.json");
        let config = read_json(&config_path, MAX_CONFIG_BYTES)?;
        let config = bert_config(&config, &config_path)?;
        check_backing(&config, backing, &config_path)?;
        let pooling = pooling(dir)?;
        let tokenizer = Some(dir.join("tokenizer.json")).filter(|p| p.exists());
        let vocab = vocab(dir, tokenizer.as_deref(), &config)?;
        Ok(Checkpoint {
            dir: dir.to_path_buf(),
            config,
            pooling,
            vocab,
        })
    }
}

pub(crate) fn bert_config(c: &Json, path: &Path) -> Result<BertConfig, ConvertError> {
    let architectures: Vec<&str> = c["architectures"]
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let model_type = c["model_type"].as_str().unwrap_or("");
    let known = [
        "BertModel",
        "BertForMaskedLM",
        "BertForSequenceClassification",
    ];
    if !(model_type == "bert" || architectures.iter().any(|a| known.contains(a))) {
        return Err(ConvertError::UnsupportedArchitecture {
            path: path.to_path_buf(),
            found: if architectures.is_empty() {
                model_type.to_owned()
            } else {
                architectures.join(", ")
            },
        });
    }
    let u32_key = |key: &'static str| -> Result<u32, ConvertError> {
        c[key]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .filter(|&v| v > 0)
            .ok_or(ConvertError::MissingKey {
                path: path.to_path_buf(),
                key,
            })
    };
    let act = c["hidden_act"].as_str().unwrap_or("gelu");
    if !act.starts_with("gelu") {
        return Err(ConvertError::BadCheckpoint {
            path: path.to_path_buf(),
            reason: format!("hidden_act {act:?}: llama.cpp's BERT graph only computes GELU"),
        });
    }
    let config = BertConfig {
        hidden_size: u32_key("hidden_size")?,
        num_hidden_layers: u32_key("num_hidden_layers")?,
        num_attention_heads: u32_key("num_attention_heads")?,
        intermediate_size: u32_key("intermediate_size")?,
        max_position_embeddings: u32_key("max_position_embeddings")?,
        layer_norm_eps: c["layer_norm_eps"].as_f64().unwrap_or(1e-12) as f32,
        vocab_size: u32_key("vocab_size")?,
        type_vocab_size: c["type_vocab_size"]
            .as_u64()
            .map(|v| v as u32)
            .unwrap_or(1)
            .max(1),
        name: c["_name_or_path"]
            .as_str()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned(),
        pad_token_id: c["pad_token_id"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok()),
    };
    if config.hidden_size % config.num_attention_heads != 0 {
        return Err(ConvertError::BadCheckpoint {
            path: path.to_path_buf(),
            reason: format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                config.hidden_size, config.num_attention_heads
            ),
        });
    }
    Ok(config)
}

/// config.json's sizes must be the tensors' sizes: a vocabulary or layer count that no tensor backs
/// would otherwise size allocations (a 4294967295-token vocabulary is 100 GB of slots).
pub(crate) fn check_backing(c: &BertConfig, b: Backing, path: &Path) -> Result<(), ConvertError> {
    let bad = |reason: String| {
        Err(ConvertError::BadCheckpoint {
            path: path.to_path_buf(),
            reason,
        })
    };
    if c.vocab_size > MAX_VOCAB_SIZE {
        return bad(format!(
            "vocab_size {} is above the limit of {MAX_VOCAB_SIZE}",
            c.vocab_size
        ));
    }
    if u64::from(c.vocab_size) != b.vocab_rows {
        return bad(format!(
            "vocab_size {} but the word embeddings have {} rows",
            c.vocab_size, b.vocab_rows
        ));
    }
    if c.num_hidden_layers != b.layers {
        return bad(format!(
            "num_hidden_layers {} but the tensors hold {} layers",
            c.num_hidden_layers, b.layers
        ));
    }
    Ok(())
}

/// sentence-transformers names its pooling module in modules.json; its config says which mode.
pub(crate) fn pooling(dir: &Path) -> Result<Option<u32>, ConvertError> {
    let Some(modules) = read_optional_json(&dir.join("modules.json"), MAX_CONFIG_BYTES)? else {
        return Ok(None);
    };
    let Some(module) = modules
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["type"].as_str().is_some_and(|t| t.ends_with("Pooling")))
    else {
        return Ok(None);
    };
    let path = dir
        .join(module["path"].as_str().unwrap_or("1_Pooling"))
        .join("config.json");
    let cfg = read_json(&path, MAX_CONFIG_BYTES)?;
    let on = |key: &str| cfg[key].as_bool().unwrap_or(false);
    let id = if on("pooling_mode_mean_tokens") {
        1
    } else if on("pooling_mode_cls_token") {
        2
    } else if on("pooling_mode_lasttoken") {
        3
    } else {
        match cfg["pooling_mode"].as_str() {
            Some("mean") => 1,
            Some("cls") => 2,
            Some("lasttoken") => 3,
            other => {
                return Err(ConvertError::BadCheckpoint {
                    path,
                    reason: format!(
                    "pooling mode {other:?} has no llama.cpp equivalent (mean, cls or lasttoken)"
                ),
                })
            }
        }
    };
    Ok(Some(id))
}

/// `vec![value; n]`, refused with a typed error instead of aborting when memory runs out.
fn fallible_vec<T: Clone>(n: usize, value: T, dir: &Path) -> Result<Vec<T>, ConvertError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| out_of_memory(n, dir))?;
    v.resize(n, value);
    Ok(v)
}

fn out_of_memory(n: usize, dir: &Path) -> ConvertError {
    ConvertError::BadCheckpoint {
        path: dir.to_path_buf(),
        reason: format!("not enough memory for a vocabulary of {n} tokens"),
    }
}

/// A special token named in tokenizer_config.json, as a string or as {"content": ...}.
fn token_text(v: &Json) -> Option<&str> {
    v.as_str().or_else(|| v["content"].as_str())
}

/// The vocabulary from `tokenizer` (a tokenizer.json) or else `dir`/vocab.txt, with the special
/// tokens `dir`/tokenizer_config.json names (or, without one, those tokenizer.json's
/// post-processor adds).
pub(crate) fn vocab(
    dir: &Path,
    tokenizer: Option<&Path>,
    config: &BertConfig,
) -> Result<Vocab, ConvertError> {
    let tokenizer_path = tokenizer;
    let tokenizer = match tokenizer_path {
        Some(p) => Some(read_json(p, MAX_VOCAB_BYTES)?),
        None => None,
    };
    let tokenizer_config =
        read_optional_json(&dir.join("tokenizer_config.json"), MAX_CONFIG_BYTES)?
            .unwrap_or(Json::Null);
    let n = config.vocab_size as usize;
    let mut texts: Vec<Option<String>> = fallible_vec(n, None, dir)?;
    let mut types = fallible_vec(n, NORMAL, dir)?;
    let mut added: Vec<(u32, String, bool)> = Vec::new();

    match &tokenizer {
        Some(t) => {
            let path = tokenizer_path.unwrap_or(dir).to_path_buf();
            if t["model"]["type"].as_str() != Some("WordPiece") {
                return Err(ConvertError::BadCheckpoint {
                    path,
                    reason: format!(
                        "tokenizer model {:?}: only WordPiece BERT vocabularies are converted",
                        t["model"]["type"]
                    ),
                });
            }
            for (text, id) in t["model"]["vocab"].as_object().into_iter().flatten() {
                if let Some(slot) = id.as_u64().and_then(|i| texts.get_mut(i as usize)) {
                    *slot = Some(text.clone());
                }
            }
            for a in t["added_tokens"].as_array().into_iter().flatten() {
                if let (Some(id), Some(content)) = (a["id"].as_u64(), a["content"].as_str()) {
                    added.push((
                        id as u32,
                        content.to_owned(),
                        a["special"].as_bool().unwrap_or(false),
                    ));
                }
            }
        }
        None => {
            let path = dir.join("vocab.txt");
            let text = read_text(&path, MAX_VOCAB_BYTES)?;
            for (i, line) in text.lines().enumerate().take(n) {
                texts[i] = Some(line.to_owned());
            }
            // Without tokenizer.json, the [X]-style tokens tokenizer_config names are the special ones.
            for key in [
                "unk_token",
                "sep_token",
                "pad_token",
                "cls_token",
                "mask_token",
            ] {
                if let Some(content) = token_text(&tokenizer_config[key]) {
                    if let Some(id) = texts.iter().position(|t| t.as_deref() == Some(content)) {
                        added.push((id as u32, content.to_owned(), true));
                    }
                }
            }
        }
    }

    for (id, content, special) in &added {
        let Some(i) = usize::try_from(*id).ok().filter(|&i| i < n) else {
            continue;
        };
        texts[i] = Some(content.clone());
        types[i] = if *special { CONTROL } else { USER_DEFINED };
    }
    let mut tokens: Vec<String> = fallible_vec(0, String::new(), dir)?;
    tokens
        .try_reserve_exact(n)
        .map_err(|_| out_of_memory(n, dir))?;
    for (i, text) in texts.into_iter().enumerate() {
        let token = match text {
            None => {
                types[i] = UNUSED;
                format!("\u{2581}[PAD{i}]")
            }
            Some(t) if types[i] == CONTROL => t,
            Some(t) => match t.strip_prefix("##") {
                Some(rest) => rest.to_owned(),
                None => format!("\u{2581}{t}"),
            },
        };
        tokens.push(token);
    }
    check_tokens(&tokens, tokenizer_path.unwrap_or(&dir.join("vocab.txt")))?;

    let post = tokenizer
        .as_ref()
        .map(post_processor_specials)
        .unwrap_or_default();
    let id_of = |key: &str| -> Option<u32> {
        let content = token_text(&tokenizer_config[key]).or_else(|| match key {
            "cls_token" => post.0.as_deref(),
            "sep_token" => post.1.as_deref(),
            "unk_token" => tokenizer.as_ref()?["model"]["unk_token"].as_str(),
            "pad_token" => Some("[PAD]"),
            "mask_token" => Some("[MASK]"),
            _ => None,
        })?;
        added.iter().find(|a| a.1 == content).map(|a| a.0)
    };
    let mut special = SpecialIds {
        bos: id_of("bos_token").or_else(|| id_of("cls_token")),
        eos: id_of("eos_token").or_else(|| id_of("sep_token")),
        unk: id_of("unk_token"),
        sep: id_of("sep_token"),
        pad: id_of("pad_token"),
        mask: id_of("mask_token"),
    };
    if special.pad.is_none() {
        special.pad = config.pad_token_id;
    }
    for id in [
        &mut special.bos,
        &mut special.eos,
        &mut special.unk,
        &mut special.sep,
        &mut special.pad,
        &mut special.mask,
    ] {
        if id.is_some_and(|i| i >= config.vocab_size) {
            *id = None;
        }
    }
    // llama.cpp's WordPiece tokenizer always adds [CLS] and [SEP]; without those ids it would assert.
    if special.bos.is_none() || special.sep.is_none() {
        return Err(ConvertError::BadCheckpoint {
            path: dir.to_path_buf(),
            reason: "the tokenizer names no [CLS]/[SEP] special tokens".into(),
        });
    }

    let normalizer = tokenizer
        .as_ref()
        .map(|t| &t["normalizer"])
        .unwrap_or(&Json::Null);
    let lowercase = normalizer["lowercase"]
        .as_bool()
        .or_else(|| tokenizer_config["do_lower_case"].as_bool())
        .unwrap_or(true);
    let strip_accents = normalizer["strip_accents"].as_bool();
    Ok(Vocab {
        tokens,
        token_types: types,
        special,
        lowercase,
        strip_accents,
    })
}

/// The tokens tokenizer.json's post-processor puts before and after a single sequence: (CLS, SEP).
fn post_processor_specials(t: &Json) -> (Option<String>, Option<String>) {
    let p = &t["post_processor"];
    let owned = |v: &Json| v.as_str().map(str::to_owned);
    match p["type"].as_str() {
        Some("BertProcessing") | Some("RobertaProcessing") => {
            (owned(&p["cls"][0]), owned(&p["sep"][0]))
        }
        Some("TemplateProcessing") => {
            let single = p["single"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            let special = |item: &Json| owned(&item["SpecialToken"]["id"]);
            let at = single.iter().position(|i| i.get("Sequence").is_some());
            let before = at.and_then(|a| single[..a].iter().find_map(special));
            let after = at.and_then(|a| single[a + 1..].iter().find_map(special));
            (before, after)
        }
        _ => (None, None),
    }
}

/// llama.cpp asserts on duplicate token texts: refuse them here, naming the token.
fn check_tokens(tokens: &[String], path: &Path) -> Result<(), ConvertError> {
    let mut seen = std::collections::HashMap::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        if let Some(first) = seen.insert(t.as_str(), i) {
            return Err(ConvertError::BadCheckpoint {
                path: path.to_path_buf(),
                reason: format!(
                    "tokens {first} and {i} are both {t:?} after llama.cpp's phantom-space rewrite"
                ),
            });
        }
    }
    Ok(())
}
