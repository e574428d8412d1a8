//! The `NativeEmbedder` class and its cancel token, as JS sees them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gguf_embed_engine::embedder::{Completion, EmbedRequest, Embedded, Embedder, Truncate};
use gguf_embed_engine::LlamaToken;
use napi::bindgen_prelude::{AsyncTask, Float32Array, Int32Array, Object};
use napi::{Env, Result};
use napi_derive::napi;

use crate::error::Failure;
use crate::job::Job;
use crate::options::EmbedOptions;
use crate::tasks::embed::{CountTask, DisposeTask, TokenizeTask};

type Resolver = Box<dyn FnOnce(Env) -> Result<EmbedResult> + Send>;

/// One request's answer: a vector per input, and the tokens each was embedded from.
#[napi(object, object_from_js = false)]
pub struct EmbedResult {
    pub vectors: Vec<Float32Array>,
    /// Tokens per input, prefix and special tokens included, after truncation.
    pub tokens: Vec<u32>,
}

/// Set from an AbortSignal by the facade; checked by the engine between batches.
#[napi]
#[derive(Default)]
pub struct CancelToken {
    pub(crate) flag: Arc<AtomicBool>,
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    pub fn new() -> Self {
        CancelToken::default()
    }

    #[napi]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

#[napi(object)]
pub struct EmbedderInfo {
    pub path: String,
    pub architecture: String,
    pub name: String,
    /// The model profile chosen from the metadata ('all-minilm', 'bge', 'nomic-embed-code', ...).
    pub profile: String,
    pub pooling: String,
    pub query_prefix: String,
    pub document_prefix: String,
    pub dimensions: u32,
    pub context_size: u32,
    pub batch_tokens: u32,
    pub threads: u32,
    pub causal: bool,
    pub normalize: bool,
    pub truncate: String,
    pub file_size: f64,
    pub train_context_length: u32,
    /// The memoryBudget the Embedder was loaded with, in bytes; absent when unbounded.
    pub memory_budget: Option<f64>,
}

#[napi(object)]
pub struct EmbedderStats {
    pub requests: f64,
    pub inputs: f64,
    pub tokens: f64,
    pub batches: f64,
    pub aborted: f64,
    /// Calls refused with QUEUE_FULL.
    pub rejected: f64,
    /// Requests waiting for the inference thread.
    pub queue_depth: f64,
    /// Requests the inference thread is working on.
    pub in_flight: f64,
    /// Threads the latest llama.cpp call ran with: the `threads` option, or fewer while other
    /// processes keep the cores busy (Linux; ggml's threads wait for each other after every op).
    pub threads: f64,
    /// Size of the model file, mapped read-only (shared page cache, not heap; not in the budget).
    pub mapped_bytes: f64,
    /// The memory budget in bytes; absent when unbounded.
    pub memory_budget: Option<f64>,
    /// Native working memory now: context, batch buffers and what queued requests reserve.
    pub memory_used: f64,
    /// The most `memoryUsed` has been.
    pub memory_peak: f64,
    /// What llama.cpp holds for the context once it has run a full batch (compute buffers, the
    /// output buffer, KV cache), from its own accounting.
    pub context_bytes: f64,
}

#[napi]
pub struct NativeEmbedder {
    pub(crate) inner: Arc<Embedder>,
}

#[napi]
impl NativeEmbedder {
    #[napi(getter, catch_unwind)]
    pub fn info(&self) -> EmbedderInfo {
        let i = self.inner.info();
        EmbedderInfo {
            path: i.path.clone(),
            architecture: i.architecture.clone(),
            name: i.name.clone(),
            profile: i.profile.name.to_owned(),
            pooling: i.profile.pooling.name().to_owned(),
            query_prefix: i.profile.query_prefix.clone(),
            document_prefix: i.profile.document_prefix.clone(),
            dimensions: i.dimensions as u32,
            context_size: i.context_size as u32,
            batch_tokens: i.batch_tokens as u32,
            threads: i.threads as u32,
            causal: i.causal,
            normalize: i.normalize,
            truncate: match i.truncate {
                Truncate::End => "end".into(),
                Truncate::Error => "error".into(),
            },
            file_size: i.file_size as f64,
            train_context_length: i.n_ctx_train as u32,
            memory_budget: i.memory_budget.map(|b| b as f64),
        }
    }

