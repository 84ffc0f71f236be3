//! The fix for `tests/ui/fail/char_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Grade {
    student: u32,
    letter: u32, // read it with `char::from_u32(letter)`, which checks
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Grade::KIND]
}
