//! gguf-embed-index: code search over a repository. Files are walked (walk.rs) and cut into
//! chunks along their syntax (chunk/), stored in one SQLite file with BM25 terms and quantized
//! vectors per model (store/); update.rs keeps the index current by content hash. Embedding is
//! not here: callers embed the pending chunks with whichever model (or static tier) they choose.

pub mod chunk;
pub mod error;
pub mod lang;
pub mod stats;
pub mod store;
pub mod terms;
pub mod update;
pub mod walk;

pub use error::{IndexError, Result};
