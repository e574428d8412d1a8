//! `Embedder`: texts in, L2-normalised vectors out. Tokenisation runs on the caller's thread;
//! inference runs on one worker thread that owns the llama.cpp context (a context is bound to its
//! model and is not Sync), taking jobs from a channel, packing each job's inputs into batches and
//! pooling each sequence on its own.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
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
use crate::EngineError;

/// Tokens a packed batch aims for: measured best on our machines (see NOTES / BENCHMARKS).
const PACK_TOKENS: usize = 512;
/// llama.cpp's LLAMA_MAX_SEQ.
const MAX_SEQS: usize = 256;

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
}

/// Per-request choices.
#[derive(Debug, Clone, Default)]
pub struct EmbedRequest {
    pub kind: Option<Kind>,
    pub dimensions: Option<usize>,
}

struct Job {
    inputs: Vec<Vec<LlamaToken>>,
    dimensions: usize,
    cancel: Option<Arc<AtomicBool>>,
    reply: Sender<Result<Vec<Vec<f32>>, EngineError>>,
}

pub struct Embedder {
    info: EmbedderInfo,
    model: Arc<LlamaModel>,
    jobs: Mutex<Option<Sender<Job>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<Stats>,
}

impl Embedder {
    pub fn load(path: &Path, options: &EmbedderOptions) -> Result<Embedder, EngineError> {
        let loaded = load(path)?;
        let info = resolve(&loaded, options)?;
        let stats = Arc::new(Stats::default());
        let (tx, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), EngineError>>();
        let model = loaded.llama.clone();
        let worker_info = info.clone();
        let worker_stats = stats.clone();
        let worker = std::thread::Builder::new()
            .name("gguf-embed-infer".into())
            .spawn(move || worker_main(model, worker_info, worker_stats, rx, ready_tx))
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
            info,
            model: loaded.llama,
            jobs: Mutex::new(Some(tx)),
            worker: Mutex::new(Some(worker)),
            stats,
        })
    }

    pub fn info(&self) -> &EmbedderInfo {
        &self.info
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    fn prefix(&self, kind: Option<Kind>) -> &str {
        match kind.unwrap_or(Kind::Document) {
            Kind::Query => &self.info.profile.query_prefix,
            Kind::Document => &self.info.profile.document_prefix,
        }
    }

    /// Token ids as the model sees the text (special tokens added, no prefix).
    pub fn tokenize(&self, text: &str) -> Vec<LlamaToken> {
        self.model.vocab().tokenize(text.as_bytes(), true, false)
    }

    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenize(text).len()
    }

    /// Tokenises with the kind's prefix, and applies the truncation rule.
    fn prepare(
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

    pub fn embed_batch(
        &self,
        texts: &[String],
        request: &EmbedRequest,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<Vec<Vec<f32>>, EngineError> {
        let dimensions = match request.dimensions {
            None => self.info.dimensions,
            Some(0) => {
                return Err(EngineError::InvalidArgument(
                    "dimensions must be at least 1".into(),
                ))
            }
            Some(d) if d > self.info.dimensions => {
                return Err(EngineError::InvalidArgument(format!(
                    "dimensions {d} is larger than the model's {}",
                    self.info.dimensions
                )))
            }
            Some(d) => d,
        };
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let inputs = texts
            .iter()
            .enumerate()
            .map(|(i, t)| self.prepare(i, t, request.kind))
            .collect::<Result<Vec<_>, _>>()?;
        let (reply, answer) = mpsc::channel();
        let job = Job {
            inputs,
            dimensions,
            cancel,
            reply,
        };
        {
            let jobs = self.jobs.lock().map_err(|_| EngineError::Disposed)?;
            jobs.as_ref()
                .ok_or(EngineError::Disposed)?
                .send(job)
                .map_err(|_| EngineError::Disposed)?;
        }
        let result = answer.recv().map_err(|_| EngineError::Disposed)?;
        if matches!(result, Err(EngineError::Aborted)) {
            self.stats.aborted.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Stops taking work; jobs already queued finish first. Idempotent.
    pub fn dispose(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let handle = self.worker.lock().ok().and_then(|mut w| w.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    pub fn is_disposed(&self) -> bool {
        self.jobs.lock().map(|j| j.is_none()).unwrap_or(true)
    }
}

impl Drop for Embedder {
    fn drop(&mut self) {
        self.dispose();
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

fn worker_main(
    model: Arc<LlamaModel>,
    info: EmbedderInfo,
    stats: Arc<Stats>,
    jobs: Receiver<Job>,
    ready: Sender<Result<(), EngineError>>,
) {
    let backend = match backend() {
        Ok(b) => b,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let mut ctx = match model.new_context(backend, context_params(&info)) {
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
    for job in jobs {
        let result = run_job(&mut ctx, &mut batch, &info, &stats, &job);
        let _ = job.reply.send(result);
    }
}

fn run_job(
    ctx: &mut LlamaContext,
    batch: &mut LlamaBatch,
    info: &EmbedderInfo,
    stats: &Stats,
    job: &Job,
) -> Result<Vec<Vec<f32>>, EngineError> {
    let lengths: Vec<usize> = job.inputs.iter().map(Vec::len).collect();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let target = PACK_TOKENS.max(longest).min(info.batch_tokens);
    let max_seqs = MAX_SEQS.min(info.batch_tokens);
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); job.inputs.len()];
    for group in pack(&lengths, target, max_seqs) {
        if job
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Err(EngineError::Aborted);
        }
        let total: usize = group.iter().map(|&i| lengths[i]).sum();
        // The plan never exceeds the context; checked again here because llama.cpp would abort.
        if total > info.batch_tokens || group.len() > max_seqs {
            return Err(EngineError::Inference(format!(
                "batch of {total} tokens in {} sequences",
                group.len()
            )));
        }
        ctx.clear_kv_cache();
        batch.clear();
        for (seq, &i) in group.iter().enumerate() {
            batch
                .add_sequence(&job.inputs[i], seq as i32, true)
                .map_err(|e| EngineError::Inference(e.to_string()))?;
        }
        if info.causal {
            ctx.decode(batch)
                .map_err(|e| EngineError::Inference(e.to_string()))?;
        } else {
            ctx.encode(batch)
                .map_err(|e| EngineError::Inference(e.to_string()))?;
        }
        for (seq, &i) in group.iter().enumerate() {
            let pooled = ctx
                .embeddings_seq_ith(seq as i32)
                .map_err(|e| EngineError::Inference(e.to_string()))?;
            out[i] = finish(pooled, job.dimensions, info.normalize);
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.tokens.fetch_add(total as u64, Ordering::Relaxed);
        stats
            .inputs
            .fetch_add(group.len() as u64, Ordering::Relaxed);
    }
    Ok(out)
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
