//! `Embedder`: texts in, L2-normalised vectors out. Callers queue requests and are answered by
//! completion; one inference thread per Embedder owns the llama.cpp context (a context is bound to
//! its model and is not Sync), takes the waiting requests in arrival order, tokenises them, packs
//! all their inputs together into batches (dynamic batching across callers) and pools each
//! sequence on its own.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use llama_cpp_2::context::params::{LlamaContextParams, LlamaPoolingType};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;

use crate::backend::backend;
use crate::model::{load, LoadedModel};
use crate::plan::pack;
use crate::profile::{choose, Pooling, Profile};
use crate::queue::Queue;
use crate::EngineError;

/// Tokens a packed batch aims for: measured best on our machines (see NOTES / BENCHMARKS).
const PACK_TOKENS: usize = 512;
/// llama.cpp's LLAMA_MAX_SEQ.
const MAX_SEQS: usize = 256;
/// Inputs the inference thread takes from the queue per round (whole requests, so at least one).
const ROUND_INPUTS: usize = 512;
/// Pending requests before QUEUE_FULL.
const DEFAULT_MAX_QUEUE: usize = 1 << 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncate {
    End,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Query,
    Document,
}

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
}

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
}

/// Per-request choices.
#[derive(Debug, Clone, Default)]
pub struct EmbedRequest {
    pub kind: Option<Kind>,
    pub dimensions: Option<usize>,
    /// Index of texts[0] in the caller's whole batch, for error messages.
    pub first_index: usize,
}

/// Called once, from the inference thread, with the request's vectors in input order.
pub type Completion = Box<dyn FnOnce(Result<Vec<Vec<f32>>, EngineError>) + Send>;

pub(crate) struct Request {
    pub texts: Vec<String>,
    pub first_index: usize,
    pub kind: Option<Kind>,
    pub dimensions: usize,
    pub cancel: Option<Arc<AtomicBool>>,
    pub done: Completion,
}

/// What the callers and the inference thread share.
pub(crate) struct Shared {
    pub model: Arc<LlamaModel>,
    pub info: EmbedderInfo,
    pub stats: Stats,
    pub queue: Queue<Request>,
}

impl Shared {
    fn prefix(&self, kind: Option<Kind>) -> &str {
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
        let prefix = self.prefix(kind);
        let full = if prefix.is_empty() {
            std::borrow::Cow::Borrowed(text)
        } else {
            format!("{prefix}{text}").into()
        };
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(full.as_bytes(), true, false);
        let limit = self.info.context_size;
        if tokens.len() <= limit {
            return Ok(tokens);
        }
        if self.info.truncate == Truncate::Error {
            return Err(EngineError::InputTooLong {
                index,
                tokens: tokens.len(),
                limit,
            });
        }
        // Keep the special tokens the model adds around the text ([CLS] ... [SEP], BOS ... EOS) and
        // cut the text in between.
        let plain = vocab.tokenize(full.as_bytes(), false, false);
        let lead = (0..=tokens.len().saturating_sub(plain.len()))
            .find(|&k| tokens[k..].starts_with(&plain[..plain.len().min(8)]))
            .unwrap_or(0);
        let tail = tokens.len().saturating_sub(lead + plain.len());
        let keep = limit.saturating_sub(lead + tail);
        let mut out = Vec::with_capacity(limit);
        out.extend_from_slice(&tokens[..lead]);
        out.extend_from_slice(&plain[..keep.min(plain.len())]);
        out.extend_from_slice(&tokens[tokens.len() - tail..]);
        Ok(out)
    }
}

pub struct Embedder {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Embedder {
    pub fn load(path: &Path, options: &EmbedderOptions) -> Result<Embedder, EngineError> {
        let loaded = load(path)?;
        let info = resolve(&loaded, options)?;
        let max_queue = options.max_queue.unwrap_or(DEFAULT_MAX_QUEUE);
        if max_queue == 0 {
            return Err(EngineError::InvalidArgument(
                "maxQueue must be at least 1".into(),
            ));
        }
        let shared = Arc::new(Shared {
            model: loaded.llama,
            info,
            stats: Stats::default(),
            queue: Queue::new(max_queue),
        });
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
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(EngineError::ModelLoad {
                    path: path.to_path_buf(),
                    reason: "the inference thread stopped".into(),
                })
            }
        }
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

    /// Requests waiting for the inference thread.
    pub fn queue_depth(&self) -> usize {
        self.shared.queue.len()
    }

