//! gguf-embed-engine: everything that computes: the model description behind `inspect`, model
//! conversion and quantization, and llama.cpp inference with its queue, batching, pooling and
//! memory budget. No napi here.

#![deny(clippy::all)]

pub mod architectures;
mod error;
pub mod inference;
mod inspect;
pub mod memory;
pub mod preflight;
pub mod profile;
pub mod quantize;
pub mod static_tier;
/// Random-weight models in llama.cpp's layout, for tests and fixtures (not in shipped builds).
#[cfg(feature = "synthetic")]
pub mod synthetic;

pub use error::EngineError;
pub use gguf_embed_convert as convert;
pub use gguf_embed_format as format;
pub use inference::{backend, embedder, fault, model, plan, tokens};
pub use inspect::{
    inspect, inspect_gguf, MetaEntry, MetaScalar, ModelInfo, TensorSummary, TypeBytes,
};
/// Token ids as the tokenizer gives them and the engine takes them.
pub use llama_cpp_2::token::LlamaToken;
