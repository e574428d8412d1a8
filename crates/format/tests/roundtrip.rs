//! Write -> read round trips: every key, value, tensor and data byte comes back as written.
//! Random files use a printed seed; rerun one with GGUF_ROUNDTRIP_SEED=<seed>.

use gguf_embed_format::{
    ArrayValue, GgmlType, Gguf, GgufWriter, Limits, MetaValue, TensorData, Value,
};

/// xorshift64*: small, seedable, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn string(&mut self) -> String {
        let alphabet = ["a", "b", "z", "_", ".", "é", "中", "🦀", " ", "\u{0}"];
        (0..self.below(12))
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize])
            .collect()
    }
}

fn random_value(rng: &mut Rng) -> MetaValue {
    let n = rng.below(20) as usize;
    match rng.below(14) {
        0 => MetaValue::U8(rng.next() as u8),
        1 => MetaValue::I8(rng.next() as i8),
        2 => MetaValue::U16(rng.next() as u16),
        3 => MetaValue::I16(rng.next() as i16),
        4 => MetaValue::U32(rng.next() as u32),
        5 => MetaValue::I32(rng.next() as i32),
        6 => MetaValue::F32(rng.next() as u32 as f32 / 7.0),
        7 => MetaValue::Bool(rng.next() & 1 == 1),
        8 => MetaValue::String(rng.string()),
        9 => MetaValue::U64(rng.next()),
        10 => MetaValue::I64(rng.next() as i64),
        11 => MetaValue::F64(rng.next() as f64 / 3.0),
        12 => MetaValue::Array(ArrayValue::String((0..n).map(|_| rng.string()).collect())),
        _ => MetaValue::Array(match rng.below(4) {
            0 => ArrayValue::I32((0..n).map(|_| rng.next() as i32).collect()),
            1 => ArrayValue::F32((0..n).map(|_| rng.next() as u16 as f32).collect()),
            2 => ArrayValue::Bool((0..n).map(|_| rng.next() & 1 == 1).collect()),
            _ => ArrayValue::U64((0..n).map(|_| rng.next()).collect()),
        }),
    }
}

