//! The fix for `tests/ui/fail/bool_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Flags {
    id: u32,
    active: u8, // 0 or 1; read it as `active != 0`
    _pad: [u8; 3],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Flags::KIND]
}
