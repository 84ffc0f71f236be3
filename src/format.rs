//! The segment format, the same bytes for every kind of segment: a 64-byte [`Header`], the
//! layout section, then the records.
//!
//! ```text
//! offset 0    Header (64 bytes): magic, format version, state, fingerprint, len, data offset,
//!             nonce, record size and alignment, creator pid, length of the layout section
//! offset 64   the layout section, `layout_len` bytes of UTF-8: the record's layout as its
//!             `Display` shows it, a newline, and its numpy dtype description
//! data_offset len records, data_offset = round_up(64 + layout_len, max(64, record alignment))
//! ```
//!
//! The file is exactly `data_offset + len * record_size` bytes. A reader validates a private
//! copy of the header and of the layout section, never the shared bytes, and
//! accepts only what a writer produces: this module is the one place that knows the format, for
//! named segments ([`SharedArray`](crate::SharedArray)) and sealed ones
//! ([`SealedArray`](crate::SealedArray)) alike. Other languages and tests read the offsets from
//! [`Header`]'s own [`Layout`](crate::Layout) (`<Header as ShmSafe>::KIND`), not from a copy.

use crate::error::Error;
use crate::layout::Kind;
use crate::safe::ShmSafe;

/// The first eight bytes of every segment.
pub const MAGIC: [u8; 8] = *b"SHMSAFE\0";
/// The format version this build writes and reads. Version 2 added the nonce and the numpy
/// dtype in the layout section.
pub const VERSION: u32 = 2;
/// [`Header::state`] while the creator is still writing the records.
pub const WRITING: u32 = 0;
/// [`Header::state`] once every record is written: the only state a reader maps.
pub const READY: u32 = 1;
/// The longest layout section a segment may carry, in bytes.
pub const MAX_LAYOUT_LEN: usize = 64 * 1024;
/// Records start at a multiple of this (or of their alignment, if larger): a cache line.
pub const DATA_ALIGN: usize = 64;
/// The size of [`Header`] in bytes.
pub const HEADER_SIZE: usize = size_of::<Header>();

/// The first 64 bytes of every segment. It is itself a `ShmSafe` record, so its layout (and the
/// byte map in the book) comes from the derive, not from a table kept by hand.
///
/// All fields are in the byte order of the machine that wrote them; the fingerprint covers the
/// byte order, so a segment written on a machine of the other order is refused.
#[derive(crate::ShmSafe, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Header {
    /// [`MAGIC`].
    pub magic: [u8; 8],
    /// [`VERSION`].
    pub version: u32,
    /// [`WRITING`] or [`READY`]; any other value is a damaged header. The creator stores
    /// `READY` atomically, with `Release` ordering, once every record is written.
    pub state: u32,
    /// The record type's [`ShmSafe::FINGERPRINT`].
    pub fingerprint: u64,
    /// The number of records.
    pub len: u64,
    /// Where the records start: exactly [`data_offset`]`(layout_len, record_align)`.
    pub data_offset: u64,
    /// A random, non-zero number chosen by the creator: it binds a sealed array's handle to
    /// these bytes, so that a handle whose file descriptor number was reused is refused.
    pub nonce: u64,
    /// `size_of` the record type.
    pub record_size: u32,
    /// `align_of` the record type.
    pub record_align: u32,
    /// The process id of the creator, for messages only: liveness never rests on it.
    pub creator_pid: u32,
    /// The length of the layout section that follows the header, in bytes.
    pub layout_len: u32,
}

const _: () = assert!(HEADER_SIZE == 64);

/// The offset of the state word in the header: the one field that changes after creation.
pub(crate) const STATE_OFFSET: usize = core::mem::offset_of!(Header, state);

/// Where the records start for a layout section of `layout_len` bytes and records aligned to
/// `record_align`, or `None` on overflow.
pub fn data_offset(layout_len: usize, record_align: usize) -> Option<usize> {
    (HEADER_SIZE + layout_len).checked_next_multiple_of(record_align.max(DATA_ALIGN))
}

/// The layout section for records of `T`: their `Display`, a newline, their numpy dtype.
pub(crate) fn layout_section<T: ShmSafe>() -> String {
    let display = match T::KIND {
        Kind::Record(layout) => layout.to_string(),
        kind => format!("{kind} ({} bytes)", size_of::<T>()),
    };
    format!("{display}\n{}", T::KIND.numpy_dtype())
}

