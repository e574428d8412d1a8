//! The inference thread of an Embedder: owns its llama.cpp context (bound to the model and not
//! Sync), takes queued requests in arrival order, tokenises them, packs all their inputs into
//! shared batches and answers each request with its own vectors.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::token::LlamaToken;

use super::embedder::PACK_TOKENS;
use super::request::{Embedded, Request};
use super::shared::Shared;
use crate::fault;
use crate::inference::contention::Contention;
use crate::inference::context::{create, params, working_bytes, MAX_SEQS};
use crate::memory::LIVE;
use crate::plan::pack;
use crate::EngineError;

/// Inputs the inference thread takes from the queue per round (whole requests, so at least one).
const ROUND_INPUTS: usize = 512;

/// Nice value of the inference threads: a little below the JS thread's, so that when they compete
/// for a core the event loop is served first. Not lower: the weight falls ~1.25x per step, and
/// other busy processes of the same session (a build, a second service) would take the cores from
/// inference almost entirely (nice 10: 1.3 code texts/s beside a spinning process, nice 2: 6.6; the
/// event loop's p99 under 10,000 concurrent calls 22.9 against 25.6 ms; BENCHMARKS.md).
const INFERENCE_NICE: i32 = 2;

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

/// The context and the thread count it runs with, which follows how busy the machine is
/// (contention.rs). llama-cpp-2 offers no way to change a live context's thread count, so the
/// context is made again with the new count: dropped first, so that two never hold memory at once.
struct Threads<'m> {
    ctx: Option<LlamaContext<'m>>,
    contention: Contention,
    /// Why the context could not be made again: the Embedder has none left and must fail.
    lost: Option<String>,
}

impl<'m> Threads<'m> {
    /// The context for the next call, remade first if the thread count should change.
    fn for_next_call(&mut self, shared: &'m Shared) -> Result<&mut LlamaContext<'m>, String> {
        let change = self.contention.change();
        let change = change.or_else(|| fault::active(fault::REMAKE).then_some(1));
        if let Some(threads) = change {
            self.ctx = None;
            let info = &shared.info;
            let p = params(info.profile.pooling, info.batch_tokens, threads);
            let created = if fault::active(fault::REMAKE) {
                Err("fault injected at remake".to_string())
            } else {
                create(&shared.model, p).map_err(|e| e.to_string())
            };
            match created {
                Ok((ctx, _)) => self.ctx = Some(ctx),
                Err(e) => {
                    let why =
                        format!("the context could not be made again with {threads} threads ({e})");
                    self.lost = Some(why.clone());
                    return Err(why);
                }
            }
            shared
                .stats
                .threads
                .store(threads as u64, Ordering::Relaxed);
        }
        self.ctx
            .as_mut()
            .ok_or_else(|| "the Embedder has no context".to_string())
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
    /// Marks the thread stopped however it leaves (return or unwind).
    struct Stopped<'a>(&'a Shared);
    impl Drop for Stopped<'_> {
        fn drop(&mut self) {
            self.0.mark_stopped();
        }
    }
    let _stopped = Stopped(&shared);
    yield_to_the_event_loop();
    let info = &shared.info;
    let p = params(info.profile.pooling, info.batch_tokens, info.threads);
    let (ctx, bytes) = match create(&shared.model, p) {
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
            let _ = ready.send(Err(EngineError::BudgetTooSmall {
                budget: limit,
                context_bytes: fixed,
                input_bytes: 0,
                context_size: info.context_size,
                fits: None,
            }));
            return;
        }
    }
    let _live = LiveContext::new(fixed);
    let _ = ready.send(Ok(()));
    let mut batch = LlamaBatch::new(info.batch_tokens, 1);
    shared
        .stats
        .threads
        .store(info.threads as u64, Ordering::Relaxed);
    let mut ctx = Threads {
        ctx: Some(ctx),
        contention: Contention::new(info.threads),
        lost: None,
    };
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
        let taken = requests.len() as u64;
        shared.stats.in_flight.fetch_add(taken, Ordering::Relaxed);
        // A panic anywhere in the round: every request it held is answered (Reply's Drop), the
        // queue is closed with the reason, and the thread stops; the context is not trusted again.
        let round = catch_unwind(AssertUnwindSafe(|| {
            fault::point("take");
            Round::new(&shared, requests).run(&mut ctx, &mut batch)
        }));
        if let Err(payload) = round {
            shared.stats.in_flight.store(0, Ordering::Relaxed);
            shared.fail(panic_message(payload.as_ref()));
            break;
        }
        // Without a context every later call would fail: the Embedder fails as after a panic.
        if let Some(why) = ctx.lost.take() {
            shared.fail(why);
            break;
        }
        if shared.abandoned.load(Ordering::Acquire) {
            break;
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic on the inference thread".into())
}

