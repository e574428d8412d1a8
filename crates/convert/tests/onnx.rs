//! ONNX conversion on small exports laid out as torch writes them (tests/common/onnx_builder.rs):
//! the ONNX file and a safetensors checkpoint of the same weights convert to the same tensors, and
//! each defect of a hostile or unsupported export is refused with a typed error naming what.

mod common;

use std::path::{Path, PathBuf};

use common::onnx_builder::{
    bert_onnx, hf_tensors, hf_values, tokenizer_json, Init, OnnxGraph, Spec,
};
use gguf_embed_convert::{convert, convert_onnx, ConvertError, OnnxOptions};
use gguf_embed_format::{GgmlType, Gguf, Limits};

const VOCAB: usize = 16;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gguf-onnx-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_onnx(dir: &Path, graph: &OnnxGraph) -> PathBuf {
    let model = dir.join("model.onnx");
    std::fs::write(&model, graph.encode()).unwrap();
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json(VOCAB)).unwrap();
    model
}

fn options(pooling: Option<u32>) -> OnnxOptions {
    OnnxOptions {
        tokenizer: None,
        pooling,
        name: Some("tiny-onnx".into()),
    }
}

fn convert_graph(name: &str, graph: &OnnxGraph) -> Result<PathBuf, ConvertError> {
    let dir = scratch(name);
    let model = write_onnx(&dir, graph);
    let out = dir.join("out.gguf");
    convert_onnx(&model, &options(Some(1)), &out, GgmlType::F32).map(|_| out)
}

/// The same weights as a Hugging Face checkpoint folder.
fn write_checkpoint(dir: &Path, s: &Spec) {
    let tensors = hf_tensors(s);
    let mut header = Vec::new();
    let mut data = Vec::new();
    for (t, (name, dims)) in tensors.iter().enumerate() {
        let start = data.len();
        for v in hf_values(name, dims, t) {
            data.extend_from_slice(&v.to_le_bytes());
        }
        header.push(format!(
            r#"{name:?}: {{"dtype": "F32", "shape": {dims:?}, "data_offsets": [{start}, {}]}}"#,
            data.len()
        ));
    }
    let header = format!("{{{}}}", header.join(", "));
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header.as_bytes());
    file.extend_from_slice(&data);
    std::fs::write(dir.join("model.safetensors"), file).unwrap();
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json(VOCAB)).unwrap();
    let config = format!(
        r#"{{"architectures": ["BertModel"], "model_type": "bert", "hidden_size": {}, "num_hidden_layers": {},
"num_attention_heads": {}, "intermediate_size": {}, "max_position_embeddings": {}, "vocab_size": {VOCAB},
"type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12}}"#,
        s.hidden, s.layers, s.heads, s.ff, s.positions
    );
    std::fs::write(dir.join("config.json"), config).unwrap();
}

