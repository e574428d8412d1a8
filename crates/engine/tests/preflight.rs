//! Well-formed GGUF files that are wrong as models, each derived by the writer from the real
//! all-MiniLM-L6-v2 (or a synthetic Qwen3) with one defect: preflight names the defect, and
//! `Embedder::load` refuses the file instead of letting llama.cpp assert (which would abort this
//! test process).
//!
//! Measured without preflight (bench/.build/embed_bench, plain llama.cpp, on these files): 7 of the
//! 30 abort the process (block count 0 and 513, a duplicate token, 5000 experts, pooling type 7, an
//! unknown rope scaling type, a WordPiece vocabulary without [CLS]/[SEP]); 20 fail to load with a
//! bare null result; 3 load and run with metadata llama.cpp never reads for this model.

use std::path::{Path, PathBuf};

use gguf_embed_engine::embedder::{Embedder, EmbedderOptions};
use gguf_embed_engine::preflight::preflight;
use gguf_embed_engine::synthetic::{write_decoder, DecoderArch, DecoderSpec};
use gguf_embed_engine::EngineError;
use gguf_embed_format::{ArrayValue, GgmlType, Gguf, GgufWriter, Limits, MetaValue, TensorData};

type Kvs = Vec<(String, MetaValue)>;
type Tensors = Vec<(String, Vec<u64>, GgmlType, Vec<u8>)>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn minilm() -> PathBuf {
    let p = root().join(".models/all-minilm-l6-v2.q8_0.gguf");
    assert!(
        p.exists(),
        "{} is missing: run npm run models (npm test does)",
        p.display()
    );
    p
}

fn read(path: &Path) -> (Kvs, Tensors) {
    let g = Gguf::open(path, &Limits::default()).unwrap();
    let kvs = g
        .kvs()
        .map(|kv| (kv.key.to_owned(), MetaValue::from_value(&kv.value)))
        .collect();
    let tensors = g
        .tensors()
        .map(|t| {
            (
                t.name.to_owned(),
                t.shape().to_vec(),
                t.ggml_type,
                g.tensor_data(&t).to_vec(),
            )
        })
        .collect();
    (kvs, tensors)
}

fn write(path: &Path, kvs: &Kvs, tensors: &Tensors) {
    let mut w = GgufWriter::new();
    for (k, v) in kvs {
        w.add(k, v.clone()).unwrap();
    }
    for (name, dims, ty, data) in tensors {
        w.add_tensor(name, dims, *ty, TensorData::Bytes(data.clone()))
            .unwrap();
    }
    w.write_file(path).unwrap();
}

fn set(kvs: &mut Kvs, key: &str, value: MetaValue) {
    match kvs.iter_mut().find(|(k, _)| k == key) {
        Some(kv) => kv.1 = value,
        None => kvs.push((key.to_owned(), value)),
    }
}

fn tokens(kvs: &mut Kvs) -> &mut Vec<String> {
    match kvs.iter_mut().find(|(k, _)| k == "tokenizer.ggml.tokens") {
        Some((_, MetaValue::Array(ArrayValue::String(t)))) => t,
        _ => panic!("no token list"),
    }
}

type Edit = fn(&mut Kvs, &mut Tensors);

