//! The fix for `tests/ui/fail/where_clause_bad_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
/// A `u8` flag (0 or 1) in place of the `bool`, and the record sized for `u8` values.
#[derive(ShmSafe)]
#[repr(C)]
struct Sample<T>
where
    T: Copy,
{
    value: T,
    valid: u8,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Sample::<u8>::KIND]
}