/// The layout of `T` for people: the first line of its layout section.
pub(crate) fn describe<T: ShmSafe>() -> String {
    let section = layout_section::<T>();
    section.split('\n').next().unwrap_or_default().to_owned()
}

/// Where things go in a segment for `len` records of `T`.
pub(crate) struct Plan {
    /// The header, state [`WRITING`], nonce chosen.
    pub header: Header,
    /// The layout section.
    pub layout: String,
    /// Where the records start.
    pub data_offset: usize,
    /// The size of the whole segment.
    pub total: usize,
}

impl Plan {
    /// Plans a segment for `len` records of `T`.
    ///
    /// Evaluating `T::FINGERPRINT` here also runs the padding checks of a generic record for
    /// this `T`, at compile time.
    pub(crate) fn new<T: ShmSafe>(len: usize, nonce: u64) -> Result<Plan, Error> {
        let fingerprint = const { T::FINGERPRINT };
        let layout = layout_section::<T>();
        if layout.len() > MAX_LAYOUT_LEN {
            return Err(Error::LayoutTooLong {
                bytes: layout.len(),
                max: MAX_LAYOUT_LEN,
            });
        }
        let too_large = || Error::TooLarge {
            len,
            record_size: size_of::<T>(),
        };
        let record_size = u32::try_from(size_of::<T>()).map_err(|_| too_large())?;
        let record_align = u32::try_from(align_of::<T>()).map_err(|_| too_large())?;
        let data_offset = data_offset(layout.len(), align_of::<T>()).ok_or_else(too_large)?;
        let total = size_of::<T>()
            .checked_mul(len)
            .and_then(|bytes| bytes.checked_add(data_offset))
            .filter(|&total| total <= isize::MAX as usize)
            .ok_or_else(too_large)?;
        let header = Header {
            magic: MAGIC,
            version: VERSION,
            state: WRITING,
            fingerprint,
            len: len as u64,
            data_offset: data_offset as u64,
            nonce,
            record_size,
            record_align,
            creator_pid: std::process::id(),
            layout_len: layout.len() as u32,
        };
        Ok(Plan {
            header,
            layout,
            data_offset,
            total,
        })
    }

    /// The header and the layout section, as the first bytes of the segment.
    pub(crate) fn prefix(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(HEADER_SIZE + self.layout.len());
        bytes.extend_from_slice(crate::as_bytes(&self.header));
        bytes.extend_from_slice(self.layout.as_bytes());
        bytes
    }
}

/// What a valid segment's header says, once checked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checked {
    pub len: usize,
    pub data_offset: usize,
    pub state: u32,
    pub creator_pid: u32,
    pub nonce: u64,
}

