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

    /// The OS refused access to the segment: it belongs to another user, or its mode forbids
    /// the access asked for.
    #[error(
        "permission denied for segment `{name}`: segments are created with mode 0600, so only \
         the user that created it can open it; run the reader as that user"
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
        size: u64,
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
        size: u64,
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
        /// Whether the creator still held the segment when it was opened. This comes from a
        /// lock the creator holds, which the kernel releases when the process ends however it
        /// ends: not from the process id, which another process may have reused, or which may
        /// belong to another pid namespace.
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

    /// The name in `/dev/shm` is not a regular file.
    #[error(
        "`{name}` is {file_type}, not a shared-memory segment: check the name (shmsafe segments \
         are regular files named shmsafe_...)"
    )]
    NotARegularFile {
        /// The name given.
        name: String,
        /// What it is: "a directory", "a FIFO (named pipe)", ...
        file_type: &'static str,
    },

    /// The segment belongs to another user, or users other than its owner may write it: either
    /// could change or shrink it while it is read, so it is not opened.
    #[error("{}", untrusted_message(.name, *.owner, *.mode, *.uid))]
    Untrusted {
        /// The name given.
        name: String,
        /// The user id that owns the file.
        owner: u32,
        /// Its permission bits, such as `0o666`.
        mode: u32,
        /// This process's effective user id.
        uid: u32,
    },

    /// The file system holding the segment (`/dev/shm`, a tmpfs) has too little free space.
    #[error(
        "segment `{name}` needs {size} bytes, and the file system that holds it (/dev/shm) does \
         not have them free: the space is reserved when the segment is created, so this is an \
         error now instead of a crash (SIGBUS) later; free space in /dev/shm (`df -h /dev/shm`, \
         `shmsafe::segments()`), enlarge it, or make the array smaller"
    )]
    NoSpace {
        /// The name the segment would have had.
        name: String,
        /// The bytes it needed.
        size: u64,
    },

    /// The record's layout description is too long to store in a segment.
    #[error(
        "the record's layout description is {bytes} bytes, more than the {max} a segment holds; \
         use fewer fields (group them into arrays)"
    )]
    LayoutTooLong {
        /// Its length in bytes.
        bytes: usize,
        /// The limit.
        max: usize,
    },

    /// Nothing is behind a sealed array's handle any more.
    #[error(
        "no sealed array is behind `{handle}`: the process that held it has exited or dropped \
         it (or never had that descriptor); ask the creator for a current handle"
    )]
    HandleGone {
        /// The handle given.
        handle: String,
    },

    /// A handle passed to [`SealedArray::open`](crate::SealedArray::open) is not of the form
    /// its [`handle`](crate::SealedArray::handle) returns.
    #[error(
        "`{handle}` is not a sealed array handle: {reason}; pass exactly the string that \
         SealedArray::handle returned, such as /proc/1234/fd/5#0123456789abcdef"
    )]
    InvalidHandle {
        /// The handle given.
        handle: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The file is not sealed against every change: another process could still write or
    /// resize it, so it cannot be opened without `unsafe`.
    #[error(
        "`{name}` is not a sealed array: it lacks {}; only a memfd sealed by \
         SealedArray (or shmsafe's Python package) can be opened safely",
        .missing.join(", ")
    )]
    NotSealed {
        /// The handle, or what the file descriptor was.
        name: String,
        /// The seals it lacks, such as `F_SEAL_WRITE`.
        missing: Vec<&'static str>,
    },

    /// The handle's nonce is not the one in the segment: the file descriptor number was reused
    /// by another file after the array it named was dropped.
    #[error(
        "`{name}` no longer names the sealed array it was given for: its nonce is {expected:016x} \
         but the file there now carries {found:016x} (the creator dropped that array and the \
         descriptor number was reused); ask the creator for a current handle"
    )]
    StaleHandle {
        /// The handle given.
        name: String,
        /// The nonce in the handle.
        expected: u64,
        /// The nonce in the segment now there.
        found: u64,
    },

    /// The kernel refused to seal the memfd because a writable shared mapping of it exists:
    /// another process of this user mapped it for writing while it was being filled.
    #[error(
        "sealing `{name}` was refused (EBUSY): a process holds a writable mapping of it; \
         nothing was shared, create the array again"
    )]
    SealRefused {
        /// What was being sealed.
        name: String,
        /// The OS error.
        #[source]
        source: io::Error,
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

    /// The publisher behind a [`Subscriber`](crate::Subscriber) is gone: its process ended
    /// (however it ended) or it dropped the [`Publisher`](crate::Publisher). Decided by a lock
    /// the kernel releases when the publisher's process ends, never by a process id.
    #[error(
        "the publisher behind `{handle}` is gone: its process exited, was killed, or dropped \
         the Publisher; the snapshots already held stay readable, and no new ones will come; \
         open the handle of a running publisher"
    )]
    PublisherGone {
        /// The publisher's handle.
        handle: String,
    },

    /// A handle passed to [`Subscriber::open`](crate::Subscriber::open) names a file that is
    /// not a publisher's control record.
    #[error(
        "`{handle}` is not a shmsafe publisher: {reason}; pass exactly the string that \
         Publisher::handle returned"
    )]
    NotAPublisher {
        /// The handle given.
        handle: String,
        /// What is wrong with the file behind it.
        reason: &'static str,
    },
}

fn untrusted_message(name: &str, owner: u32, mode: u32, uid: u32) -> String {
    if owner != uid {
        format!(
            "segment `{name}` belongs to user id {owner} (mode {mode:04o}), not to this process's \
             user (id {uid}): another user could change or shrink it while it is read, so it is \
             not opened; open segments created by your own user, and check that the name is \
             the one your creator printed"
        )
    } else {
        format!(
            "segment `{name}` can be written by users other than its owner (mode {mode:04o}): \
             one of them could change or shrink it while it is read, so it is not opened; \
             shmsafe creates segments with mode 0600, so this one was created or changed by \
             another program"
        )
    }
}

fn not_ready_message(name: &str, creator_pid: &u32, creator_running: &bool) -> String {
    if *creator_running {
        format!(
            "segment `{name}` is still being written by its creator (pid {creator_pid}): open it \
             after the creator publishes it"
        )
    } else {
        format!(
            "segment `{name}` was never published: its creator (pid {creator_pid}) no longer \
             holds it, so it died while writing; remove the segment with \
             shmsafe::remove(\"{name}\") (or `shmsafe clean`) and create it again"
        )
    }
}
