//! `FixedStr<N>`: text in exactly `N` bytes, NUL-padded like numpy's `'SN'`.

use core::cmp::Ordering;
use core::fmt::{self, Write as _};
use core::hash::{Hash, Hasher};
use core::str::Utf8Error;

use crate::error::Error;
use crate::layout::Kind;
use crate::safe::{Frozen, ShmSafe};

/// A string stored in exactly `N` bytes: UTF-8 text followed by NUL bytes, with no length field
/// and no pointer, so it can live in shared memory. numpy calls it `'SN'`.
///
/// Text longer than `N` bytes does not fit, and you choose what happens then:
/// [`FixedStr::try_from`] refuses it, [`FixedStr::truncating`] keeps the longest prefix that
/// ends on a character boundary. The text ends at the first NUL byte, so text containing NUL is
/// cut there when read back.
///
/// Reading never assumes the bytes are valid UTF-8: another process may have written anything.
/// [`to_str`](FixedStr::to_str) checks, `Display` replaces invalid sequences with `�`.
///
/// # Examples
///
/// ```
/// use shmsafe::FixedStr;
///
/// let name = FixedStr::<6>::try_from("string")?;
/// assert_eq!(name, "string");
///
/// // Too long: an error that says both lengths...
/// let err = FixedStr::<6>::try_from("strings").unwrap_err();
/// assert_eq!(err.to_string(), "text of 7 bytes does not fit in FixedStr<6>; shorten it or use FixedStr::truncating to keep its first 6 bytes");
///
/// // ...or an explicit truncation, never inside a character.
/// assert_eq!(FixedStr::<6>::truncating("naïveté"), "naïve");
/// # Ok::<(), shmsafe::Error>(())
/// ```
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct FixedStr<const N: usize>([u8; N]);

// SAFETY: `FixedStr<N>` is `repr(transparent)` over `[u8; N]`: no padding, no pointer, every bit
// pattern valid (reading checks UTF-8 instead of assuming it).
#[diagnostic::do_not_recommend]
unsafe impl<const N: usize> ShmSafe for FixedStr<N> {
    type Mutability = Frozen;
    const KIND: Kind = Kind::Bytes { len: N };
}

impl<const N: usize> FixedStr<N> {
    /// The capacity in bytes.
    pub const CAPACITY: usize = N;

    /// The empty string: `N` NUL bytes.
    pub const fn new() -> Self {
        FixedStr([0; N])
    }

    /// Stores the longest prefix of `text` that fits in `N` bytes and ends on a UTF-8 character
    /// boundary, so what was written always reads back as valid text.
    ///
    /// ```
    /// # use shmsafe::FixedStr;
    /// assert_eq!(FixedStr::<3>::truncating("string"), "str");
    /// // "é" is two bytes: it does not fit in the third byte, so it is dropped whole.
    /// assert_eq!(FixedStr::<3>::truncating("aéb"), "a\u{e9}");
    /// assert_eq!(FixedStr::<2>::truncating("aé"), "a");
    /// ```
    pub fn truncating(text: &str) -> Self {
        let mut end = text.len().min(N);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Self::from_prefix(&text.as_bytes()[..end])
    }

    /// Wraps `N` raw bytes as they are, for example bytes read from another process.
    pub const fn from_bytes(bytes: [u8; N]) -> Self {
        FixedStr(bytes)
    }

    fn from_prefix(bytes: &[u8]) -> Self {
        let mut out = [0; N];
        out[..bytes.len()].copy_from_slice(bytes);
        FixedStr(out)
    }

    /// The text's bytes: everything before the first NUL (all `N` bytes if there is none).
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        &self.0[..end]
    }

    /// All `N` bytes, NUL padding included.
    pub const fn as_raw(&self) -> &[u8; N] {
        &self.0
    }

    /// The text, if [`as_bytes`](Self::as_bytes) is valid UTF-8.
    ///
    /// # Errors
    ///
    /// A [`Utf8Error`] when the bytes are not UTF-8: possible when another process wrote them.
    pub fn to_str(&self) -> Result<&str, Utf8Error> {
        core::str::from_utf8(self.as_bytes())
    }

    /// The length of the text in bytes (up to the first NUL).
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the text is empty (the first byte is NUL).
    pub fn is_empty(&self) -> bool {
        N == 0 || self.0[0] == 0
    }
}

impl<const N: usize> Default for FixedStr<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TryFrom<&str> for FixedStr<N> {
    type Error = Error;

    /// Stores `text` if it fits in `N` bytes.
    ///
    /// # Errors
    ///
    /// [`Error::StrTooLong`], which says both lengths, when `text` is longer than `N` bytes.
    fn try_from(text: &str) -> Result<Self, Error> {
        if text.len() > N {
            return Err(Error::StrTooLong {
                len: text.len(),
                capacity: N,
            });
        }
        Ok(Self::from_prefix(text.as_bytes()))
    }
}

