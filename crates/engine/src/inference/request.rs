//! A request as callers queue it and the inference thread answers it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use llama_cpp_2::token::LlamaToken;

use super::reply::Reply;
use crate::EngineError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Query,
    Document,
}

/// Per-request choices.
#[derive(Debug, Clone, Default)]
pub struct EmbedRequest {
    pub kind: Option<Kind>,
    pub dimensions: Option<usize>,
    /// Index of texts[0] in the caller's whole batch, for error messages.
    pub first_index: usize,
}

/// What a request gets back, in input order.
#[derive(Debug, Default)]
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    /// Tokens each input was embedded from (prefix and special tokens included, after truncation):
    /// what an API reports as usage.
    pub tokens: Vec<usize>,
}

/// Called once, from the inference thread, with the request's vectors in input order.
pub type Completion = Box<dyn FnOnce(Result<Embedded, EngineError>) + Send>;

pub(crate) struct Request {
    pub texts: Vec<String>,
    /// Pre-tokenised inputs, already checked and cut; a request has texts or tokens, not both.
    pub tokens: Vec<Vec<LlamaToken>>,
    pub first_index: usize,
    pub kind: Option<Kind>,
    pub dimensions: usize,
    pub cancel: Option<Arc<AtomicBool>>,
    pub reply: Reply,
}

impl Request {
    pub fn len(&self) -> usize {
        self.texts.len().max(self.tokens.len())
    }

    pub fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }
}
