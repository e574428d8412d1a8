//! The llama.cpp backend: initialised once per process (a second init fails), shared by every model.

use std::sync::OnceLock;

use llama_cpp_2::llama_backend::LlamaBackend;

use crate::EngineError;

static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();

/// The process-wide backend, initialised on first use with llama.cpp's log routed to our sink.
pub fn backend() -> Result<&'static LlamaBackend, EngineError> {
    let init = BACKEND.get_or_init(|| {
        // Silent, except where a thread measures what a context allocates (memory.rs).
        crate::memory::llama_log::install_log_sink();
        crate::memory::malloc::pin_mmap_threshold();
        #[cfg(feature = "portable")]
        cpu_backends::load()?;
        LlamaBackend::init().map_err(|e| e.to_string())
    });
    init.as_ref()
        .map_err(|reason| EngineError::Backend(reason.clone()))
}

/// The portable build's CPU kernels are shared libraries beside the addon, one per x86 feature level
/// (`libggml-cpu-haswell.so`, `-skylakex`, `-sapphirerapids`, ...): ggml asks each which score it
/// gets on this CPU and keeps the best, so one package runs on an SSE4.2 machine and uses AVX-512
/// or AMX where they exist.
#[cfg(feature = "portable")]
mod cpu_backends {
    use std::ffi::{CStr, CString};
    use std::path::PathBuf;

    /// Where the backend modules are: `GGUF_EMBED_BACKENDS_DIR`, else the folder of the shared
    /// object this code is in (the .node file), else the build's own folder (cargo tests).
    pub fn load() -> Result<(), String> {
        let mut tried = Vec::new();
        for dir in std::env::var_os("GGUF_EMBED_BACKENDS_DIR")
            .map(PathBuf::from)
            .into_iter()
            .chain(own_dir())
        {
            let c = CString::new(dir.to_string_lossy().as_bytes()).map_err(|e| e.to_string())?;
            // SAFETY: a valid C string; ggml copies the path and skips files it cannot load.
            unsafe { llama_cpp_sys_2::ggml_backend_load_all_from_path(c.as_ptr()) };
            if cpu_loaded() {
                return Ok(());
            }
            tried.push(dir.display().to_string());
        }
        llama_cpp_2::llama_backend::load_backends();
        if cpu_loaded() {
            return Ok(());
        }
        Err(format!(
            "no CPU backend (libggml-cpu-*.so) loaded from {}: the package is incomplete, or set GGUF_EMBED_BACKENDS_DIR",
            tried.join(", ")
        ))
    }

    fn cpu_loaded() -> bool {
        // SAFETY: plain queries of ggml's backend registry.
        unsafe {
            let n = llama_cpp_sys_2::ggml_backend_dev_count();
            (0..n).any(|i| {
                let dev = llama_cpp_sys_2::ggml_backend_dev_get(i);
                llama_cpp_sys_2::ggml_backend_dev_type(dev)
                    == llama_cpp_sys_2::GGML_BACKEND_DEVICE_TYPE_CPU
            })
        }
    }

    fn own_dir() -> Option<PathBuf> {
        let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
        // SAFETY: dladdr only reads the address to find the object that contains it.
        let found = unsafe { libc::dladdr(load as *const libc::c_void, &mut info) };
        if found == 0 || info.dli_fname.is_null() {
            return None;
        }
        // SAFETY: dladdr's file name is a C string owned by the loader.
        let file = unsafe { CStr::from_ptr(info.dli_fname) };
        PathBuf::from(file.to_string_lossy().into_owned())
            .parent()
            .map(PathBuf::from)
    }
}

/// Which CPU features this build's kernels use (llama.cpp's own report: "AVX2 = 1 | ..."), and
/// which the machine has, detected at run time.
#[derive(Debug, Clone)]
pub struct SystemInfo {
    /// llama.cpp's system info line, as it prints it.
    pub llama: String,
    /// Features the compiled kernels use.
    pub kernels: Vec<String>,
    /// Features this CPU offers (x86-64: from CPUID).
    pub cpu: Vec<String>,
}

pub fn system_info() -> SystemInfo {
    // The portable build's kernels are a module chosen when the backend starts: start it first.
    // (A failure shows as no kernels; loading a model reports it.)
    let _ = backend();
    // SAFETY: returns a pointer to a static buffer llama.cpp owns; copied at once.
    let llama = unsafe {
        let p = llama_cpp_sys_2::llama_print_system_info();
        if p.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    let kernels = llama
        .split('|')
        .filter_map(|part| {
            let (name, value) = part.split_once('=')?;
            let name = name.trim().rsplit(':').next()?.trim();
            (value.trim() == "1").then(|| name.to_owned())
        })
        .collect();
    SystemInfo {
        llama,
        kernels,
        cpu: cpu_features(),
    }
}

fn cpu_features() -> Vec<String> {
    #[allow(unused_mut)]
    let mut found: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! probe {
            ($($f:tt => $name:expr),* $(,)?) => {
                $(if std::arch::is_x86_feature_detected!($f) { found.push($name) })*
            };
        }
        probe!(
            "sse3" => "SSE3", "ssse3" => "SSSE3", "sse4.2" => "SSE4.2", "avx" => "AVX",
            "avx2" => "AVX2", "fma" => "FMA", "f16c" => "F16C", "bmi2" => "BMI2",
            "avx512f" => "AVX512", "avx512vbmi" => "AVX512_VBMI", "avx512vnni" => "AVX512_VNNI",
            "avx512bf16" => "AVX512_BF16", "avxvnni" => "AVX_VNNI",
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            found.push("NEON");
        }
        if std::arch::is_aarch64_feature_detected!("dotprod") {
            found.push("DOTPROD");
        }
    }
    found.into_iter().map(str::to_owned).collect()
}