/// Shows the text, with `�` for bytes that are not UTF-8.
impl<const N: usize> fmt::Display for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.as_bytes().utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{FFFD}")?;
            }
        }
        Ok(())
    }
}

/// Shows the text as a quoted string like `str`'s `Debug` (`"naïve"`), bytes that are not UTF-8
/// as `\xNN`.
impl<const N: usize> fmt::Debug for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for chunk in self.as_bytes().utf8_chunks() {
            for c in chunk.valid().chars() {
                // Quotes inside the text are escaped; a lone `'` need not be.
                if c == '\'' {
                    f.write_char(c)?;
                } else {
                    write!(f, "{}", c.escape_debug())?;
                }
            }
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        f.write_char('"')
    }
}

// Equality, order and hashing follow the text (`as_bytes`), so that they agree with each other
// and with `&str`. Bytes after the first NUL are not part of the text.
impl<const N: usize> PartialEq for FixedStr<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl<const N: usize> Eq for FixedStr<N> {}

impl<const N: usize> PartialOrd for FixedStr<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<const N: usize> Ord for FixedStr<N> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl<const N: usize> Hash for FixedStr<N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl<const N: usize> PartialEq<str> for FixedStr<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl<const N: usize> PartialEq<&str> for FixedStr<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl<const N: usize> PartialEq<FixedStr<N>> for str {
    fn eq(&self, other: &FixedStr<N>) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl<const N: usize> PartialEq<FixedStr<N>> for &str {
    fn eq(&self, other: &FixedStr<N>) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_strings_fit_in_six_bytes() {
        assert_eq!(FixedStr::<6>::try_from("string").unwrap(), "string");
        assert_eq!(
            FixedStr::<6>::try_from("abc").unwrap().as_raw(),
            b"abc\0\0\0"
        );
    }

    #[test]
    fn garbage_from_another_process_reads_safely() {
        let s = FixedStr::<4>::from_bytes([b'a', 0xff, b'b', 0]);
        assert!(s.to_str().is_err());
        assert_eq!(s.to_string(), "a\u{FFFD}b");
        assert_eq!(format!("{s:?}"), "\"a\\xffb\"");
        let text = FixedStr::<16>::truncating("日本 \"q\" it's\n");
        assert_eq!(format!("{text:?}"), format!("{:?}", "日本 \"q\" it's\n"));
        let full = FixedStr::<3>::from_bytes(*b"xyz");
        assert_eq!(full.to_str(), Ok("xyz"));
        assert_eq!(full.len(), 3);
    }

    #[test]
    fn zero_capacity_is_always_empty() {
        let s = FixedStr::<0>::truncating("abc");
        assert!(s.is_empty());
        assert_eq!(s, "");
        assert!(FixedStr::<0>::try_from("").is_ok());
    }

    #[test]
    fn comparisons_follow_the_text() {
        let a = FixedStr::<8>::truncating("abc");
        let b = FixedStr::<8>::truncating("abd");
        assert!(a < b);
        assert_eq!("abc", a);
        assert_eq!(a, FixedStr::<8>::default().max(a));
    }

    proptest! {
        #[test]
        fn truncating_is_a_valid_prefix_that_fits(text in ".{0,24}") {
            let s = FixedStr::<7>::truncating(&text);
            prop_assert!(s.len() <= 7);
            let read = s.to_str().expect("truncating writes valid UTF-8");
            prop_assert!(text.starts_with(read));
            // The longest such prefix: one more character would not fit.
            if let Some(next) = text[read.len()..].chars().next() {
                prop_assert!(read.len() + next.len_utf8() > 7 || next == '\0');
            }
        }

        #[test]
        fn try_from_fails_exactly_when_text_does_not_fit(text in "[^\u{0}]{0,12}") {
            match FixedStr::<8>::try_from(text.as_str()) {
                Ok(s) => {
                    prop_assert!(text.len() <= 8);
                    prop_assert_eq!(s.to_str().unwrap(), text.as_str());
                    prop_assert_eq!(FixedStr::<8>::truncating(&text), s);
                }
                Err(Error::StrTooLong { len, capacity }) => {
                    prop_assert!(text.len() > 8);
                    prop_assert_eq!((len, capacity), (text.len(), 8));
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }

        #[test]
        fn any_bytes_read_without_panicking(bytes in any::<[u8; 6]>()) {
            let s = FixedStr::from_bytes(bytes);
            prop_assert!(s.len() <= 6);
            prop_assert_eq!(s.to_str().is_ok(), core::str::from_utf8(s.as_bytes()).is_ok());
            let _ = (s.to_string(), format!("{s:?}"));
        }
    }
}
