//! Parses the header, metadata and tensor infos into a `Layout` of offsets into the file. Nothing
//! read from the file is trusted before it is checked: counts against the bytes that remain, sizes
//! with overflow checks, every tensor's bytes inside the file and apart from the others.

use std::collections::HashMap;

use crate::cursor::Cursor;
use crate::error::{Count, GgufError, Section};
use crate::ggml_type::GgmlType;
use crate::limits::{Limits, DEFAULT_ALIGNMENT, MAX_DIMS};
use crate::value::ValueType;

/// Smallest possible metadata entry: key length, a one-byte key, type id, a one-byte value.
const MIN_KV_BYTES: u128 = 8 + 1 + 4 + 1;
/// Smallest possible tensor info: name length, a one-byte name, n_dims 0, type id, offset.
const MIN_TENSOR_INFO_BYTES: u128 = 8 + 1 + 4 + 4 + 8;

pub(crate) const ALIGNMENT_KEY: &str = "general.alignment";

#[derive(Debug, Clone, Copy)]
pub(crate) enum RawValue {
    /// A fixed-size scalar stored at `at`.
    Fixed {
        ty: ValueType,
        at: usize,
    },
    Str {
        start: usize,
        len: usize,
    },
    Array {
        elem: ValueType,
        len: u64,
        start: usize,
        byte_len: usize,
    },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RawKv {
    pub offset: u64,
    pub key_start: usize,
    pub key_len: usize,
    pub value: RawValue,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RawTensor {
    pub info_offset: u64,
    pub name_start: usize,
    pub name_len: usize,
    pub n_dims: u32,
    pub dims: [u64; MAX_DIMS as usize],
    pub ggml_type: GgmlType,
    /// Relative to the start of the data section.
    pub data_offset: u64,
    pub n_bytes: u64,
    pub n_elements: u64,
}

#[derive(Debug)]
pub(crate) struct Layout {
    pub version: u32,
    pub alignment: u32,
    pub data_start: u64,
    pub kvs: Vec<RawKv>,
    pub tensors: Vec<RawTensor>,
}

pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Layout, GgufError> {
    let mut cur = Cursor::new(bytes);
    let magic = cur.take(4, Section::Header)?;
    if magic != b"GGUF" {
        return Err(GgufError::BadMagic {
            found: [magic[0], magic[1], magic[2], magic[3]],
        });
    }
    let version = cur.u32(Section::Header)?;
    if !(2..=3).contains(&version) {
        let swapped = version.swap_bytes();
        if (1..=3).contains(&swapped) {
            return Err(GgufError::BigEndian { version: swapped });
        }
        return Err(GgufError::UnsupportedVersion { version });
    }
    let tensor_count_offset = cur.pos() as u64;
    let tensor_count = cur.u64(Section::Header)?;
    let kv_count_offset = cur.pos() as u64;
    let kv_count = cur.u64(Section::Header)?;
    check_counts(
        &cur,
        tensor_count,
        tensor_count_offset,
        kv_count,
        kv_count_offset,
        limits,
    )?;

    let mut kvs = Vec::with_capacity(kv_count as usize);
    let mut alignment = DEFAULT_ALIGNMENT;
    {
        let mut seen: HashMap<&[u8], u64> = HashMap::with_capacity(kv_count as usize);
        for _ in 0..kv_count {
            let kv = read_kv(&mut cur, limits, &mut seen)?;
            let key = &bytes[kv.key_start..kv.key_start + kv.key_len];
            if key == ALIGNMENT_KEY.as_bytes() {
                alignment = check_alignment(&kv, bytes, limits)?;
            }
            kvs.push(kv);
        }
    }

    let mut tensors = Vec::with_capacity(tensor_count as usize);
    {
        let mut seen: HashMap<&[u8], u64> = HashMap::with_capacity(tensor_count as usize);
        for _ in 0..tensor_count {
            tensors.push(read_tensor_info(&mut cur, limits, alignment, &mut seen)?);
        }
    }

    let end_of_infos = cur.pos() as u64;
    let data_start = end_of_infos.div_ceil(alignment as u64) * alignment as u64;
    check_tensor_bounds(&tensors, bytes, data_start)?;

    Ok(Layout {
        version,
        alignment,
        data_start,
        kvs,
        tensors,
    })
}

fn check_counts(
    cur: &Cursor,
    tensor_count: u64,
    tensor_count_offset: u64,
    kv_count: u64,
    kv_count_offset: u64,
    limits: &Limits,
) -> Result<(), GgufError> {
    if tensor_count > limits.max_tensor_count {
        return Err(GgufError::CountOverLimit {
            what: Count::Tensors,
            offset: tensor_count_offset,
            declared: tensor_count,
            limit: limits.max_tensor_count,
        });
    }
    if kv_count > limits.max_kv_count {
        return Err(GgufError::CountOverLimit {
            what: Count::MetadataKeys,
            offset: kv_count_offset,
            declared: kv_count,
            limit: limits.max_kv_count,
        });
    }
    // u128: neither product can wrap (the CVE-2024-25664/25666 class).
    let available = cur.remaining();
    let kv_bytes = kv_count as u128 * MIN_KV_BYTES;
    if kv_bytes > available as u128 {
        return Err(GgufError::CountExceedsFile {
            what: Count::MetadataKeys,
            offset: kv_count_offset,
            declared: kv_count,
            available,
        });
    }
    if kv_bytes + tensor_count as u128 * MIN_TENSOR_INFO_BYTES > available as u128 {
        return Err(GgufError::CountExceedsFile {
            what: Count::Tensors,
            offset: tensor_count_offset,
            declared: tensor_count,
            available,
        });
    }
    Ok(())
}

fn read_kv<'a>(
    cur: &mut Cursor<'a>,
    limits: &Limits,
    seen: &mut HashMap<&'a [u8], u64>,
) -> Result<RawKv, GgufError> {
    let (offset, key) = cur.string(limits.max_key_len, Section::MetadataKey)?;
    if key.is_empty() {
        return Err(GgufError::EmptyKey { offset });
    }
    let key_str = std::str::from_utf8(key).map_err(|_| GgufError::KeyNotUtf8 { offset })?;
    if let Some(&first_offset) = seen.get(key) {
        return Err(GgufError::DuplicateKey {
            key: key_str.to_owned(),
            offset,
            first_offset,
        });
    }
    seen.insert(key, offset);
    let key_start = offset as usize + 8;

    let type_offset = cur.pos() as u64;
    let type_id = cur.u32(Section::MetadataValue)?;
    let ty = ValueType::from_id(type_id).ok_or_else(|| GgufError::UnknownValueType {
        key: key_str.to_owned(),
        offset: type_offset,
        type_id,
    })?;
    let value = read_value(cur, ty, key_str, limits)?;
    Ok(RawKv {
        offset,
        key_start,
        key_len: key.len(),
        value,
    })
}

fn read_value(
    cur: &mut Cursor,
    ty: ValueType,
    key: &str,
    limits: &Limits,
) -> Result<RawValue, GgufError> {
    let at = cur.pos();
    match ty {
        ValueType::String => {
            let (_, s) = cur.string(limits.max_string_len, Section::MetadataValue)?;
            Ok(RawValue::Str {
                start: at + 8,
                len: s.len(),
            })
        }
        ValueType::Array => read_array(cur, key, limits),
        ValueType::Bool => {
            let v = cur.u8(Section::MetadataValue)?;
            check_bool(v, key, at)?;
            Ok(RawValue::Fixed { ty, at })
        }
        fixed => {
            // fixed_size is Some for every type but String and Array, handled above.
            cur.take(fixed.fixed_size().unwrap_or(0), Section::MetadataValue)?;
            Ok(RawValue::Fixed { ty, at })
        }
    }
}

fn check_bool(v: u8, key: &str, at: usize) -> Result<(), GgufError> {
    if v > 1 {
        return Err(GgufError::InvalidBool {
            key: key.to_owned(),
            offset: at as u64,
            value: v,
        });
    }
    Ok(())
}

fn read_array(cur: &mut Cursor, key: &str, limits: &Limits) -> Result<RawValue, GgufError> {
    let elem_offset = cur.pos() as u64;
    let elem_id = cur.u32(Section::MetadataValue)?;
    let elem = ValueType::from_id(elem_id).ok_or_else(|| GgufError::UnknownValueType {
        key: key.to_owned(),
        offset: elem_offset,
        type_id: elem_id,
    })?;
    if elem == ValueType::Array {
        return Err(GgufError::NestedArray {
            key: key.to_owned(),
            offset: elem_offset,
        });
    }
    let len_offset = cur.pos() as u64;
    let len = cur.u64(Section::MetadataValue)?;
    if len > limits.max_array_len {
        return Err(GgufError::CountOverLimit {
            what: Count::ArrayElements,
            offset: len_offset,
            declared: len,
            limit: limits.max_array_len,
        });
    }
    // Each string element takes at least its 8-byte length: that bounds string arrays too
    // (the CVE-2024-25667/25668 class), with no multiplication able to wrap.
    let min_elem = elem.fixed_size().unwrap_or(8);
    let available = cur.remaining();
    if len as u128 * min_elem as u128 > available as u128 {
        return Err(GgufError::CountExceedsFile {
            what: Count::ArrayElements,
            offset: len_offset,
            declared: len,
            available,
        });
    }
    let start = cur.pos();
    match elem.fixed_size() {
        Some(size) => {
            let data = cur.take(len * size, Section::MetadataValue)?;
            if elem == ValueType::Bool {
                for (i, &v) in data.iter().enumerate() {
                    check_bool(v, key, start + i)?;
                }
            }
        }
        None => {
            for _ in 0..len {
                cur.string(limits.max_string_len, Section::MetadataValue)?;
            }
        }
    }
    Ok(RawValue::Array {
        elem,
        len,
        start,
        byte_len: cur.pos() - start,
    })
}

fn check_alignment(kv: &RawKv, bytes: &[u8], limits: &Limits) -> Result<u32, GgufError> {
    let offset = kv.offset;
    let value = match kv.value {
        RawValue::Fixed {
            ty: ValueType::U32,
            at,
        } => u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]),
        RawValue::Fixed { ty, .. } => {
            return Err(GgufError::AlignmentWrongType { offset, found: ty })
        }
        RawValue::Str { .. } => {
            return Err(GgufError::AlignmentWrongType {
                offset,
                found: ValueType::String,
            })
        }
        RawValue::Array { .. } => {
            return Err(GgufError::AlignmentWrongType {
                offset,
                found: ValueType::Array,
            })
        }
    };
    if !value.is_power_of_two() {
        return Err(GgufError::AlignmentNotPowerOfTwo { offset, value });
    }
    if value > limits.max_alignment {
        return Err(GgufError::AlignmentOverLimit {
            offset,
            value,
            limit: limits.max_alignment,
        });
    }
    Ok(value)
}

