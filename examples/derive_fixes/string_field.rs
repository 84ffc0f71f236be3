//! The fix for `tests/ui/fail/string_field.rs`.

use shmsafe::FixedStr;
use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: FixedStr<6>, // six bytes inside the record, like numpy's 'S6'
    _pad: [u8; 2],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Row::KIND]
}
