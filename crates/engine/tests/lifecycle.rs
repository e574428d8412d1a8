//! How an Embedder ends: abandoned with its JS environment (nothing answered, thread stopped),
//! and counting the tokens of a long text in bounded memory with the same answer as whole.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gguf_embed_engine::embedder::{EmbedRequest, Embedder, EmbedderOptions};

fn code_text(bytes: usize) -> String {
    let unit = "def parse_header(line):\n    name, _, value = line.partition(':')  # split once\n    return name.strip().lower(), value.strip()\n\n";
    unit.repeat(bytes / unit.len() + 1)
}

#[test]
fn an_abandoned_embedder_answers_nobody_and_stops_its_thread() {
    let e = common::load_minilm(2);
    let answered = Arc::new(AtomicUsize::new(0));
    let texts: Vec<String> = (0..64)
        .map(|i| format!("def f{i}(x): return x * {i}"))
        .collect();
    for _ in 0..20 {
        let answered = answered.clone();
        e.submit(
            texts.clone(),
            &EmbedRequest::default(),
            None,
            Box::new(move |_| {
                answered.fetch_add(1, Ordering::SeqCst);
            }),
        );
    }
    e.abandon();
    let after = answered.load(Ordering::SeqCst);
    assert!(
        after < 20,
        "abandon returned only after every request ran: {after}"
    );
    // Nothing is answered after abandon returns: the thread has stopped.
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(answered.load(Ordering::SeqCst), after);
    // Later calls are refused, not queued.
    let (tx, rx) = std::sync::mpsc::channel();
    e.submit(
        texts,
        &EmbedRequest::default(),
        None,
        Box::new(move |r| {
            let _ = tx.send(r.is_err());
        }),
    );
    assert!(
        rx.try_recv().is_err(),
        "an abandoned embedder answers nobody, not even a refusal"
    );
}

#[test]
fn a_long_text_is_counted_in_pieces_with_the_whole_text_answer() {
    let e = common::load_minilm(1);
    let text = code_text(300 * 1024);
    let whole = e.tokenize(&text).unwrap().len();
    assert_eq!(e.count_tokens(&text).unwrap(), whole);
    // Odd spacing, non-ASCII and a long run with no space at all.
    let mixed = format!(
        "{}  naïve\tcafé {} {}",
        code_text(70 * 1024),
        "x".repeat(100_000),
        code_text(70 * 1024)
    );
    assert_eq!(
        e.count_tokens(&mixed).unwrap(),
        e.tokenize(&mixed).unwrap().len()
    );
}

#[test]
fn tokenizing_whole_is_held_against_the_budget() {
    let budget = 96 << 20;
    let e = Embedder::load(
        &common::minilm(),
        &EmbedderOptions {
            threads: Some(1),
            memory_budget: Some(budget),
            ..Default::default()
        },
    )
    .unwrap();
    let text = code_text(20 << 20);
    // Counting takes pieces: it fits any budget.
    assert!(e.count_tokens(&text).unwrap() > 1_000_000);
    // The ids of 20 MB take ~40x its size to make: more than the budget, refused before starting.
    let err = e.tokenize(&text).expect_err("refused");
    assert!(
        matches!(
            err,
            gguf_embed_engine::EngineError::RequestOverBudget { .. }
        ),
        "{err}"
    );
}
