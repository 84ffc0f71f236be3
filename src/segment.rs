//! The only module that talks to the operating system: named POSIX shared-memory segments,
//! through the `shared_memory` crate, behind a small interface so that the backend could change.

use std::io;

use shared_memory::{Shmem, ShmemConf, ShmemError};

use crate::error::Error;

/// The prefix of every segment name this crate creates, as seen in `/dev/shm`.
pub(crate) const PREFIX: &str = "shmsafe_";

/// How a segment is mapped into this process.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Access {
    /// Read-only pages: a stray write faults in this process instead of corrupting the data.
    ReadOnly,
    /// Readable and writable pages.
    ReadWrite,
}

/// A mapped segment. The creator's unlinks the name when dropped; an opener's only unmaps.
pub(crate) struct Segment {
    shmem: Shmem,
    /// The name without the leading `/`: what `/dev/shm` shows and Python's `SharedMemory` takes.
    name: String,
}

impl Segment {
    /// Creates a segment of `size` bytes, zero-filled, with a fresh random name, `O_EXCL` and
    /// mode 0600, mapped read-write.
    pub(crate) fn create(size: usize) -> Result<Segment, Error> {
        check_free_space(size)?;
        loop {
            let name = random_name()?;
            match ShmemConf::new()
                .os_id(format!("/{name}"))
                .size(size)
                .create()
            {
                Ok(shmem) => return Ok(Segment { shmem, name }),
                // Two random 64-bit names collided: try another.
                Err(ShmemError::MappingIdExists) => continue,
                Err(e) => return Err(os_error("creating", &name, e)),
            }
        }
    }

    /// Opens the segment `name` (with or without a leading `/`).
    pub(crate) fn open(name: &str, access: Access) -> Result<Segment, Error> {
        let name = validate_name(name)?;
        let shmem = ShmemConf::new()
            .os_id(format!("/{name}"))
            .open()
            .map_err(|e| {
                let source = shmem_io_error(e);
                // The name was validated, so EINVAL is `mmap` refusing an empty segment.
                if source.raw_os_error() == Some(libc::EINVAL) {
                    Error::TooSmall {
                        name: name.into(),
                        size: 0,
                        header: crate::array::HEADER_SIZE,
                    }
                } else {
                    classify("opening", name, source)
                }
            })?;
        if access == Access::ReadOnly {
            // SAFETY: the range is exactly the mapping `shmem` owns, page-aligned at its start;
            // no reference into it exists yet, so dropping write permission breaks nothing.
            let rc = unsafe { libc::mprotect(shmem.as_ptr().cast(), shmem.len(), libc::PROT_READ) };
            if rc != 0 {
                return Err(Error::Os {
                    operation: "making read-only the mapping of",
                    name: name.into(),
                    source: io::Error::last_os_error(),
                });
            }
        }
        Ok(Segment {
            shmem,
            name: name.into(),
        })
    }

    /// The name, without a leading `/`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The start of the mapping: page-aligned.
    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.shmem.as_ptr()
    }

    /// The size of the segment in bytes.
    pub(crate) fn len(&self) -> usize {
        self.shmem.len()
    }
}

fn os_error(operation: &'static str, name: &str, e: ShmemError) -> Error {
    classify(operation, name, shmem_io_error(e))
}

/// The OS error inside a `shared_memory` error, or the error itself if it holds none.
fn shmem_io_error(e: ShmemError) -> io::Error {
    match e {
        ShmemError::MapCreateFailed(errno)
        | ShmemError::MapOpenFailed(errno)
        | ShmemError::UnknownOsError(errno) => io::Error::from_raw_os_error(errno as i32),
        other => io::Error::other(other),
    }
}

/// The `Error` variant for an OS error on segment `name`: a missing name and a refused
/// permission have their own variants, anything else is `Os`.
fn classify(operation: &'static str, name: &str, source: io::Error) -> Error {
    match source.raw_os_error() {
        Some(libc::ENOENT) => Error::NotFound { name: name.into() },
        Some(libc::EACCES | libc::EPERM) => Error::PermissionDenied {
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

/// `shmsafe_` and 16 random hex digits: 24 characters, unpredictable, short enough for every
/// platform's name limit.
fn random_name() -> Result<String, Error> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::Os {
        operation: "choosing a random name for",
        name: format!("{PREFIX}*"),
        source: io::Error::other(e),
    })?;
    Ok(format!("{PREFIX}{:016x}", u64::from_ne_bytes(bytes)))
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
        name: name.into(),
        reason,
    })
}