/// One request of a round, with what it gets back.
struct Slot {
    /// `None` once answered.
    request: Option<Request>,
    out: Embedded,
    /// Its inputs not yet embedded: answered as soon as this reaches 0, not at the end of the
    /// round (its caller waits less, and the JS thread gets answers spread out).
    remaining: usize,
    /// The first failure among its inputs; the request is answered with it.
    error: Option<EngineError>,
}

/// One tokenised input: which slot and which of its inputs, and the tokens.
struct Input {
    slot: usize,
    index: usize,
    tokens: Vec<LlamaToken>,
}

/// The requests taken together from the queue, tokenised, packed into shared batches and answered
/// each with its own vectors.
struct Round<'a> {
    shared: &'a Shared,
    slots: Vec<Slot>,
    inputs: Vec<Input>,
}

impl<'a> Round<'a> {
    fn new(shared: &'a Shared, requests: Vec<Request>) -> Self {
        let mut round = Round {
            shared,
            slots: Vec::with_capacity(requests.len()),
            inputs: Vec::new(),
        };
        for r in requests {
            if r.cancelled() {
                shared.stats.aborted.fetch_add(1, Ordering::Relaxed);
                respond(shared, r, Err(EngineError::Aborted));
            } else {
                round.add(r);
            }
        }
        round
    }

