//! The fix for `tests/ui/fail/unsized_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
/// A fixed capacity and a length: the packet is always 68 bytes, `len` says how many count.
#[derive(ShmSafe)]
#[repr(C)]
struct Packet {
    len: u32,
    data: [u8; 64],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Packet::KIND]
}
