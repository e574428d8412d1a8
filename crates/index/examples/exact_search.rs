//! How long exact vector search takes as an index grows: N synthetic chunks with random unit
//! vectors in a fresh index, then the median of 20 searches (top 10), for the README's choice of
//! exact search over an ANN structure.
//!   cargo run --release --example exact_search -- 10000 100000 1000000

use std::time::Instant;

use gguf_embed_index::chunk::Chunk;
use gguf_embed_index::store::{Encoding, ModelKey, Store};

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a count"))
        .collect();
    let dims = 384;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f32 / (1u64 << 53) as f32 - 0.5
    };
    for n in sizes {
        let path = std::env::temp_dir().join(format!("exact-search-{n}.db"));
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(path.with_extension("db-wal"));
        let mut store = Store::open(&path).expect("open");
        let model = ModelKey {
            key: "synthetic".into(),
            dims,
            encoding: Encoding::Int8,
        };
        let g = store.next_generation().unwrap();
        let per_file = 1000;
        for f in 0..n.div_ceil(per_file) {
            let chunks: Vec<Chunk> = (0..per_file.min(n - f * per_file))
                .map(|i| {
                    let text = format!("chunk {f} {i}");
                    Chunk {
                        start_line: i as u32 + 1,
                        end_line: i as u32 + 1,
                        symbol: None,
                        hash: gguf_embed_index::chunk::content_hash(&text),
                        text,
                    }
                })
                .collect();
            let batch = store.batch().unwrap();
            batch
                .put_file(
                    &format!("f{f}.py"),
                    "python",
                    0,
                    0,
                    &[0; 16],
                    "syntax",
                    &chunks,
                    g,
                )
                .unwrap();
            batch.commit().unwrap();
        }
        let id = store.model(&model).unwrap();
        let mut after = 0;
        loop {
            let page = store.pending(id, after, 4096).unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().unwrap().0;
            let ids: Vec<i64> = page.iter().map(|p| p.0).collect();
            let mut v: Vec<f32> = (0..ids.len() * dims).map(|_| random()).collect();
            for row in v.chunks_mut(dims) {
                let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
                row.iter_mut().for_each(|x| *x /= norm);
            }
            store.put_vectors(&model, &ids, &v).unwrap();
        }
        let q: Vec<f32> = (0..dims).map(|_| random()).collect();
        let t = Instant::now();
        store.vector_search(&model, &q, 10, None).unwrap();
        let load = t.elapsed();
        let mut times: Vec<f64> = (0..20)
            .map(|_| {
                let t = Instant::now();
                store.vector_search(&model, &q, 10, None).unwrap();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "{n} vectors: first search (loads the matrix) {:.0} ms, then median {:.2} ms, p95 {:.2} ms; file {:.1} MiB",
            load.as_secs_f64() * 1000.0,
            times[10],
            times[18],
            store.disk_bytes() as f64 / 1048576.0
        );
        drop(store);
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(path.with_extension("db-wal"));
    }
}
