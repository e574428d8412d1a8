//! Any bytes: the reader returns an error or a layout, and everything a layout offers (every key,
//! every array element, every tensor's data) can be walked without a panic or an out-of-bounds read.
#![no_main]

use gguf_embed_format::{Gguf, Limits, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(g) = Gguf::from_bytes(data, &Limits::default()) else { return };
    let mut sink = 0u64;
    for kv in g.kvs() {
        sink = sink.wrapping_add(kv.key.len() as u64);
        if let Value::Array(a) = kv.value {
            let mut n = 0u64;
            for v in a.iter() {
                n += 1;
                if let Value::String(s) = v {
                    sink = sink.wrapping_add(s.as_bytes().len() as u64);
                }
            }
            assert_eq!(n, a.len(), "array {} walked short", kv.key);
            if !a.is_empty() {
                assert!(a.get(a.len() - 1).is_some());
            }
        }
    }
    for t in g.tensors() {
        let bytes = g.tensor_data(&t);
        assert_eq!(bytes.len() as u64, t.n_bytes);
        assert_eq!(t.file_offset % g.alignment() as u64, 0, "{}", t.name);
        sink = sink.wrapping_add(bytes.first().copied().unwrap_or(0) as u64);
    }
    let _ = g.bytes_by_type();
    std::hint::black_box(sink);
});
