//! The fix for `tests/ui/fail/hidden_behind_names.rs`.

use shmsafe::{FixedStr, ShmSafe};

// ANCHOR: fix
/// The primitive by its full path where a type of the same name is in scope, and a fixed-size
/// array where the associated type was a `Vec`.
#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    val: core::primitive::f64,
    slot: [u8; 16],
    count: u64,
    label: FixedStr<8>,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Row::KIND]
}
