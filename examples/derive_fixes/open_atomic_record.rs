//! The fix for `tests/ui/fail/open_atomic_record.rs`.

use std::sync::atomic::{AtomicU64, Ordering};

use shmsafe::{SharedArray, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    hits: AtomicU64,
}

/// The layout of the record, to show what it is.
pub fn layouts() -> Vec<shmsafe::Kind> {
    vec![Counter::KIND]
}

/// Opening a record with atomics: read-write, so that its atomics work.
pub fn check() -> Result<(), shmsafe::Error> {
    let counters = SharedArray::from_fn(1, |_| Counter {
        hits: AtomicU64::new(0),
    })?;
    // ANCHOR: fix
    // SAFETY: no process writes the (non-existent) non-atomic fields or shrinks the segment.
    let shared = unsafe { SharedArray::<Counter>::open_read_write(counters.name())? };
    shared[0].hits.fetch_add(1, Ordering::Relaxed);
    // ANCHOR_END: fix
    assert_eq!(counters[0].hits.load(Ordering::Relaxed), 1);
    Ok(())
}
