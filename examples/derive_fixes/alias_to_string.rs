//! The fix for `tests/ui/fail/alias_to_string.rs`.

use shmsafe::FixedStr;
use shmsafe::ShmSafe;

// ANCHOR: fix
type Name = FixedStr<16>;

#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    val: f64,
    name: Name,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Row::KIND]
}
