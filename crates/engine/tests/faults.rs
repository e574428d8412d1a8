//! A panic at any stage of an inference round settles every request with a typed error and marks
//! the Embedder failed (later calls refused with `Failed`); needs `--features fault-injection`.
#![cfg(feature = "fault-injection")]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use gguf_embed_engine::embedder::EmbedRequest;
use gguf_embed_engine::fault::STAGES;
use gguf_embed_engine::EngineError;

/// Requests are answered before the failure is recorded (a panic is still unwinding): up to 5 s.
fn wait_for_failure(e: &gguf_embed_engine::embedder::Embedder) {
    for _ in 0..100 {
        if e.failure().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The fault is chosen through the process environment, which the tests share: one at a time.
static ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_panic_at_every_stage_settles_every_request_and_fails_the_embedder() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    for stage in STAGES {
        let e = common::load_minilm(1);
        std::env::set_var("GGUF_EMBED_FAULT", stage);
        let (tx, rx) = mpsc::channel();
        let requests = 12;
        for i in 0..requests {
            let tx = tx.clone();
            let texts: Vec<String> = (0..40).map(|j| format!("fn f{i}_{j}() {{}}")).collect();
            e.submit(
                texts,
                &EmbedRequest::default(),
                None,
                Box::new(move |r| drop(tx.send(r))),
            );
        }
        for _ in 0..requests {
            let r = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("{stage}: a request was never answered"));
            let err = r
                .err()
                .unwrap_or_else(|| panic!("{stage}: a request succeeded"));
            assert!(
                matches!(err, EngineError::Internal(_) | EngineError::Failed(_)),
                "{stage}: {err}"
            );
        }
        std::env::remove_var("GGUF_EMBED_FAULT");
        wait_for_failure(&e);
        assert!(
            e.failure().is_some_and(|f| f.contains(stage)),
            "{stage}: {:?}",
            e.failure()
        );
        let err = e
            .embed_batch(&["after".into()], &EmbedRequest::default(), None)
            .expect_err("refused");
        assert!(matches!(err, EngineError::Failed(_)), "{stage}: {err}");
        e.dispose();
    }
}

/// A context that cannot be made again for a new thread count (contention.rs) leaves the
/// Embedder without one: it fails, as after a panic, instead of answering every later call with
/// an inference error while it looks alive.
#[test]
fn a_context_that_cannot_be_made_again_fails_the_embedder() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let e = common::load_minilm(2);
    std::env::set_var("GGUF_EMBED_FAULT", gguf_embed_engine::fault::REMAKE);
    let r = e.embed_batch(&["fn f() {}".into()], &EmbedRequest::default(), None);
    std::env::remove_var("GGUF_EMBED_FAULT");
    let err = r.expect_err("no context to embed with");
    assert!(matches!(err, EngineError::Inference(_)), "{err}");
    wait_for_failure(&e);
    assert!(
        e.failure().is_some_and(|f| f.contains("made again")),
        "{:?}",
        e.failure()
    );
    let err = e
        .embed_batch(&["after".into()], &EmbedRequest::default(), None)
        .expect_err("refused");
    assert!(matches!(err, EngineError::Failed(_)), "{err}");
    e.dispose();
}
