//! The fix for `tests/ui/fail/atomic_bool_field.rs`.

use shmsafe::ShmSafe;
use std::sync::atomic::{AtomicU8, AtomicU64};

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct State {
    ready: AtomicU8, // 0 or 1
    _pad: [u8; 7],
    count: AtomicU64,
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![State::KIND]
}
