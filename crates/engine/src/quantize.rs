//! `quantize`: rewrites a GGUF model with llama.cpp's own quantizer (the k-quant mixes such as
//! Q4_K_M are llama.cpp's rules, not ours). The input is validated by our reader first, and the
//! output is written under a temporary name and renamed into place.

use std::ffi::CString;
use std::path::Path;

use gguf_embed_format::{temp_path, Gguf, Limits};

use crate::backend::backend;
use crate::memory::llama_log::capture_log;
use crate::EngineError;

/// llama.cpp `llama_ftype` ids by the names its quantize tool accepts.
const FTYPES: &[(&str, u32)] = &[
    ("f32", 0),
    ("f16", 1),
    ("q4_0", 2),
    ("q4_1", 3),
    ("q8_0", 7),
    ("q5_0", 8),
    ("q5_1", 9),
    ("q2_k", 10),
    ("q3_k_s", 11),
    ("q3_k_m", 12),
    ("q3_k_l", 13),
    ("q4_k_s", 14),
    ("q4_k_m", 15),
    ("q5_k_s", 16),
    ("q5_k_m", 17),
    ("q6_k", 18),
];

pub fn ftype_names() -> impl Iterator<Item = &'static str> {
    FTYPES.iter().map(|f| f.0)
}

pub fn quantize(
    input: &Path,
    output: &Path,
    ftype: &str,
    threads: Option<usize>,
) -> Result<(), EngineError> {
    let name = ftype.to_ascii_lowercase();
    let id = FTYPES
        .iter()
        .find(|f| f.0 == name)
        .map(|f| f.1)
        .ok_or_else(|| {
            EngineError::invalid(
                "type",
                format!(
                    "unknown quantization type {ftype:?} (one of {})",
                    ftype_names().collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
    let g = Gguf::open(input, &Limits::default())?;
    if g.tensor_count() == 0 {
        return Err(EngineError::ModelLoad {
            path: input.to_path_buf(),
            reason: "no tensors to quantize".into(),
        });
    }
    drop(g);
    backend()?;
    let tmp = temp_path(output);
    let c = |p: &Path| {
        CString::new(p.to_string_lossy().as_bytes())
            .map_err(|_| EngineError::invalid("path", format!("{} contains NUL", p.display())))
    };
    let (cin, ctmp) = (c(input)?, c(&tmp)?);
    // SAFETY: plain C call with NUL-terminated paths and a params struct from llama.cpp's defaults.
    let (code, log) = capture_log(|| unsafe {
        let mut params = llama_cpp_sys_2::llama_model_quantize_default_params();
        params.ftype = id as _;
        params.nthread = threads.map(|t| t as i32).unwrap_or(0);
        llama_cpp_sys_2::llama_model_quantize(cin.as_ptr(), ctmp.as_ptr(), &params)
    });
    let renamed = if code == 0 {
        std::fs::rename(&tmp, output).map_err(|e| e.to_string())
    } else {
        Err(reason_from_log(&log, code))
    };
    renamed.map_err(|reason| {
        let _ = std::fs::remove_file(&tmp);
        EngineError::Quantize {
            input: input.to_path_buf(),
            ftype: name,
            reason,
        }
    })
}

/// llama.cpp's quantizer returns 1 for every failure and says why only in its log: the line that
/// names the error (e.g. "failed to open ...: Permission denied"), else the last one.
fn reason_from_log(log: &str, code: u32) -> String {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .rev()
        .find(|l| l.contains("error") || l.contains("failed"))
        .or(lines.last())
        .map(|l| l.to_string())
        .unwrap_or_else(|| format!("llama.cpp returned {code} and logged nothing"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_reason_is_the_error_line_of_the_log() {
        let log = "llama_model_quantize: loading\nllama_model_quantize: failed to quantize: cannot open out.gguf\nmain: done\n";
        assert_eq!(
            super::reason_from_log(log, 1),
            "llama_model_quantize: failed to quantize: cannot open out.gguf"
        );
        assert_eq!(
            super::reason_from_log("", 1),
            "llama.cpp returned 1 and logged nothing"
        );
    }
}
