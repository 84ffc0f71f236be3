//! The only module that talks to the operating system, over `rustix`: named segments in
//! `/dev/shm`, sealed memfds, mappings, file checks, locks.
//!
//! Why not the `shared_memory` crate, which the design first named: it always opens read-write
//! (so a read-only reader needs write permission), hides the file descriptor (so there is no
//! `fstat` to check who owns a segment and no `fallocate` to reserve its space), and treats fd 0
//! as "no file" (a process that closed its standard input never removes its segments). Those
//! are exactly the promises this crate makes, so it keeps these few hundred lines itself.
//!
//! On Linux, `shm_open(name)` is `open("/dev/shm/" + name)` (glibc and rustix do exactly that);
//! opening the path directly lets a reader add `O_NOFOLLOW` and `O_NONBLOCK`, so a planted link or
//! FIFO is refused instead of followed or waited on.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::fs::{FileType, FlockOperation, Mode, OFlags, SealFlags};
use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};

use crate::error::Error;
use crate::format::{self, STATE_OFFSET};

/// The prefix of every segment name this crate creates, as seen in `/dev/shm`.
pub(crate) const PREFIX: &str = "shmsafe_";
/// Where Linux keeps POSIX shared memory.
pub(crate) const SHM_DIR: &str = "/dev/shm";

/// How a segment is mapped into this process.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Access {
    /// Read-only pages, from a read-only file descriptor: a stray write faults in this process
    /// instead of corrupting the data, and read permission on the file is all it takes.
    ReadOnly,
    /// Readable and writable pages.
    ReadWrite,
}

