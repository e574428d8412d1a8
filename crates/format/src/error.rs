//! Every way a GGUF file can be refused, each carrying the byte offset and the values involved.

use std::path::PathBuf;

use crate::value::ValueType;

/// The part of the file being read when something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Header,
    MetadataKey,
    MetadataValue,
    TensorInfo,
    TensorData,
}

impl std::fmt::Display for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Section::Header => "header",
            Section::MetadataKey => "metadata key",
            Section::MetadataValue => "metadata value",
            Section::TensorInfo => "tensor info",
            Section::TensorData => "tensor data",
        })
    }
}

/// Which count a header or array declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Tensors,
    MetadataKeys,
    ArrayElements,
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Count::Tensors => "tensor count",
            Count::MetadataKeys => "metadata key count",
            Count::ArrayElements => "array element count",
        })
    }
}

/// How the error should be reported to users: the file is malformed, well-formed but of a kind we
/// do not read, or it could not be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Invalid,
    Unsupported,
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{path} is not a regular file")]
    NotAFile { path: PathBuf },

    #[error("truncated {section} at byte {offset}: needs {needed} bytes, {available} remain")]
    Truncated {
        section: Section,
        offset: u64,
        needed: u64,
        available: u64,
    },

    #[error("not a GGUF file: magic at byte 0 is {found:02x?}, expected \"GGUF\"")]
    BadMagic { found: [u8; 4] },

    #[error("GGUF version {version} at byte 4 is not supported (versions 2 and 3 are)")]
    UnsupportedVersion { version: u32 },

    #[error("big-endian GGUF (version {version} byte-swapped at byte 4) is not supported")]
    BigEndian { version: u32 },

    #[error("{what} {declared} at byte {offset} exceeds the limit of {limit}")]
    CountOverLimit {
        what: Count,
        offset: u64,
        declared: u64,
        limit: u64,
    },

    #[error("{what} {declared} at byte {offset} cannot fit in the {available} bytes that remain")]
    CountExceedsFile {
        what: Count,
        offset: u64,
        declared: u64,
        available: u64,
    },

    #[error(
        "{section} string at byte {offset} declares {declared} bytes, over the limit of {limit}"
    )]
    StringTooLong {
        section: Section,
        offset: u64,
        declared: u64,
        limit: u64,
    },

    #[error("metadata key at byte {offset} is empty")]
    EmptyKey { offset: u64 },

    #[error("metadata key at byte {offset} is not valid UTF-8")]
    KeyNotUtf8 { offset: u64 },

    #[error("duplicate metadata key {key:?} at byte {offset} (first at byte {first_offset})")]
    DuplicateKey {
        key: String,
        offset: u64,
        first_offset: u64,
    },

    #[error("metadata key {key:?}: unknown value type id {type_id} at byte {offset}")]
    UnknownValueType {
        key: String,
        offset: u64,
        type_id: u32,
    },

    #[error("metadata key {key:?}: bool at byte {offset} is {value}, not 0 or 1")]
    InvalidBool { key: String, offset: u64, value: u8 },

    #[error(
        "metadata key {key:?}: nested array at byte {offset} (GGUF arrays hold scalars or strings)"
    )]
    NestedArray { key: String, offset: u64 },

    #[error("general.alignment at byte {offset} has type {found}, expected u32")]
    AlignmentWrongType { offset: u64, found: ValueType },

    #[error("general.alignment {value} at byte {offset} is not a power of two")]
    AlignmentNotPowerOfTwo { offset: u64, value: u32 },

    #[error("general.alignment {value} at byte {offset} exceeds the limit of {limit}")]
    AlignmentOverLimit { offset: u64, value: u32, limit: u32 },

    #[error("tensor name at byte {offset} is {len} bytes, over the limit of {limit}")]
    TensorNameTooLong { offset: u64, len: u64, limit: u64 },

    #[error("tensor name at byte {offset} is empty")]
    EmptyTensorName { offset: u64 },

    #[error("tensor name at byte {offset} is not valid UTF-8")]
    TensorNameNotUtf8 { offset: u64 },

    #[error("duplicate tensor {name:?} at byte {offset} (first at byte {first_offset})")]
    DuplicateTensor {
        name: String,
        offset: u64,
        first_offset: u64,
    },

    #[error("tensor {name:?}: {n_dims} dimensions at byte {offset}, at most {limit} allowed")]
    TooManyDims {
        name: String,
        offset: u64,
        n_dims: u32,
        limit: u32,
    },

    #[error("tensor {name:?}: dimension {index} is {value} at byte {offset}, above i64::MAX")]
    DimensionTooLarge {
        name: String,
        offset: u64,
        index: usize,
        value: u64,
    },

    #[error("tensor {name:?}: element count of dimensions {dims:?} overflows i64 (byte {offset})")]
    ElementCountOverflow {
        name: String,
        offset: u64,
        dims: Vec<u64>,
    },

    #[error("tensor {name:?}: unknown ggml type id {type_id} at byte {offset}")]
    UnknownTensorType {
        name: String,
        offset: u64,
        type_id: u32,
    },

    #[error("tensor {name:?}: row length {row} is not a multiple of the {ggml_type} block size {block} (byte {offset})")]
    RowNotBlockMultiple {
        name: String,
        offset: u64,
        row: u64,
        ggml_type: String,
        block: u64,
    },

    #[error("tensor {name:?}: byte size of {ggml_type} {dims:?} overflows (byte {offset})")]
    ByteSizeOverflow {
        name: String,
        offset: u64,
        ggml_type: String,
        dims: Vec<u64>,
    },

    #[error("tensor {name:?}: data offset {data_offset} is not a multiple of the alignment {alignment} (byte {offset})")]
    MisalignedTensor {
        name: String,
        offset: u64,
        data_offset: u64,
        alignment: u32,
    },

    #[error("tensor {name:?}: bytes {start}..{end} lie outside the {file_len}-byte file")]
    TensorOutOfBounds {
        name: String,
        start: u64,
        end: u128,
        file_len: u64,
    },

    #[error("tensors {first:?} and {second:?} overlap at byte {offset}")]
    TensorsOverlap {
        first: String,
        second: String,
        offset: u64,
    },
}

