//! Native memory: the budget (context sized from llama.cpp's own figures, checked against what it
//! then allocates), reservations by queued requests, one model per file, a file replaced while
//! loaded, and inputs of megabytes. One test function: the model cache is process-wide.

mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use gguf_embed_engine::embedder::{EmbedRequest, Embedder, EmbedderOptions, Truncate};
use gguf_embed_engine::memory::sizing::{min_input_room, Shape};
use gguf_embed_engine::model::live_models;
use gguf_embed_engine::synthetic::{write_decoder, DecoderArch, DecoderSpec};
use gguf_embed_engine::EngineError;

fn opts(context: usize, batch: Option<usize>, budget: Option<u64>) -> EmbedderOptions {
    EmbedderOptions {
        threads: Some(2),
        context_size: Some(context),
        batch_tokens: batch,
        memory_budget: budget,
        ..Default::default()
    }
}

fn embed(e: &Embedder, texts: &[&str]) -> Vec<Vec<f32>> {
    let texts: Vec<String> = texts.iter().map(|s| s.to_string()).collect();
    e.embed_batch(&texts, &EmbedRequest::default(), None)
        .unwrap()
}

fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f32::max)
}

const TEXTS: &[&str] = &[
    "def add(a, b): return a + b",
    "sort a list of dictionaries by a key",
    "function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms) } }",
];

/// The probe's prediction (no memory allocated) is what llama.cpp then really allocates: a budget a
/// little above the real figure loads, one a little below is refused.
fn prediction_matches_allocation(path: &Path, context: usize, batch: usize, dims: usize, kv: u64) {
    let real = Embedder::load(path, &opts(context, Some(batch), None)).unwrap();
    let fixed = real.memory().fixed();
    assert!(fixed > 0);
    let shape = Shape {
        pooling: real.info().profile.pooling,
        threads: 2,
        dimensions: dims,
        kv_bytes_per_token: kv,
        n_vocab: 0,
        prefix_len: real
            .info()
            .profile
            .query_prefix
            .len()
            .max(real.info().profile.document_prefix.len()),
    };
    real.dispose();
    let slack = 48 * 1024;
    let room = min_input_room(context, &shape);
    let fits = Embedder::load(
        path,
        &opts(context, Some(batch), Some(fixed + room + slack)),
    )
    .unwrap_or_else(|e| {
        panic!(
            "{}: budget {} refused: {e}",
            path.display(),
            fixed + room + slack
        )
    });
    assert_eq!(fits.info().batch_tokens, batch);
    assert_eq!(fits.memory().fixed(), fixed);
    assert!(fits.memory().peak() <= fits.memory().limit().unwrap());
    fits.dispose();
    match Embedder::load(path, &opts(context, Some(batch), Some(fixed - slack))) {
        Err(EngineError::BudgetTooSmall {
            budget,
            context_size,
            ..
        }) => {
            assert_eq!(budget, fixed - slack);
            assert_eq!(context_size, context);
        }
        Err(e) => panic!("expected MEMORY_BUDGET, got {e}"),
        Ok(_) => panic!(
            "{}: a budget below the context's {fixed} bytes loaded",
            path.display()
        ),
    }
}

