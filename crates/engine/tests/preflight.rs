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
