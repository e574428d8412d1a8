//! The inference thread of an Embedder: owns its llama.cpp context (bound to the model and not
//! Sync), takes queued requests in arrival order, tokenises them, packs all their inputs into
//! shared batches and answers each request with its own vectors.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::token::LlamaToken;

use crate::context::{create, params, working_bytes, MAX_SEQS};
use crate::embedder::{Embedded, EmbedderInfo, Request, Shared, PACK_TOKENS};
use crate::memory::LIVE;
use crate::plan::pack;
use crate::EngineError;

/// Inputs the inference thread takes from the queue per round (whole requests, so at least one).
const ROUND_INPUTS: usize = 512;

/// Nice value of the inference threads: below the JS thread's, so that when they compete for a core
/// the event loop wins (p99 delay ~20 ms at equal priority on 2 cores, see BENCHMARKS.md); with a
/// core to spare it changes nothing.
const INFERENCE_NICE: i32 = 10;

/// Lowers this thread's priority; llama.cpp's OpenMP threads, created from it, inherit it (Linux
/// keeps a nice value per thread). Best effort: elsewhere, or if refused, inference runs as is.
fn yield_to_the_event_loop() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain syscalls on the calling thread.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        if now < INFERENCE_NICE {
            libc::setpriority(libc::PRIO_PROCESS, tid, INFERENCE_NICE);
        }
    }
}

/// Counts a context in the process-wide figures while it lives.
struct LiveContext(u64);

impl LiveContext {
    fn new(bytes: u64) -> Self {
        LIVE.contexts.fetch_add(1, Ordering::Relaxed);
        LIVE.context_bytes.fetch_add(bytes, Ordering::Relaxed);
        LiveContext(bytes)
    }
}

impl Drop for LiveContext {
    fn drop(&mut self) {
        LIVE.contexts.fetch_sub(1, Ordering::Relaxed);
        LIVE.context_bytes.fetch_sub(self.0, Ordering::Relaxed);
    }
}

pub(crate) fn worker_main(shared: Arc<Shared>, ready: mpsc::Sender<Result<(), EngineError>>) {
    yield_to_the_event_loop();
    let info = &shared.info;
    let p = params(info.profile.pooling, info.batch_tokens, info.threads);
    let (mut ctx, bytes) = match create(&shared.model, p) {
        Ok(created) => created,
        Err(e) => {
            let _ = ready.send(Err(EngineError::ModelLoad {
                path: info.path.clone().into(),
                reason: format!("a context of {} tokens per batch: {e}", info.batch_tokens),
            }));
            return;
        }
    };
    let fixed = working_bytes(
        &bytes,
        0,
        info.n_vocab,
        info.dimensions as u64,
        info.batch_tokens,
    );
    shared.budget.set_fixed(fixed);
    if let Some(limit) = shared.budget.limit() {
        // The probe predicted what fits; this is llama.cpp's word on what it actually allocated.
        if fixed > limit {
            let _ = ready.send(Err(EngineError::MemoryBudget(format!(
                "memoryBudget of {} is too small: the context of {} tokens per batch took {}",
                crate::sizing::human(limit),
                info.batch_tokens,
                crate::sizing::human(fixed)
            ))));
            return;
        }
    }
    let _live = LiveContext::new(fixed);
    let _ = ready.send(Ok(()));
    let mut batch = LlamaBatch::new(info.batch_tokens, 1);
    loop {
        // Take whole requests in arrival order, up to about one round of inputs: concurrent
        // callers share batches, and a large request does not hold the others for long.
        let mut budget = ROUND_INPUTS;
        let Some(requests) = shared.queue.take(|r: &Request| {
            let fits = budget > 0;
            budget = budget.saturating_sub(r.len());
            fits
        }) else {
            break;
        };
        shared
            .stats
            .in_flight
            .fetch_add(requests.len() as u64, Ordering::Relaxed);
        run_round(&shared, &mut ctx, &mut batch, requests);
    }
}

/// Answers a request taken from the queue: no longer in flight once its caller can see the answer.
fn respond(shared: &Shared, r: Request, result: Result<Embedded, EngineError>) {
    shared.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    (r.done)(result);
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
            respond(shared, r, Err(EngineError::Aborted));
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
        for (i, t) in r.tokens.iter().enumerate() {
            owners.push((ri, i));
            inputs.push(t[..t.len().min(info.context_size)].to_vec());
        }
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
    let mut out: Vec<Embedded> = live
        .iter()
        .map(|r| Embedded {
            vectors: vec![Vec::new(); r.len()],
            tokens: vec![0; r.len()],
        })
        .collect();
    for (&(ri, i), tokens) in owners.iter().zip(&inputs) {
        out[ri].tokens[i] = tokens.len();
    }
    // Inputs of each request not yet embedded: a request is answered as soon as its last input's
    // batch is done, not at the end of the round (its caller waits less, and the JS thread gets
    // the round's answers spread out rather than in one burst).
    let mut remaining: Vec<usize> = vec![0; live.len()];
    owners.iter().for_each(|&(ri, _)| remaining[ri] += 1);
    let mut pending: Vec<Option<Request>> = live.into_iter().map(Some).collect();
    let answer = |slot: &mut Option<Request>, embedded: Embedded, error: Option<EngineError>| {
        let Some(r) = slot.take() else { return };
        let result = if let Some(e) = error {
            Err(e)
        } else if cancelled(&r) {
            shared.stats.aborted.fetch_add(1, Ordering::Relaxed);
            Err(EngineError::Aborted)
        } else {
            Ok(embedded)
        };
        respond(shared, r, result);
    };
    for (ri, fail) in failed.into_iter().enumerate() {
        if let Some(e) = fail {
            answer(&mut pending[ri], Embedded::default(), Some(e));
        }
    }
    let lengths: Vec<usize> = inputs.iter().map(Vec::len).collect();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let target = PACK_TOKENS.max(longest).min(info.batch_tokens);
    let max_seqs = MAX_SEQS.min(info.batch_tokens);
    let mut error: Option<String> = None;
    for group in pack(&lengths, target, max_seqs) {
        let live_request = |s: &usize| pending[owners[*s].0].as_ref().is_some_and(|r| !cancelled(r));
        // Skip batches whose every sequence belongs to requests aborted meanwhile.
        if group.iter().any(live_request) {
            let ran = run_batch(ctx, batch, info, &inputs, &group, &lengths, |s, pooled| {
                let (ri, i) = owners[s];
                if let Some(r) = &pending[ri] {
                    out[ri].vectors[i] = finish(pooled, r.dimensions, info.normalize);
                }
            });
            if let Err(e) = ran {
                error = Some(e);
                break;
            }
            let total: usize = group.iter().map(|&s| lengths[s]).sum();
            shared.stats.batches.fetch_add(1, Ordering::Relaxed);
            shared.stats.tokens.fetch_add(total as u64, Ordering::Relaxed);
            shared.stats.inputs.fetch_add(group.len() as u64, Ordering::Relaxed);
        }
        for &s in &group {
            let ri = owners[s].0;
            remaining[ri] -= 1;
            if remaining[ri] == 0 {
                answer(&mut pending[ri], std::mem::take(&mut out[ri]), None);
            }
        }
    }
    for (ri, slot) in pending.iter_mut().enumerate() {
        let e = error.clone().map(EngineError::Inference);
        answer(slot, std::mem::take(&mut out[ri]), e);
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
