//! The fix for `tests/ui/fail/vec_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Series {
    start: i64,
    count: u32, // how many of the samples are used
    _pad: [u8; 4],
    samples: [f32; 16],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Series::KIND]
}
