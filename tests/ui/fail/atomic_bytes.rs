// Records with atomics can be copied out of bytes, but not borrowed as bytes.
use std::sync::atomic::AtomicU64;

use shmsafe::ShmSafe;

#[derive(ShmSafe)]
#[repr(C)]
struct Counter {
    hits: AtomicU64,
}

fn main() {
    let counter = Counter { hits: AtomicU64::new(0) };
    let _ = shmsafe::as_bytes(&counter);
}
