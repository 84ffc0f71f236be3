//! Support for the code `#[derive(ShmSafe)]` generates. Not a public API: names here may change
//! in any release.

pub use core::mem::{align_of, offset_of, size_of};

/// Why padding is refused, in every padding error.
const WHY: &str = "Padding is never written, so it would carry stale bytes into shared memory. ";

/// Fails compilation, naming both fields, when `after` does not start right where `before`
/// ends: the bytes in between would be implicit padding.
pub const fn check_gap(record: &str, before: &str, after: &str, end: usize, start: usize) {
    if end == start {
        return;
    }
    let gap = start.wrapping_sub(end);
    let msg = Message::new()
        .str("`")
        .str(record)
        .str("` has ")
        .num(gap)
        .str(if gap == 1 { " byte" } else { " bytes" })
        .str(" of implicit padding between fields `")
        .str(before)
        .str("` (ends at byte ")
        .num(end)
        .str(") and `")
        .str(after)
        .str("` (starts at byte ")
        .num(start)
        .str("). ")
        .str(WHY)
        .str("Reorder the fields from largest to smallest alignment, or add `_pad: [u8; ")
        .num(gap)
        .str("]` after `")
        .str(before)
        .str("`.");
    panic!("{}", msg.as_str());
}

/// Fails compilation when the record is larger than the end of its last field: trailing
/// padding.
pub const fn check_tail(record: &str, last: &str, end: usize, size: usize) {
    if end == size {
        return;
    }
    let gap = size.wrapping_sub(end);
    let msg = Message::new()
        .str("`")
        .str(record)
        .str("` has ")
        .num(gap)
        .str(if gap == 1 { " byte" } else { " bytes" })
        .str(" of implicit padding after the last field `")
        .str(last)
        .str("` (ends at byte ")
        .num(end)
        .str(", the record is ")
        .num(size)
        .str(" bytes). ")
        .str(WHY)
        .str("Add `_pad: [u8; ")
        .num(gap)
        .str("]` after `")
        .str(last)
        .str("`, or reorder the fields.");
    panic!("{}", msg.as_str());
}

/// A message built at compile time (const fns cannot format).
struct Message {
    buf: [u8; 1024],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message {
            buf: [0; 1024],
            len: 0,
        }
    }

    const fn str(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        // Stop at a character boundary if the message is full.
        while i < bytes.len() && self.len < self.buf.len() - 4 {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        while i < bytes.len() && (bytes[i] & 0b1100_0000) == 0b1000_0000 {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn num(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < self.buf.len() {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "a record has implicit padding",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_both_fields_and_the_gap() {
        let m = Message::new()
            .str("`R` has ")
            .num(7)
            .str(" bytes")
            .num(0)
            .num(12345);
        assert_eq!(m.as_str(), "`R` has 7 bytes012345");
        let err = std::panic::catch_unwind(|| check_gap("R", "a", "b", 1, 8)).unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert!(msg.contains("7 bytes of implicit padding between fields `a` (ends at byte 1) and `b` (starts at byte 8)"), "{msg}");
        assert!(msg.contains("`_pad: [u8; 7]` after `a`"), "{msg}");
        check_gap("R", "a", "b", 8, 8);
        check_tail("R", "z", 24, 24);
    }
}
