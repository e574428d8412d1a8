//! The llama.cpp backend: initialised once per process (a second init fails), shared by every model.

use std::sync::OnceLock;

use llama_cpp_2::llama_backend::LlamaBackend;

use crate::EngineError;

static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();

/// The process-wide backend, initialised on first use with llama.cpp's log routed to our sink.
pub fn backend() -> Result<&'static LlamaBackend, EngineError> {
    let init = BACKEND.get_or_init(|| {
        // Silent, except where a thread measures what a context allocates (memory.rs).
        crate::memory::install_log_sink();
        crate::memory::pin_mmap_threshold();
        LlamaBackend::init().map_err(|e| e.to_string())
    });
    init.as_ref()
        .map_err(|reason| EngineError::Backend(reason.clone()))
}
