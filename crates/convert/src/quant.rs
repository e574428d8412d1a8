//! Encodes f32 rows as GGUF tensor data: F32, F16 (round to nearest even) and Q8_0 (ggml's
//! reference rule: per block of 32, d = amax/127, q = round-half-away-from-zero(x/d), d stored as f16).

use gguf_embed_format::GgmlType;

const Q8_0_BLOCK: usize = 32;

/// `values` in row-major order with rows of `row_len`; `None` if the type cannot hold this row length
/// or is not one the converter writes.
pub fn encode(values: &[f32], row_len: usize, ty: GgmlType) -> Option<Vec<u8>> {
    match ty {
        GgmlType::F32 => Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        GgmlType::F16 => Some(
            values
                .iter()
                .flat_map(|&v| half::f16::from_f32(v).to_le_bytes())
                .collect(),
        ),
        GgmlType::Q8_0 if row_len % Q8_0_BLOCK == 0 => Some(q8_0(values)),
        _ => None,
    }
}

fn q8_0(values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() / Q8_0_BLOCK * 34);
    for block in values.chunks_exact(Q8_0_BLOCK) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&half::f16::from_f32(d).to_le_bytes());
        // f32::round rounds half away from zero, as C's roundf does.
        out.extend(block.iter().map(|&x| (x * id).round() as i8 as u8));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q8_0_matches_the_reference_rule() {
        let mut row: Vec<f32> = (0..32).map(|i| i as f32 - 16.0).collect();
        row[5] = 0.5 * (127.0 / 16.0) * (16.0 / 127.0); // lands on a .5 after scaling: rounds away from zero
        let out = encode(&row, 32, GgmlType::Q8_0).unwrap();
        assert_eq!(out.len(), 34);
        let d = half::f16::from_le_bytes([out[0], out[1]]).to_f32();
        assert!((d - 16.0 / 127.0).abs() < 1e-4);
        assert_eq!(out[2] as i8, -127); // -16 / d
        assert_eq!(out[2 + 31] as i8, (15.0f32 * (127.0 / 16.0)).round() as i8);
        assert_eq!(
            encode(&[0.0; 32], 32, GgmlType::Q8_0).unwrap()[2..],
            [0u8; 32]
        );
        assert!(encode(&[0.0; 48], 48, GgmlType::Q8_0).is_none());
    }

    #[test]
    fn f16_rounds_to_nearest_even() {
        let out = encode(&[1.0 + f32::EPSILON, 65520.0], 2, GgmlType::F16).unwrap();
        assert_eq!(half::f16::from_le_bytes([out[0], out[1]]).to_f32(), 1.0);
        assert!(half::f16::from_le_bytes([out[2], out[3]])
            .to_f32()
            .is_infinite());
    }
}
