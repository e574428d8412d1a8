use std::path::PathBuf;

use gguf_embed_format::GgufError;

/// Every error the engine returns. The Node binding maps each variant to a stable code.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Gguf(#[from] GgufError),
    #[error(transparent)]
    Convert(#[from] crate::convert::ConvertError),
    #[error("{path}: {source}")]
    Preflight {
        path: PathBuf,
        source: crate::preflight::PreflightError,
    },
    #[error("llama.cpp backend failed to initialise: {0}")]
    Backend(String),
    #[error("{path}: {reason}")]
    ModelLoad { path: PathBuf, reason: String },
    #[error("input {index} has {}{tokens} tokens, over the limit of {limit} (truncate: 'end' cuts it instead)", if *at_least { "at least " } else { "" })]
    InputTooLong {
        index: usize,
        tokens: usize,
        /// Only a prefix of the input was tokenised: it has more.
        at_least: bool,
        limit: usize,
    },
    #[error("{0}")]
    InvalidArgument(String),
    #[error("the request queue is full ({limit} pending requests): retry later or raise maxQueue")]
    QueueFull { limit: usize },
    #[error("queued requests hold the memory budget: this one needs {need} bytes, {free} are free; retry later or raise memoryBudget")]
    MemoryBusy { need: u64, free: u64 },
    #[error("{0}")]
    MemoryBudget(String),
    #[error("the request was aborted")]
    Aborted,
    #[error("the embedder has been disposed")]
    Disposed,
    #[error("llama.cpp failed while embedding: {0}")]
    Inference(String),
    /// A vector that is not a result: NaN or infinite values, or all zeros (the model's weights
    /// are broken, or its output for this input is degenerate).
    #[error("input {index}: the model produced {what}, not an embedding")]
    BadVector { index: usize, what: &'static str },
    /// A bug in gguf-embed (a caught panic, a request dropped unanswered).
    #[error("internal error (a bug in gguf-embed): {0}")]
    Internal(String),
    /// The Embedder's inference thread stopped after an internal error; load it again.
    #[error("the embedder failed after an internal error and takes no more work: {0}")]
    Failed(String),
    #[error("quantizing {input} to {ftype} failed: {reason}")]
    Quantize {
        input: PathBuf,
        ftype: String,
        reason: String,
    },
}
