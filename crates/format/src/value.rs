//! Typed metadata values. Strings and arrays are views into the file's bytes: nothing is copied,
//! and an array of a million tokens costs no heap until someone walks it.

use std::borrow::Cow;
use std::fmt;

/// GGUF metadata value type ids 0..=12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    F32,
    Bool,
    String,
    Array,
    U64,
    I64,
    F64,
}

impl ValueType {
    pub fn from_id(id: u32) -> Option<ValueType> {
        use ValueType::*;
        Some(match id {
            0 => U8,
            1 => I8,
            2 => U16,
            3 => I16,
            4 => U32,
            5 => I32,
            6 => F32,
            7 => Bool,
            8 => String,
            9 => Array,
            10 => U64,
            11 => I64,
            12 => F64,
            _ => return None,
        })
    }

    pub fn id(self) -> u32 {
        use ValueType::*;
        match self {
            U8 => 0,
            I8 => 1,
            U16 => 2,
            I16 => 3,
            U32 => 4,
            I32 => 5,
            F32 => 6,
            Bool => 7,
            String => 8,
            Array => 9,
            U64 => 10,
            I64 => 11,
            F64 => 12,
        }
    }

    /// Bytes of one value of a fixed-size type; `None` for strings and arrays.
    pub fn fixed_size(self) -> Option<u64> {
        use ValueType::*;
        match self {
            U8 | I8 | Bool => Some(1),
            U16 | I16 => Some(2),
            U32 | I32 | F32 => Some(4),
            U64 | I64 | F64 => Some(8),
            String | Array => None,
        }
    }

    pub fn name(self) -> &'static str {
        use ValueType::*;
        match self {
            U8 => "u8",
            I8 => "i8",
            U16 => "u16",
            I16 => "i16",
            U32 => "u32",
            I32 => "i32",
            F32 => "f32",
            Bool => "bool",
            String => "string",
            Array => "array",
            U64 => "u64",
            I64 => "i64",
            F64 => "f64",
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A GGUF string: bytes that should be UTF-8. Keys are checked at read time; values are not,
/// exactly as in ggml, so a token list with a stray byte still reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct GgufStr<'a>(pub &'a [u8]);

impl<'a> GgufStr<'a> {
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
    pub fn as_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.0).ok()
    }
    pub fn to_string_lossy(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.0)
    }
}

impl fmt::Debug for GgufStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

/// One metadata value, borrowed from the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(GgufStr<'a>),
    Array(ArrayView<'a>),
    U64(u64),
    I64(i64),
    F64(f64),
}

impl<'a> Value<'a> {
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::U8(_) => ValueType::U8,
            Value::I8(_) => ValueType::I8,
            Value::U16(_) => ValueType::U16,
            Value::I16(_) => ValueType::I16,
            Value::U32(_) => ValueType::U32,
            Value::I32(_) => ValueType::I32,
            Value::F32(_) => ValueType::F32,
            Value::Bool(_) => ValueType::Bool,
            Value::String(_) => ValueType::String,
            Value::Array(_) => ValueType::Array,
            Value::U64(_) => ValueType::U64,
            Value::I64(_) => ValueType::I64,
            Value::F64(_) => ValueType::F64,
        }
    }

    /// Any non-negative integer value as u64 (files disagree on u32 vs u64 for the same key).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U8(v) => Some(v.into()),
            Value::U16(v) => Some(v.into()),
            Value::U32(v) => Some(v.into()),
            Value::U64(v) => Some(v),
            Value::I8(v) => u64::try_from(v).ok(),
            Value::I16(v) => u64::try_from(v).ok(),
            Value::I32(v) => u64::try_from(v).ok(),
            Value::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::F32(v) => Some(v.into()),
            Value::F64(v) => Some(v),
            _ => self.as_u64().map(|v| v as f64),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Value::String(s) => s.as_str(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<ArrayView<'a>> {
        match self {
            Value::Array(a) => Some(*a),
            _ => None,
        }
    }
}

/// An array value: element type, length and the bytes that hold the elements. The reader has
/// already checked that every element lies inside those bytes (and that bools are 0 or 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrayView<'a> {
    pub(crate) elem: ValueType,
    pub(crate) len: u64,
    pub(crate) bytes: &'a [u8],
}

impl<'a> ArrayView<'a> {
    pub fn element_type(&self) -> ValueType {
        self.elem
    }
    pub fn len(&self) -> u64 {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Bytes the elements take in the file.
    pub fn byte_len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Element `i` in O(1) for fixed-size types; strings are walked from the start.
    pub fn get(&self, i: u64) -> Option<Value<'a>> {
        match self.elem.fixed_size() {
            Some(size) => {
                let start = usize::try_from(i.checked_mul(size)?).ok()?;
                let end = start.checked_add(size as usize)?;
                decode_fixed(self.elem, self.bytes.get(start..end)?)
            }
            None => self.iter().nth(usize::try_from(i).ok()?),
        }
    }

    pub fn iter(&self) -> ArrayIter<'a> {
        ArrayIter {
            view: *self,
            pos: 0,
            index: 0,
        }
    }
}

/// Walks an array lazily; stops early (never panics) if the bytes disagree with the length.
pub struct ArrayIter<'a> {
    view: ArrayView<'a>,
    pos: usize,
    index: u64,
}

impl<'a> Iterator for ArrayIter<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if self.index >= self.view.len {
            return None;
        }
        let bytes = self.view.bytes;
        let value = match self.view.elem.fixed_size() {
            Some(size) => {
                let end = self.pos.checked_add(size as usize)?;
                let v = decode_fixed(self.view.elem, bytes.get(self.pos..end)?)?;
                self.pos = end;
                v
            }
            None => {
                let len_end = self.pos.checked_add(8)?;
                let len = u64::from_le_bytes(bytes.get(self.pos..len_end)?.try_into().ok()?);
                let end = len_end.checked_add(usize::try_from(len).ok()?)?;
                let s = bytes.get(len_end..end)?;
                self.pos = end;
                Value::String(GgufStr(s))
            }
        };
        self.index += 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.view.len - self.index).unwrap_or(usize::MAX);
        (0, Some(left))
    }
}

/// Decodes one little-endian value of a fixed-size type from exactly its bytes.
pub(crate) fn decode_fixed(ty: ValueType, b: &[u8]) -> Option<Value<'_>> {
    Some(match ty {
        ValueType::U8 => Value::U8(*b.first()?),
        ValueType::I8 => Value::I8(*b.first()? as i8),
        ValueType::Bool => match *b.first()? {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            _ => return None,
        },
        ValueType::U16 => Value::U16(u16::from_le_bytes(b.try_into().ok()?)),
        ValueType::I16 => Value::I16(i16::from_le_bytes(b.try_into().ok()?)),
        ValueType::U32 => Value::U32(u32::from_le_bytes(b.try_into().ok()?)),
        ValueType::I32 => Value::I32(i32::from_le_bytes(b.try_into().ok()?)),
        ValueType::F32 => Value::F32(f32::from_le_bytes(b.try_into().ok()?)),
        ValueType::U64 => Value::U64(u64::from_le_bytes(b.try_into().ok()?)),
        ValueType::I64 => Value::I64(i64::from_le_bytes(b.try_into().ok()?)),
        ValueType::F64 => Value::F64(f64::from_le_bytes(b.try_into().ok()?)),
        ValueType::String | ValueType::Array => return None,
    })
}
