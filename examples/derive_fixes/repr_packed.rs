//! The fix for `tests/ui/fail/repr_packed.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    flag: u8,
    _pad: [u8; 7], // where the compiler would have padded
    val: f64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Row::KIND]
}
