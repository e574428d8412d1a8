//! The budget an Embedder's context and queued work are held to, and the process-wide figures.

use std::sync::atomic::{AtomicU64, Ordering};

/// Why a reservation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// More than the budget leaves for inputs even with nothing else queued.
    NeverFits { need: u64, room: u64 },
    /// Fits once queued work drains.
    Busy { need: u64, free: u64 },
}

/// An Embedder's native memory: a fixed part (context, batch buffers) and reservations that queued
/// requests hold until they are answered. With a limit, a reservation that would pass it is refused.
#[derive(Debug)]
pub struct Budget {
    limit: Option<u64>,
    fixed: AtomicU64,
    reserved: AtomicU64,
    peak: AtomicU64,
}

impl Budget {
    pub fn new(limit: Option<u64>) -> Self {
        Budget {
            limit,
            fixed: AtomicU64::new(0),
            reserved: AtomicU64::new(0),
            peak: AtomicU64::new(0),
        }
    }

    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    pub(crate) fn set_fixed(&self, bytes: u64) {
        self.fixed.store(bytes, Ordering::Relaxed);
        self.peak.fetch_max(self.used(), Ordering::Relaxed);
    }

    pub fn fixed(&self) -> u64 {
        self.fixed.load(Ordering::Relaxed)
    }

    pub fn used(&self) -> u64 {
        self.fixed() + self.reserved.load(Ordering::Relaxed)
    }

    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Reserves `need` bytes for queued work, or says why not.
    pub fn reserve(&self, need: u64) -> Result<(), Refusal> {
        let fixed = self.fixed();
        let mut held = self.reserved.load(Ordering::Relaxed);
        loop {
            if let Some(limit) = self.limit {
                let room = limit.saturating_sub(fixed);
                if need > room {
                    return Err(Refusal::NeverFits { need, room });
                }
                if held + need > room {
                    return Err(Refusal::Busy {
                        need,
                        free: room - held,
                    });
                }
            }
            match self.reserved.compare_exchange_weak(
                held,
                held + need,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => held = now,
            }
        }
        self.peak.fetch_max(fixed + held + need, Ordering::Relaxed);
        Ok(())
    }

    pub fn release(&self, bytes: u64) {
        self.reserved.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// Process-wide native resources, to show that dropped Embedders gave theirs back.
#[derive(Debug, Default)]
pub struct Live {
    pub contexts: AtomicU64,
    pub context_bytes: AtomicU64,
}

pub static LIVE: Live = Live {
    contexts: AtomicU64::new(0),
    context_bytes: AtomicU64::new(0),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_refuses_past_its_limit_and_tracks_the_peak() {
        let b = Budget::new(Some(1000));
        b.set_fixed(600);
        assert_eq!(
            b.reserve(500),
            Err(Refusal::NeverFits {
                need: 500,
                room: 400
            })
        );
        b.reserve(300).unwrap();
        assert_eq!(
            b.reserve(200),
            Err(Refusal::Busy {
                need: 200,
                free: 100
            })
        );
        assert_eq!(b.used(), 900);
        b.release(300);
        b.reserve(400).unwrap();
        assert_eq!(b.peak(), 1000);
        b.release(400);
        assert_eq!(b.used(), 600);
        let open = Budget::new(None);
        open.reserve(u64::MAX / 2).unwrap();
    }
}
