//! The fix for `tests/ui/fail/isize_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Delta {
    change: i64,
    value: f64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Delta::KIND]
}
