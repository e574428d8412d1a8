//! The static tier as JS sees it: `distill` (with a progress object JS polls) and
//! `NativeStaticEmbedder`. Work runs on the libuv pool; vectors come back as external buffers.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use gguf_embed_engine::embedder::{EmbedRequest, Kind};
use gguf_embed_engine::static_tier::distill::{
    distill as run_distill, DistillOptions as EngineDistill, DistillReport, Phase, TableFrom,
};
use gguf_embed_engine::static_tier::embed::StaticEmbedder;
use gguf_embed_engine::static_tier::learn::Weighting;
use gguf_embed_engine::static_tier::pretokenize::Pretokenize;
use gguf_embed_engine::EngineError;
use napi::bindgen_prelude::{AsyncTask, Float32Array, Int32Array};
use napi::{Env, Result};
use napi_derive::napi;

use crate::choices::{PretokenizeRule, TableSource, TokenWeighting};
use crate::error::Failure;
use crate::job::{Job, Work};
use crate::options::EmbedOptions;

/// Where a running `distill` is (phase, done of total), for a progress bar.
#[napi]
#[derive(Default)]
pub struct DistillProgress {
    phase: Arc<AtomicU32>,
    done: Arc<AtomicU32>,
    total: Arc<AtomicU32>,
}

const PHASES: [Phase; 3] = [Phase::Vocabulary, Phase::Corpus, Phase::Fit];

#[napi]
impl DistillProgress {
    #[napi(constructor)]
    pub fn new() -> Self {
        DistillProgress::default()
    }

    /// 'vocabulary' (tokens through the transformer), 'corpus' (texts through the teacher) or
    /// 'fit' (iterations).
    #[napi(getter)]
    pub fn phase(&self) -> String {
        PHASES[self.phase.load(Ordering::Relaxed) as usize % PHASES.len()]
            .name()
            .to_owned()
    }

    #[napi(getter)]
    pub fn done(&self) -> u32 {
        self.done.load(Ordering::Relaxed)
    }

    #[napi(getter)]
    pub fn total(&self) -> u32 {
        self.total.load(Ordering::Relaxed)
    }
}

#[napi(object)]
#[derive(Default, Clone)]
pub struct DistillOptions {
    /// Dimensions kept by PCA. @default min(256, the model's)
    pub dimensions: Option<u32>,
    /// 8 or 4 bits per value, one scale per row. @default 8
    pub bits: Option<u32>,
    /// 'token-embd' (the input embedding rows), 'transformer' (each token through the model), or
    /// 'auto': token-embd where stored at F32/F16, else transformer. @default 'auto'
    pub from: Option<TableSource>,
    pub threads: Option<u32>,
    /// 'identifiers' (split camelCase, snake_case and digits before the tokenizer, for every
    /// caller of the table) or 'none'. @default 'identifiers'
    pub pretokenize: Option<PretokenizeRule>,
    /// JSON Lines of {text, kind?} to weight tokens by and fit the rows to the model's vectors of.
    pub corpus: Option<String>,
    /// 'corpus' (SIF from the corpus's token counts) or 'zipf' (by vocabulary order).
    /// @default 'corpus' with a corpus, else 'zipf'
    pub weighting: Option<TokenWeighting>,
    /// Fit the rows to the model's vectors of the corpus. @default true with a corpus
    pub fit: Option<bool>,
    /// The fit's ridge strength (relative). @default 1
    pub regularization: Option<f64>,
}

#[napi(object)]
pub struct DistillResult {
    pub vocab: u32,
    pub embedded: u32,
    pub dimensions: u32,
    pub bits: u32,
    /// Where the rows came from: 'token-embd' or 'transformer'.
    pub from: String,
    /// Share of the variance the kept PCA components explain.
    pub explained: f64,
    pub table_bytes: f64,
    pub file_bytes: f64,
    pub pretokenize: String,
    pub weighting: String,
    /// Texts read from the corpus (0 without one).
    pub corpus_texts: u32,
    /// Distinct tokens the fit moved (0 when not fitted).
    pub fitted_tokens: u32,
}

