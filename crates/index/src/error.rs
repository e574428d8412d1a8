use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The file exists and is not a gguf-embed index (another SQLite database, or not SQLite).
    #[error("{path} is not a gguf-embed index: {reason}")]
    NotAnIndex { path: PathBuf, reason: String },
    #[error("{path} is a corrupt index: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    /// Written by a newer gguf-embed.
    #[error("{path} has index schema version {found}; this gguf-embed reads up to {supported}")]
    Version {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("invalid {param}: {message}")]
    InvalidArgument {
        param: &'static str,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Another process holds the write lock past the busy timeout.
    #[error("{path} is locked by another writer: {detail}")]
    Locked { path: PathBuf, detail: String },
    #[error("the update was aborted (what it committed is kept)")]
    Aborted,
    #[error("index database error: {0}")]
    Sqlite(String),
}

impl IndexError {
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        IndexError::InvalidArgument {
            param,
            message: message.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, IndexError>;
