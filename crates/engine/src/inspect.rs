//! The description `inspect` gives of a GGUF file: read from the bounded reader only, so it never
//! loads weights and costs the same for a 20 MB file as for a 40 GB one.

use std::path::Path;

use gguf_embed_format::{Gguf, Limits, Value, ValueType};

use crate::EngineError;

/// String values longer than this are cut in the description (a chat template can be huge).
const MAX_STRING_PREVIEW: usize = 4096;

/// llama.cpp's `enum llama_pooling_type`, as stored in `<arch>.pooling_type`.
const POOLING_NAMES: [&str; 5] = ["none", "mean", "cls", "last", "rank"];

#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub version: u32,
    pub architecture: Option<String>,
    pub name: Option<String>,
    pub parameter_count: u64,
    pub tensor_count: u64,
    pub file_size: u64,
    pub alignment: u32,
    pub data_offset: u64,
    /// Bytes per ggml type, largest first: the quantization mix.
    pub types: Vec<TypeBytes>,
    pub context_length: Option<u64>,
    pub embedding_length: Option<u64>,
    pub block_count: Option<u64>,
    pub head_count: Option<u64>,
    /// "none" | "mean" | "cls" | "last" | "rank", or "unknown(N)" for an id llama.cpp would refuse.
    pub pooling_type: Option<String>,
    pub causal: Option<bool>,
    pub tokenizer_model: Option<String>,
    pub vocab_size: Option<u64>,
    pub metadata: Vec<MetaEntry>,
    pub tensors: Vec<TensorSummary>,
    /// Heap bytes the reader holds for this file's layout.
    pub reader_heap_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeBytes {
    pub ggml_type: String,
    pub bytes: u64,
    pub tensors: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TensorSummary {
    pub name: String,
    pub ggml_type: String,
    pub ggml_type_id: u32,
    pub shape: Vec<u64>,
    pub bytes: u64,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetaScalar {
    /// Every integer or float that a JS number holds exactly.
    Number(f64),
    /// 64-bit integers beyond 2^53, in decimal.
    BigInt(String),
    Bool(bool),
    String(String),
}

/// One metadata key: scalars with their value, arrays summarised by element type and length.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaEntry {
    pub key: String,
    pub value_type: String,
    pub value: Option<MetaScalar>,
    pub element_type: Option<String>,
    /// Array length, or the byte length of a string.
    pub length: Option<u64>,
    /// True when a string value was cut to MAX_STRING_PREVIEW bytes.
    pub truncated: bool,
}

pub fn inspect(path: &Path, limits: &Limits, with_tensors: bool) -> Result<ModelInfo, EngineError> {
    let gguf = Gguf::open(path, limits)?;
    Ok(inspect_gguf(&gguf, with_tensors))
}

pub fn inspect_gguf<B: AsRef<[u8]>>(g: &Gguf<B>, with_tensors: bool) -> ModelInfo {
    let str_of = |key: &str| g.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let architecture = str_of("general.architecture");
    let arch_u64 = |suffix: &str| {
        let arch = architecture.as_deref()?;
        g.get(&format!("{arch}.{suffix}"))?.as_u64()
    };
    let pooling_type = arch_u64("pooling_type").map(|id| match POOLING_NAMES.get(id as usize) {
        Some(name) => (*name).to_owned(),
        None => format!("unknown({id})"),
    });
    let causal = architecture
        .as_deref()
        .and_then(|arch| g.get(&format!("{arch}.attention.causal")))
        .and_then(|v| v.as_bool());

    ModelInfo {
        version: g.version(),
        name: str_of("general.name"),
        parameter_count: g.parameter_count(),
        tensor_count: g.tensor_count() as u64,
        file_size: g.file_len(),
        alignment: g.alignment(),
        data_offset: g.data_offset(),
        types: g
            .bytes_by_type()
            .into_iter()
            .map(|(t, bytes, n)| TypeBytes {
                ggml_type: t.name().to_owned(),
                bytes,
                tensors: n as u64,
            })
            .collect(),
        context_length: arch_u64("context_length"),
        embedding_length: arch_u64("embedding_length"),
        block_count: arch_u64("block_count"),
        head_count: arch_u64("attention.head_count"),
        pooling_type,
        causal,
        tokenizer_model: str_of("tokenizer.ggml.model"),
        vocab_size: g
            .get("tokenizer.ggml.tokens")
            .and_then(|v| v.as_array())
            .map(|a| a.len()),
        metadata: g.kvs().map(|kv| describe(kv.key, kv.value)).collect(),
        tensors: if with_tensors {
            g.tensors()
                .map(|t| TensorSummary {
                    name: t.name.to_owned(),
                    ggml_type: t.ggml_type.name().to_owned(),
                    ggml_type_id: t.ggml_type.id(),
                    shape: t.shape().to_vec(),
                    bytes: t.n_bytes,
                    offset: t.file_offset,
                })
                .collect()
        } else {
            Vec::new()
        },
        reader_heap_bytes: g.heap_bytes() as u64,
        architecture,
    }
}

fn describe(key: &str, value: Value) -> MetaEntry {
    let mut entry = MetaEntry {
        key: key.to_owned(),
        value_type: value.value_type().name().to_owned(),
        value: None,
        element_type: None,
        length: None,
        truncated: false,
    };
    match value {
        Value::Array(a) => {
            entry.element_type = Some(a.element_type().name().to_owned());
            entry.length = Some(a.len());
        }
        Value::String(s) => {
            let bytes = s.as_bytes();
            entry.length = Some(bytes.len() as u64);
            let cut = floor_char_boundary(bytes, MAX_STRING_PREVIEW);
            entry.truncated = cut < bytes.len();
            entry.value = Some(MetaScalar::String(
                String::from_utf8_lossy(&bytes[..cut]).into_owned(),
            ));
        }
        Value::Bool(b) => entry.value = Some(MetaScalar::Bool(b)),
        // The shortest decimal that reads back as this f32 (1e-12, not 9.999999960041972e-13).
        Value::F32(v) => {
            entry.value = Some(MetaScalar::Number(
                v.to_string().parse().unwrap_or(v.into()),
            ))
        }
        Value::F64(v) => entry.value = Some(MetaScalar::Number(v)),
        Value::U64(v) if v > MAX_SAFE_INTEGER => {
            entry.value = Some(MetaScalar::BigInt(v.to_string()))
        }
        Value::I64(v) if v.unsigned_abs() > MAX_SAFE_INTEGER => {
            entry.value = Some(MetaScalar::BigInt(v.to_string()))
        }
        Value::I64(v) => entry.value = Some(MetaScalar::Number(v as f64)),
        Value::I8(v) => entry.value = Some(MetaScalar::Number(v.into())),
        Value::I16(v) => entry.value = Some(MetaScalar::Number(v.into())),
        Value::I32(v) => entry.value = Some(MetaScalar::Number(v.into())),
        other => entry.value = other.as_u64().map(|v| MetaScalar::Number(v as f64)),
    }
    debug_assert!(value.value_type() != ValueType::Array || entry.value.is_none());
    entry
}

/// 2^53 - 1: the largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The largest index <= max that does not split a UTF-8 sequence (bytes may not be UTF-8 at all;
/// then lossy decoding handles it).
fn floor_char_boundary(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    let mut i = max;
    while i > 0 && (bytes[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}
