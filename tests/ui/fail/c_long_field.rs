// C's `long` is 4 bytes on 32-bit targets and 8 on 64-bit Linux; its `char` is signed on x86
// and unsigned on ARM. Each is refused by name, with the fixed-width type to write.
use shmsafe::ShmSafe;
use std::ffi::{c_char, c_int};

#[derive(ShmSafe)]
#[repr(C)]
struct Stat {
    size: std::os::raw::c_long,
    mode: c_int,
    first: c_char,
    _pad: [u8; 3],
}

fn main() {}
