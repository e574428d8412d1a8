//! One mapping from engine errors to JS errors. Each becomes a JS `Error` whose properties carry a
//! stable `code`, the engine's `kind`, and the fields behind the message (`offset`, `path`,
//! `param`, `index`, the numbers of a limit), built here in Rust: nothing on the JS side parses a
//! message.

use gguf_embed_engine::convert::ConvertError;
use gguf_embed_engine::format::{ErrorClass, GgufError};
use gguf_embed_engine::EngineError;
use gguf_embed_index::IndexError;
use napi::bindgen_prelude::{JsObjectValue, JsValue, Object};
use napi::Env;

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
pub const INFERENCE: &str = "INFERENCE";
pub const INTERNAL: &str = "INTERNAL";
pub const INDEX_INVALID: &str = "INDEX_INVALID";
pub const INDEX_LOCKED: &str = "INDEX_LOCKED";
pub const CLOSED: &str = "CLOSED";

/// A value of an error's field.
#[derive(Debug, Clone)]
pub enum Field {
    Number(f64),
    Text(String),
}

/// An error as JS will see it: code, kind, message and named fields.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: &'static str,
    pub kind: Option<String>,
    pub message: String,
    pub fields: Vec<(&'static str, Field)>,
}

impl Failure {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            code,
            kind: None,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    pub fn number(mut self, name: &'static str, value: impl Into<Option<u64>>) -> Self {
        if let Some(v) = value.into() {
            self.fields.push((name, Field::Number(v as f64)));
        }
        self
    }

    pub fn text(mut self, name: &'static str, value: Option<impl Into<String>>) -> Self {
        if let Some(v) = value {
            self.fields.push((name, Field::Text(v.into())));
        }
        self
    }

    /// The JS error object, made on the JS thread; napi-rs rejects or throws with it as it is.
    pub fn into_js(self, env: &Env) -> napi::Error {
        match self.object(env) {
            Ok(object) => napi::Error::from(object.to_unknown()),
            // The environment cannot make objects (it is being torn down): nothing will see it.
            Err(e) => e,
        }
    }

    fn object<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        let mut error = env.create_error(napi::Error::from_reason(self.message.clone()))?;
        error.set_named_property("code", self.code)?;
        if let Some(kind) = &self.kind {
            error.set_named_property("kind", kind.as_str())?;
        }
        for (name, value) in &self.fields {
            match value {
                Field::Number(n) => error.set_named_property(name, *n)?,
                Field::Text(t) => error.set_named_property(name, t.as_str())?,
            }
        }
        Ok(error)
    }
}

pub fn invalid_argument(param: &'static str, message: impl Into<String>) -> Failure {
    Failure::new(INVALID_ARGUMENT, message).text("param", Some(param))
}

