//! Inference threads stop before the code they run goes away.
//!
//! `process.exit()` runs C `exit()`: atexit handlers and C++ static destructors (llama.cpp's
//! backend registry, ggml's state) while an inference thread may be inside `llama_encode` — a
//! SIGSEGV. A handler registered after the backend's statics exist runs before their destructors
//! (handlers run in reverse order of registration) and stops every live Embedder's thread first.
//! A worker_thread's environment is torn down without `exit()`: the binding abandons that
//! environment's Embedders from its cleanup hook (`Embedder::abandon`).

use std::sync::{Mutex, Once, Weak};
use std::time::Duration;

use super::shared::Shared;

/// Longest an exiting process waits for one inference thread to finish its batch.
const EXIT_WAIT: Duration = Duration::from_secs(10);

static LIVE: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());
static AT_EXIT: Once = Once::new();

/// Records an Embedder whose inference thread has started (after the backend and its statics).
pub(crate) fn register(shared: Weak<Shared>) {
    let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
    live.retain(|w| w.strong_count() > 0);
    live.push(shared);
    drop(live);
    AT_EXIT.call_once(|| {
        // SAFETY: registers a plain extern "C" function; failure only means no handler.
        unsafe { libc::atexit(stop_all_at_exit) };
    });
}

extern "C" fn stop_all_at_exit() {
    // A panic must not unwind out of an extern "C" function.
    let _ = std::panic::catch_unwind(|| {
        let live: Vec<_> = match LIVE.try_lock() {
            Ok(mut live) => live.drain(..).collect(),
            Err(_) => return,
        };
        for shared in live.iter().filter_map(Weak::upgrade) {
            shared.abandon(EXIT_WAIT);
        }
    });
}
