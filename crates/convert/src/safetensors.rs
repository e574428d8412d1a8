//! A bounded reader of `.safetensors` files over a read-only mapping: an 8-byte little-endian header
//! length, a JSON header naming each tensor's dtype, shape and byte range, then the data. Every
//! range and size is checked before a byte of data is touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gguf_embed_format::{open_regular, OpenError};
use memmap2::Mmap;
use serde::Deserialize;

use super::ConvertError;

/// Headers above this are refused (real checkpoints have a few hundred KiB at most).
const MAX_HEADER_BYTES: u64 = 100 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    F32,
    F16,
    BF16,
    /// Integer tensors (BERT's position_ids) are read only to be dropped.
    I64,
    I32,
}

impl Dtype {
    fn parse(s: &str) -> Option<Dtype> {
        match s {
            "F32" => Some(Dtype::F32),
            "F16" => Some(Dtype::F16),
            "BF16" => Some(Dtype::BF16),
            "I64" => Some(Dtype::I64),
            "I32" => Some(Dtype::I32),
            _ => None,
        }
    }
    pub fn size(self) -> u64 {
        match self {
            Dtype::I64 => 8,
            Dtype::F32 | Dtype::I32 => 4,
            Dtype::F16 | Dtype::BF16 => 2,
        }
    }
}

#[derive(Deserialize)]
struct RawEntry {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: [u64; 2],
}

/// One tensor: its shape (row-major, as in PyTorch) and where its bytes are.
#[derive(Debug, Clone)]
pub struct StEntry {
    pub dtype: Dtype,
    pub shape: Vec<u64>,
    start: usize,
    end: usize,
}

impl StEntry {
    pub fn n_elements(&self) -> u64 {
        self.shape.iter().product()
    }
}

pub struct SafeTensors {
    path: PathBuf,
    map: Mmap,
    entries: BTreeMap<String, StEntry>,
}

impl SafeTensors {
    pub fn open(path: &Path) -> Result<SafeTensors, ConvertError> {
        let io = |source| ConvertError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = open_regular(path).map_err(|e| match e {
            OpenError::Io(source) => io(source),
            _ => ConvertError::BadSafetensors {
                path: path.to_path_buf(),
                reason: "not a regular file".into(),
            },
        })?;
        // SAFETY: read-only private mapping; see gguf_embed_format::Gguf::open for the caveat on
        // files truncated underneath.
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        let bad = |reason: String| ConvertError::BadSafetensors {
            path: path.to_path_buf(),
            reason,
        };
        if map.len() < 8 {
            return Err(bad(format!(
                "{} bytes is too short for a header",
                map.len()
            )));
        }
        let header_len = u64::from_le_bytes(map[..8].try_into().unwrap_or([0; 8]));
        if header_len > MAX_HEADER_BYTES || header_len > map.len() as u64 - 8 {
            return Err(bad(format!(
                "header length {header_len} exceeds the file or the {MAX_HEADER_BYTES}-byte limit"
            )));
        }
        let data_start = 8 + header_len as usize;
        let header: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(&map[8..data_start])
                .map_err(|e| bad(format!("header is not JSON: {e}")))?;
        let data_len = (map.len() - data_start) as u64;
        let mut entries = BTreeMap::new();
        for (name, value) in header {
            if name == "__metadata__" {
                continue;
            }
            let raw: RawEntry =
                serde_json::from_value(value).map_err(|e| bad(format!("tensor {name:?}: {e}")))?;
            let dtype = Dtype::parse(&raw.dtype).ok_or_else(|| {
                bad(format!(
                    "tensor {name:?}: dtype {} is not F32, F16, BF16, I32 or I64",
                    raw.dtype
                ))
            })?;
            let [begin, end] = raw.data_offsets;
            let expected = raw
                .shape
                .iter()
                .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
                .ok_or_else(|| bad(format!("tensor {name:?}: shape {:?} overflows", raw.shape)))?;
            if begin > end || end > data_len || end - begin != expected {
                return Err(bad(format!(
                    "tensor {name:?}: bytes {begin}..{end} do not hold {expected} bytes inside the {data_len}-byte data section"
                )));
            }
            entries.insert(
                name,
                StEntry {
                    dtype,
                    shape: raw.shape,
                    start: data_start + begin as usize,
                    end: data_start + end as usize,
                },
            );
        }
        Ok(SafeTensors {
            path: path.to_path_buf(),
            map,
            entries,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> Option<&StEntry> {
        self.entries.get(name)
    }

    /// The tensor's values as f32, converted from its stored dtype; `None` for integer tensors.
    pub fn to_f32(&self, entry: &StEntry) -> Option<Vec<f32>> {
        let bytes = &self.map[entry.start..entry.end];
        Some(match entry.dtype {
            Dtype::I64 | Dtype::I32 => return None,
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F16 => bytes
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Dtype::BF16 => bytes
                .chunks_exact(2)
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        })
    }
}