pub struct DistillTask {
    pub input: PathBuf,
    pub output: PathBuf,
    pub options: DistillOptions,
    pub phase: Arc<AtomicU32>,
    pub done: Arc<AtomicU32>,
    pub total: Arc<AtomicU32>,
    pub cancel: Option<Arc<AtomicBool>>,
}

impl DistillTask {
    pub fn new(
        input: String,
        output: String,
        options: DistillOptions,
        progress: Option<&DistillProgress>,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Self {
        let p = progress
            .map(|p| (p.phase.clone(), p.done.clone(), p.total.clone()))
            .unwrap_or_default();
        DistillTask {
            input: input.into(),
            output: output.into(),
            options,
            phase: p.0,
            done: p.1,
            total: p.2,
            cancel,
        }
    }
}

impl Work for DistillTask {
    type Output = DistillReport;
    type JsValue = DistillResult;

    fn run(&mut self) -> std::result::Result<DistillReport, Failure> {
        let from = self
            .options
            .from
            .as_ref()
            .map_or(TableFrom::Auto, TableFrom::from);
        let o = &self.options;
        let defaults = EngineDistill::default();
        let options = EngineDistill {
            dimensions: o.dimensions.map(|d| d as usize),
            bits: o.bits.unwrap_or(8).min(255) as u8,
            from,
            threads: o.threads.map(|t| t as usize),
            cancel: self.cancel.clone(),
            pretokenize: o.pretokenize.map_or(defaults.pretokenize, |p| match p {
                PretokenizeRule::None => Pretokenize::None,
                PretokenizeRule::Identifiers => Pretokenize::Identifiers,
            }),
            corpus: o.corpus.as_ref().map(PathBuf::from),
            weighting: o.weighting.map(|w| match w {
                TokenWeighting::Zipf => Weighting::Zipf,
                TokenWeighting::Corpus => Weighting::Corpus,
            }),
            fit: o.fit.unwrap_or(defaults.fit),
            regularization: o.regularization.unwrap_or(defaults.regularization),
            ..defaults
        };
        let (phase, done, total) = (self.phase.clone(), self.done.clone(), self.total.clone());
        Ok(run_distill(
            &self.input,
            &self.output,
            &options,
            move |p, d, t| {
                let index = PHASES.iter().position(|&q| q == p).unwrap_or(0);
                phase.store(index as u32, Ordering::Relaxed);
                done.store(d as u32, Ordering::Relaxed);
                total.store(t as u32, Ordering::Relaxed);
            },
        )?)
    }

    fn to_js(&mut self, _env: Env, r: DistillReport) -> Result<DistillResult> {
        Ok(DistillResult {
            vocab: r.vocab as u32,
            embedded: r.embedded as u32,
            dimensions: r.dimensions as u32,
            bits: r.bits as u32,
            from: r.from.to_owned(),
            explained: r.explained,
            table_bytes: r.table_bytes as f64,
            file_bytes: r.file_bytes as f64,
            pretokenize: r.pretokenize.name().to_owned(),
            weighting: r.weighting.name().to_owned(),
            corpus_texts: r.corpus_texts.min(u32::MAX as usize) as u32,
            fitted_tokens: r.fit.as_ref().map_or(0, |f| f.tokens as u32),
        })
    }
}

#[napi(object)]
pub struct StaticInfo {
    pub path: String,
    pub name: String,
    /// The model the table was distilled from.
    pub source: String,
    /// 'transformer' or 'token-embd'.
    pub from: String,
    pub dimensions: u32,
    pub bits: u32,
    pub vocab: u32,
    pub query_prefix: String,
    pub document_prefix: String,
    /// 'identifiers' or 'none': what every text goes through before the tokenizer.
    pub pretokenize: String,
    pub max_tokens: u32,
    /// Bytes of the mapped table and its scales: the static tier's whole model.
    pub table_bytes: f64,
    pub file_size: f64,
}

#[napi(object)]
#[derive(Default, Clone)]
pub struct StaticOptions {
    /// Tokens of one input looked up; the rest is not even tokenised. @default 512
    pub max_tokens: Option<u32>,
}

pub struct StaticShared {
    embedder: StaticEmbedder,
    disposed: AtomicBool,
}

#[napi]
pub struct NativeStaticEmbedder {
    inner: Arc<StaticShared>,
}

pub struct LoadStaticTask {
    pub path: PathBuf,
    pub options: StaticOptions,
}

impl Work for LoadStaticTask {
    type Output = StaticEmbedder;
    type JsValue = NativeStaticEmbedder;

