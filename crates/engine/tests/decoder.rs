//! The decoder path (causal LLM embedders, last-token pooling, `decode()`), on small random-weight
//! Qwen2 and Qwen3 models with a real tokenizer taken from llama.cpp's vocab files.

use std::path::PathBuf;

use gguf_embed_engine::embedder::{EmbedRequest, Embedder, EmbedderOptions, Kind};
use gguf_embed_engine::synthetic::{write_decoder, DecoderArch, DecoderSpec};

fn vocab() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.cache/llama.cpp/models/ggml-vocab-qwen2.gguf");
    assert!(
        p.exists(),
        "{} is missing: run scripts/llama-cpp-source.sh (npm test does)",
        p.display()
    );
    p
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64) * (*y as f64))
        .sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn texts() -> Vec<String> {
    let mut t: Vec<String> = vec![
        "def add(a, b):\n    return a + b".into(),
        "a".into(),
        "function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms) } }".into(),
        "Sort a list of dictionaries by a key".into(),
        "日本語のテキスト and émojis 🦀".into(),
    ];
    t.push("for i in range(10):\n    print(i * i)\n".repeat(20));
    t
}

fn check(arch: DecoderArch, name: &str) {
    let dir = std::env::temp_dir().join(format!("gguf-decoder-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tiny.gguf");
    write_decoder(&DecoderSpec::tiny(arch, name), &vocab(), &file).unwrap();

    let e = Embedder::load(
        &file,
        &EmbedderOptions {
            threads: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    let info = e.info();
    assert!(info.causal, "a decoder model runs causal");
    assert_eq!(info.profile.pooling.name(), "last");
    assert_eq!(info.dimensions, 64);

    let texts = texts();
    let request = EmbedRequest {
        kind: Some(Kind::Document),
        dimensions: None,
        first_index: 0,
    };
    let packed = e.embed_batch(&texts, &request, None).unwrap();
    assert_eq!(
        e.stats().batches.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "all inputs packed in one decode"
    );
    for (i, t) in texts.iter().enumerate() {
        let alone = e
            .embed_batch(std::slice::from_ref(t), &request, None)
            .unwrap();
        let c = cosine(&alone[0], &packed[i]);
        assert!(
            c >= 0.99999,
            "{name}: input {i}: packed vs alone cosine {c}"
        );
    }
    // Each sequence pools its own last token: different inputs give different vectors.
    for i in 1..texts.len() {
        assert!(
            cosine(&packed[0], &packed[i]) < 0.999,
            "{name}: inputs 0 and {i} pooled the same token"
        );
    }
    drop(e);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn qwen2_decoder_packs_sequences_and_pools_each_last_token() {
    check(DecoderArch::Qwen2, "nomic-embed-code");
}

#[test]
fn qwen3_decoder_packs_sequences_and_pools_each_last_token() {
    check(DecoderArch::Qwen3, "Qwen3-Embedding-0.6B");
}

#[test]
fn code_model_profiles_come_from_the_metadata() {
    let dir = std::env::temp_dir().join(format!("gguf-decoder-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("code.gguf");
    write_decoder(
        &DecoderSpec::tiny(DecoderArch::Qwen2, "nomic-embed-code"),
        &vocab(),
        &file,
    )
    .unwrap();
    let e = Embedder::load(&file, &EmbedderOptions::default()).unwrap();
    assert_eq!(e.info().profile.name, "nomic-embed-code");
    assert_eq!(
        e.info().profile.query_prefix,
        "Represent this query for searching relevant code: "
    );
    assert_eq!(e.info().profile.document_prefix, "");
    let q = e
        .embed_batch(
            &["sort a list".into()],
            &EmbedRequest {
                kind: Some(Kind::Query),
                dimensions: None,
                first_index: 0,
            },
            None,
        )
        .unwrap();
    let manual = e
        .embed_batch(
            &["Represent this query for searching relevant code: sort a list".into()],
            &EmbedRequest {
                kind: Some(Kind::Document),
                dimensions: None,
                first_index: 0,
            },
            None,
        )
        .unwrap();
    assert!(cosine(&q[0], &manual[0]) > 0.999999);
    drop(e);
    std::fs::remove_dir_all(&dir).unwrap();
}
