//! The fix for `tests/ui/fail/hashmap_field.rs`.

use shmsafe::ShmSafe;

// ANCHOR: fix
#[derive(ShmSafe, Clone, Copy)]
#[repr(C)]
struct Entry {
    key: u64,
    value: u64,
}

/// A small map as a sorted array: look keys up with `entries[..len].binary_search_by_key`.
#[derive(ShmSafe)]
#[repr(C)]
struct Index {
    version: u64,
    len: u64,
    entries: [Entry; 32],
}
// ANCHOR_END: fix

/// The layout of the fixed record, to show that it compiles and what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Index::KIND]
}