    /// Token ids as the model sees the text (special tokens added, no prefix).
    pub fn tokenize(&self, text: &str) -> Vec<LlamaToken> {
        self.shared
            .model
            .vocab()
            .tokenize(text.as_bytes(), true, false)
    }

    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenize(text).len()
    }

    /// Queues a request without waiting: `done` is called exactly once, later from the inference
    /// thread (where concurrent requests are packed into shared batches), or at once on this thread
    /// with the refusal (bad `dimensions`, QUEUE_FULL, DISPOSED). Every caller's promise settles.
    pub fn submit(
        &self,
        texts: Vec<String>,
        request: &EmbedRequest,
        cancel: Option<Arc<AtomicBool>>,
        done: Completion,
    ) {
        let max = self.shared.info.dimensions;
        let dimensions = match request.dimensions {
            None => max,
            Some(0) => {
                return done(Err(EngineError::InvalidArgument(
                    "dimensions must be at least 1".into(),
                )))
            }
            Some(d) if d > max => {
                return done(Err(EngineError::InvalidArgument(format!(
                    "dimensions {d} is larger than the model's {max}"
                ))))
            }
            Some(d) => d,
        };
        self.shared.stats.requests.fetch_add(1, Ordering::Relaxed);
        if texts.is_empty() {
            return done(Ok(Vec::new()));
        }
        let item = Request {
            texts,
            first_index: request.first_index,
            kind: request.kind,
            dimensions,
            cancel,
            done,
        };
        if let Err((item, e)) = self.shared.queue.push(item) {
            if matches!(e, EngineError::QueueFull { .. }) {
                self.shared.stats.rejected.fetch_add(1, Ordering::Relaxed);
            }
            (item.done)(Err(e));
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
        rx.recv().map_err(|_| EngineError::Disposed)?
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
}

impl Drop for Embedder {
    /// Garbage-collected without dispose(): stop the thread without waiting for it (this may run on
    /// the JS thread); it frees the context and its model reference when it exits.
    fn drop(&mut self) {
        reject_all(self.shared.queue.close());
    }
}

fn reject_all(requests: Vec<Request>) {
    for r in requests {
        (r.done)(Err(EngineError::Disposed));
    }
}

fn resolve(m: &LoadedModel, o: &EmbedderOptions) -> Result<EmbedderInfo, EngineError> {
    let bad = |s: String| Err(EngineError::InvalidArgument(s));
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
        return bad(format!("contextSize {context_size} must be between 4 and the model's context length {n_ctx_train}"));
    }
    let batch_tokens = o.batch_tokens.unwrap_or(context_size.max(PACK_TOKENS));
    if batch_tokens < context_size {
        return bad(format!(
            "batchTokens {batch_tokens} must be at least contextSize {context_size}"
        ));
    }
    if batch_tokens > 1 << 20 {
        return bad(format!("batchTokens {batch_tokens} is above 1048576"));
    }
    let threads = o.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if threads == 0 || threads > 1024 {
        return bad(format!("threads {threads} must be between 1 and 1024"));
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
    })
}

fn context_params(info: &EmbedderInfo) -> LlamaContextParams {
    let pooling = match info.profile.pooling {
        Pooling::Mean => LlamaPoolingType::Mean,
        Pooling::Cls => LlamaPoolingType::Cls,
        Pooling::Last => LlamaPoolingType::Last,
    };
    let n = info.batch_tokens as u32;
    LlamaContextParams::default()
        .with_embeddings(true)
        .with_pooling_type(pooling)
        // Packed batches are the whole context: every call starts from an empty memory.
        .with_n_ctx(NonZeroU32::new(n))
        .with_n_batch(n)
        // Non-causal models encode a batch as one ubatch (llama.cpp asserts n_ubatch >= n_tokens).
        .with_n_ubatch(n)
        .with_n_seq_max(MAX_SEQS.min(info.batch_tokens) as u32)
        // One cache shared by all sequences, so a sequence may use any share of it.
        .with_kv_unified(true)
        .with_n_threads(info.threads as i32)
        .with_n_threads_batch(info.threads as i32)
}