    /// Tokenises a request's inputs; a request whose input fails is answered at once.
    fn add(&mut self, r: Request) {
        let info = &self.shared.info;
        let slot = self.slots.len();
        let start = self.inputs.len();
        fault::point("tokenize");
        for (index, t) in r.tokens.iter().enumerate() {
            let tokens = t[..t.len().min(info.context_size)].to_vec();
            self.inputs.push(Input {
                slot,
                index,
                tokens,
            });
        }
        let mut failed = None;
        for (index, text) in r.texts.iter().enumerate() {
            match self.shared.prepare(r.first_index + index, text, r.kind) {
                Ok(tokens) => self.inputs.push(Input {
                    slot,
                    index,
                    tokens,
                }),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failed {
            self.inputs.truncate(start);
            return respond(self.shared, r, Err(e));
        }
        let n = r.len();
        self.slots.push(Slot {
            out: Embedded {
                vectors: vec![Vec::new(); n],
                tokens: self.inputs[start..]
                    .iter()
                    .map(|i| i.tokens.len())
                    .collect(),
            },
            remaining: n,
            request: Some(r),
            error: None,
        });
    }

    fn run(mut self, ctx: &mut Threads<'a>, batch: &mut LlamaBatch) {
        let info = &self.shared.info;
        let lengths: Vec<usize> = self.inputs.iter().map(|i| i.tokens.len()).collect();
        let max_seqs = MAX_SEQS.min(info.batch_tokens);
        for group in pack(&lengths, PACK_TOKENS, info.batch_tokens, max_seqs) {
            // Skip batches whose every sequence belongs to requests aborted meanwhile.
            if group.iter().any(|&i| self.wanted(self.inputs[i].slot)) {
                if let Err(e) = self.run_batch(ctx, batch, &group) {
                    // The context may be in any state after a failed call: fail the round.
                    for slot in &mut self.slots {
                        slot.error
                            .get_or_insert_with(|| EngineError::Inference(e.clone()));
                    }
                    break;
                }
            }
            for &i in &group {
                let slot = self.inputs[i].slot;
                self.slots[slot].remaining -= 1;
                if self.slots[slot].remaining == 0 {
                    self.answer(slot);
                }
            }
        }
        for slot in 0..self.slots.len() {
            self.answer(slot);
        }
    }

    /// Whether a slot's request still wants its vectors.
    fn wanted(&self, slot: usize) -> bool {
        let live = self.slots[slot]
            .request
            .as_ref()
            .is_some_and(|r| !r.cancelled());
        live && !self.shared.abandoned.load(Ordering::Relaxed)
    }

    /// One llama.cpp call over the inputs of `group`; each pooled vector is finished into its slot.
    fn run_batch(
        &mut self,
        threads: &mut Threads<'a>,
        batch: &mut LlamaBatch,
        group: &[usize],
    ) -> Result<(), String> {
        let ctx = threads.for_next_call(self.shared)?;
        let info = &self.shared.info;
        let total: usize = group.iter().map(|&i| self.inputs[i].tokens.len()).sum();
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
                .add_sequence(&self.inputs[i].tokens, seq as i32, true)
                .map_err(|e| e.to_string())?;
        }
        fault::point("batch");
        if info.causal {
            ctx.decode(batch).map_err(|e| e.to_string())?;
        } else {
            ctx.encode(batch).map_err(|e| e.to_string())?;
        }
        fault::point("pool");
        for (seq, &i) in group.iter().enumerate() {
            let pooled = ctx
                .embeddings_seq_ith(seq as i32)
                .map_err(|e| e.to_string())?;
            let Input { slot, index, .. } = self.inputs[i];
            let s = &mut self.slots[slot];
            let Some(r) = &s.request else { continue };
            match finish(pooled, r.dimensions, info.normalize) {
                Ok(v) => s.out.vectors[index] = v,
                Err(what) => {
                    let index = r.first_index + index;
                    s.error
                        .get_or_insert(EngineError::BadVector { index, what });
                }
            }
        }
        let stats = &self.shared.stats;
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.tokens.fetch_add(total as u64, Ordering::Relaxed);
        stats
            .inputs
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Answers a slot's request, if not yet answered.
    fn answer(&mut self, slot: usize) {
        let s = &mut self.slots[slot];
        let Some(r) = s.request.take() else { return };
        fault::point("answer");
        let result = if let Some(e) = s.error.take() {
            Err(e)
        } else if r.cancelled() {
            self.shared.stats.aborted.fetch_add(1, Ordering::Relaxed);
            Err(EngineError::Aborted)
        } else {
            Ok(std::mem::take(&mut s.out))
        };
        respond(self.shared, r, result);
    }
}

/// Answers a request taken from the queue: no longer in flight once its caller can see the answer.
fn respond(shared: &Shared, r: Request, result: Result<Embedded, EngineError>) {
    shared.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    r.reply.send(result);
}

/// Matryoshka cut, then L2 normalisation (llama.cpp never normalises pooled vectors). A vector
/// with a non-finite value or a zero norm is no embedding: refused, never returned.
fn finish(pooled: &[f32], dimensions: usize, normalize: bool) -> Result<Vec<f32>, &'static str> {
    let mut v = pooled[..dimensions.min(pooled.len())].to_vec();
    let sum = v.iter().map(|x| (*x as f64) * (*x as f64)).sum::<f64>();
    if !sum.is_finite() || v.iter().any(|x| !x.is_finite()) {
        return Err("NaN or infinite values");
    }
    if sum == 0.0 {
        return Err("an all-zero vector");
    }
    if normalize {
        let inv = (1.0 / sum.sqrt()) as f32;
        v.iter_mut().for_each(|x| *x *= inv);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::finish;

    #[test]
    fn broken_vectors_are_refused_and_good_ones_normalised() {
        assert_eq!(
            finish(&[f32::NAN, 1.0], 2, true),
            Err("NaN or infinite values")
        );
        assert_eq!(
            finish(&[f32::INFINITY, 1.0], 2, false),
            Err("NaN or infinite values")
        );
        // Finite values whose squares overflow f32 are still fine: the norm is taken in f64.
        assert!(finish(&[3e38, 3e38], 2, true).is_ok());
        assert_eq!(finish(&[0.0, 0.0], 2, true), Err("an all-zero vector"));
        assert_eq!(finish(&[3.0, 4.0, 9.0], 2, true), Ok(vec![0.6, 0.8]));
        assert_eq!(finish(&[3.0, 4.0], 2, false), Ok(vec![3.0, 4.0]));
    }
}
