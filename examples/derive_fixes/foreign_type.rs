//! The fix for `tests/ui/fail/foreign_type.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe)]
#[repr(C)]
struct Job {
    id: u64,
    timeout_ns: u64, // `Duration::from_nanos(timeout_ns)` on reading
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Job::KIND]
}
