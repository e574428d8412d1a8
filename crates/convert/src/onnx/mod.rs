//! ONNX exports of BERT-family encoders (what Optimum, transformers.js and langchain4j ship) to
//! GGUF. The file is hostile input: read by our own bounded protobuf reader over a read-only
//! mapping (why our own: see wire.rs; a code generator would need protoc at build time, and a
//! general decoder copies every 100 MB payload it meets; we need five messages, borrowed).
//! The hyper-parameters come from the graph itself (tensor shapes, the head split, LayerNorm's
//! epsilon), or from a config.json beside the model where the graph does not tell.

mod layout;
mod proto;
mod values;
mod wire;

use std::path::{Path, PathBuf};

use gguf_embed_format::{open_regular, GgmlType, OpenError};
use memmap2::Mmap;

use super::assemble::{self, TensorSource};
use super::checkpoint::{self, BertConfig, Checkpoint, MAX_CONFIG_BYTES};
use super::{check_out_type, ConvertError, ConvertReport};
use layout::{bert_layout, Layout, LayoutError, Weight};

pub use proto::{Model, ProtoError};

/// Protobuf messages cannot exceed 2 GiB; bigger models keep their weights in external files.
const MAX_ONNX_BYTES: u64 = 2 << 30;

#[derive(Debug, Clone, Default)]
pub struct OnnxOptions {
    /// The model's tokenizer.json (Hugging Face tokenizers' format). Without one, the first of
    /// `<name>-tokenizer.json` (langchain4j) and `tokenizer.json` beside the model, then
    /// `../tokenizer.json` (the `onnx/` folder of Optimum and transformers.js exports).
    pub tokenizer: Option<PathBuf>,
    /// llama.cpp pooling id (1 mean, 2 cls, 3 last). ONNX exports do not record it; without one,
    /// a modules.json beside the tokenizer (sentence-transformers) is read.
    pub pooling: Option<u32>,
    /// `general.name`; the file's name without `.onnx` if not given. Profiles (prefixes) are chosen
    /// from it.
    pub name: Option<String>,
}

/// Parses an ONNX file's bytes (for the fuzzer and tests): the model, or why not.
pub fn parse_onnx(bytes: &[u8]) -> Result<Model<'_>, ProtoError> {
    proto::parse_model(bytes)
}

