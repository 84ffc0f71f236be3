//! Shared memory from scratch: `shm_open`, `ftruncate`, `mmap`, `munmap` and `shm_unlink`,
//! called directly through the `libc` crate, with no help from `shmsafe`.
//!
//! The creator makes a 1 MiB segment, writes a greeting and one mark per page, then starts a
//! second process (this same program, re-executed with `--read NAME`) that opens the segment by
//! name, maps it read-only and reports what it finds. Along the way both count their page
//! faults, to show that memory is handed out one page at a time, when first touched.
//!
//! ```text
//! cargo run --example shm_from_scratch
//! ```

use std::ffi::CString;
use std::io;
use std::process::Command;

const SIZE: usize = 1 << 20;
const PAGE: usize = 4096;
const GREETING: &str = "hello from the creator";

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--read") => read(&args[2]),
        _ => create(),
    }
}

// ANCHOR: create
fn create() -> io::Result<()> {
    // ANCHOR: open
    // A name is a single path component with a leading `/`; Linux shows it in /dev/shm.
    let name = format!("/book_scratch_{}", std::process::id());
    let c_name = CString::new(name.clone()).expect("no NUL in the name");

    // O_EXCL: fail rather than open someone else's segment. Mode 0600: only this user.
    // SAFETY: `c_name` is a valid NUL-terminated string.
    let fd = unsafe {
        libc::shm_open(
            c_name.as_ptr(),
            libc::O_CREAT | libc::O_EXCL | libc::O_RDWR,
            0o600,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // From here on, remove the name however we leave this function.
    let _unlink = Unlink(c_name.clone());
    println!("created {name}: {}", describe(fd)?);
    // ANCHOR_END: open

    // ANCHOR: size
    // A new segment is empty: give it a size. This reserves nothing yet.
    // SAFETY: `fd` is an open descriptor of the segment.
    if unsafe { libc::ftruncate(fd, SIZE as libc::off_t) } != 0 {
        return Err(io::Error::last_os_error());
    }
    println!("after ftruncate:   {}", describe(fd)?);
    // ANCHOR_END: size

    // ANCHOR: map
    // Map it into this process. MAP_SHARED: writes go to the segment, not a private copy.
    // SAFETY: a fresh mapping chosen by the kernel (address NULL) of a descriptor we own.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    // The mapping keeps the segment alive; the descriptor is no longer needed.
    // SAFETY: `fd` is open and nothing else uses it.
    unsafe { libc::close(fd) };
    // SAFETY: the mapping is SIZE bytes, readable and writable, and this process is its only
    // user until the reader starts (after we are done writing).
    let bytes = unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), SIZE) };
    // ANCHOR_END: map

    // ANCHOR: touch
    let faults = minor_faults();
    bytes[..GREETING.len()].copy_from_slice(GREETING.as_bytes());
    for page in 1..SIZE / PAGE {
        bytes[page * PAGE] = page as u8; // a mark on every page after the first
    }
    let faults = minor_faults() - faults;
    println!("writing to {} pages took {faults} page faults", SIZE / PAGE);
    println!("after writing:     {}", describe_path(&name)?);
    // ANCHOR_END: touch
    // ANCHOR_END: create

    // ANCHOR: spawn
    // Another process finds the segment by its name alone.
    let status = Command::new(std::env::current_exe()?)
        .args(["--read", &name])
        .status()?;
    assert!(status.success(), "the reader failed: {status}");
    // ANCHOR_END: spawn

    // ANCHOR: cleanup
    // SAFETY: `ptr` and SIZE are the mapping made above; `bytes` is not used after this.
    unsafe { libc::munmap(ptr, SIZE) };
    drop(_unlink); // shm_unlink: the name goes now, the memory when the last mapping does
    let path = format!("/dev/shm{name}");
    println!(
        "after shm_unlink:  {path} exists: {}",
        std::path::Path::new(&path).exists()
    );
    Ok(())
    // ANCHOR_END: cleanup
}

