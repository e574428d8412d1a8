//! `ModelInfo` as JS sees it. Byte counts are JS numbers (exact below 2^53 = 8 PiB).

use gguf_embed_engine as engine;
use napi::bindgen_prelude::{BigInt, Either4};
use napi_derive::napi;

#[napi(object)]
pub struct TypeBytes {
    pub ggml_type: String,
    pub bytes: f64,
    pub tensors: u32,
}

#[napi(object)]
pub struct TensorSummary {
    pub name: String,
    pub ggml_type: String,
    /// ggml's numeric type id, as stored in the file.
    pub ggml_type_id: u32,
    pub shape: Vec<f64>,
    pub bytes: f64,
    /// Absolute byte offset of the tensor's data in the file.
    pub offset: f64,
}

#[napi(object)]
pub struct MetadataEntry {
    pub key: String,
    /// GGUF value type: u8 i8 u16 i16 u32 i32 f32 bool string array u64 i64 f64.
    pub r#type: String,
    /// Scalars and strings; absent for arrays. 64-bit integers beyond 2^53 are bigint.
    #[napi(ts_type = "number | boolean | string | bigint")]
    pub value: Option<Either4<f64, bool, String, BigInt>>,
    /// Element type of an array.
    pub element_type: Option<String>,
    /// Array length, or a string's length in bytes.
    pub length: Option<f64>,
    /// The string value was cut (long values such as chat templates).
    pub truncated: bool,
}

#[napi(object)]
pub struct ModelInfo {
    pub version: u32,
    pub architecture: Option<String>,
    pub name: Option<String>,
    pub parameter_count: f64,
    pub tensor_count: f64,
    pub file_size: f64,
    pub alignment: u32,
    pub data_offset: f64,
    /// Bytes per ggml type, largest first: the quantization mix.
    pub types: Vec<TypeBytes>,
    pub context_length: Option<f64>,
    pub embedding_length: Option<f64>,
    pub block_count: Option<f64>,
    pub head_count: Option<f64>,
    /// none | mean | cls | last | rank, or unknown(N).
    pub pooling_type: Option<String>,
    pub causal: Option<bool>,
    pub tokenizer_model: Option<String>,
    pub vocab_size: Option<f64>,
    pub metadata: Vec<MetadataEntry>,
    /// Present when `tensors: true` was asked for.
    pub tensors: Option<Vec<TensorSummary>>,
    /// Heap bytes the reader holds for this file's layout.
    pub reader_heap_bytes: f64,
}

fn num(v: Option<u64>) -> Option<f64> {
    v.map(|x| x as f64)
}

fn scalar(v: engine::MetaScalar) -> Either4<f64, bool, String, BigInt> {
    match v {
        engine::MetaScalar::Number(n) => Either4::A(n),
        engine::MetaScalar::Bool(b) => Either4::B(b),
        engine::MetaScalar::String(s) => Either4::C(s),
        engine::MetaScalar::BigInt(s) => {
            // Decimal from the engine: i64 or u64 range, so i128 holds it.
            let n: i128 = s.parse().unwrap_or(0);
            Either4::D(BigInt {
                sign_bit: n < 0,
                words: vec![n.unsigned_abs() as u64],
            })
        }
    }
}

pub fn model_info(m: engine::ModelInfo, with_tensors: bool) -> ModelInfo {
    ModelInfo {
        version: m.version,
        architecture: m.architecture,
        name: m.name,
        parameter_count: m.parameter_count as f64,
        tensor_count: m.tensor_count as f64,
        file_size: m.file_size as f64,
        alignment: m.alignment,
        data_offset: m.data_offset as f64,
        types: m
            .types
            .into_iter()
            .map(|t| TypeBytes {
                ggml_type: t.ggml_type,
                bytes: t.bytes as f64,
                tensors: t.tensors as u32,
            })
            .collect(),
        context_length: num(m.context_length),
        embedding_length: num(m.embedding_length),
        block_count: num(m.block_count),
        head_count: num(m.head_count),
        pooling_type: m.pooling_type,
        causal: m.causal,
        tokenizer_model: m.tokenizer_model,
        vocab_size: num(m.vocab_size),
        metadata: m
            .metadata
            .into_iter()
            .map(|e| MetadataEntry {
                key: e.key,
                r#type: e.value_type,
                value: e.value.map(scalar),
                element_type: e.element_type,
                length: num(e.length),
                truncated: e.truncated,
            })
            .collect(),
        tensors: with_tensors.then(|| {
            m.tensors
                .into_iter()
                .map(|t| TensorSummary {
                    name: t.name,
                    ggml_type: t.ggml_type,
                    ggml_type_id: t.ggml_type_id,
                    shape: t.shape.into_iter().map(|d| d as f64).collect(),
                    bytes: t.bytes as f64,
                    offset: t.offset as f64,
                })
                .collect()
        }),
        reader_heap_bytes: m.reader_heap_bytes as f64,
    }
}