fn bad(path: &Path, reason: impl Into<String>) -> ConvertError {
    ConvertError::BadOnnx {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn map_file(path: &Path) -> Result<Mmap, ConvertError> {
    let file = open_regular(path).map_err(|e| match e {
        OpenError::Io(source) => ConvertError::Io {
            path: path.to_path_buf(),
            source,
        },
        _ => bad(path, "not a regular file"),
    })?;
    let len = file
        .metadata()
        .map_err(|source| ConvertError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if len > MAX_ONNX_BYTES {
        return Err(bad(
            path,
            format!("{len} bytes is over protobuf's 2 GiB limit for one ONNX file"),
        ));
    }
    // SAFETY: read-only private mapping; see gguf_embed_format::Gguf::open for the caveat on files
    // truncated underneath.
    unsafe { Mmap::map(&file) }.map_err(|source| ConvertError::Io {
        path: path.to_path_buf(),
        source,
    })
}

struct OnnxTensors<'l, 'm, 'a> {
    layout: &'l Layout<'m, 'a>,
    path: &'l Path,
}

impl OnnxTensors<'_, '_, '_> {
    fn weight(&self, hf: &str) -> Option<&Weight<'_, '_>> {
        self.layout.tensors.get(hf)
    }
}

impl TensorSource for OnnxTensors<'_, '_, '_> {
    fn shape(&self, hf: &str) -> Option<Vec<u64>> {
        let w = self.weight(hf)?;
        let mut dims = w.tensor.dims.clone();
        if w.transposed {
            dims.reverse();
        }
        Some(dims)
    }

    fn values(&self, hf: &str) -> Result<Vec<f32>, ConvertError> {
        let w = self
            .weight(hf)
            .ok_or_else(|| ConvertError::MissingTensor { name: hf.into() })?;
        let values = values::to_f32(w.tensor).map_err(|reason| ConvertError::UnmappedWeight {
            path: self.path.to_path_buf(),
            tensor: w.tensor.name.to_owned(),
            reason,
        })?;
        if !w.transposed {
            return Ok(values);
        }
        let &[rows, cols] = &w.tensor.dims[..] else {
            return Err(ConvertError::UnmappedWeight {
                path: self.path.to_path_buf(),
                tensor: w.tensor.name.to_owned(),
                reason: format!("a matrix product's weight of shape {:?}", w.tensor.dims),
            });
        };
        // Stored [in, out]; PyTorch's Linear holds [out, in].
        let (rows, cols) = (rows as usize, cols as usize);
        let mut out = vec![0f32; values.len()];
        for r in 0..rows {
            for c in 0..cols {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        Ok(out)
    }
}

fn layout_error(path: &Path, e: LayoutError) -> ConvertError {
    match e {
        LayoutError::Quantized { op, node } => ConvertError::QuantizedOnnx {
            path: path.to_path_buf(),
            op,
            node,
        },
        LayoutError::Fused { op, domain } => bad(
            path,
            format!("node {op} of domain {domain:?} is a runtime-optimised fusion; convert the export before onnxruntime's optimiser ran"),
        ),
        LayoutError::Unmapped { tensor, reason } => ConvertError::UnmappedWeight {
            path: path.to_path_buf(),
            tensor,
            reason,
        },
        LayoutError::Unsupported(reason) => bad(path, reason),
    }
}

/// The first dimension of a named tensor, as a u32.
fn rows(src: &OnnxTensors, hf: &str) -> Option<u32> {
    let shape = src.shape(hf)?;
    u32::try_from(*shape.first()?).ok()
}

fn config(
    path: &Path,
    src: &OnnxTensors,
    mapped: &[(String, String)],
    name: String,
) -> Result<BertConfig, ConvertError> {
    let hf_of = |gguf: &str| {
        mapped
            .iter()
            .find(|(_, g)| g == gguf)
            .map(|(hf, _)| hf.as_str())
    };
    let need = |gguf: &'static str| -> Result<u32, ConvertError> {
        hf_of(gguf)
            .and_then(|hf| rows(src, hf))
            .filter(|&n| n > 0)
            .ok_or(ConvertError::MissingTensor { name: gguf.into() })
    };
    let word = hf_of("token_embd.weight").ok_or(ConvertError::MissingTensor {
        name: "token_embd.weight".into(),
    })?;
    let hidden = src
        .shape(word)
        .and_then(|s| s.get(1).copied())
        .and_then(|h| u32::try_from(h).ok())
        .filter(|&h| h > 0)
        .ok_or_else(|| bad(path, "the word embeddings are not a matrix"))?;
    let backing = assemble::backing(src, mapped)?;
    let heads = match src.layout.heads {
        Some((h, _)) => u32::try_from(h).map_err(|_| bad(path, "head count out of range"))?,
        None => heads_from_config(path)?,
    };
    let config = BertConfig {
        hidden_size: hidden,
        num_hidden_layers: backing.layers,
        num_attention_heads: heads,
        intermediate_size: need("blk.0.ffn_up.bias").or_else(|_| {
            hf_of("blk.0.ffn_up.weight")
                .and_then(|hf| rows(src, hf))
                .ok_or(ConvertError::MissingTensor {
                    name: "blk.0.ffn_up.weight".into(),
                })
        })?,
        max_position_embeddings: need("position_embd.weight")?,
        layer_norm_eps: src.layout.layer_norm_eps.unwrap_or(1e-12),
        vocab_size: u32::try_from(backing.vocab_rows)
            .map_err(|_| bad(path, "word embedding rows out of range"))?,
        type_vocab_size: need("token_types.weight").unwrap_or(1),
        name,
        pad_token_id: None,
    };
    if config.layer_norm_eps <= 0.0 || !config.layer_norm_eps.is_finite() {
        return Err(bad(
            path,
            format!(
                "LayerNorm epsilon {} is not positive",
                config.layer_norm_eps
            ),
        ));
    }
    checkpoint::check_backing(&config, backing, path)?;
    Ok(config)
}

/// Where the graph does not say how many heads there are, Optimum's config.json beside it does.
fn heads_from_config(path: &Path) -> Result<u32, ConvertError> {
    let config = path.with_file_name("config.json");
    if !config.exists() {
        return Err(bad(
            path,
            "the graph does not show the attention head count (no constant head split or scale); put the model's config.json beside it",
        ));
    }
    let json = checkpoint::read_json(&config, MAX_CONFIG_BYTES)?;
    json["num_attention_heads"]
        .as_u64()
        .and_then(|h| u32::try_from(h).ok())
        .filter(|&h| h > 0)
        .ok_or(ConvertError::MissingKey {
            path: config,
            key: "num_attention_heads",
        })
}

fn find_tokenizer(model: &Path) -> Result<PathBuf, ConvertError> {
    let stem = model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = model.parent().unwrap_or(Path::new(""));
    let candidates = [
        dir.join(format!("{stem}-tokenizer.json")),
        dir.join("tokenizer.json"),
        dir.join("../tokenizer.json"),
    ];
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .ok_or_else(|| {
            bad(
                model,
                "no tokenizer.json beside the model or in its parent folder: name the model's tokenizer.json",
            )
        })
}

pub fn convert_onnx(
    model: &Path,
    options: &OnnxOptions,
    output: &Path,
    out_type: GgmlType,
) -> Result<ConvertReport, ConvertError> {
    check_out_type(out_type)?;
    let map = map_file(model)?;
    let parsed =
        proto::parse_model(&map).map_err(|e| bad(model, format!("{}: {}", e.at, e.reason)))?;
    let layout = bert_layout(&parsed).map_err(|e| layout_error(model, e))?;
    let src = OnnxTensors {
        layout: &layout,
        path: model,
    };
    let mapped = assemble::map_names(layout.tensors.keys().map(String::as_str))?;
    let name = options.name.clone().unwrap_or_else(|| {
        model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let config = config(model, &src, &mapped, name)?;
    for (hf, _) in &mapped {
        // The checks below compare shapes; the value bytes must also be all there.
        let w = &layout.tensors[hf];
        if !values::is_float(w.tensor) {
            return Err(ConvertError::WrongDtype { hf: hf.clone() });
        }
    }
    let tokenizer = match &options.tokenizer {
        Some(t) => t.clone(),
        None => find_tokenizer(model)?,
    };
    let tokenizer_dir = tokenizer
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let pooling = match options.pooling {
        Some(p) => Some(p),
        None => checkpoint::pooling(&tokenizer_dir)?,
    };
    let Some(pooling) = pooling else {
        return Err(ConvertError::NeedsOption {
            path: model.to_path_buf(),
            option: "pooling",
            reason: "an ONNX export does not record its pooling: give it (cls, mean or last, as the model card says)".into(),
        });
    };
    let vocab = checkpoint::vocab(&tokenizer_dir, Some(&tokenizer), &config)?;
    let ck = Checkpoint {
        dir: tokenizer_dir,
        config,
        pooling: Some(pooling),
        vocab,
    };
    assemble::write_bert(&ck, &src, &mapped, output, out_type)
}
