//! The converter on small hand-made checkpoints: a valid one converts and llama.cpp embeds with it;
//! each defect is refused with an error naming the tensor or key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gguf_embed_engine::convert::{convert, ConvertError};
use gguf_embed_engine::embedder::{EmbedRequest, Embedder, EmbedderOptions};
use gguf_embed_engine::format::{GgmlType, Gguf, Limits};

const HIDDEN: usize = 32;
const FF: usize = 64;
const POS: usize = 64;

fn vocab() -> Vec<String> {
    let mut v: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .map(String::from)
        .to_vec();
    for w in [
        "the", "a", "def", "return", "add", "sort", "list", "(", ")", ":", ",", "+", "b", "##s",
        "##ed", "x", "y",
    ] {
        v.push(w.to_owned());
    }
    v
}

/// All tensors of a 1-layer BERT, row-major HF shapes.
fn tensors() -> Vec<(String, Vec<usize>)> {
    let n = vocab().len();
    let mut t: Vec<(String, Vec<usize>)> = vec![
        ("embeddings.word_embeddings.weight".into(), vec![n, HIDDEN]),
        (
            "embeddings.position_embeddings.weight".into(),
            vec![POS, HIDDEN],
        ),
        (
            "embeddings.token_type_embeddings.weight".into(),
            vec![2, HIDDEN],
        ),
        ("embeddings.LayerNorm.weight".into(), vec![HIDDEN]),
        ("embeddings.LayerNorm.bias".into(), vec![HIDDEN]),
    ];
    let p = "encoder.layer.0.";
    for m in [
        "attention.self.query",
        "attention.self.key",
        "attention.self.value",
        "attention.output.dense",
    ] {
        t.push((format!("{p}{m}.weight"), vec![HIDDEN, HIDDEN]));
        t.push((format!("{p}{m}.bias"), vec![HIDDEN]));
    }
    for m in ["attention.output.LayerNorm", "output.LayerNorm"] {
        t.push((format!("{p}{m}.weight"), vec![HIDDEN]));
        t.push((format!("{p}{m}.bias"), vec![HIDDEN]));
    }
    t.push((format!("{p}intermediate.dense.weight"), vec![FF, HIDDEN]));
    t.push((format!("{p}intermediate.dense.bias"), vec![FF]));
    t.push((format!("{p}output.dense.weight"), vec![HIDDEN, FF]));
    t.push((format!("{p}output.dense.bias"), vec![HIDDEN]));
    t.push(("pooler.dense.weight".into(), vec![HIDDEN, HIDDEN]));
    t
}

/// Weights of the tiny model: LayerNorm scales 1, everything else small values.
fn weight(name: &str, i: usize, j: usize) -> f32 {
    if name.contains("LayerNorm.weight") {
        1.0f32
    } else {
        (((i * 31 + j * 17) % 97) as f32 - 48.0) / 400.0
    }
}

fn write_safetensors(
    path: &Path,
    tensors: &[(String, Vec<usize>)],
    value: fn(&str, usize, usize) -> f32,
) {
    let mut header = BTreeMap::new();
    let mut data = Vec::new();
    for (i, (name, shape)) in tensors.iter().enumerate() {
        let n: usize = shape.iter().product();
        let start = data.len();
        for j in 0..n {
            data.extend_from_slice(&value(name, i, j).to_le_bytes());
        }
        header.insert(name.clone(), serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}));
    }
    let header = serde_json::to_vec(&header).unwrap();
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&data);
    std::fs::write(path, bytes).unwrap();
}

fn checkpoint(
    name: &str,
    edit: impl FnOnce(&mut serde_json::Value, &mut Vec<(String, Vec<usize>)>),
) -> PathBuf {
    checkpoint_with(name, weight, edit)
}

fn checkpoint_with(
    name: &str,
    value: fn(&str, usize, usize) -> f32,
    edit: impl FnOnce(&mut serde_json::Value, &mut Vec<(String, Vec<usize>)>),
) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gguf-convert-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    let mut config = serde_json::json!({
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": HIDDEN, "num_hidden_layers": 1,
        "num_attention_heads": 4, "intermediate_size": FF, "max_position_embeddings": POS,
        "layer_norm_eps": 1e-12, "vocab_size": vocab().len(), "type_vocab_size": 2, "hidden_act": "gelu",
        "_name_or_path": "tiny-bert"
    });
    let mut t = tensors();
    edit(&mut config, &mut t);
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    std::fs::write(dir.join("vocab.txt"), vocab().join("\n")).unwrap();
    std::fs::write(
        dir.join("tokenizer_config.json"),
        r#"{"do_lower_case": true, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("modules.json"), r#"[{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]"#).unwrap();
    std::fs::write(
        dir.join("1_Pooling/config.json"),
        r#"{"pooling_mode_cls_token": true}"#,
    )
    .unwrap();
    write_safetensors(&dir.join("model.safetensors"), &t, value);
    dir
}

