//! The fix for `tests/ui/fail/raw_pointer_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
/// `len` bytes starting at index `start` of another shared array of bytes.
#[derive(ShmSafe)]
#[repr(C)]
struct Buffer {
    start: u64,
    len: u64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Buffer::KIND]
}
