//! Every embedding architecture of the llama.cpp we build, on a small random-weight model written
//! from `architectures`' tensor table with a real tokenizer of the family: it passes preflight,
//! loads, embeds with the pooling its real models use, runs as an encoder or a decoder as
//! llama.cpp does, and packed batches give what single inputs give.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use gguf_embed_engine::architectures::is_encoder;
use gguf_embed_engine::embedder::{EmbedRequest, Embedder, EmbedderOptions, Kind};
use gguf_embed_engine::preflight::preflight;
use gguf_embed_engine::synthetic::{recipes, write_model};
use gguf_embed_format::{Gguf, Limits};

fn vocab(file: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.cache/llama.cpp/models")
        .join(file);
    assert!(
        p.exists(),
        "{} is missing: run scripts/llama-cpp-source.sh (npm test does)",
        p.display()
    );
    p
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn texts() -> Vec<String> {
    vec![
        "def add(a, b):\n    return a + b".into(),
        "a".into(),
        "function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms) } }".into(),
        "Sort a list of dictionaries by a key".into(),
        "日本語のテキスト and émojis 🦀".into(),
        "for i in range(10):\n    print(i * i)\n".repeat(8),
    ]
}

/// The profile (name, pooling) each recipe's `general.name` must select.
fn expected(label: &str) -> (&'static str, &'static str) {
    match label {
        "bert (WordPiece)" => ("bge", "cls"),
        "bert (XLM-R unigram)" => ("bge-m3", "cls"),
        "bert (XLM-R unigram), e5" => ("e5", "mean"),
        "nomic-bert" | "nomic-bert-moe" => ("nomic-embed-text", "mean"),
        "jina-bert-v2" => ("jina-embeddings-v2", "mean"),
        "jina-bert-v3" => ("jina-embeddings-v3", "mean"),
        "modern-bert" => ("granite-embedding", "cls"),
        "neo-bert" => ("generic-encoder", "cls"),
        "eurobert" => ("generic-encoder", "mean"),
        "gemma-embedding" => ("embeddinggemma", "mean"),
        "t5encoder" => ("generic-encoder", "mean"),
        "qwen2" => ("gte-qwen2", "last"),
        "qwen3" => ("qwen3-embedding", "last"),
        "llama" => ("e5-mistral", "last"),
        "llama-embed" => ("llama-embed-nemotron", "mean"),
        other => panic!("no expectation for {other}"),
    }
}

fn check(label: &str, file: &std::path::Path) -> Result<(), String> {
    let g = Gguf::open(file, &Limits::default()).map_err(|e| e.to_string())?;
    preflight(&g).map_err(|e| format!("preflight: {e}"))?;
    let arch = g
        .get("general.architecture")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    drop(g);
    let e = Embedder::load(
        file,
        &EmbedderOptions {
            threads: Some(2),
            ..Default::default()
        },
    )
    .map_err(|e| format!("load: {e}"))?;
    let info = e.info();
    if info.causal == is_encoder(&arch) {
        return Err(format!("causal {} for {arch}", info.causal));
    }
    let (profile, pooling) = expected(label);
    let got = (info.profile.name, info.profile.pooling.name());
    if got != (profile, pooling) {
        return Err(format!(
            "profile {got:?}, expected {:?}",
            (profile, pooling)
        ));
    }
    if info.dimensions != 64 {
        return Err(format!("{} dimensions", info.dimensions));
    }
    let texts = texts();
    let request = EmbedRequest {
        kind: Some(Kind::Document),
        dimensions: None,
        first_index: 0,
    };
    let packed = e
        .embed_batch(&texts, &request, None)
        .map_err(|e| format!("embed: {e}"))?;
    let batches = e.stats().batches.load(Ordering::Relaxed);
    if batches as usize >= texts.len() {
        return Err(format!(
            "{batches} batches for {} inputs: none packed",
            texts.len()
        ));
    }
    for (i, t) in texts.iter().enumerate() {
        let alone = e
            .embed_batch(std::slice::from_ref(t), &request, None)
            .map_err(|e| format!("embed {i}: {e}"))?;
        if packed[i].iter().any(|x| !x.is_finite()) {
            return Err(format!("input {i}: not finite"));
        }
        let c = cosine(&alone[0], &packed[i]);
        if c < 0.99999 {
            return Err(format!("input {i}: packed vs alone cosine {c}"));
        }
    }
    for i in 1..texts.len() {
        if cosine(&packed[0], &packed[i]) > 0.999 {
            return Err(format!("inputs 0 and {i} pooled to the same vector"));
        }
    }
    Ok(())
}

#[test]
fn every_family_loads_embeds_and_packs() {
    let dir = std::env::temp_dir().join(format!("gguf-arch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let only = std::env::var("GGUF_EMBED_FAMILY").ok();
    let mut failures = Vec::new();
    for r in recipes() {
        if only.as_deref().is_some_and(|o| o != r.label) {
            continue;
        }
        let file = dir.join(format!("{}.gguf", r.spec.arch));
        eprintln!("{}: {} with {}", r.label, r.spec.name, r.vocab);
        write_model(&r.spec, &vocab(r.vocab), &file).unwrap();
        if let Err(why) = check(r.label, &file) {
            failures.push(format!("{}: {why}", r.label));
        }
        std::fs::remove_file(&file).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