fn worker_main(shared: Arc<Shared>, ready: mpsc::Sender<Result<(), EngineError>>) {
    let backend = match backend() {
        Ok(b) => b,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let info = &shared.info;
    let mut ctx = match shared.model.new_context(backend, context_params(info)) {
        Ok(ctx) => ctx,
        Err(e) => {
            let _ = ready.send(Err(EngineError::ModelLoad {
                path: info.path.clone().into(),
                reason: format!(
                    "llama.cpp could not create a context of {} tokens ({e})",
                    info.batch_tokens
                ),
            }));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    let mut batch = LlamaBatch::new(info.batch_tokens, 1);
    loop {
        // Take whole requests in arrival order, up to about one round of inputs: concurrent
        // callers share batches, and a large request does not hold the others for long.
        let mut budget = ROUND_INPUTS;
        let Some(requests) = shared.queue.take(|r: &Request| {
            let fits = budget > 0;
            budget = budget.saturating_sub(r.texts.len());
            fits
        }) else {
            break;
        };
        shared
            .stats
            .in_flight
            .fetch_add(requests.len() as u64, Ordering::Relaxed);
        let n = requests.len() as u64;
        run_round(&shared, &mut ctx, &mut batch, requests);
        shared.stats.in_flight.fetch_sub(n, Ordering::Relaxed);
    }
}

fn cancelled(r: &Request) -> bool {
    r.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
}

/// Tokenises every live request of the round, packs all their inputs together, runs the batches
/// and answers each request with its own vectors.
fn run_round(
    shared: &Shared,
    ctx: &mut LlamaContext,
    batch: &mut LlamaBatch,
    requests: Vec<Request>,
) {
    let info = &shared.info;
    let mut live: Vec<Request> = Vec::with_capacity(requests.len());
    for r in requests {
        if cancelled(&r) {
            shared.stats.aborted.fetch_add(1, Ordering::Relaxed);
            (r.done)(Err(EngineError::Aborted));
        } else {
            live.push(r);
        }
    }
    // (request, input) of every sequence, and its tokens.
    let mut owners: Vec<(usize, usize)> = Vec::new();
    let mut inputs: Vec<Vec<LlamaToken>> = Vec::new();
    let mut failed: Vec<Option<EngineError>> = (0..live.len()).map(|_| None).collect();
    for (ri, r) in live.iter().enumerate() {
        let start = inputs.len();
        for (i, t) in r.texts.iter().enumerate() {
            match shared.prepare(r.first_index + i, t, r.kind) {
                Ok(tokens) => {
                    owners.push((ri, i));
                    inputs.push(tokens);
                }
                Err(e) => {
                    failed[ri] = Some(e);
                    owners.truncate(start);
                    inputs.truncate(start);
                    break;
                }
            }
        }
    }
    let mut out: Vec<Vec<Vec<f32>>> = live
        .iter()
        .map(|r| vec![Vec::new(); r.texts.len()])
        .collect();
    let lengths: Vec<usize> = inputs.iter().map(Vec::len).collect();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let target = PACK_TOKENS.max(longest).min(info.batch_tokens);
    let max_seqs = MAX_SEQS.min(info.batch_tokens);
    let mut error: Option<String> = None;
    for group in pack(&lengths, target, max_seqs) {
        // Skip batches whose every sequence belongs to requests aborted meanwhile.
        if group.iter().all(|&s| cancelled(&live[owners[s].0])) {
            continue;
        }
        if let Err(e) = run_batch(ctx, batch, info, &inputs, &group, &lengths, |s, pooled| {
            let (ri, i) = owners[s];
            out[ri][i] = finish(pooled, live[ri].dimensions, info.normalize);
        }) {
            error = Some(e);
            break;
        }
        let total: usize = group.iter().map(|&s| lengths[s]).sum();
        shared.stats.batches.fetch_add(1, Ordering::Relaxed);
        shared
            .stats
            .tokens
            .fetch_add(total as u64, Ordering::Relaxed);
        shared
            .stats
            .inputs
            .fetch_add(group.len() as u64, Ordering::Relaxed);
    }
    for ((r, vectors), fail) in live.into_iter().zip(out).zip(failed) {
        let result = if let Some(e) = fail {
            Err(e)
        } else if let Some(e) = &error {
            Err(EngineError::Inference(e.clone()))
        } else if cancelled(&r) {
            shared.stats.aborted.fetch_add(1, Ordering::Relaxed);
            Err(EngineError::Aborted)
        } else {
            Ok(vectors)
        };
        (r.done)(result);
    }
}

/// One llama.cpp call over the sequences `group` (indices into `inputs`).
fn run_batch(
    ctx: &mut LlamaContext,
    batch: &mut LlamaBatch,
    info: &EmbedderInfo,
    inputs: &[Vec<LlamaToken>],
    group: &[usize],
    lengths: &[usize],
    mut emit: impl FnMut(usize, &[f32]),
) -> Result<(), String> {
    let total: usize = group.iter().map(|&i| lengths[i]).sum();
    // The plan never exceeds the context; checked again here because llama.cpp would abort.
    if total > info.batch_tokens || group.len() > MAX_SEQS.min(info.batch_tokens) {
        return Err(format!(
            "batch of {total} tokens in {} sequences",
            group.len()
        ));
    }
    ctx.clear_kv_cache();
    batch.clear();
    for (seq, &i) in group.iter().enumerate() {
        batch
            .add_sequence(&inputs[i], seq as i32, true)
            .map_err(|e| e.to_string())?;
    }
    if info.causal {
        ctx.decode(batch).map_err(|e| e.to_string())?;
    } else {
        ctx.encode(batch).map_err(|e| e.to_string())?;
    }
    for (seq, &i) in group.iter().enumerate() {
        let pooled = ctx
            .embeddings_seq_ith(seq as i32)
            .map_err(|e| e.to_string())?;
        emit(i, pooled);
    }
    Ok(())
}

/// Matryoshka cut, then L2 normalisation (llama.cpp never normalises pooled vectors).
fn finish(pooled: &[f32], dimensions: usize, normalize: bool) -> Vec<f32> {
    let mut v = pooled[..dimensions.min(pooled.len())].to_vec();
    if normalize {
        let norm = v
            .iter()
            .map(|x| (*x as f64) * (*x as f64))
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            let inv = (1.0 / norm) as f32;
            v.iter_mut().for_each(|x| *x *= inv);
        }
    }
    v
}