fn cases() -> Vec<(&'static str, &'static str, Edit)> {
    vec![
        ("block-count-0", "BlockCount", |k, _| {
            set(k, "bert.block_count", MetaValue::U32(0))
        }),
        ("block-count-513", "BlockCount", |k, _| {
            set(k, "bert.block_count", MetaValue::U32(513))
        }),
        ("block-count-string", "WrongKeyType", |k, _| {
            set(k, "bert.block_count", "6".into())
        }),
        ("block-count-missing", "MissingKey", |k, _| {
            k.retain(|(key, _)| key != "bert.block_count")
        }),
        ("embedding-length-0", "EmbeddingLength", |k, _| {
            set(k, "bert.embedding_length", MetaValue::U32(0))
        }),
        ("context-length-0", "ContextLength", |k, _| {
            set(k, "bert.context_length", MetaValue::U32(0))
        }),
        ("context-length-2-pow-30", "ContextLength", |k, _| {
            set(k, "bert.context_length", MetaValue::U32(1 << 30))
        }),
        ("head-count-0", "HeadCount", |k, _| {
            set(k, "bert.attention.head_count", MetaValue::U32(0))
        }),
        ("head-count-7", "HeadCount", |k, _| {
            set(k, "bert.attention.head_count", MetaValue::U32(7))
        }),
        ("head-count-f32-array", "WrongKeyType", |k, _| {
            set(
                k,
                "bert.attention.head_count",
                ArrayValue::F32(vec![12.0; 6]).into(),
            )
        }),
        ("head-count-array-short", "WrongKeyType", |k, _| {
            set(
                k,
                "bert.attention.head_count",
                ArrayValue::U32(vec![12; 5]).into(),
            )
        }),
        ("pooling-type-7", "PoolingType", |k, _| {
            set(k, "bert.pooling_type", MetaValue::U32(7))
        }),
        ("causal-u32", "WrongKeyType", |k, _| {
            set(k, "bert.attention.causal", MetaValue::U32(0))
        }),
        ("epsilon-f64", "WrongKeyType", |k, _| {
            set(
                k,
                "bert.attention.layer_norm_epsilon",
                MetaValue::F64(1e-12),
            )
        }),
        ("key-length-not-value-length", "HeadSize", |k, _| {
            set(k, "bert.attention.key_length", MetaValue::U32(32));
            set(k, "bert.attention.value_length", MetaValue::U32(64));
        }),
        ("rope-scaling-unknown", "RopeScaling", |k, _| {
            set(k, "bert.rope.scaling.type", "bogus".into())
        }),
        ("expert-count-5000", "ExpertCount", |k, _| {
            set(k, "bert.expert_count", MetaValue::U32(5000))
        }),
        ("tokenizer-model-unknown", "TokenizerModel", |k, _| {
            set(k, "tokenizer.ggml.model", "sentencepiece".into())
        }),
        ("tokens-not-strings", "TokenList", |k, _| {
            set(
                k,
                "tokenizer.ggml.tokens",
                ArrayValue::U32(vec![1; 30522]).into(),
            )
        }),
        ("duplicate-token", "DuplicateToken", |k, _| {
            tokens(k)[2000] = tokens(k)[2001].clone()
        }),
        ("token-types-short", "TokenTypes", |k, _| {
            set(
                k,
                "tokenizer.ggml.token_type",
                ArrayValue::I32(vec![1; 100]).into(),
            )
        }),
        ("token-types-f32", "TokenTypes", |k, _| {
            set(
                k,
                "tokenizer.ggml.token_type",
                ArrayValue::F32(vec![1.0; 30522]).into(),
            )
        }),
        ("scores-wrong-type", "TokenScores", |k, _| {
            set(
                k,
                "tokenizer.ggml.scores",
                ArrayValue::I32(vec![0; 30522]).into(),
            )
        }),
        ("unknown-id-out-of-range", "SpecialTokenId", |k, _| {
            set(
                k,
                "tokenizer.ggml.unknown_token_id",
                MetaValue::U32(999_999),
            )
        }),
        ("wordpiece-without-cls-sep", "SpecialTokenId", |k, t| {
            k.retain(|(key, _)| {
                key != "tokenizer.ggml.bos_token_id" && key != "tokenizer.ggml.seperator_token_id"
            });
            k.retain(|(key, _)| !key.ends_with("_token_id"));
            tokens(k).truncate(64);
            set(
                k,
                "tokenizer.ggml.token_type",
                ArrayValue::I32(vec![1; 64]).into(),
            );
            let embd = t.iter_mut().find(|x| x.0 == "token_embd.weight").unwrap();
            embd.1 = vec![384, 64];
            embd.3.truncate(64 * 12 * 34);
        }),
        ("add-bos-without-bos", "SpecialTokenId", |k, _| {
            set(k, "tokenizer.ggml.model", "gpt2".into());
            k.retain(|(key, _)| key != "tokenizer.ggml.bos_token_id");
            set(k, "tokenizer.ggml.add_bos_token", true.into());
            tokens(k).truncate(30522);
            // gpt2's default BOS id (11) exists here, so point the check at an explicit bad id.
            set(k, "tokenizer.ggml.bos_token_id", MetaValue::U32(40_000));
        }),
        ("charsmap-2-bytes", "CharsMap", |k, _| {
            set(
                k,
                "tokenizer.ggml.precompiled_charsmap",
                ArrayValue::U8(vec![1, 2]).into(),
            )
        }),
        ("vocab-size-mismatch", "VocabSize", |k, _| {
            tokens(k).push("extra".into());
            set(
                k,
                "tokenizer.ggml.token_type",
                ArrayValue::I32(vec![1; 30523]).into(),
            );
        }),
        ("missing-attn-k", "MissingTensor", |_, t| {
            t.retain(|x| x.0 != "blk.3.attn_k.weight")
        }),
        ("architecture-missing", "MissingKey", |k, _| {
            k.retain(|(key, _)| key != "general.architecture")
        }),
    ]
}

