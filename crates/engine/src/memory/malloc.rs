//! Allocator tuning for the process that loads the addon.

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
