//! The fix for `tests/ui/fail/cell_field.rs`.

use shmsafe::ShmSafe;
use std::sync::atomic::AtomicU64;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    id: u64,
    hits: AtomicU64, // `hits.fetch_add(1, Ordering::Relaxed)` from any process
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Counter::KIND]
}
