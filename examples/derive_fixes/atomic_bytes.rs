//! The fix for `tests/ui/fail/atomic_bytes.rs`.

use std::sync::atomic::{AtomicU64, Ordering};

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    hits: AtomicU64,
}

/// The layout of the record, to show what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Counter::KIND]
}

/// Reading a record with atomics: through its atomics, or as a copy of its bytes.
pub fn check() {
    // ANCHOR: fix
    let counter = Counter {
        hits: AtomicU64::new(3),
    };
    // Read an atomic field through its atomic `load`...
    let hits = counter.hits.load(Ordering::Relaxed);
    // ...or copy a whole record out of bytes, which works for every `ShmSafe` type.
    let bytes = hits.to_ne_bytes();
    let copy: Counter = shmsafe::read_from_bytes(&bytes).expect("8 bytes make a Counter");
    // ANCHOR_END: fix
    assert_eq!(copy.hits.into_inner(), 3);
}