/// Reads the header and the layout section of a segment of `size` bytes through `read_at`
/// (which fills a buffer from an offset and returns how many bytes it read), into private
/// copies, and checks that they are exactly what a writer of records of `T` produces.
///
/// `name` is what the caller opened, for messages. The state is checked for being [`WRITING`]
/// or [`READY`]; whether the records may be read is the caller's decision.
pub(crate) fn validate<T: ShmSafe>(
    name: &str,
    size: u64,
    mut read_at: impl FnMut(&mut [u8], u64) -> std::io::Result<usize>,
) -> Result<Checked, Error> {
    let os = |source| Error::Os {
        operation: "reading the header of",
        name: name.to_owned(),
        source,
    };
    if size < HEADER_SIZE as u64 {
        return Err(Error::TooSmall {
            name: name.to_owned(),
            size,
            header: HEADER_SIZE,
        });
    }
    let mut raw = [0u8; HEADER_SIZE];
    read_exact(&mut read_at, &mut raw, 0).map_err(os)?;
    let header: Header = crate::read_from_bytes(&raw).expect("HEADER_SIZE bytes");
    if header.magic != MAGIC {
        return Err(Error::NotShmsafe {
            name: name.to_owned(),
            found: header.magic,
        });
    }
    if header.version != VERSION {
        return Err(Error::UnsupportedVersion {
            name: name.to_owned(),
            found: header.version,
            supported: VERSION,
        });
    }
    let corrupt = |problem: String| Error::CorruptHeader {
        name: name.to_owned(),
        problem,
    };
    let layout_len = header.layout_len as usize;
    let layout_fits = (1..=MAX_LAYOUT_LEN).contains(&layout_len)
        && HEADER_SIZE as u64 + layout_len as u64 <= size;
    if header.fingerprint != T::FINGERPRINT
        || header.record_size as usize != size_of::<T>()
        || header.record_align as usize != align_of::<T>()
    {
        let mut text = vec![0u8; if layout_fits { layout_len } else { 0 }];
        read_exact(&mut read_at, &mut text, HEADER_SIZE as u64).map_err(os)?;
        let text = String::from_utf8_lossy(&text);
        return Err(Error::LayoutMismatch {
            name: name.to_owned(),
            expected: T::KIND,
            expected_size: size_of::<T>(),
            expected_fingerprint: T::FINGERPRINT,
            found: printable(text.split('\n').next().unwrap_or_default()),
            found_size: u64::from(header.record_size),
            found_fingerprint: header.fingerprint,
        });
    }
    if !layout_fits {
        return Err(corrupt(format!(
            "its layout section is {layout_len} bytes, which is not between 1 and \
             {MAX_LAYOUT_LEN} or does not fit in the segment's {size} bytes"
        )));
    }
    let planned = data_offset(layout_len, align_of::<T>()).expect("layout_len is bounded");
    if header.data_offset != planned as u64 {
        return Err(corrupt(format!(
            "the records start at offset {}, where a writer puts them at offset {planned}",
            header.data_offset
        )));
    }
    let needed = header
        .len
        .checked_mul(u64::from(header.record_size))
        .and_then(|bytes| bytes.checked_add(header.data_offset));
    match needed {
        Some(needed) if needed == size => {}
        Some(needed) if needed < size => {
            return Err(corrupt(format!(
                "the segment is {size} bytes but its {} records end at byte {needed}; a writer \
                 makes it exactly that size",
                header.len
            )));
        }
        // Too short for its records, or more records than any segment could hold.
        _ => {
            return Err(Error::Truncated {
                name: name.to_owned(),
                size,
                len: header.len,
                record_size: u64::from(header.record_size),
                data_offset: header.data_offset,
                needed: needed.unwrap_or(u64::MAX),
            });
        }
    }
    if header.state != WRITING && header.state != READY {
        return Err(corrupt(format!(
            "its state word is {}, neither {WRITING} (being written) nor {READY} (ready)",
            header.state
        )));
    }
    if header.nonce == 0 {
        return Err(corrupt(
            "its nonce is 0, which no writer chooses".to_owned(),
        ));
    }
    Ok(Checked {
        // `needed == size`, which the caller could map, so these fit in `usize`.
        len: usize::try_from(header.len).map_err(|_| corrupt("too many records".into()))?,
        data_offset: planned,
        state: header.state,
        creator_pid: header.creator_pid,
        nonce: header.nonce,
    })
}