#[test]
fn an_export_converts_to_the_tensors_of_its_checkpoint() {
    let s = Spec::tiny(VOCAB);
    let from_onnx = convert_graph("twin", &bert_onnx(&s)).unwrap();
    let dir = scratch("twin-checkpoint");
    write_checkpoint(&dir, &s);
    let from_checkpoint = dir.join("out.gguf");
    convert(&dir, &from_checkpoint, GgmlType::F32).unwrap();

    let a = Gguf::open(&from_onnx, &Limits::default()).unwrap();
    let b = Gguf::open(&from_checkpoint, &Limits::default()).unwrap();
    let names = |g: &Gguf<_>| g.tensors().map(|t| t.name.to_string()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    assert_eq!(names(&a).len(), 5 + 16 * s.layers);
    for t in a.tensors() {
        let u = b.tensor(t.name).unwrap();
        assert_eq!(t.shape(), u.shape(), "{}", t.name);
        assert_eq!(a.tensor_data(&t), b.tensor_data(&u), "{}", t.name);
    }
    // The hyper-parameters read from the graph are the checkpoint's config.json.
    for key in [
        "bert.attention.head_count",
        "bert.feed_forward_length",
        "bert.block_count",
        "bert.context_length",
        "bert.attention.layer_norm_epsilon",
        "tokenizer.ggml.bos_token_id",
        "tokenizer.ggml.seperator_token_id",
        "tokenizer.ggml.unknown_token_id",
    ] {
        assert_eq!(
            format!("{:?}", a.get(key)),
            format!("{:?}", b.get(key)),
            "{key}"
        );
    }
    assert_eq!(a.get("bert.pooling_type").and_then(|v| v.as_u64()), Some(1));
    assert_eq!(
        a.get("general.name").and_then(|v| v.as_str()),
        Some("tiny-onnx")
    );
}

fn refused(name: &str, graph: &OnnxGraph) -> ConvertError {
    match convert_graph(name, graph) {
        Ok(_) => panic!("{name}: converted"),
        Err(e) => e,
    }
}

fn with(edit: impl FnOnce(&mut OnnxGraph)) -> OnnxGraph {
    let mut g = bert_onnx(&Spec::tiny(VOCAB));
    edit(&mut g);
    g
}

#[test]
fn quantized_exports_are_refused_and_pointed_to_the_float32_file() {
    let e = refused(
        "quantized",
        &with(|g| {
            let mut q = g.nodes[3].clone();
            q.op = "MatMulInteger".into();
            q.name = "/encoder/layer.0/attention/self/query/MatMul_quant".into();
            g.nodes.push(q);
        }),
    );
    assert_eq!(e.kind(), "QuantizedOnnx", "{e}");
    assert!(e.to_string().contains("float32"), "{e}");
    let e = refused(
        "uint8",
        &with(|g| {
            let w = g
                .inits
                .iter_mut()
                .find(|i| i.name.starts_with("onnx::"))
                .unwrap();
            w.data_type = 2;
            w.raw.truncate(w.raw.len() / 4);
        }),
    );
    assert_eq!(e.kind(), "QuantizedOnnx", "{e}");
}

#[test]
fn every_weight_must_be_placed() {
    // A weight no node uses.
    let e = refused(
        "unused",
        &with(|g| {
            let mut w = g
                .inits
                .iter()
                .find(|i| i.name.starts_with("onnx::"))
                .unwrap()
                .clone();
            w.name = "onnx::MatMul_9999".into();
            g.inits.push(w);
        }),
    );
    assert_eq!(
        (e.kind(), e.tensor()),
        ("UnmappedWeight", Some("onnx::MatMul_9999")),
        "{e}"
    );

    // A product whose scope names no layer and whose bias is gone.
    let e = refused(
        "anonymous",
        &with(|g| {
            let mm = g.nodes.iter().position(|n| n.op == "MatMul").unwrap();
            g.nodes[mm].name = "MatMul_17".into();
            let out = g.nodes[mm].outputs[0].clone();
            g.nodes
                .retain(|n| !(n.op == "Add" && n.inputs.contains(&out)));
        }),
    );
    assert_eq!(e.kind(), "UnmappedWeight", "{e}");
    assert!(e.tensor().unwrap().starts_with("onnx::MatMul_"), "{e}");

    // Scope and bias disagree: the query product scoped as the key's.
    let e = refused(
        "disagree",
        &with(|g| {
            let mm = g.nodes.iter().position(|n| n.op == "MatMul").unwrap();
            g.nodes[mm].name = "/encoder/layer.0/attention/self/key/MatMul".into();
        }),
    );
    assert_eq!(e.kind(), "UnmappedWeight", "{e}");
    assert!(e.to_string().contains("names"), "{e}");
}

#[test]
fn missing_layers_and_wrong_shapes_are_named() {
    let e = refused(
        "no-layer-0",
        &with(|g| {
            let layer0: Vec<String> = g
                .nodes
                .iter()
                .filter(|n| n.name.starts_with("/encoder/layer.0/") && n.op == "MatMul")
                .map(|n| n.inputs[1].clone())
                .collect();
            g.inits
                .retain(|i| !i.name.starts_with("encoder.layer.0.") && !layer0.contains(&i.name));
            g.nodes.retain(|n| !n.name.starts_with("/encoder/layer.0/"));
        }),
    );
    assert_eq!(
        (e.kind(), e.tensor()),
        ("MissingTensor", Some("blk.0.*")),
        "{e}"
    );

    let e = refused(
        "missing-bias",
        &with(|g| {
            g.inits
                .retain(|i| i.name != "encoder.layer.1.output.LayerNorm.bias")
        }),
    );
    assert_eq!(
        (e.kind(), e.tensor()),
        ("MissingTensor", Some("blk.1.layer_output_norm.bias")),
        "{e}"
    );

    let e = refused(
        "short-bias",
        &with(|g| {
            let b = g
                .inits
                .iter_mut()
                .find(|i| i.name == "encoder.layer.1.intermediate.dense.bias")
                .unwrap();
            b.dims = vec![12];
            b.raw.truncate(48);
        }),
    );
    assert_eq!(
        (e.kind(), e.tensor()),
        (
            "WrongShape",
            Some("encoder.layer.1.intermediate.dense.bias")
        ),
        "{e}"
    );

    let e = refused(
        "bytes-short",
        &with(|g| {
            let w = g
                .inits
                .iter_mut()
                .find(|i| i.name == "embeddings.position_embeddings.weight")
                .unwrap();
            w.raw.truncate(w.raw.len() - 4);
        }),
    );
    assert_eq!(
        e.tensor(),
        Some("embeddings.position_embeddings.weight"),
        "{e}"
    );
}

#[test]
fn external_data_truncated_files_and_missing_pooling_are_refused() {
    let e = refused(
        "external",
        &with(|g| {
            let w: &mut Init = g
                .inits
                .iter_mut()
                .find(|i| i.name.starts_with("onnx::"))
                .unwrap();
            w.external = Some("../../../etc/passwd".into());
        }),
    );
    assert!(e.to_string().contains("external"), "{e}");
    assert!(e.tensor().unwrap().starts_with("onnx::MatMul_"), "{e}");

    let dir = scratch("truncated");
    let bytes = bert_onnx(&Spec::tiny(VOCAB)).encode();
    let model = dir.join("model.onnx");
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json(VOCAB)).unwrap();
    for cut in [0, 1, 7, bytes.len() / 3, bytes.len() - 1] {
        std::fs::write(&model, &bytes[..cut]).unwrap();
        let e = convert_onnx(
            &model,
            &options(Some(1)),
            &dir.join("out.gguf"),
            GgmlType::F16,
        )
        .unwrap_err();
        assert_eq!(e.kind(), "BadOnnx", "cut at {cut}: {e}");
    }

    let dir = scratch("no-pooling");
    let model = write_onnx(&dir, &bert_onnx(&Spec::tiny(VOCAB)));
    let e = convert_onnx(&model, &options(None), &dir.join("out.gguf"), GgmlType::F16).unwrap_err();
    assert_eq!(e.kind(), "NeedsOption", "{e}");
}
