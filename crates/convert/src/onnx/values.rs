//! A tensor's values, read from its payload after checking that the bytes hold exactly what the
//! shape and data type say.

use super::proto::{dtype, Payload, Tensor};

/// Bytes per element of the floating-point types a weight may be stored in.
fn float_size(data_type: i32) -> Option<u64> {
    match data_type {
        dtype::FLOAT => Some(4),
        dtype::FLOAT16 | dtype::BFLOAT16 => Some(2),
        dtype::DOUBLE => Some(8),
        _ => None,
    }
}

pub fn is_float(t: &Tensor) -> bool {
    float_size(t.data_type).is_some()
}

/// The tensor's values as f32, or why they cannot be read.
pub fn to_f32(t: &Tensor) -> Result<Vec<f32>, String> {
    let size = float_size(t.data_type)
        .ok_or_else(|| format!("holds {}, not floating point", dtype::name(t.data_type)))?;
    let n = t
        .n_elements()
        .ok_or_else(|| format!("shape {:?} overflows", t.dims))?;
    let bytes = match &t.payload {
        Payload::Raw(b) => *b,
        Payload::PackedFloats(b) if t.data_type == dtype::FLOAT => *b,
        Payload::External { location } => {
            return Err(format!(
                "its values are in an external file ({}); external data is not read: save the model as one file",
                location.unwrap_or("no location given")
            ))
        }
        Payload::Empty if n == 0 => &[],
        _ => return Err("holds no data of its declared type".into()),
    };
    if n.checked_mul(size) != Some(bytes.len() as u64) {
        return Err(format!(
            "shape {:?} of {} needs {} bytes, the file holds {}",
            t.dims,
            dtype::name(t.data_type),
            n.saturating_mul(size),
            bytes.len()
        ));
    }
    Ok(match t.data_type {
        dtype::FLOAT => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        dtype::FLOAT16 => bytes
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        dtype::BFLOAT16 => bytes
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        _ => bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f32)
            .collect(),
    })
}

/// A floating-point scalar (a one-element constant such as an epsilon or a scale).
pub fn scalar(t: &Tensor) -> Option<f32> {
    if t.n_elements() != Some(1) {
        return None;
    }
    to_f32(t).ok()?.first().copied()
}

/// The values of a small integer tensor (shape constants); `None` for anything else.
pub fn small_ints(t: &Tensor) -> Option<Vec<i64>> {
    let n = t.n_elements().filter(|&n| n <= 16)?;
    match (&t.payload, t.data_type) {
        (Payload::Int64(v), dtype::INT64) if v.len() as u64 == n => Some(v.clone()),
        (Payload::Raw(b), dtype::INT64) if b.len() as u64 == n * 8 => Some(
            b.chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        ),
        (Payload::Raw(b), dtype::INT32) if b.len() as u64 == n * 4 => Some(
            b.chunks_exact(4)
                .map(|c| i64::from(i32::from_le_bytes(c.try_into().unwrap_or([0; 4]))))
                .collect(),
        ),
        _ => None,
    }
}
