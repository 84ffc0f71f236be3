//! The fix for `tests/ui/fail/trailing_padding.rs`.

use shmsafe::FixedStr;
use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: FixedStr<6>,
    _pad: [u8; 2], // 22 bytes of fields, 24 bytes of record
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Row::KIND]
}