/// Fills `buf` from `offset`, or fails with `UnexpectedEof`.
fn read_exact(
    read_at: &mut impl FnMut(&mut [u8], u64) -> std::io::Result<usize>,
    mut buf: &mut [u8],
    mut offset: u64,
) -> std::io::Result<()> {
    while !buf.is_empty() {
        match read_at(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Text that came from a segment, made safe to print: control characters (which could move
/// the cursor or rewrite a terminal's screen) become `\u{..}` escapes, and it is cut to 1,000
/// characters.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 1000 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A random, non-zero 64-bit number.
pub(crate) fn random_u64() -> Result<u64, Error> {
    loop {
        let mut bytes = [0u8; 8];
        let read = rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty())
            .map_err(|e| Error::Os {
                operation: "choosing a random name or nonce for",
                name: "a new segment".to_owned(),
                source: e.into(),
            })?;
        if read < bytes.len() {
            continue;
        }
        let n = u64::from_ne_bytes(bytes);
        if n != 0 {
            return Ok(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedStr;

    #[derive(crate::ShmSafe, Clone, Copy)]
    #[repr(C)]
    struct Row {
        date: i64,
        val: f64,
        name: FixedStr<6>,
        _pad: [u8; 2],
    }

    fn segment<T: ShmSafe>(len: usize) -> (Plan, Vec<u8>) {
        let plan = Plan::new::<T>(len, 7).unwrap();
        let mut bytes = plan.prefix();
        bytes.resize(plan.total, 0);
        (plan, bytes)
    }

    fn check<T: ShmSafe>(bytes: &[u8]) -> Result<Checked, Error> {
        validate::<T>("test", bytes.len() as u64, |buf, offset| {
            let start = (offset as usize).min(bytes.len());
            let n = buf.len().min(bytes.len() - start);
            buf[..n].copy_from_slice(&bytes[start..start + n]);
            Ok(n)
        })
    }

    fn with_header(bytes: &[u8], edit: impl FnOnce(&mut Header)) -> Vec<u8> {
        let mut header: Header = crate::read_from_bytes(&bytes[..HEADER_SIZE]).unwrap();
        edit(&mut header);
        let mut out = bytes.to_vec();
        out[..HEADER_SIZE].copy_from_slice(crate::as_bytes(&header));
        out
    }

    #[test]
    fn the_header_is_64_bytes_with_the_state_at_12() {
        assert_eq!(HEADER_SIZE, 64);
        assert_eq!(STATE_OFFSET, 12);
        let Kind::Record(layout) = Header::KIND else {
            panic!("a record")
        };
        assert_eq!(layout.fields().len(), 11);
        assert_eq!(layout.fields()[2].name(), "state");
    }

    #[test]
    fn what_a_writer_produces_is_accepted() {
        let (plan, bytes) = segment::<Row>(10);
        let checked = check::<Row>(&bytes).unwrap();
        assert_eq!(checked.len, 10);
        assert_eq!(checked.data_offset, plan.data_offset);
        assert_eq!(checked.state, WRITING);
        assert_eq!(checked.data_offset % 64, 0);
        let section = std::str::from_utf8(&bytes[64..64 + plan.layout.len()]).unwrap();
        let (display, dtype) = section.split_once('\n').unwrap();
        assert!(display.starts_with("Row {date: <i8 @0"), "{display}");
        assert!(dtype.starts_with(r#"{"names": ["date""#), "{dtype}");
        let ready = with_header(&bytes, |h| h.state = READY);
        assert_eq!(check::<Row>(&ready).unwrap().state, READY);
    }

    #[test]
    fn what_no_writer_produces_is_refused() {
        let (plan, bytes) = segment::<Row>(10);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("state 2", with_header(&bytes, |h| h.state = 2)),
            ("state MAX", with_header(&bytes, |h| h.state = u32::MAX)),
            (
                "later data offset",
                with_header(&bytes, |h| h.data_offset += 64),
            ),
            ("fewer records", with_header(&bytes, |h| h.len -= 1)),
            ("no layout", with_header(&bytes, |h| h.layout_len = 0)),
            (
                "huge layout",
                with_header(&bytes, |h| h.layout_len = u32::MAX),
            ),
            ("nonce 0", with_header(&bytes, |h| h.nonce = 0)),
        ];
        for (what, bytes) in cases {
            let err = check::<Row>(&bytes).unwrap_err();
            assert!(matches!(err, Error::CorruptHeader { .. }), "{what}: {err}");
        }
        let more = with_header(&bytes, |h| h.len += 1);
        assert!(matches!(
            check::<Row>(&more).unwrap_err(),
            Error::Truncated { .. }
        ));
        let overflow = with_header(&bytes, |h| h.len = u64::MAX);
        assert!(matches!(
            check::<Row>(&overflow).unwrap_err(),
            Error::Truncated {
                needed: u64::MAX,
                ..
            }
        ));
        assert!(matches!(
            check::<Row>(&bytes[..plan.total - 1]).unwrap_err(),
            Error::Truncated { .. }
        ));
        assert!(matches!(
            check::<Row>(&bytes[..63]).unwrap_err(),
            Error::TooSmall { size: 63, .. }
        ));
        let v1 = with_header(&bytes, |h| h.version = 1);
        assert!(matches!(
            check::<Row>(&v1).unwrap_err(),
            Error::UnsupportedVersion { found: 1, .. }
        ));
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert!(matches!(
            check::<Row>(&magic).unwrap_err(),
            Error::NotShmsafe { .. }
        ));
    }

    #[test]
    fn another_type_is_a_layout_mismatch_with_printable_text() {
        let (_, mut bytes) = segment::<Row>(2);
        // A hostile creator puts terminal escapes into its layout text.
        bytes[64] = 0x1b;
        bytes[65] = b'[';
        let err = check::<[u64; 3]>(&bytes).unwrap_err();
        let Error::LayoutMismatch { found, .. } = &err else {
            panic!("{err}")
        };
        assert!(found.starts_with("\\u{1b}["), "{found}");
        assert!(!err.to_string().contains('\x1b'));
    }

    #[test]
    fn printable_escapes_control_characters_and_cuts() {
        assert_eq!(printable("a\nb\x07"), "a\\u{a}b\\u{7}");
        assert_eq!(printable(&"x".repeat(2000)).chars().count(), 1001);
    }
}