/// Refuses a segment larger than the free space of `/dev/shm`: pages of shared memory are
/// allocated when first written, and a write that finds no space kills the process with
/// `SIGBUS` instead of returning an error.
fn check_free_space(size: usize) -> Result<(), Error> {
    #[cfg(target_os = "linux")]
    {
        let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        // SAFETY: the path is a NUL-terminated literal and `stat` is valid for writes of a
        // `statvfs`.
        let rc = unsafe { libc::statvfs(c"/dev/shm".as_ptr(), stat.as_mut_ptr()) };
        if rc == 0 {
            // SAFETY: `statvfs` returned 0, so it filled in `stat`.
            let stat = unsafe { stat.assume_init() };
            let free = (stat.f_bavail as u128) * (stat.f_frsize as u128);
            if (size as u128) > free {
                return Err(Error::Os {
                    operation: "creating",
                    name: format!("{PREFIX}*"),
                    source: io::Error::new(
                        io::ErrorKind::StorageFull,
                        format!(
                            "the segment needs {size} bytes but /dev/shm has {free} bytes free; \
                             free space there or make the array smaller"
                        ),
                    ),
                });
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = size;
    Ok(())
}

/// Whether a process with this id exists (it may be another program that reused the id).
pub(crate) fn process_is_running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Removes the segment `name` (with or without a leading `/`): the way to clean up after a
/// creator that was killed before it could remove its segment.
///
/// Processes that have the segment open keep their mapping; the name is gone at once, and the
/// memory is freed when the last mapping goes. On Linux, `ls /dev/shm` lists the names.
///
/// # Errors
///
/// [`Error::InvalidName`] for a name the OS cannot use, [`Error::NotFound`] if no segment has
/// that name, [`Error::PermissionDenied`] if it belongs to another user.
///
/// ```no_run
/// // After `kill -9` of a creator, its segment is still there:
/// shmsafe::remove("shmsafe_0123456789abcdef")?;
/// # Ok::<(), shmsafe::Error>(())
/// ```
pub fn remove(name: &str) -> Result<(), Error> {
    let bare = validate_name(name)?;
    let c_name = std::ffi::CString::new(format!("/{bare}")).expect("validated: no NUL byte");
    // SAFETY: `c_name` is a valid NUL-terminated string that outlives the call.
    if unsafe { libc::shm_unlink(c_name.as_ptr()) } == 0 {
        return Ok(());
    }
    Err(classify("removing", bare, io::Error::last_os_error()))
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
    fn random_names_are_distinct_and_prefixed() {
        let a = random_name().unwrap();
        let b = random_name().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 16);
    }

    #[test]
    fn running_processes_are_told_from_gone_ones() {
        assert!(process_is_running(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_is_running(pid));
        assert!(!process_is_running(0));
        assert!(!process_is_running(u32::MAX));
    }

    #[test]
    fn os_errors_read_as_sentences() {
        let e = classify("removing", "x", io::Error::from_raw_os_error(libc::EBUSY));
        assert!(
            e.to_string().starts_with("removing segment `x` failed: "),
            "{e}"
        );
        assert!(matches!(
            classify("opening", "x", io::Error::from_raw_os_error(libc::ENOENT)),
            Error::NotFound { .. }
        ));
    }

    #[test]
    fn removing_a_missing_segment_is_not_found() {
        let err = remove("shmsafe_does_not_exist_here").unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
    }

    #[test]
    fn segments_are_created_0600_and_removed_on_drop() {
        use std::os::unix::fs::PermissionsExt;
        let seg = Segment::create(4096).unwrap();
        let path = format!("/dev/shm/{}", seg.name());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(seg);
        assert!(!std::path::Path::new(&path).exists());
    }
}
