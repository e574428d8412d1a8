//! llama.cpp contexts for embedding: their parameters, and their creation, serialised and measured.

use std::num::NonZeroU32;
use std::sync::Mutex;

use llama_cpp_2::context::params::{LlamaContextParams, LlamaPoolingType};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::model::LlamaModel;

use crate::backend::backend;
use crate::memory::llama_log::{measure, ContextBytes};
use crate::profile::Pooling;
use crate::EngineError;

/// llama.cpp's LLAMA_MAX_SEQ.
pub const MAX_SEQS: usize = 256;

/// Creating contexts on one model from two threads at once is unsound in llama.cpp (it writes to
/// the model), and models are shared between Embedders: one creation at a time, process-wide.
static CREATE: Mutex<()> = Mutex::new(());

/// A context whose every call is one packed batch of up to `batch_tokens` tokens.
pub fn params(pooling: Pooling, batch_tokens: usize, threads: usize) -> LlamaContextParams {
    let pooling = match pooling {
        Pooling::Mean => LlamaPoolingType::Mean,
        Pooling::Cls => LlamaPoolingType::Cls,
        Pooling::Last => LlamaPoolingType::Last,
    };
    let n = batch_tokens as u32;
    LlamaContextParams::default()
        .with_embeddings(true)
        .with_pooling_type(pooling)
        // Packed batches are the whole context: every call starts from an empty memory.
        .with_n_ctx(NonZeroU32::new(n))
        .with_n_batch(n)
        // Non-causal models encode a batch as one ubatch (llama.cpp asserts n_ubatch >= n_tokens).
        .with_n_ubatch(n)
        .with_n_seq_max(MAX_SEQS.min(batch_tokens) as u32)
        // One cache shared by all sequences, so a sequence may use any share of it.
        .with_kv_unified(true)
        .with_n_threads(threads as i32)
        .with_n_threads_batch(threads as i32)
}

/// Creates a context and reads what llama.cpp allocated for it (on a no-alloc probe model: what
/// it would allocate).
pub fn create(
    model: &LlamaModel,
    params: LlamaContextParams,
) -> Result<(LlamaContext<'_>, ContextBytes), EngineError> {
    let backend = backend()?;
    let _one_at_a_time = CREATE.lock().unwrap_or_else(|p| p.into_inner());
    let (ctx, bytes) = measure(|| model.new_context(backend, params));
    let ctx = ctx
        .map_err(|e| EngineError::Backend(format!("llama.cpp could not create a context ({e})")))?;
    Ok((ctx, bytes))
}

/// Resident bytes of a context once it has run a full batch. llama.cpp sizes its output buffer at
/// creation for one output per sequence, but with embeddings on every token of a batch is an
/// output, so the first full batch reallocates it for `batch_tokens` outputs of logits (n_vocab
/// floats) and an embedding each, zero-filled: resident, and most of a small model's context.
pub fn working_bytes(
    bytes: &ContextBytes,
    kv_cache: u64,
    n_vocab: u64,
    n_embd_out: u64,
    batch_tokens: usize,
) -> u64 {
    let outputs = batch_tokens.max(MAX_SEQS.min(batch_tokens)) as u64;
    let output = bytes.output.max((n_vocab + n_embd_out) * 4 * outputs);
    bytes.compute + bytes.cache.max(kv_cache) + output + batch_bytes(batch_tokens)
}

/// Bytes of the token batch buffers for `batch_tokens` tokens (ids, positions, sequence ids,
/// output flags), as llama_batch_init allocates them.
pub fn batch_bytes(batch_tokens: usize) -> u64 {
    (batch_tokens * 32) as u64
}
