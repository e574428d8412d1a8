//! Test-only fault injection: `point(stage)` panics when `GGUF_EMBED_FAULT` names that stage.
//! Compiled to nothing unless the `fault-injection` feature is on (never in a shipped build);
//! it proves that a panic at any stage of a round settles every request and fails the Embedder.

#[cfg(feature = "fault-injection")]
pub(crate) fn point(stage: &str) {
    if std::env::var("GGUF_EMBED_FAULT").is_ok_and(|s| s == stage) {
        panic!("fault injected at {stage}");
    }
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn point(_stage: &str) {}

/// Whether `GGUF_EMBED_FAULT` names `stage`, for faults that are errors rather than panics.
#[cfg(feature = "fault-injection")]
pub(crate) fn active(stage: &str) -> bool {
    std::env::var("GGUF_EMBED_FAULT").is_ok_and(|s| s == stage)
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn active(_stage: &str) -> bool {
    false
}

/// A context that cannot be made again with a new thread count (an error, not a panic).
pub const REMAKE: &str = "remake";

/// The stages of a round, in order.
pub const STAGES: [&str; 5] = ["take", "tokenize", "batch", "pool", "answer"];
