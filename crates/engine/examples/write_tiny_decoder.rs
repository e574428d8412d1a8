//! Writes a tiny random-weight Qwen3 embedding model (64 dimensions, 2 layers) with a real tokenizer
//! from one of llama.cpp's vocab files: a real architecture that runs in microseconds, for tests
//! whose subject is the plumbing (100,000-item batches), not the vectors' quality.
//! Usage: write_tiny_decoder VOCAB.gguf OUT.gguf

use std::path::PathBuf;

use gguf_embed_engine::synthetic::{write_decoder, DecoderArch, DecoderSpec};

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [vocab, out] = args.as_slice() else {
        eprintln!("usage: write_tiny_decoder VOCAB.gguf OUT.gguf");
        std::process::exit(2);
    };
    if let Err(e) = write_decoder(
        &DecoderSpec::tiny(DecoderArch::Qwen3, "tiny-qwen3"),
        vocab,
        out,
    ) {
        eprintln!("write_tiny_decoder: {e}");
        std::process::exit(1);
    }
}
