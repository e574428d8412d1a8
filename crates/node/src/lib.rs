//! gguf-embed-node: napi-rs bindings. Maps engine types and errors to JS; holds no logic.
//! Every export runs its work on the libuv pool through a Task (one module per operation).

#![deny(clippy::all)]

mod choices;
pub mod code_files;
mod code_index;
mod embedder;
mod error;
mod info;
mod job;
mod options;
mod static_tier;
mod tasks;
mod teardown;

use std::path::PathBuf;

use napi::bindgen_prelude::{AbortSignal, AsyncTask};
use napi_derive::napi;

use crate::embedder::CancelToken;
use crate::job::Job;
use crate::options::{EmbedderOptions, InspectOptions};
use crate::tasks::convert::{ConvertSource, ConvertTask, QuantizeTask};
use crate::tasks::inspect::InspectTask;
use crate::tasks::load::LoadTask;

/// Describes a GGUF file from its header, metadata and tensor infos, without loading weights.
/// Rejects with an Error carrying `code`, `kind`, `offset` and `path` (see error.rs).
#[napi(ts_return_type = "Promise<ModelInfo>")]
pub fn inspect(
    path: String,
    options: Option<InspectOptions>,
    signal: Option<AbortSignal>,
) -> AsyncTask<Job<InspectTask>> {
    let task = InspectTask::new(path, options.unwrap_or_default());
    AsyncTask::with_optional_signal(Job::new(task), signal)
}

/// Loads a GGUF embedding model (mapped, not read) and starts its inference thread.
#[napi(ts_return_type = "Promise<NativeEmbedder>")]
pub fn load_embedder(
    path: String,
    options: Option<EmbedderOptions>,
    signal: Option<AbortSignal>,
) -> AsyncTask<Job<LoadTask>> {
    let task = LoadTask::new(path, options.unwrap_or_default());
    AsyncTask::with_optional_signal(Job::new(task), signal)
}

/// Opens a code index (one SQLite file), creating it when the file is missing or empty. A file
/// that is not a gguf-embed index is refused (INDEX_INVALID) without being written.
#[napi(ts_return_type = "Promise<NativeCodeIndex>")]
pub fn open_code_index(
    path: String,
    signal: Option<AbortSignal>,
) -> AsyncTask<Job<code_index::OpenIndexTask>> {
    code_index::open(path, signal)
}

/// Native resources this process holds, across every Embedder and worker thread.
#[napi(object)]
pub struct NativeMemory {
    /// llama.cpp models loaded (each file mapped once, shared by its Embedders).
    pub models: u32,
    /// llama.cpp contexts alive (one per Embedder not yet freed).
    pub contexts: u32,
    /// Bytes llama.cpp allocated for those contexts.
    pub context_bytes: f64,
}

/// What the native addon runs on: the CPU features its llama.cpp kernels use, and the ones this
/// machine offers (a feature the CPU has but the kernels do not use is speed left on the table).
#[napi(object)]
pub struct SystemInfo {
    /// llama.cpp's own system info line.
    pub llama: String,
    pub kernels: Vec<String>,
    pub cpu: Vec<String>,
}

#[napi(catch_unwind)]
pub fn system_info() -> SystemInfo {
    let i = gguf_embed_engine::backend::system_info();
    SystemInfo {
        llama: i.llama,
        kernels: i.kernels,
        cpu: i.cpu,
    }
}

#[napi(catch_unwind)]
pub fn native_memory() -> NativeMemory {
    use std::sync::atomic::Ordering;
    let live = &gguf_embed_engine::memory::LIVE;
    NativeMemory {
        models: gguf_embed_engine::model::live_models() as u32,
        contexts: live.contexts.load(Ordering::Relaxed) as u32,
        context_bytes: live.context_bytes.load(Ordering::Relaxed) as f64,
    }
}

/// Converts a Hugging Face BERT checkpoint folder or an ONNX export of one to GGUF (f32, f16 or
/// q8_0). An aborted `signal` cancels it if it has not started.
#[napi(ts_return_type = "Promise<ConvertResult>")]
pub fn convert(
    input: String,
    output: String,
    out_type: choices::ConvertType,
    source: Option<ConvertSource>,
    signal: Option<AbortSignal>,
) -> AsyncTask<Job<ConvertTask>> {
    let task = ConvertTask {
        input: PathBuf::from(input),
        output: PathBuf::from(output),
        out_type,
        source: source.unwrap_or_default(),
    };
    AsyncTask::with_optional_signal(Job::new(task), signal)
}

/// Builds the static tier from a model: every vocabulary token embedded, PCA, Zipf/SIF weights,
/// int8/int4 rows, written with the tokenizer as one GGUF. `progress` is updated as tokens embed;
/// `cancel` stops it between batches (ABORTED, nothing written).
#[napi(ts_return_type = "Promise<DistillResult>")]
pub fn distill(
    input: String,
    output: String,
    options: Option<static_tier::DistillOptions>,
    progress: Option<&static_tier::DistillProgress>,
    cancel: Option<&CancelToken>,
    signal: Option<AbortSignal>,
) -> AsyncTask<Job<static_tier::DistillTask>> {
    let task = static_tier::DistillTask::new(
        input,
        output,
        options.unwrap_or_default(),
        progress,
        cancel.map(|c| c.flag.clone()),
    );
    AsyncTask::with_optional_signal(Job::new(task), signal)
}

/// Maps a static table made by `distill` and loads its tokenizer (no llama.cpp context).
#[napi(ts_return_type = "Promise<NativeStaticEmbedder>")]
pub fn load_static_embedder(
    path: String,
    options: Option<static_tier::StaticOptions>,
    signal: Option<AbortSignal>,
) -> AsyncTask<Job<static_tier::LoadStaticTask>> {
    let task = static_tier::LoadStaticTask {
        path: PathBuf::from(path),
        options: options.unwrap_or_default(),
    };
    AsyncTask::with_optional_signal(Job::new(task), signal)
}

/// Quantizes a GGUF model with llama.cpp's quantizer (q4_k_m, q4_0, q8_0, ...). An aborted
/// `signal` cancels it if it has not started (llama.cpp's quantizer cannot be interrupted).
#[napi(ts_return_type = "Promise<void>")]
pub fn quantize(
    input: String,
    output: String,
    ftype: choices::QuantizeType,
    threads: Option<u32>,
    signal: Option<AbortSignal>,
) -> AsyncTask<Job<QuantizeTask>> {
    let task = QuantizeTask {
        input: PathBuf::from(input),
        output: PathBuf::from(output),
        ftype: ftype.name().to_owned(),
        threads,
    };
    AsyncTask::with_optional_signal(Job::new(task), signal)
}
