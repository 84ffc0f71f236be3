//! The fix for `tests/ui/fail/rc_arc_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Shared {
    config: [u8; 16], // shared memory is already shared: no reference count needed
    cache: u64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Shared::KIND]
}