#[test]
fn a_vocab_txt_checkpoint_converts_and_llama_cpp_embeds_with_it() {
    let dir = checkpoint("ok", |_, _| {});
    let out = dir.join("tiny.gguf");
    let report = convert(&dir, &out, GgmlType::F16).unwrap();
    assert_eq!(report.pooling, Some(2));
    assert_eq!(report.tensors, tensors().len() - 1, "the pooler is dropped");
    let g = Gguf::open(&out, &Limits::default()).unwrap();
    assert_eq!(
        g.tensor("token_embd.weight").unwrap().ggml_type,
        GgmlType::F16
    );
    assert_eq!(
        g.tensor("token_embd.weight").unwrap().shape(),
        &[HIDDEN as u64, vocab().len() as u64]
    );
    assert_eq!(
        g.tensor("position_embd.weight").unwrap().ggml_type,
        GgmlType::F32
    );
    let tokens: Vec<String> = g
        .get("tokenizer.ggml.tokens")
        .and_then(|v| v.as_array())
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        &tokens[..6],
        &["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u{2581}the"]
    );
    assert!(tokens.contains(&"s".to_owned()), "##s becomes s");
    assert_eq!(
        g.get("tokenizer.ggml.bos_token_id")
            .and_then(|v| v.as_u64()),
        Some(2)
    );
    assert_eq!(
        g.get("bert.attention.causal").and_then(|v| v.as_bool()),
        Some(false)
    );
    drop(g);

    let e = Embedder::load(
        &out,
        &EmbedderOptions {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.info().profile.pooling.name(), "cls");
    assert_eq!(
        e.tokenize("def add")
            .unwrap()
            .iter()
            .map(|t| t.0)
            .collect::<Vec<_>>(),
        vec![2, 7, 9, 3]
    );
    let v = e
        .embed_batch(
            &["def add(x, y): return x + y".into()],
            &EmbedRequest::default(),
            None,
        )
        .unwrap();
    assert_eq!(v[0].len(), HIDDEN);
    assert!(v[0].iter().all(|x| x.is_finite()));
    drop(e);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn refused(
    name: &str,
    edit: impl FnOnce(&mut serde_json::Value, &mut Vec<(String, Vec<usize>)>),
) -> ConvertError {
    let dir = checkpoint(name, edit);
    let err = convert(&dir, &dir.join("out.gguf"), GgmlType::F32).expect_err("refused");
    assert!(!dir.join("out.gguf").exists(), "nothing written on error");
    std::fs::remove_dir_all(&dir).unwrap();
    err
}

#[test]
fn a_missing_tensor_is_named() {
    let err = refused("missing", |_, t| {
        t.retain(|(n, _)| n != "encoder.layer.0.attention.self.key.weight")
    });
    assert!(
        matches!(&err, ConvertError::MissingTensor { name } if name == "blk.0.attn_k.weight"),
        "{err}"
    );
}

#[test]
fn a_wrong_shape_is_named_with_both_shapes() {
    let err = refused("shape", |_, t| {
        t.iter_mut()
            .find(|(n, _)| n == "encoder.layer.0.intermediate.dense.weight")
            .unwrap()
            .1 = vec![FF, HIDDEN / 2]
    });
    assert!(
        matches!(&err, ConvertError::WrongShape { hf, .. } if hf == "encoder.layer.0.intermediate.dense.weight"),
        "{err}"
    );
    assert!(
        err.to_string().contains("[16, 64]") && err.to_string().contains("[32, 64]"),
        "{err}"
    );
}

#[test]
fn an_unknown_architecture_is_named() {
    let err = refused("arch", |c, _| {
        c["architectures"] = serde_json::json!(["GPT2LMHeadModel"]);
        c["model_type"] = serde_json::json!("gpt2");
    });
    assert!(
        matches!(&err, ConvertError::UnsupportedArchitecture { found, .. } if found == "GPT2LMHeadModel"),
        "{err}"
    );
}

#[test]
fn a_missing_key_is_named() {
    let err = refused("key", |c, _| {
        c.as_object_mut().unwrap().remove("num_attention_heads");
    });
    assert!(
        matches!(
            &err,
            ConvertError::MissingKey {
                key: "num_attention_heads",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_tensor_is_named() {
    let err = refused("unknown", |_, t| {
        t.push((
            "encoder.layer.0.attention.self.rotary.weight".into(),
            vec![4],
        ))
    });
    assert!(
        matches!(&err, ConvertError::UnknownTensor { hf } if hf.contains("rotary")),
        "{err}"
    );
}

#[test]
fn config_sizes_no_tensor_backs_are_refused_before_anything_is_allocated() {
    // vec![None; 4294967295] asked for 103 GB and aborted the process before this was checked.
    let err = refused("vocab-huge", |c, _| {
        c["vocab_size"] = serde_json::json!(4294967295u64)
    });
    assert!(
        matches!(&err, ConvertError::BadCheckpoint { reason, .. } if reason.contains("vocab_size")),
        "{err}"
    );
    let err = refused("vocab-other", |c, _| {
        c["vocab_size"] = serde_json::json!(vocab().len() + 1)
    });
    assert!(
        matches!(&err, ConvertError::BadCheckpoint { reason, .. } if reason.contains("rows")),
        "{err}"
    );
    // required_tensors(4294967295) grew without bound.
    let err = refused("layers-huge", |c, _| {
        c["num_hidden_layers"] = serde_json::json!(4294967295u64)
    });
    assert!(
        matches!(&err, ConvertError::BadCheckpoint { reason, .. } if reason.contains("num_hidden_layers")),
        "{err}"
    );
    // A layer index far past the others is a gap, not a reason to expect 4 billion layers.
    let err = refused("layer-gap", |_, t| {
        t.push((
            "encoder.layer.4294967294.output.dense.bias".into(),
            vec![HIDDEN],
        ))
    });
    assert!(
        matches!(&err, ConvertError::MissingTensor { name } if name == "blk.1.*"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_config_json_is_refused_at_once() {
    let dir = checkpoint("fifo", |_, _| {});
    let config = dir.join("config.json");
    std::fs::remove_file(&config).unwrap();
    let c = std::ffi::CString::new(config.to_str().unwrap()).unwrap();
    // SAFETY: plain syscall with a valid path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Opening a FIFO for reading blocks until a writer comes: this test would hang without the fix.
    let err = convert(&dir, &dir.join("out.gguf"), GgmlType::F32).expect_err("refused");
    assert!(
        matches!(&err, ConvertError::BadCheckpoint { reason, .. } if reason.contains("regular")),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_write_leaves_no_partial_file() {
    let dir = checkpoint("partial", |_, _| {});
    let out = dir.join("out.gguf");
    std::fs::create_dir(&out).unwrap();
    assert!(
        convert(&dir, &out, GgmlType::F32).is_err(),
        "the output is a directory"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A model whose weights are broken gives an error naming the input, never a vector.
fn embed_broken(
    name: &str,
    value: fn(&str, usize, usize) -> f32,
) -> gguf_embed_engine::EngineError {
    let dir = checkpoint_with(name, value, |_, _| {});
    let out = dir.join("broken.gguf");
    convert(&dir, &out, GgmlType::F32).unwrap();
    let e = Embedder::load(
        &out,
        &EmbedderOptions {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let texts = ["def add(x, y)".to_owned(), "the list".to_owned()];
    let request = EmbedRequest {
        first_index: 5,
        ..Default::default()
    };
    let err = e.embed_batch(&texts, &request, None).expect_err("refused");
    drop(e);
    std::fs::remove_dir_all(&dir).unwrap();
    err
}

#[test]
fn nan_or_zero_weights_are_an_error_naming_the_input() {
    use gguf_embed_engine::EngineError;
    let err = embed_broken("nan", |name, i, j| {
        if name.contains("query.weight") {
            f32::NAN
        } else {
            weight(name, i, j)
        }
    });
    assert!(
        matches!(err, EngineError::BadVector { index: 5, what } if what.contains("NaN")),
        "{err}"
    );
    let err = embed_broken("zero", |_, _, _| 0.0);
    assert!(
        matches!(err, EngineError::BadVector { index: 5, what } if what.contains("zero")),
        "{err}"
    );
}
