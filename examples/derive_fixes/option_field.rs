//! The fix for `tests/ui/fail/option_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Reading {
    sensor: u64,
    value: f64,
    has_value: u8, // 0 = None
    _pad: [u8; 7],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Reading::KIND]
}
