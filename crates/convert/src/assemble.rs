//! Writes the GGUF file from a checkpoint's tensors, wherever they come from (a safetensors file
//! or an ONNX graph): names mapped as llama.cpp's converter maps them, every shape checked against
//! what llama.cpp will demand, storage types chosen as its converter chooses them.

use std::path::Path;

use gguf_embed_format::{GgmlType, GgufWriter, TensorData};

use super::checkpoint::{Backing, Checkpoint};
use super::safetensors::SafeTensors;
use super::{bert, quant, ConvertError, ConvertReport};

/// Tensors by their Hugging Face name, with PyTorch's (row-major) shapes.
pub trait TensorSource {
    fn shape(&self, hf: &str) -> Option<Vec<u64>>;
    /// Row-major values matching `shape`.
    fn values(&self, hf: &str) -> Result<Vec<f32>, ConvertError>;
}

impl TensorSource for SafeTensors {
    fn shape(&self, hf: &str) -> Option<Vec<u64>> {
        self.get(hf).map(|e| e.shape.clone())
    }

    fn values(&self, hf: &str) -> Result<Vec<f32>, ConvertError> {
        let entry = self
            .get(hf)
            .ok_or_else(|| ConvertError::MissingTensor { name: hf.into() })?;
        self.to_f32(entry)
            .ok_or_else(|| ConvertError::WrongDtype { hf: hf.into() })
    }
}

/// (Hugging Face name, GGUF name) of every tensor llama.cpp uses, sorted by Hugging Face name as
/// llama.cpp's converter orders them; a name it does not know is an error.
pub fn map_names<'n>(
    names: impl Iterator<Item = &'n str>,
) -> Result<Vec<(String, String)>, ConvertError> {
    let mut mapped = Vec::new();
    for hf in names {
        match bert::gguf_name(hf) {
            Some(Some(name)) => mapped.push((hf.to_owned(), name)),
            Some(None) => {}
            None => return Err(ConvertError::UnknownTensor { hf: hf.to_owned() }),
        }
    }
    mapped.sort();
    Ok(mapped)
}

/// What the tensors themselves say about the model's size, for checking declared sizes against.
pub fn backing(
    src: &dyn TensorSource,
    mapped: &[(String, String)],
) -> Result<Backing, ConvertError> {
    let (hf, _) = mapped
        .iter()
        .find(|(_, name)| name == "token_embd.weight")
        .ok_or_else(|| ConvertError::MissingTensor {
            name: "token_embd.weight".into(),
        })?;
    let vocab_rows = src.shape(hf).and_then(|s| s.first().copied()).unwrap_or(0);
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

pub fn write_bert(
    ck: &Checkpoint,
    src: &dyn TensorSource,
    mapped: &[(String, String)],
    output: &Path,
    out_type: GgmlType,
) -> Result<ConvertReport, ConvertError> {
    for required in bert::required_tensors(ck.config.num_hidden_layers) {
        if !mapped.iter().any(|(_, n)| *n == required) {
            return Err(ConvertError::MissingTensor { name: required });
        }
    }
    let mut w = GgufWriter::new();
    bert::write_metadata(&mut w, ck, out_type)?;
    for (hf, name) in mapped {
        let shape = src
            .shape(hf)
            .ok_or_else(|| ConvertError::MissingTensor { name: hf.clone() })?;
        let dims: Vec<u64> = shape.iter().rev().copied().collect();
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
        let values = src.values(hf)?;
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
