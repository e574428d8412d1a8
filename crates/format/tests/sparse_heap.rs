//! A 4 GiB sparse file (header, tensor infos, a hole for data) is read with well under 1 MiB of
//! heap, measured by a counting allocator around `Gguf::open`, and the reader's own report agrees.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use gguf_embed_format::corpus::write_sparse_4gib;
use gguf_embed_format::{Gguf, Limits};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn four_gib_sparse_file_reads_with_under_one_mib_of_heap() {
    let dir = std::env::temp_dir().join(format!("gguf-sparse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sparse-4gib.gguf");
    let size = write_sparse_4gib(&path).unwrap();
    assert!(size >= 4 << 30, "file is {size} bytes");

    let before = CURRENT.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let g = Gguf::open(&path, &Limits::default()).unwrap();
    let tokens = g
        .get("tokenizer.ggml.tokens")
        .and_then(|v| v.as_array())
        .unwrap();
    let walked = tokens.iter().count();
    let held = CURRENT.load(Ordering::SeqCst) - before;
    let peak = PEAK.load(Ordering::SeqCst) - before;
    println!(
        "4 GiB sparse file: reader holds {held} B, peak {peak} B during parse, reports {} B",
        g.heap_bytes()
    );
    assert_eq!(walked, 100_000);
    assert_eq!(g.file_len(), size);
    assert!(peak < 1 << 20, "peak heap {peak}");
    assert!(held < 1 << 20, "held heap {held}");
    assert!(
        g.heap_bytes() <= held,
        "reported {} > measured {held}",
        g.heap_bytes()
    );
    drop(g);
    std::fs::remove_dir_all(&dir).unwrap();
}