fn read_tensor_info<'a>(
    cur: &mut Cursor<'a>,
    limits: &Limits,
    alignment: u32,
    seen: &mut HashMap<&'a [u8], u64>,
) -> Result<RawTensor, GgufError> {
    let info_offset = cur.pos() as u64;
    let name_len = cur.u64(Section::TensorInfo)?;
    if name_len > limits.max_tensor_name_len {
        return Err(GgufError::TensorNameTooLong {
            offset: info_offset,
            len: name_len,
            limit: limits.max_tensor_name_len,
        });
    }
    let name_bytes = cur.take(name_len, Section::TensorInfo)?;
    if name_bytes.is_empty() {
        return Err(GgufError::EmptyTensorName {
            offset: info_offset,
        });
    }
    let name = std::str::from_utf8(name_bytes).map_err(|_| GgufError::TensorNameNotUtf8 {
        offset: info_offset,
    })?;
    if let Some(&first_offset) = seen.get(name_bytes) {
        return Err(GgufError::DuplicateTensor {
            name: name.to_owned(),
            offset: info_offset,
            first_offset,
        });
    }
    seen.insert(name_bytes, info_offset);

    let dims_offset = cur.pos() as u64;
    let n_dims = cur.u32(Section::TensorInfo)?;
    if n_dims > MAX_DIMS {
        return Err(GgufError::TooManyDims {
            name: name.to_owned(),
            offset: dims_offset,
            n_dims,
            limit: MAX_DIMS,
        });
    }
    // ggml treats missing dimensions as 1.
    let mut dims = [1u64; MAX_DIMS as usize];
    for (index, dim) in dims.iter_mut().take(n_dims as usize).enumerate() {
        let at = cur.pos() as u64;
        let value = cur.u64(Section::TensorInfo)?;
        if value > i64::MAX as u64 {
            return Err(GgufError::DimensionTooLarge {
                name: name.to_owned(),
                offset: at,
                index,
                value,
            });
        }
        *dim = value;
    }
    let shape = &dims[..(n_dims as usize).max(1)];
    let n_elements = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= i64::MAX as u64)
        .ok_or_else(|| GgufError::ElementCountOverflow {
            name: name.to_owned(),
            offset: dims_offset,
            dims: shape.to_vec(),
        })?;

    let type_offset = cur.pos() as u64;
    let type_id = cur.u32(Section::TensorInfo)?;
    let ggml_type = GgmlType::from_id(type_id).ok_or_else(|| GgufError::UnknownTensorType {
        name: name.to_owned(),
        offset: type_offset,
        type_id,
    })?;
    if dims[0] % ggml_type.block_size() != 0 {
        return Err(GgufError::RowNotBlockMultiple {
            name: name.to_owned(),
            offset: dims_offset,
            row: dims[0],
            ggml_type: ggml_type.name().to_owned(),
            block: ggml_type.block_size(),
        });
    }
    let n_bytes = ggml_type
        .byte_size(shape)
        .ok_or_else(|| GgufError::ByteSizeOverflow {
            name: name.to_owned(),
            offset: dims_offset,
            ggml_type: ggml_type.name().to_owned(),
            dims: shape.to_vec(),
        })?;

    let offset_at = cur.pos() as u64;
    let data_offset = cur.u64(Section::TensorInfo)?;
    if data_offset % alignment as u64 != 0 {
        return Err(GgufError::MisalignedTensor {
            name: name.to_owned(),
            offset: offset_at,
            data_offset,
            alignment,
        });
    }
    Ok(RawTensor {
        info_offset,
        name_start: info_offset as usize + 8,
        name_len: name_bytes.len(),
        n_dims,
        dims,
        ggml_type,
        data_offset,
        n_bytes,
        n_elements,
    })
}

