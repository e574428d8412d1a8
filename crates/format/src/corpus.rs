//! Hand-made GGUF files, one defect each, covering the parser CVEs and ggml's test-gguf.cpp cases,
//! plus unusual files that must load. Built as bytes at run time (nothing binary is committed) and
//! shared by this crate's tests, the Node tests' fixture writer and the fuzz seeds.
//!
//! `expect` names the `GgufError` variant (`GgufError::kind`) a correct reader must return; it is
//! written here by hand from the defect, never taken from the reader's output.

/// One hand-made file.
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// `None`: the file must load. `Some(kind)`: it must be refused with that variant.
    pub expect: Option<&'static str>,
}

/// The stable error code the Node API reports for an expected variant: our oracle for the tests,
/// written independently of the binding's own mapping.
pub fn expected_code(kind: &str) -> &'static str {
    match kind {
        "UnsupportedVersion" | "BigEndian" | "UnknownTensorType" => "GGUF_UNSUPPORTED",
        _ => "GGUF_INVALID",
    }
}

/// Little-endian byte builder for files the writer would refuse to make.
#[derive(Clone, Default)]
pub struct Raw(pub Vec<u8>);

impl Raw {
    /// Magic, version and both counts.
    pub fn header(version: u32, n_tensors: u64, n_kv: u64) -> Raw {
        Raw::default()
            .bytes(b"GGUF")
            .u32(version)
            .u64(n_tensors)
            .u64(n_kv)
    }
    pub fn bytes(mut self, b: &[u8]) -> Raw {
        self.0.extend_from_slice(b);
        self
    }
    pub fn u8(self, v: u8) -> Raw {
        self.bytes(&[v])
    }
    pub fn u32(self, v: u32) -> Raw {
        self.bytes(&v.to_le_bytes())
    }
    pub fn u64(self, v: u64) -> Raw {
        self.bytes(&v.to_le_bytes())
    }
    /// A GGUF string: u64 length, then the bytes.
    pub fn str(self, s: &[u8]) -> Raw {
        self.u64(s.len() as u64).bytes(s)
    }
    pub fn kv_u32(self, key: &str, v: u32) -> Raw {
        self.str(key.as_bytes()).u32(4).u32(v)
    }
    pub fn kv_str(self, key: &str, v: &str) -> Raw {
        self.str(key.as_bytes()).u32(8).str(v.as_bytes())
    }
    pub fn tensor(self, name: &str, dims: &[u64], ggml_type: u32, offset: u64) -> Raw {
        let mut r = self.str(name.as_bytes()).u32(dims.len() as u32);
        for &d in dims {
            r = r.u64(d);
        }
        r.u32(ggml_type).u64(offset)
    }
    /// Zero padding up to a multiple of `align`.
    pub fn pad(self, align: usize) -> Raw {
        let n = self.0.len().div_ceil(align) * align - self.0.len();
        self.zeros(n)
    }
    pub fn zeros(mut self, n: usize) -> Raw {
        self.0.resize(self.0.len() + n, 0);
        self
    }
    pub fn cut(mut self, len: usize) -> Raw {
        self.0.truncate(len);
        self
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

const F32: u32 = 0;
const Q4_0: u32 = 2;
const I8: u32 = 24;

fn reject(name: &'static str, raw: Raw, kind: &'static str) -> Case {
    Case {
        name,
        bytes: raw.0,
        expect: Some(kind),
    }
}

fn accept(name: &'static str, raw: Raw) -> Case {
    Case {
        name,
        bytes: raw.0,
        expect: None,
    }
}

/// One metadata entry with a u32 array of `n` elements declared and `data` following.
fn array_kv(elem: u32, n: u64) -> Raw {
    Raw::header(3, 0, 1).str(b"a").u32(9).u32(elem).u64(n)
}

/// A single tensor info after a header with no metadata.
fn one_tensor(name: &str, dims: &[u64], ggml_type: u32, offset: u64) -> Raw {
    Raw::header(3, 1, 0).tensor(name, dims, ggml_type, offset)
}

/// Files that must be refused, grouped by the section holding the defect.
pub fn hostile() -> Vec<Case> {
    let mut cases = header_cases();
    cases.extend(metadata_cases());
    cases.extend(tensor_info_cases());
    cases.extend(tensor_data_cases());
    cases.extend(truncations());
    cases
}

fn header_cases() -> Vec<Case> {
    vec![
        reject("empty-file", Raw::default(), "Truncated"),
        reject("short-magic", Raw::default().bytes(b"GGU"), "Truncated"),
        reject(
            "bad-magic",
            Raw::default().bytes(b"GGML").u32(3).u64(0).u64(0),
            "BadMagic",
        ),
        reject("magic-only", Raw::default().bytes(b"GGUF"), "Truncated"),
        reject("version-0", Raw::header(0, 0, 0), "UnsupportedVersion"),
        reject("version-1", Raw::header(1, 0, 0), "UnsupportedVersion"),
        reject("version-4", Raw::header(4, 0, 0), "UnsupportedVersion"),
        reject(
            "version-u32-max",
            Raw::header(u32::MAX, 0, 0),
            "UnsupportedVersion",
        ),
        reject(
            "big-endian-v3",
            Raw::default()
                .bytes(b"GGUF")
                .bytes(&3u32.to_be_bytes())
                .bytes(&[0; 16]),
            "BigEndian",
        ),
        reject(
            "truncated-tensor-count",
            Raw::default().bytes(b"GGUF").u32(3).u32(0),
            "Truncated",
        ),
        reject(
            "truncated-kv-count",
            Raw::default().bytes(b"GGUF").u32(3).u64(0).u32(0),
            "Truncated",
        ),
        // CVE-2024-25666: tensor count times info size wraps.
        reject(
            "tensor-count-u64-max",
            Raw::header(3, u64::MAX, 0),
            "CountOverLimit",
        ),
        reject(
            "tensor-count-exceeds-file",
            Raw::header(3, 1000, 0).zeros(64),
            "CountExceedsFile",
        ),
        // CVE-2024-25664: kv count times entry size wraps.
        reject(
            "kv-count-u64-max",
            Raw::header(3, 0, u64::MAX),
            "CountOverLimit",
        ),
        reject(
            "kv-count-exceeds-file",
            Raw::header(3, 0, 60_000).zeros(64),
            "CountExceedsFile",
        ),
    ]
}

fn metadata_cases() -> Vec<Case> {
    let one = || Raw::header(3, 0, 1);
    vec![
        // CVE-2024-25665: length 2^64-1, where len+1 wraps.
        reject(
            "key-length-u64-max",
            one().u64(u64::MAX).zeros(16),
            "StringTooLong",
        ),
        reject(
            "key-past-end",
            one().u64(100).bytes(b"general").zeros(6),
            "Truncated",
        ),
        reject(
            "key-not-utf8",
            one().str(&[0x67, 0xff, 0xfe]).u32(4).u32(1),
            "KeyNotUtf8",
        ),
        reject(
            "key-empty",
            one().str(b"").u32(4).u32(1).zeros(4),
            "EmptyKey",
        ),
        reject(
            "key-duplicate",
            Raw::header(3, 0, 2)
                .kv_u32("general.x", 1)
                .kv_u32("general.x", 2),
            "DuplicateKey",
        ),
        reject(
            "value-type-13",
            one().str(b"k").u32(13).u64(0),
            "UnknownValueType",
        ),
        // A type id used as an unchecked table index.
        reject(
            "value-type-u32-max",
            one().str(b"k").u32(u32::MAX).u64(0),
            "UnknownValueType",
        ),
        reject(
            "value-type-truncated",
            one().str(b"general.architecture").bytes(&[8, 0]),
            "Truncated",
        ),
        reject(
            "bool-2",
            one().str(b"k").u32(7).u8(2).zeros(8),
            "InvalidBool",
        ),
        reject(
            "u32-value-truncated",
            one().str(b"k.k").u32(4).bytes(&[1, 2]),
            "Truncated",
        ),
        reject(
            "string-length-u64-max",
            one().str(b"k").u32(8).u64(u64::MAX),
            "StringTooLong",
        ),
        reject(
            "string-over-limit",
            one().str(b"k").u32(8).u64(1 << 27).zeros(8),
            "StringTooLong",
        ),
        reject(
            "string-past-end",
            one().str(b"k").u32(8).u64(500).bytes(b"abc"),
            "Truncated",
        ),
        // CVE-2024-25667: element count times element size wraps.
        reject(
            "array-u32-count-wraps",
            array_kv(4, (1 << 62) + 1),
            "CountOverLimit",
        ),
        reject(
            "array-u32-count-exceeds-file",
            array_kv(4, 1 << 29).zeros(16),
            "CountExceedsFile",
        ),
        reject(
            "array-u32-short",
            array_kv(4, 10).u32(1).u32(2),
            "CountExceedsFile",
        ),
        // CVE-2024-25668: array of strings whose count wraps the allocation.
        reject(
            "array-string-count-wraps",
            array_kv(8, (1 << 61) + 1),
            "CountOverLimit",
        ),
        reject(
            "array-string-count-exceeds-file",
            array_kv(8, 1 << 29).zeros(16),
            "CountExceedsFile",
        ),
        reject(
            "array-string-element-u64-max",
            array_kv(8, 2).str(b"ok").u64(u64::MAX),
            "StringTooLong",
        ),
        reject(
            "array-string-element-past-end",
            array_kv(8, 2).str(b"ok").u64(40).zeros(8),
            "Truncated",
        ),
        reject(
            "array-nested",
            array_kv(9, 1).u32(4).u64(1).u32(7),
            "NestedArray",
        ),
        reject(
            "array-element-type-13",
            array_kv(13, 1).zeros(8),
            "UnknownValueType",
        ),
        reject(
            "array-element-type-u32-max",
            array_kv(u32::MAX, 1).zeros(8),
            "UnknownValueType",
        ),
        reject(
            "array-bool-7",
            array_kv(7, 3).bytes(&[0, 1, 7]),
            "InvalidBool",
        ),
        reject(
            "alignment-zero",
            one().kv_u32("general.alignment", 0),
            "AlignmentNotPowerOfTwo",
        ),
        reject(
            "alignment-3",
            one().kv_u32("general.alignment", 3),
            "AlignmentNotPowerOfTwo",
        ),
        reject(
            "alignment-u64",
            one().str(b"general.alignment").u32(10).u64(32),
            "AlignmentWrongType",
        ),
        reject(
            "alignment-string",
            one().kv_str("general.alignment", "32"),
            "AlignmentWrongType",
        ),
        // No upper bound on alignment in ggml: padding arithmetic overflows.
        reject(
            "alignment-2-pow-31",
            one().kv_u32("general.alignment", 1 << 31),
            "AlignmentOverLimit",
        ),
    ]
}

fn tensor_info_cases() -> Vec<Case> {
    let long_name = "t".repeat(64);
    vec![
        reject(
            "tensor-name-length-u64-max",
            Raw::header(3, 1, 0).u64(u64::MAX).zeros(32),
            "TensorNameTooLong",
        ),
        reject(
            "tensor-name-64-bytes",
            one_tensor(&long_name, &[4], F32, 0).zeros(64),
            "TensorNameTooLong",
        ),
        reject(
            "tensor-name-empty",
            one_tensor("", &[4], F32, 0).zeros(64),
            "EmptyTensorName",
        ),
        reject(
            "tensor-name-not-utf8",
            Raw::header(3, 1, 0)
                .str(&[0xc3, 0x28])
                .u32(1)
                .u64(4)
                .u32(F32)
                .u64(0)
                .zeros(64),
            "TensorNameNotUtf8",
        ),
        reject(
            "tensor-duplicate",
            Raw::header(3, 2, 0)
                .tensor("w", &[8], F32, 0)
                .tensor("w", &[8], F32, 32)
                .pad(32)
                .zeros(64),
            "DuplicateTensor",
        ),
        // n_dims > GGML_MAX_DIMS would write past the dims array.
        reject(
            "n-dims-5",
            Raw::header(3, 1, 0).str(b"w").u32(5).zeros(60),
            "TooManyDims",
        ),
        reject(
            "n-dims-u32-max",
            Raw::header(3, 1, 0).str(b"w").u32(u32::MAX).zeros(60),
            "TooManyDims",
        ),
        reject(
            "dimension-over-i64",
            one_tensor("w", &[1 << 63], F32, 0),
            "DimensionTooLarge",
        ),
        reject(
            "element-count-overflow",
            one_tensor("w", &[1 << 32, 1 << 32], F32, 0),
            "ElementCountOverflow",
        ),
        // CVE-2026-33298 class: the element count fits, the byte size does not.
        reject(
            "byte-size-overflow",
            one_tensor("w", &[1 << 61, 2], F32, 0),
            "ByteSizeOverflow",
        ),
        reject(
            "tensor-type-43",
            one_tensor("w", &[32], 43, 0).pad(32).zeros(64),
            "UnknownTensorType",
        ),
        reject(
            "tensor-type-removed-4",
            one_tensor("w", &[32], 4, 0).pad(32).zeros(64),
            "UnknownTensorType",
        ),
        reject(
            "tensor-type-u32-max",
            one_tensor("w", &[32], u32::MAX, 0).pad(32).zeros(64),
            "UnknownTensorType",
        ),
        reject(
            "row-not-block-multiple",
            one_tensor("w", &[33], Q4_0, 0).pad(32).zeros(64),
            "RowNotBlockMultiple",
        ),
        reject(
            "misaligned-offset",
            one_tensor("w", &[4], F32, 1).pad(32).zeros(64),
            "MisalignedTensor",
        ),
        reject(
            "misaligned-offset-custom-alignment",
            Raw::header(3, 1, 1)
                .kv_u32("general.alignment", 64)
                .tensor("w", &[4], F32, 32)
                .pad(64)
                .zeros(128),
            "MisalignedTensor",
        ),
        reject(
            "tensor-info-truncated-in-dims",
            Raw::header(3, 1, 0)
                .str(b"w")
                .u32(2)
                .u64(4)
                .zeros(20)
                .cut(52),
            "Truncated",
        ),
        reject(
            "tensor-info-truncated-in-offset",
            one_tensor("w", &[4], F32, 0).cut(49),
            "Truncated",
        ),
    ]
}

fn tensor_data_cases() -> Vec<Case> {
    let huge = 0x7FFF_FFFF_FFFF_FFC0u64;
    vec![
        reject(
            "tensor-past-end",
            one_tensor("w", &[8], F32, 1024).pad(32).zeros(64),
            "TensorOutOfBounds",
        ),
        reject(
            "tensor-data-one-byte-short",
            one_tensor("w", &[8], F32, 0).pad(32).zeros(31),
            "TensorOutOfBounds",
        ),
        reject(
            "tensor-no-data-section",
            one_tensor("w", &[8], F32, 0),
            "TensorOutOfBounds",
        ),
        reject(
            "offset-plus-size-wraps",
            one_tensor("w", &[64], F32, u64::MAX - 31)
                .pad(32)
                .zeros(256),
            "TensorOutOfBounds",
        ),
        // CVE-2026-27940: two I8 tensors of 0x7FFFFFFFFFFFFFC0 elements got round the size-sum fix.
        reject(
            "cve-2026-27940-two-huge-i8",
            Raw::header(3, 2, 0)
                .tensor("a", &[huge], I8, 0)
                .tensor("b", &[huge], I8, huge)
                .pad(32)
                .zeros(64),
            "TensorOutOfBounds",
        ),
        // CVE-2025-53630: the running sum of tensor sizes overflows.
        reject(
            "cve-2025-53630-size-sum-wraps",
            Raw::header(3, 4, 0)
                .tensor("a", &[1 << 62], I8, 0)
                .tensor("b", &[1 << 62], I8, 1 << 62)
                .tensor("c", &[1 << 62], I8, 2 << 62)
                .tensor("d", &[1 << 62], I8, 3 << 62)
                .pad(32),
            "TensorOutOfBounds",
        ),
        reject(
            "tensors-same-offset",
            Raw::header(3, 2, 0)
                .tensor("a", &[8], F32, 0)
                .tensor("b", &[8], F32, 0)
                .pad(32)
                .zeros(64),
            "TensorsOverlap",
        ),
        reject(
            "tensors-overlap",
            Raw::header(3, 2, 0)
                .tensor("a", &[16], F32, 0)
                .tensor("b", &[16], F32, 32)
                .pad(32)
                .zeros(128),
            "TensorsOverlap",
        ),
    ]
}

/// A valid file with every section, cut at each section boundary and inside the data.
pub fn truncation_base() -> (Raw, Vec<(&'static str, usize, &'static str)>) {
    let mut marks = Vec::new();
    let r = Raw::header(3, 2, 3);
    let after_header = r.len();
    // A long first entry, so cuts after it still pass the header's minimum-size check and fail
    // where they fall.
    let r = r.kv_str("general.name", &"x".repeat(200));
    let after_kv1 = r.len();
    let r = r.kv_u32("general.alignment", 32);
    let after_kv2 = r.len();
    let r = r
        .str(b"tokenizer.ggml.tokens")
        .u32(9)
        .u32(8)
        .u64(2)
        .str(b"a")
        .str(b"bc");
    let after_kv3 = r.len();
    let r = r.tensor("a", &[8], F32, 0);
    let after_info1 = r.len();
    let r = r.tensor("b", &[32, 2], Q4_0, 32);
    let after_infos = r.len();
    let r = r.pad(32);
    let data = r.len();
    let r = r.zeros(32).zeros(36).pad(32);
    marks.push(("cut-after-magic", 4, "Truncated"));
    marks.push(("cut-after-version", 8, "Truncated"));
    marks.push(("cut-after-tensor-count", 16, "Truncated"));
    marks.push(("cut-after-counts", after_header, "CountExceedsFile"));
    marks.push(("cut-after-kv-1", after_kv1, "Truncated"));
    marks.push(("cut-after-kv-2", after_kv2, "Truncated"));
    marks.push(("cut-inside-string-array", after_kv3 - 1, "Truncated"));
    marks.push(("cut-after-kvs", after_kv3, "Truncated"));
    marks.push(("cut-after-tensor-info-1", after_info1, "Truncated"));
    marks.push(("cut-after-tensor-infos", after_infos, "TensorOutOfBounds"));
    marks.push(("cut-at-data-start", data, "TensorOutOfBounds"));
    marks.push(("cut-inside-first-tensor", data + 16, "TensorOutOfBounds"));
    marks.push((
        "cut-inside-last-tensor",
        data + 32 + 35,
        "TensorOutOfBounds",
    ));
    (r, marks)
}

fn truncations() -> Vec<Case> {
    let (base, marks) = truncation_base();
    marks
        .into_iter()
        .map(|(name, at, kind)| reject(name, base.clone().cut(at), kind))
        .collect()
}

/// Unusual files a correct reader must accept (ggml's test-gguf.cpp has zero-sized dimensions and
/// custom alignment among these).
pub fn loadable() -> Vec<Case> {
    let all_scalars = Raw::header(3, 0, 12)
        .str(b"u8")
        .u32(0)
        .u8(255)
        .str(b"i8")
        .u32(1)
        .u8(0x80)
        .str(b"u16")
        .u32(2)
        .bytes(&u16::MAX.to_le_bytes())
        .str(b"i16")
        .u32(3)
        .bytes(&i16::MIN.to_le_bytes())
        .kv_u32("u32", u32::MAX)
        .str(b"i32")
        .u32(5)
        .bytes(&i32::MIN.to_le_bytes())
        .str(b"f32")
        .u32(6)
        .bytes(&1.5f32.to_le_bytes())
        .str(b"bool")
        .u32(7)
        .u8(1)
        .kv_str("string", "héllo")
        .str(b"u64")
        .u32(10)
        .u64(u64::MAX)
        .str(b"i64")
        .u32(11)
        .bytes(&i64::MIN.to_le_bytes())
        .str(b"f64")
        .u32(12)
        .bytes(&(-2.25f64).to_le_bytes());
    let (base, _) = truncation_base();
    vec![
        accept("empty-v3", Raw::header(3, 0, 0)),
        accept("empty-v2", Raw::header(2, 0, 0)),
        accept("all-scalar-types", all_scalars),
        accept(
            "empty-arrays",
            Raw::header(3, 0, 2)
                .str(b"a")
                .u32(9)
                .u32(4)
                .u64(0)
                .str(b"b")
                .u32(9)
                .u32(8)
                .u64(0),
        ),
        accept(
            "array-of-empty-strings",
            array_kv(8, 3).str(b"").str(b"").str(b""),
        ),
        accept(
            "string-value-not-utf8",
            Raw::header(3, 0, 1).str(b"k").u32(8).str(&[0xff, 0xfe]),
        ),
        accept(
            "zero-sized-dimensions",
            Raw::header(3, 3, 0)
                .tensor("empty_f32", &[0, 4], F32, 0)
                .tensor("empty_q4", &[32, 0], Q4_0, 0)
                .tensor("row0_q4", &[0], Q4_0, 0)
                .pad(32),
        ),
        accept(
            "scalar-tensor",
            one_tensor("s", &[], F32, 0).pad(32).zeros(32),
        ),
        accept(
            "custom-alignment-64",
            Raw::header(3, 2, 1)
                .kv_u32("general.alignment", 64)
                .tensor("a", &[4], F32, 0)
                .tensor("b", &[4], F32, 64)
                .pad(64)
                .zeros(128),
        ),
        accept(
            "alignment-1",
            Raw::header(3, 2, 1)
                .kv_u32("general.alignment", 1)
                .tensor("a", &[3], I8, 0)
                .tensor("b", &[1], I8, 3)
                .zeros(4),
        ),
        accept(
            "tensors-out-of-order",
            Raw::header(3, 2, 0)
                .tensor("late", &[8], F32, 32)
                .tensor("early", &[8], F32, 0)
                .pad(32)
                .zeros(64),
        ),
        accept("truncation-base", base),
    ]
}

/// A 4 GiB GGUF that is mostly a hole: header, a 100,000-token vocabulary and four 16384x16384 F32
/// tensor infos are real, the data is not on disk. Returns the file size.
pub fn write_sparse_4gib(path: &std::path::Path) -> Result<u64, crate::WriteError> {
    use crate::{ArrayValue, GgmlType, GgufWriter, TensorData};
    let mut w = GgufWriter::new();
    w.add("general.architecture", "bert")?;
    w.add("general.name", "sparse-4gib")?;
    // Arrays must not cost the reader heap in proportion to their length.
    let tokens: Vec<String> = (0..100_000).map(|i| format!("tok{i}")).collect();
    w.add("tokenizer.ggml.tokens", ArrayValue::String(tokens))?;
    for i in 0..4 {
        w.add_tensor(
            &format!("blk.{i}.w"),
            &[1 << 14, 1 << 14],
            GgmlType::F32,
            TensorData::Zeros,
        )?;
    }
    w.write_file(path)
}