/// A memory mapping of a file, unmapped when dropped.
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a `Mapping` owns its range of the address space like a `Box<[u8]>` owns its
// allocation; it hands out only raw pointers, and the types built on it decide what may be
// shared between threads.
unsafe impl Send for Mapping {}
// SAFETY: as above: `&Mapping` only gives out raw pointers.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes (more than zero) of `fd`, shared with every other mapping of
    /// the file unless `private`.
    fn new(fd: BorrowedFd<'_>, len: usize, access: Access, private: bool) -> io::Result<Mapping> {
        let prot = match access {
            Access::ReadOnly => ProtFlags::READ,
            Access::ReadWrite => ProtFlags::READ | ProtFlags::WRITE,
        };
        let flags = if private {
            MapFlags::PRIVATE
        } else {
            MapFlags::SHARED
        };
        // SAFETY: a null hint lets the kernel choose a fresh range, so no existing memory of this
        // process is replaced; the new range is owned by the returned `Mapping`, which unmaps
        // exactly `len` bytes of it when dropped.
        let ptr = unsafe { rustix::mm::mmap(core::ptr::null_mut(), len, prot, flags, fd, 0)? };
        Ok(Mapping {
            ptr: NonNull::new(ptr.cast()).expect("mmap never returns address 0 on success"),
            len,
        })
    }

    /// The start of the mapping: page-aligned.
    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The length of the mapping in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Gives the pages holding the first `len` bytes of the mapping write permission, or takes
    /// it away. The kernel skips what already has the asked-for permission, so repeating a call
    /// costs next to nothing.
    ///
    /// Write permission is only granted where the file was opened for writing (`EACCES`
    /// otherwise).
    fn protect(&self, len: usize, writable: bool) -> io::Result<()> {
        debug_assert!(len <= self.len);
        let flags = if writable {
            MprotectFlags::READ | MprotectFlags::WRITE
        } else {
            MprotectFlags::READ
        };
        // SAFETY: the range starts at this mapping's (page-aligned) start and ends within it
        // (the kernel rounds `len` up to a whole page, and the mapping is made of whole pages).
        // Adding write permission cannot break a reference; callers take it away only when no
        // one writes through the mapping any more (the writer that did is consumed).
        unsafe { rustix::mm::mprotect(self.ptr.as_ptr().cast(), len, flags)? };
        Ok(())
    }

    /// Maps the pages holding bytes `range` of the mapping into this process's page tables,
    /// read-only, without changing a byte (`MADV_POPULATE_READ`, Linux 5.14).
    ///
    /// Records written with [`write_at`] never pass through this process's page tables; this
    /// maps them, as writing through the mapping would have. What for: a page that only one
    /// process maps counts as private memory (USS) of that process, so without it the first
    /// reader of a segment would be charged with pages the creator holds too. Best effort: a
    /// kernel that refuses (older than 5.14) maps the pages on first access instead, which
    /// changes memory figures, never contents.
    pub(crate) fn populate_read(&self, range: core::ops::Range<usize>) {
        debug_assert!(range.start <= range.end && range.end <= self.len);
        // `madvise` wants a page-aligned start; 64 KiB is a multiple of every page size Linux
        // uses (4, 16 or 64 KiB). Rounding down only maps a few more pages of the same file.
        const ALIGN: usize = 1 << 16;
        let start = range.start / ALIGN * ALIGN;
        let end = range.end.min(self.len);
        if start >= end {
            return;
        }
        // SAFETY: the range lies inside this mapping (its start rounded down to a multiple of
        // the page size, which is still inside, since the mapping is page-aligned).
        // `MADV_POPULATE_READ` only faults pages in for reading, exactly as a read access
        // would: it changes no byte and no protection, so no reference into the mapping can
        // observe it.
        let _ = unsafe {
            rustix::mm::madvise(
                self.ptr.as_ptr().add(start).cast(),
                end - start,
                rustix::mm::Advice::LinuxPopulateRead,
            )
        };
    }

    /// The header's state word, loaded atomically with `Relaxed` ordering (a `Relaxed` load of
    /// a `u32` is the kind std allows on read-only memory); callers add an `Acquire` fence.
    pub(crate) fn load_state(&self) -> u32 {
        debug_assert!(self.len >= format::HEADER_SIZE);
        // SAFETY: every mapping of a segment is at least a header long (checked before mapping)
        // and page-aligned, so the state word is in bounds and aligned for `AtomicU32`; every
        // process accesses it only atomically once the segment exists.
        let state = unsafe { &*self.ptr.as_ptr().add(STATE_OFFSET).cast::<AtomicU32>() };
        state.load(Ordering::Relaxed)
    }

    /// Stores [`format::READY`] in the header's state word with `Release` ordering, so that a
    /// reader whose `Acquire` fence follows a load of `READY` sees every record written before.
    pub(crate) fn store_ready(&self) {
        // SAFETY: as in `load_state`; this mapping is writable (only writers call this).
        let state = unsafe { &*self.ptr.as_ptr().add(STATE_OFFSET).cast::<AtomicU32>() };
        state.store(format::READY, Ordering::Release);
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the range is exactly the mapping this value owns, and nothing borrows from it
        // any more (borrows of the arrays built on it end before they are dropped).
        let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// A named segment mapped into this process. The creator's also holds the file open, with an
/// exclusive lock that tells readers it is alive, and removes the name when dropped.
pub(crate) struct Segment {
    name: String,
    map: Mapping,
    /// The creator's descriptor, locked with `flock(LOCK_EX)`: readers probe the lock to tell
    /// whether the creator still runs. The kernel drops it when the process ends, however it
    /// ends.
    owner: Option<OwnedFd>,
}

impl Segment {
    /// Creates a segment of `size` bytes with a fresh random name, `O_EXCL` and mode 0600,
    /// reserves all of its space, writes `prefix` (header and layout section) at its start
    /// and maps it read-write.
    pub(crate) fn create(prefix: &[u8], size: usize) -> Result<Segment, Error> {
        debug_assert!(prefix.len() <= size);
        let (name, fd) = loop {
            let name = format!("{PREFIX}{:016x}", format::random_u64()?);
            match rustix::fs::open(
                path(&name),
                OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::RUSR | Mode::WUSR,
            ) {
                Ok(fd) => break (name, fd),
                // Two random 64-bit names collided: try another.
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(classify("creating", &name, e.into())),
            }
        };
        // From here on, dropping `removal` removes the name again, on every early return.
        let removal = Unlink(name);
        let name = &removal.0;
        rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive)
            .map_err(|e| classify("locking", name, e.into()))?;
        rustix::fs::ftruncate(&fd, size as u64).map_err(|e| classify("sizing", name, e.into()))?;
        // Pages of a tmpfs file are allocated when first touched; a touch that finds the file
        // system full kills the process with SIGBUS. Reserving them all now turns that into
        // an error here, for the creator and for every reader.
        rustix::fs::fallocate(&fd, rustix::fs::FallocateFlags::empty(), 0, size as u64).map_err(
            |e| match e {
                rustix::io::Errno::NOSPC => Error::NoSpace {
                    name: name.clone(),
                    size: size as u64,
                },
                e => classify("reserving space for", name, e.into()),
            },
        )?;
        write_all_at(&fd, prefix, 0).map_err(|e| classify("writing", name, e))?;
        // Read-only until the creator writes through it ([`Segment::make_writable`]): records
        // written with `pwrite` never need it writable, and taking write permission away from
        // a mapping whose pages are all mapped costs a walk over every page.
        let map = Mapping::new(fd.as_fd(), size, Access::ReadOnly, false)
            .map_err(|e| classify("mapping", name, e))?;
        Ok(Segment {
            name: removal.keep(),
            map,
            owner: Some(fd),
        })
    }

    /// The name, without a leading `/`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The mapping of the whole segment.
    pub(crate) fn mapping(&self) -> &Mapping {
        &self.map
    }

    /// Writes `bytes` at byte `offset` of the segment's file, which this process has mapped
    /// (see [`write_at`]). Only the creator holds the descriptor to write with.
    ///
    /// # Safety
    ///
    /// As [`write_at`].
    pub(crate) unsafe fn write_at(&self, bytes: &[u8], offset: usize) {
        let fd = self
            .owner
            .as_ref()
            .expect("only the creator writes records, and it holds the descriptor");
        // SAFETY: `fd` is the file this segment's mapping maps; the rest is the caller's.
        unsafe { write_at(fd.as_fd(), &self.map, bytes, offset) }
    }

    /// Gives the creator's mapping write permission, for writing records in place. The
    /// creator's mapping is read-only until then.
    pub(crate) fn make_writable(&self) -> Result<(), Error> {
        self.map.protect(self.map.len, true).map_err(|e| Error::Os {
            operation: "making writable the mapping of",
            name: self.name.clone(),
            source: e,
        })
    }

    /// Marks the segment ready (see [`Mapping::store_ready`]) and makes this process's mapping
    /// read-only. Only the page that holds the header needs write permission for the store; the
    /// rest of the mapping has it only if the creator wrote records in place.
    pub(crate) fn publish(&self) -> Result<(), Error> {
        let os = |operation, e| Error::Os {
            operation,
            name: self.name.clone(),
            source: e,
        };
        self.map
            .protect(format::HEADER_SIZE, true)
            .map_err(|e| os("making writable the header of", e))?;
        self.map.store_ready();
        self.map
            .protect(self.map.len, false)
            .map_err(|e| os("making read-only the mapping of", e))
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        if self.owner.is_some() {
            let _ = rustix::fs::unlink(path(&self.name));
        }
    }
}

