//! gguf-embed-engine: everything that computes: the model description behind `inspect`, model
//! conversion and quantization, and llama.cpp inference with its queue, batching, pooling and
//! memory budget. No napi here.

pub mod backend;
mod context;
pub mod distill;
pub mod embedder;
mod error;
pub mod fault;
mod inspect;
mod lifecycle;
pub mod memory;
pub mod model;
mod pca;
pub mod plan;
pub mod preflight;
pub mod profile;
pub mod quantize;
mod queue;
mod reply;
pub mod sizing;
pub mod static_embedder;
pub mod synthetic;
pub mod tokens;
mod worker;

pub use error::EngineError;
pub use gguf_embed_convert as convert;
pub use gguf_embed_format as format;
pub use inspect::{
    inspect, inspect_gguf, MetaEntry, MetaScalar, ModelInfo, TensorSummary, TypeBytes,
};
/// Token ids as the tokenizer gives them and the engine takes them.
pub use llama_cpp_2::token::LlamaToken;