fn same(written: &MetaValue, read: Value) -> bool {
    match (written, read) {
        (MetaValue::U8(a), Value::U8(b)) => *a == b,
        (MetaValue::I8(a), Value::I8(b)) => *a == b,
        (MetaValue::U16(a), Value::U16(b)) => *a == b,
        (MetaValue::I16(a), Value::I16(b)) => *a == b,
        (MetaValue::U32(a), Value::U32(b)) => *a == b,
        (MetaValue::I32(a), Value::I32(b)) => *a == b,
        (MetaValue::F32(a), Value::F32(b)) => a.to_bits() == b.to_bits(),
        (MetaValue::Bool(a), Value::Bool(b)) => *a == b,
        (MetaValue::String(a), Value::String(b)) => a.as_bytes() == b.as_bytes(),
        (MetaValue::U64(a), Value::U64(b)) => *a == b,
        (MetaValue::I64(a), Value::I64(b)) => *a == b,
        (MetaValue::F64(a), Value::F64(b)) => a.to_bits() == b.to_bits(),
        (MetaValue::Array(a), Value::Array(view)) => {
            let items: Vec<Value> = view.iter().collect();
            if items.len() as u64 != view.len() {
                return false;
            }
            match a {
                ArrayValue::String(v) => {
                    v.len() == items.len()
                        && v.iter()
                            .zip(&items)
                            .all(|(s, i)| same(&MetaValue::String(s.clone()), *i))
                }
                ArrayValue::I32(v) => {
                    v.iter()
                        .zip(&items)
                        .all(|(x, i)| same(&MetaValue::I32(*x), *i))
                        && v.len() == items.len()
                }
                ArrayValue::F32(v) => {
                    v.iter()
                        .zip(&items)
                        .all(|(x, i)| same(&MetaValue::F32(*x), *i))
                        && v.len() == items.len()
                }
                ArrayValue::Bool(v) => {
                    v.iter()
                        .zip(&items)
                        .all(|(x, i)| same(&MetaValue::Bool(*x), *i))
                        && v.len() == items.len()
                }
                ArrayValue::U64(v) => {
                    v.iter()
                        .zip(&items)
                        .all(|(x, i)| same(&MetaValue::U64(*x), *i))
                        && v.len() == items.len()
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn round_trip(seed: u64) {
    let mut rng = Rng(seed | 1);
    let mut w = GgufWriter::new();
    if rng.below(2) == 0 {
        w.set_version(2).unwrap();
    }
    let alignment = 1u32 << rng.below(8);
    w.set_alignment(alignment).unwrap();
    let mut kvs = Vec::new();
    for i in 0..rng.below(30) {
        let key = format!("k{i}.{}", rng.string());
        let value = random_value(&mut rng);
        w.add(&key, value.clone()).unwrap();
        kvs.push((key, value));
    }
    let types = [
        GgmlType::F32,
        GgmlType::F16,
        GgmlType::Q8_0,
        GgmlType::Q4_K,
        GgmlType::I8,
    ];
    let mut tensors = Vec::new();
    for i in 0..rng.below(12) {
        let t = types[rng.below(types.len() as u64) as usize];
        let n_dims = rng.below(4) as usize + 1;
        let mut dims: Vec<u64> = (0..n_dims).map(|_| rng.below(4)).collect();
        dims[0] = t.block_size() * rng.below(3);
        let n_bytes = t.byte_size(&dims).unwrap() as usize;
        let data: Vec<u8> = (0..n_bytes).map(|_| rng.next() as u8).collect();
        let name = format!("blk.{i}.w");
        w.add_tensor(&name, &dims, t, TensorData::Bytes(data.clone()))
            .unwrap();
        tensors.push((name, dims, t, data));
    }
    let mut bytes = Vec::new();
    let written = w.write_to(&mut bytes).unwrap();
    assert_eq!(written, bytes.len() as u64);

    let g = Gguf::from_bytes(bytes.as_slice(), &Limits::default())
        .unwrap_or_else(|e| panic!("seed {seed}: our own file refused: {e}"));
    assert_eq!(g.alignment(), alignment, "seed {seed}");
    let read: Vec<_> = g.kvs().filter(|kv| kv.key != "general.alignment").collect();
    assert_eq!(read.len(), kvs.len(), "seed {seed}");
    for ((key, value), kv) in kvs.iter().zip(read) {
        assert_eq!(key, kv.key, "seed {seed}");
        assert!(
            same(value, kv.value),
            "seed {seed}: {key}: wrote {value:?}, read {:?}",
            kv.value
        );
    }
    assert_eq!(g.tensor_count(), tensors.len(), "seed {seed}");
    for ((name, dims, t, data), info) in tensors.iter().zip(g.tensors()) {
        assert_eq!(
            (info.name, info.shape(), info.ggml_type),
            (name.as_str(), dims.as_slice(), *t),
            "seed {seed}"
        );
        assert_eq!(info.file_offset % alignment as u64, 0, "seed {seed}");
        assert_eq!(g.tensor_data(&info), data.as_slice(), "seed {seed}: {name}");
    }
}

#[test]
fn random_round_trips() {
    let seed = std::env::var("GGUF_ROUNDTRIP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("round-trip seed {seed}");
    for i in 0..300 {
        round_trip(seed.wrapping_add(i));
    }
}

#[test]
fn file_writes_are_atomic_and_sparse_zeros_read_back() {
    let dir = std::env::temp_dir().join(format!("gguf-format-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("z.gguf");
    let mut w = GgufWriter::new();
    w.add("general.architecture", "bert").unwrap();
    w.add_tensor("a", &[64, 2], GgmlType::Q8_0, TensorData::Zeros)
        .unwrap();
    w.add_tensor("b", &[3], GgmlType::F32, TensorData::Bytes(vec![1; 12]))
        .unwrap();
    let n = w.write_file(&path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), n);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left behind"
    );
    let g = Gguf::open(&path, &Limits::default()).unwrap();
    let a = g.tensor("a").unwrap();
    assert!(g.tensor_data(&a).iter().all(|&b| b == 0));
    assert_eq!(g.tensor_data(&g.tensor("b").unwrap()), &[1u8; 12]);
    assert_eq!(
        g.get("general.architecture").and_then(|v| v.as_str()),
        Some("bert")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn writer_refuses_what_the_reader_would() {
    let mut w = GgufWriter::new();
    assert!(w.add("", 1u32).is_err());
    w.add("a", 1u32).unwrap();
    assert!(w.add("a", 2u32).is_err());
    assert!(w.add("general.alignment", "32").is_err());
    assert!(w.set_alignment(48).is_err());
    assert!(w
        .add_tensor("q", &[33], GgmlType::Q4_0, TensorData::Zeros)
        .is_err());
    assert!(w
        .add_tensor("q", &[1, 2, 3, 4, 5], GgmlType::F32, TensorData::Zeros)
        .is_err());
    assert!(w
        .add_tensor("q", &[4], GgmlType::F32, TensorData::Bytes(vec![0; 15]))
        .is_err());
    assert!(w
        .add_tensor(&"n".repeat(64), &[4], GgmlType::F32, TensorData::Zeros)
        .is_err());
    w.add_tensor("q", &[4], GgmlType::F32, TensorData::Zeros)
        .unwrap();
    assert!(w
        .add_tensor("q", &[4], GgmlType::F32, TensorData::Zeros)
        .is_err());
    assert!(w.set_version(1).is_err());
}
