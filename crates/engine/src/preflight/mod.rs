//! Everything llama.cpp would assert on (an abort that kills Node), checked in Rust first, for
//! files that are well-formed GGUF but wrong as models: hyper-parameters out of range or of the
//! wrong type, tokenizer metadata that indexes out of bounds, tensors that do not match. Each
//! failure names its check (a stable `kind`) and the key or tensor involved. The per-architecture
//! facts (required keys and tensors with their shapes) live in `crate::architectures`.

use gguf_embed_format::{Gguf, Value, ValueType};

mod hparams;
mod tensors;
mod tokenizer;

/// llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS.
pub(super) const MAX_LAYERS: u64 = 512;
pub(super) const MAX_EXPERTS: u64 = 1024;
pub(super) const MAX_CONTEXT: u64 = 1 << 24;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct PreflightError {
    /// Stable name of the failed check.
    pub check: &'static str,
    pub detail: String,
    /// The tensor the check is about, for the tensor checks (`MissingTensor`, `TensorShape`,
    /// `UnexpectedTensor`, `VocabSize`).
    pub tensor: Option<String>,
}

pub(super) fn fail<T>(check: &'static str, detail: String) -> Result<T, PreflightError> {
    Err(PreflightError {
        check,
        detail,
        tensor: None,
    })
}

pub(super) fn fail_tensor<T>(
    check: &'static str,
    tensor: &str,
    detail: String,
) -> Result<T, PreflightError> {
    Err(PreflightError {
        check,
        detail,
        tensor: Some(tensor.to_owned()),
    })
}

pub(super) struct Ctx<'g, B: AsRef<[u8]>> {
    pub(super) g: &'g Gguf<B>,
    pub(super) arch: String,
}

impl<'g, B: AsRef<[u8]>> Ctx<'g, B> {
    pub(super) fn key(&self, suffix: &str) -> String {
        format!("{}.{suffix}", self.arch)
    }

    /// An optional integer scalar of an integer type.
    pub(super) fn uint(&self, key: &str) -> Result<Option<u64>, PreflightError> {
        match self.g.get(key) {
            None => Ok(None),
            Some(v) if is_int(v.value_type()) => match v.as_u64() {
                Some(n) => Ok(Some(n)),
                None => fail("WrongKeyType", format!("{key} is negative")),
            },
            Some(v) => fail(
                "WrongKeyType",
                format!(
                    "{key} has type {}, expected an unsigned integer",
                    v.value_type()
                ),
            ),
        }
    }

    pub(super) fn required_uint(&self, key: &str) -> Result<u64, PreflightError> {
        self.uint(key)?
            .map_or_else(|| fail("MissingKey", format!("{key} is missing")), Ok)
    }

    /// A hyper-parameter given either as a scalar or as one value per layer.
    pub(super) fn per_layer(
        &self,
        key: &str,
        layers: u64,
    ) -> Result<Option<Vec<u64>>, PreflightError> {
        match self.g.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => {
                if !matches!(a.element_type(), ValueType::U32 | ValueType::I32) {
                    return fail(
                        "WrongKeyType",
                        format!(
                            "{key} is an array of {}, expected u32 or i32",
                            a.element_type()
                        ),
                    );
                }
                if a.len() != layers {
                    return fail(
                        "WrongKeyType",
                        format!("{key} has {} values for {layers} layers", a.len()),
                    );
                }
                let values: Vec<u64> = a.iter().filter_map(|v| v.as_u64()).collect();
                if values.len() as u64 != layers {
                    return fail("WrongKeyType", format!("{key} holds negative values"));
                }
                Ok(Some(values))
            }
            Some(_) => self.uint(key).map(|v| v.map(|n| vec![n; layers as usize])),
        }
    }
}

fn is_int(t: ValueType) -> bool {
    matches!(
        t,
        ValueType::U8
            | ValueType::U16
            | ValueType::U32
            | ValueType::U64
            | ValueType::I8
            | ValueType::I16
            | ValueType::I32
            | ValueType::I64
    )
}

pub fn preflight<B: AsRef<[u8]>>(g: &Gguf<B>) -> Result<(), PreflightError> {
    checks(g, true)
}

/// What llama.cpp reads when it loads only a file's tokenizer (`vocab_only`): the hyper-parameters
/// and the tokenizer, not the tensors.
pub fn preflight_vocab<B: AsRef<[u8]>>(g: &Gguf<B>) -> Result<(), PreflightError> {
    checks(g, false)
}

fn checks<B: AsRef<[u8]>>(g: &Gguf<B>, with_tensors: bool) -> Result<(), PreflightError> {
    let arch = match g.get("general.architecture") {
        Some(Value::String(s)) => s.to_string_lossy().into_owned(),
        Some(v) => {
            return fail(
                "WrongKeyType",
                format!("general.architecture has type {}", v.value_type()),
            )
        }
        None => return fail("MissingKey", "general.architecture is missing".into()),
    };
    let c = Ctx { g, arch };
    hparams::hyper_parameters(&c)?;
    let n_tokens = tokenizer::tokenizer(&c)?;
    if with_tensors {
        let dims = hparams::family_parameters(&c, n_tokens)?;
        tensors::tensors(&c, n_tokens, dims.as_ref())?;
    }
    Ok(())
}
