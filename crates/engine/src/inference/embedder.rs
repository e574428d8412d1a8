//! `Embedder`: texts in, L2-normalised vectors out. Callers queue requests and are answered by
//! completion; one inference thread per Embedder owns the llama.cpp context (worker.rs), takes the
//! waiting requests in arrival order and packs their inputs together into batches (dynamic
//! batching across callers). Native memory is held to an optional budget: the context is sized to
//! it at load, and each queued request reserves what it may hold until it is answered.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use llama_cpp_2::token::LlamaToken;

use super::model::{load, LoadedModel};
use super::reply::Reply;
use super::request::Request;
use super::shared::{reject_all, Shared};
use super::tokens::input_bytes;
use super::worker::worker_main;
use crate::memory::sizing::{fit, Shape};
use crate::memory::{Budget, Refusal};
use crate::profile::{choose, Pooling};
use crate::EngineError;

pub use super::request::{Completion, EmbedRequest, Embedded, Kind};
pub use super::shared::{EmbedderInfo, Stats};
pub use super::tokens::Truncate;

/// Tokens a packed batch aims for: measured best on our machines (see NOTES / BENCHMARKS).
pub(crate) const PACK_TOKENS: usize = 512;
/// Pending requests before QUEUE_FULL.
const DEFAULT_MAX_QUEUE: usize = 1 << 16;
/// Bytes a request holds beside its inputs (its record in the queue, its completion).
const REQUEST_BYTES: u64 = 256;
/// Native bytes llama.cpp's tokenizer takes per byte of text tokenised whole (the text copied,
/// its words, the token buffer): the review measured RSS +672 MiB for 20 MB of text, ~34 per byte.
const TOKENIZE_BYTES_PER_BYTE: u64 = 40;
/// Longest an environment's teardown waits for an inference thread to finish its batch.
const ABANDON_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Default)]
pub struct EmbedderOptions {
    pub threads: Option<usize>,
    /// Most tokens one input may have (after prefix and special tokens).
    pub context_size: Option<usize>,
    /// Tokens per llama.cpp batch (n_batch = n_ubatch); at least `context_size`.
    pub batch_tokens: Option<usize>,
    pub pooling: Option<Pooling>,
    pub normalize: Option<bool>,
    pub truncate: Option<Truncate>,
    pub query_prefix: Option<String>,
    pub document_prefix: Option<String>,
    /// Pending requests before QUEUE_FULL.
    pub max_queue: Option<usize>,
    /// Bytes of native working memory (context, batch buffers, queued inputs) not to exceed.
    pub memory_budget: Option<u64>,
}

pub struct Embedder {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Embedder {
    pub fn load(path: &Path, options: &EmbedderOptions) -> Result<Embedder, EngineError> {
        let loaded = load(path)?;
        let mut info = resolve(&loaded, options)?;
        let max_queue = options.max_queue.unwrap_or(DEFAULT_MAX_QUEUE);
        if max_queue == 0 {
            return Err(EngineError::invalid(
                "maxQueue",
                "maxQueue must be at least 1",
            ));
        }
        if let Some(budget) = info.memory_budget {
            let shape = Shape {
                pooling: info.profile.pooling,
                threads: info.threads,
                dimensions: info.dimensions,
                kv_bytes_per_token: loaded.facts.kv_bytes_per_token,
                n_vocab: loaded.facts.n_vocab,
                prefix_len: info
                    .profile
                    .query_prefix
                    .len()
                    .max(info.profile.document_prefix.len()),
            };
            let fitted = fit(
                path,
                budget,
                info.batch_tokens,
                options.batch_tokens.is_some(),
                info.context_size,
                &shape,
            )?;
            info.batch_tokens = fitted;
        }
        let shared = Arc::new(Shared::new(loaded.llama, info, max_queue));
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), EngineError>>();
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name("gguf-embed-infer".into())
            .spawn(move || worker_main(worker_shared, ready_tx))
            .map_err(|e| EngineError::ModelLoad {
                path: path.to_path_buf(),
                reason: format!("cannot start a thread: {e}"),
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = worker.join();
                return Err(e);
            }
            Err(_) => {
                return Err(EngineError::ModelLoad {
                    path: path.to_path_buf(),
                    reason: "the inference thread stopped".into(),
                })
            }
        }
        crate::inference::lifecycle::register(Arc::downgrade(&shared));
        Ok(Embedder {
            shared,
            worker: Mutex::new(Some(worker)),
        })
    }

