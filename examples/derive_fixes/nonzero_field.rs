//! The fix for `tests/ui/fail/nonzero_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Account {
    id: u32, // read it with `NonZeroU32::new(id)`, which checks
    balance: u32,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Account::KIND]
}
