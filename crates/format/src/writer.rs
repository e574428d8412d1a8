//! Writes GGUF v2/v3 files, checking everything the reader checks, so it cannot produce a file that
//! `Gguf` refuses. Files are written under a temporary name and renamed into place; tensor data
//! given as `TensorData::Zeros` becomes a hole, so a sparse multi-GiB test file costs no disk.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::WriteError;
use crate::ggml_type::GgmlType;
use crate::limits::{Limits, DEFAULT_ALIGNMENT, MAX_DIMS};
use crate::reader::ALIGNMENT_KEY;
use crate::value::ValueType;

/// An owned metadata value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(String),
    Array(ArrayValue),
    U64(u64),
    I64(i64),
    F64(f64),
}

/// An owned array value to write (GGUF arrays hold scalars or strings, never arrays).
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayValue {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    F32(Vec<f32>),
    Bool(Vec<bool>),
    String(Vec<String>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F64(Vec<f64>),
}

impl From<&str> for MetaValue {
    fn from(s: &str) -> Self {
        MetaValue::String(s.to_owned())
    }
}
impl From<String> for MetaValue {
    fn from(s: String) -> Self {
        MetaValue::String(s)
    }
}
impl From<u32> for MetaValue {
    fn from(v: u32) -> Self {
        MetaValue::U32(v)
    }
}
impl From<f32> for MetaValue {
    fn from(v: f32) -> Self {
        MetaValue::F32(v)
    }
}
impl From<bool> for MetaValue {
    fn from(v: bool) -> Self {
        MetaValue::Bool(v)
    }
}
impl From<ArrayValue> for MetaValue {
    fn from(v: ArrayValue) -> Self {
        MetaValue::Array(v)
    }
}

impl MetaValue {
    /// An owned copy of a value read from a file (to carry metadata from one file to another).
    pub fn from_value(v: &crate::value::Value) -> MetaValue {
        use crate::value::Value as V;
        match *v {
            V::U8(x) => MetaValue::U8(x),
            V::I8(x) => MetaValue::I8(x),
            V::U16(x) => MetaValue::U16(x),
            V::I16(x) => MetaValue::I16(x),
            V::U32(x) => MetaValue::U32(x),
            V::I32(x) => MetaValue::I32(x),
            V::F32(x) => MetaValue::F32(x),
            V::Bool(x) => MetaValue::Bool(x),
            V::U64(x) => MetaValue::U64(x),
            V::I64(x) => MetaValue::I64(x),
            V::F64(x) => MetaValue::F64(x),
            V::String(s) => MetaValue::String(s.to_string_lossy().into_owned()),
            V::Array(a) => {
                let items = a.iter();
                MetaValue::Array(match a.element_type() {
                    ValueType::U8 => ArrayValue::U8(
                        items
                            .filter_map(|x| match x {
                                V::U8(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::I8 => ArrayValue::I8(
                        items
                            .filter_map(|x| match x {
                                V::I8(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::U16 => ArrayValue::U16(
                        items
                            .filter_map(|x| match x {
                                V::U16(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::I16 => ArrayValue::I16(
                        items
                            .filter_map(|x| match x {
                                V::I16(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::U32 => ArrayValue::U32(
                        items
                            .filter_map(|x| match x {
                                V::U32(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::I32 => ArrayValue::I32(
                        items
                            .filter_map(|x| match x {
                                V::I32(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::F32 => ArrayValue::F32(
                        items
                            .filter_map(|x| match x {
                                V::F32(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::Bool => ArrayValue::Bool(
                        items
                            .filter_map(|x| match x {
                                V::Bool(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::U64 => ArrayValue::U64(
                        items
                            .filter_map(|x| match x {
                                V::U64(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::I64 => ArrayValue::I64(
                        items
                            .filter_map(|x| match x {
                                V::I64(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::F64 => ArrayValue::F64(
                        items
                            .filter_map(|x| match x {
                                V::F64(v) => Some(v),
                                _ => None,
                            })
                            .collect(),
                    ),
                    ValueType::String | ValueType::Array => ArrayValue::String(
                        items
                            .filter_map(|x| match x {
                                V::String(s) => Some(s.to_string_lossy().into_owned()),
                                _ => None,
                            })
                            .collect(),
                    ),
                })
            }
        }
    }

    fn value_type(&self) -> ValueType {
        match self {
            MetaValue::U8(_) => ValueType::U8,
            MetaValue::I8(_) => ValueType::I8,
            MetaValue::U16(_) => ValueType::U16,
            MetaValue::I16(_) => ValueType::I16,
            MetaValue::U32(_) => ValueType::U32,
            MetaValue::I32(_) => ValueType::I32,
            MetaValue::F32(_) => ValueType::F32,
            MetaValue::Bool(_) => ValueType::Bool,
            MetaValue::String(_) => ValueType::String,
            MetaValue::Array(_) => ValueType::Array,
            MetaValue::U64(_) => ValueType::U64,
            MetaValue::I64(_) => ValueType::I64,
            MetaValue::F64(_) => ValueType::F64,
        }
    }
}

/// Where a tensor's bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    Bytes(Vec<u8>),
    /// All zeros, written as a hole where the destination allows it.
    Zeros,
}

#[derive(Debug, Clone)]
struct PendingTensor {
    name: String,
    dims: Vec<u64>,
    ggml_type: GgmlType,
    n_bytes: u64,
    data: TensorData,
}

/// Builds a GGUF file: metadata first, then tensors, laid out in the order added, each padded
/// to the alignment as ggml does.
#[derive(Debug, Clone)]
pub struct GgufWriter {
    version: u32,
    alignment: u32,
    kvs: Vec<(String, MetaValue)>,
    tensors: Vec<PendingTensor>,
}

impl Default for GgufWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl GgufWriter {
    pub fn new() -> Self {
        GgufWriter {
            version: 3,
            alignment: DEFAULT_ALIGNMENT,
            kvs: Vec::new(),
            tensors: Vec::new(),
        }
    }

    pub fn set_version(&mut self, version: u32) -> Result<(), WriteError> {
        if !(2..=3).contains(&version) {
            return Err(WriteError::BadVersion(version));
        }
        self.version = version;
        Ok(())
    }

    /// Sets the data alignment and records it as `general.alignment` (u32).
    pub fn set_alignment(&mut self, alignment: u32) -> Result<(), WriteError> {
        if !alignment.is_power_of_two() || alignment > Limits::default().max_alignment {
            return Err(WriteError::BadAlignment(alignment));
        }
        self.alignment = alignment;
        match self.kvs.iter_mut().find(|(k, _)| k == ALIGNMENT_KEY) {
            Some(kv) => kv.1 = MetaValue::U32(alignment),
            None => self
                .kvs
                .push((ALIGNMENT_KEY.to_owned(), MetaValue::U32(alignment))),
        }
        Ok(())
    }

    pub fn add(&mut self, key: &str, value: impl Into<MetaValue>) -> Result<(), WriteError> {
        let value = value.into();
        if key == ALIGNMENT_KEY {
            return match value {
                MetaValue::U32(a) => self.set_alignment(a),
                _ => Err(WriteError::BadValue {
                    key: key.to_owned(),
                    reason: "must be a u32",
                }),
            };
        }
        let limits = Limits::default();
        if key.is_empty() || key.len() as u64 > limits.max_key_len {
            return Err(WriteError::BadKey(key.to_owned()));
        }
        if self.kvs.iter().any(|(k, _)| k == key) {
            return Err(WriteError::DuplicateKey(key.to_owned()));
        }
        check_value(key, &value, &limits)?;
        self.kvs.push((key.to_owned(), value));
        Ok(())
    }

    pub fn add_tensor(
        &mut self,
        name: &str,
        dims: &[u64],
        ggml_type: GgmlType,
        data: TensorData,
    ) -> Result<(), WriteError> {
        if name.is_empty() || name.len() as u64 > Limits::default().max_tensor_name_len {
            return Err(WriteError::BadTensorName(name.to_owned()));
        }
        if self.tensors.iter().any(|t| t.name == name) {
            return Err(WriteError::DuplicateTensor(name.to_owned()));
        }
        let bad_shape = || WriteError::BadShape {
            name: name.to_owned(),
            dims: dims.to_vec(),
            ggml_type: ggml_type.name().to_owned(),
        };
        if dims.len() > MAX_DIMS as usize || dims.iter().any(|&d| d > i64::MAX as u64) {
            return Err(bad_shape());
        }
        let shape: &[u64] = if dims.is_empty() { &[1] } else { dims };
        let elements = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
        if elements.is_none_or(|n| n > i64::MAX as u64) {
            return Err(bad_shape());
        }
        let n_bytes = ggml_type.byte_size(shape).ok_or_else(bad_shape)?;
        if let TensorData::Bytes(b) = &data {
            if b.len() as u64 != n_bytes {
                return Err(WriteError::DataSize {
                    name: name.to_owned(),
                    expected: n_bytes,
                    actual: b.len() as u64,
                });
            }
        }
        self.tensors.push(PendingTensor {
            name: name.to_owned(),
            dims: dims.to_vec(),
            ggml_type,
            n_bytes,
            data,
        });
        Ok(())
    }

    /// Writes the whole file to `w`, zeros included; returns the bytes written.
    pub fn write_to<W: Write>(&self, w: W) -> std::io::Result<u64> {
        let mut sink = StreamSink { w, written: 0 };
        self.emit(&mut sink)?;
        sink.w.flush()?;
        Ok(sink.written)
    }

    /// Writes to a temporary file beside `path`, then renames it into place, so no reader ever
    /// sees a half-written file. Zero tensors become holes.
    pub fn write_file(&self, path: impl AsRef<Path>) -> Result<u64, WriteError> {
        let path = path.as_ref();
        let tmp = temp_path(path);
        let result = (|| {
            let file = File::create(&tmp)?;
            let mut sink = FileSink {
                w: BufWriter::new(file),
                pos: 0,
            };
            self.emit(&mut sink)?;
            let end = sink.pos;
            let file = sink.w.into_inner().map_err(|e| e.into_error())?;
            file.set_len(end)?;
            file.sync_all()?;
            Ok(end)
        })();
        match result {
            Ok(n) => match std::fs::rename(&tmp, path) {
                Ok(()) => Ok(n),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(WriteError::io(path, e))
                }
            },
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(WriteError::io(path, e))
            }
        }
    }

    fn emit(&self, out: &mut dyn Sink) -> std::io::Result<()> {
        out.bytes(b"GGUF")?;
        out.bytes(&self.version.to_le_bytes())?;
        out.bytes(&(self.tensors.len() as u64).to_le_bytes())?;
        out.bytes(&(self.kvs.len() as u64).to_le_bytes())?;
        for (key, value) in &self.kvs {
            write_str(out, key)?;
            out.bytes(&value.value_type().id().to_le_bytes())?;
            write_value(out, value)?;
        }
        let align = self.alignment as u64;
        let mut offset = 0u64;
        for t in &self.tensors {
            write_str(out, &t.name)?;
            out.bytes(&(t.dims.len() as u32).to_le_bytes())?;
            for d in &t.dims {
                out.bytes(&d.to_le_bytes())?;
            }
            out.bytes(&t.ggml_type.id().to_le_bytes())?;
            out.bytes(&offset.to_le_bytes())?;
            offset += t.n_bytes.div_ceil(align) * align;
        }
        if self.tensors.is_empty() {
            return Ok(());
        }
        let pad = |pos: u64| pos.div_ceil(align) * align - pos;
        out.zeros(pad(out.position()))?;
        for t in &self.tensors {
            match &t.data {
                TensorData::Bytes(b) => out.bytes(b)?,
                TensorData::Zeros => out.zeros(t.n_bytes)?,
            }
            out.zeros(pad(out.position()))?;
        }
        Ok(())
    }
}

fn check_value(key: &str, value: &MetaValue, limits: &Limits) -> Result<(), WriteError> {
    let too_long = |s: &String| s.len() as u64 > limits.max_string_len;
    let bad = |reason| {
        Err(WriteError::BadValue {
            key: key.to_owned(),
            reason,
        })
    };
    match value {
        MetaValue::String(s) if too_long(s) => bad("string longer than the reader's limit"),
        MetaValue::Array(a) => {
            if array_len(a) > limits.max_array_len {
                return bad("array longer than the reader's limit");
            }
            match a {
                ArrayValue::String(v) if v.iter().any(too_long) => {
                    bad("string longer than the reader's limit")
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn array_len(a: &ArrayValue) -> u64 {
    (match a {
        ArrayValue::U8(v) => v.len(),
        ArrayValue::I8(v) => v.len(),
        ArrayValue::U16(v) => v.len(),
        ArrayValue::I16(v) => v.len(),
        ArrayValue::U32(v) => v.len(),
        ArrayValue::I32(v) => v.len(),
        ArrayValue::F32(v) => v.len(),
        ArrayValue::Bool(v) => v.len(),
        ArrayValue::String(v) => v.len(),
        ArrayValue::U64(v) => v.len(),
        ArrayValue::I64(v) => v.len(),
        ArrayValue::F64(v) => v.len(),
    }) as u64
}

/// Where a file is written before it is renamed to `path`: beside it (same file system), named
/// after this process so concurrent writers never share one.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{}.partial", std::process::id()));
    path.with_file_name(name)
}

fn write_str(out: &mut dyn Sink, s: &str) -> std::io::Result<()> {
    out.bytes(&(s.len() as u64).to_le_bytes())?;
    out.bytes(s.as_bytes())
}

fn write_value(out: &mut dyn Sink, value: &MetaValue) -> std::io::Result<()> {
    match value {
        MetaValue::U8(v) => out.bytes(&[*v]),
        MetaValue::I8(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::U16(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::I16(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::U32(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::I32(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::F32(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::Bool(v) => out.bytes(&[*v as u8]),
        MetaValue::String(s) => write_str(out, s),
        MetaValue::U64(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::I64(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::F64(v) => out.bytes(&v.to_le_bytes()),
        MetaValue::Array(a) => write_array(out, a),
    }
}

fn write_array(out: &mut dyn Sink, a: &ArrayValue) -> std::io::Result<()> {
    fn elems<T: Copy, const N: usize>(
        out: &mut dyn Sink,
        ty: ValueType,
        v: &[T],
        enc: fn(T) -> [u8; N],
    ) -> std::io::Result<()> {
        out.bytes(&ty.id().to_le_bytes())?;
        out.bytes(&(v.len() as u64).to_le_bytes())?;
        let mut buf = Vec::with_capacity(v.len().min(1 << 16) * N);
        for chunk in v.chunks(1 << 16) {
            buf.clear();
            chunk.iter().for_each(|&x| buf.extend_from_slice(&enc(x)));
            out.bytes(&buf)?;
        }
        Ok(())
    }
    match a {
        ArrayValue::U8(v) => elems(out, ValueType::U8, v, |x| [x]),
        ArrayValue::I8(v) => elems(out, ValueType::I8, v, i8::to_le_bytes),
        ArrayValue::U16(v) => elems(out, ValueType::U16, v, u16::to_le_bytes),
        ArrayValue::I16(v) => elems(out, ValueType::I16, v, i16::to_le_bytes),
        ArrayValue::U32(v) => elems(out, ValueType::U32, v, u32::to_le_bytes),
        ArrayValue::I32(v) => elems(out, ValueType::I32, v, i32::to_le_bytes),
        ArrayValue::F32(v) => elems(out, ValueType::F32, v, f32::to_le_bytes),
        ArrayValue::Bool(v) => elems(out, ValueType::Bool, v, |x| [x as u8]),
        ArrayValue::U64(v) => elems(out, ValueType::U64, v, u64::to_le_bytes),
        ArrayValue::I64(v) => elems(out, ValueType::I64, v, i64::to_le_bytes),
        ArrayValue::F64(v) => elems(out, ValueType::F64, v, f64::to_le_bytes),
        ArrayValue::String(v) => {
            out.bytes(&ValueType::String.id().to_le_bytes())?;
            out.bytes(&(v.len() as u64).to_le_bytes())?;
            v.iter().try_for_each(|s| write_str(out, s))
        }
    }
}

/// Destination of the writer: a stream writes zeros, a file seeks over them.
trait Sink {
    fn bytes(&mut self, b: &[u8]) -> std::io::Result<()>;
    fn zeros(&mut self, n: u64) -> std::io::Result<()>;
    fn position(&self) -> u64;
}

struct StreamSink<W: Write> {
    w: W,
    written: u64,
}

impl<W: Write> Sink for StreamSink<W> {
    fn bytes(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.w.write_all(b)?;
        self.written += b.len() as u64;
        Ok(())
    }
    fn zeros(&mut self, mut n: u64) -> std::io::Result<()> {
        let block = [0u8; 4096];
        while n > 0 {
            let k = n.min(block.len() as u64) as usize;
            self.bytes(&block[..k])?;
            n -= k as u64;
        }
        Ok(())
    }
    fn position(&self) -> u64 {
        self.written
    }
}

struct FileSink {
    w: BufWriter<File>,
    pos: u64,
}

impl Sink for FileSink {
    fn bytes(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.w.write_all(b)?;
        self.pos += b.len() as u64;
        Ok(())
    }
    fn zeros(&mut self, n: u64) -> std::io::Result<()> {
        if n > 0 {
            self.w.seek(SeekFrom::Current(n as i64))?;
            self.pos += n;
        }
        Ok(())
    }
    fn position(&self) -> u64 {
        self.pos
    }
}
