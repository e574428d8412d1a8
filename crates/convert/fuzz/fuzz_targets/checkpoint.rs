//! A checkpoint folder from any bytes: config.json, tokenizer.json and model.safetensors, split at
//! NUL bytes (which JSON text never holds), written to a folder and converted. Whatever the sizes
//! the files declare, `convert` returns a typed error or a GGUF file: no panic, no abort, no
//! allocation sized by a declared number that the tensors do not back (libFuzzer's -rss_limit_mb
//! and -malloc_limit_mb catch those).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use gguf_embed_convert::convert;
use gguf_embed_format::GgmlType;
use libfuzzer_sys::fuzz_target;

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("gguf-embed-fuzz-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    let mut parts = data.splitn(3, |&b| b == 0);
    let files = ["config.json", "tokenizer.json", "model.safetensors"];
    for name in files {
        let path = dir.join(name);
        match parts.next() {
            Some(bytes) => std::fs::write(&path, bytes).expect("write"),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let out = dir.join("out.gguf");
    if convert(dir, &out, GgmlType::F16).is_ok() {
        let _ = std::fs::remove_file(&out);
    }
});