fn tensor_name(bytes: &[u8], t: &RawTensor) -> String {
    String::from_utf8_lossy(&bytes[t.name_start..t.name_start + t.name_len]).into_owned()
}

/// Every tensor's bytes inside the file, and no two tensors sharing a byte. u128 arithmetic: the
/// running-sum and offset+size overflows of CVE-2025-53630 and CVE-2026-27940 cannot happen.
fn check_tensor_bounds(
    tensors: &[RawTensor],
    bytes: &[u8],
    data_start: u64,
) -> Result<(), GgufError> {
    let file_len = bytes.len() as u64;
    let start_of = |t: &RawTensor| data_start as u128 + t.data_offset as u128;
    for t in tensors {
        let start = start_of(t);
        let end = start + t.n_bytes as u128;
        if end > file_len as u128 {
            return Err(GgufError::TensorOutOfBounds {
                name: tensor_name(bytes, t),
                start: u64::try_from(start).unwrap_or(u64::MAX),
                end,
                file_len,
            });
        }
    }
    let mut order: Vec<usize> = (0..tensors.len())
        .filter(|&i| tensors[i].n_bytes > 0)
        .collect();
    order.sort_unstable_by_key(|&i| tensors[i].data_offset);
    for pair in order.windows(2) {
        let (a, b) = (&tensors[pair[0]], &tensors[pair[1]]);
        if start_of(a) + a.n_bytes as u128 > start_of(b) {
            return Err(GgufError::TensorsOverlap {
                first: tensor_name(bytes, a),
                second: tensor_name(bytes, b),
                offset: start_of(b) as u64,
            });
        }
    }
    Ok(())
}
