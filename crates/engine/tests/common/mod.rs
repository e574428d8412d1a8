//! What the engine's integration tests share: the models `npm run models` makes.
#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

use gguf_embed_engine::embedder::{Embedder, EmbedderOptions};

/// A model from `.models/`, which `npm run models` makes (npm test does it first).
pub fn model_file(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.models")
        .join(name);
    assert!(
        p.exists(),
        "{} is missing: run `npm run models` (npm test does)",
        p.display()
    );
    p
}

/// The default test model: all-MiniLM-L6-v2 at Q8_0.
pub fn minilm() -> PathBuf {
    model_file("all-minilm-l6-v2.q8_0.gguf")
}

/// MiniLM loaded with `threads` inference threads and defaults otherwise.
pub fn load_minilm(threads: usize) -> Embedder {
    let options = EmbedderOptions {
        threads: Some(threads),
        ..Default::default()
    };
    Embedder::load(&minilm(), &options).expect("MiniLM loads")
}
