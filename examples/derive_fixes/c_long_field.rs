//! The fix for `tests/ui/fail/c_long_field.rs`.

use shmsafe::ShmSafe;
use std::ffi::c_int;

// ANCHOR: fix
/// The width you mean, on every target: `i64` for C's `long` on 64-bit Linux, `u8` for its
/// `char`. `c_int` is 4 bytes on every target with shared memory, so it stays.
#[derive(ShmSafe)]
#[repr(C)]
struct Stat {
    size: i64,
    mode: c_int,
    first: u8,
    _pad: [u8; 3],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Stat::KIND]
}