// ANCHOR: read
fn read(name: &str) -> io::Result<()> {
    // ANCHOR: read_map
    let c_name = CString::new(name).expect("no NUL in the name");
    // SAFETY: `c_name` is a valid NUL-terminated string.
    let fd = unsafe { libc::shm_open(c_name.as_ptr(), libc::O_RDONLY, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // PROT_READ only: this process cannot write to the segment, even by mistake.
    // SAFETY: a fresh read-only mapping of a descriptor we own.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            SIZE,
            libc::PROT_READ,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the mapping is SIZE bytes and readable; the creator finished writing before it
    // started this process and writes nothing while we read.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), SIZE) };
    // ANCHOR_END: read_map

    let faults = minor_faults();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(SIZE);
    let text = String::from_utf8_lossy(&bytes[..end]);
    let marks = (1..SIZE / PAGE)
        .filter(|&p| bytes[p * PAGE] == p as u8)
        .count();
    let faults = minor_faults() - faults;
    println!(
        "reader (pid {}) read {text:?} and {marks} page marks",
        std::process::id()
    );
    println!("reading {} pages took {faults} page faults", SIZE / PAGE);

    // SAFETY: `ptr` and SIZE are the mapping made above; `bytes` is not used after this.
    unsafe { libc::munmap(ptr, SIZE) };
    // ANCHOR_END: read

    // ANCHOR: populate
    // Prefaulting: MAP_POPULATE asks mmap to set up every page table entry at once.
    let faults = minor_faults();
    // ANCHOR: populate_map
    // SAFETY: a fresh read-only mapping of a descriptor we own.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            SIZE,
            libc::PROT_READ,
            libc::MAP_SHARED | libc::MAP_POPULATE,
            fd,
            0,
        )
    };
    // ANCHOR_END: populate_map
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let in_mmap = minor_faults() - faults;
    // SAFETY: as above: SIZE readable bytes that no one writes while we read.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), SIZE) };
    let faults = minor_faults();
    let marks = (1..SIZE / PAGE)
        .filter(|&p| bytes[p * PAGE] == p as u8)
        .count();
    let faults = minor_faults() - faults;
    println!(
        "with MAP_POPULATE: {in_mmap} page faults inside mmap, {faults} while reading {marks} marks"
    );
    // SAFETY: `ptr` and SIZE are the mapping just made; `bytes` is not used after this.
    unsafe { libc::munmap(ptr, SIZE) };
    // SAFETY: `fd` is open and nothing else uses it.
    unsafe { libc::close(fd) };
    Ok(())
}
// ANCHOR_END: populate

/// Removes the segment's name when dropped, so that an early return or a panic cleans up too.
struct Unlink(CString);

impl Drop for Unlink {
    fn drop(&mut self) {
        // SAFETY: the name is a valid NUL-terminated string.
        unsafe { libc::shm_unlink(self.0.as_ptr()) };
    }
}

/// The segment's size and mode, and how much memory it really holds, from `fstat`.
fn describe(fd: libc::c_int) -> io::Result<String> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `fd` is open and `stat` is valid for writes of a `stat`.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fstat` returned 0, so it filled in `stat`.
    let stat = unsafe { stat.assume_init() };
    Ok(format!(
        "size {} bytes, mode {:o}, memory used {} bytes",
        stat.st_size,
        stat.st_mode & 0o777,
        stat.st_blocks * 512
    ))
}

/// As [`describe`], from the path Linux shows in /dev/shm.
fn describe_path(name: &str) -> io::Result<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(format!("/dev/shm{name}"))?;
    Ok(format!(
        "size {} bytes, mode {:o}, memory used {} bytes",
        meta.size(),
        meta.mode() & 0o777,
        meta.blocks() * 512
    ))
}

/// The minor page faults this process has taken so far: each is the kernel mapping one page on
/// first touch.
fn minor_faults() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `usage` is valid for writes of a `rusage`.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: `getrusage(RUSAGE_SELF)` cannot fail with a valid pointer, so it filled `usage`.
    unsafe { usage.assume_init() }.ru_minflt
}