/// Removes a name when dropped, unless kept.
struct Unlink(String);

impl Unlink {
    fn keep(mut self) -> String {
        core::mem::take(&mut self.0)
    }
}

impl Drop for Unlink {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let _ = rustix::fs::unlink(path(&self.0));
        }
    }
}

/// An existing named segment, opened and checked to be a regular file of this user that no one
/// else can write; not yet mapped.
pub(crate) struct Opened {
    name: String,
    fd: OwnedFd,
    size: u64,
}

impl Opened {
    /// Opens `name` (with or without a leading `/`) with `access`, and checks the file.
    pub(crate) fn open(name: &str, access: Access) -> Result<Opened, Error> {
        let name = validate_name(name)?;
        let mode = match access {
            Access::ReadOnly => OFlags::RDONLY,
            Access::ReadWrite => OFlags::RDWR,
        };
        let fd = rustix::fs::open(
            path(name),
            mode | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            // `O_NOFOLLOW` on a symbolic link.
            rustix::io::Errno::LOOP => Error::NotARegularFile {
                name: name.into(),
                file_type: "a symbolic link",
            },
            e => classify("opening", name, e.into()),
        })?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| classify("checking", name, e.into()))?;
        let file_type = FileType::from_raw_mode(stat.st_mode);
        if file_type != FileType::RegularFile {
            return Err(Error::NotARegularFile {
                name: name.into(),
                file_type: describe_file_type(file_type),
            });
        }
        let uid = rustix::process::geteuid().as_raw();
        let file_mode = stat.st_mode & 0o7777;
        if stat.st_uid != uid || file_mode & 0o022 != 0 {
            return Err(Error::Untrusted {
                name: name.into(),
                owner: stat.st_uid,
                mode: file_mode,
                uid,
            });
        }
        Ok(Opened {
            name: name.into(),
            fd,
            size: stat.st_size as u64,
        })
    }

    /// The name, without a leading `/`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The size of the file in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Reads into `buf` from `offset` of the file (a copy made by the kernel: nothing of the
    /// shared bytes is referenced by this process).
    pub(crate) fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        Ok(rustix::io::pread(&self.fd, buf, offset)?)
    }

    /// Whether the segment's creator still holds it (see [`creator_alive`]).
    pub(crate) fn creator_alive(&self) -> bool {
        creator_alive(self.fd.as_fd())
    }

    /// Maps the whole file and closes the descriptor (the mapping does not need it).
    pub(crate) fn map(self, access: Access) -> Result<Segment, Error> {
        let len = usize::try_from(self.size).map_err(|_| Error::Os {
            operation: "mapping",
            name: self.name.clone(),
            source: io::Error::other(format!(
                "the segment is {} bytes, more than this process can address; read it from a \
                 64-bit process",
                self.size
            )),
        })?;
        let map = Mapping::new(self.fd.as_fd(), len, access, false)
            .map_err(|e| classify("mapping", &self.name, e))?;
        Ok(Segment {
            name: self.name,
            map,
            owner: None,
        })
    }
}

