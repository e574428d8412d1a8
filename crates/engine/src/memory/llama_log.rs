//! llama.cpp's log, which is where it reports what it allocated: silenced everywhere except on a
//! thread that captures it (to size a context, or to say why a call failed).

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr};

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
}
