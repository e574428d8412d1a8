//! A bounds-checked little-endian cursor over the file's bytes. Every read states which section it
//! is in, so a short file is reported where it ends.

use crate::error::{GgufError, Section};

pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> u64 {
        (self.bytes.len() - self.pos) as u64
    }

    pub fn take(&mut self, n: u64, section: Section) -> Result<&'a [u8], GgufError> {
        let available = self.remaining();
        if n > available {
            return Err(GgufError::Truncated {
                section,
                offset: self.pos as u64,
                needed: n,
                available,
            });
        }
        // n <= remaining, which is a usize, so the cast and the addition are exact.
        let end = self.pos + n as usize;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    pub fn u8(&mut self, section: Section) -> Result<u8, GgufError> {
        Ok(self.take(1, section)?[0])
    }

    pub fn u32(&mut self, section: Section) -> Result<u32, GgufError> {
        let b = self.take(4, section)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self, section: Section) -> Result<u64, GgufError> {
        let b = self.take(8, section)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A length-prefixed string, refused before it is touched if longer than `limit`.
    /// Returns the byte offset of its length prefix and its bytes.
    pub fn string(&mut self, limit: u64, section: Section) -> Result<(u64, &'a [u8]), GgufError> {
        let offset = self.pos as u64;
        let len = self.u64(section)?;
        if len > limit {
            return Err(GgufError::StringTooLong {
                section,
                offset,
                declared: len,
                limit,
            });
        }
        Ok((offset, self.take(len, section)?))
    }
}