/// Whether the creator of the file behind `fd` still holds it: it keeps an exclusive `flock`
/// from creation until it drops the segment, and the kernel releases that lock when the
/// process ends, whichever way it ends and in whatever pid namespace it ran. A shared lock taken
/// here fails exactly while it is held. When in doubt (an unexpected error), say alive.
pub(crate) fn creator_alive(fd: BorrowedFd<'_>) -> bool {
    match rustix::fs::flock(fd, FlockOperation::NonBlockingLockShared) {
        Ok(()) => {
            let _ = rustix::fs::flock(fd, FlockOperation::Unlock);
            false
        }
        Err(_) => true,
    }
}

fn path(name: &str) -> String {
    format!("{SHM_DIR}/{name}")
}

fn describe_file_type(file_type: FileType) -> &'static str {
    match file_type {
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO (named pipe)",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        _ => "a file of an unknown type",
    }
}

/// Writes `bytes` at byte `offset` of the file behind `fd`, of which `map` is a shared
/// mapping from offset 0, with `pwrite`: a copy made by the kernel straight into the file's
/// pages, which does not go through this process's page tables. For tmpfs and memfd files that
/// is cheaper than writing through `map`: a first write through a mapping takes a page fault
/// per page, which (for a page reserved with `fallocate` and not yet written) zeroes the page,
/// then maps it; `pwrite` of a whole page only copies. The bytes are the same ones `map`
/// shows, at once: a shared mapping maps the file's own pages.
///
/// Should the kernel refuse the `pwrite` (it does not for a file whose pages are reserved;
/// a memfd is not, and memory can run out), the rest is copied through `map`, exactly as
/// writing in place would have: this never fails where writing in place would not have.
///
/// # Safety
///
/// `offset..offset + bytes.len()` lies within `map`, and while this runs no Rust reference to
/// those bytes of the mapping is alive and no other thread reads or writes them: to Rust, the
/// kernel's copy is a write to that memory like any other (other threads may write other
/// bytes of the same file at the same time: the kernel serialises `pwrite`s to one file).
pub(crate) unsafe fn write_at(fd: BorrowedFd<'_>, map: &Mapping, bytes: &[u8], offset: usize) {
    debug_assert!(offset + bytes.len() <= map.len);
    let (mut bytes, mut offset) = (bytes, offset);
    while !bytes.is_empty() {
        match rustix::io::pwrite(fd, bytes, offset as u64) {
            Ok(n) if n > 0 => {
                bytes = &bytes[n..];
                offset += n;
            }
            Err(rustix::io::Errno::INTR) => {}
            // Refused (or wrote nothing): copy the rest in place instead.
            _ => {
                map.protect(map.len, true)
                    .expect("mprotect of this process's own mapping of a file opened to write");
                // SAFETY: `offset..offset + bytes.len()` is within the mapping (the caller's
                // promise, and `offset` only advanced by what was written), which was made
                // writable just above; no reference to those bytes is alive and no other thread
                // touches them (the caller's promise), so `bytes`, a live reference, cannot
                // overlap them.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        bytes.as_ptr(),
                        map.as_ptr().add(offset),
                        bytes.len(),
                    );
                }
                return;
            }
        }
    }
}

