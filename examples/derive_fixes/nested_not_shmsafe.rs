//! The fix for `tests/ui/fail/nested_not_shmsafe.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)] // the nested record derives it too
#[repr(C)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(ShmSafe)]
#[repr(C)]
struct Segment {
    from: Point,
    to: Point,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Segment::KIND]
}
