use std::path::PathBuf;

use gguf_embed_format::GgufError;

use crate::memory::sizing::human;

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
    /// A caller's argument out of its range or set; `param` names it as the API does.
    #[error("{message}")]
    InvalidArgument {
        param: &'static str,
        /// The input it concerns, for per-input arguments.
        index: Option<usize>,
        message: String,
    },
    #[error("the request queue is full ({limit} pending requests): retry later or raise maxQueue")]
    QueueFull { limit: usize },
    #[error("queued requests hold the memory budget: this one needs {need} bytes, {free} are free; retry later or raise memoryBudget")]
    MemoryBusy { need: u64, free: u64 },
    /// The memoryBudget cannot hold the context and one full-length input.
    #[error("memoryBudget of {} is too small: the context takes {} and one input of {context_size} tokens needs {} more{}", human(*budget), human(*context_bytes), human(*input_bytes), fits_hint(*fits, *context_size))]
    BudgetTooSmall {
        budget: u64,
        context_bytes: u64,
        input_bytes: u64,
        context_size: usize,
        /// The largest contextSize that would fit, if any.
        fits: Option<usize>,
    },
    /// One request needs more than the budget leaves beside the context, even with nothing queued.
    #[error("this request needs {} of native memory while queued, more than the {} the memoryBudget leaves beside the context: split it or raise memoryBudget", human(*need), human(*room))]
    RequestOverBudget { need: u64, room: u64 },
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

impl EngineError {
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        EngineError::InvalidArgument {
            param,
            index: None,
            message: message.into(),
        }
    }

    pub fn invalid_input(index: usize, message: impl Into<String>) -> Self {
        EngineError::InvalidArgument {
            param: "input",
            index: Some(index),
            message: message.into(),
        }
    }
}

fn fits_hint(fits: Option<usize>, context_size: usize) -> String {
    match fits {
        Some(k) => format!("; contextSize {k} would fit in it"),
        None if context_size > crate::memory::sizing::MIN_CONTEXT => format!(
            "; not even contextSize {} fits in it",
            crate::memory::sizing::MIN_CONTEXT
        ),
        None => String::new(),
    }
}
