use std::sync::atomic::{AtomicI32, AtomicU64, AtomicU8, Ordering};

use shmsafe::{Atomic, ShmSafe};

#[derive(ShmSafe)]
#[repr(C)]
struct Slot {
    hits: AtomicU64,
    balance: AtomicI32,
    state: AtomicU8,
    _pad: [u8; 3],
}

fn is_atomic<T: ShmSafe<Mutability = Atomic>>() {}

fn main() {
    is_atomic::<Slot>();
    let slot: Slot = shmsafe::zeroed();
    slot.hits.fetch_add(1, Ordering::Relaxed);
    // Records with atomics are copied out of bytes, never borrowed.
    let copy: Slot = shmsafe::read_from_bytes(&[0; 16]).unwrap();
    assert_eq!(copy.hits.load(Ordering::Relaxed), 0);
}
