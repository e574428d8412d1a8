//! The bounded request queue between callers and an Embedder's inference thread. Callers never
//! wait here: `push` either queues the request or refuses it at once (QUEUE_FULL, DISPOSED), and
//! the request's completion is called later from the inference thread.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

use crate::EngineError;

pub struct Queue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    limit: usize,
}

struct State<T> {
    pending: VecDeque<T>,
    closed: bool,
}

impl<T> Queue<T> {
    pub fn new(limit: usize) -> Self {
        Queue {
            state: Mutex::new(State {
                pending: VecDeque::new(),
                closed: false,
            }),
            ready: Condvar::new(),
            limit,
        }
    }

    /// Queues `item`, or gives it back with the reason it was refused.
    pub fn push(&self, item: T) -> Result<(), (T, EngineError)> {
        let Ok(mut s) = self.state.lock() else {
            return Err((item, EngineError::Disposed));
        };
        if s.closed {
            return Err((item, EngineError::Disposed));
        }
        if s.pending.len() >= self.limit {
            return Err((item, EngineError::QueueFull { limit: self.limit }));
        }
        s.pending.push_back(item);
        self.ready.notify_one();
        Ok(())
    }

    /// Blocks until work is pending, then takes requests in arrival order while `fits` accepts
    /// them (always at least one). `None` once the queue is closed and empty.
    pub fn take(&self, mut fits: impl FnMut(&T) -> bool) -> Option<Vec<T>> {
        let mut s = self.state.lock().ok()?;
        while s.pending.is_empty() && !s.closed {
            s = self.ready.wait(s).ok()?;
        }
        let first = s.pending.pop_front()?;
        fits(&first);
        let mut taken = vec![first];
        while let Some(next) = s.pending.front() {
            if !fits(next) {
                break;
            }
            taken.extend(s.pending.pop_front());
        }
        Some(taken)
    }

    /// Refuses new work; returns what was still waiting, for the caller to reject.
    pub fn close(&self) -> Vec<T> {
        let Ok(mut s) = self.state.lock() else {
            return Vec::new();
        };
        s.closed = true;
        self.ready.notify_all();
        s.pending.drain(..).collect()
    }

    pub fn len(&self) -> usize {
        self.state.lock().map(|s| s.pending.len()).unwrap_or(0)
    }

    pub fn is_closed(&self) -> bool {
        self.state.lock().map(|s| s.closed).unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_fifo_that_refuses_when_full_or_closed() {
        let q = Queue::new(3);
        for i in 0..3 {
            q.push(i).unwrap();
        }
        assert!(matches!(
            q.push(9),
            Err((9, EngineError::QueueFull { limit: 3 }))
        ));
        let mut budget = 2;
        let taken = q.take(|_| {
            budget -= 1;
            budget >= 0
        });
        assert_eq!(taken, Some(vec![0, 1]));
        assert_eq!(q.close(), vec![2]);
        assert!(matches!(q.push(5), Err((5, EngineError::Disposed))));
        assert_eq!(q.take(|_| true), None);
    }
}