impl From<IndexError> for Failure {
    fn from(err: IndexError) -> Failure {
        let message = err.to_string();
        let f = |code| Failure::new(code, message.clone());
        let at = |p: &std::path::Path| Some(p.display().to_string());
        match err {
            IndexError::NotAnIndex { path, .. } => {
                f(INDEX_INVALID).kind("NotAnIndex").text("path", at(&path))
            }
            IndexError::Corrupt { path, .. } => {
                f(INDEX_INVALID).kind("Corrupt").text("path", at(&path))
            }
            IndexError::Version { path, found, .. } => f(INDEX_INVALID)
                .kind("Version")
                .text("path", at(&path))
                .number("found", found.max(0) as u64),
            IndexError::InvalidArgument { param, .. } => {
                f(INVALID_ARGUMENT).text("param", Some(param))
            }
            IndexError::Io { path, .. } => f(IO).text("path", at(&path)),
            IndexError::Locked { path, .. } => f(INDEX_LOCKED).text("path", at(&path)),
            IndexError::Aborted => f(ABORTED),
            IndexError::Sqlite(_) => f(INTERNAL).kind("Sqlite"),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(err: EngineError) -> Failure {
        let message = err.to_string();
        let f = |code| Failure::new(code, message.clone());
        match err {
            EngineError::Gguf(e) => gguf(&e),
            EngineError::Convert(e) => convert(&e),
            EngineError::Backend(_) => f(MODEL_LOAD_FAILED).kind("Backend"),
            EngineError::Preflight { path, source } => f(GGUF_INVALID)
                .kind(source.check)
                .text("path", Some(path.display().to_string()))
                .text("tensor", source.tensor.as_deref()),
            EngineError::ModelLoad { path, .. } => f(MODEL_LOAD_FAILED)
                .kind("ModelLoad")
                .text("path", Some(path.display().to_string())),
            EngineError::Quantize { input, .. } => f(MODEL_LOAD_FAILED)
                .kind("Quantize")
                .text("path", Some(input.display().to_string())),
            EngineError::InputTooLong {
                index,
                tokens,
                limit,
                ..
            } => f(INPUT_TOO_LONG)
                .number("index", index as u64)
                .number("tokens", tokens as u64)
                .number("limit", limit as u64),
            EngineError::InvalidArgument { param, index, .. } => f(INVALID_ARGUMENT)
                .text("param", Some(param))
                .number("index", index.map(|i| i as u64)),
            EngineError::QueueFull { limit } => f(QUEUE_FULL).number("limit", limit as u64),
            EngineError::MemoryBusy { need, free } => f(QUEUE_FULL)
                .kind("MemoryBusy")
                .number("need", need)
                .number("available", free),
            EngineError::BudgetTooSmall {
                budget,
                context_bytes,
                input_bytes,
                fits,
                ..
            } => f(MEMORY_BUDGET)
                .kind("Context")
                .number("limit", budget)
                .number("need", context_bytes + input_bytes)
                .number("fitsContextSize", fits.map(|k| k as u64)),
            EngineError::RequestOverBudget { need, room } => f(MEMORY_BUDGET)
                .kind("Request")
                .number("need", need)
                .number("available", room),
            EngineError::Aborted => f(ABORTED),
            EngineError::Disposed => f(DISPOSED),
            EngineError::Inference(_) => f(INFERENCE).kind("Llama"),
            EngineError::BadVector { index, .. } => {
                f(INFERENCE).kind("BadVector").number("index", index as u64)
            }
            EngineError::Internal(_) => f(INTERNAL).kind("Internal"),
            EngineError::Failed(_) => f(INTERNAL).kind("Failed"),
        }
    }
}

fn convert(e: &ConvertError) -> Failure {
    let code = match e {
        ConvertError::Io { .. } => IO,
        ConvertError::Write(gguf_embed_engine::format::WriteError::Io { .. }) => IO,
        ConvertError::UnsupportedOutType(_) | ConvertError::NeedsOption { .. } => INVALID_ARGUMENT,
        _ => MODEL_LOAD_FAILED,
    };
    let failure = Failure::new(code, e.to_string())
        .kind(e.kind())
        .text("path", e.path().map(|p| p.display().to_string()))
        .text("tensor", e.tensor());
    match e {
        ConvertError::UnsupportedOutType(_) => failure.text("param", Some("type")),
        ConvertError::NeedsOption { option, .. } => failure.text("param", Some(*option)),
        _ => failure,
    }
}

fn gguf(e: &GgufError) -> Failure {
    let code = match e.class() {
        ErrorClass::Invalid => GGUF_INVALID,
        ErrorClass::Unsupported => GGUF_UNSUPPORTED,
        ErrorClass::Io => IO,
    };
    let path = match e {
        GgufError::Io { path, .. } | GgufError::NotAFile { path } => {
            Some(path.display().to_string())
        }
        _ => None,
    };
    Failure::new(code, e.to_string())
        .kind(e.kind())
        .number("offset", e.offset())
        .text("path", path)
}

/// A panic would abort Node (napi-rs runs a task's compute without catch_unwind): catch it and
/// report it as an INTERNAL error instead.
pub fn catch_panic<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Failure::new(
                INTERNAL,
                format!("internal error (a bug in gguf-embed): {what}"),
            )
            .kind("Panic"))
        }
    }
}
