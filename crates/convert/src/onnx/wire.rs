//! Protocol Buffers' wire format, read over borrowed bytes with every length checked against the
//! bytes left. Nothing here allocates: a length-delimited field is a sub-slice of the input, so a
//! hostile length can at most point past the end, which is an error.

/// One field's value as the wire carries it. Groups (wire types 3 and 4) are refused: ONNX never
/// uses them and skipping them safely would need recursion bounded by the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// Offset inside the message being read.
    pub offset: usize,
    pub reason: &'static str,
}

pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    pub fn new(buf: &'a [u8]) -> Fields<'a> {
        Fields { buf, pos: 0 }
    }

    fn fail<T>(&self, reason: &'static str) -> Result<T, WireError> {
        Err(WireError {
            offset: self.pos,
            reason,
        })
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return self.fail("varint runs past the end");
            };
            self.pos += 1;
            // The tenth byte may only carry the top bit of a u64.
            if i == 9 && b > 1 {
                return self.fail("varint overflows 64 bits");
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        self.fail("varint longer than 10 bytes")
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], WireError> {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return self.fail("length runs past the end of the message");
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.buf[start..self.pos])
    }

    /// The next field number and value, or `None` at the end of the message.
    pub fn next_field(&mut self) -> Result<Option<(u32, Wire<'a>)>, WireError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return self.fail("field number out of range");
        }
        let value = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => Wire::Fixed64(u64::from_le_bytes(
                self.take(8)?.try_into().unwrap_or([0; 8]),
            )),
            2 => {
                let n = self.varint()?;
                Wire::Bytes(self.take(n)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(
                self.take(4)?.try_into().unwrap_or([0; 4]),
            )),
            _ => return self.fail("unsupported wire type (groups are not ONNX)"),
        };
        Ok(Some((number as u32, value)))
    }
}

/// The varints of a packed repeated field, each checked as it is read.
pub fn packed_varints(bytes: &[u8]) -> impl Iterator<Item = Result<u64, WireError>> + '_ {
    let mut f = Fields::new(bytes);
    std::iter::from_fn(move || (f.pos < f.buf.len()).then(|| f.varint()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_wire_type() {
        // field 1 varint 300, field 2 bytes "hi", field 3 fixed32 7, field 4 fixed64 9
        let buf = [
            0x08, 0xac, 0x02, 0x12, 2, b'h', b'i', 0x1d, 7, 0, 0, 0, 0x21, 9, 0, 0, 0, 0, 0, 0, 0,
        ];
        let mut f = Fields::new(&buf);
        assert_eq!(f.next_field().unwrap(), Some((1, Wire::Varint(300))));
        assert_eq!(f.next_field().unwrap(), Some((2, Wire::Bytes(b"hi"))));
        assert_eq!(f.next_field().unwrap(), Some((3, Wire::Fixed32(7))));
        assert_eq!(f.next_field().unwrap(), Some((4, Wire::Fixed64(9))));
        assert_eq!(f.next_field().unwrap(), None);
    }

    #[test]
    fn refuses_lengths_past_the_end_and_long_varints() {
        // a length of 2^62 with two bytes behind it
        let mut f = Fields::new(&[
            0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 1, 2,
        ]);
        assert!(f.next_field().is_err());
        let mut f = Fields::new(&[
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ]);
        assert!(f.next_field().is_err());
        let mut f = Fields::new(&[0x0b]); // group start
        assert!(f.next_field().is_err());
        let mut f = Fields::new(&[0x08]);
        assert!(f.next_field().is_err());
        let packed: Vec<_> = packed_varints(&[1, 0x80]).collect();
        assert_eq!(packed[0], Ok(1));
        assert!(packed[1].is_err());
    }
}
