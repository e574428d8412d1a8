//! Native memory: what llama.cpp allocates for a context, read from its own accounting (which it
//! only reports through its log), and the budget that an Embedder's context and queued work are
//! held to.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};

use llama_cpp_sys_2::ggml_log_level;

thread_local! {
    /// The log of the calling thread while `measure` runs; `None` otherwise (logs are dropped).
    static CAPTURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// llama.cpp's and ggml's log sink: silent, except on a thread that is measuring a context.
unsafe extern "C" fn on_log(_level: ggml_log_level, text: *const c_char, _user: *mut c_void) {
    if text.is_null() {
        return;
    }
    // SAFETY: llama.cpp passes a NUL-terminated string that lives for the call.
    let text = unsafe { CStr::from_ptr(text) };
    // try_with: a thread may log while its thread-locals are being torn down.
    let _ = CAPTURE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if let Some(buf) = c.as_mut() {
                buf.push_str(&text.to_string_lossy());
            }
        }
    });
}

/// Pins glibc's mmap threshold at its default (128 KiB). glibc raises the threshold each time a
/// large mapped block is freed, after which buffers of that size come from the heap arenas and stay
/// resident once freed: llama.cpp's output buffer, reallocated at the first full batch, left ~30 MiB
/// behind per MiniLM context that way. A threshold the user set (MALLOC_MMAP_THRESHOLD_) is kept.
pub(crate) fn pin_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
            extern "C" {
                fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
            }
            const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
            // SAFETY: mallopt is thread-safe and this value is glibc's own default.
            unsafe { mallopt(M_MMAP_THRESHOLD, 128 * 1024) };
        }
    }
}

/// Routes llama.cpp's log to `on_log`. Called once, when the backend starts.
pub(crate) fn install_log_sink() {
    // SAFETY: the callback is a plain function that never unwinds; no user data.
    unsafe { llama_cpp_sys_2::llama_log_set(Some(on_log), std::ptr::null_mut()) }
}

/// Bytes llama.cpp allocated for one context, by purpose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextBytes {
    /// Scratch memory of the compute graph (grows with tokens per batch, attention quadratically).
    pub compute: u64,
    /// Pooled embeddings and logits of a batch.
    pub output: u64,
    /// KV cache (causal models; encoders have none).
    pub cache: u64,
}

impl ContextBytes {
    pub fn total(&self) -> u64 {
        self.compute + self.output + self.cache
    }
}

/// Runs `f` (which creates a context) and reads what llama.cpp said it allocated.
pub(crate) fn measure<R>(f: impl FnOnce() -> R) -> (R, ContextBytes) {
    let (result, log) = capture_log(f);
    (result, parse_buffer_sizes(&log))
}

/// Runs `f` and returns what llama.cpp logged on this thread meanwhile.
pub(crate) fn capture_log<R>(f: impl FnOnce() -> R) -> (R, String) {
    CAPTURE.with(|c| *c.borrow_mut() = Some(String::new()));
    let result = f();
    let log = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (result, log)
}

/// Sums llama.cpp's "<buffer> <kind> buffer size = <x> MiB" lines. Sizes are printed to 0.01 MiB,
/// so each line is rounded up by that much: the result never understates.
pub(crate) fn parse_buffer_sizes(log: &str) -> ContextBytes {
    let mut out = ContextBytes::default();
    for line in log.lines() {
        let Some((head, tail)) = line.split_once(" buffer size = ") else {
            continue;
        };
        let Some(mib) = tail
            .trim()
            .strip_suffix("MiB")
            .and_then(|n| n.trim().parse::<f64>().ok())
        else {
            continue;
        };
        let bytes = ((mib + 0.01) * 1024.0 * 1024.0).ceil() as u64;
        let kind = head.split_whitespace().last().unwrap_or("");
        match kind {
            "compute" => out.compute += bytes,
            "output" => out.output += bytes,
            "KV" | "RS" => out.cache += bytes,
            _ => {}
        }
    }
    out
}

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
    fn reads_llama_cpp_buffer_lines() {
        let log = "llama_context:        CPU  output buffer size =     0.12 MiB\n\
                   llama_kv_cache:        CPU KV buffer size =    28.00 MiB\n\
                   llama_context:        CPU compute buffer size =    27.01 MiB\n\
                   load_tensors:   CPU_Mapped model buffer size =    20.00 MiB\n\
                   unrelated line\n";
        let b = parse_buffer_sizes(log);
        let mib = |x: f64| ((x + 0.01) * 1048576.0).ceil() as u64;
        assert_eq!(b.output, mib(0.12));
        assert_eq!(b.cache, mib(28.0));
        assert_eq!(b.compute, mib(27.01));
        assert_eq!(b.total(), mib(0.12) + mib(28.0) + mib(27.01));
    }

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
