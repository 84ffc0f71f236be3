//! The fix for `tests/ui/fail/missing_repr.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)] // fields in declaration order, at the same offsets in every build
struct Row {
    date: i64,
    val: f64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Row::KIND]
}
