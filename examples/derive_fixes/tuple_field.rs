//! The fix for `tests/ui/fail/tuple_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Point {
    id: u64,
    xy: [f64; 2], // or a `#[repr(C)]` struct `Xy { x: f64, y: f64 }` that derives ShmSafe
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Point::KIND]
}