#[test]
fn memory_budget_model_sharing_and_huge_inputs() {
    let f16 = common::model_file("all-minilm-l6-v2.f16.gguf");

    // 1. Predictions match allocations: an encoder, and a decoder with a KV cache.
    prediction_matches_allocation(&f16, 256, 1024, 384, 0);
    let dir = std::env::temp_dir().join(format!("gguf-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vocab = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.cache/llama.cpp/models/ggml-vocab-qwen2.gguf");
    let qwen3 = dir.join("qwen3.gguf");
    write_decoder(
        &DecoderSpec::tiny(DecoderArch::Qwen3, "tiny-qwen3"),
        &vocab,
        &qwen3,
    )
    .unwrap();
    let kv = {
        let g = gguf_embed_engine::format::Gguf::open(&qwen3, &Default::default()).unwrap();
        gguf_embed_engine::profile::ModelFacts::read(&g).kv_bytes_per_token
    };
    assert!(kv > 0, "a decoder keeps a KV cache");
    prediction_matches_allocation(&qwen3, 512, 4096, 64, kv);

    // 2. The batch adapts to the budget, and the vectors do not change with it.
    let open = Embedder::load(&f16, &opts(128, None, None)).unwrap();
    let full_batch = open.info().batch_tokens;
    let want = embed(&open, TEXTS);
    let budget = open.memory().fixed() * 3 / 4;
    let small = Embedder::load(&f16, &opts(128, None, Some(budget))).unwrap();
    assert!(
        small.info().batch_tokens < full_batch,
        "batch {} under a budget of {budget}",
        small.info().batch_tokens
    );
    assert!(small.info().batch_tokens >= 128);
    assert!(max_diff(&embed(&small, TEXTS), &want) < 1e-4);

    // 3. Queued requests reserve memory: one too big ever to fit is MEMORY_BUDGET, one that does
    //    not fit now is MemoryBusy (QUEUE_FULL), and every reservation is given back.
    let room = budget - small.memory().fixed();
    let per_input = gguf_embed_engine::tokens::input_bytes(5000, 0, 128, 384);
    let huge = vec!["word ".repeat(1000); (room / per_input) as usize + 10];
    match small.embed_batch(&huge, &EmbedRequest::default(), None) {
        Err(EngineError::RequestOverBudget { need, room: r }) => {
            assert!(need > r, "{need} > {r}")
        }
        other => panic!("expected MEMORY_BUDGET, got {other:?}"),
    }
    let piece = vec!["word ".repeat(1000); (room / per_input / 3) as usize];
    let (tx, rx) = mpsc::channel();
    let mut busy = 0;
    for _ in 0..8 {
        let tx = tx.clone();
        small.submit(
            piece.clone(),
            &EmbedRequest::default(),
            None,
            Box::new(move |r| tx.send(r.map(|v| v.vectors.len())).unwrap()),
        );
    }
    drop(tx);
    let mut answered = 0;
    for r in rx {
        match r {
            Ok(n) => {
                assert_eq!(n, piece.len());
                answered += 1
            }
            Err(EngineError::MemoryBusy { .. }) => busy += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(answered + busy, 8);
    assert!(
        busy > 0 && answered >= 2,
        "{answered} answered, {busy} refused for memory"
    );
    assert!(small.memory().peak() <= budget);
    assert_eq!(
        small.memory().used(),
        small.memory().fixed(),
        "every reservation was given back"
    );
    drop(small);
    drop(open);

    // 4. Two Embedders of one file share one llama.cpp model (one mapping).
    // Dropped without dispose(): the inference threads exit on their own, and free the models.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while live_models() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let before = live_models();
    assert_eq!(
        before, 0,
        "every Embedder above was dropped, and its model with it"
    );
    let a = Embedder::load(&f16, &opts(128, None, None)).unwrap();
    let b = Embedder::load(&f16, &opts(64, None, None)).unwrap();
    assert_eq!(live_models(), before + 1);
    assert!(max_diff(&embed(&a, TEXTS), &embed(&b, TEXTS)) < 1e-4);
    drop(a);
    drop(b);

    // 5. A model file replaced by rename while loaded keeps working; loading the path again
    //    reads the new file.
    let live = dir.join("live.gguf");
    std::fs::copy(&f16, &live).unwrap();
    let loaded = Embedder::load(&live, &opts(128, None, None)).unwrap();
    let first = embed(&loaded, TEXTS);
    let next = dir.join("next.gguf");
    std::fs::copy(common::model_file("all-minilm-l6-v2.q4_0.gguf"), &next).unwrap();
    std::fs::rename(&next, &live).unwrap();
    assert_eq!(
        max_diff(&embed(&loaded, TEXTS), &first),
        0.0,
        "the mapped old file still answers"
    );
    let reloaded = Embedder::load(&live, &opts(128, None, None)).unwrap();
    assert!(
        max_diff(&embed(&reloaded, TEXTS), &first) > 1e-3,
        "the new file (Q4_0) was loaded, not the cached F16"
    );
    drop(loaded);
    drop(reloaded);

    // 6. Megabytes of text are cut (or refused) after tokenising only a prefix of it.
    let cut = Embedder::load(&f16, &opts(128, None, None)).unwrap();
    let big = "fn main() { println!(\"hello\"); } ".repeat(300_000); // ~10 MB
    let v_big = embed(&cut, &[&big]);
    let v_prefix = embed(&cut, &[&big[..20_000]]);
    assert!(
        max_diff(&v_big, &v_prefix) < 1e-6,
        "the cut input equals its first 128 tokens"
    );
    let strict = Embedder::load(
        &f16,
        &EmbedderOptions {
            truncate: Some(Truncate::Error),
            ..opts(128, None, None)
        },
    )
    .unwrap();
    match strict.embed_batch(&[big], &EmbedRequest::default(), None) {
        Err(e @ EngineError::InputTooLong { at_least: true, .. }) => {
            assert!(e.to_string().contains("at least"), "{e}")
        }
        other => panic!("expected INPUT_TOO_LONG, got {other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}