    #[napi(catch_unwind)]
    pub fn stats(&self) -> EmbedderStats {
        let s = self.inner.stats();
        let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as f64;
        EmbedderStats {
            requests: n(&s.requests),
            inputs: n(&s.inputs),
            tokens: n(&s.tokens),
            batches: n(&s.batches),
            aborted: n(&s.aborted),
            rejected: n(&s.rejected),
            queue_depth: self.inner.queue_depth() as f64,
            in_flight: n(&s.in_flight),
            threads: n(&s.threads),
            mapped_bytes: self.inner.info().file_size as f64,
            memory_budget: self.inner.memory().limit().map(|b| b as f64),
            memory_used: self.inner.memory().used() as f64,
            memory_peak: self.inner.memory().peak() as f64,
            context_bytes: self.inner.memory().fixed() as f64,
        }
    }

    /// Queues the texts and returns at once; the promise settles from the inference thread, which
    /// packs concurrent calls into shared batches. No libuv thread waits on it.
    #[napi(ts_return_type = "Promise<EmbedResult>", catch_unwind)]
    pub fn embed_batch<'env>(
        &self,
        env: &'env Env,
        texts: Vec<String>,
        options: Option<EmbedOptions>,
        cancel: Option<&CancelToken>,
    ) -> Result<Object<'env>> {
        let request =
            EmbedRequest::try_from(&options.unwrap_or_default()).map_err(|f| f.into_js(env))?;
        let (done, promise) = completion(env)?;
        self.inner
            .submit(texts, &request, cancel.map(|c| c.flag.clone()), done);
        Ok(promise)
    }

    /// Queues token sequences (ids as `tokenize` returns them) to embed as they are: no prefix,
    /// no special tokens added. Ids outside the vocabulary are refused before llama.cpp sees them.
    #[napi(ts_return_type = "Promise<EmbedResult>", catch_unwind)]
    pub fn embed_tokens<'env>(
        &self,
        env: &'env Env,
        sequences: Vec<Int32Array>,
        options: Option<EmbedOptions>,
        cancel: Option<&CancelToken>,
    ) -> Result<Object<'env>> {
        let request =
            EmbedRequest::try_from(&options.unwrap_or_default()).map_err(|f| f.into_js(env))?;
        let sequences = sequences
            .iter()
            .map(|s| s.iter().map(|&id| LlamaToken(id)).collect())
            .collect();
        let (done, promise) = completion(env)?;
        self.inner
            .submit_tokens(sequences, &request, cancel.map(|c| c.flag.clone()), done);
        Ok(promise)
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub fn count_tokens(&self, text: String) -> AsyncTask<Job<CountTask>> {
        AsyncTask::new(Job::new(CountTask::new(self.inner.clone(), text)))
    }

    #[napi(ts_return_type = "Promise<Int32Array>")]
    pub fn tokenize(&self, text: String) -> AsyncTask<Job<TokenizeTask>> {
        AsyncTask::new(Job::new(TokenizeTask::new(self.inner.clone(), text)))
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn dispose(&self) -> AsyncTask<Job<DisposeTask>> {
        AsyncTask::new(Job::new(DisposeTask::new(self.inner.clone())))
    }
}

/// A promise and the engine completion that settles it.
fn completion(env: &Env) -> Result<(Completion, Object<'_>)> {
    let (deferred, promise) = env.create_deferred::<EmbedResult, Resolver>()?;
    let done: Completion = Box::new(
        move |result: std::result::Result<Embedded, _>| match result {
            // Each vector becomes an external ArrayBuffer over its own Rust allocation: no copy,
            // freed by V8's finalizer.
            Ok(embedded) => deferred.resolve(Box::new(move |_env| {
                Ok(EmbedResult {
                    vectors: embedded
                        .vectors
                        .into_iter()
                        .map(Float32Array::new)
                        .collect(),
                    tokens: embedded.tokens.into_iter().map(|t| t as u32).collect(),
                })
            })),
            // The error object is made on the JS thread, where the promise settles.
            Err(e) => {
                let failure = Failure::from(e);
                deferred.resolve(Box::new(move |env| Err(failure.into_js(&env))))
            }
        },
    );
    Ok((done, promise))
}