impl GgufError {
    pub fn class(&self) -> ErrorClass {
        match self {
            GgufError::Io { .. } | GgufError::NotAFile { .. } => ErrorClass::Io,
            GgufError::UnsupportedVersion { .. }
            | GgufError::BigEndian { .. }
            | GgufError::UnknownTensorType { .. } => ErrorClass::Unsupported,
            _ => ErrorClass::Invalid,
        }
    }

    /// The variant's name: stable, for tests and for machine-readable error details.
    pub fn kind(&self) -> &'static str {
        match self {
            GgufError::Io { .. } => "Io",
            GgufError::NotAFile { .. } => "NotAFile",
            GgufError::Truncated { .. } => "Truncated",
            GgufError::BadMagic { .. } => "BadMagic",
            GgufError::UnsupportedVersion { .. } => "UnsupportedVersion",
            GgufError::BigEndian { .. } => "BigEndian",
            GgufError::CountOverLimit { .. } => "CountOverLimit",
            GgufError::CountExceedsFile { .. } => "CountExceedsFile",
            GgufError::StringTooLong { .. } => "StringTooLong",
            GgufError::EmptyKey { .. } => "EmptyKey",
            GgufError::KeyNotUtf8 { .. } => "KeyNotUtf8",
            GgufError::DuplicateKey { .. } => "DuplicateKey",
            GgufError::UnknownValueType { .. } => "UnknownValueType",
            GgufError::InvalidBool { .. } => "InvalidBool",
            GgufError::NestedArray { .. } => "NestedArray",
            GgufError::AlignmentWrongType { .. } => "AlignmentWrongType",
            GgufError::AlignmentNotPowerOfTwo { .. } => "AlignmentNotPowerOfTwo",
            GgufError::AlignmentOverLimit { .. } => "AlignmentOverLimit",
            GgufError::TensorNameTooLong { .. } => "TensorNameTooLong",
            GgufError::EmptyTensorName { .. } => "EmptyTensorName",
            GgufError::TensorNameNotUtf8 { .. } => "TensorNameNotUtf8",
            GgufError::DuplicateTensor { .. } => "DuplicateTensor",
            GgufError::TooManyDims { .. } => "TooManyDims",
            GgufError::DimensionTooLarge { .. } => "DimensionTooLarge",
            GgufError::ElementCountOverflow { .. } => "ElementCountOverflow",
            GgufError::UnknownTensorType { .. } => "UnknownTensorType",
            GgufError::RowNotBlockMultiple { .. } => "RowNotBlockMultiple",
            GgufError::ByteSizeOverflow { .. } => "ByteSizeOverflow",
            GgufError::MisalignedTensor { .. } => "MisalignedTensor",
            GgufError::TensorOutOfBounds { .. } => "TensorOutOfBounds",
            GgufError::TensorsOverlap { .. } => "TensorsOverlap",
        }
    }

    /// The byte offset in the file the error points at, where there is one.
    pub fn offset(&self) -> Option<u64> {
        use GgufError::*;
        match self {
            Io { .. } | NotAFile { .. } | UnsupportedVersion { .. } | BigEndian { .. } => None,
            BadMagic { .. } => Some(0),
            Truncated { offset, .. }
            | CountOverLimit { offset, .. }
            | CountExceedsFile { offset, .. }
            | StringTooLong { offset, .. }
            | EmptyKey { offset }
            | KeyNotUtf8 { offset }
            | DuplicateKey { offset, .. }
            | UnknownValueType { offset, .. }
            | InvalidBool { offset, .. }
            | NestedArray { offset, .. }
            | AlignmentWrongType { offset, .. }
            | AlignmentNotPowerOfTwo { offset, .. }
            | AlignmentOverLimit { offset, .. }
            | TensorNameTooLong { offset, .. }
            | EmptyTensorName { offset }
            | TensorNameNotUtf8 { offset }
            | DuplicateTensor { offset, .. }
            | TooManyDims { offset, .. }
            | DimensionTooLarge { offset, .. }
            | ElementCountOverflow { offset, .. }
            | UnknownTensorType { offset, .. }
            | RowNotBlockMultiple { offset, .. }
            | ByteSizeOverflow { offset, .. }
            | MisalignedTensor { offset, .. }
            | TensorsOverlap { offset, .. } => Some(*offset),
            TensorOutOfBounds { start, .. } => Some(*start),
        }
    }
}

/// Why the writer refused to write: it never produces a file its own reader would reject.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("duplicate metadata key {0:?}")]
    DuplicateKey(String),
    #[error("metadata key {0:?} is empty or longer than the reader's limit")]
    BadKey(String),
    #[error("metadata key {key:?}: {reason}")]
    BadValue { key: String, reason: &'static str },
    #[error("alignment {0} is not a power of two within the reader's limit")]
    BadAlignment(u32),
    #[error("duplicate tensor {0:?}")]
    DuplicateTensor(String),
    #[error("tensor name {0:?} is empty or longer than 63 bytes")]
    BadTensorName(String),
    #[error("tensor {name:?}: {dims:?} is not a valid {ggml_type} shape")]
    BadShape {
        name: String,
        dims: Vec<u64>,
        ggml_type: String,
    },
    #[error("tensor {name:?}: {actual} data bytes given, its shape needs {expected}")]
    DataSize {
        name: String,
        expected: u64,
        actual: u64,
    },
    #[error("GGUF version {0} cannot be written (2 or 3)")]
    BadVersion(u32),
}

impl WriteError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> WriteError {
        WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
