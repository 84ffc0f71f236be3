//! The fix for `tests/ui/fail/mutex_field.rs`.

use shmsafe::ShmSafe;
use std::sync::atomic::AtomicU64;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Guarded {
    value: AtomicU64, // one value needs no lock: update it atomically
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Guarded::KIND]
}
