//! Fitting a context to a memory budget. What a context of n tokens per batch costs is read from
//! llama.cpp itself, on a probe model that only simulates its allocations (nothing is allocated
//! while sizing); the KV cache, which the probe does not count, is computed from the metadata.

use std::path::Path;

use llama_cpp_2::model::LlamaModel;

use crate::inference::context::{create, params, working_bytes};
use crate::model::load_probe;
use crate::profile::Pooling;
use crate::tokens::input_bytes;
use crate::EngineError;

/// The smallest context worth suggesting.
pub(crate) const MIN_CONTEXT: usize = 16;

/// What sizing needs to know of the model and the options.
pub struct Shape {
    pub pooling: Pooling,
    pub threads: usize,
    pub dimensions: usize,
    pub kv_bytes_per_token: u64,
    pub n_vocab: u64,
    pub prefix_len: usize,
}

/// Room one full-length input needs while queued: the least a budget must leave beside the context.
pub fn min_input_room(context_size: usize, shape: &Shape) -> u64 {
    // a full input of ~4 bytes per token, twice (a request and the round working on it)
    2 * input_bytes(
        4 * context_size,
        shape.prefix_len,
        context_size,
        shape.dimensions,
    ) + 256
}

struct Probe {
    model: LlamaModel,
}

impl Probe {
    fn fixed(&self, shape: &Shape, batch_tokens: usize) -> Result<u64, EngineError> {
        let p = params(shape.pooling, batch_tokens, shape.threads);
        // The probe allocates nothing: its KV cache reads 0 and is computed from the metadata.
        let (_ctx, bytes) = create(&self.model, p)?;
        Ok(working_bytes(
            &bytes,
            shape.kv_bytes_per_token * batch_tokens as u64,
            shape.n_vocab,
            shape.dimensions as u64,
            batch_tokens,
        ))
    }
}

/// The largest batch (from `wanted` down by halves, never below `context_size`) whose context
/// leaves at least a quarter of `budget` for queued inputs, else the smallest that leaves room for
/// one full input; or MEMORY_BUDGET saying what would fit. `fixed_batch`: the user chose the batch
/// size, which is then only checked.
pub fn fit(
    path: &Path,
    budget: u64,
    wanted: usize,
    fixed_batch: bool,
    context_size: usize,
    shape: &Shape,
) -> Result<usize, EngineError> {
    let probe = Probe {
        model: load_probe(path)?,
    };
    let min_room = min_input_room(context_size, shape);
    let comfortable = (budget / 4).max(min_room);
    let mut candidates = vec![wanted];
    if !fixed_batch {
        let mut n = wanted;
        while n / 2 >= context_size {
            n /= 2;
            candidates.push(n);
        }
        if *candidates.last().unwrap_or(&0) != context_size {
            candidates.push(context_size);
        }
    }
    let mut smallest = None;
    for &n in &candidates {
        let fixed = probe.fixed(shape, n)?;
        if fixed + comfortable <= budget {
            return Ok(n);
        }
        smallest = Some((n, fixed));
    }
    if let Some((n, fixed)) = smallest {
        if fixed + min_room <= budget {
            return Ok(n);
        }
    }
    // The error reports the smallest batch tried: the least the context can take.
    let fixed = smallest.map_or(0, |(_, fixed)| fixed);
    // What would fit: the largest context (halving) whose smallest batch leaves room for an input.
    let mut fits = None;
    let mut k = context_size / 2;
    while k >= MIN_CONTEXT {
        let f = probe.fixed(shape, k)?;
        if f + min_input_room(k, shape) <= budget {
            fits = Some(k);
            break;
        }
        k /= 2;
    }
    Err(EngineError::BudgetTooSmall {
        budget,
        context_bytes: fixed,
        input_bytes: min_room,
        context_size,
        fits,
    })
}

/// Bytes as a person reads them in an error message.
pub(crate) fn human(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / KIB / KIB)
    } else {
        format!("{:.2} GiB", b / KIB / KIB / KIB)
    }
}
