//! The fix for `tests/ui/fail/generic_padding.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
/// A generic record's padding depends on `T`. Write the record for the value type you
/// store, with its padding spelled out.
#[derive(ShmSafe)]
#[repr(C)]
struct TaggedU64 {
    tag: u8,
    _pad: [u8; 7],
    value: u64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![TaggedU64::KIND]
}
