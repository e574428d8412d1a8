//! Prints how the index cuts a file: `cargo run --example chunks -- FILE`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: chunks FILE");
    let kind =
        gguf_embed_index::lang::FileKind::of(path.as_ref()).expect("a file kind the index knows");
    let text = std::fs::read_to_string(&path).expect("a UTF-8 file");
    let (chunks, method) = gguf_embed_index::chunk::chunk_file(&text, kind, &Default::default());
    println!("{path}: {} chunks by {method:?}", chunks.len());
    for c in chunks {
        println!(
            "--- {}-{} {} ({} chars)\n{}",
            c.start_line,
            c.end_line,
            c.symbol.as_deref().unwrap_or("-"),
            c.text.len(),
            c.text
        );
    }
}
