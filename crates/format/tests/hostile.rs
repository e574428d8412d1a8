//! Every hand-made bad file is refused with the variant its defect calls for; every unusual but
//! valid one loads; no prefix of a valid file is accepted or makes the reader panic.

use gguf_embed_format::corpus::{hostile, loadable, truncation_base, Raw};
use gguf_embed_format::{Gguf, GgufError, Limits};

#[test]
fn corpus_is_large_and_names_are_unique() {
    let cases: Vec<_> = hostile().into_iter().chain(loadable()).collect();
    assert!(
        hostile().len() >= 40,
        "only {} hostile cases",
        hostile().len()
    );
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len());
}

#[test]
fn every_hostile_file_is_refused_with_its_variant() {
    let mut wrong = Vec::new();
    for case in hostile() {
        let expected = case.expect.expect("hostile cases name their error");
        match Gguf::from_bytes(case.bytes.as_slice(), &Limits::default()) {
            Ok(_) => wrong.push(format!("{}: accepted, expected {expected}", case.name)),
            Err(e) if e.kind() != expected => wrong.push(format!(
                "{}: {} ({e}), expected {expected}",
                case.name,
                e.kind()
            )),
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_loadable_file_loads() {
    for case in loadable() {
        let g = Gguf::from_bytes(case.bytes.as_slice(), &Limits::default());
        assert!(
            g.is_ok(),
            "{}: {}",
            case.name,
            g.err().map(|e| e.to_string()).unwrap_or_default()
        );
    }
}

#[test]
fn no_prefix_of_a_valid_file_is_accepted() {
    let (base, _) = truncation_base();
    let whole = Gguf::from_bytes(base.0.as_slice(), &Limits::default()).expect("base loads");
    // Padding after the last tensor is not needed, so prefixes that keep every tensor byte load.
    let end = whole
        .tensors()
        .map(|t| t.file_offset + t.n_bytes)
        .max()
        .unwrap() as usize;
    assert!(Gguf::from_bytes(&base.0[..end], &Limits::default()).is_ok());
    for len in 0..end {
        let cut = &base.0[..len];
        match Gguf::from_bytes(cut, &Limits::default()) {
            Ok(_) => panic!("prefix of {len} bytes accepted"),
            Err(e) => assert!(
                matches!(
                    e,
                    GgufError::Truncated { .. }
                        | GgufError::CountExceedsFile { .. }
                        | GgufError::TensorOutOfBounds { .. }
                ),
                "prefix of {len} bytes: {e}"
            ),
        }
    }
}

#[test]
fn errors_name_the_byte_offset() {
    let bytes = Raw::header(3, 0, 1).str(b"k").u32(7).u8(2).0;
    let err = Gguf::from_bytes(bytes.as_slice(), &Limits::default())
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            GgufError::InvalidBool {
                offset: 37,
                value: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("byte 37"), "{err}");
}

#[test]
fn counts_that_wrap_in_64_bits_are_refused_even_without_limits() {
    let open = Limits {
        max_kv_count: u64::MAX,
        max_tensor_count: u64::MAX,
        max_array_len: u64::MAX,
        max_string_len: u64::MAX,
        max_key_len: u64::MAX,
        ..Limits::default()
    };
    // kv_count * 14 wraps to a small number in u64 arithmetic.
    let kv = Raw::header(3, 0, u64::MAX / 14 + 2).zeros(64).0;
    let err = Gguf::from_bytes(kv.as_slice(), &open)
        .err()
        .expect("refused");
    assert!(matches!(err, GgufError::CountExceedsFile { .. }), "{err}");
    // tensor_count * 25 wraps too.
    let t = Raw::header(3, u64::MAX / 25 + 2, 0).zeros(64).0;
    let err = Gguf::from_bytes(t.as_slice(), &open)
        .err()
        .expect("refused");
    assert!(matches!(err, GgufError::CountExceedsFile { .. }), "{err}");
    // Array element count * 4 wraps.
    let a = Raw::header(3, 0, 1)
        .str(b"a")
        .u32(9)
        .u32(4)
        .u64((1 << 62) + 1)
        .zeros(64)
        .0;
    let err = Gguf::from_bytes(a.as_slice(), &open)
        .err()
        .expect("refused");
    assert!(matches!(err, GgufError::CountExceedsFile { .. }), "{err}");
    // String length 2^64-1: len + 1 wraps in C.
    let s = Raw::header(3, 0, 1)
        .str(b"k")
        .u32(8)
        .u64(u64::MAX)
        .zeros(64)
        .0;
    let err = Gguf::from_bytes(s.as_slice(), &open)
        .err()
        .expect("refused");
    assert!(matches!(err, GgufError::Truncated { .. }), "{err}");
}

#[test]
fn limits_are_configurable() {
    let bytes = Raw::header(3, 0, 2).kv_u32("a", 1).kv_u32("b", 2).0;
    assert!(Gguf::from_bytes(bytes.as_slice(), &Limits::default()).is_ok());
    let tight = Limits {
        max_kv_count: 1,
        ..Limits::default()
    };
    let err = Gguf::from_bytes(bytes.as_slice(), &tight)
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            GgufError::CountOverLimit {
                declared: 2,
                limit: 1,
                ..
            }
        ),
        "{err}"
    );
}
