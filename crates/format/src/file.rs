//! `Gguf`: a parsed file over its bytes (a read-only mapping, or any byte buffer). The layout holds
//! offsets only, so heap use grows with the number of keys and tensors, never with the file.

use std::path::Path;

use memmap2::{Mmap, MmapOptions};

use crate::error::GgufError;
use crate::ggml_type::GgmlType;
use crate::limits::Limits;
use crate::open::{open_regular, OpenError};
use crate::reader::{parse, Layout, RawKv, RawTensor, RawValue};
use crate::value::{decode_fixed, ArrayView, GgufStr, Value, ValueType};

/// A GGUF file whose header, metadata and tensor infos have been validated.
pub struct Gguf<B: AsRef<[u8]> = Mmap> {
    bytes: B,
    layout: Layout,
}

impl Gguf<Mmap> {
    /// Maps `path` read-only and validates it. Only the pages the header touches are read.
    ///
    /// The mapping stays valid if the file is replaced by rename while open (the old inode lives
    /// on); truncating the file in place while it is mapped is a SIGBUS on any mmap reader.
    pub fn open(path: impl AsRef<Path>, limits: &Limits) -> Result<Self, GgufError> {
        let path = path.as_ref();
        let io = |source| GgufError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = open_regular(path).map_err(|e| match e {
            OpenError::Io(source) => io(source),
            OpenError::NotAFile | OpenError::TooLarge { .. } => GgufError::NotAFile {
                path: path.to_path_buf(),
            },
        })?;
        // SAFETY: the mapping is read-only and private to this process. Another process could
        // truncate the file underneath it, which no mmap reader can prevent (see above).
        let map = unsafe { MmapOptions::new().map(&file) }.map_err(io)?;
        Gguf::from_bytes(map, limits)
    }
}

impl<B: AsRef<[u8]>> Gguf<B> {
    pub fn from_bytes(bytes: B, limits: &Limits) -> Result<Self, GgufError> {
        let layout = parse(bytes.as_ref(), limits)?;
        Ok(Gguf { bytes, layout })
    }

    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    pub fn version(&self) -> u32 {
        self.layout.version
    }

    pub fn alignment(&self) -> u32 {
        self.layout.alignment
    }

    pub fn file_len(&self) -> u64 {
        self.bytes().len() as u64
    }

    /// Byte offset of the data section (tensor offsets are relative to it).
    pub fn data_offset(&self) -> u64 {
        self.layout.data_start
    }

    /// Heap bytes this reader holds for the parsed layout. Depends on the number of keys and
    /// tensors only: not on the file size, string lengths or array lengths.
    pub fn heap_bytes(&self) -> usize {
        self.layout.kvs.capacity() * std::mem::size_of::<RawKv>()
            + self.layout.tensors.capacity() * std::mem::size_of::<RawTensor>()
    }

    pub fn kv_count(&self) -> usize {
        self.layout.kvs.len()
    }

    pub fn kvs(&self) -> impl Iterator<Item = Kv<'_>> + '_ {
        self.layout.kvs.iter().map(move |raw| self.kv(raw))
    }

    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        self.get_kv(key).map(|kv| kv.value)
    }

    pub fn get_kv(&self, key: &str) -> Option<Kv<'_>> {
        let bytes = self.bytes();
        self.layout
            .kvs
            .iter()
            .find(|raw| &bytes[raw.key_start..raw.key_start + raw.key_len] == key.as_bytes())
            .map(|raw| self.kv(raw))
    }

    fn kv(&self, raw: &RawKv) -> Kv<'_> {
        let bytes = self.bytes();
        // Keys were checked to be UTF-8 when parsed.
        let key =
            std::str::from_utf8(&bytes[raw.key_start..raw.key_start + raw.key_len]).unwrap_or("");
        let value = match raw.value {
            RawValue::Fixed { ty, at } => {
                let size = ty.fixed_size().unwrap_or(0) as usize;
                decode_fixed(ty, &bytes[at..at + size]).unwrap_or(Value::U8(0))
            }
            RawValue::Str { start, len } => Value::String(GgufStr(&bytes[start..start + len])),
            RawValue::Array {
                elem,
                len,
                start,
                byte_len,
            } => Value::Array(ArrayView {
                elem,
                len,
                bytes: &bytes[start..start + byte_len],
            }),
        };
        Kv {
            key,
            value,
            offset: raw.offset,
        }
    }

    pub fn tensor_count(&self) -> usize {
        self.layout.tensors.len()
    }

    pub fn tensors(&self) -> impl Iterator<Item = TensorInfo<'_>> + '_ {
        self.layout
            .tensors
            .iter()
            .map(move |raw| self.tensor_info(raw))
    }

    pub fn tensor(&self, name: &str) -> Option<TensorInfo<'_>> {
        self.tensors().find(|t| t.name == name)
    }

    fn tensor_info(&self, raw: &RawTensor) -> TensorInfo<'_> {
        let bytes = self.bytes();
        let name = std::str::from_utf8(&bytes[raw.name_start..raw.name_start + raw.name_len])
            .unwrap_or("");
        TensorInfo {
            name,
            n_dims: raw.n_dims,
            dims: raw.dims,
            ggml_type: raw.ggml_type,
            data_offset: raw.data_offset,
            file_offset: self.layout.data_start + raw.data_offset,
            n_bytes: raw.n_bytes,
            n_elements: raw.n_elements,
            info_offset: raw.info_offset,
        }
    }

    /// The tensor's bytes, borrowed from the mapping (checked to be in the file when parsed).
    pub fn tensor_data(&self, t: &TensorInfo) -> &[u8] {
        let start = t.file_offset as usize;
        &self.bytes()[start..start + t.n_bytes as usize]
    }

    /// Total elements over all tensors.
    pub fn parameter_count(&self) -> u64 {
        self.layout
            .tensors
            .iter()
            .map(|t| t.n_elements)
            .fold(0u64, u64::saturating_add)
    }

    /// Bytes per ggml type over all tensors, largest first: the quantization mix.
    pub fn bytes_by_type(&self) -> Vec<(GgmlType, u64, usize)> {
        let mut mix: Vec<(GgmlType, u64, usize)> = Vec::new();
        for t in &self.layout.tensors {
            match mix.iter_mut().find(|m| m.0 == t.ggml_type) {
                Some(m) => {
                    m.1 += t.n_bytes;
                    m.2 += 1;
                }
                None => mix.push((t.ggml_type, t.n_bytes, 1)),
            }
        }
        mix.sort_by_key(|m| std::cmp::Reverse(m.1));
        mix
    }
}

/// One metadata entry.
#[derive(Debug, Clone, Copy)]
pub struct Kv<'a> {
    pub key: &'a str,
    pub value: Value<'a>,
    /// Byte offset of the entry (its key's length prefix).
    pub offset: u64,
}

impl Kv<'_> {
    pub fn value_type(&self) -> ValueType {
        self.value.value_type()
    }
}

/// One tensor's description. `dims` beyond `n_dims` are 1, as in ggml.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TensorInfo<'a> {
    pub name: &'a str,
    pub n_dims: u32,
    pub dims: [u64; 4],
    pub ggml_type: GgmlType,
    /// Relative to the data section, as stored.
    pub data_offset: u64,
    /// Absolute byte offset in the file.
    pub file_offset: u64,
    pub n_bytes: u64,
    pub n_elements: u64,
    /// Byte offset of this tensor's info record.
    pub info_offset: u64,
}

impl TensorInfo<'_> {
    pub fn shape(&self) -> &[u64] {
        &self.dims[..self.n_dims as usize]
    }
}
