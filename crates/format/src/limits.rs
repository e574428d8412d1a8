//! Every limit the reader enforces, in one place. A file that declares more than a limit is
//! rejected before anything is allocated or walked for it.

/// Upper bounds applied while reading a GGUF file. The defaults accept every real model we know of
/// (the largest published vocabularies and MoE tensor counts) and reject declared sizes that only
/// a hostile or corrupt file would carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Metadata key/value pairs.
    pub max_kv_count: u64,
    /// Tensor infos.
    pub max_tensor_count: u64,
    /// Bytes in one metadata key.
    pub max_key_len: u64,
    /// Bytes in one string value (also each string inside an array).
    pub max_string_len: u64,
    /// Elements in one array value.
    pub max_array_len: u64,
    /// `general.alignment`; ggml itself sets no upper bound, and padding to a huge alignment
    /// overflows offset arithmetic.
    pub max_alignment: u32,
    /// Bytes in a tensor name; ggml stores names in a 64-byte buffer with a terminating NUL.
    pub max_tensor_name_len: u64,
}

/// GGML_MAX_DIMS: ggml tensors have at most four dimensions.
pub const MAX_DIMS: u32 = 4;

/// Used when a file has no `general.alignment` key.
pub const DEFAULT_ALIGNMENT: u32 = 32;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_kv_count: 1 << 16,
            max_tensor_count: 1 << 18,
            max_key_len: 1 << 16,
            max_string_len: 1 << 26,
            // ggml caps strings and arrays at 1 GiB (after CVE-2026-27940); we keep its array cap.
            max_array_len: 1 << 30,
            max_alignment: 1 << 16,
            max_tensor_name_len: 63,
        }
    }
}
