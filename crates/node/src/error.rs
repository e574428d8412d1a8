//! One mapping from engine errors to stable JS codes. napi-rs tasks can only reject with a fixed
//! `Status`, so the code, the error's kind and its byte offset travel in a message prefix
//! `[CODE kind @offset] message`, which the TypeScript facade turns into an `EmbedError`.

use gguf_embed_engine::convert::ConvertError;
use gguf_embed_engine::format::{ErrorClass, GgufError, WriteError};
use gguf_embed_engine::EngineError;

/// Stable codes: part of the public contract (see README).
pub const GGUF_INVALID: &str = "GGUF_INVALID";
pub const GGUF_UNSUPPORTED: &str = "GGUF_UNSUPPORTED";
pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
pub const IO: &str = "IO";
pub const MODEL_LOAD_FAILED: &str = "MODEL_LOAD_FAILED";
pub const INPUT_TOO_LONG: &str = "INPUT_TOO_LONG";
pub const ABORTED: &str = "ABORTED";
pub const DISPOSED: &str = "DISPOSED";
pub const QUEUE_FULL: &str = "QUEUE_FULL";
pub const MEMORY_BUDGET: &str = "MEMORY_BUDGET";
pub const INTERNAL: &str = "INTERNAL";
pub const INFERENCE: &str = "INFERENCE";

pub fn to_napi(err: EngineError) -> napi::Error {
    match err {
        EngineError::Gguf(e) => gguf(&e),
        EngineError::Backend(reason) => coded(MODEL_LOAD_FAILED, Some("Backend"), None, &reason),
        EngineError::Convert(e) => coded(convert_code(&e), Some("Convert"), None, &e.to_string()),
        EngineError::Preflight { path, source } => coded(
            GGUF_INVALID,
            Some(source.check),
            None,
            &format!("{}: {source}", path.display()),
        ),
        e @ EngineError::ModelLoad { .. } => coded(MODEL_LOAD_FAILED, None, None, &e.to_string()),
        e @ EngineError::Quantize { .. } => {
            coded(MODEL_LOAD_FAILED, Some("Quantize"), None, &e.to_string())
        }
        e @ EngineError::InputTooLong { .. } => coded(INPUT_TOO_LONG, None, None, &e.to_string()),
        EngineError::InvalidArgument(m) => invalid_argument(&m),
        e @ EngineError::QueueFull { .. } => coded(QUEUE_FULL, None, None, &e.to_string()),
        e @ EngineError::MemoryBusy { .. } => {
            coded(QUEUE_FULL, Some("MemoryBusy"), None, &e.to_string())
        }
        EngineError::MemoryBudget(m) => coded(MEMORY_BUDGET, None, None, &m),
        EngineError::Aborted => coded(ABORTED, None, None, "the request was aborted"),
        EngineError::Disposed => coded(DISPOSED, None, None, "the embedder has been disposed"),
        e @ EngineError::Inference(_) => coded(INFERENCE, Some("Llama"), None, &e.to_string()),
        e @ EngineError::BadVector { .. } => {
            coded(INFERENCE, Some("BadVector"), None, &e.to_string())
        }
        e @ EngineError::Internal(_) => coded(INTERNAL, Some("Internal"), None, &e.to_string()),
        e @ EngineError::Failed(_) => coded(INTERNAL, Some("Failed"), None, &e.to_string()),
    }
}

fn convert_code(e: &ConvertError) -> &'static str {
    match e {
        ConvertError::Io { .. } => IO,
        ConvertError::Write(WriteError::Io { .. }) => IO,
        ConvertError::UnsupportedOutType(_) => INVALID_ARGUMENT,
        _ => MODEL_LOAD_FAILED,
    }
}

fn gguf(e: &GgufError) -> napi::Error {
    let code = match e.class() {
        ErrorClass::Invalid => GGUF_INVALID,
        ErrorClass::Unsupported => GGUF_UNSUPPORTED,
        ErrorClass::Io => IO,
    };
    coded(code, Some(e.kind()), e.offset(), &e.to_string())
}

pub fn coded(code: &str, kind: Option<&str>, offset: Option<u64>, message: &str) -> napi::Error {
    let mut prefix = format!("[{code}");
    if let Some(kind) = kind {
        prefix.push(' ');
        prefix.push_str(kind);
    }
    if let Some(offset) = offset {
        prefix.push_str(&format!(" @{offset}"));
    }
    napi::Error::from_reason(format!("{prefix}] {message}"))
}

pub fn invalid_argument(message: &str) -> napi::Error {
    coded(INVALID_ARGUMENT, None, None, message)
}

/// A panic inside a task would abort Node (napi-rs runs compute without catch_unwind): catch it
/// here and report it as an error instead.
pub fn catch_panic<T>(f: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(coded(
                INTERNAL,
                None,
                None,
                &format!("internal error (a bug in gguf-embed): {what}"),
            ))
        }
    }
}
