//! gguf-embed-convert: a Hugging Face / sentence-transformers BERT checkpoint folder, or an ONNX
//! export of one, into a GGUF file that llama.cpp loads, with the tensor names and metadata
//! llama.cpp's own converter writes. Every tensor is checked against the shape llama.cpp will
//! demand before anything is written.

#![deny(clippy::all)]

mod assemble;
mod bert;
mod checkpoint;
mod onnx;
mod quant;
mod safetensors;

use std::path::{Path, PathBuf};

use gguf_embed_format::{GgmlType, WriteError};

pub use checkpoint::{Backing, Checkpoint, CONTROL, NORMAL, UNUSED, USER_DEFINED};
pub use onnx::{convert_onnx, parse_onnx, OnnxOptions};
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
    #[error("{path}: {reason}")]
    BadOnnx { path: PathBuf, reason: String },
    #[error("{path}: this ONNX export is quantized ({op} in {node:?}): its int8 weights are lossy and are not converted; convert the float32 export instead (model.onnx, not model_quantized.onnx or a -q package)")]
    QuantizedOnnx {
        path: PathBuf,
        op: String,
        node: String,
    },
    #[error("{path}: initializer {tensor:?} cannot be placed: {reason}")]
    UnmappedWeight {
        path: PathBuf,
        tensor: String,
        reason: String,
    },
    /// The input does not carry something the caller must then say (an ONNX file's pooling).
    #[error("{path}: {reason}")]
    NeedsOption {
        path: PathBuf,
        option: &'static str,
        reason: String,
    },
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
            ConvertError::BadOnnx { .. } => "BadOnnx",
            ConvertError::QuantizedOnnx { .. } => "QuantizedOnnx",
            ConvertError::UnmappedWeight { .. } => "UnmappedWeight",
            ConvertError::NeedsOption { .. } => "NeedsOption",
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
            | ConvertError::BadOnnx { path, .. }
            | ConvertError::QuantizedOnnx { path, .. }
            | ConvertError::UnmappedWeight { path, .. }
            | ConvertError::NeedsOption { path, .. }
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
            ConvertError::UnmappedWeight { tensor, .. } => Some(tensor),
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

pub fn convert(
    dir: &Path,
    output: &Path,
    out_type: GgmlType,
) -> Result<ConvertReport, ConvertError> {
    check_out_type(out_type)?;
    let st = SafeTensors::open(&dir.join("model.safetensors"))?;
    let mapped = assemble::map_names(st.names())?;
    let ck = Checkpoint::open(dir, assemble::backing(&st, &mapped)?)?;
    assemble::write_bert(&ck, &st, &mapped, output, out_type)
}

/// A checkpoint folder (model.safetensors, config.json, tokenizer files) or an ONNX file, by what
/// `input` is. `onnx` applies to ONNX files only.
pub fn convert_input(
    input: &Path,
    onnx: &OnnxOptions,
    output: &Path,
    out_type: GgmlType,
) -> Result<ConvertReport, ConvertError> {
    if input.is_dir() {
        if onnx.tokenizer.is_some() || onnx.pooling.is_some() || onnx.name.is_some() {
            return Err(ConvertError::BadCheckpoint {
                path: input.to_path_buf(),
                reason: "tokenizer, pooling and name are options of ONNX conversion; a checkpoint folder carries its own".into(),
            });
        }
        convert(input, output, out_type)
    } else {
        convert_onnx(input, onnx, output, out_type)
    }
}

fn check_out_type(out_type: GgmlType) -> Result<(), ConvertError> {
    if !matches!(out_type, GgmlType::F32 | GgmlType::F16 | GgmlType::Q8_0) {
        return Err(ConvertError::UnsupportedOutType(out_type.name().to_owned()));
    }
    Ok(())
}
