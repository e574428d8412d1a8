//! Native memory: what llama.cpp allocates for a context (read from its log), the budget an
//! Embedder is held to, sizing a context to a budget, and allocator tuning.

mod budget;
pub(crate) mod llama_log;
pub(crate) mod malloc;
pub mod sizing;

pub use budget::{Budget, Live, Refusal, LIVE};
pub use llama_log::ContextBytes;
