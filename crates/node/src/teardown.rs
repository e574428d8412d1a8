//! Embedders stop with the JS environment that loaded them.
//!
//! A worker_thread that is terminated (or exits) tears down its environment while its Embedders'
//! inference threads may still be computing, and would then answer into an environment that no
//! longer exists; if the process exits meanwhile, they run on inside llama.cpp while its static
//! destructors run (a SIGSEGV). One cleanup hook per environment abandons that environment's
//! Embedders: their queues are dropped unanswered and their threads joined, before the
//! environment (and possibly the addon) goes away.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use gguf_embed_engine::embedder::Embedder;
use napi::{Env, Result};

thread_local! {
    /// This thread's environment's Embedders; `None` until its cleanup hook is registered.
    /// (Each JS environment runs on its own thread.)
    static LOADED: RefCell<Option<Vec<Weak<Embedder>>>> = const { RefCell::new(None) };
}

/// Ties an Embedder to the environment it was loaded in (called on that environment's thread).
pub fn track(env: &Env, embedder: &Arc<Embedder>) -> Result<()> {
    LOADED.with(|loaded| {
        let mut loaded = loaded.borrow_mut();
        if loaded.is_none() {
            env.add_env_cleanup_hook((), |()| abandon_this_environments())?;
        }
        let list = loaded.get_or_insert_with(Vec::new);
        list.retain(|e| e.strong_count() > 0);
        list.push(Arc::downgrade(embedder));
        Ok(())
    })
}

fn abandon_this_environments() {
    let loaded = LOADED.with(|loaded| loaded.borrow_mut().take());
    for embedder in loaded.into_iter().flatten().filter_map(|e| e.upgrade()) {
        embedder.abandon();
    }
}
