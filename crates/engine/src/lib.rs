//! gguf-embed-engine: everything that computes. So far the model description behind `inspect`;
//! llama.cpp inference, batching, pooling and the request queue come next. No napi here.

pub mod backend;
pub mod convert;
pub mod embedder;
mod error;
mod inspect;
pub mod model;
pub mod plan;
pub mod preflight;
pub mod profile;
pub mod quantize;
mod queue;
pub mod synthetic;

pub use error::EngineError;
pub use gguf_embed_format as format;
pub use inspect::{
    inspect, inspect_gguf, MetaEntry, MetaScalar, ModelInfo, TensorSummary, TypeBytes,
};
