//! The fix for `tests/ui/fail/box_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Node {
    value: u64,
    payload: [u8; 64], // the value itself, not a pointer to it
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Node::KIND]
}