fn write_all_at(fd: &OwnedFd, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::pwrite(fd, bytes, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                bytes = &bytes[n..];
                offset += n as u64;
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The `Error` variant for an OS error on segment `name`: a missing name, a refused permission
/// and a full file system have their own variants, anything else is `Os`.
fn classify(operation: &'static str, name: &str, source: io::Error) -> Error {
    match rustix::io::Errno::from_io_error(&source) {
        Some(rustix::io::Errno::NOENT) => Error::NotFound { name: name.into() },
        Some(rustix::io::Errno::ACCESS | rustix::io::Errno::PERM) => Error::PermissionDenied {
            name: name.into(),
            source,
        },
        _ => Error::Os {
            operation,
            name: name.into(),
            source,
        },
    }
}

/// Strips one leading `/` and checks what the OS would refuse less clearly.
pub(crate) fn validate_name(name: &str) -> Result<&str, Error> {
    let bare = name.strip_prefix('/').unwrap_or(name);
    let reason = if bare.is_empty() {
        "it is empty"
    } else if bare.contains('/') {
        "it contains `/` after the first character"
    } else if bare.contains('\0') {
        "it contains a NUL byte"
    } else if bare.len() > 250 {
        "it is longer than 250 bytes"
    } else if bare == "." || bare == ".." {
        "it names a directory"
    } else {
        return Ok(bare);
    };
    Err(Error::InvalidName {
        name: format::printable(name),
        reason,
    })
}

/// Removes the segment `name` (with or without a leading `/`) if it is a `shmsafe` segment:
/// the way to clean up after a creator that was killed before it could remove its segment.
///
/// Processes that have the segment open keep their mapping; the name is gone at once, and the
/// memory is freed when the last mapping goes. [`segments`](crate::segments) lists what is
/// there; [`remove_stale`](crate::remove_stale) removes every segment whose creator is gone.
///
/// # Errors
///
/// [`Error::InvalidName`] for a name the OS cannot use, [`Error::NotFound`] if no segment has
/// that name, [`Error::PermissionDenied`] or [`Error::Untrusted`] if it belongs to another user,
/// [`Error::NotARegularFile`], [`Error::TooSmall`] or [`Error::NotShmsafe`] if it is not a
/// `shmsafe` segment (a Python `SharedMemory`, a POSIX semaphore, ...):
/// [`remove_any`](crate::remove_any) removes those.
///
/// ```no_run
/// // After `kill -9` of a creator, its segment is still there:
/// shmsafe::remove("shmsafe_0123456789abcdef")?;
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub fn remove(name: &str) -> Result<(), Error> {
    let opened = Opened::open(name, Access::ReadOnly)?;
    if opened.size() < format::HEADER_SIZE as u64 {
        return Err(Error::TooSmall {
            name: opened.name.clone(),
            size: opened.size(),
            header: format::HEADER_SIZE,
        });
    }
    let mut magic = [0u8; 8];
    match opened.read_at(&mut magic, 0) {
        Ok(8) if magic == format::MAGIC => {}
        Ok(_) => {
            return Err(Error::NotShmsafe {
                name: opened.name.clone(),
                found: magic,
            });
        }
        Err(e) => return Err(classify("reading", &opened.name, e)),
    }
    remove_any(&opened.name)
}

/// Removes whatever is named `name` in `/dev/shm` (with or without a leading `/`), `shmsafe`
/// segment or not: `shm_unlink`, as Python's `SharedMemory.unlink` does.
///
/// # Errors
///
/// [`Error::InvalidName`], [`Error::NotFound`], [`Error::PermissionDenied`] (`/dev/shm` is
/// sticky: only a file's owner may remove it).
pub fn remove_any(name: &str) -> Result<(), Error> {
    let bare = validate_name(name)?;
    rustix::fs::unlink(path(bare)).map_err(|e| classify("removing", bare, e.into()))
}

/// The names in `/dev/shm`, in no particular order.
pub(crate) fn shm_names() -> Result<Vec<String>, Error> {
    let entries = std::fs::read_dir(SHM_DIR).map_err(|source| Error::Os {
        operation: "listing",
        name: SHM_DIR.into(),
        source,
    })?;
    Ok(entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect())
}

// --- Sealed memfds -------------------------------------------------------------------------

/// The four seals that make a memfd immutable for every process, root included.
pub(crate) const ALL_SEALS: [(SealFlags, &str); 4] = [
    (SealFlags::WRITE, "F_SEAL_WRITE"),
    (SealFlags::SHRINK, "F_SEAL_SHRINK"),
    (SealFlags::GROW, "F_SEAL_GROW"),
    (SealFlags::SEAL, "F_SEAL_SEAL"),
];

/// A memfd of `size` bytes that allows sealing, with `prefix` written at its start, and a
/// writable shared mapping of it.
pub(crate) fn memfd_create(prefix: &[u8], size: usize) -> Result<(OwnedFd, Mapping), Error> {
    use rustix::fs::MemfdFlags;
    let os = |operation, e: rustix::io::Errno| Error::Os {
        operation,
        name: "a new sealed array".into(),
        source: e.into(),
    };
    let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    // `MFD_NOEXEC_SEAL` (Linux 6.3) also seals the file against being made executable, and keeps
    // newer kernels from warning about (or, with `vm.memfd_noexec=2`, refusing) an executable
    // memfd. Older kernels refuse the flag with `EINVAL`: fall back.
    let fd = match rustix::fs::memfd_create("shmsafe", flags | MemfdFlags::NOEXEC_SEAL) {
        Err(rustix::io::Errno::INVAL) => rustix::fs::memfd_create("shmsafe", flags),
        other => other,
    }
    .map_err(|e| os("creating", e))?;
    rustix::fs::ftruncate(&fd, size as u64).map_err(|e| os("sizing", e))?;
    write_all_at(&fd, prefix, 0).map_err(|e| Error::Os {
        operation: "writing",
        name: "a new sealed array".into(),
        source: e,
    })?;
    let map = Mapping::new(fd.as_fd(), size, Access::ReadWrite, false).map_err(|e| Error::Os {
        operation: "mapping",
        name: "a new sealed array".into(),
        source: e,
    })?;
    Ok((fd, map))
}

/// Adds the four seals. The kernel refuses `F_SEAL_WRITE` with `EBUSY` while any writable
/// shared mapping of the file exists, in any process: the caller drops its own first.
pub(crate) fn seal(fd: BorrowedFd<'_>, name: &str) -> Result<(), Error> {
    let all = ALL_SEALS
        .iter()
        .fold(SealFlags::empty(), |all, (seal, _)| all | *seal);
    rustix::fs::fcntl_add_seals(fd, all).map_err(|e| match e {
        rustix::io::Errno::BUSY => Error::SealRefused {
            name: name.into(),
            source: e.into(),
        },
        e => classify("sealing", name, e.into()),
    })
}

/// The names of the four seals that `fd` lacks (none for a fully sealed memfd; all four for a
/// file that cannot be sealed at all).
pub(crate) fn missing_seals(fd: BorrowedFd<'_>) -> Vec<&'static str> {
    let seals = rustix::fs::fcntl_get_seals(fd).unwrap_or(SealFlags::empty());
    ALL_SEALS
        .iter()
        .filter(|(seal, _)| !seals.contains(*seal))
        .map(|&(_, name)| name)
        .collect()
}

/// Opens `path` read-only: a handle's `/proc/<pid>/fd/<n>`. `O_NONBLOCK` keeps a FIFO from
/// blocking the open.
pub(crate) fn open_read_only(path: &str) -> Result<OwnedFd, Error> {
    rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| classify("opening", path, e.into()))
}

/// What `fstat` says of a descriptor that should be a sealed memfd: its size if it is a regular
/// file.
pub(crate) fn regular_file_size(fd: BorrowedFd<'_>, name: &str) -> Result<u64, Error> {
    let stat = rustix::fs::fstat(fd).map_err(|e| classify("checking", name, e.into()))?;
    let file_type = FileType::from_raw_mode(stat.st_mode);
    if file_type != FileType::RegularFile {
        return Err(Error::NotARegularFile {
            name: name.into(),
            file_type: describe_file_type(file_type),
        });
    }
    Ok(stat.st_size as u64)
}

/// Reads into `buf` from `offset` of `fd`.
pub(crate) fn read_at(fd: BorrowedFd<'_>, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    Ok(rustix::io::pread(fd, buf, offset)?)
}

/// Whether a sealed memfd's readers map it `MAP_SHARED` (the default) or `MAP_PRIVATE`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SealedMap {
    /// Try `MAP_SHARED`; fall back to `MAP_PRIVATE` where the kernel refuses it.
    Shared,
    /// `MAP_PRIVATE` only: the fallback path, forced (tests use it to run both paths).
    Private,
}

/// Maps `len` bytes of a write-sealed memfd read-only.
///
/// Kernels before Linux 6.7 (and some later stable releases) refuse a shared mapping of a
/// write-sealed memfd even without `PROT_WRITE`; a private read-only mapping is allowed
/// everywhere, and still maps the file's own pages, since nothing ever writes to it.
pub(crate) fn map_sealed(
    fd: BorrowedFd<'_>,
    len: usize,
    how: SealedMap,
    name: &str,
) -> Result<Mapping, Error> {
    let shared = match how {
        SealedMap::Shared => Mapping::new(fd, len, Access::ReadOnly, false),
        SealedMap::Private => Err(io::Error::from(rustix::io::Errno::PERM)),
    };
    match shared {
        Ok(map) => Ok(map),
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::PERM.raw_os_error()) => {
            Mapping::new(fd, len, Access::ReadOnly, true).map_err(|e| classify("mapping", name, e))
        }
        Err(e) => Err(classify("mapping", name, e)),
    }
}

