//! What an Embedder's callers and its inference thread share: the model, the settings, the queue,
//! the budget, the counters, and how the thread stops.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;

use super::queue::Queue;
use super::request::{Kind, Request};
use super::tokens::Truncate;
use crate::memory::Budget;
use crate::profile::Profile;
use crate::EngineError;

/// What an Embedder was built with, after defaults.
#[derive(Debug, Clone)]
pub struct EmbedderInfo {
    pub path: String,
    pub architecture: String,
    pub name: String,
    pub profile: Profile,
    pub dimensions: usize,
    pub context_size: usize,
    pub batch_tokens: usize,
    pub threads: usize,
    pub causal: bool,
    pub normalize: bool,
    pub truncate: Truncate,
    pub file_size: u64,
    pub n_ctx_train: usize,
    pub n_vocab: u64,
    /// `tokenizer.ggml.model` of the file.
    pub tokenizer: String,
    pub memory_budget: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub inputs: AtomicU64,
    pub tokens: AtomicU64,
    pub batches: AtomicU64,
    pub aborted: AtomicU64,
    /// Refused with QUEUE_FULL.
    pub rejected: AtomicU64,
    /// Taken by the inference thread and not yet answered.
    pub in_flight: AtomicU64,
    /// Threads the latest call ran with (fewer than configured while other processes keep cores
    /// busy).
    pub threads: AtomicU64,
}

/// What the callers and the inference thread share.
pub(crate) struct Shared {
    pub model: Arc<LlamaModel>,
    pub info: EmbedderInfo,
    pub stats: Stats,
    pub queue: Queue<Request>,
    pub budget: Arc<Budget>,
    /// Set when the JS environment or the process is going away: the inference thread stops
    /// after the batch it is in, and no reply is delivered any more.
    pub abandoned: Arc<AtomicBool>,
    /// Why the inference thread stopped on its own (a panic), if it did.
    pub failure: Mutex<Option<String>>,
    /// True once the inference thread has exited.
    stopped: Mutex<bool>,
    stopped_signal: Condvar,
}

impl Shared {
    pub(crate) fn new(model: Arc<LlamaModel>, info: EmbedderInfo, max_queue: usize) -> Self {
        Shared {
            model,
            budget: Arc::new(Budget::new(info.memory_budget)),
            info,
            stats: Stats::default(),
            queue: Queue::new(max_queue),
            abandoned: Arc::new(AtomicBool::new(false)),
            failure: Mutex::new(None),
            stopped: Mutex::new(false),
            stopped_signal: Condvar::new(),
        }
    }

    /// Stops the inference thread without answering anyone, and waits (up to `wait`) for it to
    /// leave llama.cpp. Idempotent.
    pub(crate) fn abandon(&self, wait: Duration) {
        self.abandoned.store(true, Ordering::Release);
        reject_all(self.queue.close());
        let stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self
            .stopped_signal
            .wait_timeout_while(stopped, wait, |stopped| !*stopped);
    }

    /// Called by the inference thread as it exits, however it exits.
    pub(crate) fn mark_stopped(&self) {
        *self.stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.stopped_signal.notify_all();
    }

    /// The inference thread panicked: refuse new work and answer what is queued.
    pub(crate) fn fail(&self, why: String) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.clone());
        for r in self.queue.close() {
            r.reply.send(Err(EngineError::Failed(why.clone())));
        }
    }

    /// The error a refused request gets: Failed after a panic, else Disposed.
    pub(crate) fn closed_error(&self) -> EngineError {
        match &*self.failure.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(why) => EngineError::Failed(why.clone()),
            None => EngineError::Disposed,
        }
    }

    pub fn prefix(&self, kind: Option<Kind>) -> &str {
        match kind.unwrap_or(Kind::Document) {
            Kind::Query => &self.info.profile.query_prefix,
            Kind::Document => &self.info.profile.document_prefix,
        }
    }

    /// Tokenises with the kind's prefix and applies the truncation rule.
    pub fn prepare(
        &self,
        index: usize,
        text: &str,
        kind: Option<Kind>,
    ) -> Result<Vec<LlamaToken>, EngineError> {
        crate::tokens::prepare(
            &self.model,
            index,
            self.prefix(kind),
            text,
            self.info.context_size,
            self.info.truncate,
        )
    }
}

pub(crate) fn reject_all(requests: Vec<Request>) {
    for r in requests {
        r.reply.send(Err(EngineError::Disposed));
    }
}