#[test]
fn each_defect_is_named_and_the_process_survives_loading_it() {
    let (kvs, tensors) = read(&minilm());
    let dir = std::env::temp_dir().join(format!("gguf-preflight-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The unmodified model passes.
    let control = dir.join("control.gguf");
    write(&control, &kvs, &tensors);
    preflight(&Gguf::open(&control, &Limits::default()).unwrap()).unwrap();

    let cases = cases();
    assert!(cases.len() >= 20);
    for (name, check, edit) in cases {
        let (mut k, mut t) = (kvs.clone(), tensors.clone());
        edit(&mut k, &mut t);
        let file = dir.join(format!("{name}.gguf"));
        write(&file, &k, &t);
        let err = preflight(&Gguf::open(&file, &Limits::default()).unwrap()).err();
        assert_eq!(
            err.as_ref().map(|e| e.check),
            Some(check),
            "{name}: {err:?}"
        );
        match Embedder::load(
            &file,
            &EmbedderOptions {
                threads: Some(1),
                ..Default::default()
            },
        ) {
            Err(EngineError::Preflight { source, .. }) => assert_eq!(source.check, check, "{name}"),
            Err(other) => panic!("{name}: {other}"),
            Ok(_) => panic!("{name}: loaded"),
        }
        std::fs::remove_file(&file).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn qwen3_head_size_must_match_rope_dimensions_and_kv_heads_divide_heads() {
    let vocab = root().join(".cache/llama.cpp/models/ggml-vocab-qwen2.gguf");
    let dir = std::env::temp_dir().join(format!("gguf-preflight-qwen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("qwen3.gguf");
    write_decoder(
        &DecoderSpec::tiny(DecoderArch::Qwen3, "tiny"),
        &vocab,
        &base,
    )
    .unwrap();
    let (kvs, tensors) = read(&base);
    preflight(&Gguf::open(&base, &Limits::default()).unwrap()).unwrap();
    for (key, value, check) in [
        ("qwen3.rope.dimension_count", MetaValue::U32(8), "HeadSize"),
        (
            "qwen3.attention.head_count_kv",
            MetaValue::U32(3),
            "HeadCount",
        ),
    ] {
        let mut k = kvs.clone();
        set(&mut k, key, value);
        let file = dir.join("bad.gguf");
        write(&file, &k, &tensors);
        let err = Embedder::load(&file, &EmbedderOptions::default()).err();
        assert!(
            matches!(&err, Some(EngineError::Preflight { source, .. }) if source.check == check),
            "{key}: {err:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_byte_token_is_refused() {
    let mut w = GgufWriter::new();
    w.add("general.architecture", "llama").unwrap();
    for (k, v) in [
        ("llama.block_count", 1u32),
        ("llama.embedding_length", 8),
        ("llama.context_length", 64),
    ] {
        w.add(k, v).unwrap();
    }
    w.add("tokenizer.ggml.model", "llama").unwrap();
    w.add(
        "tokenizer.ggml.tokens",
        ArrayValue::String(vec![
            "<unk>".into(),
            "<s>".into(),
            "</s>".into(),
            "<0x-1>".into(),
        ]),
    )
    .unwrap();
    w.add(
        "tokenizer.ggml.token_type",
        ArrayValue::I32(vec![2, 3, 3, 6]),
    )
    .unwrap();
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    let err = preflight(&Gguf::from_bytes(bytes, &Limits::default()).unwrap())
        .err()
        .unwrap();
    assert_eq!(err.check, "ByteToken", "{err}");
}

#[test]
fn a_special_id_of_u32_max_means_none_and_is_accepted() {
    let (mut kvs, tensors) = read(&minilm());
    set(
        &mut kvs,
        "tokenizer.ggml.padding_token_id",
        MetaValue::U32(u32::MAX),
    );
    let dir = std::env::temp_dir().join(format!("gguf-preflight-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pad-none.gguf");
    write(&file, &kvs, &tensors);
    preflight(&Gguf::open(&file, &Limits::default()).unwrap()).unwrap();
    let e = Embedder::load(
        &file,
        &EmbedderOptions {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    drop(e);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn check_of(kvs: &Kvs, tensors: &Tensors) -> Option<gguf_embed_engine::preflight::PreflightError> {
    let mut w = GgufWriter::new();
    for (k, v) in kvs {
        w.add(k, v.clone()).unwrap();
    }
    for (name, dims, ty, data) in tensors {
        w.add_tensor(name, dims, *ty, TensorData::Bytes(data.clone()))
            .unwrap();
    }
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    preflight(&Gguf::from_bytes(bytes, &Limits::default()).unwrap()).err()
}

fn load_err(dir: &Path, kvs: &Kvs, tensors: &Tensors) -> Option<EngineError> {
    let file = dir.join("derived.gguf");
    write(&file, kvs, tensors);
    let r = Embedder::load(
        &file,
        &EmbedderOptions {
            threads: Some(1),
            ..Default::default()
        },
    );
    std::fs::remove_file(&file).unwrap();
    r.err()
}

/// The case: MiniLM with one `blk.0` bias removed passed preflight and came back from
/// llama.cpp as an unnamed load failure. Now each tensor defect names its tensor.
#[test]
fn minilm_tensor_defects_name_the_tensor() {
    let (kvs, tensors) = read(&minilm());
    let dir = std::env::temp_dir().join(format!("gguf-preflight-t-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    type TensorEdit = fn(&mut Kvs, &mut Tensors);
    let cases: Vec<(&str, &str, TensorEdit)> = vec![
        ("MissingTensor", "blk.0.attn_output_norm.bias", |_, t| {
            t.retain(|x| x.0 != "blk.0.attn_output_norm.bias")
        }),
        ("MissingTensor", "blk.5.layer_output_norm.bias", |_, t| {
            t.retain(|x| x.0 != "blk.5.layer_output_norm.bias")
        }),
        ("MissingTensor", "token_embd_norm.bias", |_, t| {
            t.retain(|x| x.0 != "token_embd_norm.bias")
        }),
        ("MissingTensor", "position_embd.weight", |_, t| {
            t.retain(|x| x.0 != "position_embd.weight")
        }),
        ("TensorShape", "blk.0.ffn_up.bias", |_, t| {
            let b = t.iter_mut().find(|x| x.0 == "blk.0.ffn_up.bias").unwrap();
            b.1 = vec![1535];
            b.3.truncate(1535 * 4);
        }),
        ("TensorType", "blk.0.attn_output_norm.weight", |_, t| {
            let b = t
                .iter_mut()
                .find(|x| x.0 == "blk.0.attn_output_norm.weight")
                .unwrap();
            b.2 = GgmlType::F16;
            b.3.truncate(384 * 2);
        }),
        ("TensorType", "token_types.weight", |_, t| {
            let b = t.iter_mut().find(|x| x.0 == "token_types.weight").unwrap();
            b.2 = GgmlType::F16;
            b.3.truncate(384 * 2 * 2);
        }),
        ("UnexpectedTensor", "blk.6.attn_q.weight", |_, t| {
            let q = t.iter().find(|x| x.0 == "blk.0.attn_q.weight").unwrap();
            t.push(("blk.6.attn_q.weight".into(), q.1.clone(), q.2, q.3.clone()));
        }),
        ("TokenTypeCount", "", |k, _| {
            set(k, "tokenizer.ggml.token_type_count", MetaValue::U32(0))
        }),
        ("MissingKey", "", |k, _| {
            k.retain(|(key, _)| key != "bert.attention.layer_norm_epsilon")
        }),
    ];
    for (check, tensor, edit) in cases {
        let (mut k, mut t) = (kvs.clone(), tensors.clone());
        edit(&mut k, &mut t);
        let err = check_of(&k, &t);
        let got = err
            .as_ref()
            .map(|e| (e.check, e.tensor.clone().unwrap_or_default()));
        assert_eq!(got, Some((check, tensor.to_owned())), "{err:?}");
        match load_err(&dir, &k, &t) {
            Some(EngineError::Preflight { source, .. }) => assert_eq!(source.check, check),
            other => panic!("{check} {tensor}: {other:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Per family: every tensor of the synthetic model removed in turn. Removing a required one is
/// refused by name; removing one preflight calls optional must load in llama.cpp (the table's
/// claim, checked against llama.cpp itself). A misshapen copy of each is refused by name.
#[test]
fn each_family_names_each_missing_or_misshapen_tensor() {
    use gguf_embed_engine::synthetic::{recipes, write_model};
    let dir = std::env::temp_dir().join(format!("gguf-preflight-f-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen = std::collections::HashSet::new();
    for r in recipes() {
        if !seen.insert(r.spec.arch) {
            continue;
        }
        let base = dir.join("base.gguf");
        let vocab = root().join(".cache/llama.cpp/models").join(r.vocab);
        write_model(&r.spec, &vocab, &base).unwrap();
        let (kvs, tensors) = read(&base);
        std::fs::remove_file(&base).unwrap();
        assert!(check_of(&kvs, &tensors).is_none(), "{}", r.label);
        let (mut required, mut optional) = (0, 0);
        // Layer 0 and the global tensors (the last layer repeats layer 0's rules).
        for (name, dims, ty, data) in tensors.iter().filter(|t| !t.0.contains("blk.1.")) {
            let without: Tensors = tensors.iter().filter(|t| &t.0 != name).cloned().collect();
            match check_of(&kvs, &without) {
                Some(e) => {
                    // Without a fused attn_qkv, most families ask for separate Q, K, V.
                    let q = name.replace("attn_qkv.weight", "attn_q.weight");
                    let named = e.tensor.as_deref().filter(|t| *t == name || *t == q);
                    assert_eq!(
                        (e.check, named),
                        ("MissingTensor", e.tensor.as_deref()),
                        "{}: {e}",
                        r.label
                    );
                    required += 1;
                }
                None => {
                    optional += 1;
                    let err = load_err(&dir, &kvs, &without);
                    assert!(err.is_none(), "{}: without {name}: {err:?}", r.label);
                }
            }
            // One more row (or element): llama.cpp would say "wrong shape".
            let mut shape = dims.clone();
            *shape.last_mut().unwrap() += 1;
            let row: u64 = dims[..dims.len() - 1].iter().product();
            let mut bytes = data.clone();
            bytes.extend(vec![0u8; (row * ty.type_size() / ty.block_size()) as usize]);
            let misshapen: Tensors = tensors
                .iter()
                .map(|t| {
                    if &t.0 == name {
                        (t.0.clone(), shape.clone(), t.2, bytes.clone())
                    } else {
                        t.clone()
                    }
                })
                .collect();
            let e = check_of(&kvs, &misshapen);
            let expected = if name == "token_embd.weight" {
                "VocabSize"
            } else {
                "TensorShape"
            };
            assert_eq!(
                e.as_ref().map(|e| (e.check, e.tensor.as_deref())),
                Some((expected, Some(name.as_str()))),
                "{}: {e:?}",
                r.label
            );
        }
        eprintln!(
            "{}: {required} required, {optional} optional tensors checked",
            r.label
        );
        assert!(required >= 5, "{}", r.label);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Hyper-parameters a family requires or llama.cpp asserts on, one defect per file.
#[test]
fn family_hyper_parameters_are_checked_before_llama_cpp() {
    use gguf_embed_engine::synthetic::{recipes, write_model};
    let dir = std::env::temp_dir().join(format!("gguf-preflight-h-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: Vec<(&str, &str, &str, Option<MetaValue>)> = vec![
        (
            "gemma-embedding",
            "gemma-embedding.dense_2_feat_in",
            "DenseFeatures",
            Some(MetaValue::U32(65)),
        ),
        (
            "gemma-embedding",
            "gemma-embedding.dense_3_feat_out",
            "DenseFeatures",
            Some(MetaValue::U32(32)),
        ),
        (
            "gemma-embedding",
            "gemma-embedding.attention.sliding_window_pattern",
            "SwaPattern",
            Some(MetaValue::U32(6)),
        ),
        (
            "gemma-embedding",
            "gemma-embedding.attention.sliding_window_pattern",
            "SwaPattern",
            Some(MetaValue::U32(1)),
        ),
        (
            "gemma-embedding",
            "gemma-embedding.attention.sliding_window",
            "MissingKey",
            None,
        ),
        (
            "t5encoder",
            "t5encoder.attention.relative_buckets_count",
            "MissingKey",
            None,
        ),
        (
            "nomic-bert-moe",
            "nomic-bert-moe.expert_used_count",
            "ExpertCount",
            Some(MetaValue::U32(0)),
        ),
        (
            "nomic-bert",
            "tokenizer.ggml.token_type_count",
            "TokenTypeCount",
            None,
        ),
        ("qwen2", "qwen2.attention.head_count", "MissingKey", None),
        (
            "qwen2",
            "qwen2.rope.dimension_count",
            "HeadSize",
            Some(MetaValue::U32(8)),
        ),
        (
            "llama",
            "llama.rope.dimension_count",
            "HeadSize",
            Some(MetaValue::U32(8)),
        ),
        (
            "eurobert",
            "eurobert.attention.value_length",
            "HeadSize",
            Some(MetaValue::U32(8)),
        ),
        (
            "neo-bert",
            "neo-bert.attention.layer_norm_rms_epsilon",
            "MissingKey",
            None,
        ),
        (
            "modern-bert",
            "modern-bert.feed_forward_length",
            "MissingKey",
            None,
        ),
    ];
    let recipes = recipes();
    for (arch, key, check, value) in cases {
        let r = recipes.iter().find(|r| r.spec.arch == arch).unwrap();
        let base = dir.join("base.gguf");
        let vocab = root().join(".cache/llama.cpp/models").join(r.vocab);
        write_model(&r.spec, &vocab, &base).unwrap();
        let (mut kvs, tensors) = read(&base);
        match value {
            Some(v) => set(&mut kvs, key, v),
            None => kvs.retain(|(k, _)| k != key),
        }
        let err = check_of(&kvs, &tensors);
        assert_eq!(
            err.as_ref().map(|e| e.check),
            Some(check),
            "{arch} {key}: {err:?}"
        );
        match load_err(&dir, &kvs, &tensors) {
            Some(EngineError::Preflight { source, .. }) => assert_eq!(source.check, check),
            other => panic!("{arch} {key}: {other:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// jina-bert-v2's ffn_up is n_ff or 2 x n_ff wide; llama.cpp asserts (aborts) on anything else.
#[test]
fn jina_ffn_up_of_another_width_is_refused_not_asserted() {
    use gguf_embed_engine::synthetic::{recipes, write_model};
    let dir = std::env::temp_dir().join(format!("gguf-preflight-j-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let r = recipes()
        .into_iter()
        .find(|r| r.spec.arch == "jina-bert-v2")
        .unwrap();
    let base = dir.join("base.gguf");
    write_model(
        &r.spec,
        &root().join(".cache/llama.cpp/models").join(r.vocab),
        &base,
    )
    .unwrap();
    let (kvs, mut tensors) = read(&base);
    let up = tensors
        .iter_mut()
        .find(|t| t.0 == "blk.0.ffn_up.weight")
        .unwrap();
    up.1 = vec![64, 384];
    up.3 = vec![0u8; 64 * 384 * 2];
    let err = check_of(&kvs, &tensors).unwrap();
    assert_eq!(
        (err.check, err.tensor.as_deref()),
        ("TensorShape", Some("blk.0.ffn_up.weight"))
    );
    assert!(matches!(
        load_err(&dir, &kvs, &tensors),
        Some(EngineError::Preflight { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
