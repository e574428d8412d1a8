//! A request's answer, delivered exactly once whatever happens to the inference thread.
//!
//! `send` calls the completion; a `Reply` dropped unanswered (a panic unwinding the thread that
//! held it) answers with an `Internal` error from `Drop`, so no caller's promise is left pending.
//! Once its Embedder is abandoned (the JS environment or the process is going away) a reply is
//! never delivered: nothing is left to receive it, and calling into a dying environment is what
//! crashes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::request::{Completion, Embedded};
use crate::EngineError;

pub(crate) struct Reply {
    done: Option<Completion>,
    abandoned: Arc<AtomicBool>,
}

impl Reply {
    pub fn new(done: Completion, abandoned: Arc<AtomicBool>) -> Self {
        Reply {
            done: Some(done),
            abandoned,
        }
    }

    pub fn send(mut self, result: Result<Embedded, EngineError>) {
        self.deliver(result);
    }

    fn deliver(&mut self, result: Result<Embedded, EngineError>) {
        let Some(done) = self.done.take() else { return };
        if self.abandoned.load(Ordering::Acquire) {
            // Leaked on purpose: dropping it would release JS handles of a dead environment.
            std::mem::forget(done);
        } else {
            done(result);
        }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        self.deliver(Err(EngineError::Internal(
            "the inference thread failed before answering this request".into(),
        )));
    }
}
