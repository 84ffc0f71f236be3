//! `shmsafe::Error`: one variant per thing that can go wrong, each with a message a person can
//! act on.

use std::io;

use crate::layout::Kind;

/// Everything that can go wrong in `shmsafe`.
///
/// Each variant holds the values its message needs; the `Display` message says what happened,
/// with the name or value involved, and what to do. Errors from the operating system are kept
/// as the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Text does not fit in a [`FixedStr<N>`](crate::FixedStr).
    #[error(
        "text of {len} bytes does not fit in FixedStr<{capacity}>; shorten it or use \
         FixedStr::truncating to keep its first {capacity} bytes"
    )]
    StrTooLong {
        /// The length of the text in bytes.
        len: usize,
        /// `N`.
        capacity: usize,
    },

    /// A byte slice has the wrong length for the type it is read as.
    #[error(
        "{found} bytes cannot be read as {what}: expected {expected} bytes; pass a slice of \
         exactly that length"
    )]
    WrongByteLength {
        /// What was asked for, such as `` `Row` `` or `` `[Row]` of 4 records ``.
        what: String,
        /// The number of bytes needed.
        expected: usize,
        /// The number of bytes given.
        found: usize,
    },

    /// A byte slice is not aligned for the type it is borrowed as.
    #[error(
        "bytes at address {address:#x} cannot be borrowed as `{type_name}`, which needs \
         alignment {align}; copy the value out with shmsafe::read_from_bytes, or align the buffer"
    )]
    Misaligned {
        /// The type asked for.
        type_name: &'static str,
        /// Its alignment.
        align: usize,
        /// Where the bytes start.
        address: usize,
    },

    /// A segment name that the OS or this crate cannot use.
    #[error(
        "`{name}` is not a valid segment name: {reason}; pass the name that SharedArray::name \
         returned"
    )]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// No segment has this name.
    #[error(
        "no shared memory segment is named `{name}` (looked for /dev/shm/{name}): check the \
         name, and that its creator is still running, since the creator removes it when done"
    )]
    NotFound {
        /// The name given.
        name: String,
    },

    /// The segment exists but belongs to someone this process may not read.
    #[error(
        "permission denied opening segment `{name}`: segments are created with mode 0600, so \
         only the user that created it can open it"
    )]
    PermissionDenied {
        /// The name given.
        name: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },

    /// The segment is smaller than a `shmsafe` header.
    #[error(
        "segment `{name}` is {size} bytes, smaller than the {header}-byte shmsafe header: it was \
         not created by shmsafe, or its creator died while creating it"
    )]
    TooSmall {
        /// The name given.
        name: String,
        /// The size of the segment in bytes.
        size: usize,
        /// The size of the header in bytes.
        header: usize,
    },

    /// The segment does not start with the `shmsafe` magic bytes.
    #[error(
        "segment `{name}` is not a shmsafe array (it starts with {found:02x?} instead of \
         \"SHMSAFE\\0\"): it was created by another program; check the name"
    )]
    NotShmsafe {
        /// The name given.
        name: String,
        /// The first eight bytes of the segment.
        found: [u8; 8],
    },

    /// The segment was written by a version of `shmsafe` with another header format.
    #[error(
        "segment `{name}` has shmsafe format version {found}, this build reads version \
         {supported}: build the reader and the writer with the same shmsafe version"
    )]
    UnsupportedVersion {
        /// The name given.
        name: String,
        /// The version in the segment.
        found: u32,
        /// The version this build reads and writes.
        supported: u32,
    },

    /// The segment holds records of another layout than the type it is opened as.
    #[error(
        "segment `{name}` holds records of another layout: opened as {expected} (fingerprint \
         {expected_fingerprint:016x}), but it holds {found} (fingerprint \
         {found_fingerprint:016x}); open it with the record type its creator used, defined \
         identically in both programs"
    )]
    LayoutMismatch {
        /// The name given.
        name: String,
        /// The layout of the type it was opened as.
        expected: Kind,
        /// Its size in bytes.
        expected_size: usize,
        /// Its fingerprint.
        expected_fingerprint: u64,
        /// The layout the creator wrote into the segment, as text.
        found: String,
        /// The record size in the segment's header.
        found_size: u64,
        /// The fingerprint in the segment's header.
        found_fingerprint: u64,
    },

    /// The segment is too short for the number of records its header announces.
    #[error(
        "segment `{name}` is {size} bytes but its header announces {len} records of {record_size} \
         bytes from offset {data_offset}, which needs {needed} bytes: the segment was truncated \
         or its header is damaged"
    )]
    Truncated {
        /// The name given.
        name: String,
        /// The size of the segment.
        size: usize,
        /// The number of records announced.
        len: u64,
        /// The size of a record.
        record_size: u64,
        /// Where the records start.
        data_offset: u64,
        /// The bytes needed: `data_offset + len * record_size`, or `u64::MAX` if that overflows.
        needed: u64,
    },

    /// The segment's header is inconsistent in a way no `shmsafe` writer produces.
    #[error("segment `{name}` has a damaged header: {problem}; recreate the segment")]
    CorruptHeader {
        /// The name given.
        name: String,
        /// What is wrong.
        problem: String,
    },

    /// The creator has not finished writing the records.
    #[error("{}", not_ready_message(.name, .creator_pid, .creator_running))]
    NotReady {
        /// The name given.
        name: String,
        /// The process that created the segment.
        creator_pid: u32,
        /// Whether a process with that id was running when the segment was opened (a reused
        /// process id can make this `true` for a creator that is gone).
        creator_running: bool,
    },

    /// The array would not fit in this process's address space.
    #[error(
        "{len} records of {record_size} bytes do not fit in one segment on this machine; \
         split the data into several arrays"
    )]
    TooLarge {
        /// The number of records asked for.
        len: usize,
        /// The size of one record.
        record_size: usize,
    },

    /// The segment's records are not aligned for the record type in this process.
    #[error(
        "segment `{name}` maps its records at an address not aligned to {align} bytes, as \
         `{type_name}` needs; records aligned to more than a page cannot be shared"
    )]
    RecordsMisaligned {
        /// The name given.
        name: String,
        /// The record type.
        type_name: &'static str,
        /// Its alignment.
        align: usize,
    },

    /// Any other error from the operating system.
    #[error("{operation} segment `{name}` failed: {source}")]
    Os {
        /// What was being done: "creating", "opening", "mapping", "removing", ...
        operation: &'static str,
        /// The segment's name.
        name: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

fn not_ready_message(name: &str, creator_pid: &u32, creator_running: &bool) -> String {
    if *creator_running {
        format!(
            "segment `{name}` is still being written by its creator (pid {creator_pid}): open it \
             after the creator publishes it"
        )
    } else {
        format!(
            "segment `{name}` was never published: its creator (pid {creator_pid}) is no longer \
             running, so it died while writing; remove the segment with \
             shmsafe::remove(\"{name}\") and create it again"
        )
    }
}
