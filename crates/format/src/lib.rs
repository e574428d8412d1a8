//! gguf-embed-format: a GGUF v2/v3 reader over a read-only mapping that copies no tensor data and
//! no large metadata, validates everything before trusting it, and keeps its heap proportional to
//! the number of keys and tensors; plus a writer that only writes what the reader accepts.
//!
//! No llama.cpp and no napi here: this crate builds and tests without a C++ toolchain.

#![deny(clippy::all)]

#[cfg(feature = "corpus")]
pub mod corpus;
mod cursor;
mod error;
mod file;
mod ggml_type;
mod limits;
mod open;
mod reader;
mod value;
mod writer;

pub use error::{Count, ErrorClass, GgufError, Section, WriteError};
pub use file::{Gguf, Kv, TensorInfo};
pub use ggml_type::GgmlType;
pub use limits::{Limits, DEFAULT_ALIGNMENT, MAX_DIMS};
pub use open::{open_regular, read_regular_to_string, OpenError};
pub use value::{ArrayIter, ArrayView, GgufStr, Value, ValueType};
pub use writer::{temp_path, ArrayValue, GgufWriter, MetaValue, TensorData};
