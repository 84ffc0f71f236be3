//! The fix for `tests/ui/fail/usize_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Slot {
    index: u64, // convert with `usize::try_from(index)` where you index
    value: f64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Slot::KIND]
}
