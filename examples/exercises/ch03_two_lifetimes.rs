//! Chapter 3: a segment's name and its memory have different lifetimes.

use std::ffi::CString;
use std::io;

// ANCHOR: solution
pub fn main(_args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    const SIZE: usize = 4096;
    let name = CString::new(format!("/book_ex03_{}", std::process::id()))?;
    // SAFETY: `name` is a valid NUL-terminated string.
    let fd = unsafe {
        libc::shm_open(
            name.as_ptr(),
            libc::O_CREAT | libc::O_EXCL | libc::O_RDWR,
            0o600,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error().into());
    }
    // SAFETY: `fd` is the descriptor just opened.
    let sized = unsafe { libc::ftruncate(fd, SIZE as libc::off_t) };
    // SAFETY: a fresh mapping chosen by the kernel of a descriptor we own.
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
    // SAFETY: `fd` is open; the mapping, if made, keeps the segment alive without it.
    unsafe { libc::close(fd) };
    // The name goes first, whatever happened: only the mapping keeps the memory now.
    // SAFETY: `name` is a valid NUL-terminated string.
    unsafe { libc::shm_unlink(name.as_ptr()) };
    if sized != 0 || ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error().into());
    }
    println!("after shm_unlink: the name is gone");

    // SAFETY: the mapping is SIZE readable and writable bytes, and only this process
    // has it.
    let bytes = unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), SIZE) };
    bytes[..10].copy_from_slice(b"still here");
    println!(
        "the mapping still works: {:?}",
        String::from_utf8_lossy(&bytes[..10])
    );

    // SAFETY: `name` is a valid NUL-terminated string.
    let again = unsafe { libc::shm_open(name.as_ptr(), libc::O_RDONLY, 0) };
    let error = io::Error::last_os_error();
    let result = if again < 0 {
        error.to_string()
    } else {
        "it opened".to_owned()
    };
    println!("opening the name again: {result}");
    if again >= 0 {
        // SAFETY: `again` is a descriptor we just opened.
        unsafe { libc::close(again) };
    }
    // SAFETY: `ptr` and SIZE are the mapping made above; `bytes` is not used after
    // this. The memory is freed now: no name, no mapping.
    unsafe { libc::munmap(ptr, SIZE) };
    Ok(())
}
// ANCHOR_END: solution
