//! Writes test fixtures to a folder for the Node tests, which must see the same files the Rust
//! tests see:
//! - the hostile corpus and the must-load files, with manifest.json naming the error each must
//!   produce;
//! - `writer/*.gguf`: valid files made by our writer, for the differential test against an
//!   independent parser.
//!
//!     cargo run -p gguf-embed-format --features corpus --example write_fixtures -- DIR

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use gguf_embed_format::corpus::{expected_code, hostile, loadable, write_sparse_4gib};
use gguf_embed_format::{ArrayValue, GgmlType, GgufWriter, MetaValue, TensorData};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fixtures".into()));
    std::fs::create_dir_all(&dir)?;
    let mut manifest = String::from("[\n");
    let cases: Vec<_> = hostile().into_iter().chain(loadable()).collect();
    for (i, case) in cases.iter().enumerate() {
        let file = format!("{}.gguf", case.name);
        std::fs::write(dir.join(&file), &case.bytes)?;
        let (kind, code) = match case.expect {
            Some(kind) => (
                format!("\"{kind}\""),
                format!("\"{}\"", expected_code(kind)),
            ),
            None => ("null".into(), "null".into()),
        };
        let sep = if i + 1 < cases.len() { "," } else { "" };
        writeln!(
            manifest,
            "  {{\"file\": \"{file}\", \"kind\": {kind}, \"code\": {code}}}{sep}"
        )?;
    }
    manifest.push_str("]\n");
    std::fs::write(dir.join("manifest.json"), manifest)?;
    let written = write_writer_files(&dir.join("writer"))?;
    write_sparse_4gib(&dir.join("sparse-4gib.gguf"))?;
    println!(
        "wrote {} corpus files and {written} writer files to {}",
        cases.len(),
        dir.display()
    );
    Ok(())
}

/// Deterministic bytes for tensor data.
fn pattern(n: u64, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn tensor(
    w: &mut GgufWriter,
    name: &str,
    dims: &[u64],
    t: GgmlType,
    seed: u8,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = t.byte_size(dims).ok_or("bad fixture shape")?;
    w.add_tensor(name, dims, t, TensorData::Bytes(pattern(n, seed)))?;
    Ok(())
}

fn write_writer_files(dir: &Path) -> Result<usize, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;

    // Every value type, arrays of each, a BERT-like header and a mix of tensor types.
    let mut w = GgufWriter::new();
    w.add("general.architecture", "bert")?;
    w.add("general.name", "writer-all-types ünïcødé 🦀")?;
    w.add("bert.context_length", 512u32)?;
    w.add("bert.embedding_length", 64u32)?;
    w.add("bert.attention.causal", false)?;
    w.add("bert.attention.layer_norm_epsilon", 1e-12f32)?;
    w.add("test.u8", MetaValue::U8(200))?;
    w.add("test.i8", MetaValue::I8(-100))?;
    w.add("test.u16", MetaValue::U16(60_000))?;
    w.add("test.i16", MetaValue::I16(-30_000))?;
    w.add("test.i32", MetaValue::I32(-2_000_000_000))?;
    w.add("test.u64", MetaValue::U64(1 << 40))?;
    w.add("test.i64", MetaValue::I64(-(1 << 40)))?;
    w.add("test.f64", MetaValue::F64(-0.125))?;
    w.add("test.empty_string", "")?;
    w.add("test.arr_u8", ArrayValue::U8(vec![1, 2, 255]))?;
    w.add("test.arr_i16", ArrayValue::I16(vec![-1, 2]))?;
    w.add("test.arr_u32", ArrayValue::U32(vec![7; 100]))?;
    w.add("test.arr_f32", ArrayValue::F32(vec![0.5, -1.5]))?;
    w.add("test.arr_bool", ArrayValue::Bool(vec![true, false, true]))?;
    w.add("test.arr_u64", ArrayValue::U64(vec![u64::MAX, 0]))?;
    w.add("test.arr_f64", ArrayValue::F64(vec![]))?;
    w.add("tokenizer.ggml.model", "bert")?;
    let tokens: Vec<String> = (0..500).map(|i| format!("tok_{i}_é")).collect();
    w.add("tokenizer.ggml.tokens", ArrayValue::String(tokens))?;
    tensor(&mut w, "token_embd.weight", &[64, 500], GgmlType::F16, 1)?;
    tensor(&mut w, "blk.0.attn_q.weight", &[64, 64], GgmlType::Q8_0, 2)?;
    tensor(&mut w, "blk.0.ffn_up.weight", &[256, 4], GgmlType::Q4_K, 3)?;
    tensor(&mut w, "blk.0.attn_q.bias", &[64], GgmlType::F32, 4)?;
    tensor(&mut w, "blk.0.ids", &[7], GgmlType::I8, 5)?;
    w.write_file(dir.join("all-types.gguf"))?;

    // Version 2 with a custom alignment.
    let mut w = GgufWriter::new();
    w.set_version(2)?;
    w.set_alignment(64)?;
    w.add("general.architecture", "qwen2")?;
    w.add("qwen2.block_count", 2u32)?;
    tensor(&mut w, "output_norm.weight", &[3], GgmlType::F32, 6)?;
    tensor(&mut w, "output.weight", &[32, 3], GgmlType::Q4_0, 7)?;
    w.write_file(dir.join("v2-align64.gguf"))?;

    // Metadata only, like llama.cpp's vocab-only files.
    let mut w = GgufWriter::new();
    w.add("general.architecture", "llama")?;
    w.add(
        "tokenizer.ggml.scores",
        ArrayValue::F32((0..1000).map(|i| i as f32 / -10.0).collect()),
    )?;
    w.add(
        "tokenizer.ggml.merges",
        ArrayValue::String((0..300).map(|i| format!("a{i} b")).collect()),
    )?;
    w.write_file(dir.join("metadata-only.gguf"))?;
    Ok(3)
}
