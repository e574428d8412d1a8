//! gguf-embed-convert: a Hugging Face / sentence-transformers BERT checkpoint folder into a GGUF file that
//! llama.cpp loads, with the tensor names and metadata llama.cpp's own converter writes. Every
//! tensor is checked against the shape llama.cpp will demand before anything is written.

#![deny(clippy::all)]

mod bert;
mod checkpoint;
mod quant;
mod safetensors;

use std::path::{Path, PathBuf};

use gguf_embed_format::{GgmlType, GgufWriter, TensorData, WriteError};

pub use checkpoint::{Backing, Checkpoint, CONTROL, NORMAL, UNUSED, USER_DEFINED};
pub use safetensors::SafeTensors;

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    BadCheckpoint { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    BadSafetensors { path: PathBuf, reason: String },
    #[error("{path}: key {key:?} is missing or not a positive integer")]
    MissingKey { path: PathBuf, key: &'static str },
    #[error("{path}: architecture {found:?} is not supported (BERT-family checkpoints are)")]
    UnsupportedArchitecture { path: PathBuf, found: String },
    #[error("tensor {name:?} is missing from the checkpoint")]
    MissingTensor { name: String },
    #[error("tensor {hf:?} (GGUF {name:?}) has shape {found:?}, llama.cpp needs {expected:?} (ggml order)")]
    WrongShape {
        hf: String,
        name: String,
        found: Vec<u64>,
        expected: Vec<u64>,
    },
    #[error("tensor {hf:?} holds integers where llama.cpp needs floating point")]
    WrongDtype { hf: String },
    #[error("tensor {hf:?} is not a BERT tensor llama.cpp knows")]
    UnknownTensor { hf: String },
    #[error(
        "output type {0} is not one convert writes (f32, f16, q8_0); use quantize for the others"
    )]
    UnsupportedOutType(String),
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl ConvertError {
    /// Stable name of the variant, for callers that branch on it.
    pub fn kind(&self) -> &'static str {
        match self {
            ConvertError::Io { .. } => "Io",
            ConvertError::BadCheckpoint { .. } => "BadCheckpoint",
            ConvertError::BadSafetensors { .. } => "BadSafetensors",
            ConvertError::MissingKey { .. } => "MissingKey",
            ConvertError::UnsupportedArchitecture { .. } => "UnsupportedArchitecture",
            ConvertError::MissingTensor { .. } => "MissingTensor",
            ConvertError::WrongShape { .. } => "WrongShape",
            ConvertError::WrongDtype { .. } => "WrongDtype",
            ConvertError::UnknownTensor { .. } => "UnknownTensor",
            ConvertError::UnsupportedOutType(_) => "UnsupportedOutType",
            ConvertError::Write(WriteError::Io { .. }) => "Io",
            ConvertError::Write(_) => "Write",
        }
    }

    /// The file the error is about, where there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ConvertError::Io { path, .. }
            | ConvertError::BadCheckpoint { path, .. }
            | ConvertError::BadSafetensors { path, .. }
            | ConvertError::MissingKey { path, .. }
            | ConvertError::UnsupportedArchitecture { path, .. }
            | ConvertError::Write(WriteError::Io { path, .. }) => Some(path),
            _ => None,
        }
    }

    /// The tensor the error is about (its checkpoint name where it has one), where there is one.
    pub fn tensor(&self) -> Option<&str> {
        match self {
            ConvertError::MissingTensor { name } => Some(name),
            ConvertError::WrongShape { hf, .. }
            | ConvertError::WrongDtype { hf }
            | ConvertError::UnknownTensor { hf } => Some(hf),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConvertReport {
    pub output: PathBuf,
    pub tensors: usize,
    pub bytes: u64,
    pub pooling: Option<u32>,
}

/// The sizes the tensors themselves give, for checking config.json against.
fn backing(st: &SafeTensors, mapped: &[(String, String)]) -> Result<Backing, ConvertError> {
    let (hf, _) = mapped
        .iter()
        .find(|(_, name)| name == "token_embd.weight")
        .ok_or_else(|| ConvertError::MissingTensor {
            name: "token_embd.weight".into(),
        })?;
    let vocab_rows = st
        .get(hf)
        .and_then(|e| e.shape.first().copied())
        .unwrap_or(0);
    // Layer indices come from tensor names, so there are no more of them than tensors; they must
    // run 0..n without a gap.
    let indices: std::collections::BTreeSet<u32> = mapped
        .iter()
        .filter_map(|(_, name)| name.strip_prefix("blk.")?.split('.').next()?.parse().ok())
        .collect();
    if let Some(gap) = (0u32..).zip(&indices).find(|(want, &got)| *want != got) {
        return Err(ConvertError::MissingTensor {
            name: format!("blk.{}.*", gap.0),
        });
    }
    let layers = indices.len() as u32;
    Ok(Backing { vocab_rows, layers })
}

pub fn convert(
    dir: &Path,
    output: &Path,
    out_type: GgmlType,
) -> Result<ConvertReport, ConvertError> {
    if !matches!(out_type, GgmlType::F32 | GgmlType::F16 | GgmlType::Q8_0) {
        return Err(ConvertError::UnsupportedOutType(out_type.name().to_owned()));
    }
    let st = SafeTensors::open(&dir.join("model.safetensors"))?;

    // Sorted HF names, as llama.cpp's converter orders them.
    let mut mapped: Vec<(String, String)> = Vec::new();
    for hf in st.names() {
        match bert::gguf_name(hf) {
            Some(Some(name)) => mapped.push((hf.to_owned(), name)),
            Some(None) => {}
            None => return Err(ConvertError::UnknownTensor { hf: hf.to_owned() }),
        }
    }
    let ck = Checkpoint::open(dir, backing(&st, &mapped)?)?;
    for required in bert::required_tensors(ck.config.num_hidden_layers) {
        if !mapped.iter().any(|(_, n)| *n == required) {
            return Err(ConvertError::MissingTensor { name: required });
        }
    }

    let mut w = GgufWriter::new();
    bert::write_metadata(&mut w, &ck, out_type)?;
    for (hf, name) in &mapped {
        let entry = st
            .get(hf)
            .ok_or_else(|| ConvertError::MissingTensor { name: hf.clone() })?;
        let dims: Vec<u64> = entry.shape.iter().rev().copied().collect();
        let expected = bert::expected_shape(name, &ck.config)
            .ok_or_else(|| ConvertError::UnknownTensor { hf: hf.clone() })?;
        if dims != expected {
            return Err(ConvertError::WrongShape {
                hf: hf.clone(),
                name: name.clone(),
                found: dims,
                expected,
            });
        }
        let values = st
            .to_f32(entry)
            .ok_or_else(|| ConvertError::WrongDtype { hf: hf.clone() })?;
        let row = dims[0] as usize;
        let mut ty = bert::storage_type(name, dims.len(), out_type);
        let bytes = match quant::encode(&values, row, ty) {
            Some(b) => b,
            None => {
                // As llama.cpp's converter does: rows that are not whole Q8_0 blocks fall back to F16.
                ty = GgmlType::F16;
                quant::encode(&values, row, ty).unwrap_or_default()
            }
        };
        w.add_tensor(name, &dims, ty, TensorData::Bytes(bytes))?;
    }
    let bytes = w.write_file(output)?;
    Ok(ConvertReport {
        output: output.to_path_buf(),
        tensors: mapped.len(),
        bytes,
        pooling: ck.pooling,
    })
}
