//! Writes the ONNX fuzz target's seeds: small exports laid out as torch writes a BERT encoder, and
//! a few near-misses. Usage: cargo run -p gguf-embed-convert --example onnx_seeds -- OUT_DIR
#[path = "../tests/common/onnx_builder.rs"]
mod onnx_builder;

use onnx_builder::{bert_onnx, Spec};

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: onnx_seeds OUT_DIR"));
    std::fs::create_dir_all(&out).expect("the seed folder");
    let mut one_layer = Spec::tiny(16);
    one_layer.layers = 1;
    let mut seeds = vec![
        ("valid-2-layers", bert_onnx(&Spec::tiny(16))),
        ("valid-1-layer", bert_onnx(&one_layer)),
    ];
    let mut quantized = bert_onnx(&one_layer);
    quantized.nodes[3].op = "MatMulInteger".into();
    seeds.push(("quantized", quantized));
    let mut no_heads = bert_onnx(&one_layer);
    no_heads.nodes.retain(|n| n.op != "Reshape");
    seeds.push(("no-head-split", no_heads));
    for (name, graph) in seeds {
        std::fs::write(out.join(format!("{name}.onnx")), graph.encode()).expect("a seed");
    }
}