    fn run(&mut self) -> std::result::Result<StaticEmbedder, Failure> {
        let max_tokens = self.options.max_tokens.map(|m| m as usize);
        Ok(StaticEmbedder::load(&self.path, max_tokens)?)
    }

    fn to_js(&mut self, _env: Env, e: StaticEmbedder) -> Result<NativeStaticEmbedder> {
        Ok(NativeStaticEmbedder {
            inner: Arc::new(StaticShared {
                embedder: e,
                disposed: AtomicBool::new(false),
            }),
        })
    }
}

pub struct StaticEmbedTask {
    inner: Arc<StaticShared>,
    texts: Vec<String>,
    kind: Option<Kind>,
    dimensions: Option<usize>,
}

impl Work for StaticEmbedTask {
    type Output = Vec<Vec<f32>>;
    type JsValue = Vec<Float32Array>;

    fn run(&mut self) -> std::result::Result<Vec<Vec<f32>>, Failure> {
        if self.inner.disposed.load(Ordering::Relaxed) {
            return Err(EngineError::Disposed.into());
        }
        let e = &self.inner.embedder;
        Ok(e.embed(&self.texts, self.kind, self.dimensions)?)
    }

    fn to_js(&mut self, _env: Env, vectors: Vec<Vec<f32>>) -> Result<Vec<Float32Array>> {
        Ok(vectors.into_iter().map(Float32Array::new).collect())
    }
}

pub struct StaticTokenizeTask {
    inner: Arc<StaticShared>,
    text: String,
}

impl Work for StaticTokenizeTask {
    type Output = Vec<i32>;
    type JsValue = Int32Array;

    fn run(&mut self) -> std::result::Result<Vec<i32>, Failure> {
        if self.inner.disposed.load(Ordering::Relaxed) {
            return Err(EngineError::Disposed.into());
        }
        Ok(self.inner.embedder.tokenize(&self.text))
    }

    fn to_js(&mut self, _env: Env, ids: Vec<i32>) -> Result<Int32Array> {
        Ok(Int32Array::new(ids))
    }
}

#[napi]
impl NativeStaticEmbedder {
    #[napi(getter, catch_unwind)]
    pub fn info(&self) -> StaticInfo {
        let i = self.inner.embedder.info();
        StaticInfo {
            path: i.path.clone(),
            name: i.name.clone(),
            source: i.source.clone(),
            from: i.from.clone(),
            dimensions: i.dimensions as u32,
            bits: i.bits as u32,
            vocab: i.vocab as u32,
            query_prefix: i.query_prefix.clone(),
            document_prefix: i.document_prefix.clone(),
            pretokenize: i.pretokenize.name().to_owned(),
            max_tokens: i.max_tokens as u32,
            table_bytes: i.table_bytes as f64,
            file_size: i.file_size as f64,
        }
    }

    #[napi(ts_return_type = "Promise<Float32Array[]>", catch_unwind)]
    pub fn embed_batch(
        &self,
        env: Env,
        texts: Vec<String>,
        options: Option<EmbedOptions>,
    ) -> Result<AsyncTask<Job<StaticEmbedTask>>> {
        // The same per-call options as Embedder's (firstIndex has no use here).
        let request =
            EmbedRequest::try_from(&options.unwrap_or_default()).map_err(|f| f.into_js(&env))?;
        Ok(AsyncTask::new(Job::new(StaticEmbedTask {
            inner: self.inner.clone(),
            texts,
            kind: request.kind,
            dimensions: request.dimensions,
        })))
    }

    /// Tokenises on the libuv pool: a long text takes the JS thread no time.
    #[napi(ts_return_type = "Promise<Int32Array>", catch_unwind)]
    pub fn tokenize(&self, text: String) -> AsyncTask<Job<StaticTokenizeTask>> {
        AsyncTask::new(Job::new(StaticTokenizeTask {
            inner: self.inner.clone(),
            text,
        }))
    }

    #[napi(catch_unwind)]
    pub fn dispose(&self) {
        self.inner.disposed.store(true, Ordering::Relaxed);
    }
}
