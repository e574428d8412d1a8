//! Options objects as JS sees them, converted once into the engine's own types.

use gguf_embed_engine::format::Limits;
use napi_derive::napi;

use crate::error::invalid_argument;

/// Bounds the GGUF reader enforces. A file declaring more is refused with GGUF_INVALID.
#[napi(object)]
#[derive(Default, Clone)]
pub struct ReaderLimits {
    /// Metadata key/value pairs. @default 65536
    pub max_kv_count: Option<f64>,
    /// Tensor infos. @default 262144
    pub max_tensor_count: Option<f64>,
    /// Bytes in one metadata key. @default 65536
    pub max_key_length: Option<f64>,
    /// Bytes in one string value. @default 67108864
    pub max_string_length: Option<f64>,
    /// Elements in one array value. @default 1073741824
    pub max_array_length: Option<f64>,
    /// Largest accepted `general.alignment`. @default 65536
    pub max_alignment: Option<f64>,
}

#[napi(object)]
#[derive(Default, Clone)]
pub struct InspectOptions {
    /// Also list every tensor (name, type, shape, bytes, offset). @default false
    pub tensors: Option<bool>,
    pub limits: Option<ReaderLimits>,
}

fn count(name: &str, v: Option<f64>, default: u64) -> napi::Result<u64> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= (1u64 << 53) as f64 => Ok(x as u64),
        Some(x) => Err(invalid_argument(&format!("limits.{name} must be a non-negative integer, got {x}"))),
    }
}

impl TryFrom<&ReaderLimits> for Limits {
    type Error = napi::Error;

    fn try_from(l: &ReaderLimits) -> napi::Result<Limits> {
        let d = Limits::default();
        let max_alignment = count("maxAlignment", l.max_alignment, d.max_alignment.into())?;
        Ok(Limits {
            max_kv_count: count("maxKvCount", l.max_kv_count, d.max_kv_count)?,
            max_tensor_count: count("maxTensorCount", l.max_tensor_count, d.max_tensor_count)?,
            max_key_len: count("maxKeyLength", l.max_key_length, d.max_key_len)?,
            max_string_len: count("maxStringLength", l.max_string_length, d.max_string_len)?,
            max_array_len: count("maxArrayLength", l.max_array_length, d.max_array_len)?,
            max_alignment: u32::try_from(max_alignment)
                .map_err(|_| invalid_argument("limits.maxAlignment must fit in 32 bits"))?,
            max_tensor_name_len: d.max_tensor_name_len,
        })
    }
}