// --- Live updates: a publisher's control memfd and its futex (used by `live.rs`) ----------
//
// A publisher keeps one small memfd that changes: the control record naming its newest sealed
// snapshot. It is sealed with `F_SEAL_FUTURE_WRITE` instead of `F_SEAL_WRITE`: the kernel then
// lets the mapping that exists at sealing time (the publisher's own) keep writing, and refuses
// every other way in, to every process: a new writable mapping, `mprotect(PROT_WRITE)`,
// `write`/`pwrite`, and (with the other three seals) any change of size.

/// The seals a control memfd carries: no writer but the publisher's existing mapping, a fixed
/// size, and no further change of seals.
pub(crate) const CONTROL_SEALS: [(SealFlags, &str); 4] = [
    (SealFlags::FUTURE_WRITE, "F_SEAL_FUTURE_WRITE"),
    (SealFlags::SHRINK, "F_SEAL_SHRINK"),
    (SealFlags::GROW, "F_SEAL_GROW"),
    (SealFlags::SEAL, "F_SEAL_SEAL"),
];

/// What OS errors about a control memfd call it.
const CONTROL: &str = "a publisher's control record";

/// Creates a control memfd of `size` bytes (zeros), maps it read-write and shared, and takes an
/// exclusive `flock` on it that lasts as long as the descriptor: subscribers probe it with
/// [`creator_alive`] from their own descriptor to tell whether the publisher still runs.
pub(crate) fn control_create(size: usize) -> Result<(OwnedFd, Mapping), Error> {
    use rustix::fs::MemfdFlags;
    let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    let fd = match rustix::fs::memfd_create("shmsafe-live", flags | MemfdFlags::NOEXEC_SEAL) {
        Err(rustix::io::Errno::INVAL) => rustix::fs::memfd_create("shmsafe-live", flags),
        other => other,
    }
    .map_err(|e| classify("creating", CONTROL, e.into()))?;
    rustix::fs::ftruncate(&fd, size as u64).map_err(|e| classify("sizing", CONTROL, e.into()))?;
    rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive)
        .map_err(|e| classify("locking", CONTROL, e.into()))?;
    let map = Mapping::new(fd.as_fd(), size, Access::ReadWrite, false)
        .map_err(|e| classify("mapping", CONTROL, e))?;
    Ok((fd, map))
}