    pub fn info(&self) -> &EmbedderInfo {
        &self.shared.info
    }

    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Native working memory: the budget, what is in use and the most ever used.
    pub fn memory(&self) -> &Budget {
        &self.shared.budget
    }

    /// Requests waiting for the inference thread.
    pub fn queue_depth(&self) -> usize {
        self.shared.queue.len()
    }

    /// Token ids as the model sees the text (special tokens added, no prefix). The native memory
    /// tokenising takes is held against the budget while it runs.
    pub fn tokenize(&self, text: &str) -> Result<Vec<LlamaToken>, EngineError> {
        let _held = self.hold(TOKENIZE_BYTES_PER_BYTE * text.len() as u64)?;
        Ok(self
            .shared
            .model
            .vocab()
            .tokenize(text.as_bytes(), true, false))
    }

    /// Token ids of the text alone: no special tokens, no prefix.
    pub fn tokenize_plain(&self, text: &str) -> Vec<LlamaToken> {
        self.shared
            .model
            .vocab()
            .tokenize(text.as_bytes(), false, false)
    }

    /// Tokens of the text as the model sees it, in bounded memory where the tokenizer allows
    /// (piece by piece), else like `tokenize`, held against the budget.
    pub fn count_tokens(&self, text: &str) -> Result<usize, EngineError> {
        match crate::tokens::count(&self.shared.model, &self.shared.info.tokenizer, text) {
            Some(n) => Ok(n),
            None => self.tokenize(text).map(|t| t.len()),
        }
    }

