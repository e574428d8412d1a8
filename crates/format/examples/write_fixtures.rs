//! Writes the hostile corpus and the must-load files to a folder, with a manifest.json naming the
//! error each must produce, for the Node tests (which must see the same files the Rust tests see).
//!
//!     cargo run -p gguf-embed-format --features corpus --example write_fixtures -- DIR

use std::fmt::Write as _;
use std::path::PathBuf;

use gguf_embed_format::corpus::{expected_code, hostile, loadable};

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fixtures".into()));
    std::fs::create_dir_all(&dir)?;
    let mut manifest = String::from("[\n");
    let cases: Vec<_> = hostile().into_iter().chain(loadable()).collect();
    for (i, case) in cases.iter().enumerate() {
        let file = format!("{}.gguf", case.name);
        std::fs::write(dir.join(&file), &case.bytes)?;
        let (kind, code) = match case.expect {
            Some(kind) => (
                format!("\"{kind}\""),
                format!("\"{}\"", expected_code(kind)),
            ),
            None => ("null".into(), "null".into()),
        };
        let sep = if i + 1 < cases.len() { "," } else { "" };
        writeln!(
            manifest,
            "  {{\"file\": \"{file}\", \"kind\": {kind}, \"code\": {code}}}{sep}"
        )
        .ok();
    }
    manifest.push_str("]\n");
    std::fs::write(dir.join("manifest.json"), manifest)?;
    println!("wrote {} files to {}", cases.len(), dir.display());
    Ok(())
}