/// Adds [`CONTROL_SEALS`]. The caller's writable mapping keeps working; nothing else can write.
pub(crate) fn control_seal(fd: BorrowedFd<'_>) -> Result<(), Error> {
    let all = CONTROL_SEALS
        .iter()
        .fold(SealFlags::empty(), |all, (seal, _)| all | *seal);
    rustix::fs::fcntl_add_seals(fd, all).map_err(|e| classify("sealing", CONTROL, e.into()))
}

/// The names of the [`CONTROL_SEALS`] that `fd` lacks.
pub(crate) fn control_missing_seals(fd: BorrowedFd<'_>) -> Vec<&'static str> {
    let seals = rustix::fs::fcntl_get_seals(fd).unwrap_or(SealFlags::empty());
    CONTROL_SEALS
        .iter()
        .filter(|(seal, _)| !seals.contains(*seal))
        .map(|&(_, name)| name)
        .collect()
}

/// Maps `len` bytes of a sealed control memfd read-only and shared, so that the publisher's
/// stores show through. `F_SEAL_FUTURE_WRITE` allows this on every kernel that has it (it only
/// refuses writable shared mappings, and clears `VM_MAYWRITE` so the mapping can never become
/// writable).
pub(crate) fn control_map(fd: BorrowedFd<'_>, len: usize, name: &str) -> Result<Mapping, Error> {
    Mapping::new(fd, len, Access::ReadOnly, false).map_err(|e| classify("mapping", name, e))
}

/// Sleeps while `word` holds `expected`, for at most `timeout`, or until a `futex_wake` on the
/// same word of the same file in any process. Not `FUTEX_PRIVATE_FLAG`: the kernel keys the
/// wait on the shared page, so the publisher's wake through its own mapping reaches a waiter
/// on a read-only mapping in another process (`FUTEX_WAIT` only reads the word).
///
/// Returns early, spuriously or on a signal, whenever the kernel says so: callers re-check.
pub(crate) fn futex_wait(word: &AtomicU32, expected: u32, timeout: std::time::Duration) {
    use rustix::thread::futex;
    let timeout = futex::Timespec {
        tv_sec: timeout.as_secs() as i64,
        tv_nsec: timeout.subsec_nanos().into(),
    };
    // `EAGAIN` (the word changed), `ETIMEDOUT` and `EINTR` all mean "look again".
    let _ = futex::wait(word, futex::Flags::empty(), expected, Some(&timeout));
}

/// Wakes every process and thread sleeping in [`futex_wait`] on `word`.
pub(crate) fn futex_wake_all(word: &AtomicU32) {
    use rustix::thread::futex;
    let _ = futex::wake(word, futex::Flags::empty(), i32::MAX as u32);
}

/// A sealed memfd of `total` bytes holding `prefix` at offset 0 and `records` at
/// `data_offset`, written with `pwrite` and sealed with [`ALL_SEALS`] without ever being
/// mapped: no page faults while filling, no writable mapping to tear down before the seal
/// (which the kernel would otherwise require), and nobody else can have mapped it either, since
/// it was never shared.
pub(crate) fn sealed_memfd_from_bytes(
    prefix: &[u8],
    records: &[u8],
    data_offset: usize,
    total: usize,
) -> Result<OwnedFd, Error> {
    use rustix::fs::MemfdFlags;
    const NAME: &str = "a new snapshot";
    debug_assert!(prefix.len() <= data_offset && data_offset + records.len() == total);
    let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    let fd = match rustix::fs::memfd_create("shmsafe", flags | MemfdFlags::NOEXEC_SEAL) {
        Err(rustix::io::Errno::INVAL) => rustix::fs::memfd_create("shmsafe", flags),
        other => other,
    }
    .map_err(|e| classify("creating", NAME, e.into()))?;
    rustix::fs::ftruncate(&fd, total as u64).map_err(|e| classify("sizing", NAME, e.into()))?;
    write_all_at(&fd, prefix, 0).map_err(|e| classify("writing", NAME, e))?;
    write_all_at(&fd, records, data_offset as u64).map_err(|e| classify("writing", NAME, e))?;
    seal(fd.as_fd(), NAME)?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert_eq!(validate_name("/abc").unwrap(), "abc");
        assert_eq!(validate_name("abc").unwrap(), "abc");
        for bad in ["", "/", "a/b", "//a", "a\0b", ".."] {
            let err = validate_name(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidName { .. }), "{bad:?}: {err}");
        }
        assert!(validate_name(&"x".repeat(251)).is_err());
    }

    #[test]
    fn os_errors_read_as_sentences() {
        let busy = io::Error::from(rustix::io::Errno::BUSY);
        let e = classify("removing", "x", busy);
        assert!(
            e.to_string().starts_with("removing segment `x` failed: "),
            "{e}"
        );
        let missing = io::Error::from(rustix::io::Errno::NOENT);
        assert!(matches!(
            classify("opening", "x", missing),
            Error::NotFound { .. }
        ));
    }

    #[test]
    fn removing_a_missing_segment_is_not_found() {
        let err = remove("shmsafe_does_not_exist_here").unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        let err = remove_any("shmsafe_does_not_exist_here").unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
    }

    #[test]
    fn segments_are_created_0600_locked_and_removed_on_drop() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let seg = Segment::create(b"hello", 4096).unwrap();
        let path = format!("/dev/shm/{}", seg.name());
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.len(), 4096);
        // All of its space is reserved: 4096 bytes are 8 blocks of 512.
        assert_eq!(meta.blocks(), 8);
        let opened = Opened::open(seg.name(), Access::ReadOnly).unwrap();
        assert!(opened.creator_alive());
        let mut buf = [0u8; 5];
        assert_eq!(opened.read_at(&mut buf, 0).unwrap(), 5);
        assert_eq!(&buf, b"hello");
        drop(seg);
        assert!(!std::path::Path::new(&path).exists());
        // The opener's descriptor still refers to the file, whose creator is gone.
        assert!(!opened.creator_alive());
    }

    #[test]
    fn records_are_written_with_pwrite_or_else_in_place() {
        let seg = Segment::create(b"header", 3 * 4096).unwrap();
        let record = |n: u8| vec![n; 5000];
        // SAFETY: nothing else in this process refers to these bytes of the mapping.
        unsafe { seg.write_at(&record(1), 100) };
        seg.mapping().populate_read(100..5100);
        // A descriptor that cannot write makes `pwrite` fail (`EBADF`): the bytes are copied
        // through the mapping instead, which was read-only until then.
        let read_only = Opened::open(seg.name(), Access::ReadOnly).unwrap();
        // SAFETY: as above.
        unsafe { write_at(read_only.fd.as_fd(), seg.mapping(), &record(2), 7000) };
        let mut buf = vec![0u8; 3 * 4096];
        assert_eq!(read_only.read_at(&mut buf, 0).unwrap(), buf.len());
        assert_eq!(&buf[..6], b"header");
        assert!(buf[100..5100].iter().all(|&b| b == 1));
        assert!(buf[5100..7000].iter().all(|&b| b == 0));
        assert!(buf[7000..12000].iter().all(|&b| b == 2));
        // The mapping shows the same bytes, and `publish` still works.
        // SAFETY: the mapping is 3 pages long; nothing writes to it any more.
        let mapped = unsafe { core::slice::from_raw_parts(seg.mapping().as_ptr(), buf.len()) };
        assert_eq!(mapped, &buf[..]);
        seg.publish().unwrap();
        assert_eq!(seg.mapping().load_state(), format::READY);
    }

    #[test]
    fn a_segment_that_is_not_shmsafe_is_not_removed_by_remove() {
        let seg = Segment::create(
            b"not a shmsafe header, but 64 bytes long, padded with zeros",
            4096,
        )
        .unwrap();
        let err = remove(seg.name()).unwrap_err();
        assert!(matches!(err, Error::NotShmsafe { .. }), "{err}");
        assert!(std::path::Path::new(&path(seg.name())).exists());
        remove_any(seg.name()).unwrap();
        assert!(!std::path::Path::new(&path(seg.name())).exists());
    }
}
