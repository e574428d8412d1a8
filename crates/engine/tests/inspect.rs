//! The description `inspect` gives, on files made by the writer.

use gguf_embed_engine::{inspect_gguf, MetaScalar};
use gguf_embed_format::{ArrayValue, GgmlType, Gguf, GgufWriter, Limits, MetaValue, TensorData};

fn parse(w: &GgufWriter) -> Gguf<Vec<u8>> {
    let mut bytes = Vec::new();
    w.write_to(&mut bytes).unwrap();
    Gguf::from_bytes(bytes, &Limits::default()).unwrap()
}

#[test]
fn summary_fields_come_from_the_architecture_keys() {
    let mut w = GgufWriter::new();
    w.add("general.architecture", "qwen3").unwrap();
    w.add("general.name", "tiny").unwrap();
    w.add("qwen3.context_length", MetaValue::U64(32_768))
        .unwrap();
    w.add("qwen3.embedding_length", 64u32).unwrap();
    w.add("qwen3.block_count", 2u32).unwrap();
    w.add("qwen3.attention.head_count", 4u32).unwrap();
    w.add("qwen3.pooling_type", 3u32).unwrap();
    w.add("tokenizer.ggml.model", "gpt2").unwrap();
    w.add(
        "tokenizer.ggml.tokens",
        ArrayValue::String(vec!["a".into(), "b".into()]),
    )
    .unwrap();
    w.add_tensor(
        "token_embd.weight",
        &[64, 2],
        GgmlType::F16,
        TensorData::Zeros,
    )
    .unwrap();
    w.add_tensor(
        "output_norm.weight",
        &[64],
        GgmlType::F32,
        TensorData::Zeros,
    )
    .unwrap();
    let info = inspect_gguf(&parse(&w), true);
    assert_eq!(info.architecture.as_deref(), Some("qwen3"));
    assert_eq!(info.context_length, Some(32_768));
    assert_eq!(
        (info.embedding_length, info.block_count, info.head_count),
        (Some(64), Some(2), Some(4))
    );
    assert_eq!(info.pooling_type.as_deref(), Some("last"));
    assert_eq!(info.vocab_size, Some(2));
    assert_eq!(info.parameter_count, 64 * 2 + 64);
    assert_eq!(info.types[0].ggml_type, "F16");
    assert_eq!(info.types[0].bytes, 64 * 2 * 2);
    assert_eq!(info.tensors.len(), 2);
    assert_eq!(info.tensors[1].offset, info.data_offset + 256);
    let tokens = info
        .metadata
        .iter()
        .find(|m| m.key == "tokenizer.ggml.tokens")
        .unwrap();
    assert_eq!(
        (tokens.element_type.as_deref(), tokens.length, &tokens.value),
        (Some("string"), Some(2), &None)
    );
}

#[test]
fn out_of_range_pooling_and_big_values_are_described_not_trusted() {
    let mut w = GgufWriter::new();
    w.add("general.architecture", "bert").unwrap();
    w.add("bert.pooling_type", 9u32).unwrap();
    w.add("big", MetaValue::U64(u64::MAX)).unwrap();
    w.add("neg", MetaValue::I64(i64::MIN)).unwrap();
    w.add("eps", 1e-12f32).unwrap();
    w.add("long", "é".repeat(3000)).unwrap();
    let info = inspect_gguf(&parse(&w), false);
    assert_eq!(info.pooling_type.as_deref(), Some("unknown(9)"));
    let get = |k: &str| info.metadata.iter().find(|m| m.key == k).unwrap().clone();
    assert_eq!(
        get("big").value,
        Some(MetaScalar::BigInt(u64::MAX.to_string()))
    );
    assert_eq!(
        get("neg").value,
        Some(MetaScalar::BigInt(i64::MIN.to_string()))
    );
    assert_eq!(get("eps").value, Some(MetaScalar::Number(1e-12)));
    let long = get("long");
    assert!(long.truncated);
    assert_eq!(long.length, Some(6000));
    match long.value {
        Some(MetaScalar::String(s)) => assert_eq!(s, "é".repeat(2048)),
        other => panic!("{other:?}"),
    }
    assert!(info.tensors.is_empty());
}