    /// Reserves `bytes` of the budget until the guard drops.
    fn hold(&self, bytes: u64) -> Result<Held<'_>, EngineError> {
        self.shared.budget.reserve(bytes).map_err(refused)?;
        Ok(Held(&self.shared.budget, bytes))
    }

    /// Queues a request without waiting: `done` is called exactly once, later from the inference
    /// thread (where concurrent requests are packed into shared batches), or at once on this thread
    /// with the refusal (bad `dimensions`, QUEUE_FULL, MEMORY_BUDGET, DISPOSED). Every caller's
    /// promise settles.
    pub fn submit(
        &self,
        texts: Vec<String>,
        request: &EmbedRequest,
        cancel: Option<Arc<AtomicBool>>,
        done: Completion,
    ) {
        let info = &self.shared.info;
        let prefix_len = self.shared.prefix(request.kind).len();
        let need = texts
            .iter()
            .map(|t| input_bytes(t.len(), prefix_len, info.context_size, info.dimensions))
            .sum::<u64>();
        self.enqueue(texts, Vec::new(), need, request, cancel, done);
    }

    /// Queues token sequences to embed as they are: no prefix, no special tokens added (ids as
    /// `tokenize` returns them). Each id is checked against the vocabulary here, before llama.cpp
    /// sees it; an over-long sequence follows the truncation rule. Answers like `submit`.
    pub fn submit_tokens(
        &self,
        sequences: Vec<Vec<LlamaToken>>,
        request: &EmbedRequest,
        cancel: Option<Arc<AtomicBool>>,
        done: Completion,
    ) {
        let sequences = match self.check_tokens(sequences, request.first_index) {
            Ok(s) => s,
            Err(e) => return done(Err(e)),
        };
        let dims = self.shared.info.dimensions as u64;
        let need = sequences
            .iter()
            .map(|s| 4 * s.len() as u64 + 4 * dims + 64)
            .sum();
        self.enqueue(Vec::new(), sequences, need, request, cancel, done);
    }

    fn check_tokens(
        &self,
        mut sequences: Vec<Vec<LlamaToken>>,
        first_index: usize,
    ) -> Result<Vec<Vec<LlamaToken>>, EngineError> {
        let n_vocab = self.shared.model.n_vocab();
        let limit = self.shared.info.context_size;
        for (i, s) in sequences.iter_mut().enumerate() {
            let index = first_index + i;
            if s.is_empty() {
                return Err(EngineError::invalid_input(
                    index,
                    format!("input {index} is an empty token sequence"),
                ));
            }
            if let Some((at, t)) = s
                .iter()
                .enumerate()
                .find(|(_, t)| t.0 < 0 || t.0 >= n_vocab)
            {
                return Err(EngineError::invalid_input(index, format!(
                    "input {index}: token id {} at position {at} is outside the vocabulary (0..{n_vocab})",
                    t.0
                )));
            }
            if s.len() > limit {
                if self.shared.info.truncate == Truncate::Error {
                    return Err(EngineError::InputTooLong {
                        index,
                        tokens: s.len(),
                        at_least: false,
                        limit,
                    });
                }
                s.truncate(limit);
            }
        }
        Ok(sequences)
    }

    /// `submit_tokens`, waiting for the answer: how distillation embeds each vocabulary token.
    pub fn embed_tokens(
        &self,
        sequences: Vec<Vec<LlamaToken>>,
        request: &EmbedRequest,
    ) -> Result<Vec<Vec<f32>>, EngineError> {
        let (tx, rx) = mpsc::channel();
        self.submit_tokens(
            sequences,
            request,
            None,
            Box::new(move |r| drop(tx.send(r))),
        );
        Ok(rx.recv().map_err(|_| EngineError::Disposed)??.vectors)
    }

    fn enqueue(
        &self,
        texts: Vec<String>,
        tokens: Vec<Vec<LlamaToken>>,
        inputs_bytes: u64,
        request: &EmbedRequest,
        cancel: Option<Arc<AtomicBool>>,
        done: Completion,
    ) {
        let max = self.shared.info.dimensions;
        let dimensions = match request.dimensions {
            None => max,
            Some(0) => {
                return done(Err(EngineError::invalid(
                    "dimensions",
                    "dimensions must be at least 1",
                )))
            }
            Some(d) if d > max => {
                return done(Err(EngineError::invalid(
                    "dimensions",
                    format!("dimensions {d} is larger than the model's {max}"),
                )))
            }
            Some(d) => d,
        };
        self.shared.stats.requests.fetch_add(1, Ordering::Relaxed);
        if texts.is_empty() && tokens.is_empty() {
            return done(Ok(Embedded::default()));
        }
        // What the request may hold until it is answered, reserved against the budget now and
        // given back just before its completion runs (the vectors are the caller's from then on).
        let need = REQUEST_BYTES + inputs_bytes;
        let budget = &self.shared.budget;
        if let Err(refusal) = budget.reserve(need) {
            self.shared.stats.rejected.fetch_add(1, Ordering::Relaxed);
            return done(Err(refused(refusal)));
        }
        let held = budget.clone();
        let done: Completion = Box::new(move |result| {
            held.release(need);
            done(result)
        });
        let item = Request {
            texts,
            tokens,
            first_index: request.first_index,
            kind: request.kind,
            dimensions,
            cancel,
            reply: Reply::new(done, self.shared.abandoned.clone()),
        };
        if let Err((item, e)) = self.shared.queue.push(item) {
            let e = match e {
                EngineError::QueueFull { .. } => {
                    self.shared.stats.rejected.fetch_add(1, Ordering::Relaxed);
                    e
                }
                _ => self.shared.closed_error(),
            };
            item.reply.send(Err(e));
        }
    }

    /// `submit`, waiting for the answer on the calling thread.
    pub fn embed_batch(
        &self,
        texts: &[String],
        request: &EmbedRequest,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<Vec<Vec<f32>>, EngineError> {
        let (tx, rx) = mpsc::channel();
        self.submit(
            texts.to_vec(),
            request,
            cancel,
            Box::new(move |r| drop(tx.send(r))),
        );
        Ok(rx.recv().map_err(|_| EngineError::Disposed)??.vectors)
    }

    /// Refuses new work, rejects what is still queued with DISPOSED, lets the batch in flight
    /// finish, and waits for the inference thread to stop. Idempotent.
    pub fn dispose(&self) {
        reject_all(self.shared.queue.close());
        let handle = self.worker.lock().ok().and_then(|mut w| w.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    pub fn is_disposed(&self) -> bool {
        self.shared.queue.is_closed()
    }

    /// Refuses new work and an answer to anyone, stops the inference thread after the batch it is
    /// in, and waits for it: for a JS environment being torn down (a worker_thread terminated),
    /// whose promises can no longer be settled. Idempotent.
    pub fn abandon(&self) {
        self.shared.abandon(ABANDON_WAIT);
        let handle = self.worker.lock().ok().and_then(|mut w| w.take());
        if let Some(handle) = handle {
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
    }

    /// Whether the inference thread stopped after a panic (every later call fails).
    pub fn failure(&self) -> Option<String> {
        self.shared
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for Embedder {
    /// Garbage-collected without dispose(): stop the thread without waiting for it (this may run on
    /// the JS thread); it frees the context and its model reference when it exits.
    fn drop(&mut self) {
        reject_all(self.shared.queue.close());
    }
}

/// A budget refusal as the caller sees it.
fn refused(refusal: Refusal) -> EngineError {
    match refusal {
        Refusal::NeverFits { need, room } => EngineError::RequestOverBudget { need, room },
        Refusal::Busy { need, free } => EngineError::MemoryBusy { need, free },
    }
}

/// Budget held for the length of a call.
struct Held<'a>(&'a Budget, u64);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.release(self.1);
    }
}

fn resolve(m: &LoadedModel, o: &EmbedderOptions) -> Result<EmbedderInfo, EngineError> {
    let bad = |param, s: String| Err(EngineError::invalid(param, s));
    let profile = {
        let mut p = choose(&m.facts);
        if let Some(pooling) = o.pooling {
            p.pooling = pooling;
        }
        if let Some(q) = &o.query_prefix {
            p.query_prefix = q.clone();
        }
        if let Some(d) = &o.document_prefix {
            p.document_prefix = d.clone();
        }
        p
    };
    let n_ctx_train = m.n_ctx_train.max(1);
    let context_size = o.context_size.unwrap_or(n_ctx_train.min(2048));
    if context_size < 4 || context_size > n_ctx_train {
        return bad("contextSize", format!("contextSize {context_size} must be between 4 and the model's context length {n_ctx_train}"));
    }
    let batch_tokens = o.batch_tokens.unwrap_or(context_size.max(PACK_TOKENS));
    if batch_tokens < context_size {
        return bad(
            "batchTokens",
            format!("batchTokens {batch_tokens} must be at least contextSize {context_size}"),
        );
    }
    if batch_tokens > 1 << 20 {
        return bad(
            "batchTokens",
            format!("batchTokens {batch_tokens} is above 1048576"),
        );
    }
    if o.memory_budget == Some(0) {
        return bad(
            "memoryBudget",
            "memoryBudget must be at least 1 byte".into(),
        );
    }
    let threads = o.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if threads == 0 || threads > 1024 {
        return bad(
            "threads",
            format!("threads {threads} must be between 1 and 1024"),
        );
    }
    Ok(EmbedderInfo {
        path: m.path.display().to_string(),
        architecture: m.facts.architecture.clone(),
        name: m.facts.name.clone(),
        profile,
        dimensions: m.n_embd,
        context_size,
        batch_tokens,
        threads,
        causal: m.facts.causal,
        normalize: o.normalize.unwrap_or(true),
        truncate: o.truncate.unwrap_or(Truncate::End),
        file_size: m.file_size,
        n_ctx_train,
        n_vocab: m.facts.n_vocab,
        tokenizer: m.facts.tokenizer.clone(),
        memory_budget: o.memory_budget,
    })
}
