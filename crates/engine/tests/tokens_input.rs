//! Token arrays as input: ids are checked against the vocabulary before llama.cpp sees them (an
//! out-of-range id would index past the embedding table), over-long sequences follow the
//! truncation rule, and usage counts are the tokens actually embedded.

mod common;

use std::sync::mpsc;

use gguf_embed_engine::embedder::{EmbedRequest, Embedded, Embedder, EmbedderOptions, Truncate};
use gguf_embed_engine::{EngineError, LlamaToken};

fn tokens(e: &Embedder, sequences: Vec<Vec<i32>>) -> Result<Embedded, EngineError> {
    let (tx, rx) = mpsc::channel();
    let sequences = sequences
        .into_iter()
        .map(|s| s.into_iter().map(LlamaToken).collect())
        .collect();
    e.submit_tokens(
        sequences,
        &EmbedRequest::default(),
        None,
        Box::new(move |r| tx.send(r).unwrap()),
    );
    rx.recv().unwrap()
}

fn texts(e: &Embedder, texts: &[&str]) -> Embedded {
    let (tx, rx) = mpsc::channel();
    let texts = texts.iter().map(|s| s.to_string()).collect();
    e.submit(
        texts,
        &EmbedRequest::default(),
        None,
        Box::new(move |r| tx.send(r).unwrap()),
    );
    rx.recv().unwrap().unwrap()
}

#[test]
fn token_sequences_embed_like_their_text_and_bad_ids_are_refused() {
    let options = EmbedderOptions {
        threads: Some(2),
        context_size: Some(32),
        ..Default::default()
    };
    let e = Embedder::load(&common::minilm(), &options).unwrap();
    let text = "fn parse(input: &str) -> Result<Config, Error>";
    let ids: Vec<i32> = e.tokenize(text).unwrap().iter().map(|t| t.0).collect();
    let by_text = texts(&e, &[text, "a"]);
    assert_eq!(
        by_text.tokens,
        vec![ids.len(), 3],
        "usage: tokens with [CLS] and [SEP]"
    );
    let by_ids = tokens(&e, vec![ids.clone()]).unwrap();
    assert_eq!(by_ids.tokens, vec![ids.len()]);
    let diff = by_text.vectors[0]
        .iter()
        .zip(&by_ids.vectors[0])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(diff < 1e-5, "same ids, same vector (max diff {diff})");

    let n_vocab = 30522;
    for bad in [-1, n_vocab, i32::MAX] {
        match tokens(&e, vec![vec![101, 102], vec![101, bad, 102]]) {
            Err(EngineError::InvalidArgument {
                param: "input",
                index: Some(1),
                ..
            }) => {}
            other => panic!("id {bad}: {other:?}"),
        }
    }
    match tokens(&e, vec![vec![]]) {
        Err(EngineError::InvalidArgument {
            param: "input",
            index: Some(0),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // Over-long: cut at the context size by default ...
    let long = vec![1000; 100];
    assert_eq!(tokens(&e, vec![long.clone()]).unwrap().tokens, vec![32]);
    // ... refused under truncate: 'error', naming the input and its length.
    let strict = EmbedderOptions {
        truncate: Some(Truncate::Error),
        ..options
    };
    let e = Embedder::load(&common::minilm(), &strict).unwrap();
    match tokens(&e, vec![vec![101], long]) {
        Err(EngineError::InputTooLong {
            index: 1,
            tokens: 100,
            limit: 32,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // The embedder still works after every refusal.
    assert_eq!(texts(&e, &["still fine"]).vectors.len(), 1);
}
