//! Options objects as JS sees them, converted once into the engine's own types.

use gguf_embed_engine as engine;
use gguf_embed_engine::embedder::{EmbedRequest, Kind as EngineKind, Truncate as EngineTruncate};
use gguf_embed_engine::format::Limits;

use crate::choices::{Kind, Pooling, Truncate};
use napi_derive::napi;

use crate::error::{invalid_argument, Failure};

/// Bounds the GGUF reader enforces. A file declaring more is refused with GGUF_INVALID.
#[napi(object)]
#[derive(Default, Clone)]
pub struct ReaderLimits {
    /// Metadata key/value pairs. @default 65536
    pub max_kv_count: Option<f64>,
    /// Tensor infos. @default 262144
    pub max_tensor_count: Option<f64>,
    /// Bytes in one metadata key. @default 65536
    pub max_key_length: Option<f64>,
    /// Bytes in one string value. @default 67108864
    pub max_string_length: Option<f64>,
    /// Elements in one array value. @default 1073741824
    pub max_array_length: Option<f64>,
    /// Largest accepted `general.alignment`. @default 65536
    pub max_alignment: Option<f64>,
}

#[napi(object)]
#[derive(Default, Clone)]
pub struct InspectOptions {
    /// Also list every tensor (name, type, shape, bytes, offset). @default false
    pub tensors: Option<bool>,
    pub limits: Option<ReaderLimits>,
}

fn count(name: &'static str, v: Option<f64>, default: u64) -> Result<u64, Failure> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= (1u64 << 53) as f64 => {
            Ok(x as u64)
        }
        Some(x) => Err(invalid_argument(
            name,
            format!("{name} must be a non-negative integer, got {x}"),
        )),
    }
}

impl TryFrom<&ReaderLimits> for Limits {
    type Error = Failure;

    fn try_from(l: &ReaderLimits) -> Result<Limits, Failure> {
        let d = Limits::default();
        let max_alignment = count(
            "limits.maxAlignment",
            l.max_alignment,
            d.max_alignment.into(),
        )?;
        Ok(Limits {
            max_kv_count: count("limits.maxKvCount", l.max_kv_count, d.max_kv_count)?,
            max_tensor_count: count(
                "limits.maxTensorCount",
                l.max_tensor_count,
                d.max_tensor_count,
            )?,
            max_key_len: count("limits.maxKeyLength", l.max_key_length, d.max_key_len)?,
            max_string_len: count(
                "limits.maxStringLength",
                l.max_string_length,
                d.max_string_len,
            )?,
            max_array_len: count("limits.maxArrayLength", l.max_array_length, d.max_array_len)?,
            max_alignment: u32::try_from(max_alignment).map_err(|_| {
                invalid_argument(
                    "limits.maxAlignment",
                    "limits.maxAlignment must fit in 32 bits",
                )
            })?,
            max_tensor_name_len: d.max_tensor_name_len,
        })
    }
}

/// Options of `Embedder.load`.
#[napi(object)]
#[derive(Default, Clone)]
pub struct EmbedderOptions {
    /// CPU threads for inference. @default all cores
    pub threads: Option<u32>,
    /// Most tokens one input may have, prefix and special tokens included. @default min(model context, 2048)
    pub context_size: Option<u32>,
    /// Tokens per llama.cpp batch; at least contextSize. @default max(contextSize, 512)
    pub batch_tokens: Option<u32>,
    /// 'model' (from the GGUF metadata and the model profile), 'mean', 'cls' or 'last'. @default 'model'
    pub pooling: Option<Pooling>,
    /// L2-normalise vectors. @default true
    pub normalize: Option<bool>,
    /// What an over-long input gets: 'end' cuts it, 'error' rejects with INPUT_TOO_LONG. @default 'end'
    pub truncate: Option<Truncate>,
    pub prefixes: Option<Prefixes>,
    /// Pending requests before calls reject with QUEUE_FULL. @default 65536
    pub max_queue: Option<u32>,
    /// Bytes of native working memory (llama.cpp context, batch buffers, queued inputs) not to
    /// exceed; the mapped weights are not counted. @default no limit
    pub memory_budget: Option<f64>,
}

#[napi(object)]
#[derive(Default, Clone)]
pub struct Prefixes {
    pub query: Option<String>,
    pub document: Option<String>,
}

/// Per-call options of `embed` and `embedBatch`.
#[napi(object)]
#[derive(Default, Clone)]
pub struct EmbedOptions {
    /// 'query' or 'document': which prefix of the model profile to add. @default 'document'
    pub kind: Option<Kind>,
    /// Keep the first N dimensions (Matryoshka), then re-normalise. @default the model's
    pub dimensions: Option<u32>,
    /// Position of texts[0] in the caller's whole batch (the facade sends large batches in
    /// chunks), so errors name the caller's index. @default 0
    pub first_index: Option<u32>,
}

impl TryFrom<&EmbedderOptions> for engine::embedder::EmbedderOptions {
    type Error = Failure;

    fn try_from(o: &EmbedderOptions) -> Result<Self, Failure> {
        let pooling = o.pooling.as_ref().and_then(Pooling::engine);
        let truncate = o
            .truncate
            .as_ref()
            .map_or(EngineTruncate::End, EngineTruncate::from);
        Ok(engine::embedder::EmbedderOptions {
            threads: o.threads.map(|t| t as usize),
            context_size: o.context_size.map(|t| t as usize),
            batch_tokens: o.batch_tokens.map(|t| t as usize),
            pooling,
            normalize: o.normalize,
            truncate: Some(truncate),
            query_prefix: o.prefixes.as_ref().and_then(|p| p.query.clone()),
            document_prefix: o.prefixes.as_ref().and_then(|p| p.document.clone()),
            max_queue: o.max_queue.map(|q| q as usize),
            memory_budget: match o.memory_budget {
                None => None,
                Some(b) if b.is_finite() && b >= 1.0 && b <= 2f64.powi(53) => Some(b as u64),
                Some(b) => {
                    return Err(invalid_argument(
                        "memoryBudget",
                        format!("memoryBudget must be a positive number of bytes, got {b}"),
                    ))
                }
            },
        })
    }
}

impl TryFrom<&EmbedOptions> for EmbedRequest {
    type Error = Failure;

    fn try_from(o: &EmbedOptions) -> Result<Self, Failure> {
        let kind = Some(
            o.kind
                .as_ref()
                .map_or(EngineKind::Document, EngineKind::from),
        );
        Ok(EmbedRequest {
            kind,
            dimensions: o.dimensions.map(|d| d as usize),
            first_index: o.first_index.unwrap_or(0) as usize,
        })
    }
}
